"""The secretary's corrections as data: each edit is a small JSON operation applied to the transcript and minutes.

Pure transforms: `apply(doc, op)` returns the corrected document and touches no file, so the journal can replay
the same operations on the untouched machine transcript after a crash, and undo is "replay all but the last".
Segments and items are addressed by position at the time of the edit; replaying in order keeps those positions
meaningful.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from typing import Any

from minutes.align import rename_speakers
from minutes.errors import UsageError
from minutes.model import ActionItem, Minutes, Point, Segment, Span, Topic, Transcript, Word, nfc

# Which lists of the minutes hold which kind of item, and the fields the editor may set on each.
POINT_LISTS = ("summary", "decisions", "open_questions")
ITEM_LISTS = (*POINT_LISTS, "action_items")
ITEM_FIELDS = {"text", "task", "owner", "due", "title"}
MEETING_FIELDS = {"title", "number", "agency", "parent_agency", "date", "start_time", "end_time", "place"} | {
    "chair",
    "secretary",
    "attendees",
    "absent",
    "recipients",
}
TRANSCRIPT_OPS = {"text", "rename", "merge", "assign", "split"}
MINUTES_OPS = {"item.set", "item.add", "item.delete", "item.move", "meeting.set", "redraft", "rename", "merge"}


class EditError(UsageError):
    """An edit that does not fit the document (stale page, wrong position, bad field)."""


@dataclass
class Document:
    transcript: Transcript
    minutes: Minutes | None


def apply(doc: Document, op: dict[str, Any]) -> Document:
    """The document with `op` applied. Raises EditError for an operation that does not fit."""
    kind = op.get("op")
    handler = HANDLERS.get(kind)  # type: ignore[arg-type]
    if handler is None:
        raise EditError(f"unknown edit {kind!r}")
    try:
        return handler(doc, op)
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise EditError(
            f"edit {kind} does not fit this meeting ({type(exc).__name__}: {exc}); reload the page"
        ) from None


# -- transcript ---------------------------------------------------------------------------------------------------


def _segment(doc: Document, op: dict[str, Any]) -> Segment:
    index = int(op["seg"])
    if not 0 <= index < len(doc.transcript.segments):
        raise IndexError(f"no segment {index}")
    return doc.transcript.segments[index]


def retime_words(old: list[Word], text: str, speaker: str | None) -> list[Word]:
    """Words for corrected text, keeping the timing of every word left as it was.

    Whisper's words carry their own spacing ("$2" ".4" is one written token), so old words are first grouped into
    the space-separated tokens the secretary saw. Unchanged tokens keep their words, times and confidence; a
    replaced run shares the time of the tokens it replaces (evenly), and an inserted token sits at its neighbour's
    time. Corrected words get probability 1: a person has checked them, so they are no longer marked doubtful.
    """
    tokens = text.split()
    groups: list[list[Word]] = []
    for word in old:
        if groups and not word.text[:1].isspace():
            groups[-1].append(word)
        else:
            groups.append([word])
    if not groups:
        return []
    seen = ["".join(w.text for w in group).strip() for group in groups]
    matcher = difflib.SequenceMatcher(a=seen, b=tokens, autojunk=False)
    words: list[Word] = []
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            words += [w for group in groups[a0:a1] for w in group]
            continue
        if b1 == b0:  # deleted words
            continue
        if a1 > a0:
            start, end = groups[a0][0].start, groups[a1 - 1][-1].end
        else:  # inserted: at the boundary between neighbours
            at = groups[a0 - 1][-1].end if a0 > 0 else groups[0][0].start
            start = end = at
        step = (end - start) / (b1 - b0)
        for k in range(b1 - b0):
            s = round(start + k * step, 3)
            words.append(Word(" " + tokens[b0 + k], s, round(s + step, 3), 1.0, speaker))
    return words


def edit_text(doc: Document, op: dict[str, Any]) -> Document:
    segment = _segment(doc, op)
    text = nfc(" ".join(str(op["text"]).split()))
    segment.words = retime_words(segment.words, text, segment.speaker)
    segment.text = " " + text if text else ""
    segment.flags = [f for f in segment.flags if f != "low-confidence"]
    return doc


def _rename(doc: Document, old: str, new: str) -> Document:
    if not new:
        raise ValueError("a speaker needs a name")
    transcript = rename_speakers(doc.transcript, {old: new})
    minutes = rename_in_minutes(doc.minutes, old, new) if doc.minutes else None
    return Document(transcript, minutes)


def rename(doc: Document, op: dict[str, Any]) -> Document:
    """Rename a speaker everywhere: transcript, speaker turns, and the minutes' points, owners and wording."""
    old, new = str(op["from"]), nfc(str(op["to"]).strip())
    if old not in speakers(doc.transcript):
        raise ValueError(f"no speaker {old}")
    return _rename(doc, old, new)


def merge(doc: Document, op: dict[str, Any]) -> Document:
    """Two labels that are one person (the diarizer split a voice): the first becomes the second everywhere."""
    old, into = str(op["from"]), str(op["into"])
    found = speakers(doc.transcript)
    if old not in found or into not in found or old == into:
        raise ValueError(f"cannot merge {old} into {into}")
    return _rename(doc, old, into)


def assign(doc: Document, op: dict[str, Any]) -> Document:
    segment = _segment(doc, op)
    name = nfc(str(op["speaker"]).strip())
    if not name:
        raise ValueError("a speaker needs a name")
    segment.speaker = name
    for word in segment.words:
        word.speaker = name
    return doc


def split(doc: Document, op: dict[str, Any]) -> Document:
    """Split a segment before word `at`: two segments, same speaker, each keeping its words' times."""
    index = int(op["seg"])
    segment = _segment(doc, op)
    at = int(op["at"])
    if not 0 < at < len(segment.words):
        raise ValueError(f"segment {index} cannot be split before word {at}")
    first, second = segment.words[:at], segment.words[at:]
    head = replace(segment, end=first[-1].end, words=first, text="".join(w.text for w in first))
    tail = replace(
        segment, start=second[0].start, words=second, text="".join(w.text for w in second), flags=list(segment.flags)
    )
    doc.transcript.segments[index : index + 1] = [head, tail]
    return doc


def speakers(transcript: Transcript) -> list[str]:
    """Speaker labels in order of first appearance."""
    return list(dict.fromkeys(s.speaker for s in transcript.segments if s.speaker))


# -- minutes ------------------------------------------------------------------------------------------------------


def rename_in_minutes(minutes: Minutes, old: str, new: str) -> Minutes:
    """The drafter writes speaker labels into sentences ("SPEAKER_1 proposed that ..."): rename them there too."""
    pattern = re.compile(rf"(?<!\w){re.escape(old)}(?!\w)")

    def text(value: str | None) -> str | None:
        return pattern.sub(new, value) if value else value

    def point(p: Point) -> Point:
        return replace(p, text=text(p.text) or "", speakers=[new if s == old else s for s in p.speakers])

    def action(a: ActionItem) -> ActionItem:
        return replace(a, task=text(a.task) or "", owner=new if a.owner == old else text(a.owner))

    def topic(t: Topic) -> Topic:
        return replace(
            t,
            title=text(t.title) or "",
            summary=[point(p) for p in t.summary],
            decisions=[point(p) for p in t.decisions],
            action_items=[action(a) for a in t.action_items],
        )

    meeting = minutes.meeting
    people = {k: [new if n == old else n for n in getattr(meeting, k)] for k in ("attendees", "absent")}
    return replace(
        minutes,
        meeting=replace(meeting, **people, chair=new if meeting.chair == old else meeting.chair),
        summary=[point(p) for p in minutes.summary],
        topics=[topic(t) for t in minutes.topics],
        decisions=[point(p) for p in minutes.decisions],
        action_items=[action(a) for a in minutes.action_items],
        open_questions=[point(p) for p in minutes.open_questions],
    )


def _minutes(doc: Document) -> Minutes:
    if doc.minutes is None:
        raise ValueError("this meeting has no minutes yet")
    return doc.minutes


def _list(minutes: Minutes, path: list[Any]) -> tuple[list[Any], str]:
    """The list a path names: ["summary"], ["topics"], or ["topics", 2, "action_items"]."""
    if len(path) == 3 and path[0] == "topics":
        owner: Any = minutes.topics[int(path[1])]
        name = str(path[2])
    elif len(path) == 1:
        owner, name = minutes, str(path[0])
    else:
        raise ValueError(f"bad path {path}")
    allowed = ITEM_LISTS if owner is not minutes else (*ITEM_LISTS, "topics")
    if name not in allowed:
        raise ValueError(f"no list {name}")
    return getattr(owner, name), name


def _item_path(path: list[Any]) -> tuple[list[Any], int]:
    if not path or not isinstance(path[-1], int):
        raise ValueError(f"bad item path {path}")
    return path[:-1], int(path[-1])


def new_item(kind: str, fields: dict[str, Any]) -> Point | ActionItem | Topic:
    spans = [Span(float(s["start"]), float(s["end"])) for s in fields.get("spans", [])]
    if kind == "action_items":
        return ActionItem(str(fields.get("task", "")), fields.get("owner") or None, fields.get("due") or None, spans)
    if kind == "topics":
        return Topic(title=str(fields.get("title", "")))
    return Point(str(fields.get("text", "")), spans)


def item_set(doc: Document, op: dict[str, Any]) -> Document:
    minutes = _minutes(doc)
    list_path, index = _item_path(list(op["path"]))
    items, _ = _list(minutes, list_path)
    item = items[index]
    for key, value in dict(op["fields"]).items():
        if key not in ITEM_FIELDS or not hasattr(item, key):
            raise ValueError(f"field {key} cannot be set here")
        value = nfc(str(value).strip()) if value is not None else None
        setattr(item, key, (value or None) if key in ("owner", "due") else (value or ""))
    return doc


def item_add(doc: Document, op: dict[str, Any]) -> Document:
    minutes = _minutes(doc)
    items, kind = _list(minutes, list(op["path"]))
    index = int(op.get("index", len(items)))
    if not 0 <= index <= len(items):
        raise IndexError(f"no position {index}")
    items.insert(index, new_item(kind, dict(op.get("fields", {}))))
    return doc


def item_delete(doc: Document, op: dict[str, Any]) -> Document:
    list_path, index = _item_path(list(op["path"]))
    items, _ = _list(_minutes(doc), list_path)
    del items[index]
    return doc


def item_move(doc: Document, op: dict[str, Any]) -> Document:
    list_path, index = _item_path(list(op["path"]))
    items, _ = _list(_minutes(doc), list_path)
    to = int(op["to"])
    if not 0 <= to < len(items):
        raise IndexError(f"no position {to}")
    items.insert(to, items.pop(index))
    return doc


def meeting_set(doc: Document, op: dict[str, Any]) -> Document:
    minutes = _minutes(doc)
    values: dict[str, Any] = {}
    for key, value in dict(op["fields"]).items():
        if key not in MEETING_FIELDS:
            raise ValueError(f"no meeting field {key}")
        if key in ("attendees", "absent", "recipients"):
            items = value if isinstance(value, list) else str(value or "").split(",")
            values[key] = [nfc(str(v).strip()) for v in items if str(v).strip()]
        else:
            values[key] = nfc(str(value or "").strip())
    doc.minutes = replace(minutes, meeting=replace(minutes.meeting, **values))
    return doc


def redraft(doc: Document, op: dict[str, Any]) -> Document:
    """A new draft, stored whole in the journal: drafting again on replay could give another text."""
    doc.minutes = Minutes.from_dict(op["minutes"])
    return doc


HANDLERS = {
    "text": edit_text,
    "rename": rename,
    "merge": merge,
    "assign": assign,
    "split": split,
    "item.set": item_set,
    "item.add": item_add,
    "item.delete": item_delete,
    "item.move": item_move,
    "meeting.set": meeting_set,
    "redraft": redraft,
}

__all__ = ["Document", "EditError", "apply", "retime_words", "speakers"]
