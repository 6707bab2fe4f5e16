"""RTTM (NIST Rich Transcription Time Marked): one SPEAKER line per diarization turn, as scoring tools read."""

from __future__ import annotations

from pathlib import Path

from minutes.model import SpeakerTurn, Transcript


def _field(text: str) -> str:
    # RTTM fields are separated by white space, so names like "Nguyễn Văn A" need another separator.
    return "_".join(text.split()) or "unknown"


def render_rttm(transcript: Transcript) -> str:
    """Turns from diarization (overlaps included); a transcript without them falls back to its segments."""
    uri = _field(Path(transcript.source).stem if transcript.source else "recording")
    turns = transcript.turns or [
        SpeakerTurn(s.start, s.end, s.speaker) for s in transcript.segments if s.speaker and s.end > s.start
    ]
    lines = [
        f"SPEAKER {uri} 1 {t.start:.3f} {t.end - t.start:.3f} <NA> <NA> {_field(t.speaker)} <NA> <NA>"
        for t in sorted(turns, key=lambda t: (t.start, t.end))
        if t.end > t.start
    ]
    return "".join(line + "\n" for line in lines)
