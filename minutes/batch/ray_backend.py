"""The same batch on a Ray cluster: one actor per CPU slice holds the loaded models (a `FileJob`) and runs the same
job code as a local worker. The only module that imports Ray (an optional extra: `pip install 'minutes[ray]'`).

The driver stays the single source of truth: it reads each recording and ships its bytes with the task, and the
actor returns the outputs' bytes, which the driver writes atomically into --out. So no shared file system is
needed, and a node that dies loses only the files its actors held: the driver sees the actor die, puts those
files back at the front of the queue, and they run on the actors that are left (or on new ones, as the cluster
has room for them).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from minutes import export
from minutes.batch.tracker import Tracker
from minutes.batch.work import BatchSettings, FileJob, Outcome, Task, rss_mb
from minutes.errors import MinutesError, UsageError

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class RayWorker:
    """Runs inside a Ray actor: models load once, in the constructor."""

    def __init__(self, settings: BatchSettings) -> None:
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[name] = str(settings.threads)
        self.job = FileJob(settings)

    def ready(self) -> tuple[float, float, str]:
        import ray

        return self.job.load_seconds, rss_mb(), ray.get_runtime_context().get_node_id()

    def run(self, task: Task, audio: bytes) -> tuple[Outcome, dict[str, bytes]]:
        scratch = Path(tempfile.mkdtemp(prefix="minutes-batch-"))
        try:
            # the recording under the manifest's stem, so names and messages read as on the driver
            source = scratch / f"{task.stem}{Path(task.path).suffix}"
            source.write_bytes(audio)
            out_dir = scratch / "out"
            try:
                outcome = self.job.run(task, source, out_dir)
            except Exception as exc:  # a bug or library failure on this file: recorded, the batch goes on
                outcome = Outcome(task.sha256, error=f"internal error ({type(exc).__name__}: {exc})".replace("\n", " "))
            outcome.error = outcome.error.replace(str(source), task.path) if outcome.error else None
            files = {name: (out_dir / name).read_bytes() for name in outcome.outputs}
            return outcome, files
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


def check_address(address: str) -> str | None:
    """The cluster's host, once a TCP connection to it worked: Ray itself retries an absent cluster for minutes.
    Called before planning too, so a wrong address is one line before an archive is hashed."""
    if address == "auto":
        return None
    parsed = urlparse(f"//{address.removeprefix('ray://')}")
    try:
        host, port = parsed.hostname, parsed.port
    except ValueError:
        host = port = None
    if not host or not port:
        raise UsageError(f"--ray {address}: give the cluster's HOST:PORT (as `ray start` printed) or auto")
    try:
        socket.create_connection((host, port), timeout=5).close()
    except OSError as exc:
        raise MinutesError(
            f"cannot connect to the Ray cluster at {address} ({exc.strerror or exc}): start it with "
            "`ray start --head` or give its address (host:port)"
        ) from None
    return host


@dataclass
class Actor:
    name: str
    handle: Any
    ready_ref: Any
    ready: bool = False
    task: Task | None = None
    ref: Any = None
    node: str = ""


@dataclass
class RayPool:
    address: str
    settings: BatchSettings
    actors: list[Actor] = field(default_factory=list)
    serial: int = 0
    failed_starts: int = 0

    def connect(self) -> Any:
        kwargs: dict[str, Any] = {"address": self.address, "log_to_driver": False, "logging_level": "ERROR"}
        host = check_address(self.address)
        if host in LOOPBACK:
            # A one-machine cluster on loopback: without this Ray swaps 127.0.0.1 for the machine's outward address
            # (read when ray is imported), and this driver would look for the cluster where it is not.
            os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
            kwargs["_node_ip_address"] = "127.0.0.1"
        try:
            import ray
        except ImportError:
            raise UsageError("--ray needs Ray, an optional extra: pip install 'minutes[ray]'") from None
        try:
            ray.init(**kwargs)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise MinutesError(
                f"cannot connect to the Ray cluster at {self.address} ({first}): start it with `ray start --head` "
                "or give its address (host:port)"
            ) from None
        return ray

    def slots(self, ray: Any) -> int:
        """Actors the live nodes have room for: one per CPU slice of `threads` cores."""
        cpus = sum(n["Resources"].get("CPU", 0) for n in ray.nodes() if n.get("Alive"))
        return int(cpus // max(1, self.settings.threads))

    def add_actors(self, ray: Any, wanted: int) -> None:
        remote = ray.remote(num_cpus=self.settings.threads, max_restarts=0, max_task_retries=0)(RayWorker)
        for _ in range(wanted):
            self.serial += 1
            handle = remote.remote(self.settings)
            self.actors.append(Actor(f"ray{self.serial}", handle, handle.ready.remote()))

    def run(self, tracker: Tracker) -> None:
        ray = self.connect()
        try:
            wanted = min(self.slots(ray), len(tracker.queue))
            if wanted < 1:
                raise MinutesError(
                    f"the Ray cluster at {self.address} has fewer than {self.settings.threads} CPUs per node: "
                    "lower --threads"
                )
            self.add_actors(ray, wanted)
            self.loop(ray, tracker)
        finally:
            for actor in self.actors:
                with contextlib.suppress(Exception):
                    ray.kill(actor.handle)
            self.actors.clear()
            ray.shutdown()

    def loop(self, ray: Any, tracker: Tracker) -> None:
        last_growth = time.monotonic()
        while not tracker.finished or any(a.task for a in self.actors):
            for actor in self.actors:
                if actor.ready and actor.task is None:
                    self.feed(actor, tracker)
            waiting = {a.ready_ref: a for a in self.actors if not a.ready}
            waiting |= {a.ref: a for a in self.actors if a.task is not None}
            if not waiting:
                if not tracker.finished:
                    self.regrow(ray, tracker)
                    time.sleep(1.0)
                    continue
                break
            done, _ = ray.wait(list(waiting), num_returns=1, timeout=1.0)
            for ref in done:
                self.collect(ray, waiting[ref], ref, tracker)
            if time.monotonic() - last_growth > 10:  # nodes may have joined, or died with their actors
                self.regrow(ray, tracker)
                last_growth = time.monotonic()

    def regrow(self, ray: Any, tracker: Tracker) -> None:
        missing = min(self.slots(ray), len(tracker.queue) + sum(1 for a in self.actors if a.task)) - len(self.actors)
        if missing > 0:
            self.add_actors(ray, missing)

    def feed(self, actor: Actor, tracker: Tracker) -> None:
        task = tracker.next_task()
        if task is None:
            return
        try:
            audio = b"" if task.saved_transcript is not None else Path(task.path).read_bytes()
        except OSError as exc:
            tracker.started(task, actor.name)
            tracker.done(task, Outcome(task.sha256, error=f"cannot read {task.path} ({exc.strerror})"), actor.name)
            return
        tracker.started(task, actor.name)
        actor.task, actor.ref = task, actor.handle.run.remote(task, audio)

    def collect(self, ray: Any, actor: Actor, ref: Any, tracker: Tracker) -> None:
        from ray.exceptions import RayActorError, RayTaskError

        try:
            value = ray.get(ref)
        except RayActorError as exc:  # the actor, its process or its node died
            if not actor.ready:
                self.failed_starts += 1
                if self.failed_starts >= 3:  # its models cannot load there: every actor would fail alike
                    first = " ".join(str(exc).split())[:300]
                    raise MinutesError(
                        f"Ray actors could not start ({first}): try the same batch without --ray"
                    ) from None
            self.drop(actor, tracker, f"its Ray actor died ({type(exc).__name__})")
            return
        except RayTaskError as exc:
            if not actor.ready:  # the constructor failed: loading the models; every actor would fail alike
                cause = exc.cause if isinstance(getattr(exc, "cause", None), MinutesError) else exc
                raise MinutesError(" ".join(str(cause).split())[:300]) from None
            self.drop(actor, tracker, f"its Ray task failed ({type(exc).__name__})")
            return
        if not actor.ready:
            actor.ready = True
            load_seconds, rss, actor.node = value
            actor.name = f"{actor.name}@{actor.node[:8]}"  # which node: the manifest says where each file ran
            tracker.worker_ready(actor.name, load_seconds, rss)
            return
        outcome, files = value
        task = actor.task
        assert task is not None
        if outcome.error is None:
            try:
                for name, data in files.items():
                    Path(task.out_dir).mkdir(parents=True, exist_ok=True)
                    export.write_bytes_atomic(data, Path(task.out_dir) / name)
            except (MinutesError, OSError) as exc:
                outcome.error = " ".join(str(exc).split())
        actor.task = actor.ref = None
        tracker.done(task, outcome, actor.name)

    def drop(self, actor: Actor, tracker: Tracker, reason: str) -> None:
        self.actors.remove(actor)
        if actor.task is not None:
            tracker.lost(actor.task, actor.name, reason)
