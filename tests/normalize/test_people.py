"""Attendee names from the meeting details correct near-miss spellings, and nothing else."""

from __future__ import annotations

import pytest

from minutes.normalize.people import bare_name, correct_names

NAMES = ["Ông Lê Văn Cường, Phó Giám đốc Sở", "Bà Trần Thị Bình", "Lan Nguyễn", "Nguyễn Thị Lan", "David Le"]


@pytest.mark.parametrize(
    ("heard", "written"),
    [
        ("ông Lê Văn Cương báo cáo", "ông Lê Văn Cường báo cáo"),
        ("bà Trần Thị Binh", "bà Trần Thị Bình"),
        ("Lan Nguyen said", "Lan Nguyễn said"),
        ("Nguyễn Thị Lang đề nghị", "Nguyễn Thị Lan đề nghị"),
        ("nguyễn thị lan đề nghị", "Nguyễn Thị Lan đề nghị"),
        ("Trần Thị Bìn ký", "Trần Thị Bình ký"),
    ],
)
def test_near_misses_are_corrected(heard: str, written: str) -> None:
    assert correct_names(heard, NAMES) == written


@pytest.mark.parametrize(
    "text",
    [
        "Nguyễn Thị Hoa nói",  # another person: two words differ
        "Trần Văn Bình",  # a different middle name is another person
        "Lê Văn Cường, Trần Thị Bình",  # already right
        "lan nguyen said",  # two lower-case words are no name
        "chị Lan nói",  # one word: too little to go on
        "Dave Le",  # two letters off
    ],
)
def test_other_names_and_words_stay(text: str) -> None:
    assert correct_names(text, NAMES) == text


def test_bare_name() -> None:
    assert bare_name("Ông Lê Văn Cường, Phó Giám đốc Sở") == "Lê Văn Cường"
    assert bare_name("Đồng chí Hoàng Minh Đức - Giám đốc") == "Hoàng Minh Đức"
    assert bare_name("Mr. David Le") == "David Le"
