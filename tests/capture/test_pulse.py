"""The real capture path: PortAudio -> ALSA pulse plugin -> PulseAudio null sink monitor, fed by paplay.

Each test prints its measured figures (run with -s to see them).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from minutes.capture import AudioDeviceError, Recorder, RecordingError, recover
from tests.capture.conftest import SCRIPT
from tests.capture.helpers import align, play, read_wav, speech_span
from tests.conftest import DATA, ROOT

RATE = 16000
SPEECH = DATA / "audio" / "derived_en_librivox_ss01_concat.wav"  # 27 s of speech from the first second
SHORT = DATA / "audio" / "en_jfk.wav"  # 11 s, speech from the start

pytestmark = pytest.mark.slow


def _played(path: Path):  # type: ignore[no-untyped-def]
    if not path.is_file():
        pytest.skip(f"{path} not found")
    return read_wav(path)


@pytest.mark.parametrize("device_samplerate", [None, 48000], ids=["16k", "48k-resampled"])
def test_the_recording_is_what_was_played(
    pulse: Path, sample: Path, tmp_path: Path, device_samplerate: int | None
) -> None:
    played = _played(sample)
    rec = Recorder(device="pulse", out_dir=tmp_path, title="pulse", device_samplerate=device_samplerate)
    rec.start()  # returns after the first callback: the stream starts late
    player = play(sample)
    assert player.wait(timeout=90) == 0, player.stderr.read() if player.stderr else ""
    time.sleep(1.0)
    out = rec.stop()

    recorded = read_wav(out)
    lag, corr = align(recorded, played)
    aligned = recorded[max(lag, 0) :][: len(played)]
    rec_start, rec_end = speech_span(aligned)
    ref_start, ref_end = speech_span(played)
    print(
        f"\n[{device_samplerate or 16000} Hz capture] correlation {corr:.4f}, playback began {lag / RATE:.3f} s in, "
        f"speech {rec_end - rec_start:.3f} s recorded vs {ref_end - ref_start:.3f} s played, "
        f"level {rec.level_dbfs:.1f} dBFS, overflows {rec.overflows}"
    )
    assert corr >= 0.95
    assert lag >= 0  # nothing played before the recording started was expected, nothing recorded was lost
    assert abs((rec_end - rec_start) - (ref_end - ref_start)) <= 0.5
    assert abs(rec_start - ref_start) <= 0.5
    manifest = json.loads((out.parent / "manifest.json").read_text())
    assert (manifest["status"], manifest["device"], manifest["samplerate"]) == ("stopped", "pulse", RATE)
    assert manifest["device_samplerate"] == (device_samplerate or RATE)


_RECORD_UNTIL_KILLED = """
import sys, time
from minutes.capture import Recorder
rec = Recorder(device="pulse", out_dir=sys.argv[1], title="killed")
path = rec.start()
print("started", path, flush=True)
time.sleep(600)
"""


def _started(proc: subprocess.Popen[str]) -> Path:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("started "), line + (proc.stderr.read() if proc.stderr else "")
    return Path(line.split(" ", 1)[1].strip())


def test_sigkill_loses_at_most_a_second(pulse: Path, tmp_path: Path) -> None:
    played = _played(SPEECH)
    proc = subprocess.Popen(
        [sys.executable, "-c", _RECORD_UNTIL_KILLED, str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        session = _started(proc)
        player = play(SPEECH)
        time.sleep(6.0)
        killed_at = time.time()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        proc.kill()
        player.kill()
    assert json.loads((session / "manifest.json").read_text())["status"] == "recording"

    out = recover(session)

    manifest = json.loads((session / "manifest.json").read_text())
    first_sample = datetime.fromisoformat(manifest["started"]).timestamp()
    recorded = read_wav(out)
    kept = len(recorded) / RATE
    loss = (killed_at - first_sample) - kept
    lag, corr = align(recorded, played)
    print(f"\n[SIGKILL] recorded {killed_at - first_sample:.3f} s, recovered {kept:.3f} s: lost {loss:.3f} s; "
          f"correlation {corr:.4f} over {kept - lag / RATE:.2f} s of playback")  # fmt: skip
    assert manifest["status"] == "recovered"
    assert -0.3 <= loss <= 1.0
    assert corr >= 0.95
    assert kept - lag / RATE >= 3.0  # the playback really is in there, not just the silence before it


def _mount_tmpfs(path: Path, size: str) -> None:
    path.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if done.returncode:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.decode().strip() or 'not permitted'})")


def test_a_full_disk_stops_with_one_line_and_keeps_the_audio(pulse: Path, tmp_path: Path) -> None:
    played = _played(SHORT)
    disk = tmp_path / "small"
    _mount_tmpfs(disk, "200k")
    player = None
    try:
        rec = Recorder(device="pulse", out_dir=disk, title="full disk")
        session = rec.start()
        player = play(SHORT)
        assert rec.wait(30), "the recording should have stopped by itself when the disk filled"
        with pytest.raises(RecordingError) as err:
            rec.stop()
        message = str(err.value)
        print(f"\n[full disk] after {rec.elapsed:.2f} s: {message}")
        assert "\n" not in message
        assert "the disk is full" in message
        assert str(session) in message

        # Free some space, as the user would, and recover in place.
        subprocess.run(["mount", "-o", "remount,size=4m", str(disk)], check=True)
        out = recover(session)
        recorded = read_wav(out)
        _, corr = align(recorded, played)
        print(f"[full disk] recovered {len(recorded) / RATE:.2f} s, correlation {corr:.4f}")
        assert len(recorded) / RATE >= 4.0  # 200 kB hold about 6 s of 16 kHz 16-bit audio
        assert abs(len(recorded) / RATE - rec.elapsed) <= 0.2
        assert corr >= 0.95
    finally:
        if player is not None:
            player.kill()
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


_RECORD_UNTIL_DEVICE_FAILS = """
import sys
from minutes.capture import Recorder
rec = Recorder(device="pulse", out_dir=sys.argv[1], title="device gone")
rec.start()
print("started", rec.session_dir, flush=True)
rec.wait(60)
try:
    rec.stop()
except Exception as e:
    print(type(e).__name__, e, sep="|", flush=True)
"""


def test_losing_the_sound_server_saves_the_recording(pulse: Path, tmp_path: Path) -> None:
    """A second, private server that we kill mid-recording: the nearest thing to pulling out a USB microphone."""
    runtime = tmp_path / "rt"
    subprocess.run(["bash", str(SCRIPT), "start", str(runtime)], check=True, capture_output=True, timeout=30)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}
    proc = subprocess.Popen(
        [sys.executable, "-c", _RECORD_UNTIL_DEVICE_FAILS, str(tmp_path / "out")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        session = _started(proc)
        time.sleep(2.0)
        os.kill(int((runtime / "pulse" / "pid").read_text()), signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
    finally:
        proc.kill()
        subprocess.run(["bash", str(SCRIPT), "stop", str(runtime)], capture_output=True, timeout=30)

    kind, message = out.strip().split("|", 1)
    print(f"\n[device gone] {message}")
    assert kind == AudioDeviceError.__name__
    assert "\n" not in message
    assert message.startswith("input device 'pulse' stopped")
    assert message.endswith(str(session / "recording.wav"))
    assert len(read_wav(session / "recording.wav")) / RATE >= 1.5


_SCRIPTS = {
    # Ctrl-C inside the with-block: __exit__ stops and finalises.
    "ctrl-c": """
import sys, time
from minutes.capture import Recorder
with Recorder(device="pulse", out_dir=sys.argv[1]) as rec:
    print("started", rec.session_dir, flush=True)
    time.sleep(600)
""",
    # A program that forgets stop() and dies of an exception: the writer thread notices and finalises.
    "no-stop": """
import sys, time
from minutes.capture import Recorder
rec = Recorder(device="pulse", out_dir=sys.argv[1])
print("started", rec.start(), flush=True)
sys.stdin.readline()
raise RuntimeError("a bug elsewhere")
""",
}


@pytest.mark.parametrize("case", sorted(_SCRIPTS))
def test_interrupted_programs_leave_a_finished_recording(pulse: Path, tmp_path: Path, case: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", _SCRIPTS[case], str(tmp_path)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a shell's background job ignores SIGINT and children inherit that: give the program a terminal's Ctrl-C
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        session = _started(proc)
        time.sleep(2.0)
        if case == "ctrl-c":
            proc.send_signal(signal.SIGINT)
        proc.communicate("\n", timeout=30)
    finally:
        proc.kill()

    manifest = json.loads((session / "manifest.json").read_text())
    seconds = len(read_wav(session / "recording.wav")) / RATE
    print(f"\n[{case}] exit {proc.returncode}, {seconds:.2f} s saved, status {manifest['status']}")
    assert manifest["status"] == "stopped"
    assert 1.5 <= seconds <= 4.0
    assert sorted(p.name for p in session.iterdir()) == ["manifest.json", "recording.wav"]
