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
        return cls(segments=segments, **fields)

    @classmethod
    def from_json(cls, text: str) -> Transcript:
        return cls.from_dict(json.loads(text))
