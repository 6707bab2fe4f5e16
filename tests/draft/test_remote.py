"""Drafting through an OpenAI-compatible server (`--llm-url`), and the bad-input paths of the LLM options.

The real tests start llama.cpp's own HTTP server (the `llama-server` code xllamacpp ships, bound to 127.0.0.1 on
a free port, with an API key) on the catalog's Qwen2.5-Coder-1.5B and draft a real DialogSum dialogue through it.
A tiny loopback HTTP server stands in only where a real one cannot be made to misbehave on cue (busy, refusing
`json_schema`).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from minutes.draft.base import DraftError, DraftOptions
from minutes.draft.llm import DEFAULT_MODEL, LLMDrafter
from minutes.draft.remote import OpenAIEngine, RemoteDrafter, api_base
from minutes.errors import ModelError, UsageError
from minutes.job import LLMSettings, draft_minutes, make_drafter
from minutes.model import MeetingInfo, Segment, Transcript, Word
from tests.conftest import missing

ROOT = Path(__file__).resolve().parents[2]
MINUTES = [sys.executable, "-c", "import cli; cli.main()"]
SECONDS_PER_WORD = 0.35


# -- helpers ------------------------------------------------------------------------------------------------------


def dialogue(data: Path, item: str) -> Transcript:
    """A DialogSum / minutes dev transcript with synthetic word times (0.35 s a word, 0.5 s between turns)."""
    turns = json.loads((data / "minutes" / "data" / f"{item}.transcript.json").read_text(encoding="utf-8"))
    segments, t = [], 0.0
    for turn in turns:
        words = turn["text"].split()
        timed = [
            Word(f" {w}", t + k * SECONDS_PER_WORD, t + (k + 1) * SECONDS_PER_WORD - 0.05) for k, w in enumerate(words)
        ]
        segments.append(Segment(timed[0].start, timed[-1].end, turn["text"], timed, turn["speaker"]))
        t = timed[-1].end + 0.5
    return Transcript(language="en", duration=t, segments=segments, source=f"{item}.wav")


def free_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MINUTES_LLM_API_KEY"}
    return subprocess.run([*MINUTES, *map(str, args)], capture_output=True, text=True, cwd=ROOT, env=env)


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("minutes: error:")]
    assert len(errors) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in errors[0], errors[0]


def recording_with_transcript(data: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A real recording whose transcript is already saved beside its minutes, so `minutes run` drafts at once."""
    recording = tmp_path / "meeting.wav"
    shutil.copy(data / "audio" / "en_jfk.wav", recording)
    transcript = dialogue(data, "dialogsum_test_0")
    transcript.source = str(recording)
    (tmp_path / "meeting.transcript.json").write_text(transcript.to_json(), encoding="utf-8")
    return recording, tmp_path / "meeting.minutes.docx"


# -- addresses ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "base"),
    [
        ("http://10.0.0.5:8080", "http://10.0.0.5:8080/v1"),
        ("http://10.0.0.5:8080/", "http://10.0.0.5:8080/v1"),
        ("http://ollama.lan:11434/v1", "http://ollama.lan:11434/v1"),
        ("https://llm.agency.gov.vn/v1/chat/completions", "https://llm.agency.gov.vn/v1"),
        ("http://gw.lan/llm/openai/v1/", "http://gw.lan/llm/openai/v1"),
    ],
)
def test_api_base_accepts_what_users_paste(given: str, base: str) -> None:
    assert api_base(given) == base


@pytest.mark.parametrize("bad", ["localhost:8080", "ftp://host/v1", "http://", "not a url"])
def test_an_address_that_is_no_http_url_is_a_usage_error(bad: str) -> None:
    with pytest.raises(UsageError, match="not an http"):
        api_base(bad)


# -- a scripted loopback server: retries and response-format fallback ---------------------------------------------


class Scripted(BaseHTTPRequestHandler):
    """Answers POSTs from the server's script: (status, body) pairs, popped in order."""

    def do_GET(self) -> None:
        self._send(200, {"object": "list", "data": [{"id": "scripted-model"}]})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(body)  # type: ignore[attr-defined]
        status, answer = self.server.script.pop(0)  # type: ignore[attr-defined]
        self._send(status, answer)

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def scripted() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    server.script, server.requests = [], []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def chat(content: str) -> dict[str, Any]:
    return {"choices": [{"message": {"role": "assistant", "content": content}}], "usage": {"completion_tokens": 7}}


def url_of(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def test_busy_server_is_retried_then_answers(scripted: ThreadingHTTPServer) -> None:
    scripted.script += [(503, {"error": {"message": "loading model"}}), (200, chat('{"a": 1}'))]  # type: ignore[attr-defined]
    waits: list[float] = []
    engine = OpenAIEngine(url_of(scripted), retries=2, sleep=waits.append)
    done = engine.complete([{"role": "user", "content": "hi"}], schema=None, max_tokens=20)
    assert done.text == '{"a": 1}' and done.generated_tokens == 7
    assert waits == [1.0] and engine.model == "scripted-model"
    assert scripted.requests[-1]["model"] == "scripted-model"  # type: ignore[attr-defined]


def test_a_server_refusing_json_schema_gets_plain_json_mode(scripted: ThreadingHTTPServer) -> None:
    refusal = (400, {"error": {"message": "response_format type json_schema is not supported"}})
    scripted.script += [refusal, (200, chat("{}")), (200, chat("{}"))]  # type: ignore[attr-defined]
    engine = OpenAIEngine(url_of(scripted), sleep=lambda s: None)
    schema = {"type": "object"}
    engine.complete([{"role": "user", "content": "x"}], schema=schema, max_tokens=5)
    engine.complete([{"role": "user", "content": "y"}], schema=schema, max_tokens=5)
    formats = [r["response_format"]["type"] for r in scripted.requests]  # type: ignore[attr-defined]
    assert formats == ["json_schema", "json_object", "json_object"]  # remembered after the first refusal


def test_a_server_that_keeps_failing_is_a_draft_error(scripted: ThreadingHTTPServer) -> None:
    scripted.script += [(500, {"error": "boom"})] * 3  # type: ignore[attr-defined]
    engine = OpenAIEngine(url_of(scripted), retries=2, sleep=lambda s: None)
    with pytest.raises(DraftError, match="HTTP 500: boom"):
        engine.complete([{"role": "user", "content": "x"}], schema=None, max_tokens=5)
    assert len(scripted.requests) == 3  # type: ignore[attr-defined]


# -- unreachable servers ------------------------------------------------------------------------------------------


def test_an_unreachable_server_is_one_clear_error_or_a_warned_fallback() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(ModelError, match="cannot be used: no answer"):
        RemoteDrafter(url)
    warnings: list[str] = []
    drafter = make_drafter("auto", lambda step, **kw: warnings.append(kw["message"]), LLMSettings(url=url))
    assert drafter.name == "extractive" and "cannot be used" in warnings[0]
    with pytest.raises(ModelError, match="cannot be used"):  # asked for by name: no silent fallback
        make_drafter("hybrid", llm=LLMSettings(url=url))


def test_cli_unreachable_url_and_non_gguf_model_are_one_line(data: Path, tmp_path: Path) -> None:
    recording, docx = recording_with_transcript(data, tmp_path)
    proc = cli("run", recording, "-o", docx, "-q", "--llm-url", f"http://127.0.0.1:{free_port()}")
    assert_one_line_error(proc, "LLM server", "cannot be used")
    not_a_model = tmp_path / "notes.gguf"
    not_a_model.write_text("these are my meeting notes, not a model\n")
    proc = cli("run", recording, "-o", docx, "-q", "--llm-model", not_a_model)
    assert_one_line_error(proc, "is not a GGUF model file")
    proc = cli("run", recording, "-o", docx, "-q", "--llm-url", "localhost:8080")
    assert_one_line_error(proc, "not an http")
    assert not docx.exists()


def test_invalid_json_twice_falls_back_to_extractive_with_a_warning(data: Path) -> None:
    class Babbler:
        context = 4096

        def count_tokens(self, text: str) -> int:
            return len(text.split())

        def complete(self, messages, *, schema, max_tokens):  # type: ignore[no-untyped-def]
            from minutes.draft.llm import Completion

            return Completion('{"summary": [{"text": "unfinished', 0, 9, 0.0, 1.0)

    warnings: list[str] = []
    hook = lambda step, **kw: warnings.append(kw["message"]) if step == "warning" else None  # noqa: E731
    transcript = dialogue(data, "dialogsum_test_0")
    minutes, used = draft_minutes(
        transcript, MeetingInfo(), LLMDrafter(Babbler(), name="babbler"), DraftOptions(), hook
    )
    assert used == "extractive" and minutes.summary
    assert len(warnings) == 1 and "babbler failed" in warnings[0] and "invalid JSON" in warnings[0]


# -- a real llama.cpp server --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def llama_server() -> Iterator[tuple[str, str]]:
    """llama.cpp's HTTP server (xllamacpp) on 127.0.0.1, a free port, the catalog model, an API key."""
    import importlib.util

    from minutes.catalog import ModelManager
    from minutes.errors import ModelNotInstalled

    if importlib.util.find_spec("xllamacpp") is None:
        missing("xllamacpp is not installed: pip install -e '.[llm]'")
    try:
        model = ModelManager().path(DEFAULT_MODEL) / "model.gguf"
    except ModelNotInstalled:
        missing(f"the minutes LLM is not installed: run `minutes models install {DEFAULT_MODEL}`")
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(model)
    params.hostnames = ["127.0.0.1"]
    params.port = 0  # any free port
    params.n_ctx = 4096
    params.n_parallel = 1
    params.cpuparams.n_threads = params.cpuparams_batch.n_threads = 2
    params.warmup = False
    params.verbosity = -1
    key = secrets.token_urlsafe(16)
    params.api_keys = [key]
    server = xllamacpp.Server(params)
    address = server.listening_address
    assert address.startswith("http://127.0.0.1:")
    yield address, key
    del server


@pytest.mark.model
def test_drafting_through_a_real_llama_cpp_server(llama_server: tuple[str, str], data: Path) -> None:
    address, key = llama_server
    transcript = dialogue(data, "dialogsum_test_0")
    drafter = RemoteDrafter(address, api_key=key)
    assert drafter.engine.context == 4096  # read from llama-server's /props
    events: list[dict] = []
    minutes = drafter.draft(transcript, MeetingInfo(), hook=lambda step, **kw: events.append(kw))
    assert minutes.drafter.startswith("server:") and minutes.summary
    summary = " ".join(p.text for p in minutes.summary).lower()
    assert any(word in summary for word in ("memo", "messag", "dawson", "employee")), summary
    for point in minutes.summary:
        assert all(0.0 <= s.start < s.end <= transcript.duration for s in point.spans)
    assert sum(e.get("generated_tokens", 0) for e in events if "retry" in e) > 0


@pytest.mark.model
def test_a_wrong_key_is_refused_and_named(llama_server: tuple[str, str]) -> None:
    address, _ = llama_server
    with pytest.raises(ModelError, match=r"HTTP 401.*--llm-api-key"):
        RemoteDrafter(address, api_key="wrong")
    with pytest.raises(ModelError, match="HTTP 401"):
        RemoteDrafter(address)  # no key at all


@pytest.mark.model
def test_empty_transcript_through_the_server_gives_minutes_with_a_note(llama_server: tuple[str, str]) -> None:
    address, key = llama_server
    warnings: list[str] = []
    hook = lambda step, **kw: warnings.append(kw["message"]) if step == "warning" else None  # noqa: E731
    empty = Transcript(language="en", duration=2.0, source="silence.wav")
    minutes, used = draft_minutes(empty, MeetingInfo(), RemoteDrafter(address, api_key=key), DraftOptions(), hook)
    assert used == "extractive" and minutes.notes and "no speech" in warnings[0]


@pytest.mark.model
def test_the_hybrid_drafter_works_through_the_server_too(llama_server: tuple[str, str], data: Path) -> None:
    address, key = llama_server
    drafter = make_drafter("hybrid", llm=LLMSettings(url=address, api_key=key))
    assert drafter.name.startswith("hybrid:server:")
    minutes = drafter.draft(dialogue(data, "dialogsum_test_207"), MeetingInfo())
    assert minutes.summary and not any("unusable" in note for note in minutes.notes)
