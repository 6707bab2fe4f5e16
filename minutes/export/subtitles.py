"""Subtitle formats: SRT and WebVTT, sharing one cue builder so both files carry identical timing."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from minutes.export.common import clean, cue_clock, speaker_name, to_ms, visible_segments
from minutes.model import Segment, Transcript, Word

# Common broadcast guidance: at most two lines of about 42 characters, on screen for at most ~7 seconds.
MAX_LINE = 42
MAX_CHARS = 2 * MAX_LINE
MAX_DURATION = 7.0


@dataclass
class Cue:
    start_ms: int
    end_ms: int
    text: str
    speaker: str | None = None


def _join_words(words: list[Word]) -> str:
    """Whisper words carry their own leading space; hand-made or CJK-free word lists may not."""
    if any(w.text[:1].isspace() for w in words[1:]):
        return clean("".join(w.text for w in words))
    return clean(" ".join(w.text for w in words))


def _split_segment(seg: Segment, max_chars: int) -> list[tuple[float, float, str]]:
    """Cut a long segment at word boundaries so each piece fits two lines and MAX_DURATION (when words allow)."""
    words = [w for w in seg.words if clean(w.text)]
    chunks: list[list[Word]] = []
    for word in words:
        if chunks:
            current = chunks[-1]
            too_long = len(_join_words([*current, word])) > max_chars
            too_slow = word.end - current[0].start > MAX_DURATION
            if not (too_long or too_slow):
                current.append(word)
                continue
        chunks.append([word])
    if len(chunks) < 2:
        return [(seg.start, seg.end, clean(seg.text))]

    def clamp(t: float) -> float:
        return min(max(t, seg.start), seg.end)

    pieces = []
    for i, chunk in enumerate(chunks):
        start = seg.start if i == 0 else clamp(chunk[0].start)
        end = seg.end if i == len(chunks) - 1 else clamp(chunk[-1].end)
        pieces.append((start, end, _join_words(chunk)))
    return pieces


def build_cues(transcript: Transcript) -> list[Cue]:
    """Cues in time order with start <= end <= next start, whatever the input timing looks like."""
    cues = []
    for seg in visible_segments(transcript):
        speaker = speaker_name(seg)
        text = clean(seg.text)
        max_chars = MAX_CHARS - (len(speaker) + 3 if speaker else 0)  # room for the "[NAME] " shown with it
        if seg.words and (len(text) > max_chars or seg.duration > MAX_DURATION):
            pieces = _split_segment(seg, max(max_chars, MAX_LINE))
        else:
            pieces = [(seg.start, seg.end, text)]
        cues += [Cue(to_ms(start), to_ms(end), piece, speaker) for start, end, piece in pieces]
    # Integer milliseconds, so rounding cannot reintroduce an overlap when the clock is printed.
    cues.sort(key=lambda c: (c.start_ms, c.end_ms))
    for i, cue in enumerate(cues):
        cue.end_ms = max(cue.end_ms, cue.start_ms)
        if i + 1 < len(cues):
            cue.end_ms = min(cue.end_ms, cues[i + 1].start_ms)
    return cues


def wrap(text: str) -> list[str]:
    """Two balanced lines when the text fits in two; otherwise plain 42-column wrapping."""
    if len(text) <= MAX_LINE:
        return [text]
    if len(text) <= MAX_CHARS:
        spaces = [i for i, ch in enumerate(text) if ch == " "]
        if spaces:
            cut = min(spaces, key=lambda i: max(i, len(text) - i - 1))
            return [text[:cut], text[cut + 1 :]]
        return [text]
    return textwrap.wrap(text, MAX_LINE, break_long_words=False, break_on_hyphens=False) or [text]


def render_srt(transcript: Transcript) -> str:
    blocks = []
    for number, cue in enumerate(build_cues(transcript), start=1):
        text = f"[{cue.speaker}] {cue.text}" if cue.speaker else cue.text
        timing = f"{cue_clock(cue.start_ms, ',')} --> {cue_clock(cue.end_ms, ',')}"
        blocks.append("\n".join([str(number), timing, *wrap(text)]))
    return "".join(block + "\n\n" for block in blocks)


def _vtt_escape(text: str) -> str:
    """Cue text is markup: a bare `<` or `&` would start a tag or entity, and `-->` would end the timing."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_vtt(transcript: Transcript) -> str:
    blocks = ["WEBVTT"]
    for cue in build_cues(transcript):
        lines = [_vtt_escape(line) for line in wrap(cue.text)]
        if cue.speaker:
            lines[0] = f"<v {_vtt_escape(cue.speaker)}>{lines[0]}"
        timing = f"{cue_clock(cue.start_ms, '.')} --> {cue_clock(cue.end_ms, '.')}"
        blocks.append("\n".join([timing, *lines]))
    return "\n\n".join(blocks) + "\n"
