"""Audio input: probe and decode any container/codec FFmpeg (via PyAV) reads to 16 kHz mono float32.

Decoding streams in fixed-size blocks so a multi-hour meeting never sits in memory as a whole. Every failure a
user can cause (wrong path, empty or damaged file, a video without sound) becomes an `AudioError` whose one-line
message names the file and says what to do.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import av.error
import numpy as np

from minutes.errors import AudioError

SAMPLE_RATE = 16000

log = logging.getLogger(__name__)

_FIX = "check the file or convert it with ffmpeg"


@dataclass(frozen=True)
class AudioInfo:
    path: Path
    duration: float | None  # seconds; from container metadata, so an estimate for some formats (e.g. VBR mp3)
    codec: str
    sample_rate: int
    channels: int


def probe(path: str | os.PathLike[str]) -> AudioInfo:
    """Describe the first audio stream of `path`, checking that at least one frame decodes."""
    path = Path(path)
    _check_path(path)
    with _open(path) as container:
        audio = _audio_stream(container, path)
        ctx = audio.codec_context
        first = next(_frames(container, audio, path), None)
        if first is None:
            raise _unreadable(path, "no audio could be decoded")
        if audio.duration is not None and audio.time_base is not None:
            duration: float | None = float(audio.duration * audio.time_base)
        elif container.duration is not None:
            duration = container.duration / av.time_base
        else:
            duration = None
        return AudioInfo(
            path=path,
            duration=duration,
            codec=ctx.codec.canonical_name,  # "mp3", not the decoder's "mp3float"
            # Some demuxers only learn these from the first decoded frame.
            sample_rate=ctx.sample_rate or first.sample_rate,
            channels=ctx.channels or first.layout.nb_channels,
        )


def stream(path: str | os.PathLike[str], block_seconds: float = 600.0) -> Iterator[np.ndarray]:
    """Decode `path` to 16 kHz mono float32 in [-1, 1], yielding blocks of `block_seconds` (the last may be shorter).

    Path problems raise at call time; problems inside the file raise `AudioError` on first iteration. Corrupt
    packets are skipped and a truncated file yields what could be decoded (a warning is logged when FFmpeg reports
    the damage); `AudioError` only if nothing at all decodes.
    """
    if not block_seconds > 0:
        raise ValueError(f"block_seconds must be positive, got {block_seconds}")
    path = Path(path)
    _check_path(path)
    return _blocks(path, max(1, round(block_seconds * SAMPLE_RATE)))


def load(path: str | os.PathLike[str]) -> np.ndarray:
    """Decode the whole of `path` into one array; for short files and tests (use `stream` for meetings)."""
    blocks = list(stream(path))
    return blocks[0] if len(blocks) == 1 else np.concatenate(blocks)


def _display(path: Path) -> str:
    # Messages must stay on one line even for odd file names.
    return str(path).replace("\n", "\\n").replace("\r", "\\r")


def _reason(error: BaseException) -> str:
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    text = " ".join(str(text).split())
    return text[:1].lower() + text[1:]


def _unreadable(path: Path, reason: str) -> AudioError:
    return AudioError(f"{_display(path)} is not a readable audio file ({reason}): {_FIX}")


def _check_path(path: Path) -> None:
    """Cheap checks first, so common mistakes get a precise message rather than an FFmpeg one."""
    name = _display(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise AudioError(f"no such file: {name}") from None
    except OSError as e:
        raise AudioError(f"cannot read {name} ({_reason(e)}): check the path and its permissions") from None
    if path.is_dir():
        raise AudioError(f"{name} is a directory, not an audio file: give the path of a recording")
    if st.st_size == 0:
        raise AudioError(f"{name} is empty (0 bytes): the recording or copy failed; use the original file")


def _open(path: Path) -> av.container.InputContainer:
    try:
        return av.open(str(path), mode="r", metadata_errors="ignore")
    except PermissionError as e:
        raise AudioError(f"cannot read {_display(path)} (permission denied): check the file's permissions") from e
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as e:
        raise _unreadable(path, _reason(e)) from e


def _audio_stream(container: av.container.InputContainer, path: Path) -> av.audio.stream.AudioStream:
    audio = container.streams.best("audio")
    if audio is None:
        kinds = sorted({s.type for s in container.streams}) or ["no streams"]
        raise AudioError(
            f"{_display(path)} has no audio stream (found: {', '.join(kinds)}): "
            "use a file with a sound track, or export the audio from your recorder"
        )
    return audio


def _frames(
    container: av.container.InputContainer, audio: av.audio.stream.AudioStream, path: Path
) -> Iterator[av.AudioFrame]:
    """Decoded frames, skipping corrupt packets and stopping quietly where the file becomes unreadable."""
    packets = container.demux(audio)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            return
        except (av.error.FFmpegError, OSError) as e:
            # Truncated or damaged from here on: keep what was decoded; the caller raises if that is nothing.
            log.warning("%s: stopped reading at a damaged or truncated part (%s)", _display(path), _reason(e))
            with contextlib.suppress(av.error.FFmpegError, OSError):
                yield from audio.decode(None)  # frames still buffered in the decoder
            return
        try:
            frames = packet.decode()
        except av.error.InvalidDataError:
            continue  # one corrupt packet, as faster-whisper does; the decoder resyncs on the next
        except (av.error.FFmpegError, OSError) as e:
            log.warning("%s: stopped decoding at a damaged part (%s)", _display(path), _reason(e))
            return
        yield from frames


def _resampled(frames: Iterable[av.AudioFrame]) -> Iterator[np.ndarray]:
    """16 kHz mono float32 chunks; a new resampler whenever the input format changes mid-file.

    Resampling to s16 (as faster-whisper does) rather than float matters for the downmix: libswresample only
    normalises the mix matrix for integer output, so float output would sum stereo at +3 dB and clip loud speech.
    """
    resampler: av.AudioResampler | None = None
    source: tuple[str, str, int] | None = None
    for frame in frames:
        key = (frame.format.name, frame.layout.name, frame.sample_rate)
        if key != source:
            if resampler is not None:
                yield from _arrays(resampler.resample(None))
            resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            source = key
        # We treat the audio as one contiguous run of samples; timestamp gaps would only confuse the filter graph.
        frame.pts = None
        yield from _arrays(resampler.resample(frame))
    if resampler is not None:
        yield from _arrays(resampler.resample(None))


def _arrays(frames: list[av.AudioFrame]) -> Iterator[np.ndarray]:
    for frame in frames:
        if frame.samples:
            yield frame.to_ndarray().reshape(-1).astype(np.float32) / 32768.0


def _blocks(path: Path, block: int) -> Iterator[np.ndarray]:
    with _open(path) as container:
        audio = _audio_stream(container, path)
        pending: list[np.ndarray] = []
        held = 0
        decoded = 0
        try:
            for chunk in _resampled(_frames(container, audio, path)):
                pending.append(chunk)
                held += len(chunk)
                decoded += len(chunk)
                if held >= block:
                    buf = np.concatenate(pending)
                    full = len(buf) // block
                    for i in range(full):
                        yield buf[i * block : (i + 1) * block]
                    rest = buf[full * block :].copy()
                    pending, held = ([rest] if len(rest) else []), len(rest)
        except (av.error.FFmpegError, OSError) as e:
            # Resampler/filter failure on this input: not a bug we can recover from, but the user can convert the file.
            raise AudioError(f"cannot convert the audio in {_display(path)} ({_reason(e)}): {_FIX}") from e
        if pending:
            yield np.concatenate(pending)
        if decoded == 0:
            raise _unreadable(path, "no audio could be decoded")
