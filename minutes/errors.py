"""Errors a user can act on. The CLI prints `minutes: error: <message>` and exits with `exit_code`."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    PARTIAL = 3  # a batch where some files failed
    INTERRUPTED = 130


class MinutesError(Exception):
    """Base class: the message says what is wrong and what to do."""

    exit_code: ExitCode = ExitCode.ERROR


class AudioError(MinutesError):
    """The input cannot be read as audio."""


class ModelError(MinutesError):
    """A model is unknown, missing, or its files fail verification."""


class ModelNotInstalled(ModelError):
    pass


class ModelVerificationError(ModelError):
    pass


class OutputError(MinutesError):
    """An output cannot be written."""


class UsageError(MinutesError):
    exit_code = ExitCode.USAGE
