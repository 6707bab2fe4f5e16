"""Save a speaker's voice from a reviewed meeting as a voice profile, so later recordings name them.

The same enrolment as `minutes speakers enroll` (CAM++ embeddings, minutes.speakers.build_profile), fed with the
segments the secretary has confirmed are this person's: overlapped speech is left out, as it holds other voices.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from minutes.align import OVERLAP
from minutes.errors import UsageError
from minutes.model import Transcript
from minutes.speakers import VoiceProfile


def speech_of(samples: np.ndarray, transcript: Transcript, name: str, rate: int) -> np.ndarray:
    """The recording's samples where `name` speaks alone, joined."""
    parts = [
        samples[int(s.start * rate) : int(s.end * rate)]
        for s in transcript.segments
        if s.speaker == name and OVERLAP not in s.flags
    ]
    parts = [p for p in parts if len(p)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def save_voice(recording: Path, transcript: Transcript, name: str, diarizer: Any = None) -> VoiceProfile:
    from minutes import audio
    from minutes.diarize import Diarizer, voice_embeddings
    from minutes.speakers import ProfileStore, build_profile

    if not name.strip() or name.startswith("SPEAKER_"):
        raise UsageError("give the speaker a name first, then save the voice")
    speech = speech_of(audio.load(recording), transcript, name, audio.SAMPLE_RATE)
    if not len(speech):
        raise UsageError(f"{name} says nothing on their own in this meeting: no voice to save")
    embeddings, seconds = voice_embeddings(diarizer or Diarizer(), speech)
    profile = build_profile(name, embeddings, seconds, [str(recording)])
    ProfileStore().save(profile)
    return profile
