"""The app's search box: real meetings indexed with the real e5 model, hits linked to the review at their moment."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from minutes.app.search import find
from minutes.app.store import META, MeetingRecord, MeetingStore
from minutes.search import index_meeting
from tests.app.conftest import AppServer
from tests.conftest import DATA, missing
from tests.search.conftest import write_transcript

pytestmark = pytest.mark.model


@pytest.fixture
def archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Two Vietnamese meetings in the app's folder and one outside it, all in a private search index."""
    files = sorted((DATA / "ref").glob("vi_vivos_*.txt"))
    if len(files) < 30:
        missing(f"VIVOS references not found under {DATA / 'ref'}")
    vivos = [f.read_text(encoding="utf-8").strip() for f in files[:30]]
    index = tmp_path / "search.sqlite"
    monkeypatch.setenv("MINUTES_INDEX", str(index))
    store = MeetingStore(tmp_path / "meetings")
    for n, meeting_id in enumerate(["hop-mot", "hop-hai"]):
        folder = store.root / meeting_id
        folder.mkdir()
        transcript = write_transcript(
            folder / "recording.transcript.json", vivos[10 * n : 10 * n + 10], ["Lan", "Minh"]
        )
        record = MeetingRecord(id=meeting_id, title=f"Họp {n + 1}", recording="recording.flac", status="ready")
        record.transcript = transcript.name
        (folder / META).write_text(json.dumps(record.__dict__, ensure_ascii=False), encoding="utf-8")
        assert index_meeting(transcript, warn=pytest.fail)
    outside = write_transcript(tmp_path / "elsewhere.transcript.json", vivos[20:30], ["Hoa"])
    assert index_meeting(outside, warn=pytest.fail)
    return store, vivos


def test_a_hit_opens_its_meeting_at_its_moment_with_the_words_marked(archive):
    store, vivos = archive
    sentence = vivos[13]  # the fourth sentence of the second meeting: said from 12 s
    words = sentence.split()
    query = " ".join(words[: min(4, len(words))])
    hits = find(store, query)
    assert hits, query
    best = hits[0]
    # the review opens where the passage holding that sentence (said from 12 s) begins
    link = re.fullmatch(r"/m/hop-hai\?t=(\d+\.\d\d)", best.link)
    assert link and 0 <= float(link.group(1)) <= 12.0, best.link
    assert sentence.split()[-1] in str(best.passage)
    assert "<mark>" in best.passage and best.source == ""
    assert re.sub(r"</?mark>", "", str(best.passage)).count(words[0]) >= 1


def test_diacritics_are_optional_and_outside_meetings_have_no_link(archive):
    from minutes.search.text import fold

    store, vivos = archive
    sentence = vivos[25]  # in the meeting indexed from outside the app's folder
    query = fold(" ".join(sentence.split()[:4]))  # typed without diacritics
    hits = find(store, query)
    assert hits and hits[0].link == "" and hits[0].source.endswith("elsewhere.transcript.json")


def test_a_deleted_meeting_is_shown_without_a_link(archive):
    store, vivos = archive
    shutil.rmtree(store.root / "hop-mot")
    hits = find(store, " ".join(vivos[2].split()[:4]))
    assert hits and hits[0].link == "" and hits[0].source


def test_the_search_page_lists_hits_and_needs_the_token(archive, tmp_path: Path):
    store, vivos = archive
    server = AppServer(store.root).start()
    try:
        query = " ".join(vivos[13].split()[:4])
        from urllib.parse import quote

        page = server.request("GET", f"/search?q={quote(query)}")
        assert page.status == 200
        body = page.body.decode()
        assert re.search(r'href="/m/hop-hai\?t=\d+\.\d\d"', body) and "<mark>" in body
        assert server.request("GET", f"/search?q={quote(query)}", token=False).status == 403
        empty = server.request("GET", "/search?q=" + quote("<script>alert(1)</script>"))
        assert "<script>alert(1)</script>" not in empty.body.decode()  # the query is shown escaped
    finally:
        server.stop()
