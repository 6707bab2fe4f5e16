"""The index without the model: Vietnamese words with and without diacritics, bad files, crashes, filters."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from minutes.search import Filters, SearchIndex, index_paths, mark
from minutes.search import meeting as meeting_io
from minutes.search.index import windows
from minutes.search.text import fold

from .conftest import ZeroEncoder, write_transcript


def _said(index: SearchIndex, sentence: str) -> bool:
    """Whether any indexed passage holds this exact sentence as one unit."""
    return any(
        any(t == sentence for _, t in index._hit(pid, 0.0, None).units) for pid in index.lexical(sentence, limit=1000)
    )


def test_windows_cover_every_unit_and_end_flush():
    assert windows(0) == []
    assert windows(3) == [(0, 2)]
    assert windows(12, 5, 2) == [(0, 4), (2, 6), (4, 8), (6, 10), (7, 11)]
    for n in range(1, 40):
        spans = windows(n)
        assert {i for f, la in spans for i in range(f, la + 1)} == set(range(n))
        assert spans[-1][1] == n - 1


def test_fold_strips_vietnamese_marks_and_d_stroke():
    assert fold("Ngân sách Đồng Nai được phê duyệt") == "ngan sach dong nai duoc phe duyet"


@pytest.mark.parametrize("typed", ["công nghiệp phát triển", "cong nghiep phat trien", "CONG NGHIEP phát trien"])
def test_vietnamese_found_with_and_without_diacritics(tmp_path, vivos, vivos_archive, typed):
    index = SearchIndex(tmp_path / "i.sqlite", ZeroEncoder())
    report = index_paths(index, [vivos_archive], warn=pytest.fail)
    assert len(report.added) == 3
    target = "trong số các quốc gia công nghiệp phát triển"
    assert target in vivos[:10]  # meeting hop_0
    found = index.lexical(typed)
    assert found, typed
    best = index._hit(found[0], 0.0, None)
    assert best.meeting_id.endswith("hop_0.transcript.json")
    assert any(t == target for _, t in best.units)
    # the same words in another meeting's passages rank below
    assert all(index._hit(pid, 0.0, None).meeting_id.endswith("hop_0.transcript.json") for pid in found[:1])


def test_a_word_never_said_finds_nothing(tmp_path, vivos_archive):
    index = SearchIndex(tmp_path / "i.sqlite", ZeroEncoder())
    index_paths(index, [vivos_archive], warn=pytest.fail)
    assert index.lexical("blockchain") == []


def test_matched_words_are_marked_ignoring_diacritics():
    marked = mark("Ngân sách trạm y tế năm 2027", ["ngan", "sach"])
    assert marked == "[Ngân] [sách] trạm y tế năm 2027"
    assert mark("the budgets were cut", ["budget"]) == "the [budgets] were cut"


def test_corrupt_and_foreign_json_are_skipped_with_one_warning_each(tmp_path, vivos):
    folder = tmp_path / "mixed"
    folder.mkdir()
    write_transcript(folder / "good.transcript.json", vivos[:6], ["Lan"])
    (folder / "broken.transcript.json").write_text('{"schema": "minutes.transcript", "segm', encoding="utf-8")
    (folder / "package.json").write_text(json.dumps({"name": "web-app", "version": "1.0.0"}), encoding="utf-8")
    (folder / "list.json").write_text("[1, 2, 3]", encoding="utf-8")
    # the minutes JSON `minutes run` writes beside the transcript is ours: read for the title, never warned about
    (folder / "good.minutes.json").write_text(
        json.dumps({"schema": "minutes.minutes", "meeting": {"title": "Họp giao ban", "date": "2026-11-30"}}),
        encoding="utf-8",
    )
    warnings: list[str] = []
    index = SearchIndex(tmp_path / "i.sqlite", ZeroEncoder())
    report = index_paths(index, [folder], warn=warnings.append)
    assert len(warnings) == 3, warnings
    assert all("\n" not in w for w in warnings)
    assert sorted(Path(w.split(":")[0]).name for w in warnings) == [
        "broken.transcript.json",
        "list.json",
        "package.json",
    ]
    assert [Path(p).name for p in report.added] == ["good.transcript.json"]
    assert [(m[1], m[2]) for m in index.meetings()] == [("Họp giao ban", "2026-11-30")]
    # a second run embeds nothing again
    again = index_paths(index, [folder], warn=lambda _: None)
    assert again.added == [] and len(again.unchanged) == 1


def test_indexing_reports_each_file_before_reading_it(tmp_path, vivos):
    folder = tmp_path / "archive"
    folder.mkdir()
    write_transcript(folder / "a.transcript.json", vivos[:3], ["Lan"])
    write_transcript(folder / "b.transcript.json", vivos[3:6], ["Minh"])
    (folder / "list.json").write_text("[1, 2, 3]", encoding="utf-8")
    calls: list[tuple[str, float | None, float | None, str | None]] = []

    def hook(step: str, *, completed: float | None = None, total: float | None = None, **info: object) -> None:
        calls.append((step, completed, total, Path(str(info["file"])).name if "file" in info else None))

    index_paths(SearchIndex(tmp_path / "i.sqlite", ZeroEncoder()), [folder], warn=lambda _: None, hook=hook)
    assert calls == [
        ("file", 0, 3, "a.transcript.json"),
        ("file", 1, 3, "b.transcript.json"),
        ("file", 2, 3, "list.json"),
        ("file", 3, 3, None),
    ]


def test_an_exception_mid_update_leaves_the_previous_index(tmp_path, vivos, monkeypatch):
    from minutes.search import index as index_module

    path = tmp_path / "hop.transcript.json"
    write_transcript(path, vivos[:10], ["Lan", "Minh"])
    index = SearchIndex(tmp_path / "i.sqlite", ZeroEncoder())
    index_paths(index, [path], warn=pytest.fail)
    before = index.lexical("khách sạn")
    assert before

    write_transcript(path, vivos[10:20], ["Lan", "Minh"])  # the meeting re-transcribed: new text
    calls = {"n": 0}
    real_fold = index_module.fold

    def failing_fold(text: str) -> str:
        calls["n"] += 1
        if calls["n"] == 2:  # after the old rows were deleted and the first new passage written
            raise OSError("disk full")
        return real_fold(text)

    monkeypatch.setattr(index_module, "fold", failing_fold)
    with pytest.raises(OSError):
        index_paths(index, [path], warn=pytest.fail)
    monkeypatch.setattr(index_module, "fold", real_fold)

    reopened = SearchIndex(tmp_path / "i.sqlite", ZeroEncoder())
    assert reopened.lexical("khách sạn") == before  # the old meeting, whole
    assert _said(reopened, vivos[0]) and not _said(reopened, vivos[12])
    # the next run repairs: the changed file is indexed again
    report = index_paths(reopened, [path], warn=pytest.fail)
    assert len(report.added) == 1
    assert _said(reopened, vivos[12]) and not _said(reopened, vivos[0])


def test_a_killed_process_mid_update_leaves_a_usable_index(tmp_path, vivos):
    """A real crash: the writing process dies (os._exit) inside the transaction; SQLite rolls it back."""
    first = write_transcript(tmp_path / "a.transcript.json", vivos[:10], ["Lan"])
    second = write_transcript(tmp_path / "b.transcript.json", vivos[10:20], ["Minh"])
    db = tmp_path / "i.sqlite"
    index = SearchIndex(db, ZeroEncoder())
    index_paths(index, [first], warn=pytest.fail)
    index.close()
    script = textwrap.dedent(
        f"""
        import os, sys
        sys.path.insert(0, {str(Path(__file__).parent.parent.parent)!r})
        from pathlib import Path
        from minutes.search import index as m, SearchIndex, index_paths
        from tests.search.conftest import ZeroEncoder
        real, n = m.fold, [0]
        def dying(text):
            n[0] += 1
            if n[0] == 3:
                os._exit(9)
            return real(text)
        m.fold = dying
        index_paths(SearchIndex(Path({str(db)!r}), ZeroEncoder()), [Path({str(second)!r})], warn=print)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 9, done.stderr
    index = SearchIndex(db, ZeroEncoder())
    assert [Path(m[0]).name for m in index.meetings()] == ["a.transcript.json"]
    assert index.lexical("khách sạn")
    assert not _said(index, vivos[15])
    report = index_paths(index, [tmp_path], warn=pytest.fail)  # a re-index repairs
    assert sorted(Path(p).name for p in report.added) == ["b.transcript.json"]
    assert len(index.meetings()) == 2 and _said(index, vivos[15])


def test_filters_by_speaker_meeting_and_date(tmp_path, vivos):
    folder = tmp_path / "f"
    folder.mkdir()
    write_transcript(folder / "x.transcript.json", vivos[:10], ["Lan", "Minh"])
    write_transcript(folder / "y.transcript.json", vivos[10:20], ["Hùng"])
    index = SearchIndex(tmp_path / "i.sqlite", ZeroEncoder())
    index_paths(index, [folder], warn=pytest.fail)
    everything = index.search("các", k=50, diverse=False)
    assert {Path(h.meeting_id).name for h in everything} == {"x.transcript.json", "y.transcript.json"}
    only_hung = index.search("các", k=50, filters=Filters(speaker="hùng"))
    assert only_hung and all(h.speakers == ["Hùng"] for h in only_hung)
    only_x = index.search("các", k=50, filters=Filters(meeting=str((folder / "x.transcript.json").resolve())))
    assert only_x and all(h.meeting_id.endswith("x.transcript.json") for h in only_x)
    assert index.search("các", filters=Filters(date_from="2030-01-01")) == []


def test_loading_the_benchmark_format_keeps_turn_indices(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(
        json.dumps({"id": "M1", "turns": [{"speaker": "A", "text": "hi {vocalsound}"}, {"speaker": "B", "text": ""}]})
    )
    loaded = meeting_io.load(path)
    assert loaded is not None and loaded.id == "M1"
    assert [u.text for u in loaded.units] == ["hi", ""]


class _ClusteredEncoder:
    """Unit vectors around 40 random directions, seeded by the text: a stand-in for e5 with the same geometry
    (meetings talk about a few topics each), to compare the partitioned meaning search with the exact one."""

    name, dim = "clustered", 384

    def __init__(self) -> None:
        rng = np.random.default_rng(7)
        self.topics = rng.normal(size=(40, self.dim)).astype(np.float32)

    def _vector(self, text: str) -> np.ndarray:
        rng = np.random.default_rng(int(hashlib.sha1(text.encode()).hexdigest()[:8], 16))
        v = self.topics[rng.integers(40)] + 0.8 * rng.normal(size=self.dim).astype(np.float32)
        return (v / np.linalg.norm(v)).astype(np.float32)

    def passages(self, texts):
        return np.stack([self._vector(t) for t in texts])

    def query(self, text: str) -> np.ndarray:
        return self._vector("q" + text)


def test_the_partitioned_meaning_search_finds_what_the_exact_one_finds(tmp_path, monkeypatch):
    from minutes.search import index as ix
    from minutes.search.meeting import Meeting, Unit

    encoder = _ClusteredEncoder()
    index = SearchIndex(tmp_path / "i.sqlite", encoder)
    for m in range(30):
        index.add(Meeting(f"m{m}", [Unit("A", f"turn {m} {i}") for i in range(200)], title=f"m{m}"))
    queries = [f"question {n}" for n in range(20)]
    exact = [index.dense(q, limit=20)[0] for q in queries]
    monkeypatch.setattr(ix, "EXACT_UNITS", 1000)  # 6,000 units: partitioned from the next load on
    index._vectors = None
    assert index._loaded().partition is not None
    probed_all = ix.PROBE_SHARE
    monkeypatch.setattr(ix, "PROBE_SHARE", 1.0)
    monkeypatch.setattr(ix, "PROBE_UNITS", 6000)
    assert [index.dense(q, limit=20)[0] for q in queries] == exact  # every list probed: the same ranking
    monkeypatch.setattr(ix, "PROBE_SHARE", max(probed_all, 0.1))
    monkeypatch.setattr(ix, "PROBE_UNITS", 500)
    found = [index.dense(q, limit=20)[0] for q in queries]
    overlap = np.mean([len(set(a[:10]) & set(b[:10])) / 10 for a, b in zip(exact, found, strict=True)])
    assert overlap >= 0.9, overlap


class _KeyedEncoder:
    """Vectors chosen per text: each unit its own direction, and the text of one block (its units read together)
    the query's direction, as e5 sees a subject that no single fragment of it names."""

    name, dim = "keyed", 384

    def __init__(self, block_text: str) -> None:
        self.block_text = block_text

    def _vector(self, text: str) -> np.ndarray:
        if text == self.block_text or text == "the question":
            v = np.zeros(self.dim, dtype=np.float32)
            v[0] = 1.0
            return v
        rng = np.random.default_rng(int(hashlib.sha1(text.encode()).hexdigest()[:8], 16))
        v = rng.normal(size=self.dim).astype(np.float32)
        v[0] = 0.0
        return v / np.linalg.norm(v)

    def passages(self, texts):
        return np.stack([self._vector(t) for t in texts])

    def query(self, text: str) -> np.ndarray:
        return self._vector(text)


def test_a_passage_is_found_by_what_its_units_say_together(tmp_path):
    from minutes.search.meeting import Meeting, Unit

    said = [f"fragment {i}" for i in range(40)]
    block = "\n".join(said[20:25])  # units 20-24 are one block (blocks of 5 from unit 0)
    index = SearchIndex(tmp_path / "i.sqlite", _KeyedEncoder(block))
    index.add(Meeting("m", [Unit("A", t) for t in said], title="m"))
    ranked, _ = index.dense("the question")
    first = index._hit(ranked[0], 0.0, None)
    assert 20 <= (first.first + first.last) // 2 <= 24


def test_the_meeting_that_says_the_words_throughout_scores_highest(tmp_path):
    from minutes.search.meeting import Meeting, Unit

    index = SearchIndex(tmp_path / "i.sqlite", ZeroEncoder())
    budget = [f"the clinic budget, item {i}" for i in range(6)]
    other = [f"parking and lunch, item {i}" for i in range(6)]
    index.add(Meeting("throughout", [Unit("A", t) for t in budget], title="a"))
    index.add(Meeting("once", [Unit("A", t) for t in [*other[:5], "and the clinic budget"]], title="b"))
    index.add(Meeting("never", [Unit("A", t) for t in other], title="c"))
    scores = index.meeting_scores("clinic budget")
    assert scores["throughout"] == 1.0 and 0 < scores["once"] < 1.0 and "never" not in scores


def test_an_index_from_before_blocks_and_meeting_text_is_upgraded(tmp_path, vivos_archive):
    path = tmp_path / "i.sqlite"
    index = SearchIndex(path, ZeroEncoder())
    assert len(index_paths(index, [vivos_archive], warn=pytest.fail).added) == 3
    found = index.lexical("công nghiệp phát triển")
    with index.conn:  # what an index written by the previous version lacks
        index.conn.execute("DROP TABLE meetings_fts")
        index.conn.execute("DELETE FROM blocks")
    index.close()
    again = SearchIndex(path, ZeroEncoder())
    assert again.meeting_scores("công nghiệp phát triển")  # the meetings' text, rebuilt from the stored units
    assert again.lexical("công nghiệp phát triển") == found
    assert again.dense("công nghiệp")[0]  # passages without a block vector still score
    report = index_paths(again, [vivos_archive], warn=pytest.fail)
    assert len(report.added) == 3 and not report.unchanged  # embedded again, with their blocks
    assert again.conn.execute("SELECT count(*) FROM blocks").fetchone()[0] > 0
    assert len(index_paths(again, [vivos_archive], warn=pytest.fail).unchanged) == 3
