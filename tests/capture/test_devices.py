"""Device spec resolution against a fake device list, and the message when PortAudio is missing."""

from __future__ import annotations

import builtins
import sys
from typing import Any

import pytest

from minutes.capture import AudioDeviceError, InputDevice, pick_device
from minutes.capture.devices import sounddevice

DEVICES = [
    InputDevice(0, "HDA Intel PCH: ALC257 Analog (hw:0,0)", 2, 44100.0),
    InputDevice(3, "Jabra Speak 510 USB: Audio (hw:2,0)", 1, 16000.0),
    InputDevice(4, "pulse", 32, 44100.0),
    InputDevice(5, "default", 32, 44100.0, is_default=True),
]


@pytest.mark.parametrize(
    ("spec", "index"),
    [(None, 5), ("", 5), (3, 3), ("3", 3), (" 4 ", 4), ("jabra", 3), ("JABRA SPEAK", 3), ("Pulse", 4), ("default", 5)],
)
def test_pick_device(spec: str | int | None, index: int) -> None:
    assert pick_device(spec, DEVICES).index == index


def test_exact_name_beats_substring() -> None:
    devices = [*DEVICES, InputDevice(7, "pulse monitor", 2, 48000.0)]
    assert pick_device("pulse", devices).index == 4


def test_no_default_takes_the_first_input() -> None:
    assert pick_device(None, DEVICES[:2]).index == 0


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("usb mic", "no input device matches 'usb mic': choose one of 0: HDA Intel"),
        (9, "no input device with index 9: choose one of 0: HDA"),
        ("hw:", "'hw:' matches several input devices: give the index, one of 0: HDA"),
    ],
)
def test_unknown_spec_lists_devices_on_one_line(spec: str | int, expected: str) -> None:
    with pytest.raises(AudioDeviceError) as err:
        pick_device(spec, DEVICES)
    message = str(err.value)
    assert message.startswith(expected)
    assert "\n" not in message
    assert "3: Jabra Speak 510 USB" in message


def test_no_input_device_at_all() -> None:
    with pytest.raises(AudioDeviceError, match="no audio input device found: connect a microphone"):
        pick_device(None, [])


def test_missing_portaudio_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "sounddevice":
            raise OSError("PortAudio library not found")  # what sounddevice raises at import
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(AudioDeviceError, match="install libportaudio2"):
        sounddevice()
