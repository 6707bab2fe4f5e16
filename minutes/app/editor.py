"""One meeting open for review: the machine transcript and draft with the journal's edits replayed over them.

Every edit is checked against the page's version (the journal's length) so two tabs cannot edit at cross
purposes, applied, and only acknowledged once its journal line is fsynced. Exports and redrafts read the
corrected meeting and go through the same code as `minutes run` (minutes.export, minutes.job).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from minutes.app.edits import Document, EditError, apply, speakers
from minutes.app.journal import Journal, effective
from minutes.app.store import EXPORT, JOURNAL, MeetingRecord, MeetingStore, template_for
from minutes.capture.session import slug
from minutes.hooks import Hook, null_hook
from minutes.model import Minutes, Transcript

log = logging.getLogger(__name__)

EXPORT_FORMATS = ("docx", "md", "json", "notice")  # notice: the thông báo kết luận (.docx)


class StaleEdit(EditError):
    """The page shows an older version of the meeting than the server holds (another tab edited it)."""


class MeetingEditor:
    def __init__(self, store: MeetingStore, record: MeetingRecord) -> None:
        self.store = store
        self.record = record
        self.journal = Journal(store.file(record.id, JOURNAL))
        self.lock = threading.Lock()
        self.version = 0
        self.redo_count = 0
        self.undo_count = 0
        self.doc = self._replay()

    def _originals(self) -> Document:
        """The machine's transcript and draft, as `minutes run` wrote them (never modified by the app)."""
        transcript = Transcript.from_json(self.store.file(self.record.id, self.record.transcript).read_text("utf-8"))
        minutes = None
        if self.record.minutes:
            path = self.store.file(self.record.id, self.record.minutes)
            minutes = Minutes.from_json(path.read_text("utf-8")) if path.exists() else None
        return Document(transcript, minutes)

    def _replay(self) -> Document:
        entries = self.journal.entries()
        done, self.redo_count = effective(entries)
        doc = self._originals()
        for entry in done:
            try:
                doc = apply(doc, entry)
            except EditError:
                continue  # an edit that no longer fits (hand-edited original?): skipped, the rest still apply
        self.version, self.undo_count = len(entries), len(done)
        return doc

    def edit(self, op: dict[str, Any], version: int) -> None:
        with self.lock:
            if version != self.version:
                raise StaleEdit("the meeting changed in another tab or window: reload the page")
            op = {k: v for k, v in op.items() if k != "saved"}  # the journal's own time stamp
            try:
                self.doc = apply(self.doc, op)
                self.journal.append(op)
            except Exception:
                self.doc = self._replay()  # an edit applied halfway, or not saved: back to what is on disk
                raise
            self.version += 1
            self.undo_count += 1
            self.redo_count = 0

    def undo(self, version: int, redo: bool = False) -> bool:
        with self.lock:
            if version != self.version:
                raise StaleEdit("the meeting changed in another tab or window: reload the page")
            if not (self.redo_count if redo else self.undo_count):
                return False
            self.journal.append({"op": "redo" if redo else "undo"})
            self.doc = self._replay()
            return True

    # -- reading ------------------------------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        with self.lock:
            transcript = self.doc.transcript
            minutes = self.doc.minutes
            return {
                "version": self.version,
                "can_undo": self.undo_count > 0,
                "can_redo": self.redo_count > 0,
                "transcript": transcript_view(transcript),
                "speakers": speakers(transcript),
                "minutes": minutes.to_dict() if minutes else None,
                "people": people(transcript, minutes),
            }

    # -- writing the corrected meeting --------------------------------------------------------------------------

    def export(self, formats: list[str], appendix: bool = True) -> list[Path]:
        """The corrected minutes through the same writers as `minutes run`, into the meeting's export/ folder."""
        from minutes.export.minutes_text import write_minutes
        from minutes.job import choose_template

        with self.lock:
            minutes, transcript = self.doc.minutes, self.doc.transcript
        if minutes is None:
            raise EditError("this meeting has no minutes to export yet")
        folder = self.store.folder(self.record.id) / EXPORT
        folder.mkdir(exist_ok=True)
        name = slug(self.store.get(self.record.id).title or minutes.meeting.title or "minutes", limit=60)
        written = []
        for fmt in formats:
            if fmt not in EXPORT_FORMATS:
                raise EditError(f"unknown export format {fmt!r}: choose {', '.join(EXPORT_FORMATS)}")
            if fmt == "notice":  # the same minutes in the conclusion-notice layout, as `minutes run --notice`
                path = self.store.file(self.record.id, f"{EXPORT}/{name}.thong-bao.docx")
                written.append(write_minutes(minutes, "docx", path, template="thong-bao"))
                continue
            path = self.store.file(self.record.id, f"{EXPORT}/{name}.{fmt}")
            template = choose_template(template_for(self.store, self.record), minutes.language)
            extra: dict[str, Any] = {"template": template, "transcript": transcript if appendix else None}
            written.append(write_minutes(minutes, fmt, path, **(extra if fmt == "docx" else {})))
        self.reindex()
        return written

    def reindex(self, encoder: Any = None) -> threading.Thread:
        """The corrected meeting into the search index, in the background (e5 reads it again: about a minute and a
        half for an hour of speech). Done at each export: what the secretary signed off is what search should find,
        while the machine's text, with its misheard names, is what `minutes run` indexed."""
        from minutes.search.archive import default_index_path, index_corrected

        with self.lock:
            transcript, minutes = self.doc.transcript, self.doc.minutes
        source = self.store.file(self.record.id, self.record.transcript)
        worker = threading.Thread(
            target=index_corrected,
            args=(transcript, minutes, source, lambda line: log.warning("%s", line)),
            # the index of now, not of when the thread runs; the title as the meetings list shows it
            kwargs={
                "index_path": default_index_path(),
                "encoder": encoder,
                "title": self.store.get(self.record.id).title,
            },
            name=f"reindex-{self.record.id}",
            daemon=False,  # an app being closed waits for it: the native e5 engine is not stopped mid-call
        )
        worker.start()
        return worker

    def save_voice(self, name: str) -> Any:
        """A voice profile for `name` from the segments the secretary has given them (minutes.speakers)."""
        from minutes.app.voices import save_voice

        with self.lock:
            transcript = self.doc.transcript
        return save_voice(self.store.file(self.record.id, self.record.recording), transcript, name)

    def redraft(self, drafter_name: str = "extractive", topic: int | None = None, hook: Hook = null_hook) -> None:
        """Draft again from the corrected transcript with the chosen drafter; the meeting details typed are kept.

        With `topic`, only that topic is drafted again, from the part of the transcript it covers; the rest of the
        minutes stays as edited.
        """
        from minutes.draft import DraftOptions
        from minutes.job import draft_minutes, make_drafter, with_attendees
        from minutes.model import MeetingInfo, Topic

        with self.lock:
            version, transcript, minutes = self.version, self.doc.transcript, self.doc.minutes
        meeting = minutes.meeting if minutes else MeetingInfo()
        part = transcript
        if topic is not None:
            if minutes is None or not 0 <= topic < len(minutes.topics) or minutes.topics[topic].span is None:
                raise EditError(f"no topic {topic} with a time range to draft again")
            span = minutes.topics[topic].span
            inside = [s for s in transcript.segments if s.end > span.start and s.start < span.end]
            part = replace(transcript, segments=inside)
        drafter = make_drafter(drafter_name, hook)
        draft, used = draft_minutes(part, with_attendees(meeting, transcript), drafter, DraftOptions(), hook)
        if topic is not None and minutes is not None:
            old = minutes.topics[topic]
            new = Topic(
                title=old.title,
                summary=[*draft.summary, *(p for t in draft.topics for p in t.summary)],
                decisions=[*(d for t in draft.topics for d in t.decisions), *draft.decisions],
                action_items=[*(a for t in draft.topics for a in t.action_items), *draft.action_items],
                span=old.span,
            )
            topics = [*minutes.topics[:topic], new, *minutes.topics[topic + 1 :]]
            draft = replace(minutes, topics=topics, drafter=used)
        draft = replace(draft, meeting=meeting, source=minutes.source if minutes else None, drafter=used)
        self.edit({"op": "redraft", "minutes": draft.to_dict()}, version)


def transcript_view(transcript: Transcript) -> dict[str, Any]:
    """A compact form for the page: a 2-hour meeting's words would be several MB as dataclass JSON."""
    segments = []
    for s in transcript.segments:
        item: dict[str, Any] = {"s": s.start, "e": s.end, "sp": s.speaker, "t": s.text.strip()}
        if s.words:
            item["w"] = [[w.text, w.start, w.end, round(w.probability, 2)] for w in s.words]  # text as spaced
        if s.flags:
            item["f"] = s.flags
        segments.append(item)
    return {"language": transcript.language, "duration": transcript.duration, "segments": segments}


def people(transcript: Transcript, minutes: Minutes | None) -> list[str]:
    """Who an action item can be given to: attendees, chair, secretary, and the named speakers."""
    names: list[str] = []
    if minutes:
        m = minutes.meeting
        names += [*m.attendees, m.chair, m.secretary]
    names += speakers(transcript)
    return [n for n in dict.fromkeys(names) if n]
