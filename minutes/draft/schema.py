"""The JSON an LLM must write, and its validation into `Minutes`.

Models cite times as `MM:SS`, copied from the transcript lines they were shown (`[MM:SS–MM:SS] SPEAKER: text`),
because a small model copies strings far more reliably than it converts to seconds. Validation is strict about
shape and lenient about detail: an item whose cited time range touches no transcript segment is dropped (the
model invented or garbled it), and a kept range is clamped to the segments it covers, so every span in the
minutes points at real speech. Speakers come from those segments, never from the model.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from minutes.draft.base import DraftError
from minutes.model import ActionItem, MeetingInfo, Minutes, Point, Segment, Span, Topic, Transcript, Word, nfc

MAX_TEXT = 400  # characters per item: also stops a model that loops inside one string
MAX_TITLE = 120
LINE_MIN_SECONDS = 4.0  # shorter sentences ("Hello." "Hello.") share a line: each line costs ~12 tokens of times
LINE_MAX_SECONDS = 20.0  # Whisper segments run to 30 s; a model cites sentences better than half-minutes
_SENTENCE_END = (".", "?", "!", "…", "。", "？", "！")
TIME_PATTERN = r"^[0-9]{2,3}:[0-5][0-9]$"
_TIME = re.compile(r"^\s*(?:(\d+):)?(\d{1,3}):(\d{1,2}(?:\.\d+)?)\s*$")
# "No action items.", "None", "Không có quyết định nào.": a model filling a list it was told to leave empty
_PLACEHOLDER = re.compile(
    r"^(?:(?:no|none|nothing|n/?a)\b(?:\W+\w+){0,4}|(?:không|chưa) có\b(?:\W+\w+){0,8})\W*$", re.IGNORECASE
)
_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$", re.IGNORECASE)


def _time() -> dict[str, Any]:
    return {"type": "string", "pattern": TIME_PATTERN}


def _point() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"text": {"type": "string", "maxLength": MAX_TEXT}, "start": _time(), "end": _time()},
        "required": ["text", "start", "end"],
        "additionalProperties": False,
    }


def _action() -> dict[str, Any]:
    optional = {"anyOf": [{"type": "string", "maxLength": MAX_TITLE}, {"type": "null"}]}
    return {
        "type": "object",
        "properties": {
            "task": {"type": "string", "maxLength": MAX_TEXT},
            "owner": optional,
            "due": optional,
            "start": _time(),
            "end": _time(),
        },
        "required": ["task", "owner", "due", "start", "end"],
        "additionalProperties": False,
    }


def output_schema(max_topics: int = 8, max_items: int = 8) -> dict[str, Any]:
    """The JSON schema of one drafting answer (a chunk's notes, or the merged minutes).

    Bounded lists and strings keep a constrained model from running on until the context is full.
    """

    def points(n: int) -> dict[str, Any]:
        return {"type": "array", "items": _point(), "maxItems": n}

    topic = {
        "type": "object",
        "properties": {
            "title": {"type": "string", "maxLength": MAX_TITLE},
            "start": _time(),
            "end": _time(),
            "points": points(max_items),
        },
        "required": ["title", "start", "end", "points"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {
            "summary": points(max_items),
            "topics": {"type": "array", "items": topic, "maxItems": max_topics},
            "decisions": points(max_items),
            "action_items": {"type": "array", "items": _action(), "maxItems": max_items},
            "open_questions": points(max_items),
        },
        "required": ["summary", "topics", "decisions", "action_items", "open_questions"],
        "additionalProperties": False,
    }


# -- times ---------------------------------------------------------------------------------------------------------


def format_time(seconds: float, *, up: bool = False) -> str:
    """`MM:SS` (minutes may pass 59). Ends are rounded up so a copied range still covers its whole segment."""
    whole = math.ceil(seconds - 1e-6) if up else math.floor(seconds + 1e-6)
    whole = max(whole, 0)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def parse_time(value: object) -> float | None:
    """`MM:SS`, `H:MM:SS` or plain seconds; None when it is none of these."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) and value >= 0 else None
    if not isinstance(value, str):
        return None
    match = _TIME.match(value)
    if not match:
        return None
    hours, minutes, seconds = match.groups()
    if float(seconds) >= 60 or (hours is not None and int(minutes) >= 60):
        return None
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)


def speech_lines(transcript: Transcript) -> list[Segment]:
    """The transcript cut into the lines a model sees and cites: sentences from the word timestamps.

    A line ends at a sentence end once it is `LINE_MIN_SECONDS` long, at the latest after `LINE_MAX_SECONDS`,
    and always where the speaker changes. Segments without words are lines as they are.
    """
    lines: list[Segment] = []
    for segment in sorted(transcript.segments, key=lambda s: s.start):
        words = [w for w in segment.words if w.text.strip()]
        if not words:
            if segment.text.strip():
                lines.append(segment)
            continue
        current: list[Word] = []
        for i, word in enumerate(words):
            current.append(word)
            after = words[i + 1] if i + 1 < len(words) else None
            speaker = word.speaker or segment.speaker
            length = word.end - current[0].start
            if (
                after is None
                or (after.speaker or segment.speaker) != speaker
                or (word.text.strip().endswith(_SENTENCE_END) and length >= LINE_MIN_SECONDS)
                or after.end - current[0].start > LINE_MAX_SECONDS
            ):
                text = nfc("".join(w.text for w in current).strip())
                lines.append(Segment(current[0].start, max(word.end, current[0].start), text, current, speaker))
                current = []
    return [line for line in lines if line.text.strip()]


@dataclass
class TimeIndex:
    """The transcript's speech lines, to check cited ranges against what was actually said."""

    segments: list[Segment]
    tolerance: float = 0.0  # seconds of slack; lines show starts rounded down and ends up, so none is needed
    _starts: list[float] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.segments = sorted((s for s in self.segments if s.text.strip()), key=lambda s: s.start)
        self._starts = [s.start for s in self.segments]

    @classmethod
    def of(cls, transcript: Transcript) -> TimeIndex:
        return cls(speech_lines(transcript))

    def covered(self, start: float, end: float) -> list[Segment]:
        lo, hi = start - self.tolerance, end + self.tolerance
        stop = bisect.bisect_right(self._starts, hi)
        return [s for s in self.segments[:stop] if s.end > lo and s.start < hi]

    def span(self, start: object, end: object) -> tuple[Span, list[Segment]] | None:
        """The cited range clamped to the speech it covers, or None when it covers none."""
        a, b = parse_time(start), parse_time(end)
        if a is None and b is None:
            return None
        a = b if a is None else a
        b = a if b is None else b
        if b < a:
            a, b = b, a
        if b - a < 1.0:  # whole-second citations: "00:07–00:07" means the second that starts at 7
            b = a + 1.0
        hit = self.covered(a, b)
        if not hit:
            return None
        clamped = Span(round(max(a, hit[0].start), 2), round(min(b, max(s.end for s in hit)), 2))
        if clamped.end <= clamped.start:  # the range only grazed a segment: take the segments themselves
            clamped = Span(round(hit[0].start, 2), round(max(s.end for s in hit), 2))
        return clamped, hit


# -- parsing -------------------------------------------------------------------------------------------------------


def parse_json(text: str) -> dict[str, Any]:
    """The first JSON object in a model's answer (code fences and chatter around it are tolerated)."""
    cleaned = _FENCE.sub("", text.strip())
    start = cleaned.find("{")
    if start < 0:
        raise DraftError(f"the model wrote no JSON object: {_preview(text)}")
    try:
        data, _ = json.JSONDecoder().raw_decode(cleaned[start:])
    except json.JSONDecodeError as exc:
        raise DraftError(f"the model wrote invalid JSON ({exc.msg} at char {exc.pos}): {_preview(text)}") from None
    if not isinstance(data, dict):
        raise DraftError("the model's JSON is not an object")
    return data


def _preview(text: str, n: int = 160) -> str:
    flat = " ".join(text.split())
    return repr(flat[:n] + ("…" if len(flat) > n else ""))


def _items(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list):
        raise DraftError(f"{key!r} must be a list, got {type(value).__name__}")
    return [item for item in value if isinstance(item, dict)]


def _text(item: dict[str, Any], key: str, limit: int = MAX_TEXT) -> str:
    value = item.get(key)
    return nfc(" ".join(value.split()))[:limit] if isinstance(value, str) else ""


def _placeholder(text: str) -> bool:
    return bool(_PLACEHOLDER.match(text.strip()))


def _speakers(segments: list[Segment]) -> list[str]:
    return list(dict.fromkeys(s.speaker for s in segments if s.speaker))


@dataclass
class Validated:
    """The parts of an answer that survived validation, with a count of what was dropped and why."""

    summary: list[Point] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    decisions: list[Point] = field(default_factory=list)
    action_items: list[ActionItem] = field(default_factory=list)
    open_questions: list[Point] = field(default_factory=list)
    dropped: int = 0

    @property
    def empty(self) -> bool:
        return not (self.summary or self.topics or self.decisions or self.action_items or self.open_questions)


def validate(data: dict[str, Any], index: TimeIndex) -> Validated:
    """Check the answer's shape and its cited times; raise DraftError when its shape is wrong."""
    unknown = set(data) - {"summary", "topics", "decisions", "action_items", "open_questions"}
    if unknown and not any(key in data for key in ("summary", "topics")):
        raise DraftError(f"the model's JSON has none of the expected keys (got {', '.join(sorted(unknown))})")
    out = Validated()

    def points(items: list[dict[str, Any]]) -> list[Point]:
        result = []
        for item in items:
            text, cited = _text(item, "text"), index.span(item.get("start"), item.get("end"))
            if _placeholder(text):
                continue
            if not text or cited is None:
                out.dropped += 1
                continue
            span, hit = cited
            result.append(Point(text, [span], _speakers(hit)))
        return result

    out.summary = points(_items(data, "summary"))
    out.decisions = points(_items(data, "decisions"))
    out.open_questions = points(_items(data, "open_questions"))
    for item in _items(data, "action_items"):
        task, cited = _text(item, "task"), index.span(item.get("start"), item.get("end"))
        if _placeholder(task):
            continue
        if not task or cited is None:
            out.dropped += 1
            continue
        owner, due = _text(item, "owner", MAX_TITLE) or None, _text(item, "due", MAX_TITLE) or None
        out.action_items.append(ActionItem(task, owner, due, [cited[0]]))
    for item in _items(data, "topics"):
        title = _text(item, "title", MAX_TITLE)
        summary = points(_items(item, "points"))
        cited = index.span(item.get("start"), item.get("end"))
        if cited is None and summary:  # a topic with a garbled range but good points: cover its points
            cited = index.span(
                format_time(min(p.spans[0].start for p in summary)),
                format_time(max(p.spans[0].end for p in summary), up=True),
            )
        if not title or cited is None:
            out.dropped += 1
            continue
        out.topics.append(Topic(title, summary, span=cited[0]))
    return out


def to_minutes(
    data: dict[str, Any] | str,
    transcript: Transcript,
    meeting: MeetingInfo,
    *,
    language: str | None = None,
    drafter: str | None = None,
) -> Minutes:
    """A model's answer (JSON text or parsed) → `Minutes` whose every span lies on the transcript's speech."""
    parsed = parse_json(data) if isinstance(data, str) else data
    result = validate(parsed, TimeIndex.of(transcript))
    if result.empty:
        raise DraftError(f"the model's answer has no item citing a time in the transcript ({result.dropped} dropped)")
    notes = [f"{result.dropped} item(s) the model wrote cited no time in the transcript and were left out"]
    return Minutes(
        meeting=meeting,
        language=language or transcript.language,
        summary=result.summary,
        topics=result.topics,
        decisions=result.decisions,
        action_items=result.action_items,
        open_questions=result.open_questions,
        source=transcript.source,
        drafter=drafter,
        notes=notes if result.dropped else [],
    )
