"""Minutes items in the index, and `minutes run` keeping the index up to date.

The job runs for real (the real extractive drafter, the real exporters) on a real recording's saved transcript of
VIVOS sentences, so no speech model is loaded; its minutes are then found in the archive beside the speech.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from minutes.job import RunOptions, run_minutes
from minutes.model import ActionItem, MeetingInfo, Minutes, Point, Span, Transcript
from minutes.search import Filters, SearchIndex, index_meeting
from minutes.search import meeting as meeting_io

from .conftest import DATA, ZeroEncoder, write_transcript


def _no_transcription(path: Path, hook: object) -> None:
    raise AssertionError("the saved transcript must be reused")


@pytest.fixture
def recording(tmp_path: Path, vivos: list[str]) -> Path:
    """A real recording in a folder where an earlier run left its transcript (ten VIVOS sentences, two speakers)."""
    found = sorted((DATA / "audio").glob("vi_vivos_*.wav"))
    if not found:
        pytest.skip(f"no VIVOS recording under {DATA / 'audio'}")
    audio = found[0]
    wav = tmp_path / "hop.wav"
    wav.symlink_to(audio)
    saved = write_transcript(tmp_path / "hop.transcript.json", vivos[:10], ["Lan", "Minh"])
    transcript = Transcript.from_json(saved.read_text(encoding="utf-8"))
    transcript.source = str(wav)  # what `minutes run` records, so the next run reuses it
    saved.write_text(transcript.to_json(), encoding="utf-8")
    return wav


def test_items_are_units_after_the_speech_with_the_time_they_were_drafted_from(tmp_path, vivos):
    path = write_transcript(tmp_path / "hop.transcript.json", vivos[:4], ["Lan"])
    minutes = Minutes(
        meeting=MeetingInfo(title="Họp giao ban quý IV", date="2026-11-30", place="Phòng 2", chair="Ông Nam"),
        language="vi",
        decisions=[Point("Phê duyệt ngân sách trạm y tế xã", [Span(4.0, 7.5), Span(8.0, 11.5)])],
        action_items=[ActionItem("Gửi dự toán cho phòng tài chính", owner="Chị Lan", due="15/12/2026")],
    )
    (tmp_path / "hop.minutes.json").write_text(minutes.to_json(), encoding="utf-8")
    loaded = meeting_io.load(path)
    assert loaded is not None and loaded.title == "Họp giao ban quý IV" and loaded.date == "2026-11-30"
    assert [u.kind for u in loaded.units] == ["speech"] * 4 + ["details", "decision", "action"]
    decision, action = loaded.units[5], loaded.units[6]
    assert (decision.start, decision.end) == (4.0, 11.5)
    assert action.speaker == "Chị Lan" and "15/12/2026" in action.text and "Chị Lan" in action.text

    index = SearchIndex(tmp_path / "i.sqlite", ZeroEncoder())
    index.add(loaded)
    hits = index.search("ngan sach tram y te", k=3)  # typed without diacritics
    assert hits[0].kind == "decision" and hits[0].start == 4.0
    hits = index.search("gui du toan cho tai chinh", k=3)
    assert hits[0].kind == "action"
    hits = index.search("Phòng 2 Ông Nam", k=3)
    assert hits[0].kind == "details"
    # items are separate passages: speech windows never reach into them
    speech = index.search(vivos[3], k=5)
    assert any(h.kind == "speech" and h.last == 3 for h in speech)


@pytest.mark.model
def test_minutes_run_adds_the_meeting_and_its_minutes_to_the_index(tmp_path, recording, e5_encoder, monkeypatch):
    db = tmp_path / "archive.sqlite"
    monkeypatch.setenv("MINUTES_INDEX", str(db))
    options = RunOptions(drafter="extractive")
    result = run_minutes(
        recording, tmp_path / "hop.minutes.docx", MeetingInfo(title="Họp thử"), options, _no_transcription
    )
    assert result.reused_transcript and not result.warnings, result.warnings
    index = SearchIndex(db, e5_encoder)
    (meeting_id, title, _, _), *rest = index.meetings()
    assert not rest and title == "Họp thử" and meeting_id.endswith("hop.transcript.json")
    kinds = [r[0] for r in index.conn.execute("SELECT kind FROM units ORDER BY idx")]
    assert kinds[:10] == ["speech"] * 10 and "details" in kinds[10:] and "summary" in kinds[10:]
    # each summary sentence of the drafted minutes is found, as an item, by its own words
    summary = result.minutes.summary[0].text
    hits = index.search(summary, k=5, filters=Filters(meeting="Họp thử"))
    assert any(h.kind == "summary" and h.units[0][1] == " ".join(summary.split()) for h in hits), summary


def test_a_failure_to_index_is_one_warning_and_no_index_option_writes_nothing(tmp_path, recording, monkeypatch):
    not_an_index = tmp_path / "index.sqlite"
    not_an_index.write_text("not a database", encoding="utf-8")
    warnings: list[str] = []
    assert not index_meeting(tmp_path / "hop.transcript.json", warnings.append, index_path=not_an_index)
    assert len(warnings) == 1 and "not added to the search index" in warnings[0] and "\n" not in warnings[0]
    assert not_an_index.read_text(encoding="utf-8") == "not a database"  # nothing of the user's is touched

    monkeypatch.setenv("MINUTES_INDEX", str(not_an_index))
    result = run_minutes(
        recording, tmp_path / "hop.minutes.docx", MeetingInfo(), RunOptions(drafter="extractive"), _no_transcription
    )
    assert result.docx.is_file() and any("not added to the search index" in w for w in result.warnings)
    elsewhere = tmp_path / "elsewhere.sqlite"
    monkeypatch.setenv("MINUTES_INDEX", str(elsewhere))
    options = RunOptions(drafter="extractive", search_index=False)
    run_minutes(recording, tmp_path / "hop.minutes.docx", MeetingInfo(), options, _no_transcription)
    assert not elsewhere.exists()
