"""Guards against Whisper's known failure modes, as pure functions over segments.

Whisper invents text on silence and music, falls into repetition loops ("ấn ấn ấn ...") and emits stock phrases
learnt from subtitled videos ("subscribe to the channel", "hãy đăng ký kênh"). Suspect segments are flagged, not
deleted: exporters leave out segments flagged "hallucination", the JSON keeps them for review.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import replace

from minutes.model import Segment

HALLUCINATION = "hallucination"
REPETITION = "repetition"
RECOVERED = "recovered"  # decoded again on its own after the batched pass left it out

# Phrases Whisper produces from training-set subtitles rather than from the audio. Matched on normalised text.
STOCK_PHRASES = [
    # English
    r"thanks? (you )?(so much |very much )?for watching",
    r"(please )?(like and )?subscribe( to (my|the|our) channel)?",
    r"don'?t forget to (like|subscribe)",
    r"see you (in the )?next (video|time|one)",
    r"subtitles? (by|created by|provided by)( the)?( amara org( community)?)?",
    r"amara org( community)?",
    r"transcription by castingwords",
    r"translated by .{0,40}",
    # Vietnamese
    r"(hãy )?đăng ký kênh( của mình| để ủng hộ mình| để không bỏ lỡ).*",
    r"(hãy )?(like|nhấn like)( và| and)? (subscribe|đăng ký)( kênh)?.*",
    r"cảm ơn (các bạn|mọi người|quý vị) đã (theo dõi|xem|lắng nghe)( video)?( này)?",
    r"hẹn gặp lại (các bạn|mọi người) trong (những|các) (video|clip) tiếp theo",
    r"(phụ đề|subtitle)( được thực hiện)? bởi .{0,40}",
    r"ghiền mì gõ",
    r"không bỏ lỡ những video hấp dẫn",
]
_STOCK = [re.compile(rf"\b{p}\b") for p in STOCK_PHRASES]


def normalize(text: str) -> str:
    """Lower case, NFC, punctuation to spaces: the form used for matching and for WER."""
    text = unicodedata.normalize("NFC", text).lower()
    text = re.sub(r"[^\w\s']", " ", text)
    return " ".join(text.replace("'", "").split())


def is_stock_phrase(text: str) -> bool:
    """True when stock phrases make up most of the text (a real sentence merely containing one is kept)."""
    norm = normalize(text)
    if not norm:
        return False
    covered = sum(len(m.group(0)) for pattern in _STOCK for m in pattern.finditer(norm))
    return covered >= 0.6 * len(norm)


def compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / max(1, len(zlib.compress(data))) if data else 0.0


def find_loop(tokens: list[str], min_repeats: int = 4, max_ngram: int = 8) -> tuple[int, int, int] | None:
    """The first n-gram repeated at least `min_repeats` times in a row: (start, n, repeats), else None.

    Four repeats is well above Vietnamese reduplication ("từ từ", "chầm chậm") and English emphasis ("no no no").
    """
    for start in range(len(tokens)):
        for n in range(1, max_ngram + 1):
            gram = tokens[start : start + n]
            if len(gram) < n:
                break
            repeats = 1
            while tokens[start + repeats * n : start + (repeats + 1) * n] == gram:
                repeats += 1
            if repeats >= min_repeats:
                return start, n, repeats
    return None


def _kept_indices(tokens: list[str], min_repeats: int = 4) -> list[int]:
    """Indices of the tokens left when every looping n-gram is cut down to one copy."""
    kept = list(range(len(tokens)))
    while loop := find_loop([normalize(tokens[i]) for i in kept], min_repeats):
        start, n, repeats = loop
        kept = kept[: start + n] + kept[start + n * repeats :]
    return kept


def collapse_loops(text: str, min_repeats: int = 4) -> str:
    """Keep one copy of every looping n-gram."""
    tokens = text.split()
    return " ".join(tokens[i] for i in _kept_indices(tokens, min_repeats))


def is_loop(segment: Segment) -> bool:
    tokens = [normalize(t) for t in segment.text.split()]
    tokens = [t for t in tokens if t]
    return find_loop(tokens) is not None or (len(segment.text) > 40 and compression_ratio(segment.text) > 2.4)


def is_silence_hallucination(segment: Segment) -> bool:
    """Whisper's own rule: the model thinks there is no speech and is unsure of what it wrote."""
    return (
        segment.no_speech_prob is not None
        and segment.avg_logprob is not None
        and segment.no_speech_prob > 0.6
        and segment.avg_logprob < -1.0
    )


def _flag(segment: Segment, flag: str) -> Segment:
    return segment if flag in segment.flags else replace(segment, flags=[*segment.flags, flag])


def apply_guards(segments: list[Segment]) -> list[Segment]:
    """Flag hallucinated segments and repetition loops; drop nothing. Loops are flagged for re-decoding."""
    result: list[Segment] = []
    previous: list[str] = []
    for segment in segments:
        norm = normalize(segment.text)
        if not norm or is_stock_phrase(segment.text) or is_silence_hallucination(segment):
            segment = _flag(segment, HALLUCINATION)
        elif is_loop(segment):
            segment = _flag(segment, REPETITION)
        elif len(previous) >= 2 and previous[-1] == previous[-2] == norm:
            segment = _flag(segment, HALLUCINATION)  # the same sentence a third time in a row
        previous.append(norm)
        result.append(segment)
    return result


def repair_loop(segment: Segment) -> Segment:
    """Last resort when re-decoding still loops: keep one copy of the loop, with the words that go with it."""
    if segment.words:
        kept = _kept_indices([w.text for w in segment.words])
        words = [segment.words[i] for i in kept]
        text = "".join(w.text for w in words).strip()
        return replace(segment, text=text, words=words, end=max(words[-1].end, segment.start))
    return replace(segment, text=collapse_loops(segment.text))
