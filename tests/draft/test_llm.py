"""LLM drafting: the map-reduce, repair and language logic on a scripted engine, then the real models.

The real-model tests transcribe real recordings from ../shared/data with the default Whisper model and draft
minutes with the catalog's Qwen2.5-Coder-1.5B (llama.cpp), and with the same GGUF through transformers.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from minutes.draft.base import DraftError, DraftOptions
from minutes.draft.llm import (
    DEFAULT_MODEL,
    Completion,
    LLMDrafter,
    Prompts,
    chunk_lines,
    resolve_gguf,
    transcript_line,
)
from minutes.draft.schema import format_time
from minutes.errors import ModelError
from minutes.model import MeetingInfo, Segment, Transcript, Word
from tests.conftest import join_clips, missing

VIVOS = [f"vi_vivos_VIVOSSPK01_R{n:03d}" for n in range(1, 31)]
VIETNAMESE_LETTERS = re.compile("[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.IGNORECASE)


# -- a scripted engine ----------------------------------------------------------------------------------------------


class ScriptedEngine:
    """Answers from a list (or a function of the request); counts one token per word."""

    def __init__(self, answers: Sequence[Any], context: int = 4096) -> None:
        self.answers = list(answers)
        self.context = context
        self.requests: list[list[dict[str, str]]] = []

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def complete(self, messages, *, schema, max_tokens) -> Completion:
        self.requests.append(list(messages))
        answer = self.answers.pop(0)
        text = answer(messages) if callable(answer) else answer if isinstance(answer, str) else json.dumps(answer)
        return Completion(text, prompt_tokens=100, generated_tokens=50, prompt_seconds=1.0, generation_seconds=2.0)


def meeting(n: int = 3, speaker: str | None = "CHAIR", language: str = "en") -> Transcript:
    segments = [
        Segment(10.0 * i + 1, 10.0 * i + 8.5, f"Item {i}: we discuss the road budget number {i}.", speaker=speaker)
        for i in range(n)
    ]
    return Transcript(language=language, duration=10.0 * n, segments=segments, source="m.wav")


def cite(segment: Segment, text: str) -> dict[str, str]:
    return {"text": text, "start": format_time(segment.start), "end": format_time(segment.end, up=True)}


def answer_for(segments: Sequence[Segment], text: str = "The road budget was discussed.") -> dict:
    first, last = segments[0], segments[-1]
    span = {"start": format_time(first.start), "end": format_time(last.end, up=True)}
    return {
        "summary": [{"text": text, **span}],
        "topics": [{"title": "Road budget", **span, "points": [cite(first, "Budget number discussed.")]}],
        "decisions": [],
        "action_items": [{"task": "Check the figures", "owner": "CHAIR", "due": None, **span}],
        "open_questions": [],
    }


def cited_answer(messages) -> str:
    """Cites the first and last transcript (or notes) line of the request, as a well-behaved model would."""
    times = re.findall(r"^\[(\d\d:\d\d)–(\d\d:\d\d)\]", messages[-1]["content"], re.MULTILINE)
    span = {"start": times[0][0], "end": times[-1][1]}
    return json.dumps(
        {
            "summary": [{"text": f"Covered {span['start']} to {span['end']}.", **span}],
            "topics": [],
            "decisions": [{"text": "Agreed.", **span}],
            "action_items": [],
            "open_questions": [],
        }
    )


# -- unit tests -----------------------------------------------------------------------------------------------------


def test_transcript_lines_carry_times_and_speakers() -> None:
    assert transcript_line(Segment(61.2, 65.01, " We agree. ", speaker="LAN")) == "[01:01–01:06] LAN: We agree."
    assert transcript_line(Segment(1.0, 2.0, "Hi")) == "[00:01–00:02] Hi"


def test_one_chunk_gives_minutes_with_spans_and_progress() -> None:
    transcript = meeting()
    engine = ScriptedEngine([answer_for(transcript.segments)])
    events: list[dict] = []
    minutes = LLMDrafter(engine, name="scripted").draft(
        transcript, MeetingInfo(title="Budget"), hook=lambda step, **kw: events.append({"step": step, **kw})
    )
    assert minutes.drafter == "scripted" and minutes.language == "en" and minutes.meeting.title == "Budget"
    assert minutes.summary[0].spans[0].start == 1.0 and minutes.summary[0].spans[0].end == 28.5
    assert minutes.summary[0].speakers == ["CHAIR"]
    assert minutes.action_items[0].owner == "CHAIR" and minutes.topics[0].summary
    user = engine.requests[0][1]["content"]
    assert "[00:01–00:09] CHAIR: Item 0: we discuss the road budget number 0." in user and "Title: Budget" in user
    assert events[0] == {"step": "draft", "completed": 0, "total": 1, "chunks": 1}
    assert events[1]["completed"] == 1 and events[1]["tokens_per_second"] == 25.0
    assert events[1]["prompt_tokens_per_second"] == 100.0
    assert events[-1] == {
        "step": "draft",
        "completed": 1,
        "total": 1,
        "tokens_per_second": 25.0,
        "generated_tokens": 50,
    }


def test_long_meetings_are_mapped_in_chunks_and_reduced_keeping_spans() -> None:
    transcript = meeting(60)
    engine = ScriptedEngine([cited_answer] * 20, context=1000)
    drafter = LLMDrafter(engine, name="scripted", max_tokens=200)
    minutes = drafter.draft(transcript, MeetingInfo())
    maps = [r for r in engine.requests if "part " in r[1]["content"]]
    assert len(maps) >= 2 and len(engine.requests) == len(maps) + 1  # then one reduce over the chunks' minutes
    reduce_request = engine.requests[-1][1]["content"]
    assert "summary: Covered" in reduce_request and "decision: Agreed." in reduce_request
    # the merged answer cites the first and the last line: its span runs over the whole meeting
    span = minutes.summary[0].spans[0]
    assert span.start == 1.0 and span.end == transcript.segments[-1].end
    for request in engine.requests:
        assert sum(engine.count_tokens(m["content"]) for m in request) <= engine.context - drafter.max_tokens


def test_chunks_respect_the_budget_and_keep_long_lines_whole() -> None:
    lines = ["a b", "c", "d e f g h i j k", "l"]  # each line costs its words and a newline
    assert chunk_lines(lines, budget=6, count=lambda t: len(t.split())) == [[0, 1], [2], [3]]


def test_invalid_answer_is_repaired_once() -> None:
    transcript = meeting()
    engine = ScriptedEngine(["The meeting went well.", answer_for(transcript.segments)])
    events: list[dict] = []
    minutes = LLMDrafter(engine, name="s").draft(transcript, MeetingInfo(), hook=lambda s, **kw: events.append(kw))
    assert minutes.summary
    assert len(engine.requests) == 2
    assert "could not be used" in engine.requests[1][1]["content"]
    assert "no JSON object" in engine.requests[1][1]["content"]
    assert [e.get("retry") for e in events[1:-1]] == [False, True]


def test_items_without_real_times_are_counted_in_the_notes() -> None:
    transcript = meeting()
    data = answer_for(transcript.segments)
    data["decisions"] = [{"text": "Invented later.", "start": "40:00", "end": "41:00"}]
    minutes = LLMDrafter(ScriptedEngine([data]), name="s").draft(transcript, MeetingInfo())
    assert minutes.decisions == [] and minutes.summary
    assert minutes.notes == ["1 item(s) the model wrote cited no time in the transcript: left out"]


def test_two_invalid_answers_raise_draft_error() -> None:
    engine = ScriptedEngine(['{"summary": [', "still not json"])
    with pytest.raises(DraftError, match="after a retry"):
        LLMDrafter(engine, name="s").draft(meeting(), MeetingInfo())


def test_answers_citing_no_real_time_are_refused() -> None:
    bogus = {"summary": [{"text": "Invented.", "start": "59:00", "end": "59:30"}], "topics": []}
    engine = ScriptedEngine([bogus, bogus])
    with pytest.raises(DraftError, match="cite"):
        LLMDrafter(engine, name="s").draft(meeting(), MeetingInfo())


def test_failed_reduce_keeps_the_chunks_minutes() -> None:
    transcript = meeting(60)

    def answer(messages) -> str:
        return cited_answer(messages) if "Transcript, part" in messages[-1]["content"] else "nonsense"

    engine = ScriptedEngine([answer] * 40, context=1000)
    minutes = LLMDrafter(engine, name="s", max_tokens=200).draft(transcript, MeetingInfo())
    assert len(minutes.summary) >= 2  # one per chunk, side by side
    assert any("listed one after another" in note for note in minutes.notes)


def test_engine_failure_becomes_draft_error() -> None:
    def boom(messages):
        raise RuntimeError("llama_decode returned -1")

    with pytest.raises(DraftError, match="llama_decode"):
        LLMDrafter(ScriptedEngine([boom]), name="s").draft(meeting(), MeetingInfo())


def test_empty_transcript_raises_draft_error() -> None:
    with pytest.raises(DraftError, match="no speech"):
        LLMDrafter(ScriptedEngine([]), name="s").draft(Transcript(language="en", duration=5.0), MeetingInfo())


def test_minutes_follow_the_meeting_language_unless_told_otherwise() -> None:
    transcript = meeting(language="vi")
    engine = ScriptedEngine([answer_for(transcript.segments)] * 2)
    minutes = LLMDrafter(engine, name="s").draft(transcript, MeetingInfo())
    assert minutes.language == "vi"
    assert "tiếng Việt" in engine.requests[0][0]["content"] and "Bạn là thư ký" in engine.requests[0][0]["content"]
    minutes = LLMDrafter(engine, name="s").draft(transcript, MeetingInfo(), DraftOptions(language="en"))
    assert minutes.language == "en" and "in English" in engine.requests[1][0]["content"]


@pytest.mark.parametrize("language", ["en", "vi", "fr", "xx"])
def test_every_prompt_fills_its_slots(language: str) -> None:
    prompts = Prompts.load(language)
    texts = [
        prompts.system(5),
        prompts.map("Title: x\n\n", ["[00:01–00:02] A: hi"], 1, 2, "00:00", "00:02"),
        prompts.reduce("", ["[00:01–00:02] summary: hi"], 2),
        prompts.repair("bad JSON"),
    ]
    for text in texts:
        assert "$" not in text and text == unicodedata.normalize("NFC", text)
    assert ("French" in texts[0]) == (language == "fr")


def test_model_paths_that_cannot_work_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not a GGUF language model"):
        resolve_gguf("base")  # the Whisper model's catalog id
    with pytest.raises(ModelError, match=r"holds no \.gguf"):
        resolve_gguf(tmp_path)
    with pytest.raises(ModelError, match="not found"):
        resolve_gguf(tmp_path / "missing.gguf")


def test_a_damaged_gguf_file_is_a_model_error(tmp_path: Path) -> None:
    need("xllamacpp", "llm")
    from minutes.draft.llm import LlamaCppDrafter

    damaged = tmp_path / "model.gguf"
    damaged.write_bytes(b"GGUF" + bytes(range(256)) * 16)
    with pytest.raises(ModelError, match="cannot load"):
        LlamaCppDrafter(damaged, threads=1, context=512)


# -- real models ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def llm_path() -> Path:
    from minutes.catalog import ModelManager
    from minutes.errors import ModelNotInstalled

    try:
        return ModelManager().path(DEFAULT_MODEL) / "model.gguf"
    except ModelNotInstalled:
        missing(f"the minutes LLM is not installed: run `minutes models install {DEFAULT_MODEL}`")
        raise


def need(module: str, extra: str) -> None:
    """Locally a missing backend skips its tests; in CI it fails them (see tests/conftest.py)."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        missing(f"{module} is not installed: pip install -e '.[{extra}]'")


@pytest.fixture(scope="module")
def llama_drafter(llm_path: Path):
    need("xllamacpp", "llm")
    from minutes.draft.llm import LlamaCppDrafter

    return LlamaCppDrafter(llm_path, threads=2, context=8192)


def speakers_from_stm(transcript: Transcript, stm: Path) -> Transcript:
    """Label each word with the reference speaker it overlaps most (no hand labelling): names for the model."""
    turns = []
    for row in stm.read_text(encoding="utf-8").splitlines():
        parts = row.split(maxsplit=5)
        turns.append((float(parts[3]), float(parts[4]), parts[2]))

    def who(word: Word) -> str | None:
        best, name = max((min(word.end, b) - max(word.start, a), name) for a, b, name in turns)
        return name if best > -0.3 else None  # within 0.3 s of a turn: the reference is word-aligned, not exact

    for segment in transcript.segments:
        for word in segment.words:
            word.speaker = who(word)
    return transcript


def check_spans(minutes, transcript: Transcript) -> None:
    points = minutes.summary + minutes.decisions + minutes.open_questions
    points += [p for t in minutes.topics for p in t.summary]
    spans = [s for p in points for s in p.spans] + [s for a in minutes.action_items for s in a.spans]
    spans += [t.span for t in minutes.topics if t.span]
    assert spans
    for span in spans:
        assert 0.0 <= span.start < span.end <= transcript.duration + 0.01


def all_text(minutes) -> str:
    texts = [p.text for p in minutes.summary + minutes.decisions + minutes.open_questions]
    texts += [t.title for t in minutes.topics] + [p.text for t in minutes.topics for p in t.summary]
    return " ".join(texts + [a.task for a in minutes.action_items])


@pytest.mark.model
@pytest.mark.slow
def test_llama_cpp_drafts_english_minutes_of_a_real_call(llama_drafter, transcriber, data) -> None:
    transcript = transcriber.transcribe(data / "audio" / "conv_pyannote_sample.wav", language="en")
    transcript = speakers_from_stm(transcript, data / "ref" / "conv_pyannote_sample.stm")
    events: list[dict] = []
    minutes = llama_drafter.draft(transcript, MeetingInfo(), hook=lambda step, **kw: events.append(kw))

    assert minutes.language == "en" and minutes.summary and minutes.drafter.startswith("llama.cpp:")
    check_spans(minutes, transcript)
    summary = " ".join(p.text for p in minutes.summary).lower()
    said = ["diane", "sheila", "chicago", "new jersey", "texas", "yankee"]
    assert any(word in summary for word in said), summary
    assert any(e.get("tokens_per_second", 0) > 0 and e.get("prompt_tokens_per_second", 0) > 0 for e in events)


@pytest.mark.model
@pytest.mark.slow
def test_llama_cpp_drafts_vietnamese_minutes_in_chunks(llama_drafter, transcriber, data) -> None:
    samples, _ = join_clips(data, VIVOS)
    transcript = transcriber.transcribe(samples, language="vi")
    # small chunks force the real map-reduce on this 2-minute recording: several maps, then one merge
    drafter = LLMDrafter(llama_drafter.llama, name=llama_drafter.name, chunk_tokens=250)
    events: list[dict] = []
    minutes = drafter.draft(transcript, MeetingInfo(), hook=lambda step, **kw: events.append(kw))

    assert events[0]["chunks"] >= 2 and events[-1]["completed"] == events[-1]["total"] == events[0]["chunks"] + 1
    assert minutes.language == "vi" and minutes.summary
    check_spans(minutes, transcript)
    text = all_text(minutes)
    assert VIETNAMESE_LETTERS.search(text), text
    assert unicodedata.is_normalized("NFC", text)


@pytest.mark.model
@pytest.mark.slow
def test_transformers_runs_the_same_prompts_and_refuses_a_truncated_answer(llm_path, transcriber, data) -> None:
    """Transformers dequantizes the GGUF (slow): 8 new tokens cannot make minutes, so validation must refuse."""
    need("transformers", "transformers")
    from minutes.draft.llm import TransformersDrafter

    transcript = transcriber.transcribe(data / "audio" / "conv_pyannote_sample.wav", language="en")
    drafter = TransformersDrafter(llm_path, max_new_tokens=8, threads=2, dtype="bfloat16")
    answers: list[Completion] = []
    complete = drafter.engine.complete

    def recording(messages, **kw):
        answers.append(complete(messages, **kw))
        return answers[-1]

    drafter.engine.complete = recording  # type: ignore[method-assign]
    with pytest.raises(DraftError, match="after a retry"):
        drafter.draft(transcript, MeetingInfo())
    assert len(answers) == 2  # the answer and the repair
    assert all(a.text.strip() and 0 < a.generated_tokens <= 8 for a in answers)
