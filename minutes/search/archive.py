"""The archive on this machine: where the index lives, adding folders of transcripts to it, marking matched words."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_dir

from minutes.search import meeting as meeting_io
from minutes.search.index import SearchIndex
from minutes.search.text import fold


def default_index_path() -> Path:
    """`MINUTES_INDEX` if set, else the user data folder (e.g. ~/.local/share/minutes/search.sqlite)."""
    env = os.environ.get("MINUTES_INDEX")
    return Path(env).expanduser() if env else Path(user_data_dir("minutes", appauthor=False)) / "search.sqlite"


@dataclass
class IndexReport:
    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one warning line each


def _fingerprint(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def index_paths(index: SearchIndex, paths: list[Path], warn: Callable[[str], None], force: bool = False) -> IndexReport:
    """Add every transcript under `paths`; an unchanged file is not embedded again, a bad one is one warning."""
    report = IndexReport()
    for path in meeting_io.walk(paths):
        try:
            loaded = meeting_io.load(path)
        except meeting_io.NotAMeeting as exc:
            warn(f"skipped {exc}")
            report.skipped.append(str(path))
            continue
        if loaded is None:
            continue
        fingerprint = _fingerprint(path)
        if not force and index.fingerprint(loaded.id) == fingerprint:
            report.unchanged.append(str(path))
            continue
        index.add(loaded, fingerprint)
        report.added.append(str(path))
    return report


def mark(text: str, terms: list[str], before: str = "[", after: str = "]") -> str:
    """`text` with each word that matches a query word (ignoring case, diacritics and endings) wrapped in markers."""
    wanted = [fold(t) for t in terms if t]
    if not wanted:
        return text

    def matches(word: str) -> bool:
        w = fold(word)
        # a shared stem: "budgets" for "budget", "decided" for "decision" is left to the meaning side
        return any(w == t or (len(t) >= 4 and w.startswith(t[: max(4, len(t) - 2)])) for t in wanted)

    return re.sub(r"\w+", lambda m: f"{before}{m.group(0)}{after}" if matches(m.group(0)) else m.group(0), text)
