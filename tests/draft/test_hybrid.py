"""The hybrid drafter: the extractive drafter's selection worded by an LLM.

First on a scripted engine (what is asked, what of the answer is kept, what happens when it is unusable), then
the real Qwen2.5-Coder-1.5B on llama.cpp on real DialogSum and VietMed-Sum transcripts from ../shared/data.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from minutes.draft.base import DraftOptions
from minutes.draft.embed import LexicalEmbedder
from minutes.draft.extractive import ExtractiveDrafter
from minutes.draft.hybrid import HybridDrafter, HybridOptions, first_person, grounded, split_paragraph
from minutes.draft.llm import DEFAULT_MODEL, Completion
from minutes.model import MeetingInfo, Segment, Transcript, Word
from tests.conftest import missing

VIETNAMESE_LETTERS = re.compile("[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.IGNORECASE)


class Scripted:
    """An engine answering with `answer(messages)`; one token per word."""

    def __init__(self, answer: Callable[[Sequence[dict[str, str]]], str], context: int = 4096) -> None:
        self.answer = answer
        self.context = context
        self.requests: list[list[dict[str, str]]] = []

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def complete(self, messages, *, schema, max_tokens) -> Completion:  # type: ignore[no-untyped-def]
        self.requests.append(list(messages))
        assert schema["required"][0] == "sentences"  # every call is constrained
        return Completion(self.answer(messages), 100, 20, 1.0, 1.0)


def talk(lines: Sequence[tuple[str | None, str]], language: str = "en") -> Transcript:
    """Turns with synthetic word times (0.35 s a word, 0.5 s between turns)."""
    segments, t = [], 0.0
    for speaker, text in lines:
        words = [Word(f" {w}", t + k * 0.35, t + (k + 1) * 0.35 - 0.05) for k, w in enumerate(text.split())]
        for w in words:
            w.speaker = speaker
        segments.append(Segment(words[0].start, words[-1].end, text, words, speaker))
        t = words[-1].end + 0.5
    return Transcript(language=language, duration=t, segments=segments, source="m.wav")


MEETING = [
    ("Lan", "Good morning everyone. The first item is the budget for the school roof repair."),
    ("Minh", "The contractor quoted forty thousand dollars for the roof, which is over our budget."),
    ("Lan", "Then we agree to ask the contractor for a revised quote before we sign anything."),
    ("Minh", "I will call the contractor tomorrow and ask for the revised quote by Friday."),
    ("Lan", "Good. The next meeting will be on the fifteenth in the same room."),
]


def drafter(engine: Any, **options: Any) -> HybridDrafter:
    return HybridDrafter(engine, extractive=ExtractiveDrafter(LexicalEmbedder()), options=HybridOptions(**options))


def answer(sentences: str, decisions: Sequence[str] = (), actions: Sequence[str] = ()) -> str:
    return json.dumps({"sentences": sentences, "decisions": list(decisions), "actions": list(actions)})


# -- the scripted engine ------------------------------------------------------------------------------------------


def test_a_short_meeting_is_one_call_and_only_minute_like_sentences_are_kept() -> None:
    reply = answer(
        "Minh reported that the contractor quoted forty thousand dollars for the roof. "
        "I will call the contractor tomorrow. "  # first person: dropped
        "Lan: Good morning everyone. "  # a copied line: dropped
        "The council approved a new swimming pool for the harbour district. "  # never said: dropped
        "Lan proposed asking the contractor for a revised quote.",
        decisions=["The group agreed the forty thousand quote was over budget."],
        actions=["Minh will call the contractor and ask for the revised quote by Friday."],
    )
    engine = Scripted(lambda messages: reply)
    transcript = talk(MEETING)
    minutes = drafter(engine).draft(transcript, MeetingInfo())

    assert (
        len(engine.requests) == 1 and "Minh: The contractor quoted forty thousand" in engine.requests[0][1]["content"]
    )
    assert [p.text for p in minutes.summary] == [
        "Minh reported that the contractor quoted forty thousand dollars for the roof.",
        "Lan proposed asking the contractor for a revised quote.",
    ]
    assert minutes.summary[0].spans[0].start == 0.0 and minutes.summary[0].spans[0].end == transcript.segments[-1].end
    assert minutes.drafter == "hybrid" and any("not supported by the transcript" in n for n in minutes.notes)
    # decisions and action items are the cues' (the model's own were measured worse), topics too
    cues = ExtractiveDrafter(LexicalEmbedder()).draft(transcript, MeetingInfo())
    assert minutes.decisions == cues.decisions and minutes.action_items == cues.action_items
    assert minutes.topics == cues.topics
    assert all("forty thousand quote" not in d.text for t in minutes.topics for d in t.decisions)


def test_unusable_answers_keep_the_extractive_wording_with_a_note() -> None:
    engine = Scripted(lambda messages: '{"sentences": "The meeting')  # cut off: invalid JSON
    minutes = drafter(engine).draft(talk(MEETING), MeetingInfo())
    extractive = ExtractiveDrafter(LexicalEmbedder()).draft(talk(MEETING), MeetingInfo())
    assert minutes.summary == extractive.summary and minutes.summary
    assert any("1 of 1 LLM answer(s) unusable" in note for note in minutes.notes)


def test_a_long_meeting_is_summarised_in_a_bounded_number_of_short_parts() -> None:
    subjects = [
        ("road", "asphalt", "potholes", "traffic"),
        ("school", "teachers", "classrooms", "pupils"),
        ("hospital", "nurses", "patients", "beds"),
        ("market", "traders", "stalls", "rents"),
    ]
    lines: list[tuple[str | None, str]] = []
    for a, b, c, d in subjects:
        lines.append(("Lan", f"The next item is the {a}."))
        for i in range(12):
            lines.append(("Minh", f"The {a} needs {i + 2} more {b} because the {c} and the {d} keep growing."))
            lines.append(("Lan", f"Yes, the {b} at the {a} said the {c} were worse this year, with {d} too."))
    engine = Scripted(lambda messages: answer("Lan said the potholes on the road were worse this year."))
    minutes = drafter(engine, short_tokens=200, part_tokens=120, max_parts=3).draft(talk(lines), MeetingInfo())
    assert 2 <= len(engine.requests) <= 3
    assert all(engine.count_tokens(r[1]["content"]) <= 120 for r in engine.requests)
    assert [p.text for p in minutes.summary] == [
        "Lan said the potholes on the road were worse this year."
    ]  # only where said


def test_no_speech_asks_nothing_and_keeps_the_note() -> None:
    engine = Scripted(lambda messages: pytest.fail("no call expected"))
    minutes = drafter(engine).draft(Transcript(language="vi", duration=3.0), MeetingInfo())
    assert minutes.notes and not minutes.summary and engine.requests == []


def test_paragraph_splitting_and_filters() -> None:
    assert split_paragraph("SPEAKER: The group met. It agreed on a date. And then the") == [
        "The group met.",
        "It agreed on a date.",
    ]
    assert split_paragraph("Nhóm đã họp 跡 về ngân sách.") == ["Nhóm đã họp về ngân sách."]
    assert first_person("We agreed on it.") and first_person("Tôi sẽ gọi.") and not first_person("Lan agreed.")
    stop = frozenset({"the"})
    assert grounded("Lan proposed the roof repair.", "lan: the roof repair proposal", 0.5, stop)
    assert not grounded("The council built a swimming pool.", "lan: the roof repair", 0.5, stop)


# -- the real model -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def qwen() -> Any:
    import importlib.util

    from minutes.catalog import ModelManager
    from minutes.errors import ModelNotInstalled

    if importlib.util.find_spec("xllamacpp") is None:
        missing("xllamacpp is not installed: pip install -e '.[llm]'")
    try:
        path = ModelManager().path(DEFAULT_MODEL) / "model.gguf"
    except ModelNotInstalled:
        missing(f"the minutes LLM is not installed: run `minutes models install {DEFAULT_MODEL}`")
    from minutes.draft.llm import LlamaCppEngine

    engine = LlamaCppEngine(path, threads=2, context=4096)
    yield engine
    engine.close()


def dev_item(data: Path, item: str) -> tuple[Transcript, dict[str, Any]]:
    folder = data / "minutes" / "data"
    turns = json.loads((folder / f"{item}.transcript.json").read_text(encoding="utf-8"))
    ref = json.loads((folder / f"{item}.ref.json").read_text(encoding="utf-8"))
    speakers = [None if t["speaker"] == "UNKNOWN" else t["speaker"] for t in turns]
    return talk([(s, t["text"]) for s, t in zip(speakers, turns, strict=True)], ref["lang"]), ref


@pytest.mark.model
def test_real_model_writes_third_person_minutes_of_a_work_dialogue(qwen: Any, data: Path) -> None:
    transcript, _ = dev_item(data, "dialogsum_test_0")
    events: list[dict] = []
    minutes = HybridDrafter(qwen).draft(transcript, MeetingInfo(), hook=lambda step, **kw: events.append(kw))
    said = transcript.text.lower()
    assert minutes.summary and minutes.drafter == "hybrid"
    for point in minutes.summary:
        assert not first_person(point.text) and point.text.lower() not in said  # reported, not copied
        assert all(0.0 <= s.start < s.end <= transcript.duration for s in point.spans)
    summary = " ".join(p.text for p in minutes.summary).lower()
    assert any(word in summary for word in ("memo", "messag", "dawson")), summary
    assert sum(e.get("generated_tokens", 0) for e in events) > 0


@pytest.mark.model
def test_real_model_summarises_vietnamese_in_vietnamese(qwen: Any, data: Path) -> None:
    transcript, ref = dev_item(data, "vi_vietmedsum_dev_04")
    minutes = HybridDrafter(qwen).draft(transcript, MeetingInfo(), DraftOptions())
    text = " ".join(p.text for p in minutes.summary)
    assert minutes.language == "vi" and VIETNAMESE_LETTERS.search(text), text
    assert unicodedata.is_normalized("NFC", text)
    assert not any("unusable" in n for n in minutes.notes)  # the model answered: these are its words
    # about the talk's subject (cordyceps, Tibet), in words the reference summary uses too
    ref_words = set(ref["summary"].lower().split())
    assert len(ref_words & set(text.lower().split())) >= 5, text
