"""The shared data model: words, segments and transcripts, on one clock (seconds from the recording's start).

Every stage reads and writes these dataclasses; `Transcript.to_json()` / `Transcript.from_json()` is the
versioned interchange format that later stages (diarization, drafting, export) consume.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

SCHEMA = "minutes.transcript"
SCHEMA_VERSION = 1


def nfc(text: str) -> str:
    """Vietnamese text must be NFC everywhere: decomposed diacritics break search, fonts and WER."""
    return unicodedata.normalize("NFC", text)


@dataclass
class Word:
    text: str
    start: float
    end: float
    probability: float = 1.0
    speaker: str | None = None


@dataclass
class Segment:
    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)
    speaker: str | None = None
    avg_logprob: float | None = None
    no_speech_prob: float | None = None
    compression_ratio: float | None = None
    flags: list[str] = field(default_factory=list)  # e.g. "repetition", "low-confidence"

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class SpeakerTurn:
    """One stretch of one speaker's voice, from diarization."""

    start: float
    end: float
    speaker: str


@dataclass
class Transcript:
    language: str
    duration: float
    segments: list[Segment] = field(default_factory=list)
    source: str | None = None
    model: str | None = None
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    language_probability: float | None = None
    options: dict[str, Any] = field(default_factory=dict)  # effective settings, for provenance
    turns: list[SpeakerTurn] = field(default_factory=list)  # diarization: who spoke when, overlaps included

    @property
    def text(self) -> str:
        return " ".join(s.text.strip() for s in self.segments if s.text.strip())

    @property
    def words(self) -> list[Word]:
        return [w for s in self.segments for w in s.words]

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "version": SCHEMA_VERSION, **asdict(self)}

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transcript:
        if data.get("schema") != SCHEMA:
            raise ValueError(f"not a minutes transcript (schema {data.get('schema')!r})")
        if data.get("version", 0) > SCHEMA_VERSION:
            version = data["version"]
            raise ValueError(f"transcript format version {version} is newer than this minutes reads: upgrade minutes")
        fields = {k: v for k, v in data.items() if k not in ("schema", "version")}
        segments = [
            Segment(**{**s, "words": [Word(**w) for w in s.get("words", [])]}) for s in fields.pop("segments", [])
        ]
        turns = [SpeakerTurn(**t) for t in fields.pop("turns", [])]
        return cls(segments=segments, turns=turns, **fields)

    @classmethod
    def from_json(cls, text: str) -> Transcript:
        return cls.from_dict(json.loads(text))


# -- minutes ------------------------------------------------------------------------------------------------------

MINUTES_SCHEMA = "minutes.minutes"


@dataclass
class Span:
    """A time range in the recording (seconds), so every item in the minutes can be checked against the audio."""

    start: float
    end: float


@dataclass
class Point:
    """A summary sentence, decision or open question, with the transcript spans it came from."""

    text: str
    spans: list[Span] = field(default_factory=list)
    speakers: list[str] = field(default_factory=list)


@dataclass
class ActionItem:
    task: str
    owner: str | None = None
    due: str | None = None  # as said ("next Friday", "15/12/2026"): a draft for the secretary to confirm
    spans: list[Span] = field(default_factory=list)


@dataclass
class Topic:
    title: str
    summary: list[Point] = field(default_factory=list)
    decisions: list[Point] = field(default_factory=list)
    action_items: list[ActionItem] = field(default_factory=list)
    span: Span | None = None


@dataclass
class MeetingInfo:
    """What the secretary knows about the meeting (from --meta or options); every field may be left blank."""

    title: str = ""
    number: str = ""  # "Số: 12/BB-UBND"
    agency: str = ""  # issuing agency
    parent_agency: str = ""
    date: str = ""
    start_time: str = ""
    end_time: str = ""
    place: str = ""
    chair: str = ""
    secretary: str = ""
    attendees: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)  # "Nơi nhận"
    place_name: str = ""  # địa danh of the date line ("Lâm Đồng"); derived from the agency when blank
    chair_title: str = ""  # "Phó Chủ tịch UBND tỉnh": whose conclusions the notice announces
    notice_number: str = ""  # "Số: 25/TB-UBND" of the conclusion notice
    sign_as: str = ""  # "TL. CHỦ TỊCH", "KT. CHỦ TỊCH": signing for the head (Decree 30/2020)
    signer_title: str = ""  # "CHÁNH VĂN PHÒNG", "PHÓ CHỦ TỊCH"
    signer: str = ""  # who signs the notice [default: the chair]
    glossary: list[str] = field(default_factory=list)  # names and terms spelt as given here in the minutes


@dataclass
class Minutes:
    meeting: MeetingInfo
    language: str
    summary: list[Point] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    decisions: list[Point] = field(default_factory=list)  # those not tied to one topic
    action_items: list[ActionItem] = field(default_factory=list)  # likewise
    open_questions: list[Point] = field(default_factory=list)
    source: str | None = None  # the recording
    drafter: str | None = None  # which backend wrote the draft, for provenance
    notes: list[str] = field(default_factory=list)  # e.g. "no speech was found in the recording"

    def to_dict(self) -> dict[str, Any]:
        return {"schema": MINUTES_SCHEMA, "version": SCHEMA_VERSION, **asdict(self)}

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Minutes:
        if data.get("schema") != MINUTES_SCHEMA:
            raise ValueError(f"not a minutes document (schema {data.get('schema')!r})")

        def spans(items: list[dict]) -> list[Span]:
            return [Span(**s) for s in items]

        def point(p: dict) -> Point:
            return Point(text=p["text"], spans=spans(p.get("spans", [])), speakers=list(p.get("speakers", [])))

        def action(a: dict) -> ActionItem:
            return ActionItem(a["task"], a.get("owner"), a.get("due"), spans(a.get("spans", [])))

        def topic(t: dict) -> Topic:
            return Topic(
                title=t["title"],
                summary=[point(p) for p in t.get("summary", [])],
                decisions=[point(p) for p in t.get("decisions", [])],
                action_items=[action(a) for a in t.get("action_items", [])],
                span=Span(**t["span"]) if t.get("span") else None,
            )

        return cls(
            meeting=MeetingInfo(**data.get("meeting", {})),
            language=data["language"],
            summary=[point(p) for p in data.get("summary", [])],
            topics=[topic(t) for t in data.get("topics", [])],
            decisions=[point(p) for p in data.get("decisions", [])],
            action_items=[action(a) for a in data.get("action_items", [])],
            open_questions=[point(p) for p in data.get("open_questions", [])],
            source=data.get("source"),
            drafter=data.get("drafter"),
            notes=list(data.get("notes", [])),
        )

    @classmethod
    def from_json(cls, text: str) -> Minutes:
        return cls.from_dict(json.loads(text))
