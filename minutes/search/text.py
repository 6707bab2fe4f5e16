"""Text normalisation for the search index: transcript markers out, Vietnamese diacritics folded, query words.

Why fold ourselves rather than rely on FTS5's `remove_diacritics`: unicode61 keeps "đ" (it is a letter of its own,
not d + a mark), so "dong" would never find "đồng"; and a secretary typing without an IME types "ngan sach".
We index the text twice (as written, and folded) and query both, so an exact spelling still ranks first.
"""

from __future__ import annotations

import re
import unicodedata

# Transcript markers such as {disfmarker} / {vocalsound} (QMSum, AMI) and [noise]-style tags: not words anyone said.
_MARKER = re.compile(r"\{[a-z_ ]+\}|\[[a-z_ ]+\]", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+", re.UNICODE)


def clean(text: str) -> str:
    """The text as shown and embedded: NFC, markers removed, whitespace collapsed."""
    return _SPACE.sub(" ", _MARKER.sub(" ", unicodedata.normalize("NFC", text))).strip()


def fold(text: str) -> str:
    """Lower-case, without diacritics: "Ngân sách Đồng Nai" -> "ngan sach dong nai"."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def words(text: str) -> list[str]:
    """Query words, lower-case, in order, without repeats."""
    seen: dict[str, None] = {}
    for w in _WORD.findall(unicodedata.normalize("NFC", text).lower()):
        if w != "_":
            seen.setdefault(w, None)
    return list(seen)
