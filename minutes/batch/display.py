"""What `minutes batch` shows: a live progress display fed by the driver's hook events, and the status report.

Used by the CLI only (library callers pass their own hook): one line for the batch (files, audio hours, ETA from
the audio done so far, which counts long files for what they are) and one line per worker with its file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TaskID, TextColumn
from rich.text import Text

from minutes.batch.manifest import Summary
from minutes.export.common import short_clock


def clock(seconds: float | None) -> str:
    return "--:--" if seconds is None else short_clock(seconds)


def hours(seconds: float) -> str:
    return f"{seconds / 3600:.2f} h" if seconds >= 360 else f"{seconds / 60:.1f} min"


class AudioColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        state = task.fields.get("state", "busy")
        if state != "busy" or task.total is None:
            return Text("" if state == "busy" else state, style="dim")
        return Text(f"{clock(task.completed)} / {clock(task.total)} audio", style="progress.download")


class EtaColumn(ProgressColumn):
    """From audio seconds per wall second over the run so far (the driver's clock, model loading included)."""

    def render(self, task: Task) -> Text:
        eta = task.fields.get("eta")
        return Text(f"ETA {clock(eta)}" if eta is not None else "", style="progress.remaining")


class BatchDisplay:
    def __init__(self, console: Console, quiet: bool = False) -> None:
        self.console = console
        self.progress = Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            AudioColumn(),
            EtaColumn(),
            console=console,
            transient=True,
            disable=quiet or not console.is_terminal,
        )
        self.batch: TaskID | None = None
        self.scan: TaskID | None = None
        self.workers: dict[str, TaskID] = {}

    def __enter__(self) -> BatchDisplay:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(None, None, None)

    def __call__(self, step: str, *, completed: float | None = None, total: float | None = None, **info: Any) -> None:
        if step == "batch":
            if self.scan is not None:
                self.progress.remove_task(self.scan)
                self.scan = None
            done, files, failed = info.get("files_done", 0), info.get("files_total", 0), info.get("failed", 0)
            description = f"{done}/{files} files" + (f", {failed} failed" if failed else "")
            elapsed = info.get("elapsed") or 0.0
            rate = (completed or 0.0) / elapsed if elapsed > 0 else 0.0
            eta = ((total or 0.0) - (completed or 0.0)) / rate if rate > 0 else None
            if self.batch is None:
                self.batch = self.progress.add_task(description, total=total or None, eta=eta)
            self.progress.update(self.batch, description=description, completed=completed, total=total, eta=eta)
        elif step == "scan":  # hashing and probing the recordings, before any work
            if self.scan is None:
                self.scan = self.progress.add_task("scanning", total=total, state="")
            self.progress.update(self.scan, description=f"scanning {int(completed or 0)}/{total} files")
        elif step == "worker":
            self.worker(info["worker"], info.get("state", ""), info.get("file"), completed, total)
        elif step == "failed":
            self.console.print(
                Text.assemble(("failed:", "red"), f" {info['file']}: {info['message']}"), highlight=False
            )
        elif step == "warning":
            self.console.print(Text.assemble(("minutes: warning:", "yellow"), f" {info['message']}"), highlight=False)

    def worker(self, name: str, state: str, file: str | None, completed: float | None, total: float | None) -> None:
        if state == "lost":
            if name in self.workers:
                self.progress.remove_task(self.workers.pop(name))
            return
        if name not in self.workers:
            self.workers[name] = self.progress.add_task(f"  {name}", total=None, state="loading models")
        task = self.workers[name]
        if state == "busy" and file:
            self.progress.update(
                task,
                description=f"  {name} · {Path(file).name}",
                completed=completed or 0.0,
                total=total or None,
                state="busy",
            )
        else:
            self.progress.update(task, description=f"  {name}", completed=0, state=state)


def status_lines(out_dir: Path, summary: Summary) -> list[str]:
    c = summary.counts
    total = sum(c.values())
    lines = [
        f"{out_dir}: {total} recordings" + (" (a batch is running)" if summary.active else ""),
        "  " + ", ".join(f"{n} {status}" for status, n in c.items() if n or status in ("done", "pending")),
        f"  audio: {hours(summary.seconds_done)} done, {hours(summary.seconds_left)} left",
    ]
    if summary.throughput:
        lines.append(
            f"  throughput: {summary.throughput:.1f} audio hours per hour (latest run)"
            + (f", ETA {clock(summary.eta_seconds)}" if summary.seconds_left and summary.eta_seconds else "")
        )
    for path, reason in summary.failed[:20]:
        lines.append(f"  failed: {path}: {reason}")
    if len(summary.failed) > 20:
        lines.append(f"  ... and {len(summary.failed) - 20} more failed (--json lists all)")
    return lines


def report_lines(report: Any, out_dir: Path) -> list[str]:
    """The summary after a run (a `minutes.batch.runner.BatchReport`)."""
    plan, t = report.plan, report.totals
    where = (
        f"on Ray, {report.threads} thread(s) per actor"
        if report.backend == "ray"
        else (f"{report.workers} worker(s) x {report.threads} thread(s)")
    )
    lines = [
        f"{t.done_files} done ({t.transcribed} transcribed, {hours(t.done_seconds)} of audio), "
        f"{len(t.failed) + len(plan.failed_now)} failed, {plan.already_done} already done; {where}"
    ]
    for path, reason in [(r.path, r.reason or "") for r in plan.failed_now] + t.failed:
        lines.append(f"  failed: {path}: {reason}")
    if plan.failed_before:
        lines.append(f"  {plan.failed_before} failed in an earlier run: --retry-failed tries them again")
    for path, same in plan.duplicates:
        lines.append(f"  skipped: {path}: same content as {same}")
    if plan.missing:
        lines.append(f"  {plan.missing} pending recording(s) no longer found: skipped")
    lines.append(f"outputs and manifest in {out_dir}; `minutes batch status {out_dir}` for totals")
    return lines
