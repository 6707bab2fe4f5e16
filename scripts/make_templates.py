"""Generate the built-in Word templates: templates/general.docx, templates/bien-ban.docx and templates/thong-bao.docx.

Run once after changing a template's design, and commit the .docx files it writes (the exporter only reads them):

    .venv/bin/python scripts/make_templates.py

`bien-ban.docx` follows Decree 30/2020/NĐ-CP, appendix III form 1.9 ("biên bản") with the appendix I presentation
rules: A4, margins 20/20/30/15 mm, Times New Roman 13-14 pt, national motto block, "Nơi nhận" block, page numbers
in the header from page 2; `thong-bao.docx` is the conclusion notice in form 1.4 (a document with a type name) on the
same page and header. The output is byte-for-byte reproducible (fixed zip times and document dates).
"""

from __future__ import annotations

import io
import sys
import unicodedata
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import docx
from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.table import _Cell
from docx.text.paragraph import Paragraph

OUT = Path(__file__).resolve().parents[1] / "templates"
FIXED_TIME = datetime(2026, 1, 1, tzinfo=UTC)
BLACK = RGBColor(0, 0, 0)
THEME_FONT_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")

# What may follow an element we add by hand, per the schema's sequences: Word refuses out-of-order children.
AFTER_SZCS = ("w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em")
AFTER_SZCS += ("w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath")
AFTER_PBDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct")
AFTER_PBDR += ("w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid")
AFTER_PBDR += ("w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc")
AFTER_PBDR += ("w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle")
AFTER_PBDR += ("w:rPr", "w:sectPr", "w:pPrChange")
AFTER_TBLBORDERS = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription")
AFTER_CANTSPLIT = ("w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden", "w:ins", "w:del")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# -- low-level helpers -----------------------------------------------------------------------------------------


def set_fonts(rpr, name: str, size: float | None = None) -> None:
    """All four font slots, theme fonts removed: Word picks eastAsia/cs for some Vietnamese letters otherwise."""
    fonts = rpr.get_or_add_rFonts()
    for attr in THEME_FONT_ATTRS:
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)
    if size is not None:
        rpr.get_or_add_sz().set(qn("w:val"), str(int(size * 2)))
        complex_size = rpr.find(qn("w:szCs"))
        if complex_size is None:
            complex_size = OxmlElement("w:szCs")
            rpr.insert_element_before(complex_size, *AFTER_SZCS)
        complex_size.set(qn("w:val"), str(int(size * 2)))


def set_language(document: Document, lang: str) -> None:
    rpr = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    el = rpr.find(qn("w:lang"))
    for attr in ("w:val", "w:eastAsia", "w:bidi"):
        el.set(qn(attr), lang)


def base_document(font: str, size: float, margins_mm: tuple[float, float, float, float]) -> Document:
    """An empty A4 document with `font` everywhere (defaults, Normal, headings) and no theme fonts left."""
    document = docx.Document()
    defaults = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    set_fonts(defaults, font, size)
    # The stock table styles (Light Shading...) are unused and carry theme fonts: keep only the plain grid.
    for style in list(document.styles):
        if style.type == WD_STYLE_TYPE.TABLE and style.name not in ("Normal Table", "Table Grid"):
            style.delete()
    for fonts in list(document.styles.element.iter(qn("w:rFonts"))):
        set_fonts(fonts.getparent(), font)
    set_fonts(document.styles["Normal"].element.get_or_add_rPr(), font, size)
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    top, bottom, left, right = margins_mm
    section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
    section.left_margin, section.right_margin = Mm(left), Mm(right)
    section.header_distance = section.footer_distance = Mm(10)
    # python-docx's stock thumbnail (a picture of some other page) and the Word 2010 stylesWithEffects copy
    # (stale theme fonts) would only mislead: a package drops a part once nothing relates to it.
    for rels, reltype in ((document.part.package.rels, "/thumbnail"), (document.part.rels, "/stylesWithEffects")):
        for rid in [rid for rid, rel in rels.items() if rel.reltype.endswith(reltype)]:
            rels.pop(rid)
    props = document.core_properties
    props.author = "minutes"
    props.last_modified_by = "minutes"
    props.created = props.modified = FIXED_TIME
    props.revision = 1
    props.comments = "Generated by scripts/make_templates.py; placeholders are listed in templates/README.md"
    return document


def style_paragraph(style, *, size=None, bold=None, italic=None, color=BLACK, **fmt) -> None:
    font = style.font
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if italic is not None:
        font.italic = italic
    if color is not None:
        font.color.rgb = color
        # A theme colour would override the plain one in Word.
        el = style.element.rPr.find(qn("w:color"))
        for attr in ("w:themeColor", "w:themeShade", "w:themeTint"):
            el.attrib.pop(qn(attr), None)
    for key, val in fmt.items():
        setattr(style.paragraph_format, key, val)


def add_style(document: Document, name: str, kind: WD_STYLE_TYPE, base: str | None = None):
    style = document.styles.add_style(name, kind)
    if base:
        style.base_style = document.styles[base]
    style.quick_style = True
    return style


def para(
    container,
    text: str = "",
    *,
    size: float | None = None,
    bold: bool = False,
    italic: bool = False,
    caps: bool = False,
    align=WD_ALIGN_PARAGRAPH.CENTER,
    indent: bool = False,
    before: float = 0,
    after: float = 0,
    style: str | None = None,
) -> Paragraph:
    """A paragraph with direct formatting: the fixed parts of a form look the same whatever the Normal style says."""
    if isinstance(container, _Cell) and len(container.paragraphs) == 1 and not container.paragraphs[0].text:
        p = container.paragraphs[0]
        if style:
            p.style = style
    else:
        p = container.add_paragraph(style=style)
    fmt = p.paragraph_format
    fmt.alignment = align
    if not indent:
        fmt.first_line_indent = 0
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    if text:
        run = p.add_run(nfc(text))
        run.bold, run.italic = bold or None, italic or None
        if caps:
            run.font.all_caps = True
        if size:
            run.font.size = Pt(size)
    return p


def rule(container, width_cm: float, cell_width_cm: float) -> Paragraph:
    """A short centred horizontal line: an empty 1 pt paragraph whose top border is drawn between its indents.

    A paragraph border travels with the text in Word and LibreOffice alike, where a drawn shape would float.
    """
    p = para(container)
    fmt = p.paragraph_format
    side = Cm(max(0.0, (cell_width_cm - width_cm) / 2))
    fmt.left_indent = fmt.right_indent = side
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(1)
    fmt.space_before = Pt(1)
    p_pr = p._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for attr, val in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "auto")):
        top.set(qn(attr), val)
    borders.append(top)
    p_pr.insert_element_before(borders, *AFTER_PBDR)
    # The paragraph mark's own size sets the empty line's height: 1 pt, so the rule sits close under the text.
    mark = OxmlElement("w:rPr")
    p_pr.insert_element_before(mark, "w:sectPr", "w:pPrChange")
    mark.get_or_add_sz().set(qn("w:val"), "2")
    return p


def borderless(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "nil")
        borders.append(edge)
    table._tbl.tblPr.insert_element_before(borders, *AFTER_TBLBORDERS)


def fixed_table(document: Document, rows: int, widths_cm: list[float], *, borders: bool = False):
    table = document.add_table(rows=rows, cols=len(widths_cm))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # a fixed layout: Word keeps the column widths below
    if borders:
        table.style = document.styles["Table Grid"]
    else:
        borderless(table)
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)
    return table


def page_field(paragraph: Paragraph) -> None:
    """A PAGE field as Word writes it (begin / instrText / separate / result / end)."""

    def run_with(child) -> None:
        run = paragraph.add_run()
        run._r.append(child)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    run_with(instr)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    paragraph.add_run("2")
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def dash_bullets(document: Document, font: str) -> None:
    """List Bullet as Vietnamese documents write it: "-" at the first-line indent, wrapped lines at the margin."""
    style = document.styles["List Bullet"]
    num_id = style.element.pPr.find(f"{qn('w:numPr')}/{qn('w:numId')}").get(qn("w:val"))
    numbering = document.part.numbering_part.element
    abstract_id = numbering.xpath(f'w:num[@w:numId="{num_id}"]/w:abstractNumId/@w:val')[0]
    level = numbering.xpath(f'w:abstractNum[@w:abstractNumId="{abstract_id}"]/w:lvl[@w:ilvl="0"]')[0]
    level.find(qn("w:lvlText")).set(qn("w:val"), "-")
    suffix = level.find(qn("w:suff"))
    if suffix is None:
        suffix = OxmlElement("w:suff")
        level.find(qn("w:lvlText")).addprevious(suffix)  # CT_Lvl order: suff comes before lvlText
    suffix.set(qn("w:val"), "space")
    tabs = level.find(f"{qn('w:pPr')}/{qn('w:tabs')}")
    if tabs is not None:
        tabs.getparent().remove(tabs)
    ind = level.find(f"{qn('w:pPr')}/{qn('w:ind')}")
    ind.attrib.pop(qn("w:hanging"), None)
    ind.set(qn("w:left"), "0")
    ind.set(qn("w:firstLine"), str(Cm(1.27).twips))
    rpr = level.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        level.append(rpr)
    set_fonts(rpr, font)
    spacing = style.element.pPr.find(qn("w:contextualSpacing"))
    if spacing is not None:
        style.element.pPr.remove(spacing)


def save(document: Document, path: Path) -> None:
    """Save with fixed zip timestamps and member order, so regenerating an unchanged template changes no bytes."""
    raw = io.BytesIO()
    document.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, src.read(item.filename))
    path.write_bytes(out.getvalue())


# -- the templates ---------------------------------------------------------------------------------------------

TNR = "Times New Roman"


def administrative(title: str) -> Document:
    """The parts every Decree 30/2020/NĐ-CP document shares (appendix I): A4, margins 20/20/30/15 mm, Times New Roman
    13 pt justified with a 1.27 cm first-line indent and 6 pt between paragraphs, dash bullets, page numbers centred
    in the header from page 2."""
    doc = base_document(TNR, 13, (20, 20, 30, 15))
    set_language(doc, "vi-VN")
    doc.core_properties.language = "vi"  # labels inside the body are Vietnamese whatever was spoken
    doc.core_properties.title = title

    normal = doc.styles["Normal"]
    style_paragraph(
        normal,
        alignment=WD_ALIGN_PARAGRAPH.JUSTIFY,
        first_line_indent=Cm(1.27),
        space_before=Pt(0),
        space_after=Pt(6),
        line_spacing=1.0,
    )
    for name in ("Header", "Footer"):
        style_paragraph(doc.styles[name], first_line_indent=Cm(0), alignment=WD_ALIGN_PARAGRAPH.CENTER)
    style_paragraph(doc.styles["Heading 1"], size=13, bold=True, space_before=Pt(6), space_after=Pt(6))
    style_paragraph(doc.styles["Heading 2"], size=13, bold=True, italic=True, space_before=Pt(6), space_after=Pt(6))
    dash_bullets(doc, TNR)
    table_text = add_style(doc, "Minutes Table Text", WD_STYLE_TYPE.PARAGRAPH, "Normal")
    style_paragraph(
        table_text,
        size=12,
        alignment=WD_ALIGN_PARAGRAPH.LEFT,
        first_line_indent=Cm(0),
        space_before=Pt(2),
        space_after=Pt(2),
    )
    time = add_style(doc, "Minutes Time", WD_STYLE_TYPE.CHARACTER)
    time.font.italic = True

    # Page numbers: centred in the header, not on the first page (Decree 30/2020, appendix I).
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    section.first_page_header.is_linked_to_previous = False
    number_line = section.header.paragraphs[0]
    number_line.alignment = WD_ALIGN_PARAGRAPH.CENTER
    page_field(number_line)
    for run in number_line.runs:
        run.font.size = Pt(13)
    return doc


def agency_header(doc: Document, number: str, dated: str) -> None:
    """Agency names | national title and motto; then number | place and date."""
    # Header block: agency names | national title and motto; then number | place and date, row by row so
    # "Số:" and the date line share a baseline however long the agency name runs.
    left, right = 6.0, 10.5  # cm; 16.5 cm is the text width between 30 and 15 mm margins
    head = fixed_table(doc, 2, [left, right])
    agency, nation = head.rows[0].cells
    para(agency, "{{parent_agency}}", size=12, caps=True)
    para(agency, "{{agency}}", size=12, bold=True, caps=True)
    rule(agency, 2.0, left)
    para(nation, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=12, bold=True)
    para(nation, "Độc lập - Tự do - Hạnh phúc", size=13, bold=True)
    rule(nation, 5.9, right)
    number_cell, dated_cell = head.rows[1].cells
    para(number_cell, number, size=13, before=6)
    para(dated_cell, dated, size=13, italic=True, before=6)


def unsplit_row(doc: Document, widths_cm: list[float]):
    """A one-row borderless table whose row cannot break across pages: signatures and "Nơi nhận" stay together."""
    table = fixed_table(doc, 1, widths_cm)
    table.rows[0]._tr.get_or_add_trPr().insert_element_before(OxmlElement("w:cantSplit"), *AFTER_CANTSPLIT)
    return table


def receivers(cell, *, before: float) -> None:
    """ "Nơi nhận:" in bold italic 12 pt, one "- name;" line per recipient and "- Lưu: VT, ..." in 11 pt."""
    para(cell, "Nơi nhận:", size=12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT, before=before)
    para(cell, "{{recipients}}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    para(cell, "- Lưu: VT, .........", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)


def bien_ban() -> Document:
    """Decree 30/2020/NĐ-CP, appendix III, form 1.9: biên bản."""
    doc = administrative("Biên bản")
    agency_header(doc, "Số: {{number}}", "{{place_name}}, {{date_vi}}")

    para(doc, "BIÊN BẢN", size=14, bold=True, before=18)
    para(doc, "{{title}}", size=14, bold=True, after=12)

    for line in (
        "Thời gian bắt đầu: {{start_clock}}, {{date_vi}}.",
        "Địa điểm: {{place}}.",
        "Thành phần tham dự: {{attendees}}.",
        "Chủ trì (chủ tọa): {{chair}}.",
        "Thư ký (người ghi biên bản): {{secretary}}.",
        "Nội dung (theo diễn biến cuộc họp):",
        "{{content}}",
        "Cuộc họp kết thúc vào {{end_clock}}, {{date_vi}}./.",
    ):
        p = doc.add_paragraph(nfc(line))
        # The heading line stays with the body, the closing line with the signatures below it.
        p.paragraph_format.keep_with_next = line.startswith(("Nội dung", "Cuộc họp"))

    # Signatures (title in bold capitals, room to sign, the name in bold) and, under the secretary's, "Nơi nhận",
    # all in one row that cannot split: Word and LibreOffice move it whole to the next page rather than leave
    # "Nơi nhận" alone there. The form's "(Chữ ký)" notes say where to sign; a real biên bản leaves the room blank.
    secretary, chair = unsplit_row(doc, [8.25, 8.25]).rows[0].cells
    # Names as signed: no "Ông"/"Bà", no title after a comma (Decree 30/2020, appendix I: the name alone, bold).
    for cell, role, name in ((secretary, "THƯ KÝ", "{{secretary_name}}"), (chair, "CHỦ TỌA", "{{chair_name}}")):
        para(cell, role, size=13, bold=True, before=12)
        for _ in range(4):
            para(cell)
        para(cell, name, size=13, bold=True)
    receivers(secretary, before=18)
    return doc


def thong_bao() -> Document:
    """Decree 30/2020/NĐ-CP, appendix III, form 1.4 (a document with a type name): thông báo kết luận, the notice of
    the chair's conclusions sent to the units that must act."""
    doc = administrative("Thông báo kết luận")
    agency_header(doc, "Số: {{notice_number}}", "{{place_name}}, {{issue_date_vi}}")

    # Type name and summary line (trích yếu): bold 14 pt, centred, a short rule under them.
    para(doc, "THÔNG BÁO", size=14, bold=True, before=18)
    para(doc, "Kết luận của {{concluded_by}} tại cuộc họp {{meeting_name}}", size=14, bold=True)
    rule(doc, 6.0, 16.5)  # 1/3 to 1/2 of a full line
    para(doc, after=6)

    for line in (
        "Vào lúc {{start_clock}}, {{date_vi}}, tại {{place}}, {{concluded_by}} chủ trì cuộc họp {{meeting_name}}. "
        "Tham dự cuộc họp có: {{attendees}}.",
        "Sau khi nghe báo cáo và ý kiến phát biểu của các đại biểu dự họp, {{concluded_by}} kết luận như sau:",
        "{{conclusions}}",
        "{{agency}} thông báo để các cơ quan, đơn vị liên quan biết, thực hiện./.",
    ):
        p = doc.add_paragraph(nfc(line))
        p.paragraph_format.keep_with_next = line.startswith(("Sau khi", "{{agency}}"))

    # "Nơi nhận" on the left, the signature on the right (TL./KT. line, title, room to sign, name), in one row that
    # cannot split: they always share a page.
    receive, sign = unsplit_row(doc, [8.0, 8.5]).rows[0].cells
    receivers(receive, before=12)
    para(sign, "{{sign_as}}", size=13, bold=True, before=12)
    para(sign, "{{signer_title}}", size=13, bold=True)
    for _ in range(4):
        para(sign)
    para(sign, "{{signer}}", size=13, bold=True)
    return doc


def general() -> Document:
    """A plain A4 layout with labels that follow the minutes' language ({{label.*}})."""
    font = "Calibri"
    doc = base_document(font, 11, (20, 20, 25, 20))
    doc.core_properties.title = "Meeting minutes"
    dark = RGBColor(0x1F, 0x2A, 0x44)
    style_paragraph(doc.styles["Normal"], space_before=Pt(0), space_after=Pt(6), line_spacing=1.08)
    style_paragraph(doc.styles["Title"], size=22, bold=True, color=dark, space_after=Pt(2))
    # The default Title carries a bottom border and tight spacing; a clean title is just large text.
    title_ppr = doc.styles["Title"].element.pPr
    border = title_ppr.find(qn("w:pBdr")) if title_ppr is not None else None
    if border is not None:
        title_ppr.remove(border)
    style_paragraph(doc.styles["Subtitle"], size=14, italic=False, color=dark, space_after=Pt(12))
    style_paragraph(doc.styles["Heading 1"], size=14, bold=True, color=dark, space_before=Pt(14), space_after=Pt(4))
    style_paragraph(doc.styles["Heading 2"], size=12, bold=True, color=dark, space_before=Pt(8), space_after=Pt(2))
    table_text = add_style(doc, "Minutes Table Text", WD_STYLE_TYPE.PARAGRAPH, "Normal")
    style_paragraph(table_text, size=10, space_before=Pt(2), space_after=Pt(2), line_spacing=1.0)
    time = add_style(doc, "Minutes Time", WD_STYLE_TYPE.CHARACTER)
    time.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
    time.font.italic = True

    doc.add_paragraph("{{label.minutes}}", style="Title")
    doc.add_paragraph("{{title}}", style="Subtitle")
    meta = fixed_table(doc, 7, [4.0, 12.5], borders=True)
    rows = [
        ("{{label.date}}", "{{date}}"),
        ("{{label.time}}", "{{start_time}} – {{end_time}}"),
        ("{{label.place}}", "{{place}}"),
        ("{{label.chair}}", "{{chair}}"),
        ("{{label.secretary}}", "{{secretary}}"),
        ("{{label.attendees}}", "{{attendees}}"),
        ("{{label.absent}}", "{{absent}}"),
    ]
    for row, (label, text) in zip(meta.rows, rows, strict=True):
        for cell, text_, bold in ((row.cells[0], label, True), (row.cells[1], text, False)):
            para(cell, text_, bold=bold, align=WD_ALIGN_PARAGRAPH.LEFT, before=2, after=2, style="Minutes Table Text")
    doc.add_paragraph("{{content}}")

    sign = fixed_table(doc, 1, [8.25, 8.25])
    sign.rows[0]._tr.get_or_add_trPr().insert_element_before(OxmlElement("w:cantSplit"), *AFTER_CANTSPLIT)
    for cell, label, name in zip(
        sign.rows[0].cells, ("secretary", "chair"), ("{{secretary}}", "{{chair}}"), strict=True
    ):
        para(cell, "{{label." + label + "}}", bold=True, before=18)
        para(cell, "{{label.signature}}", italic=True)
        for _ in range(3):
            para(cell)
        para(cell, name)

    footer = doc.sections[0].footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    page_field(footer)
    for run in footer.runs:
        run.font.size = Pt(9)
    return doc


TEMPLATES = {"general": general, "bien-ban": bien_ban, "thong-bao": thong_bao}


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else OUT
    out.mkdir(parents=True, exist_ok=True)
    for name, build in TEMPLATES.items():
        path = out / f"{name}.docx"
        save(build(), path)
        print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
