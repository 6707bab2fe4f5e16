"""Record a meeting from an input device to a crash-safe session folder, and share the audio live.

Three threads, so nothing can stall the microphone: PortAudio's callback only copies each block into an unbounded
queue (no I/O, no locks, no waiting); one writer thread converts to 16 kHz mono, writes to disk, measures the level
and offers the chunk to subscribers; the caller's thread starts, pauses and stops. Failures on the writer thread
(full disk, device gone) finalise what was recorded there and then, and are handed to the caller's thread, which
raises them from `stop()`.
"""

from __future__ import annotations

import errno
import logging
import math
import os
import queue
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from minutes.capture.chunks import AudioChunk, FanOut, Subscription
from minutes.capture.convert import Converter
from minutes.capture.devices import InputDevice, pick_device, sounddevice
from minutes.capture.errors import RECOVER_COMMAND, AudioDeviceError, RecordingError
from minutes.capture.writer import SessionWriter

log = logging.getLogger(__name__)

SILENCE_DBFS = -100.0


@dataclass(frozen=True)
class _Block:
    """What the audio callback hands over: a copy of the input and nothing it had to compute."""

    data: np.ndarray  # float32, frames x channels, at the device rate
    wall: float  # time.time() when the callback ran
    paused: bool
    overflow: bool  # PortAudio dropped input before this block (the system was too busy)


_STOP = object()  # the caller asked to stop
_FINISHED = object()  # PortAudio ended the stream (device gone) or the caller stopped it


class Recorder:
    """Record from `device` (index, name substring or None for the default) into `out_dir/<timestamp>-<slug>/`.

    Use as a context manager or call `start()` ... `stop()`. `stop()` (also on KeyboardInterrupt) finalises
    recording.wav, or on a full disk leaves the segments for `recover`; afterwards it raises `RecordingError` or
    `AudioDeviceError` if the recording had ended early, with `.path` saying where the audio is.
    """

    def __init__(
        self,
        device: str | int | None = None,
        out_dir: str | os.PathLike[str] = ".",
        samplerate: int = 16000,
        title: str = "",
        *,
        device_samplerate: int | None = None,  # force the capture rate (None: `samplerate` if supported)
        block_seconds: float = 0.1,
        segment_seconds: float = 30.0,
        sync_seconds: float = 0.5,
        start_timeout: float = 10.0,
        stall_seconds: float = 3.0,
    ) -> None:
        self._spec = device
        self.out_dir = Path(out_dir)
        self.samplerate = samplerate
        self.title = title
        self._device_samplerate = device_samplerate
        self._block_seconds = block_seconds
        self._segment_seconds = segment_seconds
        self._sync_seconds = sync_seconds
        self._start_timeout = start_timeout
        self._stall_seconds = stall_seconds

        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()  # unbounded: the disk copy is never dropped
        self._fanout = FanOut()
        self._paused = False
        self._stopping = False
        self._abandoning = False
        self._started = threading.Event()  # first block handled, or the writer ended before one came
        self._ended = threading.Event()
        self._stream_lock = threading.Lock()
        self._stream: Any = None
        self._writer: SessionWriter | None = None
        self._thread: threading.Thread | None = None
        self._result: Path | None = None
        self._error: AudioDeviceError | RecordingError | None = None
        self._samples = 0
        self._level = SILENCE_DBFS
        self.device: InputDevice | None = None
        self.capture_rate: int | None = None
        self.overflows = 0

    # -- state, readable from any thread -------------------------------------------------------------------------

    @property
    def elapsed(self) -> float:
        """Seconds recorded, pauses excluded: the length recording.wav will have."""
        return self._samples / self.samplerate

    @property
    def level_dbfs(self) -> float:
        """RMS level of the latest ~0.1 s block in dBFS (also while paused, so the meter stays alive)."""
        return self._level

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def recording(self) -> bool:
        return self._thread is not None and not self._ended.is_set()

    @property
    def session_dir(self) -> Path | None:
        return self._writer.path if self._writer else None

    @property
    def error(self) -> AudioDeviceError | RecordingError | None:
        """Why the recording ended on its own, once it has; `stop()` raises it."""
        return self._error

    # -- control, from the caller's thread ------------------------------------------------------------------------

    def start(self) -> Path:
        """Open the device and the session folder; returns once audio really flows (streams start late)."""
        if self._thread is not None:
            raise RecordingError("this recorder was already started: make a new Recorder for a new recording")
        sd = sounddevice()
        self.device = pick_device(self._spec)
        rate, channels = self._settings(sd, self.device)
        self.capture_rate = rate
        name = self.device.name
        try:
            self._stream = sd.InputStream(
                device=self.device.index,
                samplerate=rate,
                channels=channels,
                dtype="float32",
                blocksize=max(1, round(rate * self._block_seconds)),
                callback=self._callback,
                finished_callback=self._finished,
            )
        except (sd.PortAudioError, ValueError) as e:
            raise AudioDeviceError(f"cannot open input device {name!r} ({_one_line(e)}): is it in use?") from e
        try:
            self._writer = SessionWriter(
                self.out_dir,
                samplerate=self.samplerate,
                device=name,
                title=self.title,
                segment_seconds=self._segment_seconds,
                sync_seconds=self._sync_seconds,
            )
        except OSError as e:
            self._stream.close()
            raise RecordingError(
                f"cannot create the recording in {self.out_dir} ({_reason(e)}): free some space or pick another folder"
            ) from e
        self._thread = threading.Thread(target=self._run, args=(Converter(rate, self.samplerate),), name="minutes-rec")
        self._thread.start()
        try:
            self._stream.start()
        except sd.PortAudioError as e:
            self._abandon()
            raise AudioDeviceError(f"cannot start input device {name!r} ({_one_line(e)})") from e
        if not self._started.wait(self._start_timeout):
            self._abandon()
            raise AudioDeviceError(
                f"no audio arrived from {name!r} within {self._start_timeout:g} s: "
                "check that it is connected and not used by another program"
            )
        if self._error is not None:
            self.stop()  # raises the error, with the recording (if any) finalised
        assert self._writer is not None
        return self._writer.path

    def pause(self) -> None:
        self._paused = True

    def resume(self) -> None:
        self._paused = False

    def subscribe(self, maxsize: int = 64) -> Subscription:
        """A bounded queue of every chunk from now on (before `start()`: from the first); when it is full the
        consumer's chunk is dropped and counted, and the recording goes on."""
        return self._fanout.subscribe(maxsize)

    def unsubscribe(self, sub: Subscription) -> None:
        self._fanout.unsubscribe(sub)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the recording ends on its own (error) or is stopped; False if `timeout` passed first."""
        return self._ended.wait(timeout)

    def stop(self) -> Path:
        """Stop and finalise; returns recording.wav. Idempotent. Raises if the recording had ended early."""
        if self._thread is None:
            raise RecordingError("the recorder was never started")
        self._stopping = True
        self._halt_stream(graceful=True)
        self._queue.put(_STOP)
        self._thread.join()
        if self._error is not None:
            raise self._error
        if self._result is None:  # start() failed and removed the empty session
            raise RecordingError("nothing was recorded: the recording never started")
        return self._result

    def __enter__(self) -> Recorder:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- PortAudio's thread: copy and go -------------------------------------------------------------------------

    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        self._queue.put(_Block(indata.copy(), time.time(), self._paused, bool(status.input_overflow)))

    def _finished(self) -> None:
        self._queue.put(_FINISHED)

    # -- the writer thread -----------------------------------------------------------------------------------------

    def _run(self, convert: Converter) -> None:
        writer = self._writer
        assert writer is not None
        last = time.monotonic()
        try:
            while True:
                try:
                    item = self._queue.get(timeout=0.25)
                except queue.Empty:
                    item = None
                    writer.tick()  # keep the half-second sync promise when blocks stop coming
                if item is _STOP:
                    break
                if item is _FINISHED and not self._stopping:
                    self._device_failed(writer, "stopped (disconnected, or the sound server ended)")
                    return
                if isinstance(item, _Block):
                    last = time.monotonic()
                    self._handle(writer, convert, item)
                if self._stopping:
                    continue
                if not threading.main_thread().is_alive():
                    break  # the program is ending without stop(): finalise rather than hang or lose audio
                if self._started.is_set() and time.monotonic() - last > self._stall_seconds:
                    self._device_failed(writer, f"stopped delivering audio for {self._stall_seconds:g} s")
                    return
            if self._abandoning and writer.samples_written == 0:
                writer.abandon()  # start failed before any audio: leave no empty session behind
                return
            self._write(writer, convert.flush())
            self._result = writer.close()
        except OSError as e:
            self._disk_failed(writer, e)
        except Exception as e:  # a bug must still leave a finished file and a message, not a dead thread
            log.exception("recording failed")
            self._finish_early(writer, RecordingError, f"recording failed ({_one_line(e)})")
        finally:
            if self._result is None and self._error is None and not self._abandoning:
                self._error = RecordingError(f"recording ended unexpectedly; the audio is kept in {writer.path}")
                self._result = writer.path
            self._fanout.end()
            self._started.set()
            self._ended.set()

    def _handle(self, writer: SessionWriter, convert: Converter, block: _Block) -> None:
        first = not self._started.is_set()
        if first:
            # The first block's samples were captured over the block's length before the callback ran.
            writer.begin(_iso(block.wall - len(block.data) / (self.capture_rate or self.samplerate)), self.capture_rate)
        if block.overflow:
            self.overflows += 1
            log.warning("audio input overflow: the computer was too busy and a few milliseconds were lost")
        samples = convert(block.data)
        if len(samples):
            self._level = _dbfs(samples)
        if not block.paused:
            self._write(writer, samples)
        if first:
            self._started.set()  # after the first chunk went out: subscribe before start() to get that one too

    def _write(self, writer: SessionWriter, samples: np.ndarray) -> None:
        if not len(samples):
            return
        pcm = np.clip(np.round(samples * 32768.0), -32768, 32767).astype(np.int16)
        start = self._samples / self.samplerate
        writer.write(pcm)
        self._samples += len(pcm)
        # Subscribers get exactly the samples on disk, as `minutes.audio.load` would read them back.
        self._fanout.publish(AudioChunk(start, pcm.astype(np.float32) / 32768.0, self.samplerate))

    def _device_failed(self, writer: SessionWriter, what: str) -> None:
        name = self.device.name if self.device else "the input device"
        self._halt_stream()
        self._finish_early(writer, AudioDeviceError, f"input device {name!r} {what} after {_clock(self.elapsed)}")

    def _disk_failed(self, writer: SessionWriter, e: OSError) -> None:
        self._halt_stream()
        reason = "the disk is full" if e.errno == errno.ENOSPC else f"cannot write to the disk: {_reason(e)}"
        self._finish_early(writer, RecordingError, f"recording stopped after {_clock(self.elapsed)}: {reason}")

    def _finish_early(self, writer: SessionWriter, kind: type[AudioDeviceError | RecordingError], what: str) -> None:
        """Save what was recorded and keep the one-line error for the caller's thread."""
        try:
            path = writer.close(error=what)
            message = f"{what}; the recording so far is saved in {path}"
        except Exception as e:  # the join failed (full disk...): the segments stay for recovery
            path = writer.path
            log.debug("join failed", exc_info=e)
            message = (
                f"{what}; the audio so far is kept in {path}: free some disk space, then run `{RECOVER_COMMAND} {path}`"
            )
        self._error = kind(message, path)
        self._result = path

    def _halt_stream(self, graceful: bool = False) -> None:
        with self._stream_lock:
            stream, self._stream = self._stream, None
        if stream is None:
            return
        try:
            # A failed device gets abort: stop waits for PortAudio's buffers, which may never drain there.
            if graceful:
                stream.stop()
            else:
                stream.abort()
            stream.close()
        except Exception as e:
            log.debug("closing the input stream failed: %s", e)

    def _abandon(self) -> None:
        """Start failed: stop everything and remove the session if no sample arrived."""
        self._stopping = self._abandoning = True
        self._halt_stream()
        self._queue.put(_STOP)
        if self._thread is not None:
            self._thread.join()

    def _settings(self, sd: Any, device: InputDevice) -> tuple[int, int]:
        """(rate, channels) the device accepts: mono at `samplerate` if possible, else its own rate; we convert."""
        rates = [self._device_samplerate] if self._device_samplerate else [self.samplerate, int(device.samplerate)]
        for rate in dict.fromkeys(rates):
            for channels in dict.fromkeys([1, min(2, device.channels)]):
                try:
                    sd.check_input_settings(device=device.index, channels=channels, samplerate=rate, dtype="float32")
                except (sd.PortAudioError, ValueError):
                    continue
                return rate, channels
        raise AudioDeviceError(
            f"input device {device.name!r} accepts none of {', '.join(f'{r} Hz' for r in rates)}: choose another"
        )


def _dbfs(samples: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return max(SILENCE_DBFS, 20 * math.log10(rms)) if rms > 0 else SILENCE_DBFS


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch).astimezone().isoformat(timespec="milliseconds")


def _clock(seconds: float) -> str:
    m, s = divmod(seconds, 60)
    h, m = divmod(int(m), 60)
    return f"{h}:{m:02d}:{s:04.1f}" if h else f"{m}:{s:04.1f}"


def _reason(e: OSError) -> str:
    return _one_line(e.strerror or e)


def _one_line(e: object) -> str:
    return " ".join(str(e).split())
