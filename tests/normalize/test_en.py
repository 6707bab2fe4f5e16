"""English gets the cheap part: numbers, money, percentages, dates."""

from __future__ import annotations

import pytest

from minutes.normalize import normalize_text

CASES = [
    ("twenty five percent of users", "25% of users"),
    ("two point five million dollars", "$2.5 million"),
    ("one hundred and twenty people", "120 people"),
    ("December fifteenth", "December 15"),
    ("the twenty first of March", "21 March"),
    ("by the fifteenth of December", "by 15 December"),
    ("nine o'clock", "9 o'clock"),
    ("fifteen people came", "15 people came"),
    ("twenty dollars", "$20"),
    ("fifty per cent", "50%"),
    ("three million people", "3 million people"),
    ("twelve thousand", "12,000"),
    ("five percent", "5%"),
    ("1 of the options", "one of the options"),
    ("1 more thing", "one more thing"),
]
UNCHANGED = [
    "Section 1 of the report",
    "1 of 3 options",
    "one of the options",
    "we have three options",
    "the first item",
    "I want to and then",
    "a million",
]


@pytest.mark.parametrize(("said", "written"), CASES)
def test_english(said: str, written: str) -> None:
    assert normalize_text(said, "en") == written


@pytest.mark.parametrize("text", UNCHANGED)
def test_english_words_stay(text: str) -> None:
    assert normalize_text(text, "en") == text


def test_other_languages_get_names_only() -> None:
    assert normalize_text("zwanzig Prozent, Lan Nguyen", "de", names=["Lan Nguyễn"]) == "zwanzig Prozent, Lan Nguyễn"
