"""Voice profiles: storage, one-to-one matching, and enrollment from real speech."""

from __future__ import annotations

import numpy as np
import pytest

from minutes.errors import MinutesError, UsageError
from minutes.speakers import ProfileStore, VoiceProfile, build_profile, match_profiles


def unit(*values: float) -> list[float]:
    v = np.array(values, dtype=float)
    return list(v / np.linalg.norm(v))


def test_profiles_are_saved_listed_replaced_and_removed(tmp_path):
    store = ProfileStore(tmp_path)
    store.save(VoiceProfile("Nguyễn Thị Lan", unit(1, 0), 12.0, ["a.wav"], "2026-11-25"))
    store.save(VoiceProfile("Nguyễn Thị Lan", unit(0, 1), 15.0, ["b.wav"], "2026-11-25"))
    assert [(p.name, p.seconds) for p in store.list()] == [("Nguyễn Thị Lan", 15.0)]
    store.remove("Nguyễn Thị Lan")
    assert store.list() == []
    with pytest.raises(UsageError, match="no voice profile named 'Ghost'"):
        store.remove("Ghost")


def test_matching_is_one_to_one_and_thresholded():
    profiles = [VoiceProfile("Diane", unit(1, 0, 0), 20, [], ""), VoiceProfile("Sheila", unit(0, 1, 0), 20, [], "")]
    centroids = {"SPEAKER_1": unit(0.9, 0.1, 0), "SPEAKER_2": unit(0.8, 0.3, 0), "SPEAKER_3": unit(0, 0, 1)}
    assert match_profiles(centroids, profiles) == {"SPEAKER_1": "Diane"}  # SPEAKER_2 is not Sheila enough
    assert match_profiles(centroids, profiles, threshold=0.2) == {"SPEAKER_1": "Diane", "SPEAKER_2": "Sheila"}


def test_enrolling_from_no_speech_fails_with_one_line():
    with pytest.raises(MinutesError, match="no speech found for Lan"):
        build_profile("Lan", [], 0.0, ["silence.wav"])


@pytest.mark.model
def test_enrolled_voices_name_the_speakers_of_a_new_recording(diarizer, data, tmp_path):
    """Enroll Diane and Sheila from parts of the sample; diarizing the whole sample then names both."""
    from minutes.audio import load
    from minutes.diarize import voice_embeddings

    audio = load(data / "audio" / "conv_pyannote_sample.wav")

    def part(start: float, end: float) -> np.ndarray:
        return audio[int(start * 16000) : int(end * 16000)]

    diane = build_profile(
        "Diane", *voice_embeddings(diarizer, np.concatenate([part(10.8, 14.2), part(17.8, 21.5)])), []
    )
    sheila = build_profile("Sheila", *voice_embeddings(diarizer, part(21.9, 28.4)), [])
    result = diarizer.diarize(audio)
    names = match_profiles(result.centroids, [diane, sheila])
    assert sorted(names.values()) == ["Diane", "Sheila"]
    assert voice_embeddings(diarizer, np.zeros(3 * 16000, dtype=np.float32)) == ([], 0.0)
