"""English numbers as minutes write them, the cheap part of what `vi` does: "twenty five percent" -> "25%",
"two point five million dollars" -> "$2.5 million", "one hundred and twenty people" -> "120 people",
"December fifteenth" -> "December 15", "the twenty first" -> "the 21st". Numbers below ten stay words unless they
are money, a percentage, a decimal or a clock time ("nine o'clock" -> "9 o'clock"); Whisper's "1 of the" is put
back as "one of the"."""

from __future__ import annotations

import re
from decimal import Decimal

UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "thirtieth": 30,
}
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
CURRENCIES = {"dollars": "$", "dollar": "$", "euros": "€", "euro": "€", "pounds": "£"}
_NUMBER_WORD = "|".join([*UNITS, *TENS, "hundred", *SCALES, "and", "a"])
_ORDINAL_WORD = "|".join(ORDINALS)
_PHRASE = re.compile(
    rf"(?<![\w-])((?:(?:{_NUMBER_WORD})[\s-]+)*(?:{_NUMBER_WORD}|{_ORDINAL_WORD}))"
    rf"(?:\s+point((?:\s+(?:{'|'.join(list(UNITS)[:10])}))+))?"
    r"(?=(\s+(?:percent|per cent|o'clock|a\.?m\.?|p\.?m\.?|dollars?|euros?|pounds|million|billion|thousand|\w+))?)"
    r"(?!\w)",
    re.IGNORECASE,
)


def _parse(words: list[str]) -> tuple[int, bool] | None:
    """(value, ordinal) of "one hundred and twenty", "twenty first"; None when the words do not form one number."""
    if words[0] not in UNITS and words[0] not in TENS and words[0] not in ORDINALS and words[0] != "a":
        return None  # "million" alone is no number; "hundred" alone neither
    if words[0] == "a" and len(words) == 2:
        return None  # "a million", "a hundred": words, as said
    total = current = 0
    seen = False
    ordinal = False
    for i, word in enumerate(words):
        if word == "and":
            if not seen or i == len(words) - 1:
                return None
            continue
        if word == "a":
            if i == len(words) - 1 or words[i + 1] not in ("hundred", *SCALES):
                return None
            current = 1
            seen = True
            continue
        if word in ORDINALS and i == len(words) - 1:
            current += ORDINALS[word]
            ordinal = True
        elif word in UNITS:
            if current % 10 or (current and current < 10):
                return None  # "two three": not one number
            current += UNITS[word]
        elif word in TENS:
            if current % 100:
                return None
            current += TENS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in SCALES:
            total += (current or 1) * SCALES[word]
            current = 0
        else:
            return None
        seen = True
    return (total + current, ordinal) if seen else None


def _suffix(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def _grouped(value: Decimal) -> str:
    whole, _, frac = f"{value.normalize():f}".partition(".")
    return f"{int(whole):,}" + ("." + frac if frac else "")


def numbers(text: str) -> str:
    """See the module docstring."""
    if not text:
        return text

    def replace(m: re.Match[str]) -> str:
        phrase = m.group(1)
        words = [w.lower() for w in re.split(r"[\s-]+", phrase)]
        parsed = _parse(words)
        if parsed is None:
            return m.group(0)
        value, ordinal = parsed
        follow = (m.group(3) or "").strip().lower()
        fraction = m.group(2)
        if fraction:
            digits = "".join(str(UNITS[w.lower()]) for w in fraction.split())
            number = Decimal(f"{value}.{digits}")
        else:
            number = Decimal(value)
        single = len(words) == 1 and value < 10 and not fraction
        if ordinal:
            if value < 10:
                return m.group(0)
            return f"{value}{_suffix(value)}"
        wanted = follow in ("percent", "per cent", "o'clock") or follow.startswith(("a.m", "am", "p.m", "pm"))
        wanted = wanted or follow.rstrip("s") in ("dollar", "euro", "pound") or follow in SCALES
        if single and not wanted:
            return m.group(0)
        for name in ("billion", "million"):
            quotient = number / SCALES[name]
            if name in words and quotient >= 1 and quotient == quotient.quantize(Decimal("0.001")):
                return f"{_grouped(quotient)} {name}"  # "3 million", as written, not "3,000,000"
        return _grouped(number)

    text = _PHRASE.sub(replace, text)
    text = re.sub(r"(\d)\s+(?:percent|per cent)\b", r"\1%", text, flags=re.IGNORECASE)
    # "$2.5 million" rather than "2.5 million dollars", "$20" rather than "20 dollars"
    for word, sign in CURRENCIES.items():
        text = re.sub(
            rf"(?<![\w$€£.,])(\d[\d,]*(?:\.\d+)?(?:\s+(?:thousand|million|billion))?)\s+{word}\b",
            lambda m, sign=sign: f"{sign}{m.group(1)}",
            text,
            flags=re.IGNORECASE,
        )
    months = "|".join(MONTHS)
    # "the 15th of December" -> "15 December"; "December 15th" -> "December 15"
    text = re.sub(rf"\bthe (\d{{1,2}})(?:st|nd|rd|th) of ({months})\b", r"\1 \2", text)
    text = re.sub(rf"\b({months}) (\d{{1,2}})(?:st|nd|rd|th)\b", r"\1 \2", text)
    return text


def dates_from_ordinals(text: str) -> str:
    """ "December fifteenth" has become "December 15th" in `numbers`; small ordinals need the month to know."""
    months = "|".join(MONTHS)
    pattern = rf"\b({months}) ({_ORDINAL_WORD})\b"
    return re.sub(pattern, lambda m: f"{m.group(1)} {ORDINALS[m.group(2).lower()]}", text, flags=re.IGNORECASE)


# Digits Whisper writes where a word was said: "1 of the options" is "one of the options".
_ONE = re.compile(
    r"(?<![\w.,$€£])(\w+ )?1(?= (?:of (?:the|them|us|our|my|your|those|these|his|her|their)|another|more thing)\b)"
)
_LABELS = frozenset({"section", "chapter", "article", "page", "item", "part", "room", "table", "figure", "step"})


def words_for_digits(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        before = m.group(1) or ""
        return m.group(0) if before.strip().lower() in _LABELS else f"{before}one"  # "Section 1 of the report"

    return _ONE.sub(one, text)


def normalize(text: str) -> str:
    return words_for_digits(numbers(dates_from_ordinals(text)))


__all__ = ["normalize", "numbers"]
