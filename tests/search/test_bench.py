"""bench/search.py on a few real meetings of the search dev set: runs on a folder of that format, writes the
scorer's preds.jsonl, and our search finds at least as many answers in the top 5 as BM25 over windows."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from .conftest import DATA

SEARCH = DATA / "search"
MEETINGS = ["education_0", "TS3010a", "ES2009b", "Bro011"]  # four domains, 44 questions, 936 turns


def _bench():
    path = Path(__file__).resolve().parents[2] / "bench" / "search.py"
    spec = importlib.util.spec_from_file_location("bench_search", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_search"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def small_split(tmp_path: Path) -> Path:
    """Another folder of the dev set's format: a few meetings and only their questions."""
    if not (SEARCH / "dev" / "queries.jsonl").is_file():
        pytest.skip(f"search dev set not found under {SEARCH}")
    pytest.importorskip("rank_bm25")
    split = tmp_path / "small"
    (split / "meetings").mkdir(parents=True)
    for m in MEETINGS:
        (split / "meetings" / f"{m}.json").symlink_to(SEARCH / "dev" / "meetings" / f"{m}.json")
    lines = (SEARCH / "dev" / "queries.jsonl").read_text(encoding="utf-8").splitlines()
    (split / "queries.jsonl").write_text(
        "\n".join(x for x in lines if x.strip() and json.loads(x)["meeting_id"] in MEETINGS) + "\n", encoding="utf-8"
    )
    return split


@pytest.mark.model
def test_bench_beats_bm25_windows_on_a_few_meetings(small_split, tmp_path, e5_encoder):
    bench = _bench()
    preds = tmp_path / "preds.jsonl"
    results = bench.main([str(small_split), "--tools", str(SEARCH), "--out", str(preds)])
    rows = [json.loads(x) for x in preds.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 44
    assert all(1 <= len(r["results"]) <= 10 for r in rows)
    assert all(r["results"][0]["meeting_id"] in MEETINGS and isinstance(r["results"][0]["turn"], int) for r in rows)
    ours = results["runs"]["ours"]["scores"]["all"]
    bm25 = results["runs"]["bm25-window"]["scores"]["all"]
    assert ours["n"] == bm25["n"] == 44
    assert ours["R@5"] >= bm25["R@5"], (ours, bm25)
    assert ours["MRR@10"] >= bm25["MRR@10"], (ours, bm25)


def test_scale_bench_runs_without_the_model(small_split, capsys):
    path = Path(__file__).resolve().parents[2] / "bench" / "search_scale.py"
    spec = importlib.util.spec_from_file_location("bench_search_scale", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main([str(small_split), "--hours", "2", "--queries", "5"])
    printed = capsys.readouterr().out
    assert "copies of 4 meetings" in printed and "5 queries:" in printed
