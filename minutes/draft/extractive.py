"""The extractive drafter: minutes without an LLM, and the fallback when the LLM fails.

Everything it writes is a sentence (or a trimmed sentence) that was said, with the time span it was said in:
1. the transcript is cut into sentences at sentence punctuation, each keeping its word-timestamp span and speaker;
2. sentence embeddings (multilingual e5, `minutes.draft.embed`) place topic boundaries TextTiling-style, where the
   similarity between the windows either side of a gap dips deepest, with a minimum topic length;
3. each topic is titled by its announcing phrase ("Next item: ...") or its most central sentence, trimmed, and
   summarised by its 1-3 most central sentences, kept diverse with maximal marginal relevance (MMR);
4. decisions, action items (owner, due date) and open questions come from cue phrases kept per language in
   `minutes/draft/cues/<lang>.toml`, so they can be tuned without touching code.
The minutes are in the transcript's language: an extractive drafter cannot translate.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from minutes.draft import rewrite
from minutes.draft.base import DraftOptions
from minutes.draft.embed import Embedder, LexicalEmbedder, load_embedder
from minutes.draft.rewrite import Rules, clean, reported
from minutes.hooks import Hook, null_hook
from minutes.model import ActionItem, MeetingInfo, Minutes, Point, Span, Topic, Transcript, nfc

CUES_DIR = Path(__file__).resolve().parent / "cues"
NO_SPEECH_EN = "No speech was found in the recording."
SKIP_FLAGS = frozenset({"repetition"})  # hallucination loops flagged by the transcriber: never quoted


# -- sentences ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    text: str  # NFC, exactly as in the segment's text
    start: float
    end: float
    speaker: str | None
    segment: int  # index of the transcript segment it was cut from
    quotable: bool = True  # False for text from a segment flagged as a hallucination loop

    @property
    def n_words(self) -> int:
        return len(self.text.split())

    @property
    def question(self) -> bool:
        return self.text.rstrip("\"'”’) ").endswith("?")

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)


_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s|$)")
_SPACE = re.compile(r"\s+")


def _sentence_ranges(text: str, abbreviations: frozenset[str]) -> list[tuple[int, int]]:
    """Character ranges of the sentences in `text`, cut after . ! ? … that end a sentence."""
    ranges, begin = [], 0
    for m in _SENTENCE_END.finditer(text):
        if m.group()[0] == "." and len(m.group().rstrip("\"'”’)]")) == 1:
            before = text[begin : m.start()].split()
            token = before[-1].lower().lstrip("(\"'“‘") if before else ""
            after = text[m.end() :].lstrip()
            # "Mr. Tan", "TP. Hồ Chí Minh", "J. Smith" and "e.g. this" do not end a sentence
            if token in abbreviations or (len(token) == 1 and token.isalpha()) or (after[:1].islower()):
                continue
        ranges.append((begin, m.end()))
        begin = m.end()
    ranges.append((begin, len(text)))
    out = []
    for a, b in ranges:
        piece = text[a:b]
        stripped = piece.strip()
        if re.search(r"\w", stripped):
            lead = len(piece) - len(piece.lstrip())
            out.append((a + lead, a + lead + len(stripped)))
    return out


def _run_on_ranges(
    text: str, a: int, b: int, breaks: Matcher | None, most: int, soft: Matcher | None = None
) -> list[tuple[int, int]]:
    """A run-on "sentence" longer than `most` words (speech recognised without punctuation) cut into statements
    of about half to all of `most` words, at a clause break ("nhưng", "bởi vì", "and") where there is one, else
    before the last word that may start a clause (`soft`: "chúng ta", "khi"), rather than inside a two-syllable
    Vietnamese word ("cải | thiện")."""
    words = [(m.start() + a, m.end() + a) for m in re.finditer(r"\S+", text[a:b])]
    if len(words) <= most:
        return [(a, b)]

    def positions(matcher: Matcher | None) -> set[int]:
        return {m.start() for m in matcher.pattern.finditer(text, a, b)} if matcher and matcher.pattern else set()

    starts, soft_starts = positions(breaks), positions(soft)
    pieces, first = [], 0
    for k in range(1, len(words)):
        length = k - first
        if words[k][0] in starts and length >= most // 2:
            cut = k
        elif length >= most:
            cut = next((j for j in range(k, first + most // 2, -1) if words[j][0] in soft_starts), k)
        else:
            continue
        pieces.append((words[first][0], words[cut - 1][1]))
        first = cut
    pieces.append((words[first][0], words[-1][1]))
    if len(pieces) > 1 and len(text[pieces[-1][0] : pieces[-1][1]].split()) < most // 4:  # a scrap joins the last
        pieces[-2:] = [(pieces[-2][0], pieces[-1][1])]
    return pieces


def split_sentences(
    transcript: Transcript,
    abbreviations: Sequence[str] = (),
    breaks: Matcher | None = None,
    most: int = 32,
    soft: Matcher | None = None,
) -> list[Sentence]:
    """Sentences in recording order; each span comes from its words' timestamps, clipped to its segment. Run-ons
    longer than `most` words are cut at clause `breaks` (see `_run_on_ranges`)."""
    abbrev = frozenset(a.lower().rstrip(".") for a in abbreviations)
    sentences = []
    for index, seg in enumerate(transcript.segments):
        text = nfc(seg.text.strip())
        if not text:
            continue
        char_word = _char_to_word(text, [nfc(w.text) for w in seg.words])
        ranges = [r for a, b in _sentence_ranges(text, abbrev) for r in _run_on_ranges(text, a, b, breaks, most, soft)]
        for a, b in ranges:
            if char_word is not None:
                first, last = char_word[a], char_word[b - 1]
                start, end = seg.words[first].start, seg.words[last].end
                speakers = [w.speaker for w in seg.words[first : last + 1] if w.speaker]
            else:  # no usable words: share the segment's time out by characters
                duration = max(seg.end - seg.start, 0.0)
                start = seg.start + duration * a / len(text)
                end = seg.start + duration * b / len(text)
                speakers = []
            start, end = max(seg.start, start), min(seg.end, end)
            if end < start:
                start, end = seg.start, seg.end
            speaker = Counter(speakers).most_common(1)[0][0] if speakers else seg.speaker
            quotable = not (SKIP_FLAGS & set(seg.flags))
            sentences.append(Sentence(text[a:b], round(start, 3), round(end, 3), speaker, index, quotable))
    return sentences


def _char_to_word(text: str, words: list[str]) -> list[int] | None:
    """For each character of `text`, the index of the word it belongs to; None when the words do not spell the text.

    Whisper's word texts carry their leading space and join to the segment text; comparing without whitespace also
    copes with words that were re-spaced. Whitespace characters take the word before them.
    """
    if not words or _SPACE.sub("", "".join(words)) != _SPACE.sub("", text):
        return None
    owner = [i for i, w in enumerate(words) for ch in w if not ch.isspace()]
    mapping, k, current = [], 0, 0
    for ch in text:
        if not ch.isspace():
            current = owner[k]
            k += 1
        mapping.append(current)
    return mapping


# -- cue phrases --------------------------------------------------------------------------------------------------


class Matcher:
    """Phrases (whole words, `*` = one to four words) and regexes, case-insensitive, compiled into one pattern."""

    def __init__(self, phrases: Sequence[str] = (), regexes: Sequence[str] = ()) -> None:
        parts = [self._phrase(p) for p in sorted({nfc(p) for p in phrases}, key=len, reverse=True) if p.strip()]
        parts += [f"(?:{nfc(r)})" for r in regexes]
        self._parts = [re.compile(rf"(?<!\w){p}(?!\w)", re.IGNORECASE) for p in parts]
        self.pattern = re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE) if parts else None

    @staticmethod
    def _phrase(phrase: str) -> str:
        words = [r"(?:\S+\s+){0,3}\S+" if w == "*" else re.escape(w) for w in phrase.split()]
        return r"\s+".join(words).replace("'", "['’]")

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text) if self.pattern else None

    def longest(self, text: str) -> re.Match[str] | None:
        """The earliest match, the longest of those starting there ("trong tuần này" over "trong tuần"): one
        alternation would stop at whichever alternative is listed first."""
        best = None
        for part in self._parts:
            for m in part.finditer(text):
                if best is None or (m.start(), -m.end()) < (best.start(), -best.end()):
                    best = m
        return best


@dataclass(frozen=True)
class Cues:
    language: str
    no_speech: str = NO_SPEECH_EN
    no_summary: str = "No sentence of the meeting could stand as a summary point: write the summary by hand."
    fillers: frozenset[str] = frozenset()
    abbreviations: tuple[str, ...] = ()
    decision: Matcher = field(default_factory=Matcher)
    decision_not: Matcher = field(default_factory=Matcher)
    decision_closing: Matcher = field(default_factory=Matcher)
    decision_recap: Matcher = field(default_factory=Matcher)
    decision_hedges: Matcher = field(default_factory=Matcher)
    decision_dependent: Matcher = field(default_factory=Matcher)
    decision_tentative: Matcher = field(default_factory=Matcher)
    decision_continues: Matcher = field(default_factory=Matcher)
    action: Matcher = field(default_factory=Matcher)
    action_weak: Matcher = field(default_factory=Matcher)
    action_not: Matcher = field(default_factory=Matcher)
    action_present: Matcher = field(default_factory=Matcher)
    action_tags: Matcher = field(default_factory=Matcher)
    task_not_openers: frozenset[str] = frozenset()
    handout: Matcher = field(default_factory=Matcher)
    owner_self: Matcher = field(default_factory=Matcher)
    owner_request: Matcher = field(default_factory=Matcher)
    owner_accept: Matcher = field(default_factory=Matcher)
    owner_acknowledge: Matcher = field(default_factory=Matcher)
    owner_assign: tuple[str, ...] = ()
    owner_delegate: tuple[str, ...] = ()
    owner_generic: Matcher = field(default_factory=Matcher)
    owner_groups: Matcher = field(default_factory=Matcher)
    owner_titles: tuple[str, ...] = ()
    owner_units: tuple[str, ...] = ()
    subject_verbs: Matcher = field(default_factory=Matcher)
    not_names: frozenset[str] = frozenset()
    deadline: Matcher = field(default_factory=Matcher)
    topic_intro: Matcher = field(default_factory=Matcher)
    clause_breaks: Matcher = field(default_factory=Matcher)
    clause_starts: Matcher = field(default_factory=Matcher)
    rules: Rules = field(default_factory=lambda: Rules("und"))


def _base_language(language: str | None) -> str:
    return (language or "en").lower().replace("_", "-").split("-")[0]


def load_cues(language: str | None) -> Cues:
    """The cue phrases for a language; a language without a cue file gets none (topics and summary still work)."""
    return _load_cues(_base_language(language))


@lru_cache(maxsize=16)
def _load_cues(code: str) -> Cues:
    path = CUES_DIR / f"{code}.toml"
    if not path.is_file():
        return Cues(language=code)
    data = tomllib.loads(path.read_text(encoding="utf-8"))

    def section(name: str) -> dict:
        return data.get(name, {})

    owner = section("owner")
    return Cues(
        language=code,
        no_speech=nfc(data.get("no_speech", NO_SPEECH_EN)),
        no_summary=nfc(data.get("no_summary", Cues.no_summary)),
        fillers=frozenset(nfc(f).lower() for f in data.get("fillers", [])),
        abbreviations=tuple(data.get("abbreviations", [])),
        decision=Matcher(section("decision").get("phrases", ()), section("decision").get("regex", ())),
        decision_not=Matcher(section("decision").get("not", ())),
        decision_closing=Matcher(section("decision").get("closing", ())),
        decision_recap=Matcher(section("decision").get("recap", ())),
        decision_hedges=Matcher(section("decision").get("hedges", ())),
        decision_dependent=Matcher(section("decision").get("dependent", ())),
        decision_tentative=Matcher(section("decision").get("tentative", ())),
        decision_continues=Matcher(section("decision").get("continues", ())),
        action=Matcher(section("action").get("phrases", ()), section("action").get("regex", ())),
        action_weak=Matcher(section("action").get("weak", ())),
        action_not=Matcher(section("action").get("not", ())),
        action_present=Matcher(section("action").get("present", ())),
        action_tags=Matcher(section("action").get("tags", ())),
        task_not_openers=frozenset(nfc(w).lower() for w in section("action").get("not_openers", [])),
        handout=Matcher(section("action").get("handout", ())),
        owner_self=Matcher(owner.get("self", ())),
        owner_request=Matcher(owner.get("request", ())),
        owner_accept=Matcher(owner.get("accept", ())),
        owner_acknowledge=Matcher(owner.get("acknowledge", ())),
        owner_assign=tuple(nfc(v) for v in owner.get("assign", [])),
        owner_delegate=tuple(nfc(v) for v in owner.get("delegate", [])),
        owner_generic=Matcher(owner.get("generic", ())),
        owner_groups=Matcher(owner.get("groups", ()), owner.get("groups_regex", ())),
        owner_titles=_longest_first(owner.get("titles", [])),
        owner_units=_longest_first(owner.get("units", [])),
        subject_verbs=Matcher(owner.get("subject_verbs", ())),
        not_names=frozenset(nfc(n) for n in owner.get("not_names", [])),
        deadline=Matcher(section("deadline").get("phrases", ()), section("deadline").get("regex", ())),
        topic_intro=Matcher(section("topic").get("intro", ())),
        clause_breaks=Matcher(data.get("clause_breaks", ())),
        clause_starts=Matcher(data.get("clause_starts", ())),
        rules=_rules(code, data),
    )


def _rules(code: str, data: dict) -> Rules:
    report = data.get("report", {})
    return Rules(
        language=code,
        disfluencies=tuple(nfc(w) for w in data.get("disfluencies", [])),
        interjections=tuple(nfc(w) for w in data.get("interjections", [])),
        default_verb=nfc(report.get("default", "")),
        openers=tuple((nfc(a), nfc(b)) for a, b in report.get("openers", [])),
        pronouns=tuple((nfc(a), nfc(b)) for a, b in report.get("pronouns", [])),
        first_person=tuple(nfc(w) for w in report.get("first_person", [])),
        decision_subject=nfc(report.get("decision_subject", "")),
        roles=frozenset(w.lower() for w in report.get("roles", [])),
        second_person=tuple(nfc(w) for w in report.get("second_person", [])),
        dangling=frozenset(nfc(w).lower() for w in report.get("dangling", [])),
        decision_future=tuple((nfc(a), nfc(b)) for a, b in report.get("decision_future", [])),
        task_verb=nfc(report.get("task_verb", "")),
    )


def _longest_first(words: Sequence[str]) -> tuple[str, ...]:
    return tuple(sorted({nfc(w).lower() for w in words}, key=len, reverse=True))


def no_speech_note(language: str | None) -> str:
    return load_cues(language).no_speech


# -- text helpers -------------------------------------------------------------------------------------------------


def _strip_fillers(text: str, cues: Cues) -> str:
    """Drop openers that carry nothing ("So, okay, we agreed ..." -> "We agreed ..."); the rest stays verbatim."""
    rest = text
    while True:
        m = re.match(r"[\s,;:.!?…–—-]*(\w+(?:\s\w+)?)", rest)
        if not m:
            break
        one = re.match(r"[\s,;:.!?…–—-]*(\w+)", rest)
        for candidate in (m, one):
            if candidate and candidate.group(1).lower() in cues.fillers:
                rest = rest[candidate.end() :]
                break
        else:
            break
    rest = rest.lstrip(" ,;:.!?…–—-")
    # "... curved from one side, yeah." - a filler tagged on at the end goes too
    while (tail := re.search(r",\s*(\w+)\W*$", rest)) and tail.group(1).lower() in cues.fillers:
        rest = rest[: tail.start()] + rest[tail.end(1) :].replace(",", "")
    return _capitalise(rest) if re.search(r"\w", rest) else text


def written(text: str, cues: Cues) -> str:
    """A spoken sentence as the drafter reads it: cleaned (`rewrite.clean`), openers that carry nothing off."""
    return _strip_fillers(clean(text, cues.rules), cues)


def _only_fillers(text: str, cues: Cues) -> bool:
    return all(w.lower() in cues.fillers for w in re.findall(r"\w+", text))


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _short_title(text: str, cues: Cues, max_words: int) -> str:
    """A key phrase from a sentence: fillers off, the first clause, at most `max_words` words, no end punctuation."""
    title = _strip_fillers(text, cues)
    words = title.split()
    for i, w in enumerate(words):
        if i >= 2 and re.search(r"[,;:?!.…]$", w):
            words = words[: i + 1]
            break
    cut = len(words) > max_words
    words = words[:max_words]
    title = " ".join(words).rstrip(" ,;:.!?…–—-\"'”’")
    return _capitalise(title) + ("…" if cut else "")


def _clean_token(token: str) -> str:
    return token.strip(" ,;:.!?…\"'“”‘’()[]")


def _is_name(token: str, cues: Cues) -> bool:
    word = _clean_token(token)
    if re.fullmatch(r"SPEAKER_\d+", word):
        return True
    if not word or not word[0].isupper() or word.isdigit() or word in cues.not_names:
        return False
    # a capital that only opens a sentence: "Has to be clear ...", "The will ...", "We're gonna ..."
    return word.lower() not in _function_words(cues.rules)


@lru_cache(maxsize=16)
def _function_words(rules: Rules) -> frozenset[str]:
    said = (*rules.first_person, *rules.second_person, *rules.disfluencies)
    return rules.dangling | {nfc(w).lower().replace("’", "'") for w in said}


def _name_run(tokens: list[str], cues: Cues, limit: int = 4, unit: bool = False) -> list[str]:
    """Leading capitalised tokens, at most `limit` names. A unit's name also takes one lowercase syllable after each
    capitalised one and joiners between them: "Tài chính - Kế hoạch", "Giáo dục và Đào tạo"."""
    run: list[str] = []
    names = 0
    for i, tok in enumerate(tokens):
        word = _clean_token(tok)
        follows_name = bool(run) and _is_name(run[-1], cues)
        if _is_name(tok, cues) and names < limit:
            run.append(word)
            names += 1
        elif unit and follows_name and word and word.islower() and word.isalpha():
            run.append(word)  # the second syllable of "Tài chính"
        elif unit and run and word in ("-", "–", "và", "&") and i + 1 < len(tokens) and _is_name(tokens[i + 1], cues):
            run.append(word)
            continue
        else:
            break
        if tok.rstrip().endswith((",", ".", ";", ":", "?", "!")):
            break
    return run


def _titled_name(text: str, cues: Cues) -> str | None:
    """A person or unit after a title word: "anh Nam", "đồng chí Hùng", "phòng Tài chính", "Mr Tan"."""
    tokens = text.split()
    lowered = [_clean_token(t).lower().rstrip(".") for t in tokens]
    titles = [(t, False) for t in cues.owner_titles] + [(t, True) for t in cues.owner_units]
    for i in range(len(tokens)):
        for title, unit in titles:
            parts = title.split()
            if lowered[i : i + len(parts)] != parts:
                continue
            names = _name_run(tokens[i + len(parts) :], cues, unit=unit)
            if names:
                said = " ".join(_clean_token(t) for t in tokens[i : i + len(parts)])
                return f"{said} {' '.join(names)}"
    return None


def _vocative(text: str, cues: Cues) -> str | None:
    """The person addressed: "Sheila, can you ..." or "... by Friday, Sheila?"."""
    body = _strip_fillers(text, cues)
    head, sep, _ = body.partition(",")
    if sep and 1 <= len(head.split()) <= 3:
        name = _titled_name(head, cues) or (
            " ".join(head.split()) if all(_is_name(t, cues) for t in head.split()) else None
        )
        if name:
            return name
    tail = body.rstrip(" ?!.…").rpartition(",")[2]
    if "," in body and 1 <= len(tail.split()) <= 3 and all(_is_name(t, cues) for t in tail.split()):
        return " ".join(_clean_token(t) for t in tail.split())
    return None


def _named_subject(text: str, cues: Cues) -> str | None:
    """ "Sheila will send ..." / "Anh Nam sẽ ...": a name opening the sentence, followed by a subject verb."""
    body = _strip_fillers(text, cues)
    titled = _titled_name(body, cues)
    if titled and body.lower().startswith(titled.split()[0].lower()):
        verb = cues.subject_verbs.search(body[len(titled) :].lstrip(" ,")[:40])
        if verb and verb.start() == 0:
            return titled
    tokens = body.split()
    names = _name_run(tokens, cues, limit=3)
    if names and not tokens[len(names) - 1].endswith(","):
        rest = " ".join(tokens[len(names) :])
        m = cues.subject_verbs.search(rest)
        if m and m.start() == 0:
            return " ".join(names)
    return None


def find_deadline(text: str, cues: Cues) -> str | None:
    """The deadline as said ("by Friday", "trước ngày 15/12"), for the secretary to turn into a date."""
    m = cues.deadline.longest(text)
    return m.group().strip(" ,.;:") if m else None


def find_owner(sentences: Sequence[Sentence], index: int, cues: Cues) -> str | None:
    """Who takes the task: a named addressee, else the speaker committing ("I will"), else a named subject or titled
    person, else for a question asking someone to act, the next other speaker who answers; else the speaker."""
    s = sentences[index]
    request = cues.owner_request.search(s.text)
    if request and (name := _vocative(s.text, cues)):
        return name
    if cues.owner_self.search(s.text):
        return s.speaker
    if name := _named_subject(s.text, cues) or _titled_name(s.text, cues):
        return name
    if request:
        # "Can you send it?" names nobody: whoever answers took it on; the asker is the one person it is not.
        # ("I need you to tell us what the user wants" - "What they're looking for.": the one who answers; but "you
        # have to decide whether ..." said as a statement is the generic you, asking no one in particular)
        if not s.question and cues.owner_generic.search(request.group()):
            return None
        reply = answer_to(sentences, index, any_sentence=True)
        return sentences[reply].speaker if reply is not None else None
    return s.speaker


def answer_to(
    sentences: Sequence[Sentence], index: int, within: float = 15.0, any_sentence: bool = False
) -> int | None:
    """The sentence answering a question (or, with `any_sentence`, any request): the next one or two, from another
    (known) speaker, soon after."""
    s = sentences[index]
    if not s.question and not any_sentence:
        return None
    for j in range(index + 1, min(index + 3, len(sentences))):
        nxt = sentences[j]
        if nxt.speaker and nxt.speaker != s.speaker and nxt.start - s.end <= within:
            return j
    return None


def takes_on(reply: Sentence, cues: Cues, request: str = "") -> bool:
    """Whether a reply takes a request on ("Sure, I can do that"), rather than answer with a task of its own."""
    head = " ".join(reply.text.split()[:6])
    if cues.owner_accept.search(head):
        return True
    acknowledged = bool(cues.owner_acknowledge.search(" ".join(reply.text.split()[:2])))
    if reply.n_words <= 4 and acknowledged:
        return True
    # "Yes, I will book it tomorrow." answering "Can you book the room?": the same task, taken on
    # (the acknowledgement may already be trimmed off as a filler: a reply that opens with the commitment counts too)
    commits = cues.owner_self.search(reply.text)
    opens = acknowledged or bool(commits and commits.start() == 0)
    return opens and bool(request and commits and _shared_word(request, reply.text))


def _shared_word(a: str, b: str) -> bool:
    long_words = {w for w in re.findall(r"\w{4,}", a.lower())}
    return bool(long_words & set(re.findall(r"\w{4,}", b.lower())))


def is_decision(s: Sentence, cues: Cues) -> bool:
    return bool(not s.question and cues.decision.search(s.text) and not cues.decision_not.search(s.text))


def tagged(text: str, cues: Cues) -> bool:
    """ "You have to have some push-buttons, don't you?": a question tag seeks agreement and asks no one to act."""
    tail = text.rstrip(" ?!.…").rpartition(",")[2]
    return len(tail.split()) <= 3 and cues.action_tags.search(tail) is not None


def is_action(s: Sentence, cues: Cues, deadline: str | None) -> bool:
    if cues.action_not.search(s.text):
        return False
    strong = cues.action.search(s.text)
    if s.question:  # a question is a task only when it asks someone to do something ("Could you send ...?")
        return bool(strong and cues.owner_request.search(s.text)) and not tagged(s.text, cues)
    if strong:
        return True
    named = _vocative(s.text, cues) or _named_subject(s.text, cues) or _titled_name(s.text, cues)
    return bool(cues.action_weak.search(s.text) and (deadline or named))


# -- topic segmentation -------------------------------------------------------------------------------------------


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def centred(vectors: np.ndarray) -> np.ndarray:
    """Vectors minus their mean, renormalised. e5 puts every sentence in a narrow cone (cosines 0.8-0.9 whatever the
    subject); removing the shared direction leaves what tells this meeting's sentences apart."""
    if len(vectors) < 2:
        return vectors.astype(np.float64)
    return _unit_rows(vectors.astype(np.float64) - vectors.mean(axis=0))


def gap_scores(vectors: np.ndarray, weights: np.ndarray, window: int) -> np.ndarray:
    """score[i-1] = cosine between the weighted sums of the `window` sentences before and after the gap before i."""
    n = len(vectors)
    prefix = np.vstack([np.zeros(vectors.shape[1]), np.cumsum(vectors * weights[:, None], axis=0)])
    gaps = np.arange(1, n)
    left = prefix[gaps] - prefix[np.maximum(gaps - window, 0)]
    right = prefix[np.minimum(gaps + window, n)] - prefix[gaps]
    denom = np.linalg.norm(left, axis=1) * np.linalg.norm(right, axis=1)
    dot = np.einsum("ij,ij->i", left, right)
    return np.divide(dot, denom, out=np.ones(len(gaps)), where=denom > 0)


def depth_scores(scores: np.ndarray) -> np.ndarray:
    """TextTiling depth: how far a gap's similarity sits below the peaks on either side (climbing while it rises)."""
    depth = np.zeros_like(scores)
    for i, s in enumerate(scores):
        left = s
        for j in range(i - 1, -1, -1):
            if scores[j] < left:
                break
            left = scores[j]
        right = s
        for j in range(i + 1, len(scores)):
            if scores[j] < right:
                break
            right = scores[j]
        depth[i] = (left - s) + (right - s)
    return depth


def _smoothed_depths(vectors: np.ndarray, weights: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    scores = gap_scores(vectors, weights, window)
    smooth = np.convolve(np.pad(scores, 1, mode="edge"), [0.25, 0.5, 0.25], mode="valid")
    return scores, depth_scores(smooth)


def chance_depth(
    vectors: np.ndarray, weights: np.ndarray, window: int, quantile: float = 0.99, shuffles: int = 20
) -> float:
    """How deep a dip gets by chance: the `quantile` of all gap depths over shuffled sentence orders.

    Shuffling keeps the sentences and destroys their order, so every dip it produces is noise. A boundary must be
    deeper: a one-subject meeting is then left whole instead of being cut at its least similar moments. Seeded, so
    the same transcript always gives the same minutes.
    """
    rng = np.random.default_rng(0)
    depths = []
    for _ in range(shuffles):
        order = rng.permutation(len(vectors))
        depths.append(_smoothed_depths(vectors[order], weights[order], window)[1])
    return float(np.quantile(np.concatenate(depths), quantile))


def topic_starts(
    vectors: np.ndarray,
    sentences: Sequence[Sentence],
    *,
    window: int | None = None,
    min_sentences: int = 4,
    min_seconds: float = 30.0,
    max_topics: int = 8,
    chance_quantile: float = 0.99,
    sure_depth: float = 1.0,
    anchors: Collection[int] = (),
) -> list[int]:
    """Index of each topic's first sentence (always starting with 0), in order.

    Gaps are candidates where the smoothed similarity has a local minimum deeper than chance (`chance_depth`) or than
    `sure_depth`; the
    deepest are taken first while every topic keeps at least `min_sentences` sentences and `min_seconds` seconds,
    up to `max_topics` topics. Each boundary then moves to an `anchors` sentence (one that announces an agenda item)
    up to two sentences away, else to the lowest unsmoothed gap next to it: smoothing can shift a dip by one.
    """
    n = len(sentences)
    if n < 2 * min_sentences or max_topics <= 1:
        return [0]
    window = window or int(np.clip(round(n / 25), 3, 8))  # longer meetings have longer topics: look further
    weights = np.array([min(s.n_words, 20) for s in sentences], dtype=np.float64)  # "OK." says little
    unit = centred(vectors)
    scores, depth = _smoothed_depths(unit, weights, window)
    # Strongly separated topics make shuffled windows swing widely too, raising the chance level above the real
    # boundaries; a dip of `sure_depth` (similarity falling by half of its range on each side) is a topic change
    # whatever chance says.
    cutoff = min(chance_depth(unit, weights, window, chance_quantile), sure_depth)
    minima = [
        i
        for i in range(len(depth))
        if depth[i] > cutoff
        and (i == 0 or depth[i] >= depth[i - 1])
        and (i == len(depth) - 1 or depth[i] >= depth[i + 1])
    ]
    starts = [0]
    for i in sorted(minima, key=lambda k: -depth[k]):
        if len(starts) >= max_topics:
            break
        # an agenda announcement ("Next item is ...") two sentences away or closer is where the topic starts
        announced = [a - 1 for a in sorted(anchors, key=lambda a: abs(a - 1 - i)) if abs(a - 1 - i) <= 2 and a > 0]
        near = [j for j in (i - 1, i, i + 1) if 0 <= j < len(scores)]
        for gap in announced[:1] + sorted(near, key=lambda j: (scores[j], abs(j - i))):
            candidate = sorted({*starts, gap + 1})
            bounds = [*candidate, n]
            if len(candidate) > len(starts) and all(
                b - a >= min_sentences and sentences[b - 1].end - sentences[a].start >= min_seconds
                for a, b in itertools.pairwise(bounds)
            ):
                starts = candidate
                break
    return starts


# -- selection ----------------------------------------------------------------------------------------------------


def mmr(candidates: Sequence[int], relevance: np.ndarray, vectors: np.ndarray, k: int, lam: float = 0.7) -> list[int]:
    """Maximal marginal relevance: the most relevant first, then each next trading relevance against its highest
    cosine to those already chosen (`vectors` unit rows; similarities computed as needed, never all n x n)."""
    pool = list(candidates)
    chosen: list[int] = []
    redundancy = np.zeros(len(pool))
    while pool and len(chosen) < k:
        scores = lam * relevance[pool] - (1 - lam) * np.maximum(redundancy, 0.0)
        best = int(np.argmax(scores))
        pick = pool.pop(best)
        redundancy = np.delete(redundancy, best)
        chosen.append(pick)
        if pool:
            redundancy = np.maximum(redundancy, vectors[pool] @ vectors[pick])
    return chosen


def _minmax(values: np.ndarray) -> np.ndarray:
    span = float(values.max() - values.min()) if len(values) else 0.0
    return (values - values.min()) / span if span > 0 else np.ones_like(values)


def centrality(raw: np.ndarray, members: Sequence[int], weights: np.ndarray) -> np.ndarray:
    """Cosine of each member to the weighted centroid of the members (raw, uncentred vectors: with one topic the
    centred centroid would be ~0), min-max scaled to [0, 1] within the members."""
    idx = np.asarray(members)
    centroid = (raw[idx] * weights[idx, None]).sum(axis=0)
    norm = np.linalg.norm(centroid)
    sims = raw[idx] @ (centroid / norm) if norm > 0 else np.zeros(len(idx))
    return _minmax(sims)


# -- people -------------------------------------------------------------------------------------------------------

_ANONYMOUS = re.compile(r"SPEAKER_\d+|UNKNOWN|unknown", re.IGNORECASE)


def _speakers(s: Sentence) -> list[str]:
    return [s.speaker] if s.speaker else []


def _fold(text: str) -> str:
    """Lower case without diacritics, for matching names heard by ASR ("Min") against written ones ("Minh Trần")."""
    import unicodedata

    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _near(a: str, b: str) -> bool:
    """The same name word, or one letter off for words of 3+ letters (ASR drops or swaps a letter)."""
    if a == b:
        return True
    if min(len(a), len(b)) < 3 or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:k] + long_[k + 1 :] == short for k in range(len(long_)))


def match_person(said: str, people: Sequence[str]) -> str | None:
    """The one person in `people` that `said` names ("Min" -> "Minh Tran", "the User Interface Designer" ->
    "User Interface"): all words of a listed name in what was said, else a word of it one letter off."""
    words = re.findall(r"\w+", _fold(said))
    whole = [p for p in people if (pw := re.findall(r"\w+", _fold(p))) and all(w in words for w in pw)]
    if len(whole) == 1:
        return whole[0]
    near = [p for p in people if any(_near(w, x) for w in words for x in re.findall(r"\w+", _fold(p)) if len(w) >= 3)]
    return near[0] if len(set(near)) == 1 else None


def speaker_names(sentences: Sequence[Sentence], meeting: MeetingInfo, cues: Cues) -> dict[str, str]:
    """What to call each speaker: a named label as it is; an anonymous one (SPEAKER_2) gets an attendee's name
    when the meeting shows it: the person addressed by name who answers ("Minh, can you ...?" - "Yes, I will ..."),
    the chair as the one who opens the meeting, and the last attendee left for the last voice left."""
    labels = list(dict.fromkeys(s.speaker for s in sentences if s.speaker))
    names = {label: label for label in labels if not _ANONYMOUS.fullmatch(label)}
    people = [p for p in dict.fromkeys(meeting.attendees or [meeting.chair]) if p and p not in names.values()]
    unnamed = [label for label in labels if label not in names]
    if not unnamed or not people:
        return names

    def assign(label: str, person: str) -> None:
        if label in unnamed and person in people:
            names[label] = person
            unnamed.remove(label)
            people.remove(person)

    for i, s in enumerate(sentences):
        called = _vocative(s.text, cues) if s.question or cues.owner_request.search(s.text) else None
        person = match_person(called, people) if called else None
        reply = answer_to(sentences, i, any_sentence=True)
        if person and reply is not None:
            assign(sentences[reply].speaker or "", person)
    chair = match_person(meeting.chair, people) if meeting.chair else None
    # One voice label for a meeting of several people means the voices were not told apart (no diarization, or it
    # merged them): naming that one voice after the chair would credit the chair with everything said.
    if chair and sentences[0].speaker and (len(labels) > 1 or len(people) == 1):
        assign(sentences[0].speaker, chair)
    if len(unnamed) == 1 and len(people) == 1:
        assign(unnamed[0], people[0])
    return names


# -- decisions and tasks ------------------------------------------------------------------------------------------


def _allowance(n_words: int, per_words: int, least: int) -> int:
    """How many decisions or tasks a meeting of `n_words` words can plausibly hold: a cap on cue-phrase false
    alarms that grows with the meeting instead of a fixed threshold."""
    return max(least, round(n_words / per_words))


def pick_decisions(
    sentences: Sequence[Sentence],
    cues: Cues,
    relevance: np.ndarray,
    n_words: int,
    opts_late: float = 1.0,
    per: int = 1200,
) -> dict[int, tuple[str, list[int]]]:
    """Decisions, worded as minutes state them, each with the sentences it came from: sentences with a decision cue,
    and the statements of someone summing up ("So we've worked out that we're going with a simple battery ... The
    buttons are also rubber."), which rank first. When there are more than a meeting of this length holds, the
    most central of them (what the meeting was about), later ones first among equals (meetings sum up at the end).
    Opinions, hedges ("a safer option"), questions and statements with no content of their own are left out."""
    end = max(sentences[-1].end, 1e-9)

    def recap(s: Sentence) -> bool:  # the chair summing up: "the buttons will be rubber"
        said = cues.decision_closing.search(s.text)
        return s.start / end > 0.8 and bool(said) and not s.question and not cues.decision_not.search(s.text)

    summed = summing_up(sentences, cues)
    found = [
        i
        for i, s in enumerate(sentences)
        if s.quotable and s.n_words >= 4 and (is_decision(s, cues) or recap(s)) and i not in summed
    ]
    parts = {i: [i] for i in found} | summed
    said = {i: cue_clause(sentences[i].text, cues) for i in found}
    said |= {i: _joined([sentences[k].text for k in used]) for i, used in summed.items()}
    worded = {i: rewrite.decision(text, cues.rules) for i, text in said.items()}
    # a decision is the meeting's: one still in someone's first person ("I was thinking ...") is an opinion, one
    # that breaks off ("... would be very important, because") or hedges says too little to be recorded
    kept = [
        i
        for i in parts
        if not rewrite.first_person(worded[i], cues.rules)
        and rewrite.standing(worded[i], cues.rules) == 1.0
        and not cues.decision_hedges.search(said[i])
        and not _opens_with(cues.decision_dependent, said[i])
        and has_content(said[i], cues)
    ]
    position = np.array([s.start for s in sentences]) / max(sentences[-1].end, 1e-9)
    # the cap is on cue-phrase false alarms: what someone sums up as decided is kept, and cue phrases fill the rest
    stated = [i for i in kept if i in summed]
    tentative = {i: 0.5 * bool(cues.decision_tentative.search(said[i])) for i in kept}
    cued = sorted(
        (i for i in kept if i not in summed), key=lambda i: -(relevance[i] + opts_late * position[i] - tentative[i])
    )
    keep = sorted(stated + cued[: max(0, _allowance(n_words, per, 4) - len(stated))])
    return {i: (worded[i], parts[i]) for i in keep}


def cue_clause(text: str, cues: Cues, least: int = 4) -> str:
    """The clause of a sentence that holds its decision cue, without what leads up to it: "I think that's probably
    a good idea, okay so let's work on multiple case colours." -> "let's work on multiple case colours."."""
    cue = cues.decision.search(text) or cues.decision_closing.search(text)
    if cue is None:
        return text
    breaks = list(re.finditer(r"[,.;:!?]\s+|(?<!\w)(?:so|okay|ok|then)\s+", text[: cue.start()], re.IGNORECASE))
    for b in reversed(breaks):
        if len(text[b.end() :].split()) >= least:
            return text[b.end() :]
    return text


def _joined(texts: Sequence[str]) -> str:
    """Sentence fragments of one statement as one sentence: "It's gonna look sort of vegetable, be in bright ..."."""
    out = texts[0]
    for text in texts[1:]:
        out = f"{out.rstrip(' ,;.')}, {rewrite._lower_first(text)}"
    return out


def summing_up(sentences: Sequence[Sentence], cues: Cues, within: float = 90.0) -> dict[int, list[int]]:
    """The statements of someone summing up what was decided: from a recap phrase ("so we've worked out that",
    "to sum up") on, that speaker's statements while the others only acknowledge ("Yep.", "Right."), for at most
    `within` seconds. A fragment that goes on the one before ("It's gonna look sort of vegetable" | "Be in bright
    vegetable colours") joins it. Returns {first sentence: the sentences of that decision}."""
    out: dict[int, list[int]] = {}
    i = 0
    while i < len(sentences):
        anchor = sentences[i]
        if not anchor.speaker or anchor.question or not cues.decision_recap.search(anchor.text):
            i += 1
            continue
        k, last = i, None
        while k < len(sentences) and sentences[k].start - anchor.start <= within:
            s = sentences[k]
            if s.speaker != anchor.speaker:
                if s.n_words > 3:
                    break  # someone else speaks up: the summing-up is over
            elif s.question:
                break
            elif s.quotable and s.n_words >= 3:
                if last is not None and _goes_on(s.text, cues):
                    out[last].append(k)
                else:
                    out[k], last = [k], k
            k += 1
        i = max(k, i + 1)
    return out


def _goes_on(text: str, cues: Cues) -> bool:
    return _opens_with(cues.decision_continues, text)


def _opens_with(matcher: Matcher, text: str) -> bool:
    m = matcher.search(text)
    return m is not None and m.start() == 0


def has_content(text: str, cues: Cues, least: int = 2) -> bool:
    """Whether a sentence says something besides its cue phrase: "That's our overall concept." and "Because of
    obviously go with it." do not (at least `least` words that are no function word, pronoun or filler)."""
    for matcher in (cues.decision, cues.decision_recap, cues.decision_closing):
        if matcher.pattern is not None:
            text = matcher.pattern.sub(" ", text)
    rules = cues.rules
    empty = rules.dangling | {w.lower() for w in (*rules.first_person, *rules.second_person, *rules.disfluencies)}
    words = [w for w in re.findall(r"[\w'’]+", text.lower()) if len(w) >= 3 or not w.isascii()]
    return sum(w not in empty and w not in cues.fillers for w in words) >= least


Tasks = dict[int, list[tuple[ActionItem, list[int]]]]


def pick_actions(sentences: Sequence[Sentence], cues: Cues, names: dict[str, str], n_words: int) -> Tasks:
    """Action items: the task worded as an instruction, the owner named (speaker or attendee), the due date as said,
    and the spans of the request and of the reply that took it on. A sentence that hands tasks to several named
    people ("the designer will work on X and Marketing is going to do Y") gives one item each. Ranked by how sure
    the cues are (a due date, a named owner, a reply taking it on, said in the closing part where meetings hand out
    work) and capped like decisions."""
    people = list(dict.fromkeys(names.values()))
    deadlines = {i: find_deadline(s.text, cues) for i, s in enumerate(sentences)}
    end = max(sentences[-1].end, 1e-9)
    handing_out = _handing_out(sentences, cues)
    found: list[tuple[float, int, ActionItem, list[int]]] = []
    merged: set[int] = set()
    for i, s in enumerate(sentences):
        if i in merged or not s.quotable or s.n_words < 4:
            continue
        closing = 1.0 * (s.start / end > 0.75) + 2.0 * handing_out[i]
        text, tail = _with_tail(sentences, i)
        handed = assignments(text, people, cues)
        if handed:
            spans = [sentences[k].span for k in (i, *tail)]
            for owner, a, b in handed:
                task = rewrite.task(text[:b], a, cues.rules)
                due = deadlines[i]
                found.append((3.5 + closing + 2.0 * bool(due), i, ActionItem(task, owner, due, spans), [i, *tail]))
            merged.update(tail)
            continue
        if not is_action(s, cues, deadlines[i]):
            continue
        if done_in_meeting(s.text, cues):
            continue
        start = task_start(s.text, cues)
        if not start and not deadlines[i] and not is_request_form(s.text, cues):
            continue  # "..., so I will attempt": a commitment deep in a sentence about something else
        owner = find_owner(sentences, i, cues)
        owner = names.get(owner or "") or (match_person(owner, people) if owner else None) or owner
        if not owner:
            continue  # an action item has a doer: "you have to decide whether ..." said to nobody is no task
        used, due = [i], deadlines[i]
        reply = answer_to(sentences, i)
        if reply is not None and takes_on(sentences[reply], cues, s.text):
            merged.add(reply)
            used.append(reply)
            due = due or deadlines[reply]
        item = ActionItem(rewrite.task(s.text, start, cues.rules), owner, due, [sentences[k].span for k in used])
        if rewrite.first_person(item.task, cues.rules):
            continue  # "... it's been brought to my attention": a speaker talking about themselves, not a task
        named = bool(owner) and not _ANONYMOUS.fullmatch(owner or "")
        # someone named by another ("Sheila will send the figures", "Minh, can you ...") is handed the task;
        # "I'll send it" is the speaker's own word, which free conversation is full of
        handed_over = named and owner in people and owner != names.get(s.speaker or "", s.speaker)
        score = 2.0 * bool(due) + 1.5 * named + 1.0 * handed_over + 1.0 * (len(used) > 1) + closing
        score += 0.2 * min(s.n_words, 20) / 20
        found.append((score, i, item, used))
    # a task needs more than a cue phrase and a doer: a due date, a reply taking it on, being said where the meeting
    # hands out work, or being handed to someone by name (on free conversation cue phrases alone are false alarms)
    # ... and has to read as an instruction ("Kirsty Williams AM will | which is why ..." does not)
    found = [f for f in found if f[0] >= EVIDENCE and reads_as_task(f[2].task, cues)]
    found.sort(key=lambda f: -f[0])
    tasks: Tasks = {}
    for _, i, item, used in sorted(found[: _allowance(n_words, 1500, 5)], key=lambda f: f[1]):
        tasks.setdefault(i, []).append((item, used))
    return tasks


EVIDENCE = 2.0  # least score of an action item in pick_actions: a named doer alone (1.5) is not enough


def _with_tail(sentences: Sequence[Sentence], index: int, most: int = 12) -> tuple[str, list[int]]:
    """A sentence and, when a run-on cut broke it off mid-clause ("... what needs to be done" | "Like what the basic
    function of it."), the short rest of the same turn: the text and the index of the rest."""
    s = sentences[index]
    if index + 1 >= len(sentences) or s.text.rstrip().endswith((".", "?", "!", "…")):
        return s.text, []
    rest = sentences[index + 1]
    if rest.segment != s.segment or rest.speaker != s.speaker or rest.n_words > most or not rest.quotable:
        return s.text, []
    return f"{s.text}, {rewrite._lower_first(rest.text)}", [index + 1]


def _handing_out(sentences: Sequence[Sentence], cues: Cues, before: float = 10.0, after: float = 45.0) -> list[bool]:
    """Sentences said around a phrase that hands out work ("for the next meeting", "in the meantime", "action
    items"): from `before` seconds before it to `after` seconds after it."""
    said = [s.start for s in sentences if cues.handout.search(s.text)]
    return [any(t - before <= s.start <= t + after for t in said) for s in sentences]


def assignments(text: str, people: Sequence[str], cues: Cues) -> list[tuple[str, int, int]]:
    """Tasks handed to named people in one sentence: (person, where the task starts, where it ends), for each
    "<person> [up to three words] will|is going to|... <task>", the task running to the next such hand-over."""
    verbs = [v for v in cues.owner_assign if v]
    if not verbs:
        return []
    verb = "|".join(rewrite._word_pattern(v) for v in sorted(verbs, key=len, reverse=True))
    delegate = "|".join(rewrite._word_pattern(v) for v in sorted(cues.owner_delegate, key=len, reverse=True))

    def found(pattern: str, person: str | None = None) -> list[tuple[int, int, str]]:
        return [
            (m.start(), m.end() + len(text[m.end() :]) - len(text[m.end() :].lstrip()), person or m.group("who"))
            for m in re.finditer(pattern, text, re.IGNORECASE)
        ]

    hits = []
    for person in people:
        if _ANONYMOUS.fullmatch(person):
            continue
        name = rewrite._word_pattern(person)
        hits += found(rf"(?<!\w){name}(?:\s+[\w'’]+){{0,3}}?\s+(?:{verb})(?!\w)", person)
        if delegate:  # "I'd like the Industrial Designer to think about ...": handed over by a request
            hits += found(rf"(?<!\w)(?:{delegate})\s+(?:the\s+)?{name}\s+to(?!\w)", person)
    if cues.owner_groups.pattern is not None:  # "the two designers are going to work together on ..."
        group = cues.owner_groups.pattern.pattern
        hits += [(a, b, who.strip()) for a, b, who in found(rf"(?P<who>{group})\s+(?:{verb})(?!\w)")]
    hits = sorted({a: (a, b, who) for a, b, who in sorted(hits, key=lambda h: h[1])}.values())
    out = []
    for k, (_, task_at, person) in enumerate(hits):
        stop = hits[k + 1][0] if k + 1 < len(hits) else len(text)
        clause = text[task_at:stop]
        trimmed = re.sub(r"(?:[\s,;]+(?:and|the|and the|và|còn))+\s*$", "", clause, flags=re.IGNORECASE)
        if len(trimmed.split()) >= 2:
            out.append((person, task_at, task_at + len(trimmed)))
    return out


def reads_as_task(task: str, cues: Cues) -> bool:
    """Whether a task opens as an instruction does, not with a word no instruction opens with (`not_openers` of the
    cue file: "the", "which", "not", ...; a number; a first word ending in a comma, as a name addressed does)."""
    first = next(iter(task.split()), "")
    word = first.strip(".;:!?\"'“”‘’()").lower()
    return not (first.endswith(",") or word in cues.task_not_openers or word.isdigit())


def is_request_form(text: str, cues: Cues) -> bool:
    """A sentence that is a task as a whole ("Giao cho phòng Tài chính ...", "Sheila will draft ...")."""
    return bool(_named_subject(text, cues) or _titled_name(text, cues)) or any(
        (m := matcher.search(text)) is not None and m.start() == 0 for matcher in (cues.action, cues.owner_request)
    )


def done_in_meeting(text: str, cues: Cues) -> bool:
    """ "I'll show you the slides", "let me go first", "could you repeat the question?": what is done there and then
    is no task."""
    for matcher in (cues.owner_self, cues.owner_request):
        said = matcher.search(text)
        if said is not None and _opens_with(cues.action_present, text[said.end() :].lstrip(" ,")):
            return True
    return False


def task_start(text: str, cues: Cues) -> int:
    """Where the task itself starts: after "I will", "can you", "Minh will", when only a name, fillers or a stance
    come before; 0 when the sentence is the task ("Giao cho phòng Tài chính ...")."""
    for matcher in (cues.owner_request, cues.owner_self):
        m = matcher.search(text)
        # "Let's wrap up here, I'm gonna put the ideas in the project documents": a commitment opening a clause
        if m and (len(text[: m.start()].split()) <= 6 or text[: m.start()].rstrip().endswith((",", ";"))):
            return m.end()
    name = _named_subject(text, cues)
    if name:
        rest_at = text.find(name.split()[-1]) + len(name.split()[-1])
        verb = cues.subject_verbs.search(text[rest_at:])
        if verb and not text[rest_at : rest_at + verb.start()].strip(" ,"):
            return rest_at + verb.end()
    return 0


# -- the summary --------------------------------------------------------------------------------------------------


def summary_budget(n_words: int, scale: float = 2.2) -> int:
    """Words for the meeting's summary: grows with the square root of its length, as human summaries do (a
    200-word dialogue gets ~30 words, a 1,000-word talk ~70, an hour-long meeting ~200)."""
    return int(np.clip(scale * n_words**0.5, 25, 250))


def summary_points(
    sentences: Sequence[Sentence],
    worded: dict[int, str],
    relevance: np.ndarray,
    unit: np.ndarray,
    n_words: int,
    opts: ExtractiveOptions,
    rules: Rules,
) -> list[int]:
    """The meeting's summary: central sentences, kept apart by MMR, until the word budget is spent; the opening
    counts extra (meetings open by stating what they are about), in recording order."""
    pool = list(worded)
    if not pool:
        return []
    position = np.array([s.start for s in sentences]) / max(sentences[-1].end, 1e-9)
    standing = np.array([rewrite.standing(s.text, rules) for s in sentences])
    score = relevance * standing * (1.0 + opts.lead_weight * np.exp(-position / 0.1))
    budget = summary_budget(n_words, opts.summary_scale)
    chosen, used = [], 0
    for i in mmr(pool, score, unit, min(len(pool), 40), lam=0.6):
        if used >= budget:
            break
        chosen.append(i)
        used += len(worded[i].split())
    return sorted(chosen)


# -- the drafter --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExtractiveOptions:
    embedder: str = "auto"  # "auto" (e5, else lexical), "e5" (fail without it), "lexical"
    window: int | None = None  # sentences each side of a gap; None: grows with the meeting's length
    min_topic_sentences: int = 4
    min_topic_seconds: float = 30.0
    chance_quantile: float = 0.99  # a boundary must be deeper than this quantile of chance dips (see chance_depth)
    topic_summary_sentences: int = 3
    summary_sentences: tuple[int, int] = (3, 5)
    min_point_words: int = 6  # shorter sentences say too little to stand alone in the minutes
    run_on_words: int = 32  # an unpunctuated stretch longer than this is cut at clause breaks (split_sentences)
    words_per_decision: int = 1200  # at most one decision per this many words (at least 4): see _allowance
    decision_late: float = 1.0  # how much later decisions rank above earlier ones (meetings recap at the end)
    summary_scale: float = 3.0  # summary words per square root of the meeting's words (see summary_budget)
    lead_weight: float = 0.5  # extra weight of the meeting's opening in the summary (see summary_points)
    title_words: int = 9


class ExtractiveDrafter:
    """Minutes from the transcript's own sentences; every point, decision and action carries its spans.

    Pass an `Embedder` to share a loaded model or to test with a fake; otherwise one is loaded on first use.
    `DraftOptions.extra` may override any `ExtractiveOptions` field by name.
    """

    name = "extractive"

    def __init__(self, embedder: Embedder | None = None, options: ExtractiveOptions | None = None) -> None:
        self._embedder = embedder
        self.options = options or ExtractiveOptions()

    def draft(
        self,
        transcript: Transcript,
        meeting: MeetingInfo,
        options: DraftOptions | None = None,
        hook: Hook = null_hook,
    ) -> Minutes:
        options = options or DraftOptions()
        known = set(ExtractiveOptions.__dataclass_fields__)
        opts = replace(self.options, **{k: v for k, v in options.extra.items() if k in known})
        language = _base_language(transcript.language)
        cues = load_cues(language)
        minutes = Minutes(meeting=meeting, language=language, source=transcript.source, drafter=self.name)
        if options.language and _base_language(options.language) != language:
            hook("warning", message=f"the extractive drafter cannot translate: the minutes stay in {language}")

        spoken = split_sentences(
            transcript, cues.abbreviations, cues.clause_breaks, opts.run_on_words, cues.clause_starts
        )
        # cue phrases, owners and wording work on the cleaned text; spans and speakers stay those of what was said
        sentences = [replace(s, text=written(s.text, cues)) for s in spoken]
        if not any(s.n_words for s in sentences):
            minutes.notes.append(no_speech_note(options.language or language))
            return minutes
        raw = self._embed(sentences, opts, hook)
        unit = centred(raw)  # redundancy between sentences, without the direction all of them share
        weights = np.array([min(s.n_words, 20) for s in sentences], dtype=np.float64)

        anchors = {i for i, s in enumerate(sentences) if _announces(s.text, cues)}
        starts = topic_starts(
            raw,
            sentences,
            window=opts.window,
            min_sentences=opts.min_topic_sentences,
            min_seconds=opts.min_topic_seconds,
            max_topics=options.max_topics,
            chance_quantile=opts.chance_quantile,
            anchors=anchors,
        )
        bounds = [*starts, len(sentences)]
        groups = [list(range(a, b)) for a, b in itertools.pairwise(bounds)]

        relevance = np.zeros(len(sentences))
        for members in groups:
            relevance[members] = centrality(raw, members, weights)
        # short sentences make poor points and their embeddings are noisy: damp them rather than rule them out
        relevance *= np.minimum(1.0, weights / 8.0) ** 0.5

        names = speaker_names(sentences, meeting, cues)
        n_words = sum(s.n_words for s in sentences)
        decisions = pick_decisions(sentences, cues, relevance, n_words, opts.decision_late, opts.words_per_decision)
        actions = pick_actions(sentences, cues, names, n_words)
        worded = {
            i: text
            for i, s in enumerate(sentences)
            if s.quotable and not s.question and s.n_words >= opts.min_point_words
            if (text := reported(s.text, names.get(s.speaker or ""), cues.rules))
        }
        for i, (text, used) in decisions.items():  # a decision in the summary reads as one ("The meeting agreed ...")
            if i in worded and used == [i]:
                worded[i] = text

        def point(i: int) -> Point:
            s = sentences[i]
            return Point(worded.get(i) or s.text, [s.span], [s.speaker] if s.speaker else [])

        listed = {k for _, used in decisions.values() for k in used}
        listed |= {k for items in actions.values() for _, used in items for k in used}

        for members in groups:
            # a topic's discussion summary leaves out what its decisions and tasks will say anyway
            pool = [i for i in members if i in worded and i not in listed] or [i for i in members if i in worded]
            pick = mmr(pool, relevance, unit, _topic_points(len(members), opts))
            minutes.topics.append(
                Topic(
                    title=self._title(members, sentences, relevance, cues, opts),
                    summary=[point(i) for i in sorted(pick)],
                    decisions=[
                        Point(decisions[i][0], [sentences[k].span for k in decisions[i][1]], _speakers(sentences[i]))
                        for i in members
                        if i in decisions
                    ],
                    action_items=[item for i in members for item, _ in actions.get(i, [])],
                    span=Span(sentences[members[0]].start, sentences[members[-1]].end),
                )
            )
        summary = summary_points(sentences, worded, relevance, unit, n_words, opts, cues.rules)
        if not summary:  # only short sentences ("Yes." "Fine, thanks."): the longest one that is no first person
            said = [i for i, s in enumerate(sentences) if s.quotable and s.n_words >= 3]
            said = [i for i in said if not rewrite.first_person(sentences[i].text, cues.rules)]
            summary = sorted(sorted(said, key=lambda i: -sentences[i].n_words)[:1])
        minutes.summary = [point(i) for i in summary]
        if not summary:
            minutes.notes.append(cues.no_summary)
        minutes.open_questions = [point(i) for i in open_questions(sentences, cues, set(actions))]
        hook("draft", completed=len(sentences), total=len(sentences), stage="done")
        return minutes

    def _embed(self, sentences: Sequence[Sentence], opts: ExtractiveOptions, hook: Hook) -> np.ndarray:
        """Unit sentence vectors. Backchannels ("Yeah.", "Mm-hmm.") are not embedded: they take the vector of the
        sentence before them (they belong to its moment), which also spares most of the time on chatty meetings."""
        embedder = self._embedder
        if embedder is None:
            embedder, why = load_embedder(opts.embedder)
            if why:
                hook("warning", message=why)
        keep = [i for i, s in enumerate(sentences) if s.n_words >= 3] or list(range(len(sentences)))
        texts = [sentences[i].text for i in keep]

        def progress(done: int, n: int) -> None:
            hook("draft", completed=done, total=n, stage="embed")

        progress(0, len(texts))
        try:
            vectors = np.asarray(embedder.embed(texts, progress), dtype=np.float64)
        except (RuntimeError, OSError, ValueError) as exc:
            # this drafter is the last resort when the LLM fails: a broken model must not take it down too
            if isinstance(embedder, LexicalEmbedder):
                raise
            hook("warning", message=f"topic boundaries from word overlap only (the embedding model failed: {exc})")
            vectors = np.asarray(LexicalEmbedder().embed(texts, progress), dtype=np.float64)
        raw = np.zeros((len(sentences), vectors.shape[1]))
        raw[keep] = vectors
        source = np.maximum.accumulate(
            np.where(np.isin(np.arange(len(sentences)), keep), np.arange(len(sentences)), -1)
        )
        source[source < 0] = keep[0]
        return _unit_rows(raw[source])

    @staticmethod
    def _title(
        members: Sequence[int],
        sentences: Sequence[Sentence],
        relevance: np.ndarray,
        cues: Cues,
        opts: ExtractiveOptions,
    ) -> str:
        # an agenda item announced in its first sentences ("Next item is the school roof") names itself
        for i in members[:3]:
            if announced := _announces(sentences[i].text, cues):
                return _short_title(announced, cues, opts.title_words)
        pool = [i for i in members if sentences[i].quotable and sentences[i].n_words >= 3] or list(members)
        best = max(pool, key=lambda i: relevance[i])
        return _short_title(sentences[best].text, cues, opts.title_words)


def _announces(text: str, cues: Cues) -> str | None:
    """What an agenda announcement names ("Next item is the school roof." -> "the school roof."), else None."""
    m = cues.topic_intro.search(text)
    if not m or not _only_fillers(text[: m.start()], cues):
        return None
    rest = text[m.end() :].lstrip(" ,:;-–—")
    return rest if len(rest.split()) >= 2 else None


def _topic_points(n_sentences: int, opts: ExtractiveOptions) -> int:
    return min(opts.topic_summary_sentences, 1 if n_sentences < 6 else 2 if n_sentences < 15 else 3)


def open_questions(sentences: Sequence[Sentence], cues: Cues, actions: set[int]) -> list[int]:
    """Questions nobody answered: no statement from someone else (or, without speakers, from anyone) in the next two
    sentences within 20 s. Requests ("Can you ...?") are action items, not questions; short tags ("Right?") skipped."""
    found = []
    for i, s in enumerate(sentences):
        if not s.question or i in actions or s.n_words < 4 or not s.quotable:
            continue
        answered = any(
            not nxt.question and nxt.start - s.end <= 20.0 and (nxt.speaker is None or nxt.speaker != s.speaker)
            for nxt in sentences[i + 1 : i + 3]
        )
        if not answered:
            found.append(i)
    return found
