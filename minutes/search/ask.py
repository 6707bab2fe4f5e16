"""`minutes ask`: the passages that answer a question, cited as [meeting, time], or "not found in the meetings".

With no LLM this is the answer: the best passages themselves, each with its citation. Whether anything relevant
ranked at all is judged from two signals, because e5-small's cosines alone do not separate an answer from a
near-miss (on the search dev set, questions about things never said reach 0.73-0.86 on their best turn, real
questions 0.80-0.87 at their 1st-50th percentiles): a passage counts when it says at least half of the question's
content words and is close in meaning (cosine >= 0.80), or is very close in meaning (>= 0.88) without shared words.
"""

from __future__ import annotations

from dataclasses import dataclass

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
class Answer:
    question: str
    passages: list[Hit]  # empty: not found in the meetings

    @property
    def found(self) -> bool:
        return bool(self.passages)


def ask(index: SearchIndex, question: str, k: int = 3, filters: Filters | None = None) -> Answer:
    """The k best passages that are relevant, best first (none when nothing relevant ranks)."""
    hits = index.search(question, k=max(k, 10), filters=filters or Filters())
    return Answer(question, [h for h in hits if relevant(question, h)][:k])
