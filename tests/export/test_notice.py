"""The conclusion notice (thông báo kết luận, Decree 30/2020/NĐ-CP form 1.4) read back with python-docx, its pages in
LibreOffice's PDF, and `minutes run --notice` on a real Vietnamese transcript."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import replace
from pathlib import Path

import docx
import numpy as np
import pytest
from docx.oxml.ns import qn
from docx.shared import Pt

from minutes.export.docx import render_docx
from minutes.export.minutes_text import BLANK
from minutes.export.notice import place_name
from minutes.job import RunOptions, notice_path, run_minutes
from minutes.model import MeetingInfo, Minutes, Point, Segment, Transcript, Word
from tests.conftest import soffice_pdf
from tests.export.test_docx import VI_ACTIONS, VI_ATTENDEES, VI_DECISIONS, full_text, vi_minutes  # noqa: F401

SIGNED = {
    "chair_title": "Giám đốc Sở",
    "sign_as": "KT. Giám đốc",
    "signer_title": "Phó Giám đốc",
    "signer": "Lê Văn Cường",
}


def in_order(document) -> list[str]:
    """Every non-empty paragraph of the body in reading order, table cells included (row by row, left to right)."""
    texts = []
    for child in document.element.body.iterchildren():
        for p in child.iter(qn("w:p")):
            text = "".join(t.text or "" for t in p.iter(qn("w:t")))
            if text.strip():
                texts.append(text)
    return texts


@pytest.fixture
def signed(vi_minutes: Minutes) -> Minutes:  # noqa: F811
    return replace(vi_minutes, meeting=replace(vi_minutes.meeting, **SIGNED))


@pytest.fixture
def notice(tmp_path: Path, signed: Minutes):
    return docx.Document(str(render_docx(signed, "thong-bao", tmp_path / "thong-bao.docx")))


def test_notice_holds_the_required_parts_in_order(notice) -> None:
    texts = in_order(notice)
    opening = (
        "Vào lúc 8 giờ 00, ngày 05 tháng 3 năm 2026, tại Phòng họp số 2, trụ sở Sở Thông tin và Truyền thông, "
        "Giám đốc Sở Nguyễn Văn An chủ trì cuộc họp giao ban công tác chuyển đổi số quý I năm 2026. "
        "Tham dự cuộc họp có: " + "; ".join(VI_ATTENDEES) + "."
    )
    decision, _ = VI_DECISIONS[0]
    task, owner, due, _ = VI_ACTIONS[0]
    expected = [
        "Ủy ban nhân dân tỉnh Quảng Nam",  # parent agency, then the issuing agency
        "Sở Thông tin và Truyền thông",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: ........../TB-STTTT",  # the minutes' symbol, the number left for the văn thư
        f"Quảng Nam, ngày {BLANK} tháng {BLANK} năm 2026",
        "THÔNG BÁO",
        "Kết luận của Giám đốc Sở Nguyễn Văn An tại cuộc họp giao ban công tác chuyển đổi số quý I năm 2026",
        opening,
        "Sau khi nghe báo cáo và ý kiến phát biểu của các đại biểu dự họp, Giám đốc Sở Nguyễn Văn An kết luận như sau:",
        "1. Về tiến độ triển khai dịch vụ công trực tuyến:",
        decision,
        f"{task}. Đơn vị, người thực hiện: {owner}; thời hạn: {due}.",
        "2. Về bảo đảm an toàn thông tin:",
        "3. Về các nội dung khác:",
        "Sở Thông tin và Truyền thông thông báo để các cơ quan, đơn vị liên quan biết, thực hiện./.",
        "Nơi nhận:",
        "- UBND tỉnh (để báo cáo);",
        "- Các phòng, đơn vị thuộc Sở;",
        "- Lưu: VT, .........",
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Lê Văn Cường",
    ]
    positions = [texts.index(line) for line in expected]
    assert positions == sorted(positions)
    # the notice is for the units that act: no recording time ranges, every task with its owner and deadline
    text = full_text(notice)
    assert "[" not in text and "{{" not in text
    assert f"Đơn vị, người thực hiện: {BLANK}; thời hạn: {BLANK}." in text  # left for the secretary
    assert text == unicodedata.normalize("NFC", text)


def test_notice_layout_follows_the_decree(notice) -> None:
    section = notice.sections[0]
    for actual, mm in [
        (section.page_width, 210),
        (section.page_height, 297),
        (section.top_margin, 20),
        (section.bottom_margin, 20),
        (section.left_margin, 30),
        (section.right_margin, 15),
    ]:
        assert abs(actual.mm - mm) <= 0.5
    normal = notice.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size == Pt(13)
    assert "asciiTheme" not in notice.styles.element.xml
    # every size set on a run is one the decree allows: 11 (recipients) and 12 (Nơi nhận, agency, motto line 1)
    # for the blocks around the text, 13-14 for the text, the title and the signature
    sizes = {
        r.font.size.pt
        for p in notice.element.body.iter(qn("w:p"))
        for r in docx.text.paragraph.Paragraph(p, None).runs
        if r.font.size
    }
    assert sizes <= {11, 12, 13, 14}
    title = next(p for p in notice.paragraphs if p.text == "THÔNG BÁO")
    summary = next(p for p in notice.paragraphs if p.text.startswith("Kết luận của"))
    for p in (title, summary):
        assert p.runs[0].bold and p.runs[0].font.size == Pt(14)
    # a short rule under the summary line (trích yếu)
    rule = summary._p.getnext()
    assert rule.find(f"{qn('w:pPr')}/{qn('w:pBdr')}/{qn('w:top')}") is not None
    # the place and date line in italics
    dated = notice.tables[0].rows[1].cells[1].paragraphs[0]
    assert dated.runs[0].italic
    # page numbers centred in the header from page 2
    assert section.different_first_page_header_footer
    assert any(t.text.strip() == "PAGE" for t in section.header._element.iter(qn("w:instrText")))
    assert not list(section.first_page_header._element.iter(qn("w:instrText")))
    # "Nơi nhận" and the signature share one row that cannot split
    last = notice.tables[-1]
    assert len(last.rows) == 1 and last.rows[0]._tr.trPr.find(qn("w:cantSplit")) is not None
    receive, sign = last.rows[0].cells
    heading = receive.paragraphs[0]
    assert heading.text == "Nơi nhận:" and heading.runs[0].bold and heading.runs[0].italic
    assert heading.runs[0].font.size == Pt(12)
    assert all(p.runs[0].bold for p in sign.paragraphs if p.text)


@pytest.mark.parametrize("template", ["thong-bao", "bien-ban"])
def test_every_size_is_one_the_decree_allows(tmp_path: Path, signed: Minutes, template: str) -> None:
    """Times New Roman everywhere; 13-14 pt for the text, the title and the signatures, 12 pt for the agency names,
    the first motto line and "Nơi nhận:", 11 pt for the recipients (Decree 30/2020, appendix I); page numbers 13 pt."""
    document = docx.Document(str(render_docx(signed, template, tmp_path / f"{template}.docx")))
    runs = [r for part in (document.element.body, document.sections[0].header._element) for r in part.iter(qn("w:r"))]
    sizes = {
        int(r.find(f"{qn('w:rPr')}/{qn('w:sz')}").get(qn("w:val"))) / 2
        for r in runs
        if r.find(f"{qn('w:rPr')}/{qn('w:sz')}") is not None
    }
    assert sizes <= {11, 12, 13, 14}
    styles = {name: document.styles[name].font.size.pt for name in ("Normal", "Heading 1", "Heading 2")}
    assert set(styles.values()) <= {13, 14}
    fonts = {f.get(qn("w:ascii")) for f in document.element.iter(qn("w:rFonts"))}
    fonts |= {f.get(qn("w:ascii")) for f in document.styles.element.iter(qn("w:rFonts"))}
    assert fonts <= {"Times New Roman", None}


def test_the_chair_signs_in_their_own_name_by_default(tmp_path: Path, vi_minutes: Minutes) -> None:  # noqa: F811
    document = docx.Document(str(render_docx(vi_minutes, "thong-bao", tmp_path / "n.docx")))
    sign = [p.text for p in document.tables[-1].rows[0].cells[1].paragraphs if p.text]
    assert sign == [BLANK, "Nguyễn Văn An"]  # no TL./KT. line; the title left for the secretary, no "Ông"


def test_blank_notice_still_has_every_part(tmp_path: Path) -> None:
    document = docx.Document(str(render_docx(Minutes(MeetingInfo(), "vi"), "thong-bao", tmp_path / "b.docx")))
    text = full_text(document)
    assert "{{" not in text and "THÔNG BÁO" in text and "Nơi nhận:" in text
    assert f"Số: {BLANK}/TB-{BLANK}" in text and f"{BLANK}, ngày {BLANK} tháng {BLANK} năm {BLANK}" in text


def test_a_user_template_with_conclusions(tmp_path: Path, signed: Minutes) -> None:
    template = docx.Document()
    template.add_paragraph("{{place_name}}, {{date_vi}} - {{sign_as}} {{signer}}")
    template.add_paragraph("{{conclusions}}")
    template.save(str(tmp_path / "mine.docx"))
    document = docx.Document(str(render_docx(signed, tmp_path / "mine.docx", tmp_path / "out.docx")))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "Quảng Nam, ngày 05 tháng 3 năm 2026 - KT. GIÁM ĐỐC Lê Văn Cường"
    assert "1. Về tiến độ triển khai dịch vụ công trực tuyến:" in texts


def test_numbers_below_ten_take_a_leading_zero(tmp_path: Path) -> None:
    info = MeetingInfo(number="Số: 5/BB-UBND", notice_number="7/TB-UBND")
    document = docx.Document(str(render_docx(Minutes(info, "vi"), "thong-bao", tmp_path / "z.docx")))
    assert "Số: 07/TB-UBND" in full_text(document)
    document = docx.Document(str(render_docx(Minutes(info, "vi"), "bien-ban", tmp_path / "y.docx")))
    assert "Số: 05/BB-UBND" in full_text(document)


@pytest.mark.parametrize(
    ("agency", "parent", "given", "expected"),
    [
        ("UBND tỉnh Lâm Đồng", "", "", "Lâm Đồng"),
        ("Ủy ban nhân dân huyện Đức Trọng", "UBND tỉnh Lâm Đồng", "", "Đức Trọng"),
        ("Sở Tài chính", "Ủy ban nhân dân tỉnh Quảng Nam", "", "Quảng Nam"),
        ("UBND xã Kim Sơn, huyện Kim Sơn", "", "", "Kim Sơn"),
        ("UBND Phường 5", "UBND quận 3", "", "Phường 5"),
        ("UBND thành phố Hồ Chí Minh", "", "", "Thành phố Hồ Chí Minh"),
        ("Planning Office", "Provincial People's Committee", "", ""),
        ("Sở Tài chính", "UBND tỉnh Quảng Nam", "Tam Kỳ", "Tam Kỳ"),
    ],
)
def test_place_name(agency: str, parent: str, given: str, expected: str) -> None:
    assert place_name(MeetingInfo(agency=agency, parent_agency=parent, place_name=given)) == expected


# -- pages: LibreOffice ---------------------------------------------------------------------------------------------


def pdf_pages(path: Path, out: Path) -> list[str]:
    from pypdf import PdfReader

    pdf = soffice_pdf(path, out)
    return [page.extract_text() or "" for page in PdfReader(pdf).pages]


def longer(minutes: Minutes, n: int) -> Minutes:
    """The minutes with n more decisions: the signature block lands at a different height of a page each time."""
    extra = [
        Point(f"Thống nhất nội dung số {i}: các đơn vị rà soát, báo cáo kết quả thực hiện về Văn phòng.", [])
        for i in range(1, n + 1)
    ]
    return replace(minutes, decisions=minutes.decisions + extra)


@pytest.mark.slow
@pytest.mark.parametrize("template", ["thong-bao", "bien-ban"])
def test_signatures_and_recipients_share_the_last_page(tmp_path: Path, signed: Minutes, template: str) -> None:
    """Each length puts the end of the text at another height; whatever the height, the signature block, "Nơi nhận"
    and the closing line of the text are on the same (last) page, and the first page carries no page number."""
    signer = "Lê Văn Cường" if template == "thong-bao" else "Nguyễn Văn An"
    pages_seen = set()
    for n in (8, 20, 32):
        source = render_docx(longer(signed, n), template, tmp_path / f"{template}-{n}.docx")
        pages = pdf_pages(source, tmp_path)
        pages_seen.add(len(pages))
        last = pages[-1]
        assert "Nơi nhận:" in last and signer in last and "- Lưu: VT" in last, (n, len(pages))
        assert all("Nơi nhận:" not in page for page in pages[:-1])
        closing = "thực hiện./." if template == "thong-bao" else "Cuộc họp kết thúc vào"
        assert closing in last  # the end of the text stays with the signatures
        if template == "thong-bao":
            assert "KT. GIÁM ĐỐC" in last and "PHÓ GIÁM ĐỐC" in last
        assert pages[0].lstrip().startswith(("Ủy ban", "ỦY BAN", "Ủy Ban"))  # no number above page 1
        for number, page in enumerate(pages[1:], 2):
            assert page.lstrip().startswith(str(number))  # centred in the header from page 2
    assert max(pages_seen) >= 2


# -- real data: `minutes run --notice` on a Vietnamese transcript -------------------------------------------------


def vietnamese_transcript(data: Path, item: str, source: str) -> Transcript:
    """A dev transcript of ../shared/data/minutes (lower-case ASR-style Vietnamese) in 25-word segments, with
    synthetic word times (0.35 s a word)."""
    turns = json.loads((data / "minutes" / "data" / f"{item}.transcript.json").read_text(encoding="utf-8"))
    words = " ".join(t["text"] for t in turns).split()
    segments = []
    for first in range(0, len(words), 25):
        chunk = words[first : first + 25]
        timed = [Word(f" {w}", (first + k) * 0.35, (first + k + 1) * 0.35 - 0.05) for k, w in enumerate(chunk)]
        segments.append(Segment(timed[0].start, timed[-1].end, " ".join(chunk), timed, "SPEAKER_1"))
    return Transcript(language="vi", duration=len(words) * 0.35, segments=segments, source=source)


@pytest.mark.slow
def test_run_notice_from_a_vietnamese_transcript(data: Path, tmp_path: Path) -> None:
    """The job on a saved Vietnamese transcript (reused, so no ASR): minutes and notice from the same drafted
    Minutes, numbers in written form in the minutes and the shown transcript, the transcript JSON as heard."""
    from tests.test_cli import write_wav

    recording = write_wav(tmp_path / "hop.wav", np.zeros(16000, dtype=np.float32))
    transcript = vietnamese_transcript(data, "vi_vietmedsum_dev_00", recording.name)
    saved = tmp_path / "hop.transcript.json"
    saved.write_text(transcript.to_json(), encoding="utf-8")
    meeting = MeetingInfo(
        title="Họp chuyên môn về điều trị xơ vữa động mạch",
        agency="Bệnh viện Đa khoa tỉnh",
        parent_agency="Sở Y tế tỉnh Lâm Đồng",
        date="2026-11-25",
        start_time="14:00",
        end_time="15:30",
        place="Hội trường A",
        chair="Ông Nguyễn Văn An",
        chair_title="Giám đốc Bệnh viện",
        secretary="Bà Trần Thị Bình",
        attendees=["Ông Nguyễn Văn An", "Bà Trần Thị Bình", "Các bác sĩ khoa Tim mạch"],
        sign_as="TL. Giám đốc",
        signer_title="Trưởng phòng Kế hoạch tổng hợp",
        signer="Lê Thị Hoa",
        recipients=["Các khoa, phòng"],
    )

    def no_asr(path: Path, hook: object) -> Transcript:
        raise AssertionError("the saved transcript must be reused")

    out = tmp_path / "hop.minutes.docx"
    options = RunOptions(template="bien-ban", notice=True, search_index=False)
    result = run_minutes(recording, out, meeting, options, no_asr)
    assert result.reused_transcript
    notice_file = notice_path(out)
    assert notice_file == tmp_path / "hop.thong-bao.docx" and notice_file in result.outputs
    assert saved.read_text(encoding="utf-8") == transcript.to_json()  # the JSON stays what the model heard

    document = docx.Document(str(notice_file))
    texts = in_order(document)
    assert texts.index("THÔNG BÁO") < texts.index(
        "Kết luận của Giám đốc Bệnh viện Nguyễn Văn An tại cuộc họp chuyên môn về điều trị xơ vữa động mạch"
    )
    assert "Lâm Đồng, ngày .......... tháng .......... năm 2026" in texts
    opening = next(t for t in texts if t.startswith("Vào lúc 14 giờ 00, ngày 25 tháng 11 năm 2026, tại Hội trường A"))
    assert "Tham dự cuộc họp có: Ông Nguyễn Văn An; Bà Trần Thị Bình; Các bác sĩ khoa Tim mạch." in opening
    assert texts[-4:] == ["- Lưu: VT, .........", "TL. GIÁM ĐỐC", "TRƯỞNG PHÒNG KẾ HOẠCH TỔNG HỢP", "Lê Thị Hoa"]
    # the conclusions are the drafted minutes' own points, normalised as in the minutes JSON
    minutes = Minutes.from_json(out.with_suffix(".json").read_text(encoding="utf-8"))
    drafted = [p.text for p in minutes.decisions + minutes.summary + [q for t in minutes.topics for q in t.summary]]
    drafted += [p.text for t in minutes.topics for p in t.decisions]
    body = texts[texts.index(next(t for t in texts if t.endswith("kết luận như sau:"))) + 1 :]
    assert any(d.rstrip(".") in " ".join(body) for d in drafted if d)
    shown = (tmp_path / "hop.transcript.md").read_text(encoding="utf-8")
    assert "từ 3 đến 6 tháng" in shown and "từ ba đến sáu tháng" in saved.read_text(encoding="utf-8")
    # as LibreOffice lays it out: the signature and "Nơi nhận" on the last page, with the closing line
    last = " ".join(pdf_pages(notice_file, tmp_path)[-1].split())
    assert all(part in last for part in ("Nơi nhận:", "TL. GIÁM ĐỐC", "Lê Thị Hoa", "thực hiện./.")), last
    # the summary stands in for conclusions here (no decision was drafted), each point once
    items = [t for t in body if t.endswith(".") and "thông báo để" not in t]
    assert items and len(items) == len(set(items))


@pytest.mark.slow
def test_cli_run_notice_and_template_thong_bao(data: Path, tmp_path: Path) -> None:
    """`minutes run --notice` and `--template thong-bao` from the command line (the saved transcript is reused, so no
    ASR runs); a meta file with the signature fields; `--no-normalize` keeps the words as drafted."""
    import yaml

    from tests.test_cli import run, write_wav

    recording = write_wav(tmp_path / "hop.wav", np.zeros(16000, dtype=np.float32))
    transcript = vietnamese_transcript(data, "vi_vietmedsum_dev_00", recording.name)
    (tmp_path / "hop.transcript.json").write_text(transcript.to_json(), encoding="utf-8")
    meta = tmp_path / "hop.yaml"
    fields = {"title": "Họp chuyên môn", "agency": "UBND huyện Đức Trọng", "chair": "Bà Phạm Thị Dung", **SIGNED}
    meta.write_text(yaml.safe_dump({**fields, "date": "2026-11-25"}, allow_unicode=True), encoding="utf-8")
    common = ("--meta", meta, "--drafter", "extractive", "--no-index")
    proc = run("run", recording, "-o", tmp_path / "hop.minutes.docx", "--notice", *common)
    assert proc.returncode == 0, proc.stderr
    assert "transcript reused" in proc.stderr and "hop.thong-bao.docx" in proc.stderr
    notice = docx.Document(str(tmp_path / "hop.thong-bao.docx"))
    texts = in_order(notice)
    assert f"Đức Trọng, ngày {BLANK} tháng {BLANK} năm 2026" in texts
    assert "Kết luận của Giám đốc Sở Phạm Thị Dung tại cuộc họp chuyên môn" in texts
    assert texts[-3:] == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Lê Văn Cường"]
    minutes = docx.Document(str(tmp_path / "hop.minutes.docx"))
    assert "BIÊN BẢN" in full_text(minutes)  # the minutes themselves, beside the notice

    proc = run("run", recording, "-o", tmp_path / "only.docx", "--template", "thong-bao", "--no-normalize", *common)
    assert proc.returncode == 0, proc.stderr
    only = docx.Document(str(tmp_path / "only.docx"))
    assert "THÔNG BÁO" in full_text(only) and "BIÊN BẢN" not in full_text(only)
    shown = (tmp_path / "hop.transcript.md").read_text(encoding="utf-8")
    assert "từ ba đến sáu tháng" in shown  # not normalised this time
