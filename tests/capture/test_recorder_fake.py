"""The Recorder's logic against a scripted PortAudio stand-in: resampling, pause, subscribers, device and disk failures.

The fake stream delivers blocks only when the test pushes them (from the test's thread, as PortAudio's own thread
would), so counts are exact; tests/capture/test_pulse.py covers the real device path.
"""

from __future__ import annotations

import errno
import re
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import minutes.capture.recorder as recorder_module
import minutes.capture.session as session_module
import minutes.capture.writer as writer_module
from minutes.capture import AudioDeviceError, InputDevice, Recorder, RecordingError, recover
from minutes.capture.writer import _Segment
from tests.capture.helpers import wait_for

BLOCK = 0.1


class FakePortAudioError(Exception):
    pass


class _Flags:
    input_overflow = False


class FakeStream:
    def __init__(self, sd: FakeSD, samplerate: int, channels: int, blocksize: int, callback: Callable[..., None],
                 finished_callback: Callable[[], None], **_: Any) -> None:  # fmt: skip
        self.sd, self.rate, self.channels, self.blocksize = sd, samplerate, channels, blocksize
        self.callback, self.finished_callback = callback, finished_callback
        self.phase = 0
        self.running = False
        sd.stream = self

    def start(self) -> None:
        self.running = True
        if not self.sd.silent:
            self.push(1)

    def push(self, blocks: int) -> np.ndarray:
        """Deliver `blocks` blocks of a 440 Hz sine at half scale; returns the mono signal delivered."""
        n = blocks * self.blocksize
        t = (self.phase + np.arange(n)) / self.rate
        self.phase += n
        mono = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        for i in range(blocks):
            block = np.repeat(mono[i * self.blocksize : (i + 1) * self.blocksize, None], self.channels, axis=1)
            self.callback(block, self.blocksize, None, _Flags())
        return mono

    def fail(self) -> None:
        """The device goes away: PortAudio ends the stream on its own."""
        self.running = False
        self.finished_callback()

    def stop(self) -> None:
        self.abort()

    def abort(self) -> None:
        if self.running:
            self.running = False
            self.finished_callback()

    def close(self) -> None:
        pass


class FakeSD:
    PortAudioError = FakePortAudioError

    def __init__(self, rates: set[int], channels: set[int], silent: bool = False) -> None:
        self.rates, self.channels, self.silent = rates, channels, silent
        self.stream: FakeStream | None = None

    def check_input_settings(self, device: int, channels: int, samplerate: int, dtype: str) -> None:
        if samplerate not in self.rates or channels not in self.channels:
            raise FakePortAudioError("Invalid sample rate")

    def InputStream(self, **kwargs: Any) -> FakeStream:  # sounddevice's name
        return FakeStream(self, **kwargs)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Callable[..., FakeSD]:
    def install(
        rates: set[int] | None = None, channels: set[int] | None = None, silent: bool = False, default_rate: int = 0
    ) -> FakeSD:
        sd = FakeSD(rates or {16000, 48000}, channels or {1, 2}, silent)
        device = InputDevice(0, "Fake Mic", max(sd.channels), float(default_rate or max(sd.rates)), is_default=True)
        monkeypatch.setattr(recorder_module, "sounddevice", lambda: sd)
        monkeypatch.setattr(recorder_module, "pick_device", lambda spec: device)
        return sd

    return install


def read(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        assert w.getframerate() == 16000
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768


def settle(rec: Recorder, seconds: float) -> None:
    assert wait_for(lambda: rec.elapsed >= seconds - 1e-9, 5), f"only {rec.elapsed} s of {seconds} written"


def test_a_16k_device_is_recorded_sample_exact(fake: Callable[..., FakeSD], tmp_path: Path) -> None:
    sd = fake()
    rec = Recorder(out_dir=tmp_path, title="exact")
    rec.start()
    assert sd.stream is not None
    sent = np.concatenate([sd.stream.push(0), sd.stream.push(9)])
    settle(rec, 1.0)

    out = rec.stop()

    got = read(out)
    assert len(got) == 16000
    np.testing.assert_array_equal(got[1600:], np.round(sent * 32768) / 32768)
    assert rec.capture_rate == 16000
    assert rec.level_dbfs == pytest.approx(-9.03, abs=0.05)  # a half-scale sine


def test_a_48k_stereo_device_is_resampled_to_16k_mono(fake: Callable[..., FakeSD], tmp_path: Path) -> None:
    sd = fake(rates={48000}, channels={2})
    with Recorder(out_dir=tmp_path) as rec:
        assert sd.stream is not None
        assert (sd.stream.rate, sd.stream.channels) == (48000, 2)
        sd.stream.push(19)
        settle(rec, 1.99)
    got = read(rec.stop())

    assert abs(len(got) - 32000) <= 2  # 2 s, the resampler's delay flushed at the end
    spectrum = np.abs(np.fft.rfft(got[1000:-1000]))
    assert np.argmax(spectrum) * 16000 / len(got[1000:-1000]) == pytest.approx(440, abs=2)
    assert np.sqrt(np.mean(got[1000:-1000] ** 2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.01)


def test_pause_leaves_out_audio_but_the_meter_keeps_going(fake: Callable[..., FakeSD], tmp_path: Path) -> None:
    sd = fake()
    rec = Recorder(out_dir=tmp_path)
    rec.start()
    assert sd.stream is not None
    sd.stream.push(4)
    settle(rec, 0.5)
    rec.pause()
    rec._level = -100.0
    sd.stream.push(5)
    assert wait_for(lambda: rec.level_dbfs > -20, 5)
    rec.resume()
    sd.stream.push(3)
    settle(rec, 0.8)

    assert len(read(rec.stop())) == 8 * 1600
    assert rec.paused is False


def test_subscribers_get_the_disk_samples_and_a_slow_one_only_loses_its_own(
    fake: Callable[..., FakeSD], tmp_path: Path
) -> None:
    sd = fake()
    rec = Recorder(out_dir=tmp_path)
    rec.start()
    slow, fast = rec.subscribe(maxsize=3), rec.subscribe(maxsize=1000)
    assert sd.stream is not None
    sd.stream.push(20)
    settle(rec, 2.1)
    disk = read(rec.stop())

    chunks = list(fast)
    assert chunks[0].start == pytest.approx(0.1)
    np.testing.assert_array_equal(np.concatenate([c.samples for c in chunks]), disk[1600:])
    assert (len(list(slow)), slow.dropped) == (3, 17)
    assert len(disk) == 21 * 1600  # the disk copy never drops


def test_a_device_that_goes_away_saves_what_was_recorded(fake: Callable[..., FakeSD], tmp_path: Path) -> None:
    sd = fake()
    rec = Recorder(out_dir=tmp_path)
    rec.start()
    assert sd.stream is not None
    sd.stream.push(5)
    settle(rec, 0.6)
    sd.stream.fail()

    assert rec.wait(5)
    assert not rec.recording
    with pytest.raises(AudioDeviceError) as err:
        rec.stop()
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("input device 'Fake Mic' stopped (disconnected, or the sound server ended) after 0:00.6")
    assert err.value.path is not None
    assert len(read(err.value.path)) == 6 * 1600


def test_a_stalled_device_is_noticed(fake: Callable[..., FakeSD], tmp_path: Path) -> None:
    sd = fake()
    rec = Recorder(out_dir=tmp_path, stall_seconds=0.5)
    rec.start()
    assert sd.stream is not None
    sd.stream.push(2)

    assert rec.wait(5)
    expected = "stopped delivering audio for 0.5 s after 0:00.3; the recording so far"
    with pytest.raises(AudioDeviceError, match=re.escape(expected)):
        rec.stop()


def test_a_device_that_never_delivers_leaves_no_session(fake: Callable[..., FakeSD], tmp_path: Path) -> None:
    fake(silent=True)
    rec = Recorder(out_dir=tmp_path, start_timeout=0.3)
    with pytest.raises(AudioDeviceError, match=re.escape("no audio arrived from 'Fake Mic' within 0.3 s")):
        rec.start()
    assert list(tmp_path.iterdir()) == []


def test_an_unsupported_device_rate_is_refused(fake: Callable[..., FakeSD], tmp_path: Path) -> None:
    fake(rates={44100}, default_rate=48000)  # a driver that misreports its default rate
    with pytest.raises(AudioDeviceError, match=re.escape("accepts none of 16000 Hz, 48000 Hz")):
        Recorder(out_dir=tmp_path).start()


def test_a_full_disk_stops_cleanly_and_keeps_the_audio(
    fake: Callable[..., FakeSD], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sd = fake()
    real_append = _Segment.append
    calls = []

    def append(self: _Segment, data: bytes) -> None:
        calls.append(len(data))
        if len(calls) > 4:
            real_append(self, data[:101])  # part lands, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        real_append(self, data)

    monkeypatch.setattr(_Segment, "append", append)
    rec = Recorder(out_dir=tmp_path)
    rec.start()
    assert sd.stream is not None
    sd.stream.push(10)

    assert rec.wait(5)
    with pytest.raises(RecordingError) as err:
        rec.stop()
    assert str(err.value).startswith("recording stopped after 0:00.4: the disk is full; the recording so far is saved")
    assert err.value.path is not None
    assert len(read(err.value.path)) == 4 * 1600 + 50  # whole samples of the partial write kept


def test_ctrl_c_finalises_the_recording(fake: Callable[..., FakeSD], tmp_path: Path) -> None:
    sd = fake()
    with pytest.raises(KeyboardInterrupt), Recorder(out_dir=tmp_path) as rec:
        assert sd.stream is not None
        sd.stream.push(4)
        settle(rec, 0.5)
        raise KeyboardInterrupt
    assert rec.session_dir is not None
    assert len(read(rec.session_dir / "recording.wav")) == 5 * 1600


def test_a_join_that_fails_at_stop_keeps_the_segments_for_recovery(
    fake: Callable[..., FakeSD], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sd = fake()
    rec = Recorder(out_dir=tmp_path, segment_seconds=0.25)
    session = rec.start()
    assert sd.stream is not None
    sd.stream.push(9)
    settle(rec, 1.0)

    def no_space(*args: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writer_module, "_join", no_space)
    with pytest.raises(RecordingError) as err:
        rec.stop()
    assert str(err.value) == (
        f"recording stopped after 0:01.0: the disk is full; the audio so far is kept in {session}: "
        f"free some disk space, then run `minutes recover {session}`"
    )
    assert err.value.path == session
    assert len(list(session.glob("segment-*.wav"))) == 4

    monkeypatch.undo()
    assert len(read(recover(session))) == 16000


def test_a_disk_full_at_start_leaves_no_half_made_session(
    fake: Callable[..., FakeSD], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake()

    def no_space(*args: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(session_module, "write_manifest", no_space)
    with pytest.raises(RecordingError, match="No space left on device"):
        Recorder(out_dir=tmp_path).start()
    assert list(tmp_path.iterdir()) == []
