"""N worker processes on this machine, each with its models loaded once, fed one file at a time by the driver.

Each worker holds at most one task, so the driver always knows which file a dead worker was on: that file goes
back to the queue and a new worker takes its place. Workers die with the driver (PR_SET_PDEATHSIG), so a
`kill -9` of the batch leaves no orphan writing outputs; they ignore Ctrl-C, which the driver handles once for
all. Processes are spawned, not forked: the driver may already hold threads (SQLite, rich) and forking those
with OpenMP runtimes loaded is unsafe.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from minutes.batch.tracker import Tracker
from minutes.batch.work import BatchSettings, Outcome, Task, rss_mb
from minutes.environ import restored_environ
from minutes.errors import MinutesError

PROGRESS_EVERY = 0.5  # seconds between a worker's progress messages
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def die_with_parent() -> None:
    """Linux: the kernel kills this process when its parent dies, however it dies."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def worker_main(conn: Connection, settings: BatchSettings, parent: int, load: bool) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver stops us
    die_with_parent()
    if os.getppid() != parent:  # the driver died before prctl took effect
        return
    from minutes.batch.work import FileJob

    try:
        job = FileJob(settings, load=load)
    except MinutesError as exc:
        conn.send(("fatal", " ".join(str(exc).split())))
        return
    conn.send(("ready", job.load_seconds, rss_mb()))
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        last = 0.0

        def progress(step: str, *, completed: float | None = None, total: float | None = None, **info: Any) -> None:
            nonlocal last
            now = time.monotonic()
            if step == "transcribe" and now - last >= PROGRESS_EVERY:
                last = now
                conn.send(("progress", completed, total))

        try:
            outcome = job.run(task, Path(task.path), Path(task.out_dir), progress)
        except Exception as exc:  # a bug or a library failure on this file: recorded, and the batch goes on
            outcome = Outcome(task.sha256, error=f"internal error ({type(exc).__name__}: {exc})".replace("\n", " "))
        conn.send(("done", outcome))


@dataclass
class Worker:
    name: str
    process: multiprocessing.process.BaseProcess
    conn: Connection
    task: Task | None = None
    ready: bool = False


class LocalPool:
    def __init__(self, settings: BatchSettings, workers: int, load_models: bool = True) -> None:
        self.settings = settings
        self.load_models = load_models
        self.size = workers
        self.context = multiprocessing.get_context("spawn")
        self.workers: list[Worker] = []
        self.serial = 0

    def spawn(self) -> Worker:
        self.serial += 1
        parent_conn, child_conn = self.context.Pipe()
        # Each worker's OpenMP/BLAS pools get its share of the cores, not all of them (oversubscription).
        threads = str(self.settings.threads)
        with restored_environ(*THREAD_VARIABLES):
            os.environ.update(dict.fromkeys(THREAD_VARIABLES, threads))
            process = self.context.Process(
                target=worker_main,
                args=(child_conn, self.settings, os.getpid(), self.load_models),
                name=f"minutes-batch-{self.serial}",
            )
            process.start()
        child_conn.close()
        worker = Worker(f"w{self.serial}:{process.pid}", process, parent_conn)
        self.workers.append(worker)
        return worker

    def run(self, tracker: Tracker) -> None:
        try:
            for _ in range(min(self.size, len(tracker.queue))):
                self.spawn()
            self.loop(tracker)
        finally:
            self.shutdown()

    def loop(self, tracker: Tracker) -> None:
        while self.workers and (not tracker.finished or any(w.task for w in self.workers)):
            by_handle: dict[Any, Worker] = {}
            for w in self.workers:
                by_handle[w.conn] = w
                by_handle[w.process.sentinel] = w
            for handle in wait(list(by_handle), timeout=1.0):
                worker = by_handle[handle]
                if worker not in self.workers:
                    continue
                if handle is worker.conn:
                    self.receive(worker, tracker)
                elif not worker.process.is_alive():
                    self.lost(worker, tracker)
            for worker in [w for w in self.workers if not w.process.is_alive()]:
                self.lost(worker, tracker)

    def receive(self, worker: Worker, tracker: Tracker) -> None:
        try:
            message = worker.conn.recv()
        except (EOFError, OSError):
            self.lost(worker, tracker)
            return
        kind = message[0]
        if kind == "fatal":  # the models cannot load: every worker would fail the same way
            raise MinutesError(message[1])
        if kind == "ready":
            worker.ready = True
            tracker.worker_ready(worker.name, message[1], message[2])
        elif kind == "progress" and worker.task is not None:
            tracker.progress(worker.name, worker.task, message[1], message[2])
            return
        elif kind == "done" and worker.task is not None:
            tracker.done(worker.task, message[1], worker.name)
            worker.task = None
        self.feed(worker, tracker)

    def feed(self, worker: Worker, tracker: Tracker) -> None:
        task = tracker.next_task()
        if task is None:
            worker.conn.send(None)  # no more work: exit
            return
        tracker.started(task, worker.name)
        worker.task = task
        worker.conn.send(task)

    def lost(self, worker: Worker, tracker: Tracker) -> None:
        if worker not in self.workers:
            return
        self.workers.remove(worker)
        with contextlib.suppress(EOFError, OSError):
            while worker.task is not None and worker.conn.poll():  # a result sent just before it died still counts
                message = worker.conn.recv()
                if message[0] == "done":
                    tracker.done(worker.task, message[1], worker.name)
                    worker.task = None
        worker.process.join(timeout=1)
        code = worker.process.exitcode
        if worker.task is not None:
            how = f"killed by signal {-code}" if code is not None and code < 0 else f"exited with code {code}"
            tracker.lost(worker.task, worker.name, f"its worker was {how}" if code and code < 0 else f"worker {how}")
        elif not worker.ready and code:
            raise MinutesError(f"a batch worker could not start (exit code {code}): run with --workers 1 to see why")
        if not tracker.finished and len(self.workers) < self.size:
            self.spawn()

    def shutdown(self) -> None:
        deadline = time.monotonic() + 5
        for worker in self.workers:  # idle ones were told to exit: let them, so they clean up after themselves
            if worker.task is None:
                worker.process.join(timeout=max(0.1, deadline - time.monotonic()))
        for worker in self.workers:
            with contextlib.suppress(OSError, ValueError):
                worker.process.terminate()
        deadline = time.monotonic() + 5
        for worker in self.workers:
            worker.process.join(timeout=max(0.1, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=1)
            worker.conn.close()
        self.workers.clear()
