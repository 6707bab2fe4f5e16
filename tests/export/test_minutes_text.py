"""Minutes as Markdown and JSON: same sections and time ranges as the Word export, NFC text, atomic writes."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from minutes.errors import OutputError, UsageError
from minutes.export.minutes_text import (
    BLANK,
    LABELS,
    format_span,
    format_spans,
    labels_for,
    outline,
    render_minutes_json,
    render_minutes_md,
    write_minutes,
)
from minutes.model import ActionItem, MeetingInfo, Minutes, Point, Span, Topic


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.fixture
def vi_minutes() -> Minutes:
    return Minutes(
        meeting=MeetingInfo(
            title=nfd("Họp bàn kế hoạch cải cách hành chính năm 2026"),
            date="12/01/2026",
            start_time="14:00",
            place=nfd("Phòng họp tầng 3, UBND huyện"),
            chair=nfd("Ông Võ Thành Nam"),
            attendees=[nfd("Ông Võ Thành Nam"), nfd("Bà Đặng Thị Hạnh")],
        ),
        language="vi",
        summary=[Point(nfd("Huyện đạt 92% hồ sơ giải quyết đúng hạn."), [Span(20, 51)])],
        topics=[
            Topic(
                nfd("Một cửa điện tử"),
                summary=[Point(nfd("Cần thêm 2 máy quét tại bộ phận một cửa."), [Span(70, 95)])],
                decisions=[Point(nfd("Mua bổ sung 2 máy quét trong quý I."), [Span(100, 110), Span(130, 140)])],
                action_items=[ActionItem(nfd("Lập dự toán mua máy quét"), nfd("Văn phòng HĐND-UBND"), "31/01/2026")],
                span=Span(60, 300),
            )
        ],
        action_items=[ActionItem(nfd("Báo cáo kết quả | tiến độ"), None, None, [Span(3599, 3661)])],
        open_questions=[Point(nfd("Kinh phí đào tạo *chưa* rõ."), [Span(400, 410)])],
        notes=["no speech in the last 5 minutes"],
    )


def test_spans_read_as_clock_ranges() -> None:
    assert format_span(Span(65.4, 130.9)) == "[01:05–02:10]"
    assert format_span(Span(3599, 3661)) == "[59:59–1:01:01]"
    assert format_span(Span(7325, 7400)) == "[2:02:05–2:03:20]"
    assert format_spans([Span(0, 9), Span(10, 20)]) == "[00:00–00:09] [00:10–00:20]"
    assert format_spans([]) == ""


def test_labels_are_one_table_with_the_same_keys() -> None:
    assert set(LABELS["vi"]) == set(LABELS["en"])
    assert labels_for("vi-VN") is LABELS["vi"]
    assert labels_for("VI") is LABELS["vi"]
    assert labels_for("fr") is LABELS["en"]
    assert labels_for(None) is LABELS["en"]


def test_outline_orders_sections_and_numbers_them(vi_minutes: Minutes) -> None:
    sections = outline(vi_minutes, LABELS["vi"])
    assert [s.heading for s in sections] == [
        "1. Tóm tắt nội dung",
        "2. Một cửa điện tử",
        "3. Nhiệm vụ",
        "4. Vấn đề cần tiếp tục xem xét",
        "5. Ghi chú",
    ]
    assert [b.heading for b in sections[1].blocks] == [None, "Quyết định/Kết luận", "Nhiệm vụ"]


def test_markdown_has_every_item_with_its_time_range(vi_minutes: Minutes) -> None:
    md = render_minutes_md(vi_minutes)
    assert md == unicodedata.normalize("NFC", md)
    lines = md.splitlines()
    assert lines[0] == "# Họp bàn kế hoạch cải cách hành chính năm 2026"
    for line in (
        "- **Ngày:** 12/01/2026",
        "- **Thời gian:** 14:00",
        f"- **Thư ký:** {BLANK}",
        "- **Thành phần tham dự:** Ông Võ Thành Nam; Bà Đặng Thị Hạnh",
        "## 1. Tóm tắt nội dung",
        "- Huyện đạt 92% hồ sơ giải quyết đúng hạn. [00:20–00:51]",
        "## 2. Một cửa điện tử [01:00–05:00]",
        "### Quyết định/Kết luận",
        "- Mua bổ sung 2 máy quét trong quý I. [01:40–01:50] [02:10–02:20]",
        "| Nhiệm vụ | Người thực hiện | Thời hạn | Thời điểm ghi âm |",
        "| Lập dự toán mua máy quét | Văn phòng HĐND-UBND | 31/01/2026 |  |",
        f"| Báo cáo kết quả \\| tiến độ | {BLANK} | {BLANK} | [59:59–1:01:01] |",
        "- Kinh phí đào tạo \\*chưa\\* rõ. [06:40–06:50]",
        "- no speech in the last 5 minutes",
    ):
        assert line in lines, line
    assert lines.index("## 1. Tóm tắt nội dung") < lines.index("## 2. Một cửa điện tử [01:00–05:00]")
    assert "{{" not in md


def test_markdown_in_english_and_empty() -> None:
    md = render_minutes_md(Minutes(meeting=MeetingInfo(), language="en"))
    assert md.splitlines()[0] == "# Meeting minutes"
    assert f"- **Chair:** {BLANK}" in md
    assert "_No content was drafted._" in md


def test_json_round_trips_through_write_minutes(tmp_path: Path, vi_minutes: Minutes) -> None:
    path = write_minutes(vi_minutes, "json", tmp_path / "m.json")
    text = path.read_text(encoding="utf-8")
    assert text == render_minutes_json(vi_minutes) == vi_minutes.to_json()
    assert Minutes.from_json(text) == vi_minutes


def test_write_minutes_md_is_atomic_and_fails_cleanly(tmp_path: Path, vi_minutes: Minutes) -> None:
    path = write_minutes(vi_minutes, ".MD", tmp_path / "m.md")
    assert path.read_text(encoding="utf-8") == render_minutes_md(vi_minutes)
    assert [p.name for p in tmp_path.iterdir()] == ["m.md"]  # no temp file left behind
    with pytest.raises(OutputError, match=r"^cannot write .*does not exist"):
        write_minutes(vi_minutes, "md", tmp_path / "missing" / "m.md")


def test_write_minutes_rejects_unknown_format(tmp_path: Path, vi_minutes: Minutes) -> None:
    with pytest.raises(UsageError, match=r"unknown minutes format 'pdf'; choose from md, json, docx"):
        write_minutes(vi_minutes, "pdf", tmp_path / "m.pdf")
