"""Transcript writers: one render function per format, registered in WRITERS.

Adding a format (e.g. "rttm" once diarization lands) is one function `render_x(transcript) -> str` plus one
`WRITERS` entry; FORMATS, render(), write() and parse_formats() pick it up from there.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from minutes.errors import OutputError, UsageError
from minutes.export.rttm import render_rttm
from minutes.export.subtitles import render_srt, render_vtt
from minutes.export.text import render_md, render_txt
from minutes.model import Transcript, nfc


@dataclass(frozen=True)
class Writer:
    render: Callable[[Transcript], str]
    suffix: str  # file extension, for callers that name outputs after the input
    normalize: bool = True  # NFC the output; off only where the bytes must be exactly the model's own


def render_json(transcript: Transcript) -> str:
    # Left exactly as to_json() (no NFC pass) so Transcript.from_json() gives back an equal transcript.
    return transcript.to_json()


WRITERS: dict[str, Writer] = {
    "txt": Writer(render_txt, ".txt"),
    "srt": Writer(render_srt, ".srt"),
    "vtt": Writer(render_vtt, ".vtt"),
    "json": Writer(render_json, ".json", normalize=False),
    "md": Writer(render_md, ".md"),
    "rttm": Writer(render_rttm, ".rttm"),
}
FORMATS: tuple[str, ...] = tuple(WRITERS)


def _accepted() -> str:
    return f"{', '.join(FORMATS)} (comma-separated), or 'all'"


def _lookup(fmt: str) -> Writer:
    name = fmt.strip().lower().lstrip(".")
    if name not in WRITERS:
        raise UsageError(f"unknown output format {fmt!r}; choose from {_accepted()}")
    return WRITERS[name]


def parse_formats(spec: str | Iterable[str]) -> tuple[str, ...]:
    """'txt,srt' (or ['txt', 'srt'], as a repeated CLI option gives) -> ('txt', 'srt'): validated, de-duplicated."""
    items = [spec] if isinstance(spec, str) else list(spec)
    names: list[str] = []
    for item in items:
        for raw in item.split(","):
            name = raw.strip().lower().lstrip(".")
            if not name:
                continue
            if name == "all":
                names += FORMATS
                continue
            _lookup(raw)
            names.append(name)
    if not names:
        raise UsageError(f"no output format given; choose from {_accepted()}")
    return tuple(dict.fromkeys(names))


def render(transcript: Transcript, fmt: str) -> str:
    writer = _lookup(fmt)
    text = writer.render(transcript)
    return nfc(text) if writer.normalize else text


def _reason(exc: OSError, path: Path) -> str:
    """What went wrong and what to do, in words a user can act on."""
    folder = path.parent
    code = exc.errno
    if code in (errno.EACCES, errno.EPERM):
        return "permission denied; choose another folder with -o"
    if code == errno.ENOENT:
        return f"folder {folder} does not exist; create it or choose another folder with -o"
    if code == errno.ENOTDIR:
        return f"{folder} is not a folder; choose another folder with -o"
    if code == errno.EISDIR or (code in (errno.ENOTEMPTY, errno.EEXIST) and path.is_dir()):
        return "a folder of that name is in the way; remove it or choose another folder with -o"
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return "the disk is full; free some space or choose another folder with -o"
    if code == errno.EROFS:
        return "the file system is read-only; choose another folder with -o"
    if code == errno.ENAMETOOLONG:
        return "the file name is too long; choose a shorter name or folder with -o"
    detail = (exc.strerror or str(exc) or type(exc).__name__).lower()
    return f"{detail}; choose another folder with -o"


def write(transcript: Transcript, fmt: str, path: str | os.PathLike[str]) -> Path:
    """Render and write atomically: readers see the old file or the complete new one, never a partial one."""
    return write_text_atomic(render(transcript, fmt), path)


def write_text_atomic(text: str, path: str | os.PathLike[str]) -> Path:
    """Write text as UTF-8, atomically (see write_bytes_atomic)."""
    return write_bytes_atomic(text.encode("utf-8"), path)


def write_bytes_atomic(data: bytes, path: str | os.PathLike[str]) -> Path:
    """Write atomically: readers see the old file or the complete new one, never a partial one.

    The data goes to a hidden temp file in the same folder (same file system, so os.replace is atomic) and is
    fsynced before the rename. Any OSError becomes an OutputError with a one-line, actionable message.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    created = False
    try:
        # O_EXCL: never clobber someone else's file; mode 0o666 lets the umask decide, as open() would.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        created = True
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        created = False
    except OSError as exc:
        message = f"cannot write {path}: {_reason(exc, path)}"
        raise OutputError(message.replace("\r", " ").replace("\n", " ")) from exc
    finally:
        if created:
            with contextlib.suppress(OSError):
                tmp.unlink()
    return path


__all__ = [
    "FORMATS",
    "WRITERS",
    "Writer",
    "parse_formats",
    "render",
    "write",
    "write_bytes_atomic",
    "write_text_atomic",
]
