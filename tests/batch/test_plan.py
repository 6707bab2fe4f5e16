"""What a run must do, from the manifest and the sources: no model needed, real recordings for hashing and probing."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from minutes.batch.manifest import Manifest
from minutes.batch.plan import file_sha256, make_plan
from minutes.batch.runner import batch_lock, choose_workers, cpu_count, is_active
from minutes.batch.work import BatchSettings
from minutes.errors import UsageError
from tests.batch.conftest import MINUTES, ROOT
from tests.test_cli import assert_one_line_error

SETTINGS = BatchSettings(model_id="base", formats=("txt", "json"))


@pytest.fixture
def sources(data: Path, tmp_path: Path) -> Path:
    root = tmp_path / "src"
    for folder, name in [("a", "en_jfk.wav"), ("b", "en_librivox_ss01_0880.wav")]:
        (root / folder).mkdir(parents=True)
        shutil.copy(data / "audio" / name, root / folder / "meeting.wav")  # same name, different folders
    shutil.copy(data / "audio" / "en_jfk.wav", root / "copy-of-a.wav")  # same content as a/meeting.wav
    (root / "broken.wav").write_bytes(b"RIFF")
    return root


def finish(manifest: Manifest, settings: BatchSettings, sha: str, out: Path, stem: str) -> None:
    """What a worker and the driver leave for a done file: its transcript JSON and a done row."""
    provenance = {"transcript_key": settings.transcript_key}
    transcript = {"schema": "minutes.transcript", "version": 1, "language": "en", "duration": 1.0, "segments": []}
    transcript["options"] = {"provenance": provenance}
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.transcript.json").write_text(json.dumps(transcript), encoding="utf-8")
    run = manifest.start_run("local", 1, 1, {})
    manifest.mark_done(
        sha,
        outputs=[f"{stem}.transcript.json"],
        transcript_key=settings.transcript_key,
        export_key=settings.export_key,
        settings=settings.provenance(),
        transcribed=True,
        wall_seconds=1.0,
        cpu_seconds=1.0,
        language="en",
        duration=None,
        run_id=run,
    )


def test_a_plan_skips_duplicates_fails_unreadable_files_and_keeps_folders_apart(sources, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    manifest = Manifest.open(out)
    plan = make_plan(manifest, [sources], out, SETTINGS, retry=False)
    assert [Path(t.path).relative_to(sources).as_posix() for t in plan.tasks] == ["a/meeting.wav", "b/meeting.wav"]
    assert plan.tasks[0].duration > plan.tasks[1].duration  # longest first
    assert [t.out_dir for t in plan.tasks] == [str(out / "a"), str(out / "b")]
    assert [p.name for p, _ in plan.duplicates] == ["copy-of-a.wav"]
    assert [r.path for r in plan.failed_now] == [str(sources / "broken.wav")]
    assert "broken.wav is not a readable audio file" in (plan.failed_now[0].reason or "")
    assert manifest.get(file_sha256(sources / "a" / "meeting.wav")).status == "pending"


def test_done_files_are_recognised_by_content_and_changed_settings_redo_only_what_they_affect(sources, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    manifest = Manifest.open(out)
    plan = make_plan(manifest, [sources / "a"], out, SETTINGS, retry=False)
    (task,) = plan.tasks
    finish(manifest, SETTINGS, task.sha256, Path(task.out_dir), task.stem)

    (sources / "a" / "meeting.wav").rename(sources / "a" / "renamed.wav")
    again = make_plan(manifest, [sources / "a"], out, SETTINGS, retry=False)
    assert again.tasks == [] and again.already_done == 1
    assert manifest.get(task.sha256).path == str(sources / "a" / "renamed.wav")

    srt = replace(SETTINGS, formats=("txt", "json", "srt"))  # outputs only: the saved transcript is reused
    (redo,) = make_plan(manifest, [sources / "a"], out, srt, retry=False).tasks
    assert redo.saved_transcript is not None and redo.stem == "meeting"  # output names do not follow the rename

    other_model = replace(SETTINGS, model_id="small")  # the transcript itself changes: transcribed again
    (redo,) = make_plan(manifest, [sources / "a"], out, other_model, retry=False).tasks
    assert redo.saved_transcript is None


def test_a_killed_run_leaves_running_files_that_the_next_run_does_again(sources, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    manifest = Manifest.open(out)
    (task, _) = make_plan(manifest, [sources / "a", sources / "b"], out, SETTINGS, retry=False).tasks
    manifest.mark_running(task.sha256, "w1:123")
    assert manifest.summary(active=False).counts["pending"] == 2  # not running once no batch is
    plan = make_plan(manifest, [sources / "a", sources / "b"], out, SETTINGS, retry=False)
    assert len(plan.tasks) == 2 and manifest.get(task.sha256).status == "pending"


def test_failed_files_are_retried_only_when_asked(sources, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    manifest = Manifest.open(out)
    make_plan(manifest, [sources / "broken.wav"], out, SETTINGS, retry=False)
    assert make_plan(manifest, [sources / "broken.wav"], out, SETTINGS, retry=False).failed_before == 1
    shutil.copy(sources / "b" / "meeting.wav", sources / "fixed.wav")
    (sources / "broken.wav").write_bytes((sources / "fixed.wav").read_bytes()[:40])  # still broken
    plan = make_plan(manifest, [sources / "broken.wav"], out, SETTINGS, retry=True)
    assert len(plan.failed_now) == 1 and not plan.tasks  # new content: a new row, failed again


def test_one_batch_per_output_folder(tmp_path):
    with batch_lock(tmp_path):
        assert is_active(tmp_path)
        with pytest.raises(UsageError, match="another batch is running"), batch_lock(tmp_path):
            pass
    assert not is_active(tmp_path)


def test_workers_and_threads_never_oversubscribe_the_cores():
    cores = cpu_count()
    for asked in (None, 1, 2, 64):
        workers, threads = choose_workers(asked, None, per_worker_gb=0.5)
        assert workers >= 1 and threads >= 1
        assert workers * threads <= max(cores, workers)  # more workers than cores only when asked for


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["status", "/nonexistent/out"], "no batch in /nonexistent/out"),
        (["status"], "give one output folder"),
        (["x.wav"], "give the output folder"),
        (["/nonexistent/archive", "--out", "{tmp}"], "no such file or folder: /nonexistent/archive"),
        (["{tmp}", "--out", "{tmp}", "--model", "huge-v9"], "huge-v9"),
        (["{tmp}", "--out", "{tmp}", "-f", "docx"], "unknown output format"),
        (["{tmp}", "--out", "{tmp}", "--ray", "127.0.0.1:1"], "cannot connect to the Ray cluster at 127.0.0.1:1"),
        (["{tmp}", "--out", "{tmp}", "--ray", "nonsense"], "give the cluster's HOST:PORT"),
    ],
)
def test_bad_usage_is_one_line(args, fragment, tmp_path):
    import subprocess

    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    proc = subprocess.run([*MINUTES, "batch", *args], capture_output=True, text=True, cwd=ROOT)
    assert_one_line_error(proc, fragment.replace("{tmp}", str(tmp_path)))


def test_deleted_outputs_are_made_again(sources, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    manifest = Manifest.open(out)
    (task,) = make_plan(manifest, [sources / "a"], out, SETTINGS, retry=False).tasks
    finish(manifest, SETTINGS, task.sha256, Path(task.out_dir), task.stem)
    assert make_plan(manifest, [sources / "a"], out, SETTINGS, retry=False).already_done == 1
    (Path(task.out_dir) / "meeting.transcript.json").unlink()
    (redo,) = make_plan(manifest, [sources / "a"], out, SETTINGS, retry=False).tasks
    assert redo.sha256 == task.sha256 and redo.saved_transcript is None


def test_an_unreadable_file_fails_alone(sources, tmp_path, monkeypatch):
    import minutes.batch.plan as plan_module

    real = plan_module.file_sha256

    def refuse(path: Path) -> str:
        if path.name == "copy-of-a.wav":
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(plan_module, "file_sha256", refuse)
    out = tmp_path / "out"
    out.mkdir()
    plan = make_plan(Manifest.open(out), [sources], out, SETTINGS, retry=False)
    assert len(plan.tasks) == 2  # the readable recordings go on
    (unreadable,) = [r for r in plan.failed_now if "copy-of-a" in r.path]
    assert "cannot read" in (unreadable.reason or "") and "permission denied" in (unreadable.reason or "")


def test_overlapping_sources_give_each_recording_once(sources, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    plan = make_plan(Manifest.open(out), [sources, sources / "a", sources / "a" / "meeting.wav"], out, SETTINGS, False)
    assert len(plan.tasks) == 2 and [p.name for p, _ in plan.duplicates] == ["copy-of-a.wav"]
