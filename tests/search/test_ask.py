"""`minutes ask` on two real meetings of the search dev set: a dev question is answered with a citation inside a
span that answers it; a question about something never said gets "not found in the meetings"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import DATA
from .test_cli import run

DEV = DATA / "search" / "dev"
MEETINGS = ["TS3010a", "education_0"]


@pytest.fixture
def indexed(tmp_path: Path) -> Path:
    if not (DEV / "queries.jsonl").is_file():
        pytest.skip(f"search dev set not found under {DEV}")
    folder = tmp_path / "meetings"
    folder.mkdir()
    for m in MEETINGS:
        (folder / f"{m}.json").symlink_to(DEV / "meetings" / f"{m}.json")
    db = tmp_path / "index.sqlite"
    proc = run("index", folder, index=db)
    assert proc.returncode == 0 and "2 indexed" in proc.stderr, proc.stderr
    return db


def _query(qid: str) -> dict:
    for line in (DEV / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip() and json.loads(line)["qid"] == qid:
            return json.loads(line)
    raise AssertionError(qid)


@pytest.mark.model
def test_ask_cites_a_relevant_span_and_says_not_found_for_what_was_never_said(indexed, e5_encoder):
    for qid in ("TS3010a:s0", "education_0:s5"):
        q = _query(qid)
        proc = run("ask", q["query"], "--json", index=indexed)
        assert proc.returncode == 0, proc.stderr
        answer = json.loads(proc.stdout)
        assert answer["found"], q["query"]
        first = answer["passages"][0]
        assert first["meeting_id"] == q["meeting_id"]
        turns = first["time"].removeprefix("turns ").split("-")  # 1-based, as shown to a reader
        middle = (int(turns[0]) - 1 + int(turns[1]) - 1) // 2
        assert any(s - 2 <= middle <= e + 2 for s, e in q["relevant_turns"]), (first["time"], q["relevant_turns"])

    proc = run("ask", "Who won the football world cup in 1998?", index=indexed)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "Not found in the meetings."


def test_word_coverage_ignores_diacritics_endings_and_question_words():
    from minutes.search.ask import coverage
    from minutes.search.index import Hit

    hit = Hit(
        0, "m", "t", "", 0, 1, 0, None, None, [("Lan", "Ngân sách trạm y tế đã được duyệt"), ("", "budgets")], 0.0
    )
    assert coverage("ngan sach tram y te", hit) == 1.0
    assert coverage("What did they say about the budget?", hit) == 1.0
    assert coverage("ngân sách bệnh viện", hit) == 0.5  # "bệnh viện" (hospital) never said
    assert coverage("what did they say", hit) == 0.0
    # typed with diacritics, a word must match as typed: "đá" (stone, football) is not "đã" (already)
    assert coverage("bóng đá", hit) == 0.0
    assert coverage("duyệt", hit) == 1.0 and coverage("duyet", hit) == 1.0 and coverage("duyêt", hit) == 0.0
