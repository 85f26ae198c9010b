"""The published document as a Word file (``.docx``), written with python-docx.

Agencies and portals work in Word, so a publication carries the report as ``.docx`` too, in
the layout of the official format: the title, the opening sentence, the six parts with
their texts, tables 二/三/四 and the fee table of part 六 with the merged header and label
cells of the format, and the signature.

Nothing about rows, columns or spans is decided here: the content and the grids come from
``reports.rendering.documents.document_layout`` (itself built from ``reports/standard.py``), the one
layout the HTML and the PDF are drawn from. Each ``LayoutCell`` becomes one Word cell whose
``w:gridSpan`` is its column span and whose ``w:vMerge`` (restart, then continue in the rows
below) is its row span.

Fonts, as in the print of official documents (GB/T 9704): the body in 仿宋_GB2312, the part
headings in 黑体, the title in 方正小标宋简体. Word picks the font of Chinese characters from
``w:eastAsia`` (and of digits and Latin letters from ``w:ascii``/``w:hAnsi``), so every run
style names the font in all four slots, with no theme font that would override it. A reader
without the font gets the fallback named in the document's font table (``w:altName``):
仿宋_GB2312 → 仿宋, 方正小标宋简体 → 宋体, and each of those to its Windows name.

Pure: a ``ReportDocument`` in, bytes out; no database. The same document gives the same bytes
(the zip entries carry a fixed time, the properties the document's date), so the publication's
checksum can be reproduced offline with ``export_report FILE --format docx``.

Text goes in as text: python-docx escapes it, and nothing here writes a field, a hyperlink
or any other instruction, so ``=HYPERLINK(…)`` or ``<script>`` in a report prints as typed.
Characters XML cannot hold (C0 controls) are dropped.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph

from .documents import DocumentLayout, LayoutCell, LayoutTable, document_layout

# ── Page and type (GB/T 9704: A4, 三号 仿宋 body, 22 lines a page) ───────────────────────

PAGE_WIDTH = Cm(21)
PAGE_HEIGHT = Cm(29.7)
MARGIN_TOP, MARGIN_BOTTOM = Cm(3.7), Cm(3.5)
MARGIN_LEFT, MARGIN_RIGHT = Cm(2.8), Cm(2.6)
TEXT_WIDTH_TWIPS = round((21 - 2.8 - 2.6) / 2.54 * 1440)

TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(16)  # 三号
TABLE_SIZE = Pt(9)  # 小五: table 四 has 15 columns
LINE_SPACING = Pt(28)  # exact; 22 lines on the page

#: (font, fallback) pairs: the fallback goes to the font table as ``w:altName``.
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
TITLE_FONT = "方正小标宋简体"
FALLBACKS = {
    "仿宋_GB2312": "仿宋",
    "仿宋": "FangSong",
    "黑体": "SimHei",
    "方正小标宋简体": "宋体",
    "宋体": "SimSun",
}
#: Family and PANOSE of the fonts above, so that Word's substitution picks a like face.
_FONT_FACTS = {
    "仿宋_GB2312": "02010609030101010101",
    "仿宋": "02010609060101010101",
    "黑体": "02010609060101010101",
    "方正小标宋简体": "02000000000000000000",
    "宋体": "02010600030101010101",
}

OUTER_LABEL_CHARS = 4  # width of a label column that is not the innermost one, in characters
VALUE_COLUMN_MAX_TWIPS = round(1.9 / 2.54 * 1440)
LABELS_SHARE = 0.5  # at least this part of the width goes to the row labels
CELL_MARGIN_TWIPS = 57  # 0.1 cm each side

#: Characters XML 1.0 cannot hold; a text of the report is not refused for them here.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

#: The zip entries' time: fixed, so the same document gives the same file.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


# ── Fonts ───────────────────────────────────────────────────────────────────────────────


def _set_fonts(rpr, name: str) -> None:
    """Name ``name`` for every script of a run (properties ``rpr``) and drop theme fonts,
    which Word would otherwise prefer to the names."""
    for old in rpr.findall(qn("w:rFonts")):
        rpr.remove(old)
    fonts = OxmlElement("w:rFonts")
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), name)
    fonts.set(qn("w:hint"), "eastAsia")
    rpr.insert(0, fonts)


def _style_run(style, font: str, size: Pt, *, bold: bool = False) -> None:
    style.font.size = size
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = None
    rpr = style.element.get_or_add_rPr()
    _set_fonts(rpr, font)
    for color in rpr.findall(qn("w:color")):
        rpr.remove(color)
    for tag in ("w:lang",):
        for old in rpr.findall(qn(tag)):
            rpr.remove(old)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    rpr.append(lang)


def _font_table(document) -> None:
    """Add the fonts used, with their fallbacks, to ``word/fontTable.xml``."""
    part = next(p for p in document.part.package.iter_parts() if p.partname == "/word/fontTable.xml")
    fonts = parse_xml(part.blob)
    present = {font.get(qn("w:name")) for font in fonts.findall(qn("w:font"))}
    for name, panose in _FONT_FACTS.items():
        if name in present:
            continue
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        if name in FALLBACKS:
            alt = OxmlElement("w:altName")
            alt.set(qn("w:val"), FALLBACKS[name])
            font.append(alt)
        for tag, value in (("w:panose1", panose), ("w:charset", "86"), ("w:family", "modern"), ("w:pitch", "fixed")):
            child = OxmlElement(tag)
            child.set(qn("w:val"), value)
            font.append(child)
        fonts.append(font)
    # A plain part of python-docx's package: its bytes are what gets written.
    from lxml import etree

    part._blob = etree.tostring(fonts, xml_declaration=True, encoding="UTF-8", standalone=True)


def _document_defaults(document) -> None:
    """What every style inherits: the body font for all scripts (no theme font) and Chinese as
    the East Asian language, which Word reads for line breaking and font choice (python-docx's
    template says en-US)."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr, BODY_FONT)
    for lang in rpr.findall(qn("w:lang")):
        lang.set(qn("w:eastAsia"), "zh-CN")


def _styles(document) -> None:
    _document_defaults(document)
    styles = document.styles
    normal = styles["Normal"]
    _style_run(normal, BODY_FONT, BODY_SIZE)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = LINE_SPACING
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)

    title = styles["Title"]
    _style_run(title, TITLE_FONT, TITLE_SIZE)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    title.paragraph_format.line_spacing = Pt(36)
    title.paragraph_format.space_after = Pt(16)
    ppr = title.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):  # the template's title has a rule under it
        ppr.remove(border)

    heading = styles["Heading 1"]
    _style_run(heading, HEADING_FONT, BODY_SIZE)
    heading.paragraph_format.first_line_indent = Pt(32)
    heading.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    heading.paragraph_format.line_spacing = LINE_SPACING
    heading.paragraph_format.space_before = Pt(0)
    heading.paragraph_format.space_after = Pt(0)
    heading.paragraph_format.keep_with_next = True

    caption = styles["Caption"]
    _style_run(caption, BODY_FONT, BODY_SIZE)
    caption.paragraph_format.first_line_indent = Pt(32)
    caption.paragraph_format.keep_with_next = True
    caption.paragraph_format.space_after = Pt(0)


# ── Tables ──────────────────────────────────────────────────────────────────────────────


def _column_widths(table: LayoutTable) -> list[int]:
    """Twips. As the PDF: value columns share at most half the width, outer label columns
    are narrow, the innermost label column takes the rest."""
    values = table.columns - table.label_columns
    if not table.label_columns:
        return [TEXT_WIDTH_TWIPS // values] * values
    value = min(TEXT_WIDTH_TWIPS * (1 - LABELS_SHARE) / values, VALUE_COLUMN_MAX_TWIPS)
    outer = OUTER_LABEL_CHARS * TABLE_SIZE.pt * 20 + 2 * CELL_MARGIN_TWIPS
    inner = TEXT_WIDTH_TWIPS - value * values - outer * (table.label_columns - 1)
    return [round(outer)] * (table.label_columns - 1) + [round(inner)] + [round(value)] * values


def _element(tag: str, **attributes: str):
    element = OxmlElement(tag)
    for name, value in attributes.items():
        element.set(qn(f"w:{name}"), value)
    return element


def _tc(width: int, colspan: int, vmerge: str | None, align: str):
    tc = OxmlElement("w:tc")
    tcpr = OxmlElement("w:tcPr")
    tcpr.append(_element("w:tcW", w=str(width), type="dxa"))
    if colspan > 1:
        tcpr.append(_element("w:gridSpan", val=str(colspan)))
    if vmerge == "restart":
        tcpr.append(_element("w:vMerge", val="restart"))
    elif vmerge == "continue":
        tcpr.append(_element("w:vMerge"))
    tcpr.append(_element("w:vAlign", val="center"))
    tc.append(tcpr)
    paragraph = OxmlElement("w:p")
    ppr = OxmlElement("w:pPr")
    ppr.append(_element("w:spacing", line="280", lineRule="auto", before="0", after="0"))
    ppr.append(_element("w:ind", firstLine="0", firstLineChars="0"))
    ppr.append(_element("w:jc", val=align))
    paragraph.append(ppr)
    tc.append(paragraph)
    return tc, paragraph


def _add_table(document, table: LayoutTable) -> None:
    widths = _column_widths(table)
    word_table = document.add_table(rows=0, cols=table.columns)
    word_table.style = document.styles["Table Grid"]
    word_table.alignment = WD_TABLE_ALIGNMENT.CENTER
    tbl = word_table._tbl
    tblpr = tbl.tblPr
    for old in tblpr.findall(qn("w:tblW")):
        tblpr.remove(old)
    tblpr.append(_element("w:tblW", w=str(sum(widths)), type="dxa"))
    tblpr.append(_element("w:tblLayout", type="fixed"))
    for grid_col, width in zip(tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=True):
        grid_col.set(qn("w:w"), str(width))

    # Which cell covers each grid place: a cell spanning down is continued in the rows below.
    starts: dict[tuple[int, int], LayoutCell] = {}
    continued: dict[tuple[int, int], LayoutCell] = {}
    for cell in table.cells:
        starts[(cell.row, cell.col)] = cell
        for row in range(cell.row + 1, cell.row + cell.rowspan):
            continued[(row, cell.col)] = cell

    for r in range(len(table.rows)):
        tr = OxmlElement("w:tr")
        trpr = OxmlElement("w:trPr")
        trpr.append(OxmlElement("w:cantSplit"))
        if r < table.header_rows:
            trpr.append(OxmlElement("w:tblHeader"))  # repeated on every page the table runs over
        tr.append(trpr)
        c = 0
        while c < table.columns:
            cell = starts.get((r, c))
            if cell is None:
                cell = continued.get((r, c))
                if cell is None:  # cannot happen with a layout from standard.py; keep the grid whole
                    tc, _ = _tc(widths[c], 1, None, "center")
                    tr.append(tc)
                    c += 1
                    continue
                vmerge = "continue"
            else:
                vmerge = "restart" if cell.rowspan > 1 else None
            width = sum(widths[c : c + cell.colspan])
            align = "left" if cell.role == "label" else "center"
            tc, paragraph = _tc(width, cell.colspan, vmerge, align)
            if vmerge != "continue" and cell.text:
                run = Paragraph(paragraph, word_table).add_run(_clean(cell.text))
                run.font.size = TABLE_SIZE
                if cell.role in ("title", "corner", "head"):
                    run.font.bold = cell.role == "title"
            tr.append(tc)
            c += cell.colspan
        tbl.append(tr)


# ── The document ────────────────────────────────────────────────────────────────────────


def _body(document, lines: tuple[str, ...] | list[str], *, indent: bool = True, align=WD_ALIGN_PARAGRAPH.JUSTIFY):
    paragraph = document.add_paragraph(style="Normal")
    paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(32)  # two characters
    for index, line in enumerate(lines):
        run = paragraph.add_run(_clean(line))
        if index < len(lines) - 1:
            run.add_break()
    return paragraph


def build_docx(layout: DocumentLayout) -> bytes:
    """The Word file of ``layout``; the same layout gives the same bytes."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    _styles(document)
    _font_table(document)

    title = document.add_paragraph(style="Title")
    title.add_run(_clean(layout.agency_name))
    title.add_run().add_break()
    title.add_run(_clean(layout.title_rest))
    _body(document, [layout.opening])
    for part in layout.parts:
        document.add_paragraph(_clean(part.heading), style="Heading 1")
        for lines in part.paragraphs:
            _body(document, lines)
        for table in part.tables:
            if table.caption:
                document.add_paragraph(_clean(table.caption), style="Caption")
            if table.note:
                note = _body(document, [table.note], indent=False)
                for run in note.runs:
                    run.font.size = TABLE_SIZE
            _add_table(document, table)
    document.add_paragraph(style="Normal")
    _body(document, [layout.signature_organ], indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    if layout.signature_date:
        _body(document, [layout.signature_date], indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)

    properties = document.core_properties
    properties.title = _clean(layout.title)
    properties.author = _clean(layout.agency_name)
    properties.last_modified_by = _clean(layout.agency_name)
    properties.subject = "政府信息公开工作年度报告"
    properties.comments = "政府信息公开工作年度报告系统生成"
    properties.language = "zh-CN"
    properties.keywords = ""
    moment = _document_time(layout)
    properties.created = properties.modified = moment
    properties.revision = 1

    # The template's thumbnail shows python-docx's sample page, not this report.
    relationships = document.part.package.rels
    for key in [key for key, rel in relationships.items() if rel.reltype.endswith("/metadata/thumbnail")]:
        del relationships[key]

    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _document_time(layout: DocumentLayout) -> datetime.datetime:
    """The document's date (of signature, else the year's end) as its properties' time."""
    match = re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", layout.signature_date)
    if match:
        return datetime.datetime(*map(int, match.groups()), tzinfo=datetime.UTC)
    return datetime.datetime(layout.year, 12, 31, tzinfo=datetime.UTC)


def _fixed_zip(data: bytes) -> bytes:
    """``data`` written again with the same entries at a fixed time (python-docx stamps
    each entry with the time it was saved)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return output.getvalue()


def render_docx(document) -> bytes:
    """The report (a ``ReportDocument``) as a Word file in the official layout."""
    return build_docx(document_layout(document))
