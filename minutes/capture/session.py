"""The on-disk session folder: `<timestamp>-<slug>/` with `manifest.json`, numbered segments and, when finished,
`recording.wav`.

Everything a recovery needs is in the folder itself: the manifest says what the segments are, and the segment
files' order is their names' order.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import unicodedata
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

FORMAT = "minutes.recording"
VERSION = 1
MANIFEST = "manifest.json"
RECORDING = "recording.wav"
LOCK = ".lock"
SEGMENT_GLOB = "segment-*.wav"

RECORDING_STATUS = "recording"
STOPPED = "stopped"
RECOVERED = "recovered"


@dataclass
class Manifest:
    samplerate: int
    started: str  # ISO 8601, local time with offset: the wall clock at the recording's first sample
    device: str
    title: str = ""
    status: str = RECORDING_STATUS
    channels: int = 1
    sample_width: int = 2
    device_samplerate: int | None = None  # the rate the device delivered, before resampling
    segment_seconds: float = 30.0
    stopped: str | None = None
    duration: float | None = None  # seconds in recording.wav, once joined
    error: str | None = None  # why the recording ended early, if it did
    format: str = FORMAT
    version: int = VERSION

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        raw = json.loads(text)
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise ValueError("not a minutes recording manifest")
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in known})

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n"


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="milliseconds")


def slug(title: str, limit: int = 40) -> str:
    """ASCII file-name part from a title; Vietnamese diacritics dropped (đ has no decomposition, so by hand)."""
    text = unicodedata.normalize("NFKD", title.replace("đ", "d").replace("Đ", "D"))
    text = text.encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:limit].rstrip("-") or "meeting"


def create_dir(out_dir: Path, title: str, when: datetime | None = None) -> Path:
    """A new, empty session folder; a suffix keeps two recordings started in the same second apart."""
    out_dir.mkdir(parents=True, exist_ok=True)
    base = f"{(when or datetime.now()).strftime('%Y%m%d-%H%M%S')}-{slug(title)}"
    for n in range(1, 1000):
        path = out_dir / (base if n == 1 else f"{base}-{n}")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        fsync_dir(out_dir)
        return path
    raise FileExistsError(f"too many sessions named {base} in {out_dir}")


def write_manifest(session: Path, manifest: Manifest) -> None:
    """Atomic replace: a crash leaves the old or the new manifest, never half of one."""
    tmp = session / (MANIFEST + ".tmp")
    data = manifest.to_json().encode("utf-8")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, session / MANIFEST)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(session)


def read_manifest(session: Path) -> Manifest:
    return Manifest.from_json((session / MANIFEST).read_text(encoding="utf-8"))


def segment_name(number: int) -> str:
    return f"segment-{number:06d}.wav"


def segments(session: Path) -> list[Path]:
    found = [p for p in session.glob(SEGMENT_GLOB) if re.fullmatch(r"segment-\d+\.wav", p.name)]
    return sorted(found, key=lambda p: int(p.stem.split("-")[1]))


def fsync_dir(path: Path) -> None:
    """Make a new or renamed directory entry durable; a no-op where directories cannot be opened (Windows)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def lock(session: Path) -> BinaryIO | None:
    """Hold an exclusive lock on the session while recording, so a recovery cannot run against a live recording.

    The kernel drops the lock when the process dies (even by SIGKILL), so a crashed session is never left locked.
    Returns the open lock file (keep it open), or None where `fcntl` does not exist (Windows).
    """
    try:
        import fcntl
    except ImportError:
        return None
    fh = open(session / LOCK, "ab")  # noqa: SIM115 - held open for the whole recording
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        raise
    return fh


def unlock(fh: BinaryIO | None, remove: bool = False) -> None:
    """Release the lock; `remove` also deletes the lock file, for a session that is finished."""
    if fh is None:
        return
    if remove:
        with contextlib.suppress(OSError):
            os.unlink(fh.name)
    with contextlib.suppress(OSError):
        fh.close()
