"""The archive on this machine: where the index lives, adding folders of transcripts to it, marking matched words."""

from __future__ import annotations

import glob
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_dir

from minutes.hooks import Hook, null_hook
from minutes.model import Minutes, Transcript
from minutes.search import meeting as meeting_io
from minutes.search.encoder import Encoder
from minutes.search.index import Filters, Hit, SearchIndex
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
    """Size and time of the transcript and of the minutes JSON beside it: editing the minutes re-indexes them."""
    stem = path.name.removesuffix(".transcript.json")
    files = [path]
    if stem != path.name:
        files += sorted(p for p in path.parent.glob(f"{glob.escape(stem)}*.json") if p != path)
    return ";".join(f"{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files)


def index_paths(
    index: SearchIndex,
    paths: list[Path],
    warn: Callable[[str], None],
    force: bool = False,
    hook: Hook = null_hook,
) -> IndexReport:
    """Add every transcript under `paths`; an unchanged file is not embedded again, a bad one is one warning.

    `hook("file", completed=n, total=files, file=path)` before each JSON file: embedding a long meeting takes a
    while, and an archive hundreds of them."""
    report = IndexReport()
    files = list(meeting_io.walk(paths))
    for done, path in enumerate(files):
        hook("file", completed=done, total=len(files), file=str(path))
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
    hook("file", completed=len(files), total=len(files))
    return report


def index_meeting(
    transcript_json: Path,
    warn: Callable[[str], None],
    minutes_json: Path | None = None,
    index_path: Path | None = None,
) -> bool:
    """Add one meeting that `minutes run` (or record, or a batch) just wrote to the archive index (default: this
    machine's), with the items of its minutes. Called once the outputs are safe on disk: a failure here is one
    warning, never a failed run, and `minutes index FOLDER` repairs later. Returns whether the meeting was added."""
    return _add(lambda: meeting_io.load(transcript_json, minutes_json), transcript_json, warn, index_path)


def index_corrected(
    transcript: Transcript,
    minutes: Minutes | None,
    transcript_json: Path,
    warn: Callable[[str], None],
    index_path: Path | None = None,
    encoder: Encoder | None = None,
    title: str = "",
) -> bool:
    """The meeting as the secretary corrected it (names, words, minutes), in place of the machine's version: the
    same key (its transcript file) and the same fingerprint, so `minutes index` keeps it rather than re-read the
    machine's file, which the app never changes. The title: `title`, else the minutes', else the machine's version's.
    Like `index_meeting`, a failure is one warning."""

    def corrected() -> meeting_io.Meeting:
        key = str(transcript_json.resolve())
        title_now = title or (minutes.meeting.title if minutes else "")
        date = minutes.meeting.date if minutes else ""
        if not (title_now and date):  # only then is the machine's file worth reading again
            machine = meeting_io.load(transcript_json)
            title_now, date = title_now or (machine.title if machine else ""), date or (machine.date if machine else "")
        meeting = meeting_io.from_transcript(transcript, key, title_now, date, minutes)
        meeting.source = key
        return meeting

    return _add(corrected, transcript_json, warn, index_path, encoder)


def _add(
    build: Callable[[], meeting_io.Meeting | None],
    transcript_json: Path,
    warn: Callable[[str], None],
    index_path: Path | None,
    encoder: Encoder | None = None,
) -> bool:
    try:
        meeting = build()
        if meeting is None:
            return False
        index = SearchIndex(index_path or default_index_path(), encoder)
        try:
            index.add(meeting, _fingerprint(transcript_json))
        finally:
            index.close()
        return True
    except Exception as exc:  # the minutes are written; searching them is a bonus that must not fail them
        warn(f"the meeting was not added to the search index ({type(exc).__name__}: {exc}); run `minutes index` later")
        return False


_open_indexes: dict[Path, tuple[SearchIndex, threading.Lock]] = {}
_open_lock = threading.Lock()


def search(query: str, filters: Filters | None = None, k: int = 10, index_path: Path | None = None) -> list[Hit]:
    """The k best passages for `query`, best first: the entry point for the app and other long-running callers.

    The index stays open between calls so its vectors are loaded once (the first query at 1,000 hours takes seconds,
    the next ones milliseconds); it reloads by itself when a meeting is added. Safe to call from several threads.
    """
    path = (index_path or default_index_path()).resolve()
    with _open_lock:
        if path not in _open_indexes:
            if not path.is_file():
                raise FileNotFoundError(f"no search index at {path}: build it with `minutes index FOLDER...`")
            _open_indexes[path] = (SearchIndex(path), threading.Lock())
        index, lock = _open_indexes[path]
    with lock:  # one SQLite connection per index: one query at a time on it
        return index.search(query, k=k, filters=filters or Filters())


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
