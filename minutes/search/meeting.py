"""What the index reads: a meeting as a list of units (a segment or a turn: speaker, text, time), from JSON files.

Two formats are understood: the project's transcript JSON (`minutes.model.Transcript`, as `minutes run` and
`minutes transcribe -f json` write it; title and date come from the minutes JSON `minutes run` writes beside it),
and the plain archive format of the search benchmark (`{"id", "turns": [{"speaker", "text"}]}`). Anything else is
`NotAMeeting`, which the walker turns into one warning line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minutes.model import MINUTES_SCHEMA, SCHEMA, Transcript
from minutes.search.text import clean


class NotAMeeting(ValueError):
    """A JSON file that is corrupt or is no transcript (one warning line, never a failed index run)."""


@dataclass(frozen=True)
class Unit:
    speaker: str
    text: str
    start: float | None = None  # seconds into the recording; None where the source has no times
    end: float | None = None


@dataclass
class Meeting:
    id: str  # stable key: re-indexing the same meeting replaces it
    units: list[Unit]
    title: str = ""
    date: str = ""
    language: str = ""
    source: str = ""  # the file it came from
    extra: dict[str, Any] = field(default_factory=dict)


def from_transcript(transcript: Transcript, meeting_id: str, title: str = "", date: str = "") -> Meeting:
    units = [
        Unit(speaker=s.speaker or "", text=clean(s.text), start=s.start, end=s.end)
        for s in transcript.segments
        if "hallucination" not in s.flags  # text Whisper invented on silence is kept out of txt/md, and out of here
    ]
    return Meeting(id=meeting_id, units=units, title=title, date=date, language=transcript.language)


def _minutes_beside(path: Path) -> dict[str, Any]:
    """Meeting details from the minutes JSON `minutes run` writes next to `<name>.transcript.json`."""
    stem = path.name.removesuffix(".transcript.json")
    for candidate in sorted(path.parent.glob(f"{stem}*.json")):
        if candidate == path or candidate.name.endswith(".transcript.json"):
            continue
        try:
            data = json.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("schema") == MINUTES_SCHEMA:
            return data.get("meeting") or {}
    return {}


def load(path: Path) -> Meeting | None:
    """The meeting in `path`; None for a file that is ours but no transcript (a minutes JSON); NotAMeeting else."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise NotAMeeting(f"{path}: not readable JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise NotAMeeting(f"{path}: not a transcript (a JSON {type(data).__name__})")
    if data.get("schema") == MINUTES_SCHEMA:
        return None  # read as the details of the transcript beside it
    if data.get("schema") == SCHEMA:
        try:
            transcript = Transcript.from_dict(data)
        except (TypeError, ValueError, KeyError) as exc:
            raise NotAMeeting(f"{path}: damaged transcript ({exc})") from exc
        info = _minutes_beside(path)
        title = str(info.get("title") or path.name.removesuffix(".transcript.json").removesuffix(".json"))
        meeting = from_transcript(transcript, str(path.resolve()), title, str(info.get("date") or ""))
        meeting.source = str(path.resolve())
        return meeting
    turns = data.get("turns")
    if isinstance(data.get("id"), str) and isinstance(turns, list) and all(isinstance(t, dict) for t in turns):
        units = [Unit(speaker=str(t.get("speaker") or ""), text=clean(str(t.get("text") or ""))) for t in turns]
        title = str(data.get("title") or data["id"])
        return Meeting(id=data["id"], units=units, title=title, date=str(data.get("date") or ""), source=str(path))
    raise NotAMeeting(f"{path}: not a transcript (no 'schema': {SCHEMA!r})")


def walk(paths: list[Path]) -> Iterator[Path]:
    """JSON files under the given files and folders, sorted, each once."""
    seen: set[Path] = set()
    for root in paths:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*.json") if p.is_file())
        for f in files:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                yield f
