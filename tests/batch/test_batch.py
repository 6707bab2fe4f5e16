"""`minutes batch` end to end: real model, real recordings, bad files, a kill -9 midway, a worker killed mid-file."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from minutes import __version__
from minutes.model import Transcript
from tests.batch.conftest import (
    BAD,
    GOOD,
    ROOT,
    assert_same_transcripts,
    batch_command,
    make_archive,
    manifest_rows,
    run_batch,
    start_batch,
    texts,
    wait_for,
)

pytestmark = [pytest.mark.model, pytest.mark.slow]


def test_good_files_are_transcribed_bad_ones_fail_with_their_reason(archive, reference, data):
    out, proc = reference
    assert proc.returncode == 3, proc.stderr  # some failed, some done
    assert "Traceback" not in proc.stderr
    rows = manifest_rows(out)
    assert {name: r["status"] for name, r in rows.items()} == {
        **{Path(g).name: "done" for g in GOOD},
        **{Path(b).name: "failed" for b in BAD},
    }
    assert "empty (0 bytes)" in rows["empty.wav"]["reason"]
    assert "not a readable audio file" in rows["notes.mp3"]["reason"]
    assert "not a readable audio file" in rows["truncated.wav"]["reason"]
    for bad in BAD:  # each failure is one line on stderr, naming the file
        assert any(line.startswith("  failed:") and bad.split("/")[1] in line for line in proc.stderr.splitlines())

    # the source layout is kept, so same-named recordings in different folders cannot collide
    jfk = Transcript.from_json((out / "en" / "en_jfk.transcript.json").read_text(encoding="utf-8"))
    assert "ask not what your country can do for you" in jfk.text.lower()
    vi = Transcript.from_json((out / "vi" / "vi_vivos_VIVOSSPK01_R002.transcript.json").read_text(encoding="utf-8"))
    assert vi.language == "vi" and vi.text
    assert (out / "en" / "en_jfk.txt").read_text(encoding="utf-8").strip()

    # provenance: model, options, version and the recording's content hash in every transcript
    provenance = jfk.options["provenance"]
    assert provenance["minutes_version"] == __version__
    assert provenance["model"] == "base" and jfk.model == "base"
    assert provenance["sha256"] == hashlib.sha256((archive / "en" / "en_jfk.wav").read_bytes()).hexdigest()
    assert provenance["formats"] == ["json", "txt"]

    status = run_batch("status", out, "--json")
    summary = json.loads(status.stdout)
    assert summary["counts"] == {"pending": 0, "done": 4, "failed": 3, "skipped": 0}
    assert summary["hours_left"] == 0 and summary["hours_done"] > 0.005  # about 21 s of audio
    assert summary["throughput_audio_hours_per_hour"] > 0
    assert {f["path"] for f in summary["failed"]} == {str(archive / b) for b in BAD}


def test_a_rerun_skips_what_is_done_even_renamed_and_redoes_only_what_changed(archive, reference, tmp_path):
    first, _ = reference
    out = tmp_path / "out"
    shutil.copytree(first, out)  # the manifest names output folders relative to --out: it moves with them
    moved = tmp_path / "moved"
    shutil.copytree(archive, moved)
    (moved / "en" / "en_jfk.wav").rename(moved / "en" / "kennedy.wav")
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*.transcript.json")}

    again = run_batch(moved, "--out", out, "--workers", "2", "--threads", "1")
    assert again.returncode == 3, again.stderr  # the bad files are still failed
    assert "0 done (0 transcribed" in again.stderr and "4 already done" in again.stderr
    assert "3 failed in an earlier run: --retry-failed" in again.stderr
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.transcript.json")} == before

    # new output formats: written from the saved transcripts, nothing transcribed again
    changed = run_batch(moved, "--out", out, "--workers", "1", "--threads", "1", "-f", "txt,srt,json")
    assert "4 done (0 transcribed" in changed.stderr, changed.stderr
    assert (out / "en" / "en_jfk.srt").read_text(encoding="utf-8").startswith("1\n")
    assert all(r["transcriptions"] == 1 for r in manifest_rows(out).values() if r["status"] == "done")
    assert "kennedy.wav" in manifest_rows(out)  # the row follows the recording to its new name

    retried = run_batch(moved, "--out", out, "--retry-failed", "-f", "txt,srt,json")
    assert retried.returncode == 1 or retried.returncode == 3, retried.stderr
    assert "3 failed" in retried.stderr


def test_kill_9_midway_then_rerun_loses_nothing_and_does_nothing_twice(archive, reference, tmp_path):
    out = tmp_path / "out"
    proc = start_batch(archive, "--out", out, "--workers", "1", "--threads", "1")

    def some_done() -> bool:
        return sum(r["status"] == "done" for r in manifest_rows(out).values()) >= 1

    wait_for(some_done, 600, "a first file done", proc)
    rows = manifest_rows(out)
    workers = {int(r["worker"].split(":")[1]) for r in rows.values() if r["worker"]}
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed = manifest_rows(out)
    done_before = {name for name, r in killed.items() if r["status"] == "done"}
    assert 1 <= len(done_before) < len(GOOD), "the kill must land midway"
    # the workers die with the driver: nothing goes on writing outputs behind the next run's back
    wait_for(lambda: not any(os.path.exists(f"/proc/{pid}") and _running(pid) for pid in workers), 10, "workers")
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*.transcript.json")}

    status = json.loads(run_batch("status", out, "--json").stdout)
    assert status["active"] is False and status["counts"]["done"] == len(done_before)
    assert status["counts"]["pending"] + status["counts"]["done"] + status["counts"]["failed"] == 7

    resumed = run_batch(archive, "--out", out, "--workers", "1", "--threads", "1")
    assert resumed.returncode == 3, resumed.stderr
    rows = manifest_rows(out)
    assert all(rows[Path(g).name]["status"] == "done" for g in GOOD)
    assert all(rows[Path(g).name]["transcriptions"] == 1 for g in GOOD), "a file was transcribed twice"
    for path, mtime in mtimes.items():  # what was done before the kill was not written again
        if any(path.name.startswith(Path(name).stem + ".") for name in done_before):
            assert path.stat().st_mtime_ns == mtime, path
    assert not [p for p in out.rglob("*.tmp")], "a temporary file was left as if it were an output"
    reference_out, _ = reference
    assert_same_transcripts(out, reference_out)
    assert texts(out) == texts(reference_out)


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def test_a_worker_killed_mid_file_loses_only_that_file(data, tmp_path, base_model_dir):
    source = make_archive(data, tmp_path / "src", {"a/en_jfk.wav": "en_jfk.wav"}, bad=False)
    shutil.copy(data / "audio" / "en_librivox_ss01_0880.wav", source / "a" / "short.wav")
    out = tmp_path / "out"
    proc = start_batch(source, "--out", out, "--workers", "1", "--threads", "1")

    def busy_worker() -> int | None:
        row = manifest_rows(out).get("en_jfk.wav")  # longest first: the first file handed out
        return int(row["worker"].split(":")[1]) if row and row["status"] == "running" else None

    pids: list[int] = []
    wait_for(lambda: pids.append(busy_worker() or 0) or pids[-1] > 0, 600, "the worker on en_jfk.wav", proc)
    os.kill(pids[-1], signal.SIGKILL)
    _, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr
    assert "killed by signal 9" in stderr and "Traceback" not in stderr
    rows = manifest_rows(out)
    assert rows["en_jfk.wav"]["status"] == "done" and rows["en_jfk.wav"]["attempts"] == 2
    assert rows["en_jfk.wav"]["transcriptions"] == 1 and rows["short.wav"]["status"] == "done"
    assert "ask not what your country" in (out / "a" / "en_jfk.txt").read_text(encoding="utf-8").lower()


def test_minutes_are_drafted_with_provenance(data, tmp_path, base_model_dir, diarizer):
    source = make_archive(data, tmp_path / "src", {"en_jfk.wav": "en_jfk.wav"}, bad=False)
    out = tmp_path / "out"
    proc = run_batch(source, "--out", out, "--minutes", "--workers", "1", "-l", "en")
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith(("batch-", ".")))
    for name in ("en_jfk.minutes.docx", "en_jfk.minutes.json", "en_jfk.minutes.md", "en_jfk.transcript.json"):
        assert name in names, names
    minutes = json.loads((out / "en_jfk.minutes.json").read_text(encoding="utf-8"))
    assert minutes["provenance"]["minutes_version"] == __version__ and minutes["provenance"]["minutes"] is True
    assert minutes["drafter"] == "extractive" and minutes["source"] == str(source / "en_jfk.wav")
    transcript = Transcript.from_json((out / "en_jfk.transcript.json").read_text(encoding="utf-8"))
    assert transcript.options["provenance"]["diarize"] is True and transcript.turns  # speakers, as `minutes run`
    assert minutes["language"] == "en"
    import docx

    body = "\n".join(p.text for p in docx.Document(str(out / "en_jfk.minutes.docx")).paragraphs)
    assert "minutes" in body.lower()  # the general template's Word document, as `minutes run` writes it


def test_ctrl_c_stops_cleanly_and_the_next_run_resumes(data, tmp_path, base_model_dir):
    source = make_archive(data, tmp_path / "src", {"en_jfk.wav": "en_jfk.wav"}, bad=False)
    out = tmp_path / "out"
    # Python turns SIGINT into KeyboardInterrupt only if it was not ignored at start (as it is for background jobs)
    proc = subprocess.Popen(
        batch_command(source, "--out", out, "--workers", "1", "--threads", "1"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    wait_for(lambda: manifest_rows(out).get("en_jfk.wav", {}).get("status") == "running", 600, "a running file", proc)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "stopped: 0 of 1 files done in this run" in stderr and "run the same command again to resume" in stderr
    row = manifest_rows(out)["en_jfk.wav"]
    assert row["status"] == "pending" and row["reason"] == "stopped"
    resumed = run_batch(source, "--out", out, "--workers", "1", "--threads", "1")
    assert resumed.returncode == 0, resumed.stderr
    assert manifest_rows(out)["en_jfk.wav"]["status"] == "done"
