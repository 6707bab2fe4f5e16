"""A small archive of real recordings plus bad files, the `minutes batch` command, and manifest readers."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MINUTES = [sys.executable, "-c", "import cli; cli.main()"]

# Short real recordings (about 21 s together), English and Vietnamese, in two folders.
GOOD = {
    "en/en_jfk.wav": "en_jfk.wav",
    "en/en_librivox_ss01_0880.wav": "en_librivox_ss01_0880.wav",
    "vi/vi_vivos_VIVOSSPK01_R002.wav": "vi_vivos_VIVOSSPK01_R002.wav",
    "vi/vi_vivos_VIVOSSPK01_R014.wav": "vi_vivos_VIVOSSPK01_R014.wav",
}
BAD = ("bad/empty.wav", "bad/notes.mp3", "bad/truncated.wav")


def make_archive(data: Path, root: Path, good: dict[str, str] | None = None, bad: bool = True) -> Path:
    for relative, name in (good or GOOD).items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(data / "audio" / name, root / relative)
    if bad:
        (root / "bad").mkdir(parents=True, exist_ok=True)
        (root / "bad" / "empty.wav").write_bytes(b"")
        (root / "bad" / "notes.mp3").write_text("minutes of the last meeting\n" * 20, encoding="utf-8")
        # a copy cut off inside the header: what a full disk or a broken transfer leaves
        (root / "bad" / "truncated.wav").write_bytes((data / "audio" / "en_jfk.wav").read_bytes()[:30])
    return root


def batch_command(*args: str | Path) -> list[str]:
    return [*MINUTES, "batch", *map(str, args)]


def run_batch(*args: str | Path, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(batch_command(*args), capture_output=True, text=True, cwd=ROOT, timeout=timeout)


def start_batch(*args: str | Path) -> subprocess.Popen[str]:
    return subprocess.Popen(batch_command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


def manifest_rows(out: Path) -> dict[str, dict]:
    """Rows by file name, read as `minutes batch status` would (a second connection, while a batch may run)."""
    path = out / "batch-manifest.sqlite"
    if not path.exists():
        return {}
    db = sqlite3.connect(path, timeout=30)
    db.row_factory = sqlite3.Row
    try:
        return {Path(r["path"]).name: dict(r) for r in db.execute("SELECT * FROM files")}
    except sqlite3.OperationalError:  # tables not created yet
        return {}
    finally:
        db.close()


def wait_for(predicate, timeout: float, what: str, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the batch ended (rc {proc.returncode}) before {what}: {proc.stderr.read()}")
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def transcripts(out: Path) -> dict[str, dict]:
    """Every transcript JSON under `out`, without what differs between two runs of the same job (timestamps)."""
    found = {}
    for path in sorted(out.rglob("*.transcript.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        data.pop("created")
        found[str(path.relative_to(out))] = data
    return found


# The model's confidences, as floats: the one part of a transcript two processes may not reproduce bit for bit.
CONFIDENCES = frozenset({"probability", "avg_logprob", "no_speech_prob", "language_probability"})
# Seen on a CI machine (not on the dev VM): a Ray actor and a local worker read the same words at the same times,
# while a word's probability read 0.73 in one and 0.82 in the other. A wrong model, language or decode path moves
# them far more, and changes words or times too.
CONFIDENCE_TOLERANCE = 0.2


def split_confidences(value: object, found: list[float]) -> object:
    """`value` with every confidence replaced by None; the confidences appended to `found` in document order."""
    if isinstance(value, dict):
        kept = {}
        for key, item in value.items():
            if key in CONFIDENCES and isinstance(item, (int, float)):
                found.append(float(item))
                kept[key] = None
            else:
                kept[key] = split_confidences(item, found)
        return kept
    if isinstance(value, list):
        return [split_confidences(item, found) for item in value]
    return value


def assert_same_transcripts(out: Path, reference_out: Path) -> None:
    """The same transcripts as the reference run: words, times, speakers and flags exactly; confidences nearly."""
    got_confidences: list[float] = []
    want_confidences: list[float] = []
    got = split_confidences(transcripts(out), got_confidences)
    want = split_confidences(transcripts(reference_out), want_confidences)
    assert got == want
    assert len(got_confidences) == len(want_confidences)
    worst = max((abs(a - b) for a, b in zip(got_confidences, want_confidences, strict=True)), default=0.0)
    assert worst <= CONFIDENCE_TOLERANCE, f"a confidence moved by {worst:.3f} from the reference run"


def texts(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): p.read_text(encoding="utf-8") for p in sorted(out.rglob("*.txt"))}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (killed, not yet reaped by its dead parent's reaper) is gone for our purpose
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="module")
def archive(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_archive(data, tmp_path_factory.mktemp("archive"))


@pytest.fixture(scope="module")
def reference(archive: Path, base_model_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """One uninterrupted batch of the archive: what every interrupted or distributed run must equal."""
    out = tmp_path_factory.mktemp("reference")
    proc = run_batch(archive, "--out", out, "--workers", "2", "--threads", "1")
    return out, proc
