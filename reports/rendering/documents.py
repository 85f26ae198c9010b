"""The published document: one report in the official layout, as HTML and as PDF.

Both outputs read one *layout* built here from ``reports/standard.py`` (``document_layout``):
the title, the opening sentence, the six parts in the format's order with their texts split
into paragraphs, the tables 二/三/四 and the fee table of part 六 as grids of merged cells,
and the signature. No row, column or span is typed here: the grids come from the sections'
``header_rows()`` and ``body_rows()``.

Pure: a ``ReportDocument`` in, text or bytes out; no database. The HTML goes through the
Django template ``reports/document.html`` (autoescaped, so markup in a text stays inert); the
PDF is drawn by ``reports/rendering/pdf.py`` with an embedded Chinese font.

The other formats of a publication are written elsewhere and are not repeated here: JSON by
``reports.interchange.dumps``, the spreadsheet by ``reports.spreadsheet.build_workbook``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.template.loader import render_to_string

from reports import standard, values

if TYPE_CHECKING:
    import datetime

    from reports.interchange import ReportDocument

TEMPLATE = "reports/document.html"

OPENING = (
    "根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《中华人民共和国政府信息公开"
    "工作年度报告格式》（国办公开办函〔2021〕30号）要求，编制本报告。"
)


# ── The layout ──────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class LayoutCell:
    """One cell of a table grid, placed at ``row``/``col`` and covering its spans.

    ``role`` is ``title`` (a section title such as 第二十条第（一）项, across the table),
    ``corner`` (over the row labels), ``head`` (a column header), ``label`` (a row label)
    or ``value`` (a figure; ``code`` names its cell).
    """

    text: str
    role: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    code: str = ""

    @property
    def tag(self) -> str:
        return "td" if self.role == "value" else "th"

    @property
    def scope(self) -> str:
        if self.role == "head":
            return "colgroup" if self.colspan > 1 else "col"
        if self.role == "label":
            return "rowgroup" if self.rowspan > 1 else "row"
        return ""


@dataclass(frozen=True)
class LayoutTable:
    """A table of the format as one grid of ``columns`` columns, ``label_columns`` of them
    holding row labels.

    ``rows[i]`` holds the cells that *start* on grid row ``i``. The first ``header_rows``
    rows are the column header, repeated on every page the table runs over (0 when the
    table has several sections, each with its own header). ``break_before[i]`` tells whether
    a page may end before row ``i``: never inside a header, and for a table of several
    sections only between sections.
    """

    code: str
    title: str
    caption: str  # printed over the table when it differs from its part's title
    note: str  # printed over the table unless a corner cell already carries it
    columns: int
    label_columns: int
    rows: tuple[tuple[LayoutCell, ...], ...]
    header_rows: int
    break_before: tuple[bool, ...]

    @property
    def head(self) -> tuple[tuple[LayoutCell, ...], ...]:
        return self.rows[: self.header_rows]

    @property
    def body(self) -> tuple[tuple[LayoutCell, ...], ...]:
        return self.rows[self.header_rows :]

    @property
    def groups(self) -> list[tuple[str, tuple[tuple[LayoutCell, ...], ...]]]:
        """The rows as the HTML table groups them: ``thead`` (when repeated) and ``tbody``."""
        groups = [("thead", self.head)] if self.header_rows else []
        return [*groups, ("tbody", self.body)]

    @property
    def cells(self) -> tuple[LayoutCell, ...]:
        return tuple(cell for row in self.rows for cell in row)


@dataclass(frozen=True)
class LayoutPart:
    number: str  # 一 … 六
    title: str
    paragraphs: tuple[tuple[str, ...], ...]  # each paragraph as its lines
    tables: tuple[LayoutTable, ...]

    @property
    def heading(self) -> str:
        return f"{self.number}、{self.title}"


@dataclass(frozen=True)
class DocumentLayout:
    agency_name: str
    year: int
    opening: str
    parts: tuple[LayoutPart, ...]
    signature_organ: str
    signature_date: str  # "2025年1月17日", or "" when the document has no date

    @property
    def title_rest(self) -> str:
        """The title after the agency's name, e.g. ``2024年政府信息公开工作年度报告``."""
        return f"{self.year}年政府信息公开工作年度报告"

    @property
    def title(self) -> str:
        return f"{self.agency_name}{self.title_rest}"


def document_layout(document: ReportDocument) -> DocumentLayout:
    """The published document's content and layout, read by both the HTML and the PDF."""
    texts = document.texts or {}
    cells = document.cells or {}
    parts = []
    for number, title in standard.STANDARD.parts:
        paragraphs = tuple(
            paragraph
            for text in standard.STANDARD.texts
            if text.part == number
            for paragraph in split_paragraphs(texts.get(text.key) or "")
        )
        tables = tuple(
            table_layout(table, cells, part_title=title) for table in standard.STANDARD.tables if table.part == number
        )
        parts.append(LayoutPart(number, title, paragraphs, tables))
    return DocumentLayout(
        agency_name=document.agency_name,
        year=document.year,
        opening=OPENING,
        parts=tuple(parts),
        signature_organ=document.signature_organ or document.agency_name,
        signature_date=chinese_date(document.signature_date),
    )


_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")


def split_paragraphs(text: str) -> list[tuple[str, ...]]:
    """Paragraphs at blank lines, each as its non-empty lines, stripped.

    Stripping also removes the full-width spaces (U+3000) that authors type to indent a
    paragraph: the document indents every paragraph itself.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    result = []
    for chunk in _BLANK_LINE.split(text):
        lines = tuple(line.strip() for line in chunk.split("\n") if line.strip())
        if lines:
            result.append(lines)
    return result


def chinese_date(date: datetime.date | None) -> str:
    """``2025-01-17`` as printed under a signature: ``2025年1月17日``."""
    return f"{date.year}年{date.month}月{date.day}日" if date else ""


def display_value(code: str, raw: object) -> str:
    """A cell as the document prints it: blank as empty, a count as its digits, an amount
    as its decimal string; a value the rules would refuse is printed as found."""
    try:
        value = values.parse_cell(code, raw)
    except values.CellValueError:
        return str(raw)
    if value is None:
        return ""
    return str(values.format_cell(code, value))


def table_layout(table: standard.Table, cells: dict[str, object], *, part_title: str = "") -> LayoutTable:
    """One table of the format as a grid, with the spans of the official layout.

    The sections of a table share one grid: as many label columns as the deepest section
    has label levels, and as many value columns as the least common multiple of the
    sections' column counts, so that table 二's one-column sections line up under its
    three-column one.
    """
    sections = table.sections
    label_columns = max(section.row_depth for section in sections)
    value_columns = math.lcm(*(len(section.columns) for section in sections))
    width = label_columns + value_columns
    single = len(sections) == 1

    pending: list[list[tuple[LayoutCell, int]]] = []  # per grid row: (cell, section label depth)
    kinds: list[str] = []  # per grid row: "title", "head" or "body"
    for section in sections:
        factor = value_columns // len(section.columns)
        if section.title:
            pending.append([(LayoutCell(section.title, "title", 0, 0, colspan=width), 0)])
            kinds.append("title")
        header = section.header_rows()
        for level, header_row in enumerate(header):
            row = []
            if level == 0 and label_columns:
                corner = LayoutCell(section.corner, "corner", 0, 0, rowspan=len(header), colspan=label_columns)
                row.append((corner, 0))
            row += [
                (LayoutCell(head.label, "head", 0, 0, rowspan=head.rowspan, colspan=head.colspan * factor), 0)
                for head in header_row
            ]
            pending.append(row)
            kinds.append("head")
        for body_row in section.body_rows():
            if not section.row_depth and label_columns:  # a section without row labels
                body_row = standard.BodyRow(
                    body_row.row, [standard.HeaderCell("", colspan=label_columns)], body_row.cells
                )
            row = [
                (
                    LayoutCell(label.label, "label", 0, 0, rowspan=label.rowspan, colspan=label.colspan),
                    section.row_depth,
                )
                for label in body_row.labels
            ]
            row += [
                (
                    LayoutCell(
                        display_value(cell.code, cells.get(cell.code)), "value", 0, 0, colspan=factor, code=cell.code
                    ),
                    0,
                )
                for cell in body_row.cells
            ]
            pending.append(row)
            kinds.append("body")

    rows = _place(pending, label_columns)
    header_rows = 0
    if single:
        while header_rows < len(kinds) and kinds[header_rows] != "body":
            header_rows += 1
    if single:
        # Any body row but the first may start a page; the header is repeated there.
        break_before = tuple(i > header_rows for i in range(len(rows)))
    else:
        # A section stays whole: its title and header mean nothing apart from its rows.
        starts = {i for i, kind in enumerate(kinds) if kind == "title" or (kind == "head" and kinds[i - 1] == "body")}
        break_before = tuple(i in starts and i > 0 for i in range(len(rows)))

    corner_texts = {cell.text for row in rows for cell in row if cell.role == "corner"}
    return LayoutTable(
        code=table.code,
        title=table.title,
        caption=table.title if table.title != part_title else "",
        note=table.note if table.note and table.note not in corner_texts else "",
        columns=width,
        label_columns=label_columns,
        rows=rows,
        header_rows=header_rows,
        break_before=break_before,
    )


def _place(pending: list[list[tuple[LayoutCell, int]]], label_columns: int) -> tuple[tuple[LayoutCell, ...], ...]:
    """Give each cell its grid position, as a browser lays out an HTML table: left to right
    on its row, skipping the places taken by the cells that span down from rows above.

    A row label reaching the last label column of a section shallower than the table widens
    to the table's last label column.
    """
    taken: set[tuple[int, int]] = set()
    rows = []
    for r, row in enumerate(pending):
        placed = []
        c = 0
        for cell, section_depth in row:
            while (r, c) in taken:
                c += 1
            colspan = cell.colspan
            if cell.role == "label" and c + colspan == section_depth:
                colspan += label_columns - section_depth
            for dr in range(cell.rowspan):
                for dc in range(colspan):
                    taken.add((r + dr, c + dc))
            placed.append(LayoutCell(cell.text, cell.role, r, c, rowspan=cell.rowspan, colspan=colspan, code=cell.code))
            c += colspan
        rows.append(tuple(placed))
    return tuple(rows)


# ── The renderers ───────────────────────────────────────────────────────────────────────


def render_html(document: ReportDocument, *, page: bool = True) -> str:
    """The report as HTML: a whole page (``page=True``, linking ``css/document.css``), or
    only its ``<article>`` to place inside a page of the site (which then links the CSS)."""
    return render_to_string(TEMPLATE, {"doc": document_layout(document), "page": page})


def render_pdf(document: ReportDocument) -> bytes:
    """The report as an A4 PDF with the Chinese font embedded (see ``reports/rendering/pdf.py``)."""
    from .pdf import build_pdf  # reportlab is loaded only when a PDF is wanted

    return build_pdf(document_layout(document))


def _render_html_bytes(document: ReportDocument) -> bytes:
    return render_html(document).encode("utf-8")


#: The formats this module writes, each as ``document -> bytes``. JSON is written by
#: ``reports.interchange.dumps`` and the spreadsheet by ``reports.spreadsheet.build_workbook``.
RENDERERS: dict[str, Callable[[ReportDocument], bytes]] = {
    "html": _render_html_bytes,
    "pdf": render_pdf,
}

MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}
