"""Live capture: record a meeting from a microphone to a crash-safe session folder, and share the audio live.

    from minutes.capture import Recorder
    with Recorder(device="USB", out_dir="recordings", title="Weekly sync") as rec:
        sub = rec.subscribe()          # chunks for the streaming transcriber
        ...                            # Ctrl-C here still finalises the recording
    wav = rec.stop()                   # DIR/<timestamp>-weekly-sync/recording.wav

After a crash, `recover(session_dir)` rebuilds recording.wav from the segments on disk.
"""

from minutes.capture.chunks import AudioChunk, Subscription
from minutes.capture.devices import InputDevice, list_input_devices, pick_device
from minutes.capture.errors import AudioDeviceError, RecordingError
from minutes.capture.recorder import Recorder
from minutes.capture.recover import recover, unfinished

__all__ = [
    "AudioChunk",
    "AudioDeviceError",
    "InputDevice",
    "Recorder",
    "RecordingError",
    "Subscription",
    "list_input_devices",
    "pick_device",
    "recover",
    "unfinished",
]
