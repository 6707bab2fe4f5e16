"""Header repair, joining and recovery on hand-made session folders: what crashes leave behind, byte for byte."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from minutes.capture import RecordingError, recover, unfinished, wav
from minutes.capture import session as ses
from minutes.capture.writer import SessionWriter

RATE = 16000


def pcm(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(-20000, 20000, n, dtype=np.int16)


def write_wav(path: Path, samples: np.ndarray, declared: int | None = None, extra: bytes = b"") -> None:
    data = samples.astype("<i2").tobytes()
    size = len(data) if declared is None else declared
    path.write_bytes(wav.header(RATE, 1, 2, size) + data + extra)


def read(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (RATE, 1, 2)
        return np.frombuffer(w.readframes(w.getnframes()), "<i2")


def make_session(root: Path, status: str = ses.RECORDING_STATUS) -> Path:
    folder = root / "20260101-090000-weekly"
    folder.mkdir()
    ses.write_manifest(folder, ses.Manifest(samplerate=RATE, started=ses.now_iso(), device="fake", status=status))
    return folder


def test_repair_trusts_the_file_size_and_drops_a_torn_sample(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    samples = pcm(500)
    write_wav(path, samples, declared=0, extra=b"\x01")  # header from the first sync, half a sample at the end

    layout = wav.repair(path)

    assert layout.declared_bytes == 1000
    assert path.stat().st_size == wav.HEADER_BYTES + 1000
    np.testing.assert_array_equal(read(path), samples)
    assert wav.repair(path) == layout  # a sound file is left alone


def test_repair_rebuilds_a_header_that_never_reached_the_disk(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    samples = pcm(300)
    path.write_bytes(b"\0" * wav.HEADER_BYTES + samples.tobytes())

    with pytest.raises(ValueError):
        wav.repair(path)
    wav.repair(path, fallback=(RATE, 1, 2))

    np.testing.assert_array_equal(read(path), samples)


def test_recover_joins_segments_in_numeric_order_and_fixes_the_last(tmp_path: Path) -> None:
    session = make_session(tmp_path)
    a, b, c = pcm(RATE, 1), pcm(RATE, 2), pcm(1234, 3)
    write_wav(session / ses.segment_name(1), a)
    write_wav(session / ses.segment_name(2), b)
    write_wav(session / ses.segment_name(10), c, declared=400, extra=b"\x7f")  # killed between syncs
    (session / ses.segment_name(11)).write_bytes(b"RIFF\x00")  # killed while creating the next segment

    out = recover(session)

    assert out == session / "recording.wav"
    np.testing.assert_array_equal(read(out), np.concatenate([a, b, c]))
    manifest = json.loads((session / "manifest.json").read_text())
    assert manifest["status"] == "recovered"
    assert manifest["duration"] == pytest.approx((2 * RATE + 1234) / RATE, abs=1e-3)
    assert sorted(p.name for p in session.iterdir()) == ["manifest.json", "recording.wav"]


def test_recover_is_idempotent(tmp_path: Path) -> None:
    session = make_session(tmp_path)
    samples = pcm(5000)
    write_wav(session / ses.segment_name(1), samples, declared=0)

    first = recover(session)
    data, mtime = first.read_bytes(), first.stat().st_mtime_ns
    second = recover(session)

    assert second == first
    assert second.read_bytes() == data
    assert second.stat().st_mtime_ns == mtime  # not rewritten
    np.testing.assert_array_equal(read(second), samples)


def test_recover_after_a_crash_inside_the_join(tmp_path: Path) -> None:
    session = make_session(tmp_path)
    samples = pcm(8000)
    write_wav(session / ses.segment_name(1), samples)
    (session / "recording.wav.part").write_bytes(b"RIFF half a join")
    write_wav(session / "recording.wav", samples[:100])  # a stale, wrong recording.wav must not be trusted

    out = recover(session)

    np.testing.assert_array_equal(read(out), samples)
    assert not (session / "recording.wav.part").exists()
    assert not ses.segments(session)


def test_recover_keeps_a_stopped_session_stopped(tmp_path: Path) -> None:
    session = make_session(tmp_path)
    write_wav(session / ses.segment_name(1), pcm(100))
    recover(session)
    manifest = ses.read_manifest(session)
    manifest.status = ses.STOPPED
    ses.write_manifest(session, manifest)

    recover(session)

    assert ses.read_manifest(session).status == "stopped"


@pytest.mark.parametrize("kind", ["empty", "file", "foreign-manifest", "missing"])
def test_recover_rejects_what_is_not_a_session(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "x"
    if kind == "empty":
        target.mkdir()
    elif kind == "file":
        target.write_text("hello")
    elif kind == "foreign-manifest":
        target.mkdir()
        (target / "manifest.json").write_text('{"name": "some other tool"}')

    with pytest.raises(RecordingError) as err:
        recover(target)

    message = str(err.value)
    assert "\n" not in message
    assert "not a" in message


def test_recover_refuses_a_session_that_is_still_recording(tmp_path: Path) -> None:
    session = make_session(tmp_path)
    write_wav(session / ses.segment_name(1), pcm(100))
    held = ses.lock(session)
    if held is None:
        pytest.skip("no file locking on this platform")
    try:
        with pytest.raises(RecordingError, match="still being recorded"):
            recover(session)
    finally:
        ses.unlock(held)
    assert recover(session).exists()


def test_writer_joins_segments_on_close(tmp_path: Path) -> None:
    writer = SessionWriter(tmp_path, samplerate=RATE, device="fake", title="Họp đầu tuần", segment_seconds=0.25)
    samples = pcm(RATE + 777)
    for block in np.array_split(samples, 13):
        writer.write(block)
    assert len(ses.segments(writer.path)) == 5

    out = writer.close()

    assert writer.path.name.endswith("-hop-dau-tuan")
    np.testing.assert_array_equal(read(out), samples)
    manifest = ses.read_manifest(writer.path)
    assert (manifest.status, manifest.title) == ("stopped", "Họp đầu tuần")
    assert manifest.duration == pytest.approx((RATE + 777) / RATE)
    assert sorted(p.name for p in writer.path.iterdir()) == ["manifest.json", "recording.wav"]


_KILLED_WRITER = """
import os, signal, sys
import numpy as np
from minutes.capture.writer import SessionWriter
w = SessionWriter(sys.argv[1], segment_seconds=1.0, sync_seconds=3600)  # never syncs: only os.write stands
w.write(np.arange(40000, dtype=np.int16))
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_killed_writer_loses_nothing_it_was_given(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(tmp_path)], env=env, timeout=60)
    assert done.returncode == -signal.SIGKILL
    (session,) = tmp_path.iterdir()

    out = recover(session)

    np.testing.assert_array_equal(read(out), np.arange(40000, dtype=np.int16))


def test_unfinished_lists_crashed_sessions_only(tmp_path: Path) -> None:
    crashed = make_session(tmp_path)
    write_wav(crashed / ses.segment_name(1), pcm(100))
    live = SessionWriter(tmp_path, title="live")
    done = SessionWriter(tmp_path, title="done")
    done.write(pcm(100))
    done.close()
    (tmp_path / "notes").mkdir()

    assert unfinished(tmp_path) == [crashed]
    recover(crashed)
    assert unfinished(tmp_path) == []
    live.close()
