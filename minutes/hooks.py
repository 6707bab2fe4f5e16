"""Progress reporting through a callback, so library code never prints.

A hook is called as `hook(step, completed=..., total=..., **info)`; `completed`/`total` are in the step's own
unit (seconds of audio for transcription). The CLI supplies a rich progress bar; library callers may pass nothing.
"""

from __future__ import annotations

from typing import Any, Protocol


class Hook(Protocol):
    def __call__(
        self, step: str, *, completed: float | None = None, total: float | None = None, **info: Any
    ) -> None: ...


def null_hook(step: str, *, completed: float | None = None, total: float | None = None, **info: Any) -> None:
    return None
