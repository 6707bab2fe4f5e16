"""Drafting the minutes from a transcript: LLM backends and an extractive fallback behind one interface."""

from minutes.draft.base import Drafter, DraftError, DraftOptions

__all__ = ["DraftError", "DraftOptions", "Drafter"]
