"""Processing a meeting in the background: the same job as `minutes run` (minutes.job.run_minutes), one at a time.

Progress comes from the job's Hook callbacks and is kept per stage (transcribe, speakers, draft) with the time
left estimated from each stage's own rate. Cancelling raises from inside the hook, so the job stops at its next
progress report and leaves the recording as it was.
"""

from __future__ import annotations

import queue
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from minutes.app.store import CANCELLED, FAILED, PROCESSING, QUEUED, READY, MeetingStore, template_for
from minutes.errors import MinutesError
from minutes.hooks import Hook
from minutes.job import RunOptions, meeting_from, run_minutes, transcript_path
from minutes.model import Transcript

STAGES = ("transcribe", "speakers", "draft")
# Hook steps -> the stage bar they move. "stage" events name the job's own stages.
STEP_STAGE = {"transcribe": "transcribe", "diarize": "speakers", "draft": "draft"}


class Cancelled(MinutesError):
    """The secretary cancelled processing."""


@dataclass
class StageProgress:
    completed: float = 0.0
    total: float | None = None
    started: float | None = None
    done: bool = False

    def view(self, now: float) -> dict[str, Any]:
        fraction = 1.0 if self.done else (self.completed / self.total if self.total else 0.0)
        left = None
        if not self.done and self.started and 0.02 < fraction < 1:
            elapsed = now - self.started
            left = elapsed * (1 - fraction) / fraction
        return {"fraction": round(min(max(fraction, 0.0), 1.0), 4), "seconds_left": left, "done": self.done}


@dataclass
class JobProgress:
    stages: dict[str, StageProgress] = field(default_factory=lambda: {s: StageProgress() for s in STAGES})
    current: str = ""
    warnings: list[str] = field(default_factory=list)
    cancel: threading.Event = field(default_factory=threading.Event)

    def enter(self, stage: str) -> None:
        if stage == self.current:
            return
        order = list(STAGES)
        for name in order[: order.index(stage)] if stage in order else order:
            self.stages[name].done = True
        self.current = stage
        if stage in self.stages and self.stages[stage].started is None:
            self.stages[stage].started = time.monotonic()

    def hook(self, step: str, *, completed: float | None = None, total: float | None = None, **info: Any) -> None:
        if self.cancel.is_set():
            raise Cancelled("processing was cancelled")
        if step == "warning":
            self.warnings.append(str(info.get("message", "")))
            return
        if step == "stage":
            name = str(info.get("name", ""))
            self.enter("speakers" if name == "speakers" else name if name in STAGES else "export")
            return
        stage = STEP_STAGE.get(step)
        if stage is None:
            return
        self.enter(stage)
        progress = self.stages[stage]
        if not total:
            return
        fraction = min(max((completed or 0.0) / total, 0.0), 1.0)
        if step == "diarize":  # pyannote reports segmentation, then speaker embeddings: half the bar each
            half = str(info.get("stage", ""))
            fraction = (
                fraction / 2 if half == "segmentation" else 0.5 + fraction / 2 if half == "embeddings" else fraction
            )
        progress.completed, progress.total = fraction, 1.0

    def view(self) -> dict[str, Any]:
        now = time.monotonic()
        return {
            "current": self.current,
            "stages": {name: stage.view(now) for name, stage in self.stages.items()},
            "warnings": self.warnings[-5:],
        }


Transcribe = Callable[[Any, Any, Hook], Transcript]  # (recording path, record, hook)


class Processor:
    """One worker thread: the models load once and stay loaded, and two meetings never fight for 2 cores."""

    def __init__(self, store: MeetingStore, transcribe: Transcribe, drafter: str = "extractive") -> None:
        self.store = store
        self.transcribe = transcribe
        self.drafter = drafter
        self.progress: dict[str, JobProgress] = {}
        self.queue: queue.Queue[str] = queue.Queue()
        self.on_ready: Callable[[str], None] = lambda meeting_id: None
        threading.Thread(target=self._work, name="minutes-app-jobs", daemon=True).start()

    def submit(self, meeting_id: str) -> None:
        record = self.store.get(meeting_id)
        record.status, record.error = QUEUED, ""
        self.store.save(record)
        self.progress[meeting_id] = JobProgress()
        self.queue.put(meeting_id)

    def cancel(self, meeting_id: str) -> bool:
        progress = self.progress.get(meeting_id)
        if progress is None:
            return False
        progress.cancel.set()
        return True

    def view(self, meeting_id: str) -> dict[str, Any] | None:
        progress = self.progress.get(meeting_id)
        return progress.view() if progress else None

    def _work(self) -> None:
        while True:
            meeting_id = self.queue.get()
            try:
                self._run(meeting_id)
            except Exception:  # a bug must not stop the worker for the meetings queued after this one
                traceback.print_exc()

    def _run(self, meeting_id: str) -> None:
        progress = self.progress[meeting_id]
        record = self.store.get(meeting_id)
        if progress.cancel.is_set():
            record.status, record.error = CANCELLED, ""
            self.store.save(record)
            return
        record.status = PROCESSING
        self.store.save(record)
        recording = self.store.file(meeting_id, record.recording)
        out_docx = recording.with_name(f"{recording.stem}.minutes.docx")
        try:
            meeting = meeting_from(dict(record.info), source="the meeting details")
            template = template_for(self.store, record)
            options = RunOptions(template=template, drafter=self.drafter, reuse_transcript=True)
            result = run_minutes(
                recording,
                out_docx,
                meeting,
                options,
                lambda path, hook: self.transcribe(path, record, hook),
                hook=progress.hook,
            )
        except Cancelled:
            record.status, record.error = CANCELLED, ""
        except MinutesError as exc:
            record.status, record.error = FAILED, str(exc)
        except Exception as exc:  # shown to the secretary as one line, like the CLI's errors
            traceback.print_exc()
            record.status, record.error = FAILED, f"processing failed: {type(exc).__name__}: {exc}"
        else:
            for stage in progress.stages.values():
                stage.done = True
            progress.enter("done")
            record = replace(
                self.store.get(meeting_id),
                status=READY,
                error="",
                duration=result.transcript.duration,
                transcript=transcript_path(recording, recording.parent).name,
                minutes=out_docx.with_suffix(".json").name,
            )
            self.on_ready(meeting_id)
        self.store.save(record)
