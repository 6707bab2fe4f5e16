"""`minutes batch`: plan from the manifest, run the plan on local workers or a Ray cluster, report.

One batch at a time per output folder (a lock file), so two runs never hand out the same recording. Ctrl-C stops
the workers, puts their files back to pending and ends the run record; the next run resumes from the manifest.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from minutes.batch import check_writable
from minutes.batch.manifest import MANIFEST_NAME, Manifest, Summary
from minutes.batch.plan import Plan, make_plan
from minutes.batch.tracker import RunTotals, Tracker
from minutes.batch.work import BatchSettings
from minutes.errors import ExitCode, MinutesError, UsageError
from minutes.hooks import Hook, null_hook
from minutes.transcribe import check_language, resolve_model

LOCK_NAME = ".batch.lock"
# Resident memory of one worker with the base model (145 MB model.bin): 0.43 GB on short clips, 0.6-0.8 GB on
# 2-minute recordings (bench/batch.py), up to 1.1 GB on long ones (bench/asr.py: batched decoding holds 8 chunks'
# beams). So the model file twice over plus 0.8 GB; 1 GB more for the diarizer and the drafter's embedding model
# (an estimate from bench/minutes.py's 2 GB peak of the whole job). An out-of-memory kill costs more than one worker
# fewer.
RUNTIME_GB = 0.8
DEFAULT_THREADS = 2
DIARIZER_GB = 1.0


def worker_gb(model_path: str | None, diarize: bool) -> float:
    size = 0.0
    with contextlib.suppress(OSError, TypeError):
        size = (Path(model_path) / "model.bin").stat().st_size / 1024**3  # type: ignore[arg-type]
    return RUNTIME_GB + 2 * size + (DIARIZER_GB if diarize else 0.0)


class BatchStopped(MinutesError):
    """Ctrl-C: the workers are stopped, their files pending again, the manifest consistent."""

    exit_code = ExitCode.INTERRUPTED


@dataclass
class BatchReport:
    plan: Plan
    totals: RunTotals = field(default_factory=RunTotals)
    workers: int = 0
    threads: int = 0
    backend: str = "local"
    failed_in_sources: int = 0  # failed files among this run's sources, including earlier runs' not retried

    @property
    def failed(self) -> int:
        return self.failed_in_sources


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def available_gb() -> float:
    """MemAvailable (what can be had without swapping), or free memory where /proc is absent."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024**2
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 1024**3


def choose_workers(workers: int | None, threads: int | None, per_worker_gb: float) -> tuple[int, int]:
    """(workers, threads per worker): two-thread workers on every two cores, as many as memory allows, unless told.

    On the 2-core dev VM one worker of two threads did at least as well per CPU second as two of one thread (10.8
    and 11.2 against 9.9 and 10.6 audio s per CPU s, docs/BENCHMARKS.md) with half the memory. Wider workers could
    not be measured on 2 cores; on a big machine, many narrow workers keep the cores busy whatever one decode's
    parallelism. Workers times threads never exceed the cores.
    """
    cores = cpu_count()
    if workers is None:
        per_worker = threads or min(DEFAULT_THREADS, cores)
        by_memory = int(available_gb() // per_worker_gb)
        workers = max(1, min(cores // per_worker, by_memory))
    threads = threads or max(1, cores // workers)
    return workers, threads


@contextlib.contextmanager
def batch_lock(out_dir: Path) -> Iterator[None]:
    handle = (out_dir / LOCK_NAME).open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(
                f"another batch is running on {out_dir}: wait for it, or see `minutes batch status {out_dir}`"
            ) from None
        yield
    finally:
        handle.close()


def is_active(out_dir: Path) -> bool:
    try:
        with (out_dir / LOCK_NAME).open("a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return False
    except BlockingIOError:
        return True
    except OSError:
        return False


def resolve_settings(settings: BatchSettings) -> BatchSettings:
    """Fail on an unknown or missing model now, before hashing an archive; pin the model the keys refer to."""
    from minutes.export import parse_formats

    _, label = resolve_model(settings.model)
    model_id = settings.model if settings.model and Path(settings.model).is_dir() else label
    formats = parse_formats(list(settings.formats))
    if settings.minutes:
        from minutes.export.docx import BUILTIN_TEMPLATES, load_template
        from minutes.job import DRAFTERS

        if settings.drafter not in DRAFTERS:
            raise UsageError(f"unknown drafter {settings.drafter!r}: choose {', '.join(DRAFTERS)}")
        if settings.template != "auto" and settings.template not in BUILTIN_TEMPLATES:
            load_template(settings.template)
    return replace(settings, model_id=str(model_id), formats=formats, language=check_language(settings.language))


def run_batch(
    sources: list[Path],
    out_dir: Path,
    settings: BatchSettings,
    *,
    workers: int | None = None,
    threads: int | None = None,
    ray_address: str | None = None,
    retry_failed: bool = False,
    hook: Hook = null_hook,
) -> BatchReport:
    if not sources:
        raise UsageError("no recordings given: minutes batch SOURCE... --out DIR")
    check_writable(out_dir)
    if ray_address:
        from minutes.batch.ray_backend import check_address

        check_address(ray_address)
    settings = resolve_settings(settings)
    backend = "ray" if ray_address else "local"
    if ray_address:  # actors are placed by Ray: one per `threads` CPUs of the cluster
        n_workers, n_threads = 0, threads or 1
    else:
        model_path, _ = resolve_model(settings.model)
        n_workers, n_threads = choose_workers(workers, threads, worker_gb(model_path, settings.diarizes))
    settings = replace(settings, threads=n_threads)
    with batch_lock(out_dir):
        manifest = Manifest.open(out_dir)
        try:
            plan = make_plan(manifest, [Path(s) for s in sources], out_dir, settings, retry_failed, hook)
            report = BatchReport(plan, workers=n_workers, threads=n_threads, backend=backend)
            run_id = manifest.start_run(backend, n_workers, n_threads, settings.to_dict())
            tracker = Tracker(manifest, settings, run_id, plan.tasks, hook)
            report.totals = tracker.totals
            try:
                if plan.tasks:
                    if ray_address:
                        from minutes.batch.ray_backend import RayPool

                        RayPool(ray_address, settings).run(tracker)
                    else:
                        from minutes.batch.local import LocalPool

                        transcribing = any(t.saved_transcript is None for t in plan.tasks)
                        LocalPool(settings, min(n_workers, len(plan.tasks)), transcribing).run(tracker)
            except KeyboardInterrupt:
                manifest.release_running("stopped")
                manifest.end_run(run_id, "interrupted")
                t = tracker.totals
                raise BatchStopped(
                    f"stopped: {t.done_files} of {t.files} files done in this run, the rest are pending; run the "
                    "same command again to resume"
                ) from None
            except BaseException:
                manifest.release_running("batch stopped")
                manifest.end_run(run_id, "error")
                raise
            manifest.end_run(run_id, "finished")
            report.failed_in_sources = count_failed(manifest, sources)
            return report
        finally:
            manifest.close()


def count_failed(manifest: Manifest, sources: list[Path]) -> int:
    roots = [str(Path(s)) for s in sources]
    return sum(
        1
        for r in manifest.records("failed")
        if any(r.path == root or r.path.startswith(root.rstrip("/") + "/") for root in roots)
    )


def batch_status(out_dir: Path) -> Summary:
    if not (out_dir / MANIFEST_NAME).is_file():
        raise MinutesError(
            f"no batch in {out_dir} (no {MANIFEST_NAME}): start one with `minutes batch SOURCE --out DIR`"
        )
    manifest = Manifest.open(out_dir)
    try:
        return manifest.summary(active=is_active(out_dir))
    finally:
        manifest.close()
