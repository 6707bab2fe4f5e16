"""Drafting minutes with a local LLM: llama.cpp (the tested default) or any transformers causal LM.

Both backends run the same map-reduce over the transcript: each chunk that fits the model's context is turned
into minutes as JSON (map), and the chunks' minutes are merged into one answer (reduce). The model sees lines
`[MM:SS–MM:SS] SPEAKER: text` and cites those times; `minutes.draft.schema` keeps only items whose times point
at real speech. An answer that fails validation is asked for once more with the error spelled out, then the
drafter raises `DraftError` so the pipeline can fall back to the extractive drafter.
"""

from __future__ import annotations

import json
import logging
import math
import os
import secrets
import string
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from minutes.draft.base import DraftError, DraftOptions
from minutes.draft.schema import (
    TimeIndex,
    Validated,
    format_time,
    output_schema,
    parse_json,
    speech_lines,
    validate,
)
from minutes.errors import ModelError, UsageError
from minutes.hooks import Hook, null_hook
from minutes.model import MeetingInfo, Minutes, Segment, Span, Transcript

log = logging.getLogger("minutes.draft")

DEFAULT_MODEL = "qwen2.5-coder-1.5b-q4"
PROMPTS = Path(__file__).resolve().parent / "prompts"
GGUF_MAGIC = b"GGUF"
MAX_ITEMS = 8  # per list in one answer: enough for a chunk, and a bound on a looping model
# Names of the minutes' language, as the English and the Vietnamese prompts say them.
LANGUAGE_NAMES = {
    "en": ("English", "tiếng Anh"),
    "vi": ("Vietnamese", "tiếng Việt"),
    "fr": ("French", "tiếng Pháp"),
    "de": ("German", "tiếng Đức"),
    "es": ("Spanish", "tiếng Tây Ban Nha"),
    "zh": ("Chinese", "tiếng Trung"),
    "ja": ("Japanese", "tiếng Nhật"),
    "ko": ("Korean", "tiếng Hàn"),
    "th": ("Thai", "tiếng Thái"),
    "lo": ("Lao", "tiếng Lào"),
    "km": ("Khmer", "tiếng Khmer"),
    "ru": ("Russian", "tiếng Nga"),
}

Message = dict[str, str]


# -- engines: one completion call each ----------------------------------------------------------------------------


@dataclass
class Completion:
    text: str
    prompt_tokens: int
    generated_tokens: int
    prompt_seconds: float
    generation_seconds: float

    @property
    def tokens_per_second(self) -> float:
        return self.generated_tokens / self.generation_seconds if self.generation_seconds > 0 else 0.0

    @property
    def prompt_tokens_per_second(self) -> float:
        return self.prompt_tokens / self.prompt_seconds if self.prompt_seconds > 0 else 0.0


class Engine(Protocol):
    """What the map-reduce needs from a model: its context size, a token count and one chat completion."""

    context: int

    def count_tokens(self, text: str) -> int: ...

    def complete(self, messages: Sequence[Message], *, schema: dict[str, Any] | None, max_tokens: int) -> Completion:
        """Greedy completion; `schema` constrains the answer to that JSON schema where the engine can."""
        ...


def cpu_threads() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# -- prompts ------------------------------------------------------------------------------------------------------


def language_name(code: str, prompt_language: str = "en") -> str:
    en, vi = LANGUAGE_NAMES.get(code.lower(), (code, code))
    return vi if prompt_language == "vi" else en


@dataclass(frozen=True)
class Prompts:
    """The prompt files for one minutes language: Vietnamese minutes get Vietnamese instructions."""

    language: str
    prompt_language: str
    templates: dict[str, string.Template]

    @classmethod
    def load(cls, language: str, directory: Path = PROMPTS) -> Prompts:
        prompt_language = "vi" if language.lower() == "vi" else "en"
        templates = {}
        for kind in ("system", "map", "reduce", "repair"):
            path = directory / f"{kind}.{prompt_language}.txt"
            try:
                templates[kind] = string.Template(path.read_text(encoding="utf-8").strip())
            except OSError as exc:
                raise DraftError(f"prompt file {path} is missing ({exc}): reinstall minutes") from None
        return cls(language, prompt_language, templates)

    def _fill(self, kind: str, **slots: object) -> str:
        name = language_name(self.language, self.prompt_language)
        return self.templates[kind].substitute(language_name=name, **slots)

    def system(self, max_topics: int) -> str:
        return self._fill("system", max_topics=max_topics, max_items=MAX_ITEMS)

    def map(self, meeting: str, lines: Sequence[str], part: int, parts: int, start: str, end: str) -> str:
        return self._fill(
            "map", meeting=meeting, transcript="\n".join(lines), part=part, parts=parts, start=start, end=end
        )

    def reduce(self, meeting: str, notes: Sequence[str], parts: int) -> str:
        return self._fill("reduce", meeting=meeting, notes="\n".join(notes), parts=parts)

    def repair(self, error: str) -> str:
        return self._fill("repair", error=error)


HEADER_LABELS = {
    "en": ("Title", "Date", "Place", "Chair", "Attendees"),
    "vi": ("Tên cuộc họp", "Ngày", "Địa điểm", "Chủ trì", "Thành phần tham dự"),
}


def meeting_header(meeting: MeetingInfo, prompt_language: str = "en") -> str:
    """What the secretary already knows, as a few lines before the transcript (blank fields left out)."""
    values = (meeting.title, meeting.date, meeting.place, meeting.chair, ", ".join(meeting.attendees))
    labels = HEADER_LABELS.get(prompt_language, HEADER_LABELS["en"])
    lines = [f"{label}: {value}" for label, value in zip(labels, values, strict=True) if value]
    return "\n".join(lines) + "\n\n" if lines else ""


def transcript_line(segment: Segment) -> str:
    """`[MM:SS–MM:SS] SPEAKER: text`; starts round down and ends up, so a copied range covers the segment."""
    times = f"[{format_time(segment.start)}–{format_time(segment.end, up=True)}]"
    speaker = f" {segment.speaker}:" if segment.speaker else ""
    return f"{times}{speaker} {' '.join(segment.text.split())}"


def note_lines(result: Validated) -> list[str]:
    """A chunk's minutes as cited lines, the input of the reduce step (the same time format as the transcript)."""

    def line(kind: str, text: str, spans: list[Span]) -> str:
        start, end = min(s.start for s in spans), max(s.end for s in spans)
        return f"[{format_time(start)}–{format_time(end, up=True)}] {kind}: {text}"

    out = [line("summary", p.text, p.spans) for p in result.summary]
    for topic in result.topics:
        assert topic.span is not None  # validate() keeps only topics with a span
        out.append(line("topic", topic.title, [topic.span]))
        out += [line("topic point", p.text, p.spans) for p in topic.summary]
    out += [line("decision", p.text, p.spans) for p in result.decisions]
    for item in result.action_items:
        extra = "".join(f"; {k}: {v}" for k, v in (("owner", item.owner), ("due", item.due)) if v)
        out.append(line("action", item.task + extra, item.spans))
    out += [line("open question", p.text, p.spans) for p in result.open_questions]
    return out


def chunk_lines(lines: Sequence[str], budget: int, count: Callable[[str], int]) -> list[list[int]]:
    """Indexes of `lines` grouped so each group's tokens stay within `budget` (a longer line stands alone)."""
    chunks: list[list[int]] = []
    used = budget + 1
    for i, text in enumerate(lines):
        cost = count(text) + 1  # the newline
        if used + cost > budget:
            chunks.append([])
            used = 0
        chunks[-1].append(i)
        used += cost
    return chunks


def merge(results: Sequence[Validated]) -> Validated:
    """The chunks' minutes side by side: the reduce step's fallback, which keeps every span."""
    out = Validated()
    for r in results:
        out.summary += r.summary
        out.topics += r.topics
        out.decisions += r.decisions
        out.action_items += r.action_items
        out.open_questions += r.open_questions
    return out


# -- the drafter --------------------------------------------------------------------------------------------------


@dataclass
class _Run:
    """Book-keeping for one draft: progress for the hook, notes for the minutes."""

    hook: Hook
    total: int
    done: int = 0
    notes: list[str] = field(default_factory=list)
    generated: int = 0
    generation_seconds: float = 0.0
    dropped: int = 0  # items left out of accepted answers, for the minutes' notes


class LLMDrafter:
    """Map-reduce drafting over any `Engine`; `LlamaCppDrafter` and `TransformersDrafter` pick the engine."""

    def __init__(
        self,
        engine: Engine,
        *,
        name: str,
        max_tokens: int = 1024,
        chunk_tokens: int | None = None,
        constrained: bool = True,
    ) -> None:
        self.engine = engine
        self.name = name
        self.max_tokens = max_tokens
        self.chunk_tokens = chunk_tokens
        self.constrained = constrained

    # The public entry point: Drafter.draft
    def draft(
        self,
        transcript: Transcript,
        meeting: MeetingInfo,
        options: DraftOptions | None = None,
        hook: Hook = null_hook,
    ) -> Minutes:
        options = options or DraftOptions()
        language = (options.language or transcript.language or "en").lower()
        segments = speech_lines(transcript)
        if not segments:
            raise DraftError("the transcript has no speech to draft minutes from")
        prompts = Prompts.load(language)
        system = prompts.system(options.max_topics)
        schema = output_schema(options.max_topics, MAX_ITEMS) if self.constrained else None
        header = meeting_header(meeting, prompts.prompt_language)
        lines = [transcript_line(s) for s in segments]

        # room for the retry's added request too: the error quotes up to ~160 characters of the bad answer
        empty = prompts.map(header, [], 99, 99, "00:00", "00:00") + prompts.repair("x" * 240)
        chunks = chunk_lines(lines, self._budget(system, empty), self.engine.count_tokens)
        run = _Run(hook, total=len(chunks) + (len(chunks) > 1))
        hook("draft", completed=0, total=run.total, chunks=len(chunks))
        results = []
        for n, chunk in enumerate(chunks, 1):
            part = [segments[i] for i in chunk]
            user = prompts.map(
                header,
                [lines[i] for i in chunk],
                n,
                len(chunks),
                format_time(part[0].start),
                format_time(part[-1].end, up=True),
            )
            results.append(self._ask(system, user, prompts, schema, TimeIndex(part), run))
        final = (
            results[0]
            if len(results) == 1
            else self._reduce(results, system, header, prompts, schema, TimeIndex(segments), run)
        )
        if run.dropped:
            run.notes.append(f"{run.dropped} item(s) the model wrote cited no time in the transcript: left out")
        if run.generation_seconds > 0:
            speed = round(run.generated / run.generation_seconds, 2)
            hook("draft", completed=run.total, total=run.total, tokens_per_second=speed, generated_tokens=run.generated)
        return Minutes(
            meeting=meeting,
            language=language,
            summary=final.summary,
            topics=final.topics,
            decisions=final.decisions,
            action_items=final.action_items,
            open_questions=final.open_questions,
            source=transcript.source,
            drafter=self.name,
            notes=run.notes,
        )

    def _budget(self, system: str, empty_user: str, *, chunk: bool = True) -> int:
        """Tokens left for transcript lines (or, with `chunk=False`, for the reduce step's notes)."""
        if chunk and self.chunk_tokens:
            return self.chunk_tokens
        overhead = self.engine.count_tokens(system) + self.engine.count_tokens(empty_user) + 64  # chat markup
        budget = self.engine.context - self.max_tokens - overhead
        if budget < 256:
            raise DraftError(
                f"a context of {self.engine.context} tokens leaves no room for the transcript "
                f"(prompt {overhead}, answer {self.max_tokens}): raise the context or lower max_tokens"
            )
        return budget

    def _reduce(
        self,
        results: list[Validated],
        system: str,
        header: str,
        prompts: Prompts,
        schema: dict[str, Any] | None,
        index: TimeIndex,
        run: _Run,
    ) -> Validated:
        """Merge the chunks' minutes with the model, in groups that fit the context (several rounds if needed)."""
        budget = self._budget(system, prompts.reduce(header, [], 99) + prompts.repair("x" * 240), chunk=False)
        while len(results) > 1:
            groups: list[list[Validated]] = [[]]
            used = 0
            for r in results:
                cost = sum(self.engine.count_tokens(line) + 1 for line in note_lines(r))
                if groups[-1] and used + cost > budget:
                    groups.append([])
                    used = 0
                groups[-1].append(r)
                used += cost
            if len(groups) == len(results) and len(results) > 1 and all(len(g) == 1 for g in groups):
                # Each chunk's minutes alone fill the context: merging by model cannot shrink them further.
                run.notes.append("the chunks' minutes were too long to merge by the model: listed one after another")
                return merge(results)
            run.total += len(groups) - 1
            merged = []
            for group in groups:
                if len(group) == 1:
                    merged.append(group[0])
                    continue
                notes = [line for r in group for line in note_lines(r)]
                try:
                    merged.append(
                        self._ask(system, prompts.reduce(header, notes, len(group)), prompts, schema, index, run)
                    )
                except DraftError as exc:
                    # The chunks' own minutes are valid and cite the transcript: keep them rather than lose all.
                    log.warning("merging the chunks' minutes failed (%s): keeping them side by side", exc)
                    run.notes.append("the model could not merge the chunks' minutes: listed one after another")
                    merged.append(merge(group))
            results = merged
        return results[0]

    def _ask(
        self,
        system: str,
        user: str,
        prompts: Prompts,
        schema: dict[str, Any] | None,
        index: TimeIndex,
        run: _Run,
    ) -> Validated:
        """One answer, validated; on failure one more try with the error added to the request."""
        error = ""
        for attempt in (1, 2):
            request = user if attempt == 1 else f"{user}\n\n{prompts.repair(error)}"
            messages = [{"role": "system", "content": system}, {"role": "user", "content": request}]
            try:
                done = self.engine.complete(messages, schema=schema, max_tokens=self.max_tokens)
            except DraftError:
                raise
            except Exception as exc:  # backends raise their own types (RuntimeError, ValueError, OSError)
                raise DraftError(f"the language model failed: {type(exc).__name__}: {exc}") from exc
            self._report(done, run, attempt)
            try:
                result = validate(parse_json(done.text), index)
                if result.empty:
                    raise DraftError(f"no item cites a time from the transcript lines ({result.dropped} dropped)")
                run.dropped += result.dropped
                return result
            except DraftError as exc:
                error = str(exc)
                log.info("draft answer rejected (attempt %d): %s", attempt, error)
        raise DraftError(f"the model gave no usable minutes after a retry: {error}")

    def _report(self, done: Completion, run: _Run, attempt: int) -> None:
        run.generated += done.generated_tokens
        run.generation_seconds += done.generation_seconds
        if attempt == 1:
            run.done += 1
        run.hook(
            "draft",
            completed=min(run.done, run.total),
            total=run.total,
            tokens_per_second=round(done.tokens_per_second, 2),
            prompt_tokens_per_second=round(done.prompt_tokens_per_second, 1),
            prompt_tokens=done.prompt_tokens,
            generated_tokens=done.generated_tokens,
            retry=attempt > 1,
        )


# -- model files --------------------------------------------------------------------------------------------------


def resolve_gguf(model: str | Path | None) -> Path:
    """A .gguf file, a directory holding one, or a catalog id (default: the catalog's minutes LLM)."""
    if model is None or (isinstance(model, str) and not Path(model).exists() and "/" not in model):
        from minutes.catalog import ModelManager

        manager = ModelManager()
        entry = manager.entry(str(model or DEFAULT_MODEL))
        if entry.engine != "llama.cpp":
            llms = ", ".join(sorted(e.id for e in manager.catalog.values() if e.engine == "llama.cpp"))
            raise ModelError(f"model {entry.id!r} ({entry.role}) is not a GGUF language model: use {llms}")
        return manager.path(entry.id) / entry.files[0].name
    path = Path(model).expanduser()
    if path.is_dir():
        found = sorted(path.glob("*.gguf"))
        if not found:
            raise ModelError(f"{path} holds no .gguf file: pass the model file itself")
        return found[0]
    if not path.is_file():
        raise ModelError(f"model file {path} not found: run `minutes models install {DEFAULT_MODEL}` or fix the path")
    check_gguf(path)
    return path


def check_gguf(path: Path) -> None:
    """A one-line error now for a file that is no GGUF at all (llama.cpp would only say "failed to init")."""
    try:
        with path.open("rb") as file:
            magic = file.read(4)
    except OSError as exc:
        raise ModelError(f"cannot read the model file {path}: {exc.strerror or exc}") from None
    if magic != GGUF_MAGIC:
        raise ModelError(f"{path} is not a GGUF model file: pass a llama.cpp .gguf model (e.g. a 7B instruct Q4_K_M)")


def model_name(path: Path) -> str:
    """The catalog id for a catalog install (…/qwen2.5-coder-1.5b-q4/model.gguf), else the file's name."""
    return path.parent.name if path.name == "model.gguf" else path.stem


# -- llama.cpp ----------------------------------------------------------------------------------------------------


class LlamaCppEngine:
    """llama.cpp in process through xllamacpp, whose prebuilt wheels cover Linux, Windows and macOS (no compiler).

    JSON is constrained by llama.cpp's own schema-to-grammar converter. xllamacpp also serves llama.cpp's HTTP API
    on a random loopback port while the model is loaded, with no key and any CORS origin by default: a random
    per-process key closes it to other programs and to web pages. The key also lets this engine use the server's
    `/tokenize` to cut chunks by exact token counts.
    """

    def __init__(self, model_path: Path, *, threads: int = 0, context: int = 8192, seed: int = 0) -> None:
        try:
            import xllamacpp
        except ImportError as exc:
            raise ModelError("drafting with llama.cpp needs xllamacpp: pip install 'minutes[llm]'") from exc
        params = xllamacpp.CommonParams()
        params.model.path = str(model_path)
        params.n_ctx = context
        params.n_parallel = 1  # one request at a time, with the whole context
        params.cpuparams.n_threads = params.cpuparams_batch.n_threads = threads or cpu_threads()
        params.warmup = False
        params.verbosity = -1  # llama.cpp logs every request to stderr otherwise
        self._key = secrets.token_urlsafe(32)
        params.api_keys = [self._key]
        try:
            self.server = xllamacpp.Server(params)
        except RuntimeError as exc:  # a damaged or unsupported file: xllamacpp says only "failed to init"
            raise ModelError(f"llama.cpp cannot load {model_path}: {exc}") from exc
        self.context = context
        self.seed = seed
        self._counts: dict[str, int] = {}

    def count_tokens(self, text: str) -> int:
        if text not in self._counts:
            self._counts[text] = self._tokenize(text) or _estimate_tokens(text)
        return self._counts[text]

    def _tokenize(self, text: str) -> int | None:
        address = self.server.listening_address
        if not address:
            return None
        request = urllib.request.Request(
            f"{address}/tokenize",
            data=json.dumps({"content": text}).encode("utf-8"),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self._key}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return len(json.load(response)["tokens"])
        except (OSError, ValueError, KeyError) as exc:
            log.debug("llama.cpp /tokenize failed (%s): estimating token counts", exc)
            return None

    def complete(self, messages: Sequence[Message], *, schema: dict[str, Any] | None, max_tokens: int) -> Completion:
        request: dict[str, Any] = {
            "messages": list(messages),
            "max_tokens": max_tokens,
            "temperature": 0.0,
            "seed": self.seed,
            "cache_prompt": True,  # the system prompt's KV cache is reused from one chunk to the next
        }
        if schema:
            request["response_format"] = {"type": "json_schema", "json_schema": {"name": "minutes", "schema": schema}}
        answer = self.server.handle_chat_completions(request)
        if "error" in answer:
            error = answer["error"]
            raise DraftError(f"llama.cpp refused the request: {error.get('message', error)}")
        timings = answer.get("timings", {})
        return Completion(
            text=answer["choices"][0]["message"].get("content") or "",
            prompt_tokens=int(timings.get("prompt_n", 0)),  # those evaluated; a cached prefix is not counted
            generated_tokens=int(timings.get("predicted_n", 0)),
            prompt_seconds=float(timings.get("prompt_ms", 0.0)) / 1000,
            generation_seconds=float(timings.get("predicted_ms", 0.0)) / 1000,
        )

    def close(self) -> None:
        """Stop llama.cpp's loop and its loopback listener now rather than at garbage collection."""
        self.__dict__.pop("server", None)


def _estimate_tokens(text: str) -> int:
    """An over-estimate for when the tokenizer cannot be asked: Qwen2.5 takes 3.5-4.6 UTF-8 bytes per token on
    English and Vietnamese transcripts and prompts, so chunks cut by this fit the context with room to spare."""
    return math.ceil(len(text.encode("utf-8")) / 3.0) + 1


class LlamaCppDrafter(LLMDrafter):
    """The default LLM drafter: a GGUF model (by default the catalog's Qwen2.5-Coder-1.5B Q4_K_M) on llama.cpp."""

    def __init__(
        self,
        model_path: str | Path | None = None,
        threads: int = 0,
        context: int = 8192,
        *,
        max_tokens: int = 1024,
        chunk_tokens: int | None = None,
        seed: int = 0,
    ) -> None:
        path = resolve_gguf(model_path)
        self.llama = LlamaCppEngine(path, threads=threads, context=context, seed=seed)
        super().__init__(
            self.llama,
            name=f"llama.cpp:{model_name(path)}",
            max_tokens=max_tokens,
            chunk_tokens=chunk_tokens,
        )
        self.model_path = path

    def close(self) -> None:
        self.llama.close()


# -- transformers -------------------------------------------------------------------------------------------------


class TransformersEngine:
    """A transformers causal LM with a chat template. Nothing constrains its JSON: validation and repair must."""

    def __init__(
        self,
        model_id_or_path: str | Path,
        *,
        gguf_file: str | None = None,
        threads: int = 0,
        context: int | None = 8192,
        dtype: str = "auto",
        local_files_only: bool = True,
    ) -> None:
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as exc:
            raise ModelError("drafting with transformers needs it: pip install 'minutes[transformers]'") from exc
        self._torch = torch
        if threads:
            torch.set_num_threads(threads)  # process-wide in torch: the last drafter created sets it
        kwargs: dict[str, Any] = {"local_files_only": local_files_only}
        if gguf_file:
            kwargs["gguf_file"] = gguf_file
        source = str(model_id_or_path)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
            self.model = AutoModelForCausalLM.from_pretrained(source, dtype=_torch_dtype(torch, dtype), **kwargs)
        except (OSError, ValueError) as exc:  # missing files, or an architecture transformers cannot read
            where = f"{source} ({gguf_file})" if gguf_file else source
            raise ModelError(f"transformers cannot load {where}: {exc}") from exc
        self.model.eval()
        limit = int(getattr(self.model.config, "max_position_embeddings", 0) or 0) or (context or 2048)
        self.context = min(limit, context) if context else limit

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def complete(self, messages: Sequence[Message], *, schema: dict[str, Any] | None, max_tokens: int) -> Completion:
        from transformers import LogitsProcessor, LogitsProcessorList

        torch = self._torch
        ids = self.tokenizer.apply_chat_template(
            list(messages), add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        prompt_tokens = int(ids["input_ids"].shape[-1])
        first: list[float] = []

        class _Clock(LogitsProcessor):
            """Called once per new token, first right after the prompt's forward pass: that splits the times."""

            def __call__(self, input_ids: Any, scores: Any) -> Any:
                if not first:
                    first.append(time.perf_counter())
                return scores

        started = time.perf_counter()
        with torch.inference_mode():
            out = self.model.generate(
                **ids,
                max_new_tokens=max_tokens,
                do_sample=False,
                logits_processor=LogitsProcessorList([_Clock()]),
                pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
            )
        ended = time.perf_counter()
        new = out[0][prompt_tokens:]
        prefill = (first[0] if first else ended) - started
        return Completion(
            text=self.tokenizer.decode(new, skip_special_tokens=True),
            prompt_tokens=prompt_tokens,
            generated_tokens=int(new.shape[-1]),
            prompt_seconds=prefill,
            generation_seconds=ended - started - prefill,
        )


DTYPES = ("auto", "float32", "bfloat16", "float16")


def _torch_dtype(torch: Any, name: str) -> Any:
    if name not in DTYPES:
        raise UsageError(f"unknown dtype {name!r}: choose one of {', '.join(DTYPES)}")
    return "auto" if name == "auto" else getattr(torch, name)


class TransformersDrafter(LLMDrafter):
    """Any transformers causal LM: a local directory, a hub id (with `local_files_only=False`), a .gguf file or
    a catalog id of a GGUF model (transformers dequantizes GGUF weights: slow, for comparison and testing)."""

    def __init__(
        self,
        model_id_or_path: str | Path,
        max_new_tokens: int = 1024,
        *,
        gguf_file: str | None = None,
        threads: int = 0,
        context: int | None = 8192,
        dtype: str = "auto",
        chunk_tokens: int | None = None,
        local_files_only: bool = True,
    ) -> None:
        source: str | Path = model_id_or_path
        text = str(model_id_or_path)
        name = Path(text).name or text
        if gguf_file is None and (text.endswith(".gguf") or (not Path(text).exists() and "/" not in text)):
            path = resolve_gguf(model_id_or_path)  # a GGUF file or a catalog id
            source, gguf_file, name = path.parent, path.name, model_name(path)
        super().__init__(
            TransformersEngine(
                source,
                gguf_file=gguf_file,
                threads=threads,
                context=context,
                dtype=dtype,
                local_files_only=local_files_only,
            ),
            name=f"transformers:{name}",
            max_tokens=max_new_tokens,
            chunk_tokens=chunk_tokens,
            constrained=False,
        )


__all__ = [
    "DEFAULT_MODEL",
    "Completion",
    "Engine",
    "LLMDrafter",
    "LlamaCppDrafter",
    "TransformersDrafter",
    "note_lines",
    "transcript_line",
]
