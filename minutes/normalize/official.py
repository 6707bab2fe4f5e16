"""Names of agencies, titles and provinces spelt as official documents spell them, from the tables in `tables_vi`
plus the user's glossary: "sở thông tin và truyền thông" -> "Sở Thông tin và Truyền thông".

Only the capitals change (and the old tone placement "Uỷ", "hoá" is accepted as the same word), so a pass can never
turn one word into another. A title is capitalised only before a capitalised word (an agency or a person's name):
"phó chủ tịch Ủy ban nhân dân tỉnh" -> "Phó Chủ tịch Ủy ban nhân dân tỉnh", but "các giám đốc" stays as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from minutes.normalize import tables_vi as T


def _tone_pairs() -> list[tuple[str, str]]:
    """("ủy", "uỷ"), ("óa", "oá")...: the mark on the first vowel (new style) or the second (old style)."""
    marks = {"u": "úùủũụ", "o": "óòỏõọ"}
    second = {"y": "ýỳỷỹỵ", "a": "áàảãạ", "e": "éèẻẽẹ"}
    pairs = []
    for glide, vowels in (("u", "y"), ("o", "a"), ("o", "e")):
        for marked_glide, marked_vowel in zip(marks[glide], second[vowels], strict=True):
            pairs.append((marked_glide + vowels, glide + marked_vowel))
    return pairs


TONE_PAIRS = _tone_pairs()


def fold_tones(text: str) -> str:
    """Old tone placement to the new one, lower case: the key two spellings of one name share."""
    text = text.lower()
    for new, old in TONE_PAIRS:
        text = text.replace(old, new)
    return " ".join(text.replace(" - ", " ").replace(",", " ").split())


def _loose(term: str) -> str:
    """A regex for `term` that forgives case (by the caller's flag), tone placement, spacing and commas."""
    parts = []
    for word in re.split(r"[\s,]+", term.strip()):
        if word == "-":
            parts.append(r"(?:\s*-\s*|\s+)")  # "Lao động - Thương binh", said without the dash
            continue
        pattern = re.escape(word.lower())
        for new, old in TONE_PAIRS:
            pattern = pattern.replace(new, f"(?:{new}|{old})")
        parts.append(pattern)
    out = ""
    for i, part in enumerate(parts):
        if i and not part.startswith("(?:\\s*-") and not parts[i - 1].startswith("(?:\\s*-"):
            out += r",?\s+"
        out += part
    return out


def _alternation(terms: Iterable[str]) -> re.Pattern[str] | None:
    unique = sorted({t.strip() for t in terms if t.strip()}, key=len, reverse=True)
    if not unique:
        return None
    body = "|".join(_loose(t) for t in unique)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=32)
def _compiled(glossary: tuple[str, ...]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    agencies = [*T.AGENCIES, *(f"{kind} {field}" for kind in T.AGENCY_KINDS for field in T.FIELDS), *glossary]
    official = {fold_tones(a): a for a in agencies}
    return _alternation(agencies), official


@lru_cache(maxsize=1)
def _titles_and_places() -> tuple[re.Pattern[str], dict[str, str], re.Pattern[str], dict[str, str], re.Pattern[str]]:
    titles = _alternation(T.TITLES)
    provinces = _alternation(T.PROVINCES)
    assert titles is not None and provinces is not None
    places = re.compile(rf"(?<!\w)(tỉnh|thành phố|tp\.?)\s+({provinces.pattern})", re.IGNORECASE)
    abbreviations = re.compile(r"(?<!\w)(?:" + "|".join(T.ABBREVIATIONS) + r")(?!\w)", re.IGNORECASE)
    return (
        titles,
        {fold_tones(t): t for t in T.TITLES},
        places,
        {fold_tones(p): p for p in T.PROVINCES},
        abbreviations,
    )


def _respell(match: re.Match[str], official: dict[str, str]) -> str:
    found = match.group(0)
    target = official.get(fold_tones(found))
    if target is None:
        return found
    # A text written in capitals (a heading) stays as it is; elsewhere the official form, which differs from what
    # was found in capitals, tone placement and at most a comma ("Văn hóa, Thể thao và Du lịch").
    return found if found.isupper() else target


def capitalise(text: str, glossary: Iterable[str] = (), *, vietnamese: bool = True) -> str:
    """Agencies, glossary terms, titles before a name or agency, and provinces after "tỉnh"/"thành phố", spelt as
    official documents do; with `vietnamese` False, the glossary terms only."""
    if not text:
        return text
    terms = tuple(sorted({g.strip() for g in glossary if g.strip()}))
    if not vietnamese:
        pattern = _alternation(terms)
        official = {fold_tones(t): t for t in terms}
        return pattern.sub(lambda m: _respell(m, official), text) if pattern else text
    agencies, official = _compiled(terms)
    titles, title_forms, places, province_forms, abbreviations = _titles_and_places()
    text = abbreviations.sub(lambda m: T.ABBREVIATIONS[m.group(0).lower()], text)
    if agencies is not None:
        text = agencies.sub(lambda m: _respell(m, official), text)

    def title(m: re.Match[str]) -> str:
        rest = text[m.end() :]
        following = rest.lstrip(" ")
        if len(rest) == len(following) or not following[:1].isupper():
            return m.group(0)
        return _respell(m, title_forms)

    text = titles.sub(title, text)

    def place(m: re.Match[str]) -> str:
        name = province_forms.get(fold_tones(m.group(2)), m.group(2))
        return f"{m.group(1)} {name}" if not m.group(2).isupper() else m.group(0)

    return places.sub(place, text)


__all__ = ["capitalise", "fold_tones"]
