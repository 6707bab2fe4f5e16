"""Input devices through sounddevice (PortAudio): list them and resolve what the user typed to one of them."""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

from minutes.capture.errors import AudioDeviceError


@dataclass(frozen=True)
class InputDevice:
    index: int
    name: str
    channels: int  # maximum input channels
    samplerate: float  # the device's default rate
    is_default: bool = False
    hostapi: str = ""

    def __str__(self) -> str:
        mark = " (default)" if self.is_default else ""
        return f"{self.index}: {self.name}{mark}"


def sounddevice() -> ModuleType:
    """Import sounddevice, turning a missing PortAudio into a message that names the package to install."""
    try:
        import sounddevice as sd
    except ModuleNotFoundError as e:
        raise AudioDeviceError("recording needs the sounddevice package: pip install 'sounddevice>=0.4'") from e
    except OSError as e:  # sounddevice raises OSError("PortAudio library not found") at import
        raise AudioDeviceError(
            "the PortAudio library is missing: install libportaudio2 (e.g. sudo apt install libportaudio2)"
        ) from e
    return sd


def list_input_devices() -> list[InputDevice]:
    """Every device that can record, in PortAudio's order; `is_default` marks the system's default input."""
    sd = sounddevice()
    try:
        raw: list[dict[str, Any]] = list(sd.query_devices())
        hostapis = [api["name"] for api in sd.query_hostapis()]
    except sd.PortAudioError as e:
        raise AudioDeviceError(f"cannot list audio devices ({e}): check the sound system") from e
    default = _default_input(sd)
    return [
        InputDevice(
            index=i,
            name=str(d["name"]),
            channels=int(d["max_input_channels"]),
            samplerate=float(d["default_samplerate"]),
            is_default=i == default,
            hostapi=hostapis[d["hostapi"]] if 0 <= d["hostapi"] < len(hostapis) else "",
        )
        for i, d in enumerate(raw)
        if d["max_input_channels"] > 0
    ]


def pick_device(spec: str | int | None = None, devices: list[InputDevice] | None = None) -> InputDevice:
    """Resolve an index ("3", 3), a case-insensitive name or name substring, or None for the default input.

    An exact name wins over substrings; several substring matches are an error rather than a guess, because
    recording the wrong microphone for an hour loses the meeting just as surely as a crash.
    """
    devices = list_input_devices() if devices is None else devices
    if not devices:
        raise AudioDeviceError(
            "no audio input device found: connect a microphone (on Linux, check that PulseAudio or PipeWire runs)"
        )
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        default = next((d for d in devices if d.is_default), None)
        return default or devices[0]  # no default set (seen with bare ALSA): the first input is the best guess
    text = str(spec).strip()
    if isinstance(spec, int) or text.isdigit():
        found = [d for d in devices if d.index == int(text)]
        if found:
            return found[0]
        raise AudioDeviceError(f"no input device with index {text}: choose one of {_listing(devices)}")
    wanted = text.casefold()
    exact = [d for d in devices if d.name.casefold() == wanted]
    if exact:
        return exact[0]
    partial = [d for d in devices if wanted in d.name.casefold()]
    if len(partial) == 1:
        return partial[0]
    if partial:
        raise AudioDeviceError(f"{text!r} matches several input devices: give the index, one of {_listing(partial)}")
    raise AudioDeviceError(f"no input device matches {text!r}: choose one of {_listing(devices)}")


def _default_input(sd: ModuleType) -> int:
    try:
        return int(sd.default.device[0])  # -1 when the host has no default input
    except (TypeError, ValueError, IndexError):
        return -1


def _listing(devices: list[InputDevice]) -> str:
    # One line, however many devices: the CLI prints errors on a single line.
    return "; ".join(" ".join(str(d).split()) for d in devices)
