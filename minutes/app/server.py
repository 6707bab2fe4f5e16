"""The app's HTTP side (Starlette): server-rendered pages, a small JSON API, the recording for the player.

Routes only translate HTTP to the package: meetings come from `store`, processing from `jobs` (the `minutes run`
job), edits from `editor`. Every route runs behind `security.Guard`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from minutes.app import i18n
from minutes.app.editor import MeetingEditor, StaleEdit
from minutes.app.jobs import STAGES, Processor
from minutes.app.recording import LiveRecording, input_devices
from minutes.app.store import (
    FAILED,
    PROCESSING,
    QUEUED,
    READY,
    USER_TEMPLATE,
    Forbidden,
    MeetingRecord,
    MeetingStore,
    NotFound,
    file_mtime,
)
from minutes.errors import AudioError, MinutesError
from minutes.hooks import Hook
from minutes.model import Transcript

HERE = Path(__file__).parent
MEETING_FIELDS = ("title", "date", "start_time", "end_time", "place", "chair", "secretary", "attendees")
TEMPLATES = ("auto", "general", "bien-ban", "thong-bao", USER_TEMPLATE)
# What the browser may call a recording; anything else is refused before a byte is stored. The decoder decides.
AUDIO_TYPES = ("audio/", "video/")
UNTYPED = ("", "application/octet-stream", "application/ogg")  # what browsers send for .opus, .mkv, ... too


@dataclass
class AppConfig:
    meetings_dir: Path
    max_upload: int = 4 * 1024**3  # bytes: a 3-hour WAV at 48 kHz stereo is about 2 GB
    model: str | None = None  # speech model, as `minutes run --model`
    threads: int = 0
    drafter: str = "extractive"


def default_transcribe(config: AppConfig) -> Any:
    """The `minutes run` transcription stage, its models loaded on first use and kept for the next meeting."""
    loaded: dict[str, Any] = {}

    def transcribe(path: Path, record: MeetingRecord, hook: Hook) -> Transcript:
        from minutes.pipeline import TranscriptPipeline
        from minutes.speakers import ProfileStore
        from minutes.transcribe import TranscribeOptions, check_language

        options = TranscribeOptions(language=check_language(record.language))
        if "pipeline" not in loaded:
            loaded["pipeline"] = TranscriptPipeline.load(config.model, threads=config.threads, options=options)
        # voice profiles read again for each meeting: one saved in the review names that voice from now on
        profiles = ProfileStore().list() if loaded["pipeline"].diarizer is not None else []
        return replace(loaded["pipeline"], transcribe_options=options, profiles=profiles).run(path, hook=hook)

    return transcribe


def create_app(config: AppConfig, transcribe: Any = None) -> Starlette:
    store = MeetingStore(config.meetings_dir)
    for record in store.list():  # a job cut off by a closed app: say so, and offer to run it again
        if record.status in (QUEUED, PROCESSING):
            record.status, record.error = FAILED, "the app was closed while this meeting was processed: process again"
            store.save(record)
    recover_sessions(store)
    processor = Processor(store, transcribe or default_transcribe(config), drafter=config.drafter)
    live: dict[str, Any] = {}  # the recording in progress, and the live transcriber kept loaded
    editors: dict[str, MeetingEditor] = {}
    processor.on_ready = lambda meeting_id: editors.pop(meeting_id, None)
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))

    def editor(meeting_id: str) -> MeetingEditor:
        record = store.get(meeting_id)
        if record.status != READY:
            raise NotFound(meeting_id)
        if meeting_id not in editors:
            editors[meeting_id] = MeetingEditor(store, record)
        return editors[meeting_id]

    def page(request: Request, name: str, **context: Any) -> HTMLResponse:
        lang = i18n.pick(request.cookies.get("minutes_lang"))
        text = i18n.TEXT[lang]
        html = env.get_template(name).render(t=text, lang=lang, path=request.url.path, **context)
        return HTMLResponse(html)

    def listing(record: MeetingRecord) -> dict[str, Any]:
        return {**asdict(record), "date": record.date}

    # -- pages ------------------------------------------------------------------------------------------------

    async def home(request: Request) -> Response:
        return page(request, "list.html", meetings=[listing(r) for r in store.list()])

    async def new(request: Request) -> Response:
        return page(request, "new.html", max_upload=config.max_upload)

    async def record_page(request: Request) -> Response:
        devices = await run_in_threadpool(input_devices)
        return page(request, "record.html", devices=devices)

    async def meeting(request: Request) -> Response:
        record = store.get(request.path_params["id"])
        if record.status == READY:
            return page(request, "review.html", meeting=listing(record))
        return page(request, "progress.html", meeting=listing(record), stages=STAGES)

    async def search_page(request: Request) -> Response:
        from minutes.app.search import find

        query = request.query_params.get("q", "").strip()[:500]
        hits, message = [], ""
        if query:
            try:
                hits = await run_in_threadpool(find, store, query)
            except FileNotFoundError:
                message = i18n.TEXT[i18n.pick(request.cookies.get("minutes_lang"))]["search_no_index"]
        return page(request, "search.html", query=query, hits=hits, message=message)

    async def language(request: Request) -> Response:
        code = request.path_params["code"]
        target = request.query_params.get("next", "/")
        target = target if target.startswith("/") and not target.startswith(("//", "/\\")) else "/"  # no other site
        response = RedirectResponse(target, status_code=303)
        if code in i18n.LANGUAGES:
            response.set_cookie("minutes_lang", code, samesite="strict", httponly=True)
        return response

    # -- meetings ---------------------------------------------------------------------------------------------

    async def meetings(request: Request) -> Response:
        return JSONResponse([listing(r) for r in store.list()])

    async def upload(request: Request) -> Response:
        """The recording as the raw request body (streamed to disk, never held in memory), then checked."""
        name = unquote(request.headers.get("x-filename", "recording")).replace("\\", "/").split("/")[-1]
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind not in UNTYPED and not kind.startswith(AUDIO_TYPES):
            return error(415, f"{name} is not a recording ({kind}): choose an audio or video file")
        size = int(request.headers.get("content-length") or 0)
        if size > config.max_upload:
            return error(413, too_big(name, config.max_upload))
        title = unquote(request.headers.get("x-title", "")).strip()
        record, target = store.create(title, name)
        folder = target.parent
        written = 0
        try:
            with open(target, "wb") as handle:
                async for chunk in request.stream():
                    written += len(chunk)
                    if written > config.max_upload:
                        raise ValueError(too_big(name, config.max_upload))
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            modified = request.headers.get("x-last-modified", "")
            file_mtime(target, float(modified) / 1000 if modified.isdigit() else None)
            from minutes import audio

            info = await run_in_threadpool(audio.probe, target)
        except (ValueError, AudioError, OSError) as exc:
            shutil.rmtree(folder, ignore_errors=True)  # a folder this request made: nothing else is touched
            status = 413 if isinstance(exc, ValueError) else 415
            message = str(exc) if not isinstance(exc, AudioError) else f"{name} is not a recording minutes can read"
            return error(status, message if status == 413 else f"{message}: choose an audio or video file")
        record.duration = info.duration
        store.save(record)
        return JSONResponse({"id": record.id, "duration": info.duration}, status_code=201)

    async def template(request: Request) -> Response:
        """The secretary's own Word template for this meeting: checked by the Word writer's own loader."""
        record = store.get(request.path_params["id"])
        target = store.file(record.id, USER_TEMPLATE)
        data = await request.body()
        if len(data) > 50 * 1024**2:
            return error(413, "a Word template larger than 50 MB is not a template: choose the .docx file")
        from minutes.export.docx import load_template

        target.write_bytes(data)
        try:
            await run_in_threadpool(load_template, target)
        except MinutesError:
            target.unlink(missing_ok=True)
            name = unquote(request.headers.get("x-filename", "the template"))
            return error(415, f"{name} is not a Word template (.docx): save it from Word as .docx")
        return JSONResponse({"template": USER_TEMPLATE}, status_code=201)

    async def process(request: Request) -> Response:
        meeting_id = request.path_params["id"]
        record = store.get(meeting_id)
        if record.status in (QUEUED, PROCESSING):
            return error(409, "this meeting is already being processed")
        body = await json_body(request)
        if isinstance(body.get("details"), dict):  # none given ("process again"): keep what was typed before
            details = body["details"]
            record.info = {k: v for k, v in details.items() if k in MEETING_FIELDS and v}
            record.title = str(details.get("title") or record.title)
            record.template = body.get("template") if body.get("template") in TEMPLATES else "auto"
            if record.template == USER_TEMPLATE and not store.file(record.id, USER_TEMPLATE).is_file():
                return error(400, "upload the Word template first, or choose a built-in template")
            record.language = str(body.get("language") or "auto")
        from minutes.job import meeting_from
        from minutes.transcribe import check_language

        meeting_from(record.info, source="the meeting details")  # refuse bad details now, not in the worker

        check_language(record.language)
        store.save(record)
        editors.pop(meeting_id, None)
        processor.submit(meeting_id)
        return JSONResponse({"id": meeting_id, "status": QUEUED})

    async def progress(request: Request) -> Response:
        record = store.get(request.path_params["id"])
        return JSONResponse(
            {"status": record.status, "error": record.error, "progress": processor.view(record.id) or None}
        )

    async def cancel(request: Request) -> Response:
        store.get(request.path_params["id"])
        return JSONResponse({"cancelled": processor.cancel(request.path_params["id"])})

    async def rename(request: Request) -> Response:
        title = str((await json_body(request)).get("title", "")).strip()
        if not title:
            return error(400, "a meeting needs a title")
        return JSONResponse(listing(store.rename(request.path_params["id"], title)))

    async def delete(request: Request) -> Response:
        meeting_id = request.path_params["id"]
        if store.get(meeting_id).status in (QUEUED, PROCESSING):
            return error(409, "cancel the processing before deleting this meeting")
        editors.pop(meeting_id, None)
        trashed = store.delete(meeting_id)
        return JSONResponse({"trash": str(trashed)})

    async def recording(request: Request) -> Response:
        record = store.get(request.path_params["id"])
        path = store.file(record.id, record.recording)
        if not path.is_file():
            raise NotFound(record.recording)
        return FileResponse(path, headers={"cache-control": "private, max-age=3600"})

    async def download(request: Request) -> Response:
        path = store.file(request.path_params["id"], request.path_params["name"])
        if not path.is_file() or not path.parent.name == "export":
            raise NotFound(request.path_params["name"])
        return FileResponse(path, filename=path.name)

    # -- review -----------------------------------------------------------------------------------------------

    async def state(request: Request) -> Response:
        meeting_editor = await run_in_threadpool(editor, request.path_params["id"])
        return JSONResponse(await run_in_threadpool(meeting_editor.state))

    async def edit(request: Request) -> Response:
        body = await json_body(request)
        meeting_editor = editor(request.path_params["id"])
        if not isinstance(body.get("op"), dict):
            return error(400, "an edit needs an op")
        await run_in_threadpool(meeting_editor.edit, body["op"], int(body.get("version", -1)))
        return JSONResponse(await run_in_threadpool(meeting_editor.state))

    async def undo(request: Request) -> Response:
        body = await json_body(request)
        meeting_editor = editor(request.path_params["id"])
        redo = request.url.path.endswith("/redo")
        await run_in_threadpool(meeting_editor.undo, int(body.get("version", -1)), redo)
        return JSONResponse(await run_in_threadpool(meeting_editor.state))

    async def redraft(request: Request) -> Response:
        body = await json_body(request)
        meeting_editor = editor(request.path_params["id"])
        version = int(body.get("version", -1))
        if version != meeting_editor.version:
            raise StaleEdit("the meeting changed in another tab or window: reload the page")
        topic = body.get("topic")
        drafter = str(body.get("drafter") or config.drafter)
        await run_in_threadpool(meeting_editor.redraft, drafter, int(topic) if topic is not None else None)
        return JSONResponse(await run_in_threadpool(meeting_editor.state))

    async def voice(request: Request) -> Response:
        body = await json_body(request)
        meeting_editor = editor(request.path_params["id"])
        profile = await run_in_threadpool(meeting_editor.save_voice, str(body.get("speaker", "")))
        return JSONResponse({"name": profile.name, "seconds": profile.seconds})

    # -- recording from a microphone ----------------------------------------------------------------------------

    async def record_start(request: Request) -> Response:
        current = live.get("recording")
        if current is not None and current.running:
            return error(409, "a recording is already running: stop it first")
        body = await json_body(request)
        from minutes.transcribe import Transcriber, check_language

        language = check_language(str(body.get("language") or "auto"))
        device = body.get("device")
        device = int(device) if isinstance(device, int) or str(device or "").isdigit() else (device or None)
        if "transcriber" not in live:  # loaded once, kept for the next recording
            live["transcriber"] = await run_in_threadpool(Transcriber, config.model, threads=config.threads)
        recording = LiveRecording(store.root, device, str(body.get("title") or ""), language, live["transcriber"])
        folder = await run_in_threadpool(recording.start)
        live["recording"] = recording
        return JSONResponse({"session": folder.name}, status_code=201)

    async def record_state(request: Request) -> Response:
        recording = live.get("recording")
        return JSONResponse(recording.view() if recording else {"running": False})

    async def record_pause(request: Request) -> Response:
        recording = live.get("recording")
        if recording is None or not recording.running:
            return error(409, "nothing is being recorded")
        return JSONResponse({"paused": recording.toggle_pause()})

    async def record_stop(request: Request) -> Response:
        """Stop; the session folder becomes a meeting, processed like an opened recording unless told not to."""
        recording = live.get("recording")
        if recording is None:
            return error(409, "nothing is being recorded")
        body = await json_body(request)
        folder = await run_in_threadpool(recording.stop)
        live.pop("recording", None)
        store.list()  # adopts the finished session folder
        record = store.get(folder.name)
        details = body.get("details") if isinstance(body.get("details"), dict) else {}
        record.info = {k: v for k, v in details.items() if k in MEETING_FIELDS and v}
        record.title = str(details.get("title") or record.title)
        store.save(record)
        if body.get("process", True):
            processor.submit(record.id)
        return JSONResponse({"id": record.id, "error": recording.error})

    async def export(request: Request) -> Response:
        body = await json_body(request)
        meeting_editor = editor(request.path_params["id"])
        formats = [str(f) for f in body.get("formats", ["docx"])]
        written = await run_in_threadpool(meeting_editor.export, formats, bool(body.get("appendix", True)))
        record = store.get(meeting_editor.record.id)
        record.exports = sorted({*record.exports, *(f"export/{p.name}" for p in written)})
        store.save(record)
        return JSONResponse({"written": [str(p) for p in written], "names": [f"export/{p.name}" for p in written]})

    routes = [
        Route("/", home),
        Route("/new", new),
        Route("/record", record_page),
        Route("/api/record", record_state),
        Route("/api/record/start", record_start, methods=["POST"]),
        Route("/api/record/pause", record_pause, methods=["POST"]),
        Route("/api/record/stop", record_stop, methods=["POST"]),
        Route("/m/{id}", meeting),
        Route("/search", search_page),
        Route("/lang/{code}", language),
        Route("/api/meetings", meetings),
        Route("/api/upload", upload, methods=["POST"]),
        Route("/api/meetings/{id}/template", template, methods=["POST"]),
        Route("/api/meetings/{id}/process", process, methods=["POST"]),
        Route("/api/meetings/{id}/progress", progress),
        Route("/api/meetings/{id}/cancel", cancel, methods=["POST"]),
        Route("/api/meetings/{id}/rename", rename, methods=["POST"]),
        Route("/api/meetings/{id}/delete", delete, methods=["POST"]),
        Route("/api/meetings/{id}/audio", recording),
        Route("/api/meetings/{id}/file/{name:path}", download),
        Route("/api/meetings/{id}/state", state),
        Route("/api/meetings/{id}/edit", edit, methods=["POST"]),
        Route("/api/meetings/{id}/undo", undo, methods=["POST"]),
        Route("/api/meetings/{id}/redo", undo, methods=["POST"]),
        Route("/api/meetings/{id}/redraft", redraft, methods=["POST"]),
        Route("/api/meetings/{id}/export", export, methods=["POST"]),
        Route("/api/meetings/{id}/voice", voice, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    handlers = {
        NotFound: lambda request, exc: error(404, "no such meeting or file"),
        Forbidden: lambda request, exc: error(403, "that path leads outside the meetings folder"),
        StaleEdit: lambda request, exc: error(409, str(exc)),
        MinutesError: lambda request, exc: error(400, str(exc)),
    }
    app = Starlette(routes=routes, exception_handlers=handlers)  # type: ignore[arg-type]
    app.state.store, app.state.processor = store, processor
    return app


def recover_sessions(store: MeetingStore) -> None:
    """Recordings a crash left as segments (the app killed mid-meeting): joined into recording.wav, as
    `minutes recover` does, so they appear in the list. One that cannot be joined is left for `minutes recover`."""
    from minutes.capture.recover import recover, unfinished

    for session in unfinished(store.root):
        with contextlib.suppress(MinutesError, OSError):
            recover(session)


async def json_body(request: Request) -> dict[str, Any]:
    with contextlib.suppress(ValueError):
        body = await request.json()
        if isinstance(body, dict):
            return body
    return {}


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def too_big(name: str, limit: int) -> str:
    return (
        f"{name} is larger than the {limit / 1024**2:,.0f} MB upload limit: start the app with a larger --max-upload-mb"
    )
