"""The published document as an A4 PDF, drawn with reportlab from ``documents.document_layout``.

Why reportlab and a TrueType font: the PDF must carry its Chinese font (a reader may have
none), and subsetting a CFF-based OpenType CJK font (Noto CJK) took seconds per page with
the HTML-to-PDF route. reportlab subsets a TrueType (``glyf``) font in pure Python in a few
milliseconds, but cannot embed CFF outlines at all; so the font is a TrueType CJK font,
found at run time:

* the setting (or environment variable) ``GOVREPORT_PDF_FONT``: the path of a ``.ttf`` or
  ``.ttc`` file, with ``#N`` after it to pick the N-th font of a collection (default 0);
* otherwise the first of ``FONT_FILES`` found under ``FONT_DIRS``.

Tables are reportlab ``Table``s whose ``SPAN`` commands come from the layout's cells, so the
merged cells are those of ``reports/standard.py``. A table that runs over a page is cut
between rows by ``_GridFlowable``: the column header is repeated on the next page, and a
row label that spans the cut (三、本年度办理结果, （三）不予公开 …) is printed again there.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import threading
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib import textsplit as rl_textsplit
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus import paragraph as rl_paragraph

from .documents import DocumentLayout, LayoutTable

FONT_SETTING = "GOVREPORT_PDF_FONT"

#: TrueType CJK fonts that Debian packages, in order of preference: WenQuanYi Micro Hei
#: (fonts-wqy-microhei: the smallest files and the fastest), AR PL UMing, a Ming (Song) face
#: like the print of official documents (fonts-arphic-uming: files about 1.7 times larger),
#: WenQuanYi Zen Hei (fonts-wqy-zenhei). Droid Sans Fallback does not do: it has no digits.
FONT_FILES = ("wqy-microhei.ttc", "uming.ttc", "wqy-zenhei.ttc")
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")
FONT_PACKAGE = "fonts-wqy-microhei"

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 2.5 * cm
MARGIN_TOP = 2.5 * cm
MARGIN_BOTTOM = 2.5 * cm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN_X

BODY_SIZE = 12
TABLE_SIZE = 9
CELL_PADDING = 3
OUTER_LABEL_CHARS = 5  # width of a label column that is not the last one, in characters
VALUE_COLUMN_MAX = 80  # points
LABELS_SHARE = 0.5  # at least this part of the width goes to the row labels


class PdfFontError(RuntimeError):
    """No usable Chinese font for the PDF. ``str(exc)`` is a Chinese message saying what to do."""


# ── The font ────────────────────────────────────────────────────────────────────────────


def _configured_font() -> str:
    try:
        from django.conf import settings

        if settings.configured:
            value = getattr(settings, FONT_SETTING, None)
            if value:
                return str(value)
    except ImportError:  # pragma: no cover - Django is always installed here
        pass
    return os.environ.get(FONT_SETTING, "")


@functools.cache
def _installed_fonts() -> dict[str, Path]:
    """The files named in ``FONT_FILES`` found under ``FONT_DIRS`` (searched once)."""
    wanted = set(FONT_FILES)
    found: dict[str, Path] = {}
    for directory in FONT_DIRS:
        for root, _dirs, files in os.walk(directory):
            for name in sorted(wanted.intersection(files)):
                found.setdefault(name, Path(root) / name)
    return found


def find_font() -> tuple[Path, int]:
    """The font file (and index in a collection) the PDF is set in; ``PdfFontError`` if none."""
    configured = _configured_font()
    if configured:
        path, _, index = configured.rpartition("#") if "#" in configured else (configured, "", "0")
        if not index.isdigit():
            raise PdfFontError(f"{FONT_SETTING} 的写法应为“字体文件路径”或“字体文件路径#序号”，实际为 {configured}")
        if not Path(path).is_file():
            raise PdfFontError(f"{FONT_SETTING} 指定的字体文件不存在：{path}")
        return Path(path), int(index)
    installed = _installed_fonts()
    for name in FONT_FILES:
        if name in installed:
            return installed[name], 0
    raise PdfFontError(
        "生成 PDF 需要可嵌入的中文 TrueType 字体，但系统中没有找到（查找了 "
        f"{'、'.join(FONT_DIRS)} 下的 {'、'.join(FONT_FILES)}）。"
        f"请安装 Debian 软件包 {FONT_PACKAGE}（apt-get install {FONT_PACKAGE}），"
        f"或用 {FONT_SETTING} 指定 .ttf/.ttc 字体文件的路径。"
    )


_register_lock = threading.Lock()


@functools.cache
def _registered_font(path: Path, index: int) -> str:
    """Register the font with reportlab once per process; its reportlab name."""
    name = "GovReportCJK-" + hashlib.sha1(f"{path}#{index}".encode()).hexdigest()[:10]
    try:
        font = TTFont(name, str(path), subfontIndex=index)
    except (TTFError, OSError) as exc:
        raise PdfFontError(
            f"无法使用字体 {path}（序号 {index}）：{exc}。PDF 需要 TrueType 轮廓的中文字体"
            f"（如 {FONT_PACKAGE} 或 fonts-arphic-uming）；Noto CJK 等 CFF 轮廓的 OpenType 字体无法嵌入。"
        ) from None
    with _register_lock:
        pdfmetrics.registerFont(font)
    return name


def font_name() -> str:
    path, index = find_font()
    return _registered_font(path, index)


# reportlab keeps closing punctuation off the start of a line only for the marks it lists;
# Chinese full-width ones such as ，；：！？、》” are missing from that list. Its two line
# breakers (one for a paragraph of one style, one for mixed styles) each read their own copy.
_CANNOT_START = "，。、；：！？）》」』】〕”’…—"
for _module in (rl_textsplit, rl_paragraph):
    _module.ALL_CANNOT_START += "".join(ch for ch in _CANNOT_START if ch not in _module.ALL_CANNOT_START)


# ── Styles ──────────────────────────────────────────────────────────────────────────────


@functools.cache
def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "base", fontName=font, bulletFontName=font, fontSize=BODY_SIZE, leading=BODY_SIZE * 1.75, wordWrap="CJK"
    )
    body = ParagraphStyle("body", parent=base, alignment=TA_JUSTIFY, firstLineIndent=2 * BODY_SIZE)
    cell = ParagraphStyle("cell", parent=base, fontSize=TABLE_SIZE, leading=TABLE_SIZE * 1.35, alignment=TA_CENTER)
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=30, alignment=TA_CENTER, spaceAfter=18),
        "body": body,
        "heading": ParagraphStyle("heading", parent=base, fontSize=14, leading=24, spaceBefore=10, spaceAfter=4),
        "caption": ParagraphStyle("caption", parent=base, spaceBefore=4, spaceAfter=4),
        "note": ParagraphStyle("note", parent=cell, alignment=TA_LEFT, spaceAfter=4),
        "signature": ParagraphStyle("signature", parent=base, alignment=TA_RIGHT),
        "cell": cell,
        "label": ParagraphStyle("label", parent=cell, alignment=TA_LEFT),
    }


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    # Paragraph reads a small markup language: the text is escaped so that it prints as typed.
    return Paragraph(escape(text), style)


# ── Tables ──────────────────────────────────────────────────────────────────────────────


def _column_widths(table: LayoutTable) -> list[float]:
    """Value columns share at most half the width (and at most ``VALUE_COLUMN_MAX`` each);
    outer label columns are narrow, the innermost label column takes the rest."""
    values = table.columns - table.label_columns
    if not table.label_columns:
        return [FRAME_WIDTH / values] * values
    value_width = min(FRAME_WIDTH * (1 - LABELS_SHARE) / values, VALUE_COLUMN_MAX)
    outer = OUTER_LABEL_CHARS * TABLE_SIZE + 2 * CELL_PADDING
    inner = FRAME_WIDTH - value_width * values - outer * (table.label_columns - 1)
    return [outer] * (table.label_columns - 1) + [inner] + [value_width] * values


class _GridFlowable(Flowable):
    """Rows ``start``..``end`` of a layout table (after its repeated header) as a reportlab
    ``Table``, which can be cut between rows where the layout allows a page break."""

    def __init__(self, table: LayoutTable, styles: dict[str, ParagraphStyle], start: int | None = None, end=None):
        super().__init__()
        self.layout = table
        self.styles = styles
        self.start = table.header_rows if start is None else start
        self.end = len(table.rows) if end is None else end
        self.table = self._build()

    def _grid_rows(self) -> list[int]:
        return [*range(self.layout.header_rows), *range(self.start, self.end)]

    def _build(self) -> Table:
        header = self.layout.header_rows
        grid_rows = self._grid_rows()
        position = {grid_row: index for index, grid_row in enumerate(grid_rows)}
        data = [[""] * self.layout.columns for _ in grid_rows]
        commands = [
            # Also for the empty cells, which reportlab would otherwise draw in Helvetica.
            ("FONT", (0, 0), (-1, -1), self.styles["cell"].fontName, TABLE_SIZE),
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ("TOPPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ("BOTTOMPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ]
        for cell in self.layout.cells:
            top, bottom = cell.row, cell.row + cell.rowspan  # grid rows [top, bottom)
            if top >= header:
                # Clip to this part; a span cut at ``start`` starts again there, label and all.
                top, bottom = max(top, self.start), min(bottom, self.end)
                if top >= bottom:
                    continue
            row = position[top]
            style = self.styles["label" if cell.role == "label" else "cell"]
            data[row][cell.col] = _para(cell.text, style) if cell.text else ""
            if cell.colspan > 1 or bottom - top > 1:
                commands.append(("SPAN", (cell.col, row), (cell.col + cell.colspan - 1, row + bottom - top - 1)))
        return Table(
            data,
            colWidths=_column_widths(self.layout),
            style=TableStyle(commands),
            repeatRows=0,  # the header is repeated by ``split``, which knows the spans
            splitByRow=0,
            hAlign="CENTER",
        )

    def wrap(self, available_width, available_height):
        self.width, self.height = self.table.wrap(available_width, available_height)
        return self.width, self.height

    def drawOn(self, canvas, x, y, _sW=0):  # reportlab calls it by this name
        self.table.drawOn(canvas, x, y, _sW)

    def first_piece_height(self, available_width) -> float:
        """The height of the part that cannot be cut: header and rows up to the first cut."""
        cut = next((row for row in range(self.start + 1, self.end) if self.layout.break_before[row]), self.end)
        return _GridFlowable(self.layout, self.styles, self.start, cut).wrap(available_width, PAGE_HEIGHT)[1]

    def split(self, available_width, available_height):
        self.table.wrap(available_width, available_height)
        # Row heights as reportlab measured them; it stops measuring (None) past the page.
        heights = self.table._rowHeights
        header = self.layout.header_rows
        fits = []
        used = sum(heights[:header])
        for offset, grid_row in enumerate(range(self.start, self.end)):
            if used > available_height:
                break
            if grid_row > self.start and self.layout.break_before[grid_row]:
                fits.append(grid_row)
            if heights[header + offset] is None:
                break
            used += heights[header + offset]
        # Row heights can shift a little once a span is cut: check the part really fits.
        for cut in reversed(fits):
            first = _GridFlowable(self.layout, self.styles, self.start, cut)
            if first.wrap(available_width, available_height)[1] <= available_height:
                return [first, _GridFlowable(self.layout, self.styles, cut, self.end)]
        return []


def _table_flowables(table: LayoutTable, styles: dict[str, ParagraphStyle]) -> tuple[list[Flowable], float]:
    """The table with its caption and note, and the height they need on a page before the
    first place where the table may be cut."""
    flowables: list[Flowable] = []
    if table.caption:
        flowables.append(_para(table.caption, styles["caption"]))
    if table.note:
        flowables.append(_para(table.note, styles["note"]))
    grid = _GridFlowable(table, styles)
    keep = _height(flowables) + grid.first_piece_height(FRAME_WIDTH)
    return [CondPageBreak(keep), *flowables, grid, Spacer(1, 6)], keep


def _height(flowables: list[Flowable]) -> float:
    return sum(f.wrap(FRAME_WIDTH, PAGE_HEIGHT)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in flowables)


# ── The document ────────────────────────────────────────────────────────────────────────


def _story(layout: DocumentLayout, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    story: list[Flowable] = [
        Paragraph(f"{escape(layout.agency_name)}<br/>{escape(layout.title_rest)}", styles["title"]),
        _para(layout.opening, styles["body"]),
    ]
    for part in layout.parts:
        heading = _para(part.heading, styles["heading"])
        paragraphs = [
            Paragraph("<br/>".join(escape(line) for line in lines), styles["body"]) for lines in part.paragraphs
        ]
        tables, keeps = [], []
        for table in part.tables:
            flowables, keep = _table_flowables(table, styles)
            tables += flowables
            keeps.append(keep)
        # No heading alone at the foot of a page: keep room for two lines of its text, or for
        # the first piece of its table.
        following = 2 * styles["body"].leading if paragraphs else keeps[0] if keeps else 0
        story += [CondPageBreak(_height([heading]) + following), heading, *paragraphs, *tables]
    signature = [Spacer(1, 2 * BODY_SIZE), _para(layout.signature_organ, styles["signature"])]
    if layout.signature_date:
        signature.append(_para(layout.signature_date, styles["signature"]))
    story.append(KeepTogether(signature))
    return story


def _page_number(font: str):
    def draw(canvas, doc):
        canvas.saveState()
        canvas.setFont(font, 10)
        canvas.drawCentredString(PAGE_WIDTH / 2, MARGIN_BOTTOM / 2, f"— {doc.page} —")
        canvas.restoreState()

    return draw


def build_pdf(layout: DocumentLayout) -> bytes:
    """The PDF of ``layout``. The same layout gives the same bytes (no time stamp, fixed id)."""
    font = font_name()
    styles = _styles(font)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=layout.title,
        author=layout.agency_name,
        subject="政府信息公开工作年度报告",
        creator="政府信息公开工作年度报告系统",
        lang="zh-CN",
        invariant=1,
        pageCompression=1,
        initialFontName=font,
        allowSplitting=1,
    )
    page_number = _page_number(font)
    doc.build(_story(layout, styles), onFirstPage=page_number, onLaterPages=page_number)
    return buffer.getvalue()
