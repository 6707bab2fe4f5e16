"""The meetings folder: one folder per meeting, nothing reachable outside it, deleting moves to the trash."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from minutes.app.store import Forbidden, MeetingStore, NotFound
from tests.app.conftest import SAMPLE


def test_meetings_are_created_listed_renamed_and_trashed(tmp_path: Path):
    store = MeetingStore(tmp_path / "meetings")
    record, recording = store.create("Họp giao ban tuần", "../../hop.M4A")
    assert recording.parent.parent == store.root and recording.name == "recording.m4a"
    assert record.id.endswith("-hop-giao-ban-tuan") and record.title == "Họp giao ban tuần"
    store.rename(record.id, "Giao ban")
    assert [r.title for r in store.list()] == ["Giao ban"]
    trashed = store.delete(record.id)
    assert store.list() == [] and trashed.parent == store.root / ".trash" and (trashed / "meeting.json").exists()


def test_names_that_leave_the_folder_are_refused(tmp_path: Path):
    store = MeetingStore(tmp_path / "meetings")
    record, recording = store.create("Budget", "budget.flac")
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    for bad in ["..", "../x", "/etc", "A", "x/y", ".trash", ""]:
        with pytest.raises(NotFound):
            store.folder(bad)
    for bad in ["../meeting.json", "/etc/passwd", "export/../../x", "a/b/c", "..", "export/.."]:
        with pytest.raises(NotFound):
            store.file(record.id, bad)
    (recording.parent / "link.docx").symlink_to(outside)
    (store.root / "linked").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(Forbidden):
        store.file(record.id, "link.docx")
    with pytest.raises(Forbidden):
        store.folder("linked")
    assert store.file(record.id, "export/minutes.docx") == recording.parent / "export" / "minutes.docx"


def test_a_recorded_session_and_a_minutes_run_output_are_adopted(tmp_path: Path):
    store = MeetingStore(tmp_path / "meetings")
    session = store.root / "20261125-090000-hop-giao-ban"  # as `minutes record --out ~/Minutes` leaves it
    session.mkdir()
    shutil.copy(SAMPLE, session / "recording.wav")
    manifest = {"format": "minutes.recording", "title": "Họp giao ban", "started": "2026-11-25T09:00:00+07:00"}
    (session / "manifest.json").write_text(json.dumps({**manifest, "duration": 57.1}))
    run = store.root / "planning"  # as `minutes run samples/meeting.flac -o ~/Minutes/planning/meeting.docx`
    run.mkdir()
    shutil.copy(SAMPLE, run / "meeting.flac")
    (run / "meeting.transcript.json").write_text("{}")
    (run / "meeting.minutes.json").write_text("{}")
    (store.root / "notes").mkdir()  # anything else is left alone
    listed = {r.id: r for r in store.list()}
    assert set(listed) == {session.name, "planning"}
    assert listed[session.name].title == "Họp giao ban" and listed[session.name].date == "2026-11-25"
    assert listed[session.name].status == "new" and listed[session.name].recording == "recording.wav"
    assert listed["planning"].status == "ready" and listed["planning"].transcript == "meeting.transcript.json"
    assert not (store.root / "notes" / "meeting.json").exists()
