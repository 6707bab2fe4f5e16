"""Attendee names from the meeting details correct near-miss spellings of the same names in the text.

Precision over recall: a wrong "correction" renames a person in signed minutes. So only a whole name of two words or
more is replaced, by a name of the same length where every word matches apart from tone marks and at most one word is
one letter off ("Nguyễn Thị Lang" -> "Nguyễn Thị Lan", "Lan Nguyen" -> "Lan Nguyễn"); the words found must be
capitalised as a name is (or, for three words and more, match exactly apart from case and marks); and a name that is
itself one of the attendees is never touched.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable

from minutes.normalize.tables_vi import HONORIFICS

_WORD = re.compile(r"\w+")


def fold(word: str) -> str:
    """Lower case without marks: "Nguyễn" -> "nguyen", "Đức" -> "duc"."""
    decomposed = unicodedata.normalize("NFD", word.lower().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def bare_name(entry: str) -> str:
    """ "Ông Lê Văn Cường, Phó Giám đốc Sở" -> "Lê Văn Cường": no courtesy word, no title after a comma or dash."""
    entry = unicodedata.normalize("NFC", entry)
    name = re.split(r"\s*[,(;]|\s+-\s+|\s+–\s+", entry.strip(), maxsplit=1)[0].strip()
    lowered = name.lower()
    for word in sorted(HONORIFICS, key=len, reverse=True):
        if lowered.startswith(word + " ") or lowered.startswith(word + ". "):
            name = name[len(word) :].lstrip(". ").strip()
            break
    return name


def _one_off(a: str, b: str) -> bool:
    """Edit distance at most 1 (a letter changed, added or dropped)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]


def _near(found: list[str], name: list[str]) -> bool:
    if found == name:
        return False
    off = 0
    for seen, real in zip(found, name, strict=True):
        if fold(seen) == fold(real):
            continue
        a, b = fold(seen), fold(real)
        if min(len(a), len(b)) < 3 or a[0] != b[0] or not _one_off(a, b):
            return False
        off += 1
    if off > 1:
        return False
    capitalised = all(w[:1].isupper() for w in found)
    return capitalised or (off == 0 and len(name) >= 3)


def correct_names(text: str, names: Iterable[str]) -> str:
    """`text` with near-miss spellings of `names` (attendees, chair, secretary as given) replaced by them."""
    known = []
    for entry in names:
        name = bare_name(entry)
        words = _WORD.findall(name)
        if len(words) >= 2 and " ".join(words) == name:
            known.append(words)
    if not known or not text:
        return text
    exact = {tuple(words) for words in known}
    matches = list(_WORD.finditer(text))
    edits: list[tuple[int, int, str]] = []
    k = 0
    while k < len(matches):
        done = False
        for words in sorted(known, key=len, reverse=True):
            n = len(words)
            window = matches[k : k + n]
            if len(window) < n:
                continue
            # the words must follow each other over single spaces: a name is never split by punctuation
            if any(text[a.end() : b.start()] != " " for a, b in itertools.pairwise(window)):
                continue
            found = [m.group(0) for m in window]
            if tuple(found) in exact or not _near(found, words):
                continue
            edits.append((window[0].start(), window[-1].end(), " ".join(words)))
            k += n
            done = True
            break
        if not done:
            k += 1
    for start, end, name in reversed(edits):
        text = text[:start] + name + text[end:]
    return text


__all__ = ["bare_name", "correct_names", "fold"]
