"""Append-only journal of a meeting's edits: one JSON line per edit, fsynced before the edit is acknowledged.

The machine transcript and draft stay untouched beside it; the corrected meeting is always "the originals with
the journal replayed". Undo and redo are journal lines too, so nothing is ever rewritten in place and a killed
server (or a power cut) loses at most an edit that was never acknowledged. A torn last line from a crash
mid-write is skipped on load.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from minutes.capture.session import fsync_dir
from minutes.errors import OutputError


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path

    def entries(self) -> list[dict[str, Any]]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        entries = []
        for line in raw.split(b"\n"):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line torn by a crash while it was written: that edit was never acknowledged
            if isinstance(entry, dict) and "op" in entry:
                entries.append(entry)
        return entries

    def append(self, entry: dict[str, Any]) -> None:
        """Write one line and fsync it: when this returns, the edit survives a crash."""
        saved = datetime.now().astimezone().isoformat(timespec="seconds")
        line = json.dumps({**entry, "saved": saved}, ensure_ascii=False)
        new = not self.path.exists()
        try:
            # A torn earlier line ends without a newline: start on a fresh line so this one parses.
            with open(self.path, "a+b") as handle:
                if handle.seek(0, os.SEEK_END):
                    handle.seek(-1, os.SEEK_END)
                    if handle.read(1) != b"\n":
                        handle.write(b"\n")
                handle.write(line.encode("utf-8") + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise OutputError(f"cannot save the edit to {self.path}: {exc.strerror or exc}") from exc
        if new:
            fsync_dir(self.path.parent)


def effective(entries: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """The edits in force after undo/redo lines, and how many can be redone."""
    done: list[dict[str, Any]] = []
    undone: list[dict[str, Any]] = []
    for entry in entries:
        if entry["op"] == "undo":
            if done:
                undone.append(done.pop())
        elif entry["op"] == "redo":
            if undone:
                done.append(undone.pop())
        else:
            done.append(entry)
            undone.clear()
    return done, len(undone)
