"""What the index reads: a meeting as a list of units (a segment or a turn: speaker, text, time), from JSON files.

Two formats are understood: the project's transcript JSON (`minutes.model.Transcript`, as `minutes run` and
`minutes transcribe -f json` write it; title and date come from the minutes JSON `minutes run` writes beside it),
and the plain archive format of the search benchmark (`{"id", "turns": [{"speaker", "text"}]}`). Anything else is
`NotAMeeting`, which the walker turns into one warning line.
"""

from __future__ import annotations

import glob
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minutes.model import MINUTES_SCHEMA, SCHEMA, ActionItem, MeetingInfo, Minutes, Span, Transcript
from minutes.search.text import clean


class NotAMeeting(ValueError):
    """A JSON file that is corrupt or is no transcript (one warning line, never a failed index run)."""


# What a unit is: a stretch of speech, or an item of the minutes drafted from it (searched beside the speech, shown
# with its kind, and cited at the time of the speech it came from).
SPEECH = "speech"
ITEM_KINDS = ("details", "summary", "topic", "decision", "action", "question")


@dataclass(frozen=True)
class Unit:
    speaker: str
    text: str
    start: float | None = None  # seconds into the recording; None where the source has no times
    end: float | None = None
    kind: str = SPEECH  # or one of ITEM_KINDS


@dataclass
class Meeting:
    id: str  # stable key: re-indexing the same meeting replaces it
    units: list[Unit]
    title: str = ""
    date: str = ""
    language: str = ""
    source: str = ""  # the file it came from
    extra: dict[str, Any] = field(default_factory=dict)


def from_transcript(
    transcript: Transcript, meeting_id: str, title: str = "", date: str = "", minutes: Minutes | None = None
) -> Meeting:
    """The transcript's segments as speech units, then the minutes' items (when there are minutes)."""
    units = [
        Unit(speaker=s.speaker or "", text=clean(s.text), start=s.start, end=s.end)
        for s in transcript.segments
        if "hallucination" not in s.flags  # text Whisper invented on silence is kept out of txt/md, and out of here
    ]
    if minutes is not None:
        units += minutes_items(minutes)
        title = title or minutes.meeting.title
        date = date or minutes.meeting.date
    return Meeting(id=meeting_id, units=units, title=title, date=date, language=transcript.language)


def _item(kind: str, text: str, spans: list[Span], speaker: str = "") -> Unit | None:
    text = clean(text)
    if not text:
        return None
    start = min((s.start for s in spans), default=None)
    end = max((s.end for s in spans), default=None)
    return Unit(speaker=speaker, text=text, start=start, end=end, kind=kind)


def _action(item: ActionItem) -> Unit | None:
    # owner and due are part of the text, so "what did Lan take on" or "before 15/12" find the item by words
    extra = ", ".join(x for x in (item.owner, item.due) if x)
    return _item("action", f"{item.task} ({extra})" if extra else item.task, item.spans, item.owner or "")


def minutes_items(minutes: Minutes) -> list[Unit]:
    """Every item of the minutes as a unit: meeting details, summary, topics with their points, decisions, actions,
    open questions. Each is cited at the speech it was drafted from (its spans), or at no time if it has none."""
    info = minutes.meeting
    details = " · ".join(
        x
        for x in (
            info.title,
            info.number,
            info.agency,
            info.date,
            info.place,
            info.chair,
            ", ".join(info.attendees),
        )
        if x
    )
    found: list[Unit | None] = [_item("details", details, [])]
    found += [_item("summary", p.text, p.spans) for p in minutes.summary]
    for topic in minutes.topics:
        found.append(_item("topic", topic.title, [topic.span] if topic.span else []))
        found += [_item("summary", p.text, p.spans) for p in topic.summary]
        found += [_item("decision", p.text, p.spans) for p in topic.decisions]
        found += [_action(a) for a in topic.action_items]
    found += [_item("decision", p.text, p.spans) for p in minutes.decisions]
    found += [_action(a) for a in minutes.action_items]
    found += [_item("question", p.text, p.spans) for p in minutes.open_questions]
    return [u for u in found if u is not None]


def read_minutes(path: Path) -> Minutes | None:
    """A minutes JSON; None for anything else or a damaged one (the transcript is then indexed without items)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("schema") != MINUTES_SCHEMA:
        return None
    try:
        return Minutes.from_dict(data)
    except (ValueError, TypeError, KeyError, AttributeError):
        # damaged items: keep what names the meeting, if that much is readable
        info = data.get("meeting") if isinstance(data.get("meeting"), dict) else {}
        known = {k: str(v) for k, v in info.items() if k in ("title", "date") and v}
        return Minutes(meeting=MeetingInfo(**known), language=str(data.get("language") or ""))


def minutes_beside(path: Path) -> Minutes | None:
    """The minutes JSON `minutes run` writes next to `<name>.transcript.json` (`<name>.minutes.json`)."""
    stem = path.name.removesuffix(".transcript.json")
    for candidate in sorted(path.parent.glob(f"{glob.escape(stem)}*.json")):
        if candidate != path and not candidate.name.endswith(".transcript.json"):
            found = read_minutes(candidate)
            if found is not None:
                return found
    return None


def load(path: Path, minutes_json: Path | None = None) -> Meeting | None:
    """The meeting in `path`; None for a file that is ours but no transcript (a minutes JSON); NotAMeeting else.
    A transcript's minutes are read from `minutes_json`, else from the minutes JSON beside it."""
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
        minutes = read_minutes(minutes_json) if minutes_json else minutes_beside(path)
        title = (minutes.meeting.title if minutes else "") or path.name.removesuffix(".transcript.json")
        date = minutes.meeting.date if minutes else ""
        meeting = from_transcript(transcript, str(path.resolve()), title.removesuffix(".json"), date, minutes)
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
