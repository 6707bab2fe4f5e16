"""The app's search box: hits of the archive search (`minutes.search`, the same index `minutes search` reads),
each linked to the review screen of its meeting at the moment it came from.

The index names a meeting by its transcript file. A transcript inside the meetings folder belongs to the app's
meeting of that folder, which the hit opens at its time; one elsewhere (indexed with `minutes index`) is shown with
its file, as the app may not serve files outside its folder.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from minutes.app.store import MeetingStore, NotFound
from minutes.export.common import short_clock

START, END = "\x01", "\x02"  # marks placed by `mark` before escaping, turned into <mark> after


@dataclass
class ShownHit:
    title: str
    date: str
    time: str  # "12:05" or "" where the source has no times
    speakers: str
    kind: str
    passage: Markup  # escaped text with the matched words in <mark>
    link: str  # the review at that moment, or "" for a meeting outside the app
    source: str


def find(store: MeetingStore, query: str, limit: int = 20) -> list[ShownHit]:
    """Raises FileNotFoundError when nothing has been indexed on this machine yet."""
    from minutes.search import mark, search

    shown = []
    for hit in search(query, k=limit):
        text = " ".join(t for _, t in hit.units)
        marked = html.escape(mark(text, hit.terms, START, END), quote=False)
        passage = Markup(marked.replace(START, "<mark>").replace(END, "</mark>"))
        link = _link(store, hit.meeting_id, hit.start)
        shown.append(
            ShownHit(
                title=hit.title,
                date=hit.date,
                time="" if hit.start is None else short_clock(hit.start),
                speakers=", ".join(hit.speakers),
                kind=hit.kind,
                passage=passage,
                link=link,
                source="" if link else hit.meeting_id,
            )
        )
    return shown


def _link(store: MeetingStore, meeting_id: str, start: float | None) -> str:
    """`/m/<id>?t=<seconds>` for a transcript inside the meetings folder whose meeting is still there."""
    try:
        relative = Path(meeting_id).resolve().relative_to(store.root)
    except ValueError:
        return ""
    if len(relative.parts) < 2:
        return ""
    try:
        record = store.get(relative.parts[0])
    except NotFound:
        return ""  # deleted (in the trash) since it was indexed
    return f"/m/{record.id}" + (f"?t={start:.2f}" if start is not None else "")
