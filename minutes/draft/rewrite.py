"""From what was said to what minutes say: cleaning spoken sentences and rewriting them in the third person.

The extractive drafter quotes sentences; minutes are written in reported speech. These rules rewrite a selected
sentence without adding anything it did not say: transcript tags ({vocalsound}), fillers and repeated words go;
a stance opener becomes a reporting verb with the speaker's name ("I think we should use rubber" ->
"Marketing suggested that the team should use rubber"); "we" becomes the team (then "they"); a task loses its
doer, who goes in the owner column ("Minh, can you book the room by Monday?" -> "Book the room by Monday.").
What cannot be rewritten (a stray "I" or "my") is reported by `first_person`, and the drafter leaves such a
sentence out of the summary. The words per language live in the cue files (`[report]`, `disfluencies`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_TAG = re.compile(r"\{[a-z_]+\}|\[(?:laughter|noise|inaudible|music|crosstalk)\]", re.IGNORECASE)
_SPELLED = re.compile(r"(?<!\w)((?:[A-Za-z]_){1,}[A-Za-z]?_?)(?!\w)")  # AMI spells letters out: L_C_D_ -> LCD
_REPEAT = re.compile(r"(?<!\w)(\w+(?:['’]\w+)?)(?:[\s,]+\1)+(?!\w)", re.IGNORECASE)
_SPACE_BEFORE = re.compile(r"\s+([,.;:?!…])")
_PUNCT_RUN = re.compile(r"([,;:])(?:\s*[,;:])+")
_LEAD = " ,;:.!?…–—-"


def _word_pattern(phrase: str) -> str:
    return r"\s+".join(re.escape(w) for w in phrase.split()).replace("'", "['’]")


@dataclass(frozen=True)
class Rules:
    """One language's rewriting words (from its cue file's `disfluencies` and `[report]`)."""

    language: str
    disfluencies: tuple[str, ...] = ()
    # words that open a spoken sentence before a comma and carry nothing ("Okay, the next item ..."): dropped there
    interjections: tuple[str, ...] = ()
    default_verb: str = ""
    openers: tuple[tuple[str, str], ...] = ()
    pronouns: tuple[tuple[str, str], ...] = ()
    first_person: tuple[str, ...] = ()
    decision_subject: str = ""
    roles: frozenset[str] = frozenset()
    second_person: tuple[str, ...] = ()
    dangling: frozenset[str] = frozenset()
    decision_future: tuple[tuple[str, str], ...] = ()
    task_verb: str = ""  # "will": an action item reads "<owner> will <task>" in prose; empty: "<owner>: <task>"

    def __post_init__(self) -> None:
        def alternation(words: Sequence[str]) -> re.Pattern[str] | None:
            parts = [_word_pattern(w) for w in sorted(words, key=len, reverse=True) if w.strip()]
            return re.compile(rf"(?<!\w)(?:{'|'.join(parts)})(?!\w)", re.IGNORECASE) if parts else None

        object.__setattr__(self, "_fillers", alternation(self.disfluencies))
        opening = alternation(self.interjections)
        leading = re.compile(rf"^(?:{opening.pattern}\s*,\s*)+", re.IGNORECASE) if opening else None
        object.__setattr__(self, "_interjections", leading)
        object.__setattr__(self, "_first", alternation(self.first_person))
        object.__setattr__(self, "_second", alternation(self.second_person))
        openers = [(re.compile(rf"{_word_pattern(a)}(?!\w)", re.IGNORECASE), b) for a, b in self.openers]
        object.__setattr__(self, "_openers", openers)
        object.__setattr__(self, "_pronoun_any", alternation([a for a, _ in self.pronouns]))
        future = [(re.compile(rf"(?<!\w){_word_pattern(a)}(?!\w)", re.IGNORECASE), b) for a, b in self.decision_future]
        object.__setattr__(self, "_future", future)


def _pure_stance(verb: str) -> bool:
    """A reporting verb that only reports a view ("thought that", "cho rằng"), with no subject of its own."""
    return verb.endswith(("that", "rằng")) and "the team" not in verb


def clean(text: str, rules: Rules) -> str:
    """Spoken text as it would be written: no tags, fillers, stutters or false-start letters; tidy punctuation."""
    text = _TAG.sub(" ", text)
    text = _SPELLED.sub(lambda m: m.group(1).replace("_", ""), text)
    pattern = rules._fillers  # type: ignore[attr-defined]
    if pattern is not None:
        text = pattern.sub(" ", text)
    if rules.language == "en":  # "w w would", "Right s": letters cut off by a restart
        text = re.sub(r"(?<![\w'’])(?![aAI](?!\w))[a-zA-Z](?![\w'’])", " ", text)
    text = _REPEAT.sub(r"\1", text)
    text = _SPACE_BEFORE.sub(r"\1", " ".join(text.split()))
    text = _PUNCT_RUN.sub(r"\1", text)
    text = re.sub(r"([,;:])(?=[.?!…])", "", text)
    leading = rules._interjections  # type: ignore[attr-defined]
    if leading is not None:
        bare = leading.sub("", text.strip(" ,;:–—-"))
        if bare != text.strip(" ,;:–—-") and bare:  # a sentence again, as the rest of the rewriting expects
            text = bare[:1].upper() + bare[1:]
    return text.strip(" ,;:–—-")


def first_person(text: str, rules: Rules) -> bool:
    pattern = rules._first  # type: ignore[attr-defined]
    return bool(pattern and pattern.search(text))


def standing(text: str, rules: Rules) -> float:
    """How well a sentence stands alone as a summary point, in (0, 1]: lower when it addresses someone ("you")
    or breaks off mid-clause ("... and the buttons and")."""
    score = 1.0
    second = rules._second  # type: ignore[attr-defined]
    if second is not None and second.search(text):
        score *= 0.6
    words = re.findall(r"[\w'’]+", text.lower())
    if words and words[-1] in rules.dangling:
        score *= 0.6
    return score


def _third_person(text: str, rules: Rules, subject: str, seen: bool = False) -> str:
    """First-person plural rewritten in reading order: the first "we" becomes `subject`, later ones "they" (English
    reported speech); other languages take the cue file's replacement as it is."""
    table = {_fold_key(a): b for a, b in rules.pronouns}
    pattern = rules._pronoun_any  # type: ignore[attr-defined]
    if pattern is None:
        return text

    def swap(match: re.Match[str]) -> str:
        nonlocal seen
        replacement = table[_fold_key(match.group())]
        if rules.language != "en" or not replacement.startswith("the team"):
            return replacement
        rest = replacement[len("the team") :]
        if not seen:
            seen = True
            return subject + rest
        if match.group().lower() in ("us", "ourselves"):
            return "them"
        return "their" if rest == "'s" else "they" + {" is": " are", " has": " have"}.get(rest, rest)

    return " ".join(pattern.sub(swap, text).split())


def _fold_key(phrase: str) -> str:
    return " ".join(phrase.lower().replace("’", "'").split())


def display_name(name: str, rules: Rules) -> str:
    """A role label reads as a role ("Project Manager" -> "The Project Manager"); a person's name as it is."""
    words = name.lower().split()
    if rules.language == "en" and words and all(w in rules.roles for w in words):
        return f"The {name}"
    return name


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first[1:].islower() and first not in ("I",):
        return text[:1].lower() + text[1:]
    return text


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sentence(text: str) -> str:
    text = text.strip(" ,;:–—-")
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


def reported(text: str, name: str | None, rules: Rules) -> str | None:
    """`text` (cleaned, fillers off) in reported speech, with `name` as the speaker when known; None when a first
    person is left that the rules cannot rewrite."""
    verb, rest = rules.default_verb, text
    stance = False
    for pattern, mapped in rules._openers:  # type: ignore[attr-defined]
        if m := pattern.match(text):
            verb, rest, stance = mapped, text[m.end() :].lstrip(_LEAD), True
            break
    if len(rest.split()) < 3:
        return None
    subject = "the team" if rules.language == "en" else ""
    rest = _third_person(rest, rules, subject, seen="the team" in verb)
    if name:
        out = f"{display_name(name, rules)} {verb} {_lower_first(rest)}"
    elif stance and _pure_stance(verb):
        out = _capitalise(rest)  # "I think the roof leaks" said by nobody known: the statement alone
    else:
        out = _capitalise(_third_person(text, rules, subject))
    out = _sentence(" ".join(out.split()))
    return None if first_person(out, rules) else out


def decision(text: str, rules: Rules) -> str:
    """A decision as minutes state it: "We agreed to ..." -> "The meeting agreed to ...", "we're going with rubber"
    -> "the team will go with rubber"; stance openers off."""
    for pattern, mapped in rules._openers:  # type: ignore[attr-defined]
        if (m := pattern.match(text)) and _pure_stance(mapped):
            text = text[m.end() :].lstrip(_LEAD)
            break
    for pattern, future in rules._future:  # type: ignore[attr-defined]
        text = pattern.sub(future, text)
    return _sentence(_capitalise(_third_person(text, rules, rules.decision_subject)))


def task(text: str, start: int, rules: Rules) -> str:
    """The task from `start` on (after its doer and "will"/"can you"), as an instruction: "Book the room."."""
    body = _third_person(text[start:].strip(_LEAD), rules, "the team")
    body = re.sub(r",\s*[\w\s.]{1,30}\?$", "", body)  # "... by Friday, Minh?"
    body = body.rstrip(" ?!.…,")
    return _sentence(_capitalise(body)) if len(body.split()) >= 2 else _sentence(_capitalise(text.strip(_LEAD)))


def action_sentence(task: str, owner: str | None, due: str | None, rules: Rules) -> str:
    """An action item as one line of prose minutes: "The Industrial Designer will work on the look and feel."
    (a task without an owner stays an instruction); the due date as said, in brackets, unless the task says it."""
    if owner and rules.task_verb:
        text = _sentence(_capitalise(f"{display_name(owner, rules)} {rules.task_verb} {_lower_first(task)}"))
    else:
        text = f"{owner}: {task}" if owner else task
    return f"{text} ({due})" if due and due.lower() not in task.lower() else text
