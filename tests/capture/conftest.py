"""A real capture path without a microphone: a private PulseAudio server whose null sink we play into and record
from (its monitor), started once per session by scripts/pulse-null-sink.sh.

Without pulseaudio the tests that need it skip locally and fail in CI (CI set), like the model tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import DATA, ROOT, missing

SCRIPT = ROOT / "scripts" / "pulse-null-sink.sh"
SAMPLE = DATA / "audio" / "conv_pyannote_sample.wav"  # 30 s, two speakers, speech from 6.7 s
PACKAGES = "libportaudio2 pulseaudio pulseaudio-utils libasound2-plugins"


@pytest.fixture(scope="session")
def pulse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """XDG_RUNTIME_DIR of a running PulseAudio with sink `vsink`, whose monitor is the default source."""
    if not (shutil.which("pulseaudio") and shutil.which("paplay") and shutil.which("pactl")):
        missing(f"pulseaudio is not installed: apt-get install {PACKAGES}")
    runtime = Path(os.environ.get("MINUTES_TEST_PULSE_DIR") or tmp_path_factory.mktemp("pulse"))
    old = os.environ.get("XDG_RUNTIME_DIR")
    done = subprocess.run(["bash", str(SCRIPT), "start", str(runtime)], capture_output=True, text=True, timeout=30)
    if done.returncode:
        subprocess.run(["bash", str(SCRIPT), "stop", str(runtime)], capture_output=True, timeout=30)
        missing(f"could not start pulseaudio: {done.stderr.strip() or done.stdout.strip()}")
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    try:
        _refresh_portaudio()
        yield runtime
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop", str(runtime)], capture_output=True, timeout=30)
        if old is None:
            os.environ.pop("XDG_RUNTIME_DIR", None)
        else:
            os.environ["XDG_RUNTIME_DIR"] = old


def _refresh_portaudio() -> None:
    """PortAudio lists devices once, at import: re-list now that the server (and so the "pulse" device) exists."""
    try:
        import sounddevice as sd
    except OSError:
        missing(f"PortAudio is missing: apt-get install {PACKAGES}")
        raise
    sd._terminate()
    sd._initialize()
    if not any(d["name"] == "pulse" and d["max_input_channels"] > 0 for d in sd.query_devices()):
        missing(f"PortAudio has no 'pulse' input device: apt-get install {PACKAGES}")


@pytest.fixture(scope="session")
def sample() -> Path:
    if not SAMPLE.is_file():
        missing(f"sample recording not found: {SAMPLE}")
    return SAMPLE
