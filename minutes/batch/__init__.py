"""Transcribe many recordings: expand folders, go on past bad files, report each file's outcome."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from minutes import export
from minutes.errors import MinutesError, OutputError
from minutes.hooks import Hook, null_hook
from minutes.model import Transcript
from minutes.pipeline import TranscriptPipeline

AUDIO_EXTENSIONS = frozenset(
    [
        *(".wav", ".flac", ".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".webm", ".wma", ".amr", ".aiff", ".aif"),
        *(".mp4", ".m4v", ".mkv", ".mov", ".avi", ".3gp"),
    ]
)


@dataclass
class FileResult:
    source: Path
    outputs: list[Path] = field(default_factory=list)
    transcript: Transcript | None = None
    wall_seconds: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def expand_inputs(paths: Iterable[Path]) -> list[Path]:
    """Files as given; folders are searched recursively for audio and video files, in name order."""
    result: list[Path] = []
    for path in paths:
        if path.is_dir():
            result.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS))
        else:
            result.append(path)
    return result


def check_writable(directory: Path) -> None:
    """Fail before hours of transcription, not after: create the folder and write a probe file."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".minutes-probe-"):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise OutputError(f"cannot write to {directory}: {reason.lower()}; choose another folder with -o") from None


def output_dir_for(source: Path, out_dir: Path | None) -> Path:
    """`-o DIR` if given, else beside the input; a read-only input folder falls back to the current folder."""
    if out_dir is not None:
        return out_dir
    parent = source.resolve().parent
    return parent if _writable(parent) else Path.cwd()


def _writable(directory: Path) -> bool:
    """Also honour a folder's missing write bits when running as root, who could write there anyway."""
    try:
        return os.access(directory, os.W_OK) and bool(directory.stat().st_mode & 0o222)
    except OSError:
        return False


def output_paths(source: Path, directory: Path, formats: Sequence[str]) -> dict[str, Path]:
    """`DIR/<stem>.<fmt>`, never the input itself (a `<stem>.transcript.<fmt>` name avoids that)."""
    paths = {}
    for fmt in formats:
        path = directory / f"{source.stem}.{fmt}"
        if path.resolve() == source.resolve():
            path = directory / f"{source.stem}.transcript.{fmt}"
        paths[fmt] = path
    return paths


def transcribe_files(
    files: Sequence[Path],
    pipeline: TranscriptPipeline,
    formats: Sequence[str],
    out_dir: Path | None = None,
    hook: Hook = null_hook,
    on_done: Callable[[FileResult], None] | None = None,
) -> list[FileResult]:
    """Transcribe (and diarize, if the pipeline does) each file and write its outputs; the batch goes on past
    a failed file, which is recorded."""
    results = []
    for index, source in enumerate(files):
        result = FileResult(source)
        started = time.perf_counter()
        hook("file", completed=index, total=len(files), file=source)
        try:
            directory = output_dir_for(source, out_dir)
            check_writable(directory)
            transcript = pipeline.run(source, hook=hook)
            result.transcript = transcript
            for fmt, path in output_paths(source, directory, formats).items():
                result.outputs.append(export.write(transcript, fmt, path))
        except MinutesError as exc:
            result.error = str(exc)
        result.wall_seconds = time.perf_counter() - started
        results.append(result)
        if on_done:
            on_done(result)
    hook("file", completed=len(files), total=len(files))
    return results
