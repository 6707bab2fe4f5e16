"""`minutes record`: capture a meeting while a live transcript scrolls by, then hand over the recording.

    result = record_meeting(device="USB", out_dir=Path("recordings"), language="vi", title="Họp giao ban")
    result.wav_path          # recordings/<timestamp>-hop-giao-ban/recording.wav, complete whatever happened live
    result.live_transcript   # a Transcript of the committed words, also saved as live.json next to it

Three parties, so the recording never waits for the transcriber:
- the Recorder's own threads capture and write to disk (minutes.capture);
- a worker thread pulls chunks from a bounded Subscription and runs the StreamingTranscriber; when it falls more
  than `max_lag_seconds` behind (a slow laptop, a long decode) it skips ahead to the newest audio and notes the
  gap. Only the live view loses those seconds: the file on disk is complete, and the batch transcript made from it
  afterwards covers them;
- the caller's thread draws the view on stderr (rich), reads keys and watches the input level.

Keys (when stdin is a terminal): space or p pauses and resumes, q stops. Ctrl-C stops too, cleanly: the recording
is finalised and the live transcript saved before `KeyboardInterrupt` would have ended the program.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from minutes.capture import AudioDeviceError, Recorder, RecordingError, Subscription
from minutes.hooks import Hook, null_hook
from minutes.model import Segment, Transcript, Word
from minutes.transcribe.guards import apply_guards
from minutes.transcribe.streaming import StreamingTranscriber, text_of

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

log = logging.getLogger(__name__)

LIVE_JSON = "live.json"
SILENCE_DBFS = -60.0  # below this the input is as good as silent: a muted or unplugged microphone
METER_FLOOR_DBFS = -60.0
MAX_LAG_SECONDS = 10.0  # the live transcript skips ahead when it is this far behind the recording
RESUME_SECONDS = 2.0  # audio kept when skipping ahead, so the live view resumes at once


@dataclass
class LiveResult:
    wav_path: Path  # the complete recording
    session_dir: Path
    live_transcript: Transcript  # committed words only; live.json in session_dir
    gaps: list[tuple[float, float]] = field(default_factory=list)  # stretches the live view skipped
    asr_error: str | None = None  # why the live transcript stopped early, if it did
    interrupted: bool = False  # stopped by Ctrl-C (the CLI may exit with 130 once it has used the result)

    @property
    def skipped_seconds(self) -> float:
        return sum(end - start for start, end in self.gaps)


# -- what the view shows ------------------------------------------------------------------------------------------


class SilenceMonitor:
    """How long the input has stayed below `threshold_dbfs` while recording (paused time does not count)."""

    def __init__(self, threshold_dbfs: float = SILENCE_DBFS, warn_after: float = 10.0) -> None:
        self.threshold_dbfs = threshold_dbfs
        self.warn_after = warn_after
        self._since: float | None = None  # when the current silence began

    def update(self, level_dbfs: float, now: float, paused: bool = False) -> None:
        if paused or level_dbfs >= self.threshold_dbfs:
            self._since = None
        elif self._since is None:
            self._since = now

    def silent_for(self, now: float) -> float:
        return 0.0 if self._since is None else now - self._since

    def warning(self, now: float) -> bool:
        return self.silent_for(now) >= self.warn_after


@dataclass(frozen=True)
class LiveState:
    """One frame of the view, copied out of the session so drawing needs no lock."""

    elapsed: float
    level_dbfs: float
    paused: bool
    committed: str
    tentative: str
    silent_for: float = 0.0
    warn_after: float = 10.0
    skipped_seconds: float = 0.0
    lag_seconds: float = 0.0
    asr_error: str | None = None
    keys: bool = False


def clock(seconds: float) -> str:
    m, s = divmod(int(max(0.0, seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}"


def meter(level_dbfs: float, cells: int = 20) -> str:
    """A bar from METER_FLOOR_DBFS (empty) to 0 dBFS (full)."""
    filled = round(cells * min(1.0, max(0.0, (level_dbfs - METER_FLOOR_DBFS) / -METER_FLOOR_DBFS)))
    return "█" * filled + "░" * (cells - filled)


def render(state: LiveState, width: int = 80, height: int = 24) -> RenderableType:
    """The live view: status line, warnings, the end of the transcript (tentative words dimmed), key help."""
    from rich.console import Group
    from rich.text import Text

    status = Text()
    if state.paused:
        status.append(" ‖ PAUSED ", style="bold black on yellow")
    else:
        status.append(" ● REC ", style="bold white on red")
    status.append(f"  {clock(state.elapsed)}  ")
    loud = state.level_dbfs >= -6.0
    status.append(meter(state.level_dbfs), style="red" if loud else "green")
    status.append(f" {state.level_dbfs:5.0f} dBFS")
    if state.lag_seconds >= 3.0:
        status.append(f"  (transcript {state.lag_seconds:.0f} s behind)", style="dim")

    lines: list[Text] = [status]
    if state.silent_for >= state.warn_after:
        lines.append(Text(f"⚠ No sound for {state.silent_for:.0f} s: microphone muted?", style="bold yellow"))
    if state.skipped_seconds > 0:
        lines.append(
            Text(
                f"⚠ The live transcript skipped {state.skipped_seconds:.0f} s to keep up; the recording is complete",
                style="yellow",
            )
        )
    if state.asr_error:
        lines.append(Text(f"⚠ Live transcript stopped ({state.asr_error}); still recording", style="bold red"))

    # As much of the end of the transcript as fits: a line holds a little under `width` characters once wrapped.
    room = max(2, height - len(lines) - 3) * max(20, int(0.9 * width))
    body = Text(overflow="fold")
    tentative = state.tentative[-room:]
    committed = state.committed[-max(0, room - len(tentative) - 1) :] if room > len(tentative) + 1 else ""
    if len(state.committed) > len(committed) and committed:
        cut = committed.find(" ")  # start at a word boundary
        committed = "…" + committed[cut + 1 :] if 0 <= cut < len(committed) - 1 else committed
    body.append(committed)
    if tentative:
        body.append((" " if committed else "") + tentative, style="dim italic")
    if not committed and not tentative:
        body.append("(listening…)", style="dim")
    lines += [Text(""), body, Text("")]
    keys = "space/p pause · q stop · " if state.keys else ""
    lines.append(Text(f"{keys}Ctrl-C stop", style="dim"))
    return Group(*lines)


# -- keys ---------------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def key_reader(on_key: Callable[[str], None], stream: IO[str] | None = None) -> Iterator[bool]:
    """Call `on_key(ch)` for each key typed while inside, reading the terminal in cbreak mode (no Enter needed, no
    echo; Ctrl-C still interrupts). Yields False, reading nothing, when `stream` (default stdin) is not a TTY."""
    stream = stream if stream is not None else sys.stdin
    try:
        fd = stream.fileno()
        interactive = os.isatty(fd)
        import select
        import termios
        import tty
    except (AttributeError, OSError, ValueError, ImportError):  # no fileno, closed, or not POSIX (Windows)
        interactive = False
    if not interactive:
        yield False
        return
    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd)
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                ready, _, _ = select.select([fd], [], [], 0.1)
                data = os.read(fd, 64) if ready else b""
            except OSError:
                return
            if ready and not data:
                return  # end of input
            for ch in data.decode("utf-8", errors="ignore"):
                on_key(ch)

    thread = threading.Thread(target=read, name="minutes-keys", daemon=True)
    thread.start()
    try:
        yield True
    finally:
        done.set()
        thread.join(timeout=1.0)
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


# -- the session --------------------------------------------------------------------------------------------------


class LiveSession:
    """Record with `recorder` while `streaming` transcribes it live; `run()` blocks until stopped.

    Stop with `stop()` (any thread), the q key, Ctrl-C, or by the recording ending on its own (device unplugged,
    disk full: the recorder's error is raised after the live transcript is saved).
    """

    def __init__(
        self,
        recorder: Recorder,
        streaming: StreamingTranscriber,
        view: bool = True,
        *,
        max_lag_seconds: float = MAX_LAG_SECONDS,
        resume_seconds: float = RESUME_SECONDS,
        silence_dbfs: float = SILENCE_DBFS,
        silence_warn_seconds: float = 10.0,
        console: Console | None = None,
        keys: IO[str] | None = None,
        refresh_per_second: float = 4.0,
    ) -> None:
        self.recorder = recorder
        self.streaming = streaming
        self.view = view
        self.max_lag_seconds = max_lag_seconds
        self.resume_seconds = resume_seconds
        self.console = console
        self.keys = keys  # the terminal to read keys from (default stdin, when the view is on)
        self.refresh_per_second = refresh_per_second
        self.monitor = SilenceMonitor(silence_dbfs, silence_warn_seconds)
        self.started = threading.Event()  # the recorder is running
        self._stop = threading.Event()
        self._abort = threading.Event()  # a second Ctrl-C: stop decoding, keep what is committed
        self._lock = threading.Lock()
        self._words: list[Word] = []
        self._tentative: list[Word] = []
        self._committed_text = ""  # the end of the committed text, for the view
        self._lag = 0.0
        self._asr_error: str | None = None
        self._keys_active = False
        self._queue_chunks = 200
        self._interrupted = False

    # -- control, from any thread --------------------------------------------------------------------------------

    def stop(self) -> None:
        self._stop.set()

    def toggle_pause(self) -> None:
        if self.recorder.paused:
            self.recorder.resume()
        else:
            self.recorder.pause()

    def handle_key(self, key: str) -> None:
        if key in (" ", "p", "P"):
            self.toggle_pause()
        elif key in ("q", "Q"):
            self.stop()

    @property
    def words(self) -> list[Word]:
        with self._lock:
            return list(self._words)

    def state(self) -> LiveState:
        now = time.monotonic()
        with self._lock:
            committed, tentative = self._committed_text, text_of(self._tentative)
            lag, error = self._lag, self._asr_error
        return LiveState(
            elapsed=self.recorder.elapsed,
            level_dbfs=self.recorder.level_dbfs,
            paused=self.recorder.paused,
            committed=committed,
            tentative=tentative,
            silent_for=self.monitor.silent_for(now),
            warn_after=self.monitor.warn_after,
            skipped_seconds=sum(b - a for a, b in list(self.streaming.gaps)),
            lag_seconds=lag,
            asr_error=error,
            keys=self._keys_active,
        )

    # -- the caller's thread -------------------------------------------------------------------------------------

    def run(self) -> LiveResult:
        # Subscribe before starting, so the transcriber hears the first chunk; room for the whole allowed backlog
        # (Recorder chunks are 0.1 s) so the queue itself never drops what the worker could still catch up on.
        self._queue_chunks = int((self.max_lag_seconds + 10.0) * 10)
        sub = self.recorder.subscribe(maxsize=self._queue_chunks)
        if not self.recorder.recording:
            self.recorder.start()  # raises AudioDeviceError with nothing to clean up
        worker = threading.Thread(target=self._work, args=(sub,), name="minutes-live-asr", daemon=True)
        worker.start()
        self.started.set()
        keys = key_reader(self.handle_key, self.keys) if self.view else _no_keys()
        try:
            with self._display(), keys as active:
                self._keys_active = active
                while not self._stop.is_set() and not self.recorder.wait(0.1):
                    self.monitor.update(self.recorder.level_dbfs, time.monotonic(), self.recorder.paused)
        except KeyboardInterrupt:
            log.info("interrupted: stopping the recording")
            self._interrupted = True
        return self._finish(sub, worker)

    def _finish(self, sub: Subscription, worker: threading.Thread) -> LiveResult:
        error: AudioDeviceError | RecordingError | None = None
        try:
            wav = self.recorder.stop()  # finalises recording.wav; ends the subscription
        except (AudioDeviceError, RecordingError) as e:
            error, wav = e, e.path or self.recorder.session_dir or Path(".")
        try:
            worker.join()  # decodes the backlog (under max_lag_seconds) and commits the rest
        except KeyboardInterrupt:
            self._abort.set()  # impatient: keep what is committed
            worker.join()
        self.recorder.unsubscribe(sub)
        session_dir = self.recorder.session_dir or (wav.parent if wav.suffix else wav)
        transcript = live_transcript(self.words, self.streaming, duration=self.recorder.elapsed, source=wav)
        result = LiveResult(
            wav, session_dir, transcript, list(self.streaming.gaps), self._asr_error, interrupted=self._interrupted
        )
        with contextlib.suppress(OSError):  # a full disk must not hide the recorder's own error
            _write_atomic(session_dir / LIVE_JSON, transcript.to_json())
        if error is not None:
            raise error
        return result

    def _display(self) -> contextlib.AbstractContextManager[Any]:
        if not self.view:
            return contextlib.nullcontext()
        from rich.console import Console
        from rich.live import Live

        console = self.console or Console(stderr=True)
        return Live(
            console=console,
            get_renderable=lambda: render(self.state(), console.size.width, console.size.height),
            refresh_per_second=self.refresh_per_second,
            redirect_stdout=False,
            redirect_stderr=False,
        )

    # -- the worker thread ---------------------------------------------------------------------------------------

    def _work(self, sub: Subscription) -> None:
        streaming = self.streaming
        try:
            while not self._abort.is_set():
                chunk = sub.get(timeout=0.2)
                if chunk is None:
                    if sub.closed:
                        break
                    continue
                batch = [chunk]
                # Everything already waiting, up to the live edge (the newest chunk ends at the recorder's
                # elapsed time); a blocking get would keep waiting for chunks as fast as they come.
                while (
                    batch[-1].end < self.recorder.elapsed - 1e-6
                    and len(batch) < self._queue_chunks
                    and (more := sub.get(timeout=0.5)) is not None
                ):
                    batch.append(more)
                behind = self.recorder.elapsed - streaming.end
                if behind > self.max_lag_seconds:
                    # Skip ahead: keep only the newest seconds; insert() notes the jump as a gap.
                    newest = batch[-1].end
                    batch = [c for c in batch if c.end > newest - self.resume_seconds]
                    log.info("live transcript %.1f s behind: skipping to %.1f s", behind, batch[0].start)
                    streaming.skip_to(batch[0].start)
                for c in batch:
                    streaming.insert(c.samples, start=c.start)
                update = streaming.process()
                self._publish(update.committed, update.tentative, self.recorder.elapsed - streaming.end)
            if not self._abort.is_set():
                self._publish(streaming.finish(), [], 0.0)
        except Exception as e:  # the recording must go on whatever happens to the transcriber
            log.exception("live transcription failed")
            with self._lock:
                self._asr_error = " ".join(str(e).split()) or type(e).__name__

    def _publish(self, committed: Sequence[Word], tentative: Sequence[Word], lag: float) -> None:
        with self._lock:
            self._words.extend(committed)
            self._tentative = list(tentative)
            self._lag = max(0.0, lag)
            if committed:
                self._committed_text = (self._committed_text + " " + text_of(committed)).strip()[-4000:]


@contextlib.contextmanager
def _no_keys() -> Iterator[bool]:
    yield False


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# -- the live transcript ------------------------------------------------------------------------------------------


def words_to_segments(words: Sequence[Word], max_pause: float = 1.0, max_seconds: float = 30.0) -> list[Segment]:
    """Committed words grouped into segments: a new one after a sentence end, a pause or `max_seconds`."""
    segments: list[list[Word]] = []
    for word in words:
        if segments:
            current = segments[-1]
            previous = current[-1]
            ends_sentence = previous.text.rstrip().endswith((".", "?", "!", "…"))
            if not (
                ends_sentence or word.start - previous.end >= max_pause or word.end - current[0].start > max_seconds
            ):
                current.append(word)
                continue
        segments.append([word])
    return [Segment(start=ws[0].start, end=ws[-1].end, text=text_of(ws), words=list(ws)) for ws in segments]


def live_transcript(
    words: Sequence[Word], streaming: StreamingTranscriber, duration: float, source: Path | str | None = None
) -> Transcript:
    """The live transcript as a Transcript (guards flag what looks invented; nothing is dropped)."""
    options = asdict(streaming.options)
    return Transcript(
        language=streaming.language or "en",
        duration=round(duration, 3),
        segments=apply_guards(words_to_segments(words)),
        source=str(source) if source is not None else None,
        model=streaming.model_name,
        options={**options, "language": streaming.language, "mode": "live", "gaps": [list(g) for g in streaming.gaps]},
    )


# -- for the CLI --------------------------------------------------------------------------------------------------


def record_meeting(
    device: str | int | None = None,
    out_dir: Path = Path("recordings"),
    language: str | None = None,
    title: str = "",
    model: str | Path | None = None,
    show: bool = True,
    hook: Hook = null_hook,
    *,
    transcriber: Any = None,
    threads: int = 0,
    max_lag_seconds: float = MAX_LAG_SECONDS,
    min_chunk_seconds: float | None = None,
    hotwords: str | None = None,
    console: Console | None = None,
) -> LiveResult:
    """Record from `device` into `out_dir/<timestamp>-<title>/` with a live transcript; blocks until stopped.

    `model`: a catalog id or model directory (default: the catalog's default ASR model), loaded once; or pass a
    loaded `transcriber`. `show=False`: no view and no keys (stop with Ctrl-C / SIGINT). The hook gets
    "load-model" (completed 0, then 1) before the view starts and "warning" messages after it ends.
    """
    from minutes.transcribe.whisper import Transcriber, check_language

    language = check_language(language)
    if transcriber is None:
        hook("load-model", completed=0, total=1, model=str(model) if model else None)
        transcriber = Transcriber(model, threads=threads)
        hook("load-model", completed=1, total=1, model=transcriber.model_name)
    chunk = {"min_chunk_seconds": min_chunk_seconds} if min_chunk_seconds else {}
    streaming = StreamingTranscriber(transcriber, language=language, hotwords=hotwords, **chunk)
    recorder = Recorder(device=device, out_dir=out_dir, title=title)
    session = LiveSession(recorder, streaming, view=show, max_lag_seconds=max_lag_seconds, console=console)
    result = session.run()
    if result.gaps:
        hook(
            "warning",
            message=f"the live transcript skipped {result.skipped_seconds:.0f} s to keep up "
            f"({len(result.gaps)} gap(s)); the recording is complete: transcribe it for the full text",
        )
    if result.asr_error:
        hook("warning", message=f"the live transcript stopped early ({result.asr_error}); the recording is complete")
    return result


__all__ = [
    "LIVE_JSON",
    "MAX_LAG_SECONDS",
    "RESUME_SECONDS",
    "LiveResult",
    "LiveSession",
    "LiveState",
    "SilenceMonitor",
    "key_reader",
    "live_transcript",
    "record_meeting",
    "render",
    "words_to_segments",
]
