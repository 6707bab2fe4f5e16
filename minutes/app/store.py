"""The meetings folder (default ~/Minutes): one sub-folder per meeting, and nothing the app touches outside it.

A meeting folder holds the recording, `meeting.json` (title, status, details typed in the app), the machine's
transcript and draft as `minutes run` writes them (kept untouched), `edits.jsonl` (the secretary's corrections),
and `export/`. The list of meetings is the folders' `meeting.json` files: there is no second index to fall out of
step. Folders made by `minutes record` (a session with `manifest.json`) or `minutes run -o` in the meetings
folder are adopted the first time the list is read.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from minutes.capture.session import create_dir, fsync_dir
from minutes.export import write_text_atomic

META = "meeting.json"
JOURNAL = "edits.jsonl"
TRASH = ".trash"
EXPORT = "export"
MEETING_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")
PLAIN_NAME = re.compile(r"[^/\\\x00]{1,200}")

NEW, QUEUED, PROCESSING, READY, FAILED, CANCELLED = "new", "queued", "processing", "ready", "failed", "cancelled"


class NotFound(Exception):
    """No such meeting or file (also what a name that tries to leave the meetings folder gets)."""


class Forbidden(Exception):
    """A path that leads outside the meetings folder (a symbolic link): refused, nothing read or written."""


@dataclass
class MeetingRecord:
    id: str
    title: str
    recording: str  # a file name inside the meeting folder
    created: str = field(default_factory=lambda: datetime.now().astimezone().isoformat(timespec="seconds"))
    status: str = NEW
    error: str = ""
    duration: float | None = None
    info: dict[str, Any] = field(default_factory=dict)  # MeetingInfo fields the secretary typed
    template: str = "auto"
    language: str = "auto"
    transcript: str = ""  # the machine transcript json, once processed
    minutes: str = ""  # the machine draft json
    exports: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MeetingRecord:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    @property
    def date(self) -> str:
        return str(self.info.get("date") or self.created[:10])


class MeetingStore:
    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root.resolve()

    # -- paths: every one checked to stay inside the meetings folder ---------------------------------------------

    def folder(self, meeting_id: str) -> Path:
        if not MEETING_ID.fullmatch(meeting_id):
            raise NotFound(meeting_id)
        path = self.root / meeting_id
        if path.is_symlink():
            raise Forbidden(meeting_id)
        if not path.is_dir():
            raise NotFound(meeting_id)
        return path

    def file(self, meeting_id: str, name: str) -> Path:
        """A file directly inside a meeting's folder (or its export/ folder); never a link, never outside."""
        folder = self.folder(meeting_id)
        parts = name.split("/")
        if len(parts) > 2 or (len(parts) == 2 and parts[0] != EXPORT):
            raise NotFound(name)
        if any(not PLAIN_NAME.fullmatch(p) or p in (".", "..") for p in parts):
            raise NotFound(name)
        path = folder.joinpath(*parts)
        if any(p.is_symlink() for p in (path, path.parent)):
            raise Forbidden(name)
        if not path.resolve().is_relative_to(folder):
            raise Forbidden(name)
        return path

    # -- records ------------------------------------------------------------------------------------------------

    def get(self, meeting_id: str) -> MeetingRecord:
        path = self.file(meeting_id, META)
        try:
            return MeetingRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as exc:
            raise NotFound(meeting_id) from exc

    def save(self, record: MeetingRecord) -> None:
        write_text_atomic(json.dumps(asdict(record), ensure_ascii=False, indent=2) + "\n", self.file(record.id, META))

    def create(self, title: str, filename: str) -> tuple[MeetingRecord, Path]:
        """A new meeting folder and the path its recording is to be written to."""
        folder = create_dir(self.root, title or Path(filename).stem)
        suffix = Path(filename).suffix.lower()
        suffix = suffix if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix) else ".audio"
        record = MeetingRecord(id=folder.name, title=title or Path(filename).stem, recording=f"recording{suffix}")
        self.save(record)
        return record, folder / record.recording

    def list(self) -> list[MeetingRecord]:
        records = []
        for path in sorted(self.root.iterdir(), reverse=True):
            if path.name.startswith(".") or path.is_symlink() or not path.is_dir():
                continue
            if not MEETING_ID.fullmatch(path.name):
                continue
            if not (path / META).exists() and not self._adopt(path):
                continue
            with contextlib.suppress(NotFound, Forbidden):
                records.append(self.get(path.name))
        return records

    def _adopt(self, folder: Path) -> bool:
        """A `minutes record` session or `minutes run` output put into the meetings folder: list it too."""
        record = None
        manifest = folder / "manifest.json"
        if manifest.is_file() and (folder / "recording.wav").is_file():
            try:
                data = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return False
            record = MeetingRecord(
                id=folder.name,
                title=str(data.get("title") or folder.name),
                recording="recording.wav",
                created=str(data.get("started") or ""),
                duration=data.get("duration"),
            )
        for drafted in sorted(folder.glob("*.minutes.json")):
            stem = drafted.name.removesuffix(".minutes.json")
            recordings = [p for p in folder.iterdir() if p.stem == stem and p.suffix not in (".json", ".md", ".docx")]
            if (folder / f"{stem}.transcript.json").is_file() and (record or recordings):
                record = record or MeetingRecord(id=folder.name, title=stem, recording=recordings[0].name)
                record.transcript, record.minutes, record.status = f"{stem}.transcript.json", drafted.name, READY
        if record is None:
            return False
        self.save(record)
        return True

    def rename(self, meeting_id: str, title: str) -> MeetingRecord:
        record = self.get(meeting_id)
        record.title = title
        self.save(record)
        return record

    def delete(self, meeting_id: str) -> Path:
        """Move the meeting to the trash folder inside the meetings folder (restorable by moving it back)."""
        folder = self.folder(meeting_id)
        trash = self.root / TRASH
        trash.mkdir(exist_ok=True)
        target = trash / f"{meeting_id}-{datetime.now().strftime('%Y%m%d%H%M%S%f')}"
        shutil.move(str(folder), str(target))
        fsync_dir(self.root)
        return target


USER_TEMPLATE = "template.docx"  # the secretary's own Word template for this meeting, kept in its folder


def template_for(store: MeetingStore, record: MeetingRecord) -> str:
    """What the Word writer is given: a built-in template's name, or the path of the meeting's own .docx."""
    if record.template == USER_TEMPLATE:
        return str(store.file(record.id, USER_TEMPLATE))
    return record.template


def file_mtime(path: Path, when: float | None) -> None:
    """Give an uploaded recording the time the browser says the file was last modified: it dates the meeting."""
    if when:
        with contextlib.suppress(OSError, ValueError, OverflowError):
            os.utime(path, (when, when))
