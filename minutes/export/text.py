"""Reading formats: plain text and Markdown."""

from __future__ import annotations

import re

from minutes.export.common import clean, has_speakers, hms, short_clock, speaker_name, visible_segments
from minutes.model import Segment, Transcript

# A Markdown paragraph also ends at a long pause or after this long, so a monologue still gets timestamps.
PARAGRAPH_PAUSE = 3.0
PARAGRAPH_MAX = 60.0


def _turns(segments: list[Segment]) -> list[list[Segment]]:
    """Runs of consecutive segments by the same speaker."""
    turns: list[list[Segment]] = []
    for seg in segments:
        if turns and speaker_name(turns[-1][-1]) == speaker_name(seg):
            turns[-1].append(seg)
        else:
            turns.append([seg])
    return turns


def render_txt(transcript: Transcript) -> str:
    """One line per segment; with speakers, one `SPEAKER: ...` paragraph per turn, separated by blank lines."""
    segments = visible_segments(transcript)
    if not segments:
        return ""
    if not has_speakers(segments):
        return "\n".join(clean(s.text) for s in segments) + "\n"
    paragraphs = []
    for turn in _turns(segments):
        name = speaker_name(turn[0])
        text = " ".join(clean(s.text) for s in turn)
        paragraphs.append(f"{name}: {text}" if name else text)
    return "\n\n".join(paragraphs) + "\n"


_MD_SPECIAL = re.compile(r"([\\`*<>\[\]])|(?<!\w)_|_(?!\w)")


def _md_escape(text: str) -> str:
    """Escape what Markdown would turn into formatting or HTML; intra-word `_` (SPEAKER_00) is left readable."""
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), text)


def _paragraphs(segments: list[Segment]) -> list[list[Segment]]:
    paragraphs: list[list[Segment]] = []
    for seg in segments:
        if paragraphs:
            current = paragraphs[-1]
            same_speaker = speaker_name(current[-1]) == speaker_name(seg)
            pause = seg.start - current[-1].end
            if same_speaker and pause < PARAGRAPH_PAUSE and seg.end - current[0].start <= PARAGRAPH_MAX:
                current.append(seg)
                continue
        paragraphs.append([seg])
    return paragraphs


def _title(source: str | None) -> str:
    name = re.split(r"[\\/]", source)[-1] if source else ""
    return clean(name) or "Transcript"


def render_md(transcript: Transcript) -> str:
    """A readable transcript: title, a metadata list, then timestamped paragraphs with bold speaker names."""
    lines = [f"# {_md_escape(_title(transcript.source))}", ""]
    lines.append(f"- Language: {_md_escape(clean(transcript.language))}")
    lines.append(f"- Duration: {hms(transcript.duration)}")
    if transcript.model:
        lines.append(f"- Model: {_md_escape(clean(transcript.model))}")
    if transcript.created:
        lines.append(f"- Created: {_md_escape(clean(transcript.created))}")
    segments = visible_segments(transcript)
    if not segments:
        lines += ["", "_No speech was transcribed._"]
    for paragraph in _paragraphs(segments):
        name = speaker_name(paragraph[0])
        text = _md_escape(" ".join(clean(s.text) for s in paragraph))
        who = f"**{_md_escape(name)}:** " if name else ""
        lines += ["", f"**[{short_clock(paragraph[0].start)}]** {who}{text}"]
    return "\n".join(lines) + "\n"
