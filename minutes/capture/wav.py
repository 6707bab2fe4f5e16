"""Minimal PCM WAV I/O for crash-safe recording: a fixed 44-byte header we can patch in place, and its repair.

The standard library's `wave` module trusts the header sizes and cannot append to or fix a file, which is exactly
what a recording cut short by a crash needs, so the few bytes of RIFF are handled here.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

HEADER_BYTES = 44
_MAX_DATA = 0xFFFFFFFF - 36  # RIFF sizes are 32-bit: about 37 hours of 16 kHz mono 16-bit


@dataclass(frozen=True)
class WavLayout:
    samplerate: int
    channels: int
    sample_width: int  # bytes per sample
    data_offset: int
    declared_bytes: int  # what the header says the data chunk holds; wrong after a crash

    @property
    def frame_bytes(self) -> int:
        return self.channels * self.sample_width


def header(samplerate: int, channels: int, sample_width: int, data_bytes: int) -> bytes:
    data_bytes = min(data_bytes, _MAX_DATA)
    frame = channels * sample_width
    return b"".join(
        (
            b"RIFF",
            struct.pack("<I", 36 + data_bytes),
            b"WAVEfmt ",
            struct.pack("<IHHIIHH", 16, 1, channels, samplerate, samplerate * frame, frame, 8 * sample_width),
            b"data",
            struct.pack("<I", data_bytes),
        )
    )


def patch_sizes(fd: int, data_bytes: int) -> None:
    """Rewrite the two size fields of a 44-byte-header file open as `fd`, leaving the file offset at the end."""
    data_bytes = min(data_bytes, _MAX_DATA)
    os.lseek(fd, 4, os.SEEK_SET)
    os.write(fd, struct.pack("<I", 36 + data_bytes))
    os.lseek(fd, 40, os.SEEK_SET)
    os.write(fd, struct.pack("<I", data_bytes))
    os.lseek(fd, 0, os.SEEK_END)


def read_layout(path: Path) -> WavLayout:
    """Parse the RIFF chunks up to `data`; raises ValueError for anything that is not PCM WAV."""
    with open(path, "rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            raise ValueError("not a WAV file")
        fmt: tuple[int, ...] | None = None
        while True:
            chunk = fh.read(8)
            if len(chunk) < 8:
                raise ValueError("no data chunk")
            cid, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if cid == b"data":
                if fmt is None:
                    raise ValueError("data before fmt chunk")
                tag, channels, rate, _, _, bits = fmt
                if tag != 1 or bits % 8 or not channels or not rate:
                    raise ValueError("not 8/16/24/32-bit PCM")
                return WavLayout(rate, channels, bits // 8, fh.tell(), size)
            body = fh.read(size + (size & 1))  # chunks are padded to even sizes
            if cid == b"fmt ":
                if len(body) < 16:
                    raise ValueError("short fmt chunk")
                fmt = struct.unpack("<HHIIHH", body[:16])


def repair(path: Path, fallback: tuple[int, int, int] | None = None) -> WavLayout:
    """Make the header agree with the bytes really on disk, dropping a torn last sample frame; returns the layout.

    After a crash the header still holds the sizes of the last sync (or 0), and the data may end mid-sample. The
    file size is the truth: the data chunk is the last chunk in files we write. `fallback` (samplerate, channels,
    sample width) rebuilds a 44-byte header that never reached the disk whole; without it such a file raises
    ValueError.
    """
    size = path.stat().st_size
    try:
        layout = read_layout(path)
    except ValueError:
        if fallback is None or size < HEADER_BYTES:
            raise
        with open(path, "r+b") as fh:
            fh.write(header(*fallback, 0))
        layout = WavLayout(*fallback, data_offset=HEADER_BYTES, declared_bytes=0)
    data = max(0, size - layout.data_offset)
    data -= data % layout.frame_bytes
    if layout.data_offset + data != size:
        os.truncate(path, layout.data_offset + data)
    if data != layout.declared_bytes or _riff_size(path) != layout.data_offset - 8 + data:
        fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
        try:
            os.lseek(fd, 4, os.SEEK_SET)
            os.write(fd, struct.pack("<I", min(layout.data_offset - 8 + data, 0xFFFFFFFF)))
            os.lseek(fd, layout.data_offset - 4, os.SEEK_SET)
            os.write(fd, struct.pack("<I", min(data, 0xFFFFFFFF)))
            os.fsync(fd)
        finally:
            os.close(fd)
    return WavLayout(layout.samplerate, layout.channels, layout.sample_width, layout.data_offset, data)


def _riff_size(path: Path) -> int:
    with open(path, "rb") as fh:
        fh.seek(4)
        return struct.unpack("<I", fh.read(4))[0]
