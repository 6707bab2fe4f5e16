"""Guards against Whisper's failure modes, on literal segments."""

from __future__ import annotations

import unicodedata

import pytest

from minutes.model import Segment, Word
from minutes.transcribe.guards import (
    HALLUCINATION,
    REPETITION,
    apply_guards,
    collapse_loops,
    find_loop,
    is_stock_phrase,
    normalize,
    repair_loop,
)


def seg(text: str, start: float = 0.0, end: float = 2.0, **kw) -> Segment:
    return Segment(start=start, end=end, text=text, **kw)


@pytest.mark.parametrize(
    "text",
    [
        "Thanks for watching!",
        "Thank you so much for watching.",
        "Please subscribe to my channel.",
        "Subtitles by the Amara.org community",
        "Hãy đăng ký kênh để không bỏ lỡ những video hấp dẫn",
        "Cảm ơn các bạn đã theo dõi",
        "Hẹn gặp lại các bạn trong những video tiếp theo",
        "Ghiền Mì Gõ",
        unicodedata.normalize("NFD", "Cảm ơn các bạn đã theo dõi video này"),
    ],
)
def test_stock_phrases_are_flagged(text):
    assert is_stock_phrase(text)
    assert HALLUCINATION in apply_guards([seg(text)])[0].flags


@pytest.mark.parametrize(
    "text",
    [
        "We should subscribe to the vendor's support plan before the budget review next month.",
        "Cảm ơn các bạn đã tham dự cuộc họp hôm nay, chúng ta bắt đầu với mục thứ nhất.",
        "The committee approved the plan.",
        "Chúng ta cần từ từ xem xét lại ngân sách.",  # reduplication is normal Vietnamese
        "No, no, no, that's not what I meant.",
    ],
)
def test_real_speech_is_not_flagged(text):
    assert apply_guards([seg(text, avg_logprob=-0.3, no_speech_prob=0.1)])[0].flags == []


def test_loops_are_found_and_collapsed():
    assert find_loop(["ấn", "ấn", "ấn", "ấn", "ấn"]) == (0, 1, 5)
    assert find_loop(["we", "will", "we", "will", "we", "will", "we", "will", "rock"]) == (0, 2, 4)
    assert find_loop(["từ", "từ", "thôi"]) is None
    assert collapse_loops("tôi nói ấn ấn ấn ấn ấn ấn rồi") == "tôi nói ấn rồi"
    assert REPETITION in apply_guards([seg("end end end end end end end end")])[0].flags


def test_repair_loop_keeps_matching_words():
    words = [Word(" go", 0.0, 0.5), *[Word(" on", 0.5 + i * 0.1, 0.6 + i * 0.1) for i in range(6)], Word(" now", 2, 3)]
    repaired = repair_loop(seg("go on on on on on on now", words=words, end=3.0))
    assert repaired.text == "go on now"
    assert [w.text for w in repaired.words] == [" go", " on", " now"]


def test_silence_hallucination_rule():
    suspect = seg("Okay.", no_speech_prob=0.9, avg_logprob=-1.4)
    confident = seg("Okay.", no_speech_prob=0.9, avg_logprob=-0.2)
    flags = [s.flags for s in apply_guards([suspect, confident])]
    assert flags == [[HALLUCINATION], []]


def test_a_sentence_repeated_three_times_in_a_row_is_flagged_the_third_time():
    out = apply_guards([seg("Let's move on."), seg("Let's move on."), seg("Let's move on.")])
    assert [s.flags for s in out] == [[], [], [HALLUCINATION]]


def test_normalize_is_nfc_lower_and_unpunctuated():
    assert normalize(unicodedata.normalize("NFD", "Biên BẢN, cuộc họp!")) == "biên bản cuộc họp"
