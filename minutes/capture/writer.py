"""Crash-safe recording to disk: 16-bit PCM appended to short numbered WAV segments, synced every half second.

Each segment's header is patched and the file fsynced at least every `sync_seconds`, so a power cut loses at most
that much (a SIGKILL loses less: every chunk goes straight to the kernel with `os.write`); `recover` rebuilds the
rest. On a clean stop the segments are joined into `recording.wav`, and deleted only once the joined file's size
proves every byte arrived.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from pathlib import Path
from typing import BinaryIO

import numpy as np

from minutes.capture import session as ses
from minutes.capture import wav
from minutes.capture.errors import RecordingError

log = logging.getLogger(__name__)

_COPY_BLOCK = 1 << 20


class _Segment:
    """One segment file, written with raw `os.write` so no byte waits in a user-space buffer when the process dies."""

    def __init__(self, path: Path, samplerate: int) -> None:
        self.path = path
        self.data_bytes = 0
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
        try:
            _write_all(self.fd, wav.header(samplerate, 1, 2, 0))
            os.fsync(self.fd)
        except OSError:
            os.close(self.fd)
            raise
        ses.fsync_dir(path.parent)  # the new name must survive a power cut too

    def append(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view)  # part may land before ENOSPC: count exactly what did
            self.data_bytes += n
            view = view[n:]

    def sync(self) -> None:
        wav.patch_sizes(self.fd, self.data_bytes)
        os.fsync(self.fd)

    def seal(self) -> None:
        """Leave a valid file behind, even after a failed write: whole samples, true sizes, on disk, closed."""
        try:
            if self.data_bytes % 2:
                self.data_bytes -= 1
                os.ftruncate(self.fd, wav.HEADER_BYTES + self.data_bytes)  # shrinking needs no free space
            self.sync()
        finally:
            os.close(self.fd)


class SessionWriter:
    """Owns one session folder. Not thread-safe: one thread (the recorder's writer thread) calls everything."""

    def __init__(
        self,
        out_dir: str | os.PathLike[str],
        *,
        samplerate: int = 16000,
        device: str = "",
        title: str = "",
        segment_seconds: float = 30.0,
        sync_seconds: float = 0.5,
    ) -> None:
        self.samplerate = samplerate
        self.sync_seconds = sync_seconds
        self._segment_samples = max(1, round(segment_seconds * samplerate))
        self.path = ses.create_dir(Path(out_dir), title)
        self.manifest = ses.Manifest(
            samplerate=samplerate,
            started=ses.now_iso(),
            device=device,
            title=title,
            segment_seconds=segment_seconds,
        )
        self._segment: _Segment | None = None
        self._number = 0
        self._last_sync = time.monotonic()
        self.samples_written = 0
        self.closed = False
        self._final: Path | None = None
        self._lock: BinaryIO | None = None
        try:
            self._lock = ses.lock(self.path)
            ses.write_manifest(self.path, self.manifest)
        except OSError:
            self.abandon()  # e.g. the disk is already full: leave no half-made session behind
            raise

    @property
    def seconds_written(self) -> float:
        return self.samples_written / self.samplerate

    def begin(self, started: str, device_samplerate: int | None) -> None:
        """Record when the first sample really arrived (streams start late) and at what rate the device ran."""
        self.manifest.started = started
        self.manifest.device_samplerate = device_samplerate
        ses.write_manifest(self.path, self.manifest)

    def write(self, samples: np.ndarray) -> None:
        """Append int16 mono samples; raises OSError (ENOSPC, EIO...) with every byte that landed kept on disk."""
        samples = np.ascontiguousarray(samples, dtype="<i2")
        pos = 0
        while pos < len(samples):
            if self._segment is None or self._segment.data_bytes >= 2 * self._segment_samples:
                self._next_segment()
            segment = self._segment
            assert segment is not None
            before = segment.data_bytes // 2
            part = samples[pos : pos + self._segment_samples - before]
            try:
                segment.append(part.tobytes())
            finally:
                self.samples_written += segment.data_bytes // 2 - before
            pos += len(part)
        self.tick()

    def tick(self) -> None:
        """Sync if the last sync is `sync_seconds` old; the recorder calls this when no audio arrives too."""
        if self._segment is not None and time.monotonic() - self._last_sync >= self.sync_seconds:
            self._segment.sync()
            self._last_sync = time.monotonic()

    def close(self, error: str | None = None) -> Path:
        """Seal the last segment and join everything into recording.wav (status "stopped"); returns its path.

        Raises OSError if the join fails (typically a full disk): the segments then stay, for `recover`, and
        calling `close` again retries.
        """
        if self._final is not None:
            return self._final
        self.closed = True
        if error:
            self.manifest.error = error
        try:
            self._seal()
            self._final = finalise(self.path, ses.STOPPED, manifest=self.manifest)
            return self._final
        finally:
            # Released either way: after a failed join, `recover` (even in this process) must be able to run.
            ses.unlock(self._lock, remove=self._final is not None and not ses.segments(self.path))
            self._lock = None

    def abandon(self) -> None:
        """Remove a session that never received a sample (the device failed to start)."""
        self.closed = True
        with contextlib.suppress(OSError):
            self._seal()
        ses.unlock(self._lock)
        self._lock = None
        if self.samples_written == 0:
            for p in [*ses.segments(self.path), self.path / ses.MANIFEST, self.path / ses.LOCK]:
                with contextlib.suppress(OSError):
                    p.unlink()
            with contextlib.suppress(OSError):
                self.path.rmdir()

    def _next_segment(self) -> None:
        self._seal()
        self._number += 1
        self._segment = _Segment(self.path / ses.segment_name(self._number), self.samplerate)

    def _seal(self) -> None:
        if self._segment is not None:
            segment, self._segment = self._segment, None
            segment.seal()
            self._last_sync = time.monotonic()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def finalise(session: Path, status: str, manifest: ses.Manifest | None = None) -> Path:
    """Join the segments of `session` into recording.wav, mark the manifest `status`, then delete the segments.

    Safe to repeat after a crash at any point: the segments go only after the joined file is renamed into place,
    its size checked and the manifest saying so is on disk. Raises OSError when the join cannot be written.
    """
    manifest = manifest or ses.read_manifest(session)
    found = ses.segments(session)
    # A segment cut off inside its header (crash or full disk as it was created) holds no audio.
    parts = [p for p in found if p.stat().st_size > wav.HEADER_BYTES]
    fmt = (manifest.samplerate, manifest.channels, manifest.sample_width)
    layouts = [wav.repair(p, fallback=fmt) for p in parts]
    for part, layout in zip(parts, layouts, strict=True):
        if (layout.samplerate, layout.channels, layout.sample_width) != fmt:
            raise RecordingError(f"{part} does not match the session's audio format: it was not written by minutes")
    total = sum(layout.declared_bytes for layout in layouts)
    out = session / ses.RECORDING
    expected = wav.HEADER_BYTES + total
    if parts and not _already_joined(out, expected, total):
        _join(parts, layouts, out, manifest, total)
    elif not parts and not out.exists():
        _join([], [], out, manifest, 0)  # stopped before any sample: an empty but valid file
    manifest.status = status
    manifest.stopped = manifest.stopped or ses.now_iso()
    frame = manifest.channels * manifest.sample_width
    manifest.duration = round((out.stat().st_size - wav.HEADER_BYTES) / frame / manifest.samplerate, 6)
    try:
        ses.write_manifest(session, manifest)
    except OSError as e:
        # recording.wav is complete; keeping the segments lets a later `recover` finish the bookkeeping.
        log.warning("%s: joined, but the manifest could not be updated (%s); segments kept", session, e)
        return out
    for part in [*found, out.with_name(out.name + ".part")]:  # .part: left by a join a crash interrupted
        with contextlib.suppress(OSError):
            part.unlink()
    ses.fsync_dir(session)
    return out


def _already_joined(out: Path, expected_size: int, data_bytes: int) -> bool:
    # A crash between the rename and the manifest update leaves a complete join; reuse it rather than need the
    # disk space for a second copy.
    try:
        return out.stat().st_size == expected_size and wav.read_layout(out).declared_bytes == data_bytes
    except (OSError, ValueError):
        return False


def _join(parts: list[Path], layouts: list[wav.WavLayout], out: Path, m: ses.Manifest, total: int) -> None:
    tmp = out.with_name(out.name + ".part")
    try:
        with open(tmp, "wb") as dst:
            dst.write(wav.header(m.samplerate, m.channels, m.sample_width, total))
            for part, layout in zip(parts, layouts, strict=True):
                with open(part, "rb") as src:
                    src.seek(layout.data_offset)
                    left = layout.declared_bytes
                    while left > 0:
                        block = src.read(min(_COPY_BLOCK, left))
                        if not block:
                            raise OSError(f"{part} became shorter while joining")
                        dst.write(block)
                        left -= len(block)
            dst.flush()
            os.fsync(dst.fileno())
        size = tmp.stat().st_size
        if size != wav.HEADER_BYTES + total:
            raise OSError(f"joined file has {size} bytes, expected {wav.HEADER_BYTES + total}")
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    ses.fsync_dir(out.parent)
