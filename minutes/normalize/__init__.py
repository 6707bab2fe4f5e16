"""Written-minutes normalisation: numbers, dates, times, money and percentages as an administrative text writes them,
agencies and titles spelt officially, attendee names spelt as the meeting details give them.

It runs where minutes are written (the drafted Minutes, and the transcript text shown in exports), never inside the
ASR, and never on the transcript JSON, which stays exactly what the model heard. Each pass is a pure function on
text, table-driven (`tables_vi`), and language-specific where it must be (`vi`, `en`); other languages get only the
attendee-name pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from minutes.model import ActionItem, MeetingInfo, Minutes, Point, Topic, Transcript, nfc
from minutes.normalize import en, vi
from minutes.normalize.official import capitalise
from minutes.normalize.people import correct_names

LANGUAGES = ("vi", "en")


def _code(language: str | None) -> str:
    return (language or "").strip().lower().replace("_", "-").split("-")[0]


def normalize_text(text: str, language: str | None, *, names: Iterable[str] = (), glossary: Iterable[str] = ()) -> str:
    """One text in written form: see the module docstring. `names` are the attendees as the meeting details give
    them; `glossary` adds terms whose spelling (capitals) is to be kept, e.g. "Trung tâm Dữ liệu tỉnh"."""
    if not text:
        return text
    text = nfc(text)
    code = _code(language)
    if code == "vi":
        text = capitalise(vi.numbers(text), glossary)
    elif code == "en":
        text = en.normalize(text)
        text = capitalise(text, glossary, vietnamese=False)
    return correct_names(text, names)


def people(meeting: MeetingInfo) -> list[str]:
    """Every name the meeting details give: attendees, absentees, chair and secretary."""
    return [n for n in (*meeting.attendees, *meeting.absent, meeting.chair, meeting.secretary) if n and n.strip()]


def _texts(language: str | None, names: list[str], glossary: list[str]) -> Callable[[str], str]:
    return lambda text: normalize_text(text, language, names=names, glossary=glossary)


def normalize_minutes(minutes: Minutes) -> Minutes:
    """The minutes with every drafted text normalised (summary, topics, decisions, tasks, owners, due dates); the
    meeting details themselves are the secretary's and stay as given."""
    meeting = minutes.meeting
    fix = _texts(minutes.language, people(meeting), list(meeting.glossary))

    def point(p: Point) -> Point:
        return replace(p, text=fix(p.text))

    def action(a: ActionItem) -> ActionItem:
        return replace(
            a, task=fix(a.task), owner=fix(a.owner) if a.owner else a.owner, due=fix(a.due) if a.due else a.due
        )

    def topic(t: Topic) -> Topic:
        return replace(
            t,
            title=fix(t.title),
            summary=[point(p) for p in t.summary],
            decisions=[point(p) for p in t.decisions],
            action_items=[action(a) for a in t.action_items],
        )

    return replace(
        minutes,
        summary=[point(p) for p in minutes.summary],
        topics=[topic(t) for t in minutes.topics],
        decisions=[point(p) for p in minutes.decisions],
        action_items=[action(a) for a in minutes.action_items],
        open_questions=[point(p) for p in minutes.open_questions],
    )


def normalize_transcript(transcript: Transcript, meeting: MeetingInfo | None = None) -> Transcript:
    """A copy whose segment texts are normalised, for the transcript a reader sees (md, the Word appendix). The
    words and their timings are left as heard; save the original, not this, as the transcript JSON."""
    meeting = meeting or MeetingInfo()
    fix = _texts(transcript.language, people(meeting), list(meeting.glossary))
    return replace(transcript, segments=[replace(s, text=fix(s.text)) for s in transcript.segments])


__all__ = ["LANGUAGES", "normalize_minutes", "normalize_text", "normalize_transcript", "people"]
