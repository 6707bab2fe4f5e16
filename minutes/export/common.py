"""Helpers shared by the writers: which segments are shown, text clean-up and clock formats."""

from __future__ import annotations

from minutes.model import Segment, Transcript, nfc

# Segments carrying one of these flags stay in the JSON (for review) but are never shown to a reader.
HIDDEN_FLAGS = frozenset({"hallucination"})


def clean(text: str) -> str:
    """NFC, with runs of whitespace (including newlines, which would end an SRT cue) collapsed to one space."""
    return nfc(" ".join(text.split()))


def speaker_name(segment: Segment) -> str | None:
    name = clean(segment.speaker or "")
    return name or None


def visible_segments(transcript: Transcript) -> list[Segment]:
    """Segments a reader should see: not flagged as hallucinated and not blank."""
    return [s for s in transcript.segments if not HIDDEN_FLAGS.intersection(s.flags) and clean(s.text)]


def has_speakers(segments: list[Segment]) -> bool:
    return any(speaker_name(s) for s in segments)


def to_ms(seconds: float) -> int:
    """Whole milliseconds, never negative: subtitle clocks cannot go below zero."""
    return max(0, round(seconds * 1000))


def cue_clock(ms: int, decimal: str) -> str:
    """HH:MM:SS,mmm (SRT) or HH:MM:SS.mmm (WebVTT); hours keep growing past 99 rather than wrapping."""
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{decimal}{millis:03d}"


def hms(seconds: float) -> str:
    """H:MM:SS, for durations."""
    hours, rest = divmod(int(max(0.0, seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def short_clock(seconds: float) -> str:
    """MM:SS under an hour, H:MM:SS from an hour on: what a reader scanning a transcript wants."""
    total = int(max(0.0, seconds))
    if total >= 3600:
        return hms(total)
    minutes, secs = divmod(total, 60)
    return f"{minutes:02d}:{secs:02d}"
