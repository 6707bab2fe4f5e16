"""bench/drafting.py: transcripts without times become timed transcripts, predictions come out in score.py's
format, and the default drafter, run on real dev items of ../shared/data/minutes, clears a floor."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

from minutes.draft.extractive import split_sentences
from tests.conftest import DATA, ROOT, missing

MINUTES_DATA = DATA / "minutes"
FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|I'll|I'd|me|my|we|we're|we've|we'll|us|our)\b", re.IGNORECASE)


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_drafting", ROOT / "bench" / "drafting.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


bench = _bench()


def write_set(root: Path) -> Path:
    """A two-item data folder in the shared set's format, with a score.py that is the shared one's."""
    data = root / "data"
    data.mkdir(parents=True)
    turns = [
        {"speaker": "Lan", "text": "Good morning. We agreed to repair the roof in July.", "start": None, "end": None},
        {"speaker": "UNKNOWN", "text": "  ", "start": None, "end": None},
        {"speaker": "Minh", "text": "I will send the quote by Friday.", "start": None, "end": None},
    ]
    for item in ("a", "b"):
        (data / f"{item}.transcript.json").write_text(json.dumps(turns), encoding="utf-8")
        ref = {"lang": "en", "summary": "Lan said the roof is repaired in July.", "decisions": None}
        (data / f"{item}.ref.json").write_text(json.dumps(ref), encoding="utf-8")
    (root / "score.py").write_text("TYPES = ()\n", encoding="utf-8")
    return root


def test_turns_get_synthetic_word_times_and_speakers():
    transcript = bench.build_transcript(
        [
            {"speaker": "Lan", "text": "One two three."},
            {"speaker": "", "text": ""},
            {"speaker": "UNKNOWN", "text": "Bốn năm."},
        ],
        "vi",
    )
    first, second = transcript.segments
    assert [w.text for w in first.words] == [" One", " two", " three."]
    assert first.start == 0.0 and first.end == pytest.approx(3 * bench.SECONDS_PER_WORD - 0.05)
    assert second.start == pytest.approx(first.end + bench.TURN_GAP)
    assert first.speaker == "Lan" and second.speaker is None and second.words[0].speaker is None
    assert transcript.language == "vi" and transcript.duration >= second.end
    # the drafter's sentences take their spans from these word times
    assert [(s.start, s.end) for s in split_sentences(transcript)] == [
        (first.start, first.end),
        (second.start, second.end),
    ]


def test_a_data_folder_is_found_from_its_root_or_its_data_folder(tmp_path):
    root = write_set(tmp_path / "set")
    for given in (root, root / "data"):
        dataset = bench.locate(given)
        assert dataset.data == root / "data" and dataset.score_py == root / "score.py" and dataset.split is None
        assert bench.item_ids(dataset) == ["a", "b"]
    assert bench.item_ids(dataset, ["b*"]) == ["b"]
    with pytest.raises(SystemExit, match="no items"):
        bench.item_ids(dataset, ["zzz"])
    with pytest.raises(SystemExit, match="not a folder"):
        bench.locate(tmp_path / "nowhere")
    (root / "score.py").unlink()
    with pytest.raises(SystemExit, match=r"no score\.py"):
        bench.locate(root)


def test_action_items_read_as_the_minutes_prose():
    assert bench.action_text("Send the quote.", "Minh", "by Friday") == "Minh will send the quote. (by Friday)"
    assert bench.action_text("Send the quote by Friday.", None, "by Friday") == "Send the quote by Friday."
    # a role reads as a role; a language whose cue file has no `task_verb` keeps "owner: task (due)"
    assert bench.action_text("Work on the look and feel", "Industrial Designer", None) == (
        "The Industrial Designer will work on the look and feel."
    )
    assert bench.action_text("Gửi báo giá.", "Minh", "thứ Sáu", "vi") == "Minh: Gửi báo giá. (thứ Sáu)"


def test_the_floor_is_the_first_150_words():
    transcript = bench.build_transcript([{"speaker": "A", "text": " ".join(f"w{i}" for i in range(400))}], "en")
    pred = bench.floor_prediction(transcript)
    assert pred["summary"] == [" ".join(f"w{i}" for i in range(150))] and pred["decisions"] == []


# -- real data, real embedding model -------------------------------------------------------------------------------

# short items in both languages (seconds to draft), and two AMI meetings for decisions and action items
ITEMS = ["dialogsum_test_0", "vi_vietmedsum_dev_02", "vi_vietmedsum_dev_04", "ami_ES2009a", "ami_ES2006c"]


@pytest.mark.model
def test_the_default_drafter_on_dev_items_clears_the_floor(tmp_path):
    if not (MINUTES_DATA / "score.py").is_file():
        missing(f"the drafting data set is not at {MINUTES_DATA}")
    pytest.importorskip("rouge_score", reason="pip install -e '.[dev]' installs rouge-score")
    dataset = bench.locate(MINUTES_DATA)
    scorer = bench.load_scorer(dataset.score_py)
    figures = bench.draft_items("extractive", dataset, ITEMS, tmp_path, log=lambda _: None)
    floor = bench.draft_items(bench.FLOOR, dataset, ITEMS, tmp_path / "floor", log=lambda _: None)
    assert set(figures["items"]) == set(ITEMS) and floor["items"]
    scores, floors = {}, {}
    for item in ITEMS:
        pred = json.loads((tmp_path / f"{item}.pred.json").read_text(encoding="utf-8"))
        assert set(pred) == {"summary", "decisions", "action_items"} and pred["summary"]
        assert all(isinstance(x, str) and x for key in pred for x in pred[key])
        ref = bench.reference(dataset, item)
        scores[item] = bench.score_item(scorer, ref, pred)
        floors[item] = bench.score_item(
            scorer, ref, json.loads((tmp_path / "floor" / f"{item}.pred.json").read_text(encoding="utf-8"))
        )
    mean, floor_mean = bench.aggregate(list(scores.values())), bench.aggregate(list(floors.values()))
    # the first 150 words are a strong floor (meetings open by stating what they are about): beaten clearly
    assert mean["rouge1"] >= floor_mean["rouge1"] + 0.05 and mean["rougeLsum"] >= floor_mean["rougeLsum"] + 0.05
    assert mean["rouge1"] >= 0.30, mean
    for item in ITEMS:  # every language beats its floor on its own
        assert scores[item]["rouge1"] >= floors[item]["rouge1"] - 0.02, (item, scores[item], floors[item])
    ami = scores["ami_ES2009a"]
    assert ami["decisions"]["n_gold"] == 1 and ami["action_items"]["n_gold"] == 4
    # the floor for decisions and action items (half of the gold ones found, 40% of ours right) on the two
    # AMI meetings the rules were written on (today: decisions 5 of 7 found, 4 of 5 right; actions 8/9, 7/7)
    for key in ("decisions", "action_items"):
        counts = ("gold_hit", "n_gold", "pred_hit", "n_pred")
        tally = {k: sum(scores[i][key][k] for i in ("ami_ES2009a", "ami_ES2006c")) for k in counts}
        assert tally["gold_hit"] >= tally["n_gold"] / 2 and tally["pred_hit"] >= 0.4 * tally["n_pred"], (key, tally)
    # minutes are in the third person, with the speakers' names (AMI's speakers are named by role)
    pred = json.loads((tmp_path / "ami_ES2009a.pred.json").read_text(encoding="utf-8"))
    assert not any(FIRST_PERSON.search(point) for point in pred["summary"]), pred["summary"]
    roles = ("The Project Manager", "Marketing", "The Industrial Designer", "User Interface")
    assert sum(point.startswith(roles) for point in pred["summary"]) >= len(pred["summary"]) // 2, pred["summary"]


def test_an_llm_without_its_model_is_skipped_with_a_line(monkeypatch, tmp_path):
    from minutes import job
    from minutes.errors import ModelError

    def not_installed(name):
        raise ModelError("model 'qwen2.5-coder-1.5b-q4' is not installed: run `minutes models install ...`")

    monkeypatch.setattr(job, "make_drafter", not_installed)
    dataset = bench.locate(write_set(tmp_path / "set"))
    figures = bench.draft_items("llm", dataset, ["a"], tmp_path / "out", log=lambda _: None)
    assert figures["skipped"].startswith("llm skipped:") and "not installed" in figures["skipped"]
    assert not (tmp_path / "out").exists()


def test_the_bench_runs_unchanged_on_another_folder_of_the_format(tmp_path, capsys):
    """Two shared items copied to a temporary folder with the shared score.py (no split.tsv): the floor drafter runs
    in its worker, predictions land in --out, and the report has the per-language rows."""
    if not (MINUTES_DATA / "score.py").is_file():
        missing(f"the drafting data set is not at {MINUTES_DATA}")
    pytest.importorskip("rouge_score", reason="pip install -e '.[dev]' installs rouge-score")
    root = tmp_path / "other"
    (root / "data").mkdir(parents=True)
    shutil.copy(MINUTES_DATA / "score.py", root / "score.py")
    for item in ("dialogsum_test_0", "vi_vietmedsum_dev_04"):
        for kind in ("transcript", "ref"):
            shutil.copy(MINUTES_DATA / "data" / f"{item}.{kind}.json", root / "data")
    bench.main(
        [str(root), "--drafter", bench.FLOOR, "--out", str(tmp_path / "pred"), "--json", str(tmp_path / "f.json")]
    )
    report = capsys.readouterr().out
    assert "| lang=en | 1 | first-150-words |" in report and "| lang=vi | 1 | first-150-words |" in report
    assert sorted(p.name for p in (tmp_path / "pred" / bench.FLOOR).iterdir()) == [
        "dialogsum_test_0.pred.json",
        "vi_vietmedsum_dev_04.pred.json",
    ]
    figures = json.loads((tmp_path / "f.json").read_text())
    assert figures["scores"][bench.FLOOR]["vi_vietmedsum_dev_04"]["rouge1"] > 0.2
