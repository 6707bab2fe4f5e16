"""The secretary's edits as pure transforms, and the journal that makes them durable and undoable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from minutes.app.editor import MeetingEditor, StaleEdit
from minutes.app.edits import Document, EditError, apply, retime_words
from minutes.app.journal import Journal, effective
from minutes.app.store import READY, USER_TEMPLATE, MeetingStore
from minutes.model import ActionItem, MeetingInfo, Minutes, Point, Segment, Span, SpeakerTurn, Topic, Transcript, Word


def words(*items: tuple[str, float, float]) -> list[Word]:
    return [Word(text, start, end, 0.4, "SPEAKER_1") for text, start, end in items]


def sample_doc() -> Document:
    first = words((" The", 0.0, 0.2), (" estimate", 0.2, 0.7), (" is", 0.7, 0.8), (" $2", 0.8, 1.0), (".4", 1.0, 1.2))
    second = words((" I", 2.0, 2.1), (" agree.", 2.1, 2.5))
    for w in second:
        w.speaker = "SPEAKER_2"
    transcript = Transcript(
        language="en",
        duration=3.0,
        segments=[
            Segment(0.0, 1.2, " The estimate is $2.4", first, "SPEAKER_1", flags=["with:SPEAKER_2"]),
            Segment(2.0, 2.5, " I agree.", second, "SPEAKER_2"),
        ],
        turns=[SpeakerTurn(0.0, 1.2, "SPEAKER_1"), SpeakerTurn(2.0, 2.5, "SPEAKER_2")],
    )
    minutes = Minutes(
        meeting=MeetingInfo(title="Budget", attendees=["SPEAKER_1", "Minh"]),
        language="en",
        summary=[Point("SPEAKER_1 said the estimate is $2.4 million.", [Span(0.0, 1.2)], ["SPEAKER_1"])],
        topics=[Topic("Budget", action_items=[ActionItem("SPEAKER_2 to call the contractor", "SPEAKER_2", None)])],
    )
    return Document(transcript, minutes)


def test_a_corrected_word_keeps_the_timing_of_the_others():
    old = sample_doc().transcript.segments[0].words
    same = retime_words(old, "The estimate is $2.4", "SPEAKER_1")
    assert same == old  # "$2" ".4" is one written token: an unchanged text changes nothing
    fixed = retime_words(old, "The quote is $2.4", "SPEAKER_1")
    assert [w.text for w in fixed] == [" The", " quote", " is", " $2", ".4"]
    assert (fixed[1].start, fixed[1].end, fixed[1].probability) == (0.2, 0.7, 1.0)  # checked by a person
    assert fixed[0] == old[0] and fixed[3:] == old[3:]
    longer = retime_words(old, "The new estimate is $2.4", "SPEAKER_1")
    assert [w.text for w in longer][:3] == [" The", " new", " estimate"] and longer[1].start == 0.2
    assert [w.text for w in retime_words(old, "estimate is $2.4", None)] == [" estimate", " is", " $2", ".4"]


def test_text_rename_merge_assign_and_split():
    doc = apply(sample_doc(), {"op": "text", "seg": 0, "text": "The  quote is $2.4"})
    assert doc.transcript.segments[0].text == " The quote is $2.4"

    doc = apply(doc, {"op": "rename", "from": "SPEAKER_1", "to": "Nguyễn Thị Lan"})
    segment = doc.transcript.segments[0]
    assert segment.speaker == "Nguyễn Thị Lan" and {w.speaker for w in segment.words} == {"Nguyễn Thị Lan"}
    assert doc.transcript.turns[0].speaker == "Nguyễn Thị Lan"
    assert doc.minutes and doc.minutes.summary[0].text.startswith("Nguyễn Thị Lan said")
    assert doc.minutes.summary[0].speakers == ["Nguyễn Thị Lan"]
    assert doc.minutes.meeting.attendees == ["Nguyễn Thị Lan", "Minh"]

    doc = apply(doc, {"op": "merge", "from": "SPEAKER_2", "into": "Nguyễn Thị Lan"})
    assert {s.speaker for s in doc.transcript.segments} == {"Nguyễn Thị Lan"}
    assert doc.transcript.segments[0].flags == ["with:Nguyễn Thị Lan"]
    assert doc.minutes and doc.minutes.topics[0].action_items[0].owner == "Nguyễn Thị Lan"
    assert doc.minutes.topics[0].action_items[0].task == "Nguyễn Thị Lan to call the contractor"

    doc = apply(doc, {"op": "assign", "seg": 1, "speaker": "Minh"})
    assert doc.transcript.segments[1].speaker == "Minh" and doc.transcript.segments[1].words[0].speaker == "Minh"

    doc = apply(doc, {"op": "split", "seg": 0, "at": 2})
    head, tail = doc.transcript.segments[:2]
    assert (head.text, head.start, head.end) == (" The quote", 0.0, 0.7)
    assert (tail.text, tail.start, tail.end) == (" is $2.4", 0.7, 1.2)
    assert len(doc.transcript.segments) == 3

    for bad in [
        {"op": "split", "seg": 0, "at": 0},
        {"op": "split", "seg": 9, "at": 1},
        {"op": "rename", "from": "NOBODY", "to": "x"},
        {"op": "rename", "from": "Minh", "to": "  "},
        {"op": "merge", "from": "Minh", "into": "Minh"},
        {"op": "drop-table"},
    ]:
        with pytest.raises(EditError):
            apply(doc, bad)


def test_minutes_items_are_added_edited_moved_and_deleted():
    doc = sample_doc()
    doc = apply(doc, {"op": "item.add", "path": ["action_items"], "fields": {"task": "Book the room"}})
    doc = apply(doc, {"op": "item.set", "path": ["action_items", 0], "fields": {"owner": "Minh", "due": "15/12/2026"}})
    assert doc.minutes and doc.minutes.action_items == [ActionItem("Book the room", "Minh", "15/12/2026")]
    doc = apply(doc, {"op": "item.set", "path": ["action_items", 0], "fields": {"owner": ""}})
    assert doc.minutes and doc.minutes.action_items[0].owner is None

    path = ["topics", 0, "decisions"]
    doc = apply(doc, {"op": "item.add", "path": path, "fields": {"text": "second", "spans": [{"start": 1, "end": 2}]}})
    doc = apply(doc, {"op": "item.add", "path": path, "index": 0, "fields": {"text": "first"}})
    assert doc.minutes and [p.text for p in doc.minutes.topics[0].decisions] == ["first", "second"]
    assert doc.minutes.topics[0].decisions[1].spans == [Span(1.0, 2.0)]
    doc = apply(doc, {"op": "item.move", "path": [*path, 1], "to": 0})
    assert doc.minutes and [p.text for p in doc.minutes.topics[0].decisions] == ["second", "first"]
    doc = apply(doc, {"op": "item.delete", "path": [*path, 0]})
    assert doc.minutes and [p.text for p in doc.minutes.topics[0].decisions] == ["first"]
    doc = apply(doc, {"op": "meeting.set", "fields": {"attendees": "Lan, Minh ,", "place": " Room 2 "}})
    assert doc.minutes and doc.minutes.meeting.attendees == ["Lan", "Minh"] and doc.minutes.meeting.place == "Room 2"

    for bad in [
        {"op": "item.set", "path": ["summary", 0], "fields": {"spans": []}},  # not an editable field
        {"op": "item.set", "path": ["meeting", 0], "fields": {"text": "x"}},
        {"op": "item.add", "path": ["topics", 0, "topics"]},
        {"op": "item.move", "path": ["summary", 0], "to": 5},
        {"op": "meeting.set", "fields": {"source": "/etc/passwd"}},
    ]:
        with pytest.raises(EditError):
            apply(doc, bad)


def test_the_journal_survives_a_torn_line_and_replays_undo_redo(tmp_path: Path):
    journal = Journal(tmp_path / "edits.jsonl")
    journal.append({"op": "text", "seg": 0, "text": "a"})
    with open(journal.path, "ab") as handle:
        handle.write(b'{"op": "text", "seg": 0, "te')  # a crash mid-write: never acknowledged
    journal.append({"op": "undo"})
    assert [e["op"] for e in journal.entries()] == ["text", "undo"]

    ops = [{"op": "a"}, {"op": "b"}, {"op": "undo"}, {"op": "undo"}, {"op": "redo"}, {"op": "undo"}, {"op": "redo"}]
    done, redo = effective(ops)
    assert [e["op"] for e in done] == ["a"] and redo == 1
    done, redo = effective([*ops, {"op": "c"}, {"op": "redo"}])  # a new edit ends the redo chain
    assert [e["op"] for e in done] == ["a", "c"] and redo == 0


def meeting_folder(tmp_path: Path) -> tuple[MeetingStore, str]:
    store = MeetingStore(tmp_path / "meetings")
    record, recording = store.create("Budget", "budget.wav")
    recording.write_bytes(b"")
    doc = sample_doc()
    (recording.parent / "t.json").write_text(doc.transcript.to_json())
    assert doc.minutes
    (recording.parent / "m.json").write_text(doc.minutes.to_json())
    record.transcript, record.minutes, record.status = "t.json", "m.json", READY
    store.save(record)
    return store, record.id


def test_the_editor_saves_every_edit_and_a_new_one_sees_them_all(tmp_path: Path):
    store, meeting = meeting_folder(tmp_path)
    editor = MeetingEditor(store, store.get(meeting))
    original = (store.folder(meeting) / "t.json").read_bytes()
    editor.edit({"op": "rename", "from": "SPEAKER_1", "to": "Lan"}, 0)
    editor.edit({"op": "text", "seg": 1, "text": "I disagree."}, 1)
    with pytest.raises(StaleEdit):  # a second tab showing version 1
        editor.edit({"op": "text", "seg": 1, "text": "stale"}, 1)
    with pytest.raises(EditError):  # a bad edit: nothing applied, nothing written
        editor.edit({"op": "split", "seg": 1, "at": 7}, 2)
    assert len(editor.journal.entries()) == 2
    assert editor.undo(2)
    assert editor.state()["transcript"]["segments"][1]["t"] == "I agree."

    reopened = MeetingEditor(store, store.get(meeting))  # as after a restart: the journal replayed
    assert reopened.state() == editor.state()
    assert reopened.state()["speakers"] == ["Lan", "SPEAKER_2"] and reopened.state()["can_redo"]
    assert reopened.undo(3, redo=True)
    assert reopened.state()["transcript"]["segments"][1]["t"] == "I disagree."
    reopened.edit({"op": "split", "seg": 0, "at": 2}, 4)  # every field of an edit survives the journal
    assert len(MeetingEditor(store, store.get(meeting)).state()["transcript"]["segments"]) == 3
    assert (store.folder(meeting) / "t.json").read_bytes() == original  # the machine transcript is kept
    lines = [json.loads(line) for line in (store.folder(meeting) / "edits.jsonl").read_text().splitlines()]
    assert [line["op"] for line in lines] == ["rename", "text", "undo", "redo", "split"]
    assert all("saved" in line for line in lines)


def test_the_corrected_minutes_are_exported_in_the_meetings_own_template(tmp_path: Path):
    import docx

    store, meeting = meeting_folder(tmp_path)
    own = docx.Document()
    own.add_paragraph("ỦY BAN NHÂN DÂN XÃ AN BÌNH")
    own.add_paragraph("{{title}}")
    own.add_paragraph("{{content}}")
    own.save(str(store.folder(meeting) / USER_TEMPLATE))
    record = store.get(meeting)
    record.template = USER_TEMPLATE
    store.save(record)
    editor = MeetingEditor(store, store.get(meeting))
    editor.edit({"op": "rename", "from": "SPEAKER_1", "to": "Lan"}, 0)
    (path,) = editor.export(["docx"])
    assert path == store.folder(meeting) / "export" / "budget.docx"
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert "ỦY BAN NHÂN DÂN XÃ AN BÌNH" in text and "Lan said the estimate" in text and "SPEAKER_1" not in text


def test_the_corrected_minutes_are_also_exported_as_the_conclusion_notice(tmp_path: Path):
    import docx

    store, meeting = meeting_folder(tmp_path)
    editor = MeetingEditor(store, store.get(meeting))
    editor.edit({"op": "rename", "from": "SPEAKER_2", "to": "Trần Văn Minh"}, 0)
    (path,) = editor.export(["notice"])
    assert path == store.folder(meeting) / "export" / "budget.thong-bao.docx"
    document = docx.Document(str(path))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "THÔNG BÁO" in text + cells and "Trần Văn Minh" in text + cells and "SPEAKER_2" not in text + cells


def test_an_export_puts_the_corrected_meeting_in_the_search_index(tmp_path: Path, monkeypatch):
    import threading

    from minutes.search import SearchIndex
    from minutes.search.archive import index_meeting
    from tests.search.conftest import ZeroEncoder

    store, meeting = meeting_folder(tmp_path)
    monkeypatch.setenv("MINUTES_INDEX", str(tmp_path / "index.sqlite"))
    # the word side is what this checks: no e5 (tests/search cover the meaning side with the real model)
    monkeypatch.setattr(
        "minutes.search.archive.SearchIndex", lambda path, encoder=None: SearchIndex(path, ZeroEncoder())
    )
    machine = store.folder(meeting) / "t.json"
    assert index_meeting(machine, warn=pytest.fail, minutes_json=store.folder(meeting) / "m.json")  # as `minutes run`
    editor = MeetingEditor(store, store.get(meeting))
    editor.edit({"op": "rename", "from": "SPEAKER_2", "to": "Nguyễn Thị Lan"}, 0)
    editor.edit({"op": "text", "seg": 0, "text": "The quotation is $2.4"}, 1)
    editor.export(["md"])
    for thread in [t for t in threading.enumerate() if t.name == f"reindex-{meeting}"]:
        thread.join(60)
    index = SearchIndex(tmp_path / "index.sqlite", ZeroEncoder())
    hits = index.search("quotation", k=3)
    assert hits and hits[0].meeting_id == str(machine.resolve())
    speech = [index._hit(pid, 0.0, None) for pid in index.lexical("agree")]
    assert any(s == "Nguyễn Thị Lan" for h in speech for s, _ in h.units)  # the renamed speaker
    assert not any(t == "The estimate is $2.4" for h in speech for _, t in h.units)  # the machine's words are gone
    assert [(m[0], m[1]) for m in index.meetings()] == [(str(machine.resolve()), "Budget")]  # replaced, not added
