"""The main job: a recording in, draft minutes out (Word document, plus transcript and minutes as json/md).

transcribe -> diarize -> align -> draft -> export, with the transcript saved beside the minutes and reused on a
re-run (drafting again with another template or drafter needs no new transcription).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from minutes import export
from minutes.draft import DraftError, DraftOptions
from minutes.errors import MinutesError, ModelError, UsageError
from minutes.export.minutes_text import write_minutes
from minutes.hooks import Hook, null_hook
from minutes.model import MeetingInfo, Minutes, Transcript

DRAFTERS = ("auto", "llm", "hybrid", "extractive")


@dataclass(frozen=True)
class LLMSettings:
    """Which LLM drafts: the catalog's by default, any local GGUF (`model`), or a server the user names (`url`)."""

    model: str | None = None  # a .gguf path or catalog id; with `url`, the model's name on that server
    url: str | None = None  # an OpenAI-compatible server: nothing is sent anywhere unless this is set
    api_key: str | None = None  # for that server; else the MINUTES_LLM_API_KEY environment variable
    threads: int = 0

    @property
    def given(self) -> bool:
        return bool(self.model or self.url)


@dataclass
class RunOptions:
    template: str = "auto"  # auto: bien-ban for Vietnamese meetings, general otherwise; or a .docx path
    minutes_language: str | None = None
    # extractive until the 1.5B LLM's drafts are measured reliable enough to be the default; auto: LLM if installed
    drafter: str = "extractive"
    reuse_transcript: bool = True
    appendix: bool = False  # the transcript as an appendix of the Word document
    notice: bool = False  # also the conclusion notice (thông báo kết luận, Decree 30/2020) beside the minutes
    normalize: bool = True  # numbers, dates, agencies and names in written form (minutes.normalize); JSON untouched
    llm: LLMSettings = field(default_factory=LLMSettings)
    search_index: bool = True  # add the meeting to the archive search index (`minutes search` / `ask`)


@dataclass
class RunResult:
    docx: Path
    outputs: list[Path]
    transcript: Transcript
    minutes: Minutes
    drafter: str
    reused_transcript: bool
    warnings: list[str] = field(default_factory=list)


def load_meta(path: Path) -> MeetingInfo:
    """Meeting details from a YAML or JSON file; unknown keys are an error naming the accepted ones."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"no such meta file: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read meta file {path}: {exc}") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UsageError(
            f"meta file {path} is not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {first}"
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UsageError(f"meta file {path} must hold key: value pairs (title, date, place, chair, attendees, ...)")
    return meeting_from(data, source=str(path))


def meeting_from(data: dict[str, Any], source: str = "options") -> MeetingInfo:
    known = {f.name for f in fields(MeetingInfo)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise UsageError(f"unknown meeting field(s) {', '.join(unknown)} in {source}: use {', '.join(sorted(known))}")
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("attendees", "absent", "recipients", "glossary"):
            items = value if isinstance(value, list) else str(value or "").split(",")
            values[key] = [str(v).strip() for v in items if str(v).strip()]
        else:
            values[key] = "" if value is None else str(value).strip()
    return MeetingInfo(**values)


def transcript_path(recording: Path, out_dir: Path) -> Path:
    return out_dir / f"{recording.stem}.transcript.json"


def saved_transcript(recording: Path, out_dir: Path) -> Transcript | None:
    """A transcript saved by an earlier run of this recording, if still newer than the recording."""
    path = transcript_path(recording, out_dir)
    try:
        if path.stat().st_mtime < recording.stat().st_mtime:
            return None
        transcript = Transcript.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return transcript if transcript.source and Path(transcript.source).name == recording.name else None


def notice_path(out_docx: Path) -> Path:
    """meeting.minutes.docx -> meeting.thong-bao.docx, beside it."""
    return out_docx.with_name(f"{out_docx.stem.removesuffix('.minutes')}.thong-bao.docx")


def shown_transcript(transcript: Transcript, meeting: MeetingInfo, options: RunOptions) -> Transcript:
    """The transcript as readers see it (md, Word appendix): normalised text; the saved JSON stays as heard."""
    if not options.normalize:
        return transcript
    from minutes.normalize import normalize_transcript

    return normalize_transcript(transcript, meeting)


def choose_template(template: str, language: str) -> str:
    if template == "auto":
        return "bien-ban" if language == "vi" else "general"
    return template


def make_hybrid_drafter(llm: LLMSettings) -> Any:
    """The extractive drafter's selection worded by the LLM `llm` names (a server's, or llama.cpp's)."""
    from minutes.draft.hybrid import HybridDrafter

    if llm.url:
        from minutes.draft.remote import OpenAIEngine

        engine: Any = OpenAIEngine(llm.url, model=llm.model, api_key=llm.api_key)
        return HybridDrafter(engine, name=f"hybrid:server:{engine.model}")
    from minutes.draft.llm import LlamaCppEngine, model_name, resolve_gguf

    path = resolve_gguf(llm.model)
    engine = LlamaCppEngine(path, threads=llm.threads, context=4096)  # parts are short: half the default context
    return HybridDrafter(engine, name=f"hybrid:{model_name(path)}")


def make_llm_drafter(llm: LLMSettings) -> Any:
    """The LLM drafter `llm` names: a server's (only when a URL is given), else llama.cpp on a local GGUF."""
    if llm.url:
        from minutes.draft.remote import RemoteDrafter

        return RemoteDrafter(llm.url, model=llm.model, api_key=llm.api_key)
    from minutes.draft.llm import LlamaCppDrafter

    return LlamaCppDrafter(llm.model, threads=llm.threads)


def check_llm(llm: LLMSettings, drafter: str) -> None:
    """Fail now, before any transcription, on a model file that is no GGUF or a server that is wrong or away
    (asked only when the LLM is required: with auto, a missing server means drafting without it, later)."""
    if llm.url:
        from minutes.draft.remote import OpenAIEngine, api_base

        api_base(llm.url)
        if drafter in ("llm", "hybrid"):
            OpenAIEngine(llm.url, model=llm.model, api_key=llm.api_key)
    elif llm.model:
        from minutes.draft.llm import resolve_gguf

        resolve_gguf(llm.model)


def make_drafter(name: str, hook: Hook = null_hook, llm: LLMSettings | None = None) -> Any:
    """The LLM drafter when asked for (or, with auto, when its model is installed); the extractive one otherwise."""
    from minutes.draft.extractive import ExtractiveDrafter

    if name not in DRAFTERS:
        raise UsageError(f"unknown drafter {name!r}: choose {', '.join(DRAFTERS)}")
    if name == "extractive":
        return ExtractiveDrafter()
    try:
        if name == "hybrid":
            return make_hybrid_drafter(llm or LLMSettings())
        return make_llm_drafter(llm or LLMSettings())
    except (ModelError, ImportError) as exc:
        if name in ("llm", "hybrid"):
            raise
        hook("warning", message=f"LLM drafter unavailable ({exc}); drafting without an LLM")
        return ExtractiveDrafter()


def draft_minutes(
    transcript: Transcript, meeting: MeetingInfo, drafter: Any, options: DraftOptions, hook: Hook
) -> tuple[Minutes, str]:
    """Draft with `drafter`; an LLM that fails (invalid output after retries) falls back to extractive."""
    from minutes.draft.extractive import ExtractiveDrafter

    try:
        return drafter.draft(transcript, meeting, options, hook), drafter.name
    except DraftError as exc:
        if isinstance(drafter, ExtractiveDrafter):
            raise MinutesError(f"drafting failed: {exc}") from None
        hook("warning", message=f"{drafter.name} failed ({exc}); drafted without an LLM instead")
        fallback = ExtractiveDrafter()
        return fallback.draft(transcript, meeting, options, hook), fallback.name


def with_attendees(meeting: MeetingInfo, transcript: Transcript) -> MeetingInfo:
    """Attendees from the meta file, else the named speakers heard in the recording."""
    if meeting.attendees:
        return meeting
    named = []
    for segment in transcript.segments:
        if segment.speaker and not segment.speaker.startswith("SPEAKER_") and segment.speaker not in named:
            named.append(segment.speaker)
    return replace(meeting, attendees=named)


def with_recording_times(meeting: MeetingInfo, recording: Path, duration: float) -> MeetingInfo:
    """Date, start and end time from the recording itself, for the fields the secretary left blank.

    The wall clock at the first sample comes from, in order: a `minutes record` session's manifest beside the
    recording, the container's `creation_time` tag (phones and recorders write it), else the file's modification
    time taken as the end of the recording (when a recorder closes the file). Local time, as the minutes print it.
    """
    if meeting.date and meeting.start_time and meeting.end_time:
        return meeting
    from datetime import datetime, timedelta

    start: datetime | None = None
    try:
        manifest = json.loads((recording.parent / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") == "minutes.recording" and manifest.get("started"):
            start = datetime.fromisoformat(manifest["started"]).astimezone()
    except (OSError, ValueError, TypeError, AttributeError):
        start = None
    if start is None:
        try:
            import av

            with av.open(str(recording)) as container:
                tag = container.metadata.get("creation_time") or ""
            start = datetime.fromisoformat(tag.replace("Z", "+00:00")).astimezone() if tag else None
        except (OSError, ValueError, av.error.FFmpegError):
            start = None
    if start is None:
        try:
            start = datetime.fromtimestamp(recording.stat().st_mtime).astimezone() - timedelta(seconds=duration)
        except OSError:
            return meeting
    if meeting.date and meeting.date != start.strftime("%Y-%m-%d"):
        return meeting  # the file's clock is not the meeting's (copied later?): leave the times to the secretary
    end = start + timedelta(seconds=duration)
    return replace(
        meeting,
        date=meeting.date or start.strftime("%Y-%m-%d"),
        start_time=meeting.start_time or start.strftime("%H:%M"),
        end_time=meeting.end_time or end.strftime("%H:%M"),
    )


def run_minutes(
    recording: Path,
    out_docx: Path,
    meeting: MeetingInfo,
    options: RunOptions,
    transcribe: Callable[[Path, Hook], Transcript],
    hook: Hook = null_hook,
    drafter: Any = None,
) -> RunResult:
    """Run the whole job for one recording. `transcribe` is the (loaded) transcription + diarization stage."""
    out_dir = out_docx.parent
    warnings: list[str] = []

    def warn(step: str, **info: Any) -> None:
        if step == "warning":
            warnings.append(info.get("message", ""))
        hook(step, **info)

    transcript = saved_transcript(recording, out_dir) if options.reuse_transcript else None
    reused = transcript is not None
    if transcript is None:
        hook("stage", name="transcribe")
        transcript = transcribe(recording, warn)
    outputs = [
        export.write(transcript, "json", transcript_path(recording, out_dir)),
        export.write(shown_transcript(transcript, meeting, options), "md", out_dir / f"{recording.stem}.transcript.md"),
    ]
    meeting = with_recording_times(with_attendees(meeting, transcript), recording, transcript.duration)
    hook("stage", name="draft")
    if not transcript.text:  # no speech: the extractive drafter writes minutes that say so, in the right language
        from minutes.draft.extractive import ExtractiveDrafter

        drafter = ExtractiveDrafter()
    drafter = drafter or make_drafter(options.drafter, warn, options.llm)
    draft_options = DraftOptions(language=options.minutes_language)
    minutes, used = draft_minutes(transcript, meeting, drafter, draft_options, warn)
    minutes = replace(minutes, source=str(recording), drafter=used)
    if options.normalize:
        from minutes.normalize import normalize_minutes

        minutes = normalize_minutes(minutes)
    hook("stage", name="export")
    template = choose_template(options.template, minutes.language)
    appendix = shown_transcript(transcript, meeting, options) if options.appendix else None
    docx = write_minutes(minutes, "docx", out_docx, template=template, transcript=appendix)
    if options.notice:  # before the minutes' own files: the index reads the transcript first, the json last
        outputs.append(write_minutes(minutes, "docx", notice_path(out_docx), template="thong-bao"))
    outputs += [
        docx,
        write_minutes(minutes, "md", out_docx.with_suffix(".md")),
        write_minutes(minutes, "json", out_docx.with_suffix(".json")),
    ]
    if options.search_index and transcript.text:
        from minutes.search.archive import index_meeting

        hook("stage", name="index")  # after the outputs are on disk: a failure to index is one warning
        index_meeting(outputs[0], lambda line: warn("warning", message=line), minutes_json=outputs[-1])
    return RunResult(docx, outputs, transcript, minutes, used, reused, warnings)
