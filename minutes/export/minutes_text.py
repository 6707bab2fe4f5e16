"""Minutes as Markdown and JSON, plus what every minutes writer shares: labels, time ranges and the section outline.

The Word writer (`minutes.export.docx`) renders the same `outline()` as Markdown does here, so both show the same
sections in the same order, and every point, decision and action item carries its time range in the recording.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from minutes.errors import UsageError
from minutes.export import write_text_atomic
from minutes.export.common import clean, short_clock
from minutes.export.text import _md_escape
from minutes.model import ActionItem, Minutes, Point, Span, Transcript, nfc

# What a blank meeting field shows: room for the secretary to write by hand, never an empty gap or a placeholder.
BLANK = ".........."

# Every label a minutes writer prints, per language, in one place. Keys are also `{{label.KEY}}` placeholders in
# Word templates, so a template can follow the minutes' language.
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "minutes": "Meeting minutes",
        "date": "Date",
        "time": "Time",
        "place": "Place",
        "chair": "Chair",
        "secretary": "Secretary",
        "attendees": "Attendees",
        "absent": "Absent",
        "summary": "Summary",
        "decisions": "Decisions",
        "action_items": "Action items",
        "task": "Task",
        "owner": "Owner",
        "due": "Due",
        "span": "Time",
        "open_questions": "Open questions",
        "notes": "Notes",
        "transcript": "Appendix: transcript",
        "no_content": "No content was drafted.",
        "no_speech": "No speech was transcribed.",
        "signature": "(signature)",
        "source": "Recording",
    },
    "vi": {
        "minutes": "Biên bản cuộc họp",
        "date": "Ngày",
        "time": "Thời gian",
        "place": "Địa điểm",
        "chair": "Chủ trì",
        "secretary": "Thư ký",
        "attendees": "Thành phần tham dự",
        "absent": "Vắng mặt",
        "summary": "Tóm tắt nội dung",
        "decisions": "Quyết định/Kết luận",
        "action_items": "Nhiệm vụ",
        "task": "Nhiệm vụ",
        "owner": "Người thực hiện",
        "due": "Thời hạn",
        "span": "Thời điểm ghi âm",
        "open_questions": "Vấn đề cần tiếp tục xem xét",
        "notes": "Ghi chú",
        "transcript": "Phụ lục: Bản ghi lời cuộc họp",
        "no_content": "Chưa có nội dung.",
        "no_speech": "Không có lời nói nào được ghi nhận.",
        "signature": "(Ký, ghi rõ họ tên)",
        "source": "Bản ghi âm",
    },
}
DEFAULT_LANGUAGE = "en"


def labels_for(language: str | None) -> dict[str, str]:
    """The label set for a language code ("vi", "vi-VN", "en"...); English where there is none."""
    code = (language or "").strip().lower().replace("_", "-").split("-")[0]
    return LABELS.get(code, LABELS[DEFAULT_LANGUAGE])


def value(text: str | None) -> str:
    """A one-line field value, NFC, or the dotted blank when there is nothing to show."""
    return clean(text or "") or BLANK


def format_span(span: Span) -> str:
    """[MM:SS–MM:SS], H:MM:SS from an hour on: enough to find the passage in the recording."""
    return f"[{short_clock(span.start)}–{short_clock(span.end)}]"


def format_spans(spans: list[Span]) -> str:
    return " ".join(format_span(s) for s in spans)


# -- the outline both writers render -------------------------------------------------------------------------


@dataclass
class Block:
    """Items under an optional sub-heading: points (summary, decisions, questions) or action items."""

    heading: str | None
    points: list[Point] = field(default_factory=list)
    actions: list[ActionItem] = field(default_factory=list)


@dataclass
class Section:
    heading: str  # numbered: "2. Budget"
    spans: list[Span] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)


def outline(minutes: Minutes, labels: dict[str, str]) -> list[Section]:
    """The body in reading order: summary, one section per topic, then what belongs to no single topic."""
    raw: list[tuple[str, list[Span], list[Block]]] = []
    if minutes.summary:
        raw.append((labels["summary"], [], [Block(None, points=minutes.summary)]))
    for topic in minutes.topics:
        blocks = [Block(None, points=topic.summary)] if topic.summary else []
        if topic.decisions:
            blocks.append(Block(labels["decisions"], points=topic.decisions))
        if topic.action_items:
            blocks.append(Block(labels["action_items"], actions=topic.action_items))
        raw.append((clean(topic.title) or BLANK, [topic.span] if topic.span else [], blocks))
    if minutes.decisions:
        raw.append((labels["decisions"], [], [Block(None, points=minutes.decisions)]))
    if minutes.action_items:
        raw.append((labels["action_items"], [], [Block(None, actions=minutes.action_items)]))
    if minutes.open_questions:
        raw.append((labels["open_questions"], [], [Block(None, points=minutes.open_questions)]))
    notes = [Point(clean(n)) for n in minutes.notes if clean(n)]
    if notes:
        raw.append((labels["notes"], [], [Block(None, points=notes)]))
    return [Section(f"{i}. {heading}", spans, blocks) for i, (heading, spans, blocks) in enumerate(raw, 1)]


def point_text(point: Point) -> str:
    """The point and its time ranges, as one line."""
    return " ".join(part for part in (clean(point.text), format_spans(point.spans)) if part)


def action_cells(item: ActionItem) -> tuple[str, str, str, str]:
    """task | owner | due | time: a blank owner or due date is left dotted for the secretary to fill."""
    return value(item.task), value(item.owner), value(item.due), format_spans(item.spans)


# -- Markdown ------------------------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return _md_escape(text).replace("|", "\\|")


def _md_points(points: list[Point]) -> list[str]:
    lines = []
    for p in points:
        spans = format_spans(p.spans)
        lines.append(f"- {_md_escape(clean(p.text))}" + (f" {spans}" if spans else ""))
    return lines


def _md_actions(actions: list[ActionItem], labels: dict[str, str]) -> list[str]:
    header = [labels["task"], labels["owner"], labels["due"], labels["span"]]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for item in actions:
        task, owner, due, spans = action_cells(item)
        lines.append(f"| {_cell(task)} | {_cell(owner)} | {_cell(due)} | {spans} |")
    return lines


def render_minutes_md(minutes: Minutes) -> str:
    """Readable Markdown: title, the meeting's details, then the same sections and time ranges as the Word export."""
    labels = labels_for(minutes.language)
    info = minutes.meeting
    title = clean(info.title)
    lines = [f"# {_md_escape(title or labels['minutes'])}", ""]
    times = " – ".join(clean(t) for t in (info.start_time, info.end_time) if clean(t))
    meta = [
        ("date", info.date),
        ("time", times),
        ("place", info.place),
        ("chair", info.chair),
        ("secretary", info.secretary),
        ("attendees", "; ".join(clean(a) for a in info.attendees if clean(a))),
    ]
    if any(clean(a) for a in info.absent):
        meta.append(("absent", "; ".join(clean(a) for a in info.absent if clean(a))))
    lines += [f"- **{labels[key]}:** {_md_escape(value(text))}" for key, text in meta]
    if minutes.source:
        lines.append(f"- **{labels['source']}:** {_md_escape(clean(minutes.source))}")
    sections = outline(minutes, labels)
    if not sections:
        lines += ["", f"_{labels['no_content']}_"]
    for section in sections:
        spans = format_spans(section.spans)
        lines += ["", f"## {_md_escape(section.heading)}" + (f" {spans}" if spans else "")]
        for block in section.blocks:
            if block.heading:
                lines += ["", f"### {_md_escape(block.heading)}"]
            lines.append("")
            lines += _md_points(block.points) if block.points else _md_actions(block.actions, labels)
    return nfc("\n".join(lines) + "\n")


def render_minutes_json(minutes: Minutes) -> str:
    # Exactly to_json(), as the transcript writer does, so Minutes.from_json() gives back an equal Minutes.
    return minutes.to_json()


MINUTES_FORMATS: tuple[str, ...] = ("md", "json", "docx")


def write_minutes(
    minutes: Minutes,
    fmt: str,
    path: str | os.PathLike[str],
    *,
    template: str | Path = "general",
    transcript: Transcript | None = None,
) -> Path:
    """Write minutes as md, json or docx, atomically (the old file or the complete new one, never a partial one).

    `template` and `transcript` apply to docx only (see `minutes.export.docx.render_docx`).
    """
    name = fmt.strip().lower().lstrip(".")
    if name == "md":
        return write_text_atomic(render_minutes_md(minutes), path)
    if name == "json":
        return write_text_atomic(render_minutes_json(minutes), path)
    if name == "docx":
        # Imported here: python-docx and lxml are only needed by those who ask for Word output.
        from minutes.export.docx import render_docx

        return render_docx(minutes, template, path, transcript=transcript)
    raise UsageError(f"unknown minutes format {fmt!r}; choose from {', '.join(MINUTES_FORMATS)}")


__all__ = [
    "BLANK",
    "LABELS",
    "MINUTES_FORMATS",
    "format_span",
    "format_spans",
    "labels_for",
    "outline",
    "render_minutes_json",
    "render_minutes_md",
    "write_minutes",
]
