"""Diarization with the real offline models on real recordings: DER, speaker count, word attribution."""

from __future__ import annotations

import numpy as np
import pytest

from minutes.audio import SAMPLE_RATE, load
from minutes.diarize import DiarizeOptions, check_counts
from minutes.errors import UsageError
from minutes.pipeline import TranscriptPipeline
from tests.conftest import annotation_of, read_rttm

pytestmark = pytest.mark.model


def der(reference, turns) -> float:
    from pyannote.metrics.diarization import DiarizationErrorRate

    return DiarizationErrorRate(collar=0.25, skip_overlap=False)(reference, annotation_of(turns))


def test_two_speaker_conversation_der_at_most_12_percent(diarizer, data):
    result = diarizer.diarize(data / "audio" / "conv_pyannote_sample.wav")
    assert result.speakers == ["SPEAKER_1", "SPEAKER_2"]
    assert der(read_rttm(data / "ref" / "conv_pyannote_sample.rttm"), result.turns) <= 0.12
    assert set(result.centroids) == {"SPEAKER_1", "SPEAKER_2"} and len(result.centroids["SPEAKER_1"]) == 192
    assert all(t.end > t.start for t in result.exclusive)


def test_single_speaker_recording_has_one_speaker(diarizer, data):
    result = diarizer.diarize(data / "audio" / "derived_en_librivox_ss01_concat.wav")
    assert result.speakers == ["SPEAKER_1"]


def test_known_speaker_count_is_obeyed(diarizer, data):
    audio = load(data / "audio" / "ami_pyannote_trn00.wav")
    assert len(diarizer.diarize(audio, num_speakers=3).speakers) == 3
    assert len(diarizer.diarize(audio, max_speakers=1).speakers) == 1


def test_silence_and_a_one_second_file_give_sensible_results(diarizer, data):
    assert diarizer.diarize(np.zeros(5 * SAMPLE_RATE, dtype=np.float32)).turns == []
    one_second = load(data / "audio" / "en_jfk.wav")[SAMPLE_RATE : 2 * SAMPLE_RATE]
    assert len(diarizer.diarize(one_second).speakers) <= 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (DiarizeOptions(num_speakers=0), "--num-speakers must be at least 1"),
        (DiarizeOptions(min_speakers=3, max_speakers=2), "larger than --max-speakers"),
    ],
)
def test_impossible_counts_are_rejected(options, message):
    with pytest.raises(UsageError, match=message):
        check_counts(options)


@pytest.mark.slow
def test_named_speakers_match_the_reference_on_90_percent_of_words(transcriber, diarizer, data):
    pipeline = TranscriptPipeline(transcriber, diarizer, names=["Diane", "Sheila"])
    transcript = pipeline.run(data / "audio" / "conv_pyannote_sample.wav")
    reference = []
    for line in (data / "ref" / "conv_pyannote_sample.stm").read_text(encoding="utf-8").splitlines():
        _, _, speaker, start, end, *_ = line.split()
        reference.append((float(start), float(end), speaker))
    scored = agreed = 0
    for word in transcript.words:
        middle = (word.start + word.end) / 2
        truth = {s for a, b, s in reference if a - 0.1 <= middle <= b + 0.1}
        if len(truth) == 1:
            scored += 1
            agreed += word.speaker in truth
    assert scored >= 60
    assert agreed / scored >= 0.90
    assert {s.speaker for s in transcript.segments} == {"Diane", "Sheila"}
    assert transcript.turns and {t.speaker for t in transcript.turns} == {"Diane", "Sheila"}


def test_pyannote_telemetry_is_off(diarizer):
    from pyannote.audio.telemetry.metrics import is_metrics_enabled

    assert not is_metrics_enabled()
