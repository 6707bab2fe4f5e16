"""Drafting with an OpenAI-compatible chat-completions server on the user's own network.

llama.cpp's `llama-server`, Ollama and vLLM all speak `POST /v1/chat/completions`. Nothing is sent anywhere
unless the user names the server (`--llm-url`): this module is only used then. It needs only the standard library.

The same map-reduce, validation and repair as the local engine run on top (`LLMDrafter`); this engine adds what a
network needs: a timeout per request, retries with back-off on connection errors and busy servers (429/5xx), and a
JSON-schema constraint where the server takes one (`response_format`), falling back to plain JSON mode and then to
no constraint for servers that refuse it, so validation and repair are the safety net there as they are locally.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from typing import Any

from minutes.draft.base import DraftError
from minutes.draft.llm import Completion, LLMDrafter, Message
from minutes.errors import ModelError, UsageError

log = logging.getLogger("minutes.draft")

API_KEY_ENV = "MINUTES_LLM_API_KEY"
# Response formats tried in order; a server that refuses one (HTTP 400/422/501) is asked with the next.
FORMATS = ("json_schema", "json_object", "none")
RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


def api_base(url: str) -> str:
    """The API root (`…/v1`) from what a user may paste: a host, `…/v1`, or the full `…/chat/completions`."""
    parsed = urllib.parse.urlsplit(url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise UsageError(f"--llm-url {url!r} is not an http(s) address: give e.g. http://10.0.0.5:8080/v1")
    path = parsed.path.rstrip("/")
    path = path.removesuffix("/chat/completions")
    if not path:
        path = "/v1"  # llama-server, Ollama and vLLM all serve the OpenAI API under /v1
    return urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, path, "", ""))


def _estimate_tokens(text: str) -> int:
    """Over-estimated token counts (the server's tokenizer is not at hand): ~3 UTF-8 bytes a token keeps chunks
    inside the context for Qwen/Llama-style tokenizers on English and Vietnamese (they take 3.5-4.6 bytes)."""
    return math.ceil(len(text.encode("utf-8")) / 3.0) + 1


class HTTPFailure(Exception):
    """An HTTP exchange that failed: `status` is None when no answer came at all."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class OpenAIEngine:
    """One OpenAI-compatible server: `complete()` is one chat completion, with retries and format fallback."""

    def __init__(
        self,
        url: str,
        *,
        model: str | None = None,
        api_key: str | None = None,
        context: int | None = None,
        timeout: float = 300.0,
        retries: int = 2,
        seed: int = 0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base = api_base(url)
        self.api_key = api_key if api_key is not None else os.environ.get(API_KEY_ENV) or None
        self.timeout = timeout
        self.retries = retries
        self.seed = seed
        self._sleep = sleep
        self._format = 0  # index into FORMATS: the strongest constraint this server has accepted so far
        # Reachable now, or a one-line error before any drafting: also names the model when the user did not.
        self.model = model or self._first_model()
        self.context = context or self._server_context() or 8192

    # -- HTTP ---------------------------------------------------------------------------------------------------

    def _request(self, path: str, body: dict[str, Any] | None = None, timeout: float | None = None) -> Any:
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        request = urllib.request.Request(f"{self.base}{path}", data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            raise HTTPFailure(f"HTTP {exc.code}: {_error_text(exc)}", exc.code) from None
        except (urllib.error.URLError, OSError) as exc:  # refused, unknown host, timeout, reset
            reason = getattr(exc, "reason", exc)
            raise HTTPFailure(f"no answer ({reason})") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise HTTPFailure(f"the answer is not JSON ({exc})") from None

    def _first_model(self) -> str:
        """The server's first model (`GET /models`), which also checks that the server is there at all."""
        try:
            listing = self._request("/models", timeout=min(self.timeout, 15.0))
        except HTTPFailure as exc:
            hint = " (wrong or missing --llm-api-key?)" if exc.status in (401, 403) else ""
            raise ModelError(f"the LLM server at {self.base} cannot be used: {exc}{hint}") from None
        models = listing.get("data") if isinstance(listing, dict) else None
        ids = [m.get("id") for m in models or [] if isinstance(m, dict) and m.get("id")]
        if not ids:
            raise ModelError(f"the LLM server at {self.base} lists no model: name one with --llm-model")
        return str(ids[0])

    def _server_context(self) -> int | None:
        """llama-server tells its context size at `/props`; other servers do not (then the caller's default)."""
        root = self.base.removesuffix("/v1")
        try:
            request = urllib.request.Request(f"{root}/props", headers=self._auth())
            with urllib.request.urlopen(request, timeout=min(self.timeout, 15.0)) as response:
                props = json.loads(response.read().decode("utf-8"))
            return int(props["default_generation_settings"]["n_ctx"]) or None
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    # -- the Engine protocol ------------------------------------------------------------------------------------

    def count_tokens(self, text: str) -> int:
        return _estimate_tokens(text)

    def complete(self, messages: Sequence[Message], *, schema: dict[str, Any] | None, max_tokens: int) -> Completion:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": list(messages),
            "max_tokens": max_tokens,
            "temperature": 0.0,
            "seed": self.seed,
            "stream": False,
        }
        while True:
            fmt = FORMATS[self._format] if schema else "none"
            request = body | _response_format(fmt, schema)
            started = time.perf_counter()
            try:
                answer = self._with_retries(request)
            except HTTPFailure as exc:
                if _refused_format(exc) and schema and self._format < len(FORMATS) - 1:
                    # Likely the response_format: older Ollama and some proxies take no json_schema.
                    log.info("the LLM server refused response_format %s (%s): trying %s", fmt, exc, FORMATS[1])
                    self._format += 1
                    continue
                raise DraftError(f"the LLM server at {self.base} failed: {exc}") from None
            return _completion(answer, time.perf_counter() - started)

    def _with_retries(self, body: dict[str, Any]) -> Any:
        for attempt in range(self.retries + 1):
            try:
                return self._request("/chat/completions", body)
            except HTTPFailure as exc:
                if attempt == self.retries or (exc.status is not None and exc.status not in RETRY_STATUS):
                    raise
                wait = 2.0**attempt
                log.warning("the LLM server at %s: %s; trying again in %.0f s", self.base, exc, wait)
                self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _refused_format(exc: HTTPFailure) -> bool:
    """A refusal that names the response format (not, say, a prompt longer than the server's context)."""
    words = ("response_format", "schema", "json", "grammar", "format")
    return exc.status in (400, 422, 501) and any(w in str(exc).lower() for w in words)


def _response_format(fmt: str, schema: dict[str, Any] | None) -> dict[str, Any]:
    if fmt == "json_schema" and schema:
        return {"response_format": {"type": "json_schema", "json_schema": {"name": "minutes", "schema": schema}}}
    if fmt == "json_object":
        return {"response_format": {"type": "json_object"}}
    return {}


def _completion(answer: Any, seconds: float) -> Completion:
    """A `Completion` from the server's answer; llama-server's `timings` split prompt and generation time."""
    try:
        text = answer["choices"][0]["message"].get("content") or ""
    except (KeyError, IndexError, TypeError, AttributeError):
        raise DraftError(f"the LLM server's answer has no message: {str(answer)[:160]!r}") from None
    usage = answer.get("usage") or {}
    timings = answer.get("timings") or {}
    if timings:
        prompt_seconds = float(timings.get("prompt_ms", 0.0)) / 1000
        generation_seconds = float(timings.get("predicted_ms", 0.0)) / 1000
    else:  # other servers: the whole round trip counts as generation
        prompt_seconds, generation_seconds = 0.0, seconds
    return Completion(
        text=text,
        prompt_tokens=int(timings.get("prompt_n", usage.get("prompt_tokens", 0)) or 0),
        generated_tokens=int(timings.get("predicted_n", usage.get("completion_tokens", 0)) or 0),
        prompt_seconds=prompt_seconds,
        generation_seconds=generation_seconds,
    )


def _error_text(exc: urllib.error.HTTPError) -> str:
    """The server's own error message, shortened to one line."""
    try:
        raw = exc.read().decode("utf-8", "replace")
    except OSError:
        raw = ""
    try:
        data = json.loads(raw)
        error = data.get("error", data) if isinstance(data, dict) else data
        message = error.get("message", error) if isinstance(error, dict) else error
    except ValueError:
        message = raw or exc.reason
    return " ".join(str(message).split())[:200]


class RemoteDrafter(LLMDrafter):
    """Minutes from a model served over HTTP (`--llm-url`): the same prompts and validation as on llama.cpp."""

    def __init__(
        self,
        url: str,
        *,
        model: str | None = None,
        api_key: str | None = None,
        context: int | None = None,
        timeout: float = 300.0,
        retries: int = 2,
        max_tokens: int = 1024,
        chunk_tokens: int | None = None,
    ) -> None:
        engine = OpenAIEngine(url, model=model, api_key=api_key, context=context, timeout=timeout, retries=retries)
        super().__init__(engine, name=f"server:{engine.model}", max_tokens=max_tokens, chunk_tokens=chunk_tokens)
        self.url = engine.base


__all__ = ["API_KEY_ENV", "OpenAIEngine", "RemoteDrafter", "api_base"]
