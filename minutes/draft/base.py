"""The drafting stage's interface: a speaker-attributed transcript in, a `Minutes` draft out.

Backends (a local LLM through llama.cpp, any transformers model, an extractive drafter without an LLM) all
implement `Drafter`, so the pipeline and the CLI never know which one ran.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from minutes.hooks import Hook, null_hook
from minutes.model import MeetingInfo, Minutes, Transcript


@dataclass(frozen=True)
class DraftOptions:
    language: str | None = None  # language of the minutes; None: the transcript's language
    max_topics: int = 8
    extra: dict[str, object] = field(default_factory=dict)  # backend-specific settings


class Drafter(Protocol):
    name: str

    def draft(
        self,
        transcript: Transcript,
        meeting: MeetingInfo,
        options: DraftOptions | None = None,
        hook: Hook = null_hook,
    ) -> Minutes: ...


class DraftError(Exception):
    """A backend could not produce valid minutes (invalid JSON after retries, model failure); callers fall back."""
