"""`minutes ask`: the passages that answer a question, cited as [meeting, time], or "not found in the meetings".

With no LLM this is the answer: the best passages themselves, each with its citation. Whether anything relevant
ranked at all is judged from two signals, because e5-small's cosines alone do not separate an answer from a
near-miss (on the search dev set, questions about things never said reach 0.73-0.86 on their best turn, real
questions 0.80-0.87 at their 1st-50th percentiles): a passage counts when it says at least half of the question's
content words and is close in meaning (cosine >= 0.80), or is very close in meaning (>= 0.88) without shared words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minutes.export.common import short_clock
from minutes.search.index import STOPWORDS, Filters, Hit, SearchIndex
from minutes.search.text import fold, words

MIN_SIMILARITY_WITH_WORDS = 0.80
MIN_SIMILARITY_ALONE = 0.88
MIN_WORD_COVERAGE = 0.5


def coverage(question: str, hit: Hit) -> float:
    """The share of the question's content words that the passage says.

    A word typed without diacritics matches any accented form ("ngan" finds "ngân"); a word typed with them must
    match as typed, since folded Vietnamese syllables collide ("đá" stone, "đã" already and "da" skin all fold to
    "da"). English words match with their endings ("budgets" for "budget").
    """
    terms = {w for w in words(question) if w not in STOPWORDS and fold(w) not in STOPWORDS}
    if not terms:
        return 0.0
    said = {w for _, text in hit.units for w in words(text)}
    said_folded = {fold(w) for w in said}

    def found(term: str) -> bool:
        if term != fold(term):
            return term in said
        stem = term[: max(4, len(term) - 2)]
        return term in said_folded or (len(term) >= 4 and any(w.startswith(stem) for w in said_folded))

    return sum(found(t) for t in terms) / len(terms)


def relevant(question: str, hit: Hit) -> bool:
    if hit.similarity >= MIN_SIMILARITY_ALONE:
        return True
    return hit.similarity >= MIN_SIMILARITY_WITH_WORDS and coverage(question, hit) >= MIN_WORD_COVERAGE


@dataclass
class Claim:
    text: str
    sources: list[int]  # indices into Answer.passages, each one a passage the model was given


@dataclass
class Answer:
    question: str
    passages: list[Hit]  # empty: not found in the meetings
    claims: list[Claim] = field(default_factory=list)  # the LLM's answer; empty without an LLM (or a failed one)
    language: str = "en"
    model: str = ""  # the LLM that wrote the claims
    dropped: int = 0  # the model's sentences left out for citing nothing it was given

    @property
    def found(self) -> bool:
        return bool(self.passages)


def ask(
    index: SearchIndex,
    question: str,
    k: int = 3,
    filters: Filters | None = None,
    llm: AnswerWriter | None = None,
) -> Answer:
    """The k best passages that are relevant, best first (none when nothing relevant ranks); with an LLM, also an
    answer written from those passages alone, in the question's language, each claim citing its passages."""
    hits = index.search(question, k=max(k, 10), filters=filters or Filters())
    answer = Answer(question, [h for h in hits if relevant(question, h)][:k], language=question_language(question))
    if llm is not None and answer.found:
        llm.write(answer)
    return answer


# -- the question's language --------------------------------------------------------------------------------------

_VIETNAMESE_LETTERS = set("ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")
# Vietnamese question words and particles typed without diacritics ("ngan sach duoc duyet khi nao")
_FOLDED_WORDS = "khi nao ai gi sao duoc nhung cua cho voi trong ve se khong bao nhieu cuoc hop ngay nam"
_VIETNAMESE_FOLDED = frozenset(_FOLDED_WORDS.split())


def question_language(question: str) -> str:
    """ "vi" for a Vietnamese question (with or without diacritics), else "en"."""
    lowered = question.lower()
    if any(c in _VIETNAMESE_LETTERS for c in lowered):
        return "vi"
    said = words(lowered)
    return "vi" if said and sum(w in _VIETNAMESE_FOLDED for w in said) >= max(2, len(said) // 3) else "en"


# -- citations ----------------------------------------------------------------------------------------------------


def where(hit: Hit) -> str:
    """ "Title, 12:34" (where the passage's closest unit starts), or "Title, turns 3-7" for a text-only transcript."""
    if hit.start is None:
        return f"{hit.title}, turns {hit.first + 1}-{hit.last + 1}"
    return f"{hit.title}, {short_clock(hit.start)}"


def render(answer: Answer) -> str:
    """The answer as text: each claim followed by [meeting, time] of every passage it cites."""
    if not answer.found:
        return NOT_FOUND[answer.language]
    if answer.claims:
        return " ".join(
            f"{c.text} " + "".join(f"[{where(answer.passages[i])}]" for i in c.sources) for c in answer.claims
        )
    return "\n\n".join(
        f"[{where(h)}]\n" + "\n".join(f"{s}: {t}" if s else t for s, t in h.units) for h in answer.passages
    )


NOT_FOUND = {"en": "Not found in the meetings.", "vi": "Không tìm thấy trong các cuộc họp."}


# -- the LLM's answer ---------------------------------------------------------------------------------------------

MAX_PASSAGE_WORDS = 220  # a passage's words shown to the model: 3 passages stay well inside a 4k context
MAX_CLAIMS = 5

_SYSTEM = {
    "en": (
        "You answer questions about meetings. Use ONLY the numbered passages from the meeting transcripts below. "
        "Write the answer in English, in one to three short sentences of your own words (not copied speech). Each "
        "sentence lists in `sources` the numbers of the passages that say it. If the passages do not answer the "
        "question, return an empty list of sentences."
    ),
    "vi": (
        "Bạn trả lời câu hỏi về các cuộc họp. CHỈ dùng các đoạn trích biên bản được đánh số dưới đây. "
        "Viết câu trả lời bằng tiếng Việt, một đến ba câu ngắn bằng lời của bạn (không chép nguyên lời nói). Mỗi câu "
        "ghi trong `sources` số của các đoạn trích nói điều đó. Nếu các đoạn trích không trả lời được câu hỏi, trả "
        "về danh sách câu rỗng."
    ),
}


def answer_schema(n_passages: int) -> dict[str, Any]:
    """The JSON the model must write: sentences, each citing passage numbers that exist (1..n) and nothing else."""
    return {
        "type": "object",
        "properties": {
            "sentences": {
                "type": "array",
                "maxItems": MAX_CLAIMS,
                "items": {
                    "type": "object",
                    "properties": {
                        "text": {"type": "string", "maxLength": 300},
                        "sources": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": n_passages,
                            "items": {"type": "integer", "enum": list(range(1, n_passages + 1))},
                        },
                    },
                    "required": ["text", "sources"],
                },
            }
        },
        "required": ["sentences"],
    }


def prompt(answer: Answer) -> str:
    blocks = []
    for n, hit in enumerate(answer.passages, 1):
        lines = "\n".join(f"{s}: {t}" if s else t for s, t in hit.units)
        cut = lines.split()
        text = " ".join(cut[:MAX_PASSAGE_WORDS]) + (" ..." if len(cut) > MAX_PASSAGE_WORDS else "")
        label = hit.kind if hit.kind != "speech" else "transcript"
        blocks.append(f"[{n}] ({where(hit)}; {label})\n{text}")
    return "Passages:\n\n" + "\n\n".join(blocks) + f"\n\nQuestion: {answer.question}"


def parse_claims(text: str, n_passages: int) -> tuple[list[Claim], int]:
    """The model's sentences that cite at least one passage it was given; (claims, how many were dropped).

    The schema already limits `sources` to 1..n where the engine enforces it; this check is what guarantees it
    for any engine: a citation of a passage that was not given is removed, and a sentence left citing nothing is
    dropped, since every claim must say where it comes from."""
    try:
        data = json.loads(text)
    except ValueError:
        return [], 0
    sentences = data.get("sentences") if isinstance(data, dict) else None
    if not isinstance(sentences, list):
        return [], 0
    claims, dropped = [], 0
    for item in sentences:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or not item["text"].strip():
            dropped += 1
            continue
        raw = item.get("sources") if isinstance(item.get("sources"), list) else []
        sources = list(
            dict.fromkeys(s - 1 for s in raw if isinstance(s, int) and not isinstance(s, bool) and 1 <= s <= n_passages)
        )
        if sources:
            claims.append(Claim(" ".join(item["text"].split()), sources))
        else:
            dropped += 1
    return claims, dropped


class AnswerWriter:
    """Writes an answer's claims with a local GGUF model on llama.cpp, loaded the way the LLM drafter loads it."""

    def __init__(self, model: str | Path | None = None, threads: int = 0, context: int = 4096) -> None:
        from minutes.draft.llm import LlamaCppEngine, model_name, resolve_gguf

        path = resolve_gguf(model)  # ModelError with the install command when the catalog model is missing
        self.engine: Any = LlamaCppEngine(path, threads=threads, context=context)
        self.name = f"llama.cpp:{model_name(path)}"

    def write(self, answer: Answer) -> None:
        messages = [
            {"role": "system", "content": _SYSTEM[answer.language]},
            {"role": "user", "content": prompt(answer)},
        ]
        done = self.engine.complete(messages, schema=answer_schema(len(answer.passages)), max_tokens=400)
        answer.claims, answer.dropped = parse_claims(done.text, len(answer.passages))
        answer.model = self.name

    def close(self) -> None:
        self.engine.close()


def installed_writer(model: str | Path | None = None) -> AnswerWriter | None:
    """The LLM answer writer when a model is installed (or named), else None: `minutes ask` then shows passages."""
    from minutes.errors import ModelError

    try:
        return AnswerWriter(model)
    except ModelError:
        if model is not None:
            raise  # a model the user named must load, or say why
        return None
