"""Search by meaning with the real e5 model: a paraphrase that shares no words with the passage, and Vietnamese
typed without diacritics, on real transcripts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from minutes.model import Segment, Transcript
from minutes.search import SearchIndex, index_paths
from minutes.search import meeting as meeting_io

from .conftest import DATA

AMI = DATA / "minutes" / "data" / "ami_ES2009c.transcript.json"


def _ami_transcript(path: Path) -> Path:
    """The AMI design meeting ES2009c (human transcript, no times) as a minutes transcript, 4 s a turn."""
    if not AMI.is_file():
        pytest.skip(f"{AMI} not found")
    turns = json.loads(AMI.read_text(encoding="utf-8"))
    segments = [
        Segment(start=4.0 * i, end=4.0 * i + 4.0, text=t["text"], speaker=t["speaker"]) for i, t in enumerate(turns)
    ]
    path.write_text(Transcript(language="en", duration=4.0 * len(turns), segments=segments).to_json(), "utf-8")
    return path


@pytest.mark.model
def test_an_english_paraphrase_is_found_by_meaning_not_by_words(tmp_path, e5_encoder):
    path = _ami_transcript(tmp_path / "ES2009c.transcript.json")
    index = SearchIndex(tmp_path / "i.sqlite", e5_encoder)
    index_paths(index, [path], warn=pytest.fail)
    # turns 269-326: the team weighs voice recognition against a touch screen and drops the screen
    query = "speaking aloud to the device rather than tapping a panel"
    loaded = meeting_io.load(path)
    assert loaded is not None
    said = " ".join(u.text.lower() for u in loaded.units[265:331])
    assert not {"speaking", "aloud", "device", "rather", "tapping", "panel"} & set(
        said.split()
    )  # no shared content word there

    def in_discussion(first: int, last: int) -> bool:
        return first <= 330 and last >= 265

    lexical = [index._hit(pid, 0.0, None) for pid in index.lexical(query)[:5]]
    assert not any(in_discussion(h.first, h.last) for h in lexical)  # the words alone do not find it
    hits = index.search(query, k=5)
    assert any(in_discussion(h.first, h.last) for h in hits), [(h.first, h.last) for h in hits]


@pytest.mark.model
def test_vietnamese_found_without_diacritics_by_the_full_search(tmp_path, vivos, vivos_archive, e5_encoder):
    index = SearchIndex(tmp_path / "i.sqlite", e5_encoder)
    index_paths(index, [vivos_archive], warn=pytest.fail)
    for typed in ("khung hoang moi truong", "khủng hoảng môi trường"):
        best = index.search(typed, k=1)[0]
        assert any("khủng hoảng môi trường" in t for _, t in best.units), typed
