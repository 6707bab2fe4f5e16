"""One file's work in a batch, the same wherever it runs (a local worker process or a Ray actor).

It calls the job code of `minutes transcribe` and `minutes run` (TranscriptPipeline, minutes.export,
minutes.job.run_minutes); nothing here transcribes or drafts on its own. A `FileJob` loads the models once and is
then handed one `Task` at a time; what it returns (`Outcome`) is what the driver records in the manifest.
"""

from __future__ import annotations

import hashlib
import json
import resource
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from minutes import __version__, export
from minutes.errors import MinutesError
from minutes.hooks import Hook, null_hook
from minutes.model import MeetingInfo, Transcript

MINUTES_SUFFIX = ".minutes.docx"


@dataclass(frozen=True)
class BatchSettings:
    """What the user asked for; split into what shapes the transcript and what shapes the other outputs, so a
    changed option redoes only what it affects."""

    model: str | None = None  # as given (catalog id or folder)
    model_id: str = ""  # resolved: the catalog id or the model folder, so a key never depends on the spelling
    language: str | None = None
    compute_type: str = "int8"
    diarize: bool = False
    formats: tuple[str, ...] = ("txt", "srt", "json")
    minutes: bool = False
    drafter: str = "extractive"
    template: str = "auto"
    threads: int = 1  # per worker

    @property
    def diarizes(self) -> bool:
        return self.diarize or self.minutes  # minutes need speakers, as `minutes run` does

    def transcript_settings(self) -> dict[str, Any]:
        return {
            "model": self.model_id,
            "language": self.language,
            "compute_type": self.compute_type,
            "diarize": self.diarizes,
        }

    def export_settings(self) -> dict[str, Any]:
        return {
            "formats": sorted(self.formats),
            "minutes": self.minutes,
            "drafter": self.drafter if self.minutes else None,
            "template": self.template if self.minutes else None,
        }

    @property
    def transcript_key(self) -> str:
        return _key(self.transcript_settings())

    @property
    def export_key(self) -> str:
        return _key(self.export_settings())

    def provenance(self) -> dict[str, Any]:
        return {"minutes_version": __version__, **self.transcript_settings(), **self.export_settings()}

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "formats": list(self.formats)}


def _key(values: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Task:
    sha256: str
    path: str  # the recording, as the driver sees it
    out_dir: str
    stem: str
    duration: float | None = None
    saved_transcript: str | None = None  # JSON of a transcript made with the same settings: only re-export


@dataclass
class Outcome:
    sha256: str
    outputs: list[str] = field(default_factory=list)  # file names in the task's out_dir
    transcribed: bool = False
    duration: float | None = None
    language: str | None = None
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    rss_mb: float = 0.0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


def rss_mb() -> float:
    """Peak resident memory of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class FileJob:
    """Models loaded once for a worker's life; `run` makes one recording's outputs."""

    def __init__(self, settings: BatchSettings, load: bool = True) -> None:
        self.settings = settings
        self._pipeline: Any = None
        self.drafter: Any = None
        self.load_seconds = 0.0
        if settings.minutes:
            from minutes.job import make_drafter

            self.drafter = make_drafter(settings.drafter)
        if load:  # else on the first file that needs transcribing: a run that only re-exports needs no model
            self.pipeline  # noqa: B018

    @property
    def pipeline(self) -> Any:
        if self._pipeline is None:
            from minutes.pipeline import TranscriptPipeline
            from minutes.transcribe import TranscribeOptions

            started = time.perf_counter()
            self._pipeline = TranscriptPipeline.load(
                self.settings.model,
                compute_type=self.settings.compute_type,
                threads=self.settings.threads,
                options=TranscribeOptions(language=self.settings.language),
                diarize=self.settings.diarizes,
            )
            self.load_seconds = time.perf_counter() - started
        return self._pipeline

    def run(self, task: Task, source: Path, out_dir: Path, hook: Hook = null_hook) -> Outcome:
        """`source` is the recording on this machine (a copy, on a Ray node); outputs go to `out_dir`."""
        started, cpu_started = time.perf_counter(), time.process_time()
        outcome = Outcome(task.sha256)
        warnings: list[str] = []

        def collect(step: str, **info: Any) -> None:
            if step == "warning":
                warnings.append(str(info.get("message", "")))
            hook(step, **info)

        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            if task.saved_transcript is not None:
                transcript = Transcript.from_json(task.saved_transcript)
            else:
                transcript = self.transcribe(task, source, collect)
                outcome.transcribed = True
            outcome.outputs = [p.name for p in self.write(task, source, transcript, out_dir, collect)]
            outcome.duration, outcome.language = transcript.duration, transcript.language
        except MinutesError as exc:
            outcome.error = " ".join(str(exc).split())  # one line, whatever the message held
        outcome.wall_seconds = time.perf_counter() - started
        outcome.cpu_seconds = time.process_time() - cpu_started  # all threads of this process
        outcome.rss_mb = rss_mb()
        outcome.warnings = warnings
        return outcome

    def transcribe(self, task: Task, source: Path, hook: Hook) -> Transcript:
        transcript = self.pipeline.run(source, hook=hook)
        provenance = {
            **self.settings.provenance(),
            "sha256": task.sha256,
            "transcript_key": self.settings.transcript_key,
        }
        # the driver's path, not a Ray node's copy; the settings that made it, so a later run can tell
        return replace(transcript, source=task.path, options={**transcript.options, "provenance": provenance})

    def write(self, task: Task, source: Path, transcript: Transcript, out_dir: Path, hook: Hook) -> list[Path]:
        """The outputs of `minutes transcribe` (and with --minutes those of `minutes run`), atomically each."""
        from minutes.job import transcript_path

        # Named after the manifest's stem, which stays the same when the recording is renamed later.
        named = out_dir / f"{task.stem}{source.suffix}"
        written = []
        if self.settings.minutes:
            written += self.draft(task, named, transcript, out_dir, hook)
        else:
            written.append(export.write(transcript, "json", transcript_path(named, out_dir)))
        for fmt in self.settings.formats:
            if fmt != "json":  # the transcript JSON above is the json output
                written.append(export.write(transcript, fmt, out_dir / f"{task.stem}.{fmt}"))
        return list(dict.fromkeys(written))

    def draft(self, task: Task, named: Path, transcript: Transcript, out_dir: Path, hook: Hook) -> list[Path]:
        from minutes.job import RunOptions, run_minutes

        options = RunOptions(template=self.settings.template, drafter=self.settings.drafter, reuse_transcript=False)
        result = run_minutes(
            named,
            out_dir / f"{task.stem}{MINUTES_SUFFIX}",
            MeetingInfo(),
            options,
            lambda _path, _hook: transcript,  # transcribed above (or saved): run_minutes drafts and exports
            hook=hook,
            drafter=self.drafter,
        )
        minutes_json = out_dir / f"{task.stem}.minutes.json"
        data = json.loads(minutes_json.read_text(encoding="utf-8"))
        data["source"] = task.path
        data["provenance"] = {**self.settings.provenance(), "sha256": task.sha256, "transcript_model": transcript.model}
        export.write_text_atomic(json.dumps(data, ensure_ascii=False, indent=2), minutes_json)
        return result.outputs
