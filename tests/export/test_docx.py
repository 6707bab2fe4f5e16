"""Word export, read back with python-docx: the Decree 30/2020 biên bản layout, the general template, user templates,
one-line template errors, and (slow) a LibreOffice conversion to PDF."""

from __future__ import annotations

import time
import unicodedata
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from minutes.errors import OutputError, UsageError
from minutes.export.docx import build_docx, parse_clock, parse_date, render_docx
from minutes.export.minutes_text import BLANK, LABELS, write_minutes
from minutes.model import ActionItem, MeetingInfo, Minutes, Point, Segment, Span, Topic, Transcript
from tests.conftest import soffice_pdf

CONTENT_ERROR = (
    "has no {{content}} placeholder: add one where the minutes body should go (or {{conclusions}} for a conclusion"
    " notice)"
)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# -- fixtures ------------------------------------------------------------------------------------------------------

# (text, spans) of every point, decision and action item in the Vietnamese fixture, NFC, as the reader must see them.
VI_DECISIONS = [
    ("Thống nhất hoàn thành tích hợp 12 thủ tục còn lại trước ngày 30/4/2026.", "[10:00–10:40]"),
    ("Giao Văn phòng Sở xây dựng kế hoạch tập huấn chuyển đổi số cho cán bộ cấp xã.", "[1:00:50–1:02:05]"),
]
VI_ACTIONS = [
    ("Rà soát và tích hợp 12 thủ tục hành chính còn lại", "Phòng Công nghệ thông tin", "30/4/2026", "[10:10–10:55]"),
    ("Tổng hợp báo cáo tiến độ hằng tuần gửi Giám đốc Sở", None, None, "[11:40–11:52]"),
    ("Khắc phục lỗ hổng bảo mật trên hệ thống một cửa điện tử", "Trung tâm CNTT&TT", "15/3/2026", "[16:05–17:30]"),
]
VI_ATTENDEES = [
    "Ông Lê Văn Cường, Phó Giám đốc Sở",
    "Bà Phạm Thị Dung, Trưởng phòng Công nghệ thông tin",
    "Ông Hoàng Minh Đức, Giám đốc Trung tâm Công nghệ thông tin và Truyền thông",
]


@pytest.fixture
def vi_minutes() -> Minutes:
    """A realistic provincial meeting, every string decomposed (NFD) as some editors and ASR outputs leave it."""
    (d1, _), (d2, _) = VI_DECISIONS

    def action(i: int, span: Span) -> ActionItem:
        task, owner, due, _ = VI_ACTIONS[i]
        return ActionItem(nfd(task), nfd(owner) if owner else None, due, [span])

    return Minutes(
        meeting=MeetingInfo(
            title=nfd("Họp giao ban công tác chuyển đổi số quý I năm 2026"),
            number=nfd("Số: 12/BB-STTTT"),
            agency=nfd("Sở Thông tin và Truyền thông"),
            parent_agency=nfd("Ủy ban nhân dân tỉnh Quảng Nam"),
            date="05/03/2026",
            start_time="8:00",
            end_time="11h30",
            place=nfd("Phòng họp số 2, trụ sở Sở Thông tin và Truyền thông"),
            chair=nfd("Ông Nguyễn Văn An"),
            secretary=nfd("Bà Trần Thị Bình"),
            attendees=[nfd(a) for a in VI_ATTENDEES],
            recipients=[nfd("UBND tỉnh (để báo cáo)"), nfd("Các phòng, đơn vị thuộc Sở")],
        ),
        language="vi",
        summary=[Point(nfd("Tỉnh đã đạt 85% chỉ tiêu dịch vụ công trực tuyến toàn trình."), [Span(15, 42)])],
        topics=[
            Topic(
                nfd("Tiến độ triển khai dịch vụ công trực tuyến"),
                summary=[
                    Point(
                        nfd("Phòng CNTT báo cáo còn 12 thủ tục chưa tích hợp lên Cổng dịch vụ công quốc gia."),
                        [Span(65, 130), Span(140.5, 171)],
                        ["SPEAKER_01"],
                    )
                ],
                decisions=[Point(nfd(d1), [Span(600, 640)])],
                action_items=[action(0, Span(610, 655.4)), action(1, Span(700, 712))],
                span=Span(60, 900),
            ),
            Topic(
                nfd("Bảo đảm an toàn thông tin"),
                summary=[Point(nfd("Trung tâm báo cáo 3 sự cố mã độc trong tháng 2."), [Span(905, 960)])],
                action_items=[action(2, Span(965, 1050))],
                span=Span(900, 3700),
            ),
        ],
        decisions=[Point(nfd(d2), [Span(3650, 3725)])],
        open_questions=[Point(nfd("Nguồn kinh phí nâng cấp trung tâm dữ liệu chưa xác định."), [Span(3500, 3550)])],
        source="giao-ban-q1.wav",
        drafter="fake",
    )


@pytest.fixture
def en_minutes() -> Minutes:
    return Minutes(
        meeting=MeetingInfo(
            title="Weekly engineering sync",
            date="2026-03-05",
            start_time="10:00",
            end_time="10:45",
            place="Room 4B",
            chair="Alice Nguyen",
            secretary="Bob Tran",
            attendees=["Alice Nguyen", "Bob Tran", "Carol Le"],
            absent=["Dan Pham"],
        ),
        language="en",
        summary=[Point("The offline mode ships before the October conference.", [Span(12, 48)])],
        topics=[
            Topic(
                "Release plan",
                summary=[Point("Two blockers remain: installer signing and the Vietnamese model.", [Span(60, 95)])],
                decisions=[Point("Release candidate on 20 March.", [Span(100, 118)])],
                action_items=[ActionItem("Fix installer signing", "Carol Le", "next Friday", [Span(120, 131)])],
                span=Span(55, 400),
            )
        ],
        action_items=[ActionItem("Book the demo room", None, None, [Span(2400, 2410)])],
    )


@pytest.fixture
def transcript() -> Transcript:
    return Transcript(
        language="vi",
        duration=3730.0,
        segments=[
            Segment(0.0, 4.0, nfd(" Xin chào các đồng chí, chúng ta bắt đầu."), speaker="Chủ tọa"),
            Segment(4.0, 9.5, nfd(" Tôi xin báo cáo tiến độ."), speaker="SPEAKER_01"),
            Segment(9.5, 11.0, " Hãy đăng ký kênh!", flags=["hallucination"]),
            Segment(3725.0, 3728.0, nfd(" Cảm ơn các đồng chí.")),
        ],
    )


# -- reading back --------------------------------------------------------------------------------------------------


def parts(document) -> list:
    """The body and every header and footer part."""
    found = [document.element.body]
    for rel in document.part.rels.values():
        if rel.reltype.endswith(("/header", "/footer")):
            found.append(rel.target_part.element)
    return found


def paragraph_texts(document) -> list[str]:
    """Every paragraph's text (tables and headers included), as a reader sees it."""
    return ["".join(t.text or "" for t in p.iter(qn("w:t"))) for part in parts(document) for p in part.iter(qn("w:p"))]


def full_text(document) -> str:
    return "\n".join(paragraph_texts(document))


def find_paragraph(document, start: str):
    for p in document.paragraphs:
        if p.text.startswith(start):
            return p
    raise AssertionError(f"no paragraph starting {start!r}")


def cell_texts(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


@pytest.fixture
def bien_ban(tmp_path: Path, vi_minutes: Minutes):
    path = render_docx(vi_minutes, "bien-ban", tmp_path / "bien-ban.docx")
    assert path == tmp_path / "bien-ban.docx"
    return docx.Document(str(path))


# -- bien-ban ------------------------------------------------------------------------------------------------------


def test_bien_ban_header_table_is_exact(bien_ban) -> None:
    header = bien_ban.tables[0]
    rows = cell_texts(header)
    left = [p.text for p in header.rows[0].cells[0].paragraphs if p.text]
    right = [p.text for p in header.rows[0].cells[1].paragraphs if p.text]
    assert left == ["Ủy ban nhân dân tỉnh Quảng Nam", "Sở Thông tin và Truyền thông"]
    assert right == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    # the place name (địa danh) comes from the parent agency "Ủy ban nhân dân tỉnh Quảng Nam"
    assert rows[1] == ["Số: 12/BB-STTTT", "Quảng Nam, ngày 05 tháng 3 năm 2026"]

    parent, agency = (p for p in header.rows[0].cells[0].paragraphs if p.text)
    assert parent.runs[0].font.all_caps and not parent.runs[0].bold  # capitals, not bold
    assert agency.runs[0].font.all_caps and agency.runs[0].bold  # BOLD CAPITALS
    nation, motto = (p for p in header.rows[0].cells[1].paragraphs if p.text)
    assert nation.runs[0].bold and motto.runs[0].bold
    assert header.rows[1].cells[1].paragraphs[0].runs[0].italic  # place and date line

    # A short rule under the agency and under the motto: a bordered empty paragraph right after each.
    for cell in header.rows[0].cells:
        last = cell.paragraphs[-1]
        assert not last.text and last._p.find(f"{qn('w:pPr')}/{qn('w:pBdr')}/{qn('w:top')}") is not None
    # Borderless header table.
    borders = header._tbl.tblPr.find(qn("w:tblBorders"))
    assert all(edge.get(qn("w:val")) == "nil" for edge in borders)


def test_bien_ban_title_and_body_order(bien_ban) -> None:
    title = find_paragraph(bien_ban, "BIÊN BẢN")
    assert title.text == "BIÊN BẢN"
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER and title.runs[0].bold
    name = find_paragraph(bien_ban, "Họp giao ban")
    assert name.alignment == WD_ALIGN_PARAGRAPH.CENTER and name.runs[0].bold

    texts = paragraph_texts(bien_ban)  # "Nơi nhận" sits in the signature row, under the secretary's signature
    order = [
        "BIÊN BẢN",
        "Thời gian bắt đầu: 8 giờ 00, ngày 05 tháng 3 năm 2026.",
        "Địa điểm: Phòng họp số 2, trụ sở Sở Thông tin và Truyền thông.",
        "Thành phần tham dự: " + "; ".join(VI_ATTENDEES) + ".",
        "Chủ trì (chủ tọa): Ông Nguyễn Văn An.",
        "Thư ký (người ghi biên bản): Bà Trần Thị Bình.",
        "Nội dung (theo diễn biến cuộc họp):",
        "1. Tóm tắt nội dung",
        "Cuộc họp kết thúc vào 11 giờ 30, ngày 05 tháng 3 năm 2026./.",
        "Nơi nhận:",
        "- UBND tỉnh (để báo cáo);",
        "- Các phòng, đơn vị thuộc Sở;",
        "- Lưu: VT, .........",
    ]
    positions = [texts.index(line) for line in order]
    assert positions == sorted(positions)
    receive = next(p for p in bien_ban.tables[-1].rows[0].cells[0].paragraphs if p.text == "Nơi nhận:")
    assert receive.runs[0].bold and receive.runs[0].italic


def test_bien_ban_page_setup_is_a4_with_decree_margins(bien_ban) -> None:
    section = bien_ban.sections[0]
    for actual, mm in [
        (section.page_width, 210),
        (section.page_height, 297),
        (section.top_margin, 20),
        (section.bottom_margin, 20),
        (section.left_margin, 30),
        (section.right_margin, 15),
    ]:
        assert abs(actual.mm - mm) <= 0.5


def test_bien_ban_fonts_are_times_new_roman_13_in_every_script(bien_ban) -> None:
    normal = bien_ban.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert normal.font.size == Pt(13)
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        assert fonts.get(qn(attr)) == "Times New Roman"
    # No theme font anywhere: a theme font would win over Times New Roman in Word.
    styles_xml = bien_ban.styles.element.xml
    assert "asciiTheme" not in styles_xml and "eastAsiaTheme" not in styles_xml
    title = find_paragraph(bien_ban, "BIÊN BẢN")
    assert title.runs[0].font.size == Pt(14)


def test_bien_ban_body_is_justified_with_first_line_indent(bien_ban) -> None:
    normal = bien_ban.styles["Normal"].paragraph_format
    assert normal.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert Cm(1.0) <= normal.first_line_indent <= Cm(1.27) + Mm(0.5)
    for start in ("Thời gian bắt đầu", "Thành phần tham dự", "Cuộc họp kết thúc"):
        p = find_paragraph(bien_ban, start)
        assert p.style.name == "Normal"
        assert p.paragraph_format.alignment in (None, WD_ALIGN_PARAGRAPH.JUSTIFY)
        assert p.paragraph_format.first_line_indent is None  # inherits the style's indent


def test_bien_ban_page_numbers_from_page_two(bien_ban) -> None:
    section = bien_ban.sections[0]
    assert section.different_first_page_header_footer
    header = section.header
    assert not header.is_linked_to_previous
    instructions = [t.text for t in header._element.iter(qn("w:instrText"))]
    assert any(i.strip() == "PAGE" for i in instructions)
    assert header.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER
    first = section.first_page_header
    assert not first.is_linked_to_previous
    assert not list(first._element.iter(qn("w:instrText")))  # no number on page 1


def test_bien_ban_items_carry_their_time_ranges(bien_ban) -> None:
    texts = paragraph_texts(bien_ban)
    text = "\n".join(texts)
    for name in VI_ATTENDEES:
        assert name in text
    for decision, spans in VI_DECISIONS:
        assert f"{decision} {spans}" in texts
    assert "Tỉnh đã đạt 85% chỉ tiêu dịch vụ công trực tuyến toàn trình. [00:15–00:42]" in texts
    assert any(t.endswith("Cổng dịch vụ công quốc gia. [01:05–02:10] [02:20–02:51]") for t in texts)
    assert "2. Tiến độ triển khai dịch vụ công trực tuyến [01:00–15:00]" in texts
    assert "3. Bảo đảm an toàn thông tin [15:00–1:01:40]" in texts

    tables = [t for t in bien_ban.tables if t.rows[0].cells[0].text == "Nhiệm vụ"]
    assert len(tables) == 2  # one per topic with action items
    assert cell_texts(tables[0])[0] == ["Nhiệm vụ", "Người thực hiện", "Thời hạn", "Thời điểm ghi âm"]
    rows = [row for table in tables for row in cell_texts(table)[1:]]
    expected = [[task, owner or BLANK, due or BLANK, spans] for task, owner, due, spans in VI_ACTIONS]
    assert rows == expected
    # Vietnamese labels for the body's sub-sections.
    assert "Quyết định/Kết luận" in texts and "Nhiệm vụ" in texts


def test_bien_ban_signatures_and_no_leftover_placeholders(bien_ban) -> None:
    signatures = bien_ban.tables[-1]
    left, right = ([p.text for p in cell.paragraphs if p.text] for cell in signatures.rows[0].cells)
    # signed with the name alone: no "Ông"/"Bà" (Decree 30/2020, appendix I)
    assert left[:2] == ["THƯ KÝ", "Trần Thị Bình"] and left[2] == "Nơi nhận:"
    assert right == ["CHỦ TỌA", "Nguyễn Văn An"]
    # one row that cannot split across pages: signatures and "Nơi nhận" always share a page
    assert len(signatures.rows) == 1 and signatures.rows[0]._tr.trPr.find(qn("w:cantSplit")) is not None
    # room to sign between the title and the name, and both in bold 13 pt
    cell = signatures.rows[0].cells[1]
    assert sum(1 for p in cell.paragraphs if not p.text) >= 3
    assert all(p.runs[0].bold and p.runs[0].font.size == Pt(13) for p in cell.paragraphs if p.text)
    text = full_text(bien_ban)
    assert "{{" not in text and "}}" not in text


def test_all_text_is_nfc(bien_ban) -> None:
    for text in paragraph_texts(bien_ban):
        assert text == nfc(text)
    assert bien_ban.core_properties.title == "Họp giao ban công tác chuyển đổi số quý I năm 2026"


def test_blank_meeting_fields_render_as_dotted_blanks(tmp_path: Path) -> None:
    minutes = Minutes(meeting=MeetingInfo(), language="vi")
    document = docx.Document(str(render_docx(minutes, "bien-ban", tmp_path / "blank.docx")))
    text = full_text(document)
    assert "{{" not in text
    assert cell_texts(document.tables[0])[1][0] == f"Số: {BLANK}/BB-{BLANK}"
    assert f"Thời gian bắt đầu: {BLANK} giờ {BLANK}, ngày {BLANK} tháng {BLANK} năm {BLANK}." in text
    assert f"Địa điểm: {BLANK}." in text
    assert f"Thành phần tham dự: {BLANK}." in text
    assert f"- {BLANK};" in text  # one recipient line to fill by hand
    assert LABELS["vi"]["no_content"] in text


def test_unparsed_date_and_time_are_kept_as_written(tmp_path: Path) -> None:
    info = MeetingInfo(date="sáng thứ Hai", start_time="đầu giờ sáng")
    document = build_docx(Minutes(meeting=info, language="vi"), "bien-ban")
    assert "Thời gian bắt đầu: đầu giờ sáng, sáng thứ Hai." in full_text(document)


# -- general template ----------------------------------------------------------------------------------------------


def test_general_template_in_english(tmp_path: Path, en_minutes: Minutes) -> None:
    document = docx.Document(str(render_docx(en_minutes, "general", tmp_path / "general.docx")))
    texts = paragraph_texts(document)
    assert texts[:2] == ["Meeting minutes", "Weekly engineering sync"]
    meta = dict(cell_texts(document.tables[0]))
    assert meta == {
        "Date": "2026-03-05",
        "Time": "10:00 – 10:45",
        "Place": "Room 4B",
        "Chair": "Alice Nguyen",
        "Secretary": "Bob Tran",
        "Attendees": "Alice Nguyen; Bob Tran; Carol Le",
        "Absent": "Dan Pham",
    }
    for line in (
        "1. Summary",
        "The offline mode ships before the October conference. [00:12–00:48]",
        "2. Release plan [00:55–06:40]",
        "Decisions",
        "Release candidate on 20 March. [01:40–01:58]",
        "3. Action items",
    ):
        assert line in texts
    actions = [cell_texts(t) for t in document.tables if t.rows[0].cells[0].text == "Task"]
    assert actions[0][0] == ["Task", "Owner", "Due", "Time"]
    assert actions[0][1:] == [["Fix installer signing", "Carol Le", "next Friday", "[02:00–02:11]"]]
    assert actions[1][1] == ["Book the demo room", BLANK, BLANK, "[40:00–40:10]"]
    assert "{{" not in full_text(document)
    section = document.sections[0]
    assert abs(section.page_width.mm - 210) <= 0.5 and abs(section.page_height.mm - 297) <= 0.5
    assert document.styles["Normal"].font.size == Pt(11)


def test_general_template_follows_vietnamese_minutes(tmp_path: Path, vi_minutes: Minutes) -> None:
    document = build_docx(vi_minutes, "general")
    texts = paragraph_texts(document)
    assert texts[0] == "Biên bản cuộc họp"
    assert [row[0] for row in cell_texts(document.tables[0])][:3] == ["Ngày", "Thời gian", "Địa điểm"]
    assert "1. Tóm tắt nội dung" in texts
    assert "{{" not in full_text(document)


def test_transcript_appendix(tmp_path: Path, vi_minutes: Minutes, transcript: Transcript) -> None:
    document = docx.Document(str(render_docx(vi_minutes, "bien-ban", tmp_path / "t.docx", transcript=transcript)))
    texts = [p.text for p in document.paragraphs]
    heading = texts.index("Phụ lục: Bản ghi lời cuộc họp")
    body = document.element.body
    # an appendix, after the minutes themselves (the signature table holds "Nơi nhận")
    assert body.index(document.paragraphs[heading]._p) > body.index(document.tables[-1]._tbl)
    assert document.paragraphs[heading].paragraph_format.page_break_before
    assert texts[heading + 1 :] == [
        "[00:00] Chủ tọa: Xin chào các đồng chí, chúng ta bắt đầu.",
        "[00:04] SPEAKER_01: Tôi xin báo cáo tiến độ.",
        "[1:02:05] Cảm ơn các đồng chí.",
    ]


# -- user templates ------------------------------------------------------------------------------------------------


def user_template(path: Path, *, content: bool = True) -> Path:
    """A template as a user would make it in Word: placeholders split across differently formatted runs."""
    document = docx.Document()
    title = document.add_paragraph()
    bold = title.add_run("Minutes of {{ti")
    bold.bold = True
    title.add_run("tle}} ({{date}})")
    document.add_paragraph("Chaired by {{chair}}.")
    if content:
        document.add_paragraph("{{content}}")
    document.add_paragraph("End of minutes.")
    document.save(str(path))
    return path


def test_user_template_is_filled(tmp_path: Path, en_minutes: Minutes) -> None:
    template = user_template(tmp_path / "mine.docx")
    document = docx.Document(str(render_docx(en_minutes, template, tmp_path / "out.docx")))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "Minutes of Weekly engineering sync (2026-03-05)"
    # The value takes the formatting of the run where its placeholder began; the rest of the paragraph keeps its own.
    assert document.paragraphs[0].runs[0].bold and document.paragraphs[0].runs[0].text.endswith("sync")
    assert not document.paragraphs[0].runs[1].bold
    assert texts[1] == "Chaired by Alice Nguyen."
    assert "1. Summary" in texts and texts[-1] == "End of minutes."
    assert texts.index("1. Summary") < texts.index("End of minutes.")
    assert "{{" not in full_text(document)


def test_user_template_content_inside_a_table_cell(tmp_path: Path, en_minutes: Minutes) -> None:
    source = docx.Document()
    source.add_table(rows=1, cols=1).cell(0, 0).paragraphs[0].add_run("Body: {{content}}")
    source.save(str(tmp_path / "cell.docx"))
    document = docx.Document(str(render_docx(en_minutes, tmp_path / "cell.docx", tmp_path / "out.docx")))
    cell = document.tables[0].cell(0, 0)
    texts = [p.text for p in cell.paragraphs]
    assert texts[0] == "Body: " and "1. Summary" in texts
    assert cell._tc[-1].tag == qn("w:p")  # a cell must still end with a paragraph


def test_user_template_without_content_fails_in_one_line(tmp_path: Path, en_minutes: Minutes) -> None:
    template = user_template(tmp_path / "no-content.docx", content=False)
    with pytest.raises(UsageError) as error:
        render_docx(en_minutes, template, tmp_path / "out.docx")
    assert str(error.value) == f"template no-content.docx {CONTENT_ERROR}"
    assert not (tmp_path / "out.docx").exists()


def test_word_template_dotx_is_accepted(tmp_path: Path, en_minutes: Minutes) -> None:
    docx_path = user_template(tmp_path / "mine.docx")
    dotx = tmp_path / "mine.dotx"
    with zipfile.ZipFile(docx_path) as src, zipfile.ZipFile(dotx, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"document.main+xml", b"template.main+xml")
            dst.writestr(item, data)
    document = build_docx(en_minutes, dotx)
    assert document.paragraphs[0].text.startswith("Minutes of Weekly")


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("fancy", "unknown template 'fancy'; choose general, bien-ban, thong-bao, or a path to a .docx file"),
        (
            "missing.docx",
            "template missing.docx does not exist; choose general, bien-ban, thong-bao, or a path to a .docx file",
        ),
    ],
)
def test_unknown_template_names_the_choices(tmp_path: Path, en_minutes: Minutes, template: str, message: str) -> None:
    with pytest.raises(UsageError) as error:
        render_docx(en_minutes, template, tmp_path / "out.docx")
    assert str(error.value) == message


def test_not_a_docx_fails_in_one_line(tmp_path: Path, en_minutes: Minutes) -> None:
    for name, data in [("text.docx", b"this is not a zip\n\n"), ("empty.docx", b"")]:
        bad = tmp_path / name
        bad.write_bytes(data)
        with pytest.raises(UsageError) as error:
            render_docx(en_minutes, bad, tmp_path / "out.docx")
        message = str(error.value)
        assert message.startswith(f"template {bad} is not a valid .docx file") and "\n" not in message


def test_unknown_placeholder_is_named(tmp_path: Path, en_minutes: Minutes) -> None:
    source = docx.Document()
    source.add_paragraph("{{titel}}")
    source.add_paragraph("{{content}}")
    source.save(str(tmp_path / "typo.docx"))
    with pytest.raises(UsageError, match=r"unknown placeholder \{\{titel\}\}; use one of .*\{\{title\}\}"):
        build_docx(en_minutes, tmp_path / "typo.docx")


def test_placeholder_text_in_the_minutes_is_left_alone(en_minutes: Minutes) -> None:
    en_minutes.summary[0].text = "Literal {{content}} and {{title}} in what was said."
    texts = paragraph_texts(build_docx(en_minutes, "general"))
    assert "Literal {{content}} and {{title}} in what was said. [00:12–00:48]" in texts


def test_unwritable_output_is_an_output_error(tmp_path: Path, en_minutes: Minutes) -> None:
    with pytest.raises(OutputError, match="does not exist"):
        render_docx(en_minutes, "general", tmp_path / "no-such-folder" / "out.docx")


def test_write_minutes_docx(tmp_path: Path, en_minutes: Minutes) -> None:
    path = write_minutes(en_minutes, "docx", tmp_path / "m.docx", template="bien-ban")
    texts = paragraph_texts(docx.Document(str(path)))
    assert "BIÊN BẢN" in texts
    assert "1. Tóm tắt nội dung" in texts  # bien-ban fixes its language: Vietnamese labels for English minutes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/03/2026", (5, 3, 2026)),
        ("5-3-2026", (5, 3, 2026)),
        ("2026-03-05", (5, 3, 2026)),
        ("ngày 5 tháng 3 năm 2026", (5, 3, 2026)),
        ("31/02/2026", None),
        ("next Friday", None),
        ("", None),
    ],
)
def test_parse_date(text: str, expected) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("8:00", (8, 0)), ("14h30", (14, 30)), ("14 giờ 30", (14, 30)), ("2:30 pm", (14, 30)), ("25:00", None)],
)
def test_parse_clock(text: str, expected) -> None:
    assert parse_clock(text) == expected


# -- LibreOffice ---------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_bien_ban_converts_to_pdf_with_libreoffice(bien_ban, tmp_path: Path) -> None:
    source = tmp_path / "bien-ban.docx"
    assert source.is_file()
    started = time.monotonic()
    pdf = soffice_pdf(source, tmp_path)
    elapsed = time.monotonic() - started
    assert pdf.is_file() and pdf.stat().st_size > 1024
    assert pdf.read_bytes().startswith(b"%PDF")
    print(f"soffice converted the biên bản in {elapsed:.1f} s")
