"""`minutes ask` on two real meetings of the search dev set: a dev question is answered with a citation inside a
span that answers it; a question about something never said gets "not found in the meetings"."""

from __future__ import annotations

import json
import re
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
        proc = run("ask", q["query"], "--json", "--no-llm", index=indexed)
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


def test_only_given_passages_are_cited_and_a_claim_citing_none_is_dropped():
    from minutes.search.ask import answer_schema, parse_claims

    text = json.dumps(
        {
            "sentences": [
                {"text": "The budget was approved.", "sources": [1, 3, 1]},
                {"text": "It was also said elsewhere.", "sources": [4, 0, -1]},  # no such passages
                {"text": "Nothing cited.", "sources": []},
                {"text": "  Spaced   out.  ", "sources": [2, True]},
            ]
        }
    )
    claims, dropped = parse_claims(text, 3)
    assert [(c.text, c.sources) for c in claims] == [("The budget was approved.", [0, 2]), ("Spaced out.", [1])]
    assert dropped == 2
    assert parse_claims("not json", 3) == ([], 0)
    # the grammar the engine enforces allows only the given passages' numbers
    items = answer_schema(3)["properties"]["sentences"]["items"]["properties"]["sources"]["items"]
    assert items["enum"] == [1, 2, 3]


def test_the_question_language_is_recognised_with_or_without_diacritics():
    from minutes.search.ask import question_language

    assert question_language("Ngân sách trạm y tế được duyệt khi nào?") == "vi"
    assert question_language("ngan sach tram y te duoc duyet khi nao") == "vi"
    assert question_language("When was the health-centre budget decided?") == "en"
    assert question_language("budget") == "en"


@pytest.mark.slow
@pytest.mark.model
def test_the_llm_answers_a_dev_question_citing_only_given_passages_inside_the_span(tmp_path, e5_encoder):
    """The real catalog LLM on a real dev meeting: every claim cites passages it was given, one of them inside the
    span that answers the question, and the printed answer cites them as [meeting, turns]."""
    from minutes.search import SearchIndex
    from minutes.search import meeting as meeting_io
    from minutes.search.ask import ask, installed_writer, render, where

    if not (DEV / "queries.jsonl").is_file():
        pytest.skip(f"search dev set not found under {DEV}")
    writer = installed_writer()
    if writer is None:
        from tests.conftest import missing

        missing("the LLM is not installed: minutes models install qwen2.5-coder-1.5b-q4")
    index = SearchIndex(tmp_path / "i.sqlite", e5_encoder)
    loaded = meeting_io.load(DEV / "meetings" / "education_0.json")
    assert loaded is not None
    index.add(loaded)
    q = _query("education_0:s5")
    try:
        answer = ask(index, q["query"], k=3, llm=writer)
    finally:
        writer.close()
    assert answer.found and answer.claims, answer
    assert answer.language == "en" and answer.model.startswith("llama.cpp:")
    for claim in answer.claims:
        assert claim.sources and all(0 <= i < len(answer.passages) for i in claim.sources)
    cited = {i for c in answer.claims for i in c.sources}
    assert any(
        s - 2 <= answer.passages[i].last and answer.passages[i].first <= e + 2
        for i in cited
        for s, e in q["relevant_turns"]
    ), [(answer.passages[i].first, answer.passages[i].last) for i in cited]
    text = render(answer)
    labels = {where(h) for h in answer.passages}
    assert re.findall(r"\[([^\[\]]+)\]", text) and set(re.findall(r"\[([^\[\]]+)\]", text)) <= labels, text
    assert "perinatal" in text.lower() or "mental" in text.lower(), text
