"""Rebuild `recording.wav` from what a crashed, killed or disk-starved recording left in its session folder."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import BinaryIO

from minutes.capture import session as ses
from minutes.capture.errors import RecordingError
from minutes.capture.writer import finalise


def recover(session_dir: str | os.PathLike[str]) -> Path:
    """Join the session's segments (repairing a half-written last one) into recording.wav; returns its path.

    Idempotent: a finished session returns its recording unchanged, and a recovery interrupted at any point can
    simply be run again. The manifest ends "recovered" (a cleanly stopped session stays "stopped").
    """
    path = Path(session_dir)
    shown = " ".join(str(path).split())
    if not path.is_dir():
        raise RecordingError(f"{shown} is not a folder: give the session folder of a recording")
    try:
        manifest = ses.read_manifest(path)
    except FileNotFoundError:
        raise RecordingError(f"{shown} is not a minutes recording (no {ses.MANIFEST}): give a session folder") from None
    except (OSError, ValueError, TypeError) as e:
        raise RecordingError(f"{shown} has an unreadable {ses.MANIFEST} ({e}): it is not a minutes recording") from e
    recording = path / ses.RECORDING
    if manifest.status in (ses.STOPPED, ses.RECOVERED) and recording.exists() and not ses.segments(path):
        return recording
    held = _lock(path, shown)
    done = False
    try:
        status = ses.STOPPED if manifest.status == ses.STOPPED else ses.RECOVERED
        out = finalise(path, status, manifest=manifest)
        done = not ses.segments(path)
        return out
    except OSError as e:
        reason = "the disk is full" if e.errno == errno.ENOSPC else " ".join(str(e.strerror or e).split())
        raise RecordingError(
            f"cannot rebuild the recording in {shown} ({reason}): the segments are kept; free some space and retry"
        ) from e
    finally:
        ses.unlock(held, remove=done)


def unfinished(out_dir: str | os.PathLike[str]) -> list[Path]:
    """Session folders under `out_dir` that a crash left unjoined and no running recorder holds, oldest first.

    For the CLI to offer recovery at startup; nothing is changed.
    """
    found = []
    for manifest in sorted(Path(out_dir).glob(f"*/{ses.MANIFEST}")):
        session = manifest.parent
        try:
            status = ses.read_manifest(session).status
        except (OSError, ValueError, TypeError):
            continue
        if status == ses.RECORDING_STATUS or ses.segments(session):
            try:
                held = ses.lock(session)
            except OSError:
                continue  # being recorded right now
            ses.unlock(held)
            found.append(session)
    return found


def _lock(path: Path, shown: str) -> BinaryIO | None:
    try:
        return ses.lock(path)
    except BlockingIOError:
        raise RecordingError(
            f"{shown} is still being recorded by a running minutes: stop that recording first"
        ) from None
    except OSError as e:
        raise RecordingError(f"cannot open {shown} for recovery ({e.strerror or e}): check its permissions") from e
