"""Capture errors: what went wrong with the microphone or the recording on disk, in one line a user can act on."""

from __future__ import annotations

from pathlib import Path

from minutes.errors import MinutesError

# The command the hints name; the CLI owns it, so it is spelled in one place.
RECOVER_COMMAND = "minutes recover"


class AudioDeviceError(MinutesError):
    """No usable input device, an unknown device spec, or the device failed while recording."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path  # what was saved before the device failed, if anything


class RecordingError(MinutesError):
    """The recording could not be written, finalised or recovered."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path  # the finished wav if the audio so far was saved, else the session folder holding it
