"""From the sources on the command line and the manifest, what this run must do.

Recordings are recognised by content (SHA-256, cached per path, size and mtime so an unchanged archive is not
read again): a moved or renamed recording that is done stays done. A done recording made with other settings is
done again, re-using its saved transcript when only the outputs' settings changed. Files that cannot be read as
audio are failed at once with the reason, without a worker.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from minutes import audio
from minutes.batch import AUDIO_EXTENSIONS
from minutes.batch.manifest import FileRecord, Manifest
from minutes.batch.work import BatchSettings, Task
from minutes.errors import MinutesError, UsageError
from minutes.hooks import Hook, null_hook
from minutes.model import Transcript


@dataclass
class Plan:
    tasks: list[Task] = field(default_factory=list)  # longest first
    already_done: int = 0
    failed_now: list[FileRecord] = field(default_factory=list)  # unreadable, found while planning
    failed_before: int = 0  # left failed (no --retry-failed)
    duplicates: list[tuple[Path, Path]] = field(default_factory=list)  # (skipped path, same content as)
    missing: int = 0  # pending rows whose recording is no longer where it was

    @property
    def seconds(self) -> float:
        return sum(t.duration or 0.0 for t in self.tasks)


def find_recordings(sources: list[Path]) -> list[tuple[Path, Path]]:
    """(recording, the source folder it was found under) for files as given and audio files under folders."""
    found: dict[Path, tuple[Path, Path]] = {}  # by real path: overlapping sources give each file once
    for source in sources:
        if source.is_dir():
            for path in sorted(source.rglob("*")):
                if path.is_file() and path.suffix.lower() in AUDIO_EXTENSIONS:
                    found.setdefault(path.resolve(), (path, source))
        elif source.is_file():
            found.setdefault(source.resolve(), (source, source.parent))
        else:
            raise UsageError(f"no such file or folder: {source}")
    return list(found.values())


def file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def content_hash(manifest: Manifest, path: Path) -> str:
    stat = path.stat()
    key = str(path.resolve())
    cached = manifest.cached_hash(key, stat.st_size, stat.st_mtime_ns)
    if cached:
        return cached
    digest = file_sha256(path)
    manifest.remember_hash(key, stat.st_size, stat.st_mtime_ns, digest)
    return digest


def output_place(manifest: Manifest, path: Path, root: Path, sha256: str) -> tuple[str, str]:
    """(folder relative to --out, stem): the source's folder layout, so same-named recordings in different folders
    do not collide; a clash that remains (two sources) gets a sub-folder named after the content."""
    relative = path.parent.relative_to(root).as_posix() if path.parent != root else "."
    if manifest.output_names_taken(relative, path.stem):
        relative = f"{relative}/{sha256[:8]}" if relative != "." else sha256[:8]
    return relative, path.stem


def probe_reason(path: Path) -> tuple[float | None, str | None]:
    try:
        return audio.probe(path).duration, None
    except MinutesError as exc:
        return None, " ".join(str(exc).split())


def make_plan(
    manifest: Manifest,
    sources: list[Path],
    out_root: Path,
    settings: BatchSettings,
    retry: bool,
    hook: Hook = null_hook,
) -> Plan:
    plan = Plan()
    seen: dict[str, Path] = {}
    todo: list[FileRecord] = []
    manifest.release_running("interrupted")  # a killed run's files: pending again, done whole
    found = find_recordings(sources)
    for index, (path, root) in enumerate(found):
        hook("scan", completed=index, total=len(found))
        try:
            sha = content_hash(manifest, path)
        except OSError as exc:  # unreadable: failed on its own (keyed by path, having no content), the batch goes on
            sha = hashlib.sha256(f"unreadable:{path.resolve()}".encode()).hexdigest()
            reason = f"cannot read {path} ({(exc.strerror or str(exc)).lower()}): check the file and its permissions"
            if manifest.get(sha) is None:
                out_dir, stem = output_place(manifest, path, root, sha)
                manifest.add(FileRecord(sha, str(path), 0, None, "failed", reason, out_dir, stem))
            else:
                manifest.set_status(sha, "failed", reason)
            plan.failed_now.append(FileRecord(sha, str(path), 0, None, "failed", reason, ".", path.stem))
            continue
        if sha in seen:
            plan.duplicates.append((path, seen[sha]))
            continue
        seen[sha] = path
        record = manifest.get(sha)
        if record is None:
            duration, reason = probe_reason(path)
            out_dir, stem = output_place(manifest, path, root, sha)
            record = FileRecord(
                sha, str(path), path.stat().st_size, duration, "failed" if reason else "pending", reason, out_dir, stem
            )
            manifest.add(record)
            if reason:
                plan.failed_now.append(record)
            else:
                todo.append(record)
            continue
        if record.path != str(path):
            manifest.seen_at(sha, str(path))  # moved or renamed: same recording
            record.path = str(path)
        if record.status == "done":
            same = record.transcript_key == settings.transcript_key and record.export_key == settings.export_key
            if same and outputs_present(out_root / record.out_dir, record.outputs):
                plan.already_done += 1
                continue  # else settings changed, or outputs were deleted: made again (from the transcript if kept)
        elif record.status == "failed":
            if not retry:
                plan.failed_before += 1
                continue
            duration, reason = probe_reason(path)
            if reason:
                manifest.set_status(sha, "failed", reason)
                plan.failed_now.append(record)
                continue
            record.duration = duration
        manifest.set_status(record.sha256, "pending", duration=record.duration)
        todo.append(record)
    for record in manifest.records("pending"):
        if record.sha256 not in seen and not Path(record.path).exists():
            manifest.set_status(record.sha256, "skipped", f"no longer at {record.path}")
            plan.missing += 1
    plan.tasks = sorted((make_task(r, out_root, settings) for r in todo), key=lambda t: (-(t.duration or 0.0), t.path))
    return plan


def outputs_present(out_dir: Path, names: list[str]) -> bool:
    return all((out_dir / name).is_file() for name in names)


def make_task(record: FileRecord, out_root: Path, settings: BatchSettings) -> Task:
    out_dir = out_root / record.out_dir
    remove_partial_writes(out_dir, record.stem)
    return Task(
        sha256=record.sha256,
        path=record.path,
        out_dir=str(out_dir),
        stem=record.stem,
        duration=record.duration,
        saved_transcript=reusable_transcript(record, out_dir, settings),
    )


def reusable_transcript(record: FileRecord, out_dir: Path, settings: BatchSettings) -> str | None:
    """The saved transcript JSON when it was made with the settings asked for now (only outputs changed)."""
    if record.transcript_key != settings.transcript_key:
        return None
    path = out_dir / f"{record.stem}.transcript.json"
    try:
        text = path.read_text(encoding="utf-8")
        provenance = Transcript.from_json(text).options.get("provenance", {})
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return text if provenance.get("transcript_key") == settings.transcript_key else None


def remove_partial_writes(out_dir: Path, stem: str) -> None:
    """Temp files a killed worker left mid-write (minutes.export writes `.NAME.RANDOM.tmp`, then renames): never an
    output, only litter."""
    with contextlib.suppress(OSError):
        for leftover in out_dir.glob(f".{glob.escape(stem)}.*.tmp"):
            leftover.unlink(missing_ok=True)
