"""The driver's bookkeeping, shared by the local and the Ray backends: a queue of tasks, the manifest kept up to
date at every step, retries of files whose worker died, and progress events for the display."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

from minutes.batch.manifest import Manifest
from minutes.batch.work import BatchSettings, Outcome, Task
from minutes.hooks import Hook

# A file is handed out at most this often: a recording that kills its worker every time (a decoder crash) must
# not stop the batch, nor loop for ever.
MAX_ATTEMPTS = 3


@dataclass
class RunTotals:
    files: int = 0
    seconds: float = 0.0
    done_files: int = 0
    done_seconds: float = 0.0
    transcribed: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    requeued: int = 0
    cpu_seconds: float = 0.0


class Tracker:
    def __init__(self, manifest: Manifest, settings: BatchSettings, run_id: int, tasks: list[Task], hook: Hook) -> None:
        self.manifest = manifest
        self.settings = settings
        self.run_id = run_id
        self.queue: deque[Task] = deque(tasks)
        self.hook = hook
        self.totals = RunTotals(files=len(tasks), seconds=sum(t.duration or 0.0 for t in tasks))
        self.started_at = time.perf_counter()
        self.publish()

    @property
    def finished(self) -> bool:
        return not self.queue

    def next_task(self) -> Task | None:
        return self.queue.popleft() if self.queue else None

    def worker_ready(self, worker: str, load_seconds: float, rss_mb: float) -> None:
        self.manifest.worker_seen(self.run_id, worker, load_seconds, rss_mb)
        self.hook("worker", worker=worker, state="idle", load_seconds=load_seconds)

    def started(self, task: Task, worker: str) -> None:
        self.manifest.mark_running(task.sha256, worker)
        self.hook("worker", worker=worker, state="busy", file=task.path, completed=0.0, total=task.duration)

    def progress(self, worker: str, task: Task, completed: float | None, total: float | None) -> None:
        self.hook("worker", worker=worker, state="busy", file=task.path, completed=completed, total=total)

    def done(self, task: Task, outcome: Outcome, worker: str) -> None:
        for message in outcome.warnings:
            self.hook("warning", message=message)
        self.manifest.worker_seen(self.run_id, worker, None, outcome.rss_mb)
        self.totals.cpu_seconds += outcome.cpu_seconds
        if outcome.error is not None:
            self.manifest.set_status(
                task.sha256, "failed", outcome.error, wall_seconds=outcome.wall_seconds, cpu_seconds=outcome.cpu_seconds
            )
            self.totals.failed.append((task.path, outcome.error))
            self.hook("failed", file=task.path, message=outcome.error)
        else:
            self.manifest.mark_done(
                task.sha256,
                outputs=outcome.outputs,
                transcript_key=self.settings.transcript_key,
                export_key=self.settings.export_key,
                settings=self.settings.provenance(),
                transcribed=outcome.transcribed,
                wall_seconds=outcome.wall_seconds,
                cpu_seconds=outcome.cpu_seconds,
                language=outcome.language,
                duration=outcome.duration if task.duration is None else None,
                run_id=self.run_id,
            )
            self.totals.done_files += 1
            self.totals.transcribed += int(outcome.transcribed)
        self.totals.done_seconds += task.duration or outcome.duration or 0.0
        self.hook("worker", worker=worker, state="idle")
        self.publish()

    def lost(self, task: Task, worker: str, reason: str) -> None:
        """The worker died holding `task`: back to pending and to the front of the queue, unless it keeps
        killing workers."""
        record = self.manifest.get(task.sha256)
        attempts = record.attempts if record else MAX_ATTEMPTS
        if attempts >= MAX_ATTEMPTS:
            message = f"{reason} on each of {attempts} tries: check the file or convert it with ffmpeg"
            self.manifest.set_status(task.sha256, "failed", message)
            self.totals.failed.append((task.path, message))
            self.totals.done_seconds += task.duration or 0.0
            self.hook("failed", file=task.path, message=message)
        else:
            self.manifest.set_status(task.sha256, "pending", f"{reason}; will try again")
            self.queue.appendleft(task)
            self.totals.requeued += 1
            self.hook("warning", message=f"{task.path}: {reason}; it will be done again")
        self.hook("worker", worker=worker, state="lost")
        self.publish()

    def publish(self) -> None:
        t = self.totals
        self.hook(
            "batch",
            completed=t.done_seconds,
            total=t.seconds,
            files_done=t.done_files + len(t.failed),
            files_total=t.files,
            failed=len(t.failed),
            elapsed=time.perf_counter() - self.started_at,
        )
