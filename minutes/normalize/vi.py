"""Vietnamese numbers as an administrative text writes them: "ngày mười lăm tháng mười hai" -> "ngày 15 tháng 12".

What becomes digits, and what stays a word (precision first: a wrong digit in signed minutes is worse than a word):
- dates and times: "ngày 15 tháng 12 năm 2026", "9 giờ 30"; money, measures and durations: "2,4 tỷ đồng",
  "500.000 đồng", "3 km", "6 tháng"; percentages "50%"; decimals with a comma "2,5"; any number from 10 up;
- single digits with nothing to measure stay words ("ba người", "một số"), as do idioms ("mười phân vẹn mười"),
  ordinals below ten ("lần thứ hai") and number words written with a capital inside a sentence (names: "Hai Bà
  Trưng", "Ba Đình");
- the reverse: digits Whisper wrote for a word ("1 số" -> "một số", "thứ 2, ..." -> "thứ hai, ...", "thứ 2 tuần
  sau" -> "thứ Hai tuần sau"), "9h30" -> "9 giờ 30".
Everything here is a pure function on text; the tables are in `tables_vi`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from minutes.normalize import tables_vi as T

# A number with separators ("2.400.000", "2,5") is one token; a word may carry hyphens ("ki-lô-mét").
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*(?!\w)|\w+(?:-\w+)*|\s+|.", re.S)
_CLOCK = re.compile(r"^(\d{1,2})h(\d{2})?$", re.I)
_SENTENCE_END = frozenset(".!?:\n")
_NUMBER_WORDS = frozenset(T.DIGITS) | {"mười"}
_RANGE_WORDS = frozenset({"đến", "tới", "hoặc", "-", "–"})
_ROMAN = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


@dataclass
class _Number:
    value: Decimal
    end: int  # index after the last word
    words: int  # words consumed
    scale: int  # the largest scale word said (0: none)
    spoken: bool  # at least one number word (not only Whisper's digits)


class _Text:
    """The words of a text with the exact text around them, so edits keep every space and punctuation mark."""

    def __init__(self, text: str) -> None:
        self.tokens = _TOKEN.findall(text)
        self.index = [i for i, t in enumerate(self.tokens) if not t.isspace()]
        self.words = [self.tokens[i] for i in self.index]
        self.lower = [w.lower() for w in self.words]
        # A number phrase never crosses punctuation or a line: words k and k+1 join only over spaces.
        self.joined = [
            self.index[k + 1] == self.index[k] + 2
            and self.tokens[self.index[k] + 1].isspace()
            and "\n" not in self.tokens[self.index[k] + 1]
            for k in range(len(self.index) - 1)
        ] + [False]

    def run_end(self, k: int) -> int:
        """One past the last word reachable from k over whitespace only."""
        while k < len(self.words) and self.joined[k]:
            k += 1
        return k + 1

    def starts_sentence(self, k: int) -> bool:
        i = self.index[k] - 1
        while i >= 0 and self.tokens[i].isspace():
            if "\n" in self.tokens[i]:
                return True
            i -= 1
        return i < 0 or self.tokens[i] in _SENTENCE_END or self.tokens[i] in ("-", "•", '"', "“", "(")

    def render(self, edits: list[tuple[int, int, str]]) -> str:
        out: list[str] = []
        edits = sorted(edits)
        e = 0
        i = 0
        while i < len(self.tokens):
            if e < len(edits) and self.index[edits[e][0]] == i:
                _, end, text = edits[e]
                out.append(text)
                i = self.index[end - 1] + 1
                e += 1
                continue
            out.append(self.tokens[i])
            i += 1
        return "".join(out)


# -- reading numbers ---------------------------------------------------------------------------------------------


def _tens(w: list[str], k: int, end: int) -> tuple[int, int] | None:
    """0-99 from word k: "mười lăm", "hai mươi mốt", "ba lăm", "bảy"."""
    if k >= end:
        return None
    if w[k] == "mười":
        if k + 1 < end and w[k + 1] in T.UNITS_AFTER_TEN:
            return 10 + T.UNITS_AFTER_TEN[w[k + 1]], k + 2
        return 10, k + 1
    digit = T.DIGITS.get(w[k])
    if digit is None:
        return None
    if digit >= 2 and k + 1 < end and w[k + 1] == "mươi":
        if k + 2 < end and w[k + 2] in T.UNITS_AFTER_TENS:
            return digit * 10 + T.UNITS_AFTER_TENS[w[k + 2]], k + 3
        return digit * 10, k + 2
    if digit >= 2 and k + 1 < end and w[k + 1] in T.SHORT_TENS:
        return digit * 10 + T.SHORT_TENS[w[k + 1]], k + 2
    return digit, k + 1


def _group(w: list[str], k: int, end: int) -> tuple[int, int] | None:
    """0-999 from word k (or one of Whisper's digit tokens)."""
    if k >= end:
        return None
    if w[k].isdigit():
        return int(w[k]), k + 1
    digit = T.DIGITS.get(w[k])
    if digit is None or k + 1 >= end or w[k + 1] != "trăm":
        return _tens(w, k, end)
    value, j = digit * 100, k + 2
    if j + 1 < end and w[j] in T.ZERO_TENS and T.DIGITS.get(w[j + 1], 0) > 0:
        return value + T.DIGITS[w[j + 1]], j + 2
    if j < end and w[j] == "rưỡi":
        return value + 50, j + 1
    tens = _tens(w, j, end)
    if tens is None:
        return value, j
    if tens[1] == j + 1 and w[j] != "mười":
        # "hai trăm hai" is 220 (the tens said short), but "hai trăm năm" is two hundred years
        if w[j] in ("năm", "không") or (tens[1] < end and w[tens[1]] in _NUMBER_WORDS):
            return value, j
        return value + tens[0] * 10, tens[1]
    return value + tens[0], tens[1]


def _cardinal(w: list[str], k: int, end: int, *, short: bool = True) -> _Number | None:
    """A whole number from word k: "hai tỷ bốn trăm triệu", "2 tỷ 400 triệu", "hai triệu rưỡi", "một nghìn tỷ"."""
    total = Decimal(0)
    last = 0  # the last scale word seen
    top = 0
    j = k
    parts = 0
    while j < end:
        group = _group(w, j, end)
        if group is None:
            # "nghìn tỷ": a larger scale right after a scale multiplies everything before it
            if last and w[j] in T.SCALES and T.SCALES[w[j]] > last and w[j - 1] in T.SCALES:
                total *= T.SCALES[w[j]]
                last = top = T.SCALES[w[j]]
                j += 1
                continue
            break
        value, nxt = group
        scale = T.SCALES.get(w[nxt]) if nxt < end else None
        if scale is not None and (not last or scale < last):
            total += value * scale
            last, top, j, parts = scale, max(top, scale), nxt + 1, parts + 1
            if j < end and w[j] == "rưỡi":
                total += scale // 2
                j += 1
                break
            continue
        if scale is not None:
            break  # scales out of order: "hai nghìn ba triệu" is two numbers
        word = w[j]
        said_short = short and last >= 1000 and nxt == j + 1 and T.DIGITS.get(word, 0) > 0 and word != "năm"
        if said_short and not (nxt < end and w[nxt] in _NUMBER_WORDS):
            total += T.DIGITS[word] * last // 10  # "hai nghìn ba" is 2 300, "ba triệu hai" 3,2 million
        else:
            total += value
        j, parts = nxt, parts + 1
        break
    if not parts:
        return None
    spoken = any(not w[i].isdigit() for i in range(k, j))
    return _Number(total, j, j - k, top, spoken)


def _fraction(w: list[str], k: int, end: int) -> tuple[str, int] | None:
    """The digits after "phẩy": "năm" -> "5", "không năm" -> "05", "mười lăm" -> "15"."""
    tens = _tens(w, k, end)
    if tens is None:
        return None
    if tens[1] > k + 1:
        return str(tens[0]), tens[1]
    digits = ""
    j = k
    while j < end and w[j] in T.DIGITS:
        digits += str(T.DIGITS[w[j]])
        j += 1
    return (digits, j) if digits else None


# -- writing numbers ---------------------------------------------------------------------------------------------


def group_thousands(n: int) -> str:
    """12345 -> "12.345": the Vietnamese thousands separator is the dot."""
    return f"{n:,}".replace(",", ".")


def decimal_vi(value: Decimal) -> str:
    """2.4 -> "2,4", 1234.5 -> "1.234,5"."""
    whole, _, frac = f"{value.normalize():f}".partition(".")
    return group_thousands(int(whole)) + ("," + frac if frac else "")


def amount(number: _Number) -> str:
    """A number as written: "2,4 tỷ", "350 triệu", "500.000"; digits in full where a scale would need 4+ decimals."""
    value = number.value
    if number.scale >= 1_000_000 and value >= 1_000_000:
        for scale, name in ((1_000_000_000, "tỷ"), (1_000_000, "triệu")):
            quotient = value / scale
            if quotient >= 1 and quotient == quotient.quantize(Decimal("0.001")):
                return f"{decimal_vi(quotient)} {name}"
    return group_thousands(int(value)) if value == value.to_integral() else decimal_vi(value)


def roman(n: int) -> str:
    out = ""
    for size, letters in ((40, "XL"), *_ROMAN):
        while n >= size:
            out, n = out + letters, n - size
    return out


# -- the pass ----------------------------------------------------------------------------------------------------


def _idiom_words(text: _Text) -> set[int]:
    covered: set[int] = set()
    joined = " ".join(text.lower)
    for idiom in T.IDIOMS:
        for m in re.finditer(rf"(?<!\w){re.escape(idiom)}(?!\w)", joined):
            first = joined[: m.start()].count(" ")
            covered.update(range(first, first + idiom.count(" ") + 1))
    return covered


class _Pass:
    def __init__(self, text: str) -> None:
        self.t = _Text(text)
        self.w = self.t.lower
        self.edits: list[tuple[int, int, str]] = []
        self.done: set[int] = _idiom_words(self.t)

    # helpers
    def end(self, k: int) -> int:
        return self.t.run_end(k) if k < len(self.w) else k

    def at(self, k: int) -> str:
        return self.w[k] if 0 <= k < len(self.w) else ""

    def edit(self, start: int, end: int, text: str) -> int:
        if any(i in self.done for i in range(start, end)):
            return start + 1
        original = self.t.words[start]
        if original[:1].isupper() and text[:1].isalpha():
            text = text[:1].upper() + text[1:]
        self.edits.append((start, end, text))
        self.done.update(range(start, end))
        return end

    def is_name(self, k: int) -> bool:
        """A number word written with a capital inside a sentence is part of a name ("quận Ba Đình")."""
        return self.t.words[k][:1].isupper() and not self.t.starts_sentence(k)

    def joined_to(self, k: int) -> bool:
        """Word k follows word k-1 over whitespace only."""
        return k > 0 and self.t.joined[k - 1]

    def counted(self, j: int) -> bool:
        """The word at j makes the number before it a count ("hai lần", "ba người")."""
        return self.at(j) in T.COUNTERS

    # contexts introduced by the word before the number
    def keyword(self, k: int) -> int | None:
        word = self.w[k]
        nxt = k + 1
        if nxt >= len(self.w) or not self.t.joined[k]:
            return None
        end = self.end(nxt)
        if word == "năm":
            return self.year(nxt, end)
        if word == "thứ":
            return self.ordinal(k, end)
        hundred = word == "trăm" and self.at(nxt) == "phần" and self.at(nxt + 1) == "trăm" and nxt + 1 < end
        if hundred and not (self.joined_to(k) and self.w[k - 1] in _NUMBER_WORDS):
            return self.edit(k, nxt + 2, "100%")  # "trăm phần trăm"
        if word == "chủ" and self.at(nxt) == "nhật":
            return self.edit(k, nxt + 1, "Chủ nhật") if self.t.words[k] != "Chủ" else None
        if word in T.NAMING_WORDS or word in T.ROMAN_AFTER:
            number = _cardinal(self.w, nxt, end, short=False)
            if word in ("tháng", "quý") and self.w[nxt] in T.MONTH_WORDS:  # "tháng tư", "quý tư", "tháng giêng"
                number = _Number(Decimal(T.MONTH_WORDS[self.w[nxt]]), nxt + 1, 1, 0, True)
            if number is None or not number.spoken or self.is_name(nxt):
                return None
            if number.end < end and (self.counted(number.end) or self.w[number.end] in _NUMBER_WORDS - {"năm"}):
                return None
            if number.end < end and self.w[number.end] in ("phần", "phẩy", "giờ"):
                return None
            value = number.value
            if value != value.to_integral() or (number.words == 1 and self.w[nxt] == "không"):
                return None
            low, high = T.NAMING_WORDS.get(word) or T.ROMAN_AFTER[word]
            if not low <= value <= high:
                return None
            single = number.words == 1 and self.w[nxt] != "mười"
            # "ngày một tăng" (more each day): a one-word day needs a month after it
            if word in ("ngày", "mùng", "mồng") and single and self.at(number.end) != "tháng":
                return None
            text = roman(int(value)) if word in T.ROMAN_AFTER else str(int(value))
            return self.edit(nxt, number.end, text)
        return None

    def year(self, k: int, end: int) -> int | None:
        w = self.w
        if k + 3 < end and all(w[i] in T.DIGITS for i in range(k, k + 4)) and w[k] in ("một", "hai"):
            # "năm hai không hai sáu": a year read digit by digit
            return self.edit(k, k + 4, "".join(str(T.DIGITS[w[i]]) for i in range(k, k + 4)))
        number = _cardinal(w, k, end, short=False)
        if number is None or not number.spoken or number.words < 2:
            return None
        if 1000 <= number.value <= 2999 and number.value == number.value.to_integral():
            if number.end < end and (w[number.end] in T.SCALES or w[number.end] == "phẩy"):
                return None
            return self.edit(k, number.end, str(int(number.value)))
        return None

    def ordinal(self, k: int, end: int) -> int | None:
        """After "thứ": weekdays capitalised, ordinals from 10 in digits, Whisper's "thứ 2" back to a word."""
        w, nxt = self.w, k + 1
        word = w[nxt]
        before = w[k - 1] if self.joined_to(k) else ""
        after = w[nxt + 1] if nxt + 1 < end else ""
        comma_day = self.at(nxt + 1) == "ngày" or (
            nxt + 2 < len(w) and self.t.tokens[self.t.index[nxt] + 1] == "," and self.at(nxt + 2) == "ngày"
        )
        weekday = before in T.WEEKDAY_BEFORE or after in T.WEEKDAY_AFTER or comma_day
        # "thứ Ba và thứ năm", "thứ hai đến thứ sáu": the second of a pair, or a range of days
        named = {f"thứ {d}".lower() for d in T.WEEKDAY_WORDS.values()}
        pair = before in ("và", "hoặc", "đến", "tới") and any(
            end_ == k - 1 and text.lower() in named for _, end_, text in self.edits
        )
        span = after in ("đến", "tới") and self.at(nxt + 2) == "thứ" and self.at(nxt + 3) in T.WEEKDAY_WORDS
        weekday = weekday or pair or span
        day = T.WEEKDAY_DIGITS.get(word) or T.WEEKDAY_WORDS.get(word)
        if day and weekday and not self.is_name(k):
            return self.edit(k, nxt + 1, f"{self.t.words[k]} {day}")
        if word.isdigit() and 1 <= int(word) <= 9 and self.at(nxt + 1) not in T.TIME_UNITS:
            return self.edit(nxt, nxt + 1, T.ORDINAL_WORDS[int(word) - 1])
        number = _cardinal(w, nxt, end, short=False)
        if number and number.spoken and number.value >= 10 and not self.is_name(nxt):
            return self.edit(nxt, number.end, group_thousands(int(number.value)))
        return None

    def number(self, k: int) -> int | None:
        w = self.w
        end = self.end(k)
        if self.is_name(k):
            return None
        number = _cardinal(w, k, end)
        if number is None:
            return None
        j = number.end
        # "hai ba người": two numbers side by side, not one to guess at ("năm" after a number is "year")
        if j < end and w[j] in _NUMBER_WORDS - {"năm"} and not (j + 1 < end and w[j + 1] in ("phần", "phẩy")):
            return number.end
        first = w[k]
        single = number.words == 1 and first in T.DIGITS
        if single and first == "không" and self.at(j) != "phẩy":
            return None
        # decimals and percentages
        text = amount(number) if number.spoken or number.scale else None
        if self.at(j) == "phẩy" and j + 1 < end:
            fraction = _fraction(w, j + 1, end)
            if fraction is not None and not number.scale:
                digits, j = fraction
                text = f"{group_thousands(int(number.value))},{digits}"
                if j < end and w[j] in T.SCALES:
                    text, j = f"{text} {w[j]}", j + 1
                number = _Number(number.value, j, j - k, 1, True)
                single = False
        if j + 1 < end and w[j] == "phần" and w[j + 1] == "trăm":
            return self.edit(k, j + 2, f"{text or w[k]}%")
        if text is None:
            return None  # Whisper's own digits, nothing to add
        if self.at(j) == "giờ" and number.value <= 24 and not number.scale:
            return self.clock(k, j, number, end)
        unit = self.at(j)
        measured = unit in T.MONEY_UNITS or unit in T.MEASURE_UNITS or unit in T.TIME_UNITS
        if single:
            if not measured or (first == "một" and unit not in T.MONEY_UNITS | T.MEASURE_UNITS):
                return None
            if self.at(j + 1) == "rưỡi":  # "ba năm rưỡi": left as said
                return None
        done = self.edit(k, number.end, text)
        self.range_start(k, number)
        return done

    def clock(self, k: int, j: int, hour: _Number, end: int) -> int:
        w = self.w
        text = f"{int(hour.value)} giờ"
        stop = j + 1
        if stop < end and w[stop] == "rưỡi":
            text, stop = f"{text} 30", stop + 1
        else:
            minutes = _cardinal(w, stop, end, short=False) if stop < end else None
            said = minutes and minutes.spoken and w[stop] != "không" and minutes.value < 60
            if said and (minutes.words > 1 or self.at(minutes.end) == "phút"):
                text, stop = f"{text} {int(minutes.value)}", minutes.end
        done = self.edit(k, stop, text)
        self.range_start(k, hour)
        return done

    def range_start(self, k: int, number: _Number) -> None:
        """ "từ ba đến sáu tháng": the first number of a range follows the second into digits."""
        if k >= 2 and self.joined_to(k) and self.w[k - 1] in _RANGE_WORDS and self.joined_to(k - 1):
            first = self.w[k - 2]
            inside = k >= 3 and self.joined_to(k - 2) and self.w[k - 3] in _NUMBER_WORDS | set(T.SCALES)
            free = (k - 2) not in self.done and not self.is_name(k - 2) and not inside
            if first in T.DIGITS and first != "không" and free:
                self.edit(k - 2, k - 1, str(T.DIGITS[first]))

    def digits_for_words(self, k: int) -> int | None:
        """Whisper's "1 số", "9h30"."""
        token = self.t.words[k]
        if m := _CLOCK.match(token):
            hour, minute = int(m.group(1)), m.group(2)
            if hour <= 24 and (minute is None or int(minute) < 60):
                return self.edit(k, k + 1, f"{hour} giờ" + (f" {int(minute)}" if minute else ""))
        if token == "1" and self.t.joined[k]:
            before = self.w[k - 1] if self.joined_to(k) else ""
            if before in T.NAMING_WORDS or before in ("thứ", "lúc", "và", "hoặc", "đến"):
                return None
            rest = " ".join(self.w[k + 1 : k + 3])
            for phrase in T.DIGIT_ONE_PHRASES:
                if (rest + " ").startswith(phrase + " ") and self.at(k + 1 + phrase.count(" ") + 1) not in T.SCALES:
                    word = "Một" if self.t.starts_sentence(k) else "một"
                    return self.edit(k, k + 1, word)
        return None

    def run(self) -> str:
        k = 0
        while k < len(self.w):
            if k in self.done:
                k += 1
                continue
            moved = self.keyword(k)
            if moved is None and (self.w[k] in _NUMBER_WORDS or self.w[k].isdigit()):
                moved = self.number(k)
            if moved is None and self.w[k][:1].isdigit():
                moved = self.digits_for_words(k)
            k = moved if moved is not None and moved > k else k + 1
        return self.t.render(self.edits)


def numbers(text: str) -> str:
    """Dates, times, money, percentages, decimals and numbers from ten up in digits, as an administrative text has
    them; see the module docstring for what is left as words."""
    if not text or not text.strip():
        return text
    return _Pass(text).run()


__all__ = ["amount", "decimal_vi", "group_thousands", "numbers", "roman"]
