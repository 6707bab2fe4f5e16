"""The hybrid drafter: the extractive drafter finds what to say and where, a small LLM writes the summary.

The 1.5B model is poor at reading a whole meeting and writing a large JSON document (slow: it generates every
time code; and it copies lines or lists "decisions" that are none), but good at a short, narrow task. So:
1. the extractive drafter runs first: topics, decisions and action items from cues, owners, spans;
2. the summary: a short meeting is read whole, a long one in at most 5 parts (consecutive extractive topics,
   each shown in its most central lines that fit ~550 tokens), and the model writes a paragraph of one to four
   third-person sentences per part, as JSON constrained by a schema (llama.cpp grammar or `response_format`);
3. decisions, action items and topics stay the extractive drafter's (measured: the model's own were worse).
A sentence in the first person, a copied line, a question, or one whose words are mostly not in its part
(invented) is dropped; when a part yields nothing usable the extractive summary stays, so every item keeps real
spans. Prompts are English for every language: on the Vietnamese dev items the model followed them better.
"""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from minutes.draft.base import DraftError, DraftOptions
from minutes.draft.extractive import ExtractiveDrafter
from minutes.draft.llm import PROMPTS, Completion, Engine, language_name
from minutes.draft.schema import parse_json, speech_lines
from minutes.hooks import Hook, null_hook
from minutes.model import MeetingInfo, Minutes, Point, Segment, Span, Topic, Transcript, nfc

log = logging.getLogger("minutes.draft")

_TAG = re.compile(r"\{\w+\}|<\w+>|\[(?:noise|laughter|inaudible)\]", re.IGNORECASE)  # {vocalsound}, {disfmarker}
_SPACE_PUNCT = re.compile(r"\s+([,.?!;:])")
_FIRST_PERSON = re.compile(r"^\W*(?:i|i'm|i've|i'll|we|we're|we've|we'll|my|our|tôi|chúng tôi|chúng ta|mình)\b", re.I)
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_SENTENCE = 300  # characters: a looping model stops here
MAX_ITEM = 160  # characters of a decision or action item
PARAGRAPH_CHARS = 200  # per summary sentence asked for (~30 words)


@dataclass(frozen=True)
class HybridOptions:
    short_tokens: int = 1600  # a transcript this short (in the model's tokens) is summarised in one call
    part_tokens: int = 550  # a long meeting's topic is shown in at most this many tokens of its lines
    min_line_words: int = 3  # "Okay." "Mm-hmm.": backchannels cost tokens and say nothing
    words_per_sentence: int = 110  # a short meeting gets one summary sentence per this many words, 1 to 4
    max_sentences: int = 4
    max_parts: int = 5  # a long meeting's topics, joined into at most this many parts, one call each
    part_sentences: int = 2  # summary sentences per part: 5 x 2 is about the length of a human abstract
    grounding: float = 0.5  # share of a sentence's content words that must occur in its part
    sentence_tokens: int = 70  # generation budget per sentence


@dataclass
class _Part:
    lines: list[Segment]
    span: Span
    sentences: int


@dataclass
class _Tally:
    hook: Hook
    calls: int = 0
    failed: int = 0
    dropped: int = 0
    notes: list[str] = field(default_factory=list)


def _groups(topics: list[Topic], n: int) -> list[list[Topic]]:
    """Consecutive topics joined into at most n groups of about equal duration."""
    if len(topics) <= n:
        return [[t] for t in topics]
    total = sum(t.span.end - t.span.start for t in topics if t.span) or 1.0
    groups: list[list[Topic]] = [[]]
    done = 0.0
    for topic in topics:
        assert topic.span is not None
        if groups[-1] and done >= total * len(groups) / n and len(groups) < n:
            groups.append([])
        groups[-1].append(topic)
        done += topic.span.end - topic.span.start
    return groups


def clean(text: str) -> str:
    """Transcript text without annotation tags and the spaces before punctuation that some transcripts have."""
    return _SPACE_PUNCT.sub(r"\1", " ".join(_TAG.sub(" ", nfc(text)).split()))


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def grounded(sentence: str, source: str, share: float, stop: frozenset[str]) -> bool:
    """Whether most of the sentence's content words were said in the part it summarises (nothing invented)."""
    said = set(_words(source))
    content = [w for w in _words(sentence) if w not in stop and len(w) > 2]
    if not content:
        return False
    return sum(w in said for w in content) / len(content) >= share


def first_person(sentence: str) -> bool:
    return bool(_FIRST_PERSON.match(sentence))


class HybridDrafter:
    """Minutes from the extractive drafter's selection, worded by an LLM `Engine` (llama.cpp or a server)."""

    def __init__(
        self,
        engine: Engine,
        *,
        name: str = "hybrid",
        extractive: ExtractiveDrafter | None = None,
        options: HybridOptions | None = None,
    ) -> None:
        self.engine = engine
        self.name = name
        self.extractive = extractive or ExtractiveDrafter()
        self.options = options or HybridOptions()

    def close(self) -> None:
        """Let the model go now (llama.cpp's memory and its loopback listener), not at garbage collection."""
        close = getattr(self.engine, "close", None)
        if close is not None:
            close()

    def draft(
        self,
        transcript: Transcript,
        meeting: MeetingInfo,
        options: DraftOptions | None = None,
        hook: Hook = null_hook,
    ) -> Minutes:
        options = options or DraftOptions()
        base = self.extractive.draft(transcript, meeting, options, hook)
        lines = [s for s in speech_lines(transcript) if len(clean(s.text).split()) >= self.options.min_line_words]
        if not lines:  # no speech (the extractive minutes say so) or only backchannels: nothing to word
            return replace(base, drafter=self.name)
        language = (options.language or transcript.language or base.language or "en").lower()
        prompts = HybridPrompts.load(language)
        tally = _Tally(hook)
        summary = self._summary(self._parts(lines, base), prompts, tally)
        if tally.failed:
            tally.notes.append(f"{tally.failed} of {tally.calls} LLM answer(s) unusable: extractive wording kept there")
        if tally.dropped:
            tally.notes.append(f"{tally.dropped} drafted sentence(s) not supported by the transcript: left out")
        # Decisions and action items stay the cues' (extractive): the model's own, asked per part, matched none
        # of the AMI gold items (0 of 2 drafted), and "agreed" summary sentences none either (0 of 6).
        return replace(
            base,
            language=language,
            summary=summary or base.summary,
            drafter=self.name,
            notes=base.notes + tally.notes,
        )

    # -- what to summarise ---------------------------------------------------------------------------------------

    def _parts(self, lines: list[Segment], base: Minutes) -> list[_Part]:
        """The whole meeting when short, else one part per extractive topic (its most central lines that fit)."""
        opts = self.options
        texts = [self._line(s) for s in lines]
        total = sum(self.engine.count_tokens(t) for t in texts)
        words = sum(len(t.split()) for t in texts)
        if total <= opts.short_tokens or len(base.topics) < 2:
            n = max(1, min(opts.max_sentences, round(words / opts.words_per_sentence)))
            chosen = self._fit(lines, [], opts.short_tokens if total > opts.short_tokens else total)
            return [_Part(chosen, Span(lines[0].start, lines[-1].end), n)]
        parts = []
        for group in _groups([t for t in base.topics if t.span is not None], opts.max_parts):
            span = Span(group[0].span.start, group[-1].span.end)  # type: ignore[union-attr]
            inside = [s for s in lines if s.end > span.start and s.start < span.end]
            if not inside:
                continue
            central = [sp for t in group for p in t.summary for sp in p.spans]
            parts.append(_Part(self._fit(inside, central, opts.part_tokens), span, opts.part_sentences))
        return parts

    def _fit(self, lines: list[Segment], central: Sequence[Span], budget: int) -> list[Segment]:
        """Lines within `budget` tokens, in spoken order: those around the central sentences first, then longest."""

        def near(s: Segment) -> bool:
            return any(s.end > c.start - 20 and s.start < c.end + 20 for c in central)

        ranked = sorted(range(len(lines)), key=lambda i: (not near(lines[i]), -len(lines[i].text.split())))
        keep, used = set(), 0
        for i in ranked:
            cost = self.engine.count_tokens(self._line(lines[i])) + 1
            if used + cost > budget:
                continue
            keep.add(i)
            used += cost
        return [lines[i] for i in sorted(keep)]

    @staticmethod
    def _line(segment: Segment) -> str:
        speaker = f"{segment.speaker}: " if segment.speaker else ""
        return f"{speaker}{clean(segment.text)}"

    # -- the LLM calls -------------------------------------------------------------------------------------------

    def _summary(self, parts: list[_Part], prompts: HybridPrompts, tally: _Tally) -> list[Point]:
        """Summary sentences per part, each spanning its part."""
        out: list[Point] = []
        seen: set[str] = set()
        for n, part in enumerate(parts, 1):
            source = "\n".join(self._line(s) for s in part.lines)
            # The prompt also asks for the part's decisions and actions, which are not used (see `draft`): asked
            # that way the model summarised the discussion better (ES2009a R1 35.0 -> 37.9), and it lists few.
            messages = prompts.messages("hybrid-items", source, part.sentences)
            answer = self._ask(messages, paragraph_schema(part.sentences), part.sentences, tally, n, len(parts))
            speakers = list(dict.fromkeys(s.speaker for s in part.lines if s.speaker))
            for sentence in split_paragraph(_string((answer or {}).get("sentences"))):
                key = " ".join(_words(sentence))
                if key in seen or not self._minute_like(sentence, source, speakers, prompts):
                    tally.dropped += key not in seen
                    continue
                seen.add(key)
                out.append(Point(sentence, [part.span], speakers))
        return out

    def _minute_like(self, sentence: str, source: str, speakers: list[str], prompts: HybridPrompts) -> bool:
        """A minutes sentence: not a copied line ("Marketing: Classical music."), a question, first person, a
        fragment, or words that were never said."""
        if any(sentence.startswith(f"{name}:") for name in speakers) or sentence.endswith("?"):
            return False
        if len(sentence.split()) < 4 or first_person(sentence):
            return False
        return grounded(sentence, source, self.options.grounding, prompts.stop)

    def _ask(
        self,
        messages: list[dict[str, str]],
        schema: dict[str, Any],
        n: int,
        tally: _Tally,
        part: int = 0,
        parts: int = 0,
    ) -> dict[str, Any] | None:
        """The parsed answer (`n` sentences' worth), or None when the model's answer cannot be used."""
        tally.calls += 1
        try:
            done = self.engine.complete(messages, schema=schema, max_tokens=self.options.sentence_tokens * n + 32)
            self._report(done, tally, part, parts)
            answer = parse_json(done.text)
            if "sentences" not in answer:
                raise DraftError("no 'sentences' in the answer")
        except DraftError as exc:
            # one part worded by the extractive drafter is better than no minutes: count it, go on
            log.info("hybrid drafting: an answer was unusable (%s)", exc)
            tally.failed += 1
            return None
        except Exception as exc:  # an engine's own failure (llama.cpp RuntimeError, network OSError)
            raise DraftError(f"the language model failed: {type(exc).__name__}: {exc}") from exc
        return answer

    @staticmethod
    def _report(done: Completion, tally: _Tally, part: int, parts: int) -> None:
        tally.hook(
            "draft",
            completed=part or None,
            total=parts or None,
            tokens_per_second=round(done.tokens_per_second, 2),
            prompt_tokens_per_second=round(done.prompt_tokens_per_second, 1),
            prompt_tokens=done.prompt_tokens,
            generated_tokens=done.generated_tokens,
            retry=False,
        )


def paragraph_schema(n: int) -> dict[str, Any]:
    """`{"sentences": "...", "decisions": [...], "actions": [...]}`: one paragraph of about n sentences (a small
    model asked for a list of sentences runs one sentence on into the next item; a paragraph it writes whole, and
    `split_paragraph` cuts it), and at most two short items of each kind."""
    item = {"type": "string", "minLength": 8, "maxLength": MAX_ITEM}
    properties: dict[str, Any] = {"sentences": {"type": "string", "minLength": 8, "maxLength": PARAGRAPH_CHARS * n}}
    properties |= {k: {"type": "array", "items": item, "maxItems": 2} for k in ("decisions", "actions")}
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


def _string(value: object) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


_SENTENCE = re.compile(r"(?<=[.!?…])\s+(?=\S)")
_LABEL = re.compile(r"^\W*(?:S?PEAKER|UNKNOWN|NGƯỜI NÓI|Summary|Tóm tắt)\s*:\s*", re.IGNORECASE)
_FOREIGN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]+")  # Qwen slips into CJK now and then


def split_paragraph(text: str) -> list[str]:
    """Sentences of a drafted paragraph; a last one cut off by the length limit is left out when others ended."""
    text = " ".join(_FOREIGN.sub(" ", text).split())
    parts = [_LABEL.sub("", p).strip() for p in _SENTENCE.split(text)]
    parts = [p[:1].upper() + p[1:] for p in parts if p]
    if len(parts) > 1 and not parts[-1].endswith((".", "!", "?", "…", '"', "”")):
        parts.pop()
    return [p[:MAX_SENTENCE] for p in parts if len(p.split()) >= 3]


# -- prompts ------------------------------------------------------------------------------------------------------

# Words a faithful minutes sentence may add to what was said: they do not count for or against grounding.
_STOP_TEXT = {
    "en": "the and for that this with was were are has have had will would should could also about from into they "
    "them their there then than which what when who whom been being its it's not but all any can one two some more "
    "discussed presented proposed agreed decided suggested explained mentioned said talked group team meeting "
    "members participants speaker speakers person asked noted raised considered",
    "vi": "và của là có các những được cho với này trong khi để đã đang sẽ không một người cuộc họp thảo luận đề xuất "
    "thống nhất nói rằng về như nhưng thì cũng vì nên bởi nhóm",
}
STOP_WORDS = {language: frozenset(text.split()) for language, text in _STOP_TEXT.items()}


@dataclass(frozen=True)
class HybridPrompts:
    language: str
    prompt_language: str
    templates: dict[str, string.Template]

    @classmethod
    def load(cls, language: str, directory: Path = PROMPTS) -> HybridPrompts:
        # English instructions for every language ($language_name says which to write): on the Vietnamese dev items
        # the 1.5B model followed them better than Vietnamese ones (R1 40 vs 29 over the 5 items, each one up)
        prompt_language = "en"
        templates = {}
        for kind in ("hybrid-items",):
            path = directory / f"{kind}.{prompt_language}.txt"
            try:
                templates[kind] = string.Template(path.read_text(encoding="utf-8").strip())
            except OSError as exc:
                raise DraftError(f"prompt file {path} is missing ({exc}): reinstall minutes") from None
        return cls(language, prompt_language, templates)

    @property
    def stop(self) -> frozenset[str]:
        return STOP_WORDS[self.prompt_language]

    def messages(self, kind: str, body: str, n: int) -> list[dict[str, str]]:
        system = self.templates[kind].substitute(language_name=language_name(self.language, self.prompt_language), n=n)
        return [{"role": "system", "content": system}, {"role": "user", "content": body}]


__all__ = ["HybridDrafter", "HybridOptions", "clean", "first_person", "grounded", "split_paragraph"]
