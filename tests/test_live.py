"""The live session: worker, skip-ahead, keys, silence warning, view and live.json with a fake recorder and decoder;
then the real thing through PulseAudio with the real model (marked `model` and `slow`)."""

from __future__ import annotations

import io
import os
import threading
import time
from pathlib import Path

import jiwer
import numpy as np
import pytest

from minutes.audio import SAMPLE_RATE
from minutes.capture import RecordingError
from minutes.capture.chunks import AudioChunk, FanOut, Subscription
from minutes.live import (
    LIVE_JSON,
    LiveSession,
    LiveState,
    SilenceMonitor,
    key_reader,
    render,
    words_to_segments,
)
from minutes.model import Transcript, Word
from minutes.transcribe.guards import normalize
from minutes.transcribe.streaming import Hypothesis, StreamingTranscriber
from tests.capture.conftest import pulse  # noqa: F401  (the PulseAudio null-sink fixture, reused)
from tests.capture.helpers import align, play, read_wav, speech_span
from tests.conftest import DATA, read_ref
from tests.transcribe.test_streaming import FakeDecoder, script, signal

# -- a recorder that plays back an array ----------------------------------------------------------------------------


class FakeRecorder:
    """The parts of `Recorder` a LiveSession uses. Publishes `samples` in 0.1 s chunks, `speed` times faster than
    real time, then ends on its own (as when a device goes away) unless `keep_going`."""

    def __init__(
        self,
        samples: np.ndarray,
        session_dir: Path,
        speed: float = 50.0,
        keep_going: bool = False,
        stop_error: Exception | None = None,
        interrupt_after: int | None = None,
    ) -> None:
        self.samples = samples
        self.session_dir = session_dir
        self.speed = speed
        self.keep_going = keep_going
        self.stop_error = stop_error
        self.interrupt_after = interrupt_after  # wait() raises KeyboardInterrupt on this call: a Ctrl-C
        self.level_dbfs = -20.0
        self.paused = False
        self.stopped = False
        self._fanout = FanOut()
        self._published = 0
        self._ended = threading.Event()
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None
        self._waits = 0

    @property
    def elapsed(self) -> float:
        return self._published / SAMPLE_RATE

    @property
    def recording(self) -> bool:
        return self._thread is not None and not self._ended.is_set()

    def subscribe(self, maxsize: int = 64) -> Subscription:
        return self._fanout.subscribe(maxsize)

    def unsubscribe(self, sub: Subscription) -> None:
        self._fanout.unsubscribe(sub)

    def start(self) -> Path:
        self.session_dir.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self.session_dir

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False

    def wait(self, timeout: float | None = None) -> bool:
        self._waits += 1
        if self.interrupt_after is not None and self._waits >= self.interrupt_after:
            raise KeyboardInterrupt
        return self._ended.wait(timeout)

    def stop(self) -> Path:
        self._halt.set()
        if self._thread is not None:
            self._thread.join()
        self._fanout.end()
        self._ended.set()
        self.stopped = True
        wav = self.session_dir / "recording.wav"
        wav.write_bytes(b"")
        if self.stop_error is not None:
            raise self.stop_error
        return wav

    def _run(self) -> None:
        step = SAMPLE_RATE // 10
        while not self._halt.is_set():
            if self.paused:
                time.sleep(0.01)
                continue
            if self._published >= len(self.samples):
                if self.keep_going:
                    time.sleep(0.01)
                    continue
                break
            chunk = self.samples[self._published : self._published + step]
            self._fanout.publish(AudioChunk(self._published / SAMPLE_RATE, chunk))
            self._published += len(chunk)
            time.sleep(0.1 / self.speed)
        self._fanout.end()
        self._ended.set()


class SlowDecoder(FakeDecoder):
    """A decoder slower than the audio arrives: the worker must skip ahead."""

    delay: float = 0.3

    def transcribe(self, samples: np.ndarray, *, language: str | None, prompt: str) -> Hypothesis:
        time.sleep(self.delay)
        return super().transcribe(samples, language=language, prompt=prompt)


class BrokenDecoder(FakeDecoder):
    def transcribe(self, samples: np.ndarray, *, language: str | None, prompt: str) -> Hypothesis:
        raise RuntimeError("out of memory")


def _session(recorder: FakeRecorder, decoder: FakeDecoder, **kw: object) -> LiveSession:
    return LiveSession(recorder, StreamingTranscriber(decoder, vad=False), view=False, **kw)  # type: ignore[arg-type]


# -- the session ----------------------------------------------------------------------------------------------------


def test_the_live_transcript_is_returned_and_saved(tmp_path: Path) -> None:
    words, ends = script(20.0)
    recorder = FakeRecorder(signal(20.0), tmp_path / "session", speed=20.0)
    result = _session(recorder, FakeDecoder(words, ends), max_lag_seconds=60.0).run()  # no skipping here

    assert recorder.stopped
    assert result.wav_path == tmp_path / "session" / "recording.wav"
    assert result.session_dir == tmp_path / "session"
    assert [w.text for w in result.live_transcript.words] == [w.text for w in words]
    assert result.gaps == [] and result.asr_error is None and not result.interrupted
    saved = Transcript.from_json((result.session_dir / LIVE_JSON).read_text(encoding="utf-8"))
    assert saved.text == result.live_transcript.text
    assert saved.options["mode"] == "live" and saved.duration == pytest.approx(20.0, abs=0.1)


def test_a_slow_transcriber_skips_ahead_and_notes_the_gap(tmp_path: Path) -> None:
    words, ends = script(60.0)
    recorder = FakeRecorder(signal(60.0), tmp_path / "s", speed=20.0)  # 60 s of audio in 3 s
    session = _session(recorder, SlowDecoder(words, ends), max_lag_seconds=5.0)
    result = session.run()

    assert result.gaps, "the worker fell behind by design and must have skipped"
    assert result.skipped_seconds > 10.0
    for start, end in result.gaps:
        assert not [w for w in result.live_transcript.words if start < w.start < end - 0.01]
    assert result.live_transcript.words[-1].end > 55.0  # it caught up with the end of the recording
    assert result.live_transcript.options["gaps"] == [list(g) for g in result.gaps]


def test_keys_pause_resume_and_stop(tmp_path: Path) -> None:
    recorder = FakeRecorder(signal(5.0), tmp_path / "s", keep_going=True)
    session = _session(recorder, FakeDecoder([]))
    session.handle_key(" ")
    assert recorder.paused
    session.handle_key("p")
    assert not recorder.paused
    session.handle_key("x")  # other keys do nothing
    threading.Timer(0.5, session.handle_key, args=("q",)).start()
    started = time.monotonic()
    session.run()
    assert recorder.stopped and time.monotonic() - started < 5.0


def test_keys_are_read_from_a_terminal_in_cbreak_mode() -> None:
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    seen: list[str] = []
    with open(slave, encoding="utf-8", closefd=True) as terminal, key_reader(seen.append, terminal) as active:
        assert active
        os.write(master, b" q")  # no Enter: cbreak mode delivers each key at once
        deadline = time.monotonic() + 3.0
        while len(seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    os.close(master)
    assert seen == [" ", "q"]


def test_no_keys_without_a_terminal() -> None:
    with key_reader(lambda key: None, io.StringIO(" q")) as active:
        assert not active


def test_ctrl_c_stops_cleanly(tmp_path: Path) -> None:
    words, ends = script(10.0)
    recorder = FakeRecorder(signal(10.0), tmp_path / "s", speed=5.0, keep_going=True, interrupt_after=10)
    result = _session(recorder, FakeDecoder(words, ends)).run()  # no KeyboardInterrupt escapes
    assert recorder.stopped and result.interrupted
    assert (tmp_path / "s" / LIVE_JSON).is_file()
    assert result.live_transcript.words  # what was heard before Ctrl-C was committed at the end


def test_a_recording_error_is_raised_after_the_live_transcript_is_saved(tmp_path: Path) -> None:
    words, ends = script(5.0)
    error = RecordingError("recording stopped after 0:05.0: the disk is full", tmp_path / "s")
    recorder = FakeRecorder(signal(5.0), tmp_path / "s", stop_error=error)
    with pytest.raises(RecordingError, match="disk is full"):
        _session(recorder, FakeDecoder(words, ends)).run()
    assert Transcript.from_json((tmp_path / "s" / LIVE_JSON).read_text(encoding="utf-8")).words


def test_a_failing_transcriber_does_not_stop_the_recording(tmp_path: Path) -> None:
    recorder = FakeRecorder(signal(5.0), tmp_path / "s", speed=10.0)
    result = _session(recorder, BrokenDecoder(script(5.0)[0])).run()
    assert result.asr_error == "out of memory"
    assert recorder.elapsed == pytest.approx(5.0)  # every chunk was still recorded
    assert result.wav_path.name == "recording.wav"


def test_the_view_runs_on_a_console(tmp_path: Path) -> None:
    from rich.console import Console

    words, ends = script(8.0)
    out = io.StringIO()
    console = Console(file=out, width=80, height=20, force_terminal=True, color_system=None)
    recorder = FakeRecorder(signal(8.0), tmp_path / "s", speed=8.0)
    session = LiveSession(
        recorder,  # type: ignore[arg-type]
        StreamingTranscriber(FakeDecoder(words, ends), vad=False),
        view=True,
        console=console,
        keys=io.StringIO(),
        refresh_per_second=20,
    )
    session.run()
    shown = out.getvalue()
    assert "REC" in shown and "dBFS" in shown and "w3" in shown


def test_record_meeting_wires_recorder_transcriber_and_hook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import functools

    import minutes.live as live

    words, ends = script(60.0)
    made: list[FakeRecorder] = []

    def recorder(device: object, out_dir: Path, title: str) -> FakeRecorder:
        made.append(FakeRecorder(signal(60.0), Path(out_dir) / "session", speed=20.0))
        return made[-1]

    monkeypatch.setattr(live, "Recorder", recorder)
    monkeypatch.setattr(live, "StreamingTranscriber", functools.partial(StreamingTranscriber, vad=False))
    events: list[tuple[str, dict]] = []
    result = live.record_meeting(
        out_dir=tmp_path,
        language="en",
        show=False,
        hook=lambda step, **info: events.append((step, info)),
        transcriber=SlowDecoder(words, ends),
        max_lag_seconds=5.0,
    )
    assert made and made[0].stopped
    assert result.session_dir == tmp_path / "session" and result.live_transcript.language == "en"
    warnings = [info["message"] for step, info in events if step == "warning"]
    assert len(warnings) == 1 and "the recording is complete" in warnings[0]


# -- view pieces ----------------------------------------------------------------------------------------------------


def _text(state: LiveState, width: int = 80) -> str:
    from rich.console import Console

    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(render(state, width, 24))
    return console.file.getvalue()  # type: ignore[attr-defined]


def test_the_view_shows_state_warnings_and_both_kinds_of_text() -> None:
    state = LiveState(
        elapsed=3725.0,
        level_dbfs=-75.0,
        paused=False,
        committed="we agreed on the budget.",
        tentative="next item is",
        silent_for=12.0,
        skipped_seconds=14.0,
        keys=True,
    )
    shown = _text(state)
    assert "1:02:05" in shown and "REC" in shown
    assert "microphone muted?" in shown
    assert "skipped 14 s" in shown
    assert "we agreed on the budget. next item is" in shown
    assert "q stop" in shown
    paused = _text(LiveState(elapsed=5.0, level_dbfs=-20.0, paused=True, committed="", tentative=""))
    assert "PAUSED" in paused and "muted" not in paused and "(listening…)" in paused


def test_the_view_shows_the_end_of_a_long_transcript() -> None:
    committed = " ".join(f"word{i}" for i in range(3000))
    shown = _text(LiveState(elapsed=1.0, level_dbfs=-20.0, paused=False, committed=committed, tentative="tail"))
    assert "word2999 tail" in shown and "word0 " not in shown
    assert len(shown.splitlines()) <= 24


def test_silence_warning_after_ten_seconds_of_recording_silence() -> None:
    monitor = SilenceMonitor(-60.0, 10.0)
    monitor.update(-75.0, now=0.0)
    monitor.update(-75.0, now=9.0)
    assert not monitor.warning(9.0)
    assert monitor.warning(10.5) and monitor.silent_for(10.5) == pytest.approx(10.5)
    monitor.update(-30.0, now=11.0)  # someone speaks
    assert not monitor.warning(11.0)
    monitor.update(-75.0, now=12.0)
    monitor.update(-75.0, now=30.0, paused=True)  # paused: silence is expected
    assert not monitor.warning(30.0)


def test_words_are_grouped_at_sentence_ends_and_pauses() -> None:
    words = [
        Word(" Hello", 0.0, 0.4),
        Word(" everyone.", 0.5, 0.9),
        Word(" First", 1.0, 1.3),
        Word(" item", 1.4, 1.7),
        Word(" budget", 3.5, 3.9),  # after a 1.8 s pause
    ]
    segments = words_to_segments(words)
    assert [s.text for s in segments] == ["Hello everyone.", "First item", "budget"]
    assert (segments[1].start, segments[1].end) == (1.0, 1.7)


# -- the real thing -------------------------------------------------------------------------------------------------

SPEECH = DATA / "audio" / "derived_en_librivox_ss01_concat.wav"


@pytest.mark.model
@pytest.mark.slow
def test_live_session_through_pulseaudio(pulse: Path, transcriber, data: Path, tmp_path: Path) -> None:  # noqa: F811
    from minutes.capture import Recorder

    played = read_wav(SPEECH)
    recorder = Recorder(device="pulse", out_dir=tmp_path, title="live")
    # A generous lag limit: this test checks what the live path hears, on a CI machine of any speed. Skipping
    # ahead has its own test above.
    streaming = StreamingTranscriber(transcriber, language="en")
    session = LiveSession(recorder, streaming, view=False, max_lag_seconds=120.0)
    failure: list[str] = []

    def drive() -> None:
        try:
            if not session.started.wait(30):
                failure.append("the recorder did not start")
                return
            player = play(SPEECH)
            if player.wait(timeout=120) != 0:
                failure.append(player.stderr.read().decode() if player.stderr else "paplay failed")
            time.sleep(1.0)
        finally:
            session.stop()

    driver = threading.Thread(target=drive)
    driver.start()
    started = time.monotonic()
    result = session.run()
    driver.join()
    took = time.monotonic() - started
    assert not failure, failure[0]

    recorded = read_wav(result.wav_path)
    lag, corr = align(recorded, played)
    aligned = recorded[max(lag, 0) :][: len(played)]
    rec_start, rec_end = speech_span(aligned)
    ref_start, ref_end = speech_span(played)
    hypothesis = result.live_transcript.text
    wer = jiwer.wer(normalize(read_ref(data, "derived_en_librivox_ss01_concat")), normalize(hypothesis))
    print(
        f"\n[live] correlation {corr:.4f}, speech {rec_end - rec_start:.2f} s recorded vs {ref_end - ref_start:.2f} s "
        f"played; live WER {wer:.3f}; {streaming.decodes} decodes; session {took:.1f} s for "
        f"{len(recorded) / SAMPLE_RATE:.1f} s of audio\n  {hypothesis}"
    )
    assert corr >= 0.95
    assert abs((rec_end - rec_start) - (ref_end - ref_start)) <= 0.5
    assert wer <= 0.15
    assert result.gaps == []
    assert (result.session_dir / LIVE_JSON).is_file()
    words = result.live_transcript.words
    offset = lag / SAMPLE_RATE  # where the playback began in the recording: word times are on that clock
    assert words[0].start >= offset - 0.5
    assert words[-1].end <= len(recorded) / SAMPLE_RATE + 0.05
