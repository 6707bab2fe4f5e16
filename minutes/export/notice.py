"""What the conclusion notice (thông báo kết luận, Decree 30/2020/NĐ-CP appendix III form 1.4) and the biên bản
need beyond the minutes themselves: the place name of the date line, the notice's number, whose conclusions they are,
who signs, and the conclusions: decisions and assigned tasks (owner, deadline), topic by topic.

Pure functions of `MeetingInfo` and `Minutes`; `minutes.export.docx` puts them into a template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from minutes.export.common import clean
from minutes.export.minutes_text import BLANK
from minutes.model import ActionItem, MeetingInfo, Minutes, Point
from minutes.normalize.people import bare_name

# Administrative levels whose name is the place name of a document (Decree 30/2020, appendix I, II.5.a).
_LEVEL = r"(tỉnh|thành phố|tp\.|tp|huyện|quận|thị xã|xã|phường|thị trấn)"
_PLACE = re.compile(rf"(?<!\w){_LEVEL}\s+(.+?)\s*(?=$|[,;()]|\s(?:{_LEVEL[1:-1]})\s)", re.IGNORECASE)
_MEETING_WORD = re.compile(r"^(?:cuộc\s+)?họp\s+", re.IGNORECASE)


def place_name(info: MeetingInfo) -> str:
    """The địa danh: `place_name` as given, else the administrative unit in the agency's name (its lowest level),
    then in the parent agency's: "UBND tỉnh Lâm Đồng" -> "Lâm Đồng", "UBND huyện Đức Trọng" -> "Đức Trọng";
    "" when neither names one (an English agency, a ministry: the secretary writes it)."""
    given = clean(info.place_name)
    if given:
        return given
    for text in (info.agency, info.parent_agency):
        found = list(_PLACE.finditer(clean(text)))
        if not found:
            continue
        level, name = found[0].group(1).lower(), found[0].group(2).strip()  # the lowest level comes first
        if name.isdigit():  # "Phường 5", "Quận 1": a number is no name on its own
            return f"{level.capitalize()} {name}"
        if level.startswith(("thành phố", "tp")) and name.lower() == "hồ chí minh":
            return "Thành phố Hồ Chí Minh"  # as the decree writes it
        return name
    return ""


def meeting_name(info: MeetingInfo) -> str:
    """The title without a leading "Họp"/"Cuộc họp", to follow "tại cuộc họp ...": "giao ban công tác ..."."""
    title = clean(info.title)
    stripped = _MEETING_WORD.sub("", title)
    if stripped != title and stripped:
        return stripped[:1].lower() + stripped[1:] if not stripped[:2].isupper() else stripped
    return title or BLANK


def chair_name(info: MeetingInfo) -> str:
    """The chair without "Ông"/"Bà" and without a title after a comma: how a signature or a sentence names them."""
    return bare_name(info.chair) if clean(info.chair) else ""


def concluded_by(info: MeetingInfo) -> str:
    """ "Phó Chủ tịch UBND tỉnh Nguyễn Văn A": the chair's title and name, as "Kết luận của ..." wants them."""
    parts = [clean(info.chair_title), chair_name(info)]
    return " ".join(p for p in parts if p) or BLANK


def _symbol(number: str) -> str:
    """ "12/BB-UBND" -> "UBND": the agency's symbol, so the notice can be "..../TB-UBND"."""
    m = re.search(r"/[A-ZĐ]+-([\wĐ.-]+)\s*$", clean(number))
    return m.group(1) if m else ""


def pad_number(number: str) -> str:
    """ "5/BB-UBND" -> "05/BB-UBND": the decree writes numbers below 10 with a leading zero."""
    return re.sub(r"^(\d)(?=/)", r"0\1", number)


def notice_number(info: MeetingInfo) -> str:
    """`notice_number` as given (a leading "Số:" dropped), else "........../TB-<the minutes' symbol>"."""
    given = re.sub(r"^\s*số\s*:?\s*", "", clean(info.notice_number), flags=re.IGNORECASE)
    return pad_number(given) or f"{BLANK}/TB-{_symbol(info.number) or BLANK}"


def signer(info: MeetingInfo) -> str:
    return clean(info.signer) or chair_name(info) or BLANK


# -- the conclusions --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One paragraph of the conclusions: a numbered heading ("1. Về ...") or an item ("- ...")."""

    text: str
    heading: bool = False


def _task(item: ActionItem) -> str:
    task = clean(item.task).rstrip(".;") or BLANK
    owner = clean(item.owner or "") or BLANK
    due = clean(item.due or "") or BLANK
    return f"{task}. Đơn vị, người thực hiện: {owner}; thời hạn: {due}."


def _point(point: Point) -> str:
    text = clean(point.text)
    return text if text.endswith((".", "!", "?", ";", ":")) else f"{text}."


def conclusions(minutes: Minutes) -> list[Line]:
    """Decisions, then tasks, topic by topic ("1. Về <topic>:"), then those tied to no topic; a meeting with no
    decision or task lists its summary instead, for the secretary to turn into conclusions."""
    groups: list[tuple[str, list[str]]] = []
    for topic in minutes.topics:
        items = [_point(p) for p in topic.decisions if clean(p.text)]
        items += [_task(a) for a in topic.action_items]
        if items:
            groups.append((clean(topic.title), items))
    rest = [_point(p) for p in minutes.decisions if clean(p.text)] + [_task(a) for a in minutes.action_items]
    if rest:
        groups.append(("Các nội dung khác" if groups else "", rest))
    if not groups:
        summary = [_point(p) for p in minutes.summary if clean(p.text)]
        summary += [_point(p) for t in minutes.topics for p in t.summary if clean(p.text)]
        groups.append(("", list(dict.fromkeys(summary)) or [BLANK]))  # the summary repeats topic points
    lines: list[Line] = []
    numbered = len(groups) > 1
    for i, (title, items) in enumerate(groups, 1):
        if numbered:
            lines.append(Line(f"{i}. Về {title[:1].lower() + title[1:] if title[1:2].islower() else title}:", True))
        lines += [Line(item) for item in items]
    return lines


__all__ = [
    "Line",
    "chair_name",
    "concluded_by",
    "conclusions",
    "meeting_name",
    "notice_number",
    "pad_number",
    "place_name",
    "signer",
]
