"""Recording a meeting from a microphone in the app: `minutes record`'s crash-safe recorder and live transcript.

The recorder (minutes.capture) writes fsynced segments into a session folder inside the meetings folder, and
the live session (minutes.live) transcribes beside it, exactly as in the terminal; here the page polls `view()`
instead of a terminal drawing it. When the secretary stops, the session folder becomes a meeting and is
processed by the same job as an opened recording. A session left behind by a crash (the app killed while
recording) is rebuilt with minutes.capture.recover when the meetings list is next read.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from minutes.errors import MinutesError, UsageError


class LiveRecording:
    """One recording at a time: started by `start()`, polled by `view()`, ended by `stop()`."""

    def __init__(
        self,
        meetings: Path,
        device: str | int | None,
        title: str,
        language: str | None,
        transcriber: Any,
    ) -> None:
        from minutes.capture.recorder import Recorder
        from minutes.live import LiveSession
        from minutes.transcribe.streaming import StreamingTranscriber

        self.recorder = Recorder(device=device, out_dir=meetings, title=title)
        self.session = LiveSession(self.recorder, StreamingTranscriber(transcriber, language=language), view=False)
        self.error: str = ""
        self.result: Any = None
        self._thread = threading.Thread(target=self._run, name="minutes-app-record", daemon=True)

    def start(self, timeout: float = 15.0) -> Path:
        self._thread.start()
        while not self.session.started.wait(0.05):
            if not self._thread.is_alive() or timeout <= 0:
                raise UsageError(f"the microphone did not start: {self.error or 'no answer from the sound system'}")
            timeout -= 0.05
        folder = self.recorder.session_dir
        if folder is None:
            raise UsageError(f"the microphone did not start: {self.error or 'no session folder'}")
        return folder

    def _run(self) -> None:
        try:
            self.result = self.session.run()
        except (MinutesError, OSError) as exc:  # the device went away or the disk filled: the audio is kept
            self.error = str(exc)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def toggle_pause(self) -> bool:
        self.session.toggle_pause()
        return self.recorder.paused

    def stop(self, timeout: float = 600.0) -> Path:
        """Stop, finish the live transcript of what is left, and return the session folder."""
        self.session.stop()
        self._thread.join(timeout)
        folder = self.recorder.session_dir
        if folder is None:
            raise UsageError(f"nothing was recorded: {self.error}")
        return folder

    def view(self) -> dict[str, Any]:
        state = self.session.state()
        folder = self.recorder.session_dir
        return {
            "session": folder.name if folder else None,
            "running": self.running,
            "elapsed": state.elapsed,
            "level_dbfs": state.level_dbfs,
            "paused": state.paused,
            "committed": state.committed[-2000:],
            "tentative": state.tentative,
            "silent_for": state.silent_for,
            "silence_warning": state.silent_for >= state.warn_after,
            "lag_seconds": state.lag_seconds,
            "error": self.error or state.asr_error or "",
        }


def input_devices() -> list[dict[str, Any]]:
    from minutes.capture.devices import list_input_devices

    try:
        return [{"id": d.index, "name": d.name, "default": d.is_default} for d in list_input_devices()]
    except MinutesError:
        return []
