"""The agency's Excel template of the official tables: build it, and read a filled-in copy back.

``build_workbook`` writes one sheet per table (表二、表三、表四、表六) laid out like the official
tables — grouped headers, row-label spans, all computed from ``standard.py`` — a sheet 文字 for
the three narrative parts, and a hidden sheet ``_meta`` that marks the file as this project's
template and records the agency, the year and the cell code at every input address.

``read_workbook`` takes an upload back. The file is untrusted, so before openpyxl sees it the
bytes are checked: size, that it is a zip, the zip directory (entry count, total uncompressed
size, per-entry compression ratio — read from the directory, nothing is extracted), and no
macros, external links, data connections or embedded objects. openpyxl then parses the XML
through defusedxml (asserted at import), reads only values, and never iterates past the
template's rows and columns. Only the project's own template is accepted: the ``_meta`` marker,
the format id, the address → code mapping and every printed label must be as built, so a row
inserted by a clerk can never shift figures into the wrong cells.

Formulas: a cell holding a formula is read through the value Excel (or WPS, LibreOffice)
cached when it saved the file — the number the clerk saw, e.g. a 总计 typed as ``=SUM(…)``.
A formula without a cached value (written by a program that does not calculate) is a problem
of that cell: "是公式且没有计算结果，请粘贴为数值".

Every failure is a ``SpreadsheetError``: one line of Chinese, never a traceback.
"""

from __future__ import annotations

import datetime
import io
import logging
import math
import os
import warnings
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import BinaryIO

import defusedxml
import openpyxl
import openpyxl.xml
import openpyxl.xml.functions
from django.core.exceptions import ImproperlyConfigured
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from . import standard, values
from .hardening import unsafe_character_message
from .interchange import YEAR_MAX, YEAR_MIN, InterchangeError, ReportDocument

logger = logging.getLogger(__name__)

# openpyxl parses with defusedxml when it is importable (and OPENPYXL_DEFUSEDXML is not
# "False"); without it a billion-laughs or XXE upload would be expanded. Refuse to start.
if not (
    openpyxl.xml.DEFUSEDXML
    and openpyxl.xml.functions.iterparse.__module__.startswith("defusedxml")
    and (openpyxl.xml.LXML or openpyxl.xml.functions.fromstring.__module__.startswith("defusedxml"))
):
    raise ImproperlyConfigured(
        "openpyxl 未使用 defusedxml 解析 XML：请安装 defusedxml，且不要设置 OPENPYXL_DEFUSEDXML=False"
    )

# ── Limits for uploads ──────────────────────────────────────────────────────────────────
# The template as built is about 30 KB; a filled-in copy saved by Excel or WPS stays far below
# these. They bound what a hostile file can make the server do.
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ZIP_ENTRIES = 100
MAX_UNCOMPRESSED_BYTES = 8 * 1024 * 1024
# Every part of the package, unpacked (issue 11: 223 KB of shared strings unpacking to
# 19.7 MB cost 31–40 s of CPU). Three texts at their 50,000-character limit are about
# 450 KB of XML. Checked from the zip directory before any XML is parsed; zipfile never
# unpacks more than an entry's stated size, so the directory cannot lie about it.
MAX_PART_BYTES = {"xl/sharedStrings.xml": 2 * 1024 * 1024, "xl/styles.xml": 1024 * 1024}
MAX_SHEET_BYTES = 2 * 1024 * 1024  # each xl/worksheets/*.xml
MAX_OTHER_PART_BYTES = 1024 * 1024
# XML elements openpyxl builds an object for, counted in the unpacked bytes before parsing:
# text pieces (<t>) in the shared strings, cells (<c>) in a sheet.
MAX_SHARED_TEXTS = 5_000
MAX_COMPRESSION_RATIO = 100
# Tiny entries (an empty sheet, a short rels file) legitimately compress very well; the ratio
# only says something about entries big enough to matter.
RATIO_MIN_BYTES = 64 * 1024
# Rows and columns of any sheet: the template's largest sheet (表三) has about 35 × 10.
MAX_SHEET_ROWS = 500
MAX_SHEET_COLUMNS = 60
MAX_SHEET_CELLS = 5_000  # the template's largest sheet (表三) has about 350

# ── What the template holds ─────────────────────────────────────────────────────────────
TEMPLATE_MARKER = "govreport:annual-report-template"
TEMPLATE_VERSION = 1
META_SHEET = "_meta"
TEXT_SHEET = "文字"
FONT_NAME = "宋体"
# Sheet protection is guidance (labels are not for typing in), not security: no password.
PROTECTION_PASSWORD = None

NOT_TEMPLATE = "这不是本系统导出的年度报告模板，请先下载模板再填写"
NOT_XLSX = "不是有效的 Excel（.xlsx）文件"
UNREADABLE = "无法读取该 Excel 文件，请确认文件未损坏，并使用本系统下载的模板填写"
UNSAFE_XML = "文件包含不安全的 XML 内容，已拒绝"

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx


# ── Errors ──────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class CellProblem:
    """Why one cell of an upload was refused. ``address`` is like ``表三!D7``."""

    address: str
    code: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.address} {self.message}"


class SpreadsheetError(InterchangeError):
    """An upload that cannot be read as the template. ``str()`` is one line of Chinese;
    ``problems`` lists the cells at fault, when the fault lies in cells."""

    def __init__(self, message: str, problems: list[CellProblem] | None = None):
        super().__init__(message)
        self.problems: list[CellProblem] = list(problems or [])


def _summary(problems: list[CellProblem], what: str) -> str:
    more = f" 等 {len(problems)} 处" if len(problems) > 1 else ""
    return f"{what}：{problems[0]}{more}"


# ── Layout: every position in the template, computed from standard.py ────────────────────


@dataclass(frozen=True)
class _Label:
    row: int
    column: int
    text: str
    role: str  # "heading", "note", "section", "header", "corner", "label"
    rowspan: int = 1
    colspan: int = 1


@dataclass(frozen=True)
class _Input:
    row: int
    column: int
    code: str
    colspan: int = 1


@dataclass
class _SheetLayout:
    name: str
    width: int
    labels: list[_Label] = field(default_factory=list)
    inputs: list[_Input] = field(default_factory=list)
    kinds: dict[str, standard.ValueKind] = field(default_factory=dict)  # code → kind of each input
    height: int = 0
    label_columns: int = 0


TITLE_ROW = 1
_TEXT_PREFIX = "text:"


def sheet_name(table: standard.Table) -> str:
    """The sheet that holds ``table``: 表二, 表三, 表四, 表六."""
    return f"表{table.part}"


def _table_heading(table: standard.Table) -> str:
    part_title = dict(standard.STANDARD.parts).get(table.part, table.title)
    heading = f"{table.part}、{part_title}"
    return heading if table.title == part_title else f"{heading}（{table.title}）"


def _table_layout(table: standard.Table) -> _SheetLayout:
    label_columns = max(section.row_depth for section in table.sections)
    width = max(section.row_depth + len(section.columns) for section in table.sections)
    layout = _SheetLayout(sheet_name(table), width, label_columns=label_columns)
    row = TITLE_ROW + 1
    layout.labels.append(_Label(row, 1, _table_heading(table), "heading", colspan=width))
    row += 1
    if table.note and all(section.corner != table.note for section in table.sections):
        layout.labels.append(_Label(row, 1, table.note, "note", colspan=width))
        row += 1
    for section in table.sections:
        row = _place_section(layout, section, row)
    layout.height = row - 1
    return layout


def _place_section(layout: _SheetLayout, section: standard.Section, top: int) -> int:
    """Place one section from row ``top``; return the row after it.

    Spans come from ``Section.header_rows()`` and ``body_rows()``; this only assigns the
    columns, skipping positions that a span from an earlier row already covers. A section
    narrower than the sheet stretches its last column, as the official table 二 does.
    """
    row = top
    width = layout.width
    depth = section.row_depth
    last = depth + len(section.columns)
    stretch = width - last
    if section.title:
        layout.labels.append(_Label(row, 1, section.title, "section", colspan=width))
        row += 1

    header = section.header_rows()
    covered: set[tuple[int, int]] = set()
    if depth and header:
        layout.labels.append(_Label(row, 1, section.corner, "corner", rowspan=len(header), colspan=depth))
    for level, cells in enumerate(header):
        column = depth + 1
        for cell in cells:
            while (row + level, column) in covered:
                column += 1
            colspan = cell.colspan + (stretch if column + cell.colspan - 1 == last else 0)
            layout.labels.append(_Label(row + level, column, cell.label, "header", cell.rowspan, colspan))
            for r in range(row + level, row + level + cell.rowspan):
                for c in range(column, column + cell.colspan):
                    covered.add((r, c))
            column += cell.colspan
    row += len(header)

    covered.clear()
    for offset, body in enumerate(section.body_rows()):
        r = row + offset
        column = 1
        for label in body.labels:
            while (r, column) in covered:
                column += 1
            layout.labels.append(_Label(r, column, label.label, "label", label.rowspan, label.colspan))
            for rr in range(r, r + label.rowspan):
                for cc in range(column, column + label.colspan):
                    covered.add((rr, cc))
            column += label.colspan
        for index, cell in enumerate(body.cells):
            column = depth + 1 + index
            colspan = 1 + (stretch if column == last else 0)
            layout.inputs.append(_Input(r, column, cell.code, colspan))
            layout.kinds[cell.code] = cell.kind
    return row + len(section.rows)


def _text_layout() -> _SheetLayout:
    layout = _SheetLayout(TEXT_SHEET, 2, label_columns=1)
    row = TITLE_ROW + 2
    for part in standard.TEXTS:
        layout.labels.append(_Label(row, 1, f"{part.part}、{part.title}", "section"))
        layout.inputs.append(_Input(row, 2, _TEXT_PREFIX + part.key))
        layout.labels.append(_Label(row + 1, 1, "填写说明", "label"))
        layout.labels.append(_Label(row + 1, 2, part.guidance, "note"))
        row += 3
    layout.height = row - 2
    return layout


@cache
def _layouts() -> tuple[_SheetLayout, ...]:
    return (*(_table_layout(table) for table in standard.STANDARD.tables), _text_layout())


def _address(layout: _SheetLayout, row: int, column: int) -> str:
    return f"{layout.name}!{get_column_letter(column)}{row}"


@cache
def _mapping() -> tuple[tuple[str, str], ...]:
    """(address, code) for every input of the template, in sheet order; texts as ``text:<key>``."""
    return tuple(
        (_address(layout, item.row, item.column), item.code) for layout in _layouts() for item in layout.inputs
    )


@cache
def _address_by_code() -> dict[str, str]:
    return {code: address for address, code in _mapping()}


def cell_address(code: str) -> str:
    """Where a cell code (or ``text:<key>``) is typed in the template, e.g. ``表三!D7``."""
    return _address_by_code()[code]


# ── Building ────────────────────────────────────────────────────────────────────────────

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")
_FONT = Font(name=FONT_NAME, size=11)
_BOLD = Font(name=FONT_NAME, size=11, bold=True)
_TITLE_FONT = Font(name=FONT_NAME, size=16, bold=True)
_HEADING_FONT = Font(name=FONT_NAME, size=13, bold=True)
_NOTE_FONT = Font(name=FONT_NAME, size=10, italic=True, color="595959")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)
_LOCKED = Protection(locked=True)
_UNLOCKED = Protection(locked=False)

_LABEL_STYLE = {
    "heading": (_HEADING_FONT, _LEFT, None, False),
    "note": (_NOTE_FONT, _LEFT, None, False),
    "section": (_BOLD, _LEFT, _HEADER_FILL, True),
    "header": (_BOLD, _CENTER, _HEADER_FILL, True),
    "corner": (_NOTE_FONT, _CENTER, _HEADER_FILL, True),
    "label": (_FONT, _LEFT, None, True),
}


def _display_width(text: str) -> int:
    """Width in Excel's column units: a CJK character takes about two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _lines(text: str, width: float) -> int:
    usable = max(width - 1, 1)
    return sum(max(1, math.ceil(_display_width(line) / usable)) for line in text.split("\n"))


def _put_text(cell, text: str) -> None:
    """A string cell, even when the text starts with "=" (never let user text become a formula)."""
    cell.value = openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE.sub("", text)
    cell.data_type = "s"


def _style(ws, top: int, left: int, rowspan: int, colspan: int, font, alignment, fill, border, protection) -> None:
    for r in range(top, top + rowspan):
        for c in range(left, left + colspan):
            cell = ws.cell(r, c)
            cell.font = font
            cell.alignment = alignment
            cell.protection = protection
            if fill is not None:
                cell.fill = fill
            if border:
                cell.border = _BORDER
    if rowspan > 1 or colspan > 1:
        ws.merge_cells(start_row=top, start_column=left, end_row=top + rowspan - 1, end_column=left + colspan - 1)


def _write_value(cell, code: str, raw: object) -> None:
    """A figure as a number; a value the rules would refuse stays visible, as text, for the clerk."""
    try:
        value = values.parse_cell(code, raw)
    except values.CellValueError:
        _put_text(cell, str(raw))
        return
    if isinstance(value, Decimal):
        cell.value = Decimal(format(value, "f"))  # plain notation in the file, exact digits
    else:
        cell.value = value


def _number_format(kind: standard.ValueKind) -> str:
    return "0" if kind.places == 0 else "0." + "0" * kind.places


def _validation(kind: standard.ValueKind) -> DataValidation:
    if kind.places == 0:
        what = f"0 到 {standard.MAX_VALUE} 之间的整数"
        dv = DataValidation(type="whole", operator="between", formula1="0", formula2=str(standard.MAX_VALUE))
    else:
        what = f"不小于 0 的金额（单位：{kind.unit}），最多 {kind.places} 位小数"
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2=str(standard.MAX_VALUE))
    dv.allow_blank = True
    dv.showErrorMessage = True
    dv.showInputMessage = True
    dv.errorStyle = "stop"
    dv.errorTitle = "数值不符合要求"
    dv.error = f"请填写{what}。没有发生的填 0，不要留空或填文字。"
    dv.promptTitle = "填写说明"
    dv.prompt = f"填写{what}"
    return dv


def _protect(ws) -> None:
    ws.protection.sheet = True
    if PROTECTION_PASSWORD:
        ws.protection.password = PROTECTION_PASSWORD
    # Clerks may still widen columns and rows to read long labels.
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def _build_table_sheet(ws, layout: _SheetLayout, title: str, cells: dict[str, object]) -> None:
    widths: dict[int, float] = {}
    for c in range(1, layout.label_columns + 1):
        single = [
            label for label in layout.labels if label.column == c and label.colspan == 1 and label.role == "label"
        ]
        longest = max((_display_width(label.text) for label in single if label.rowspan == 1), default=0)
        tall = max((_display_width(label.text) for label in single if label.rowspan > 1), default=0)
        widths[c] = max(8.0, min(max(longest + 2, min(tall, 10) + 2), 44.0))
    # Value columns: narrow enough that 表四's fifteen fit a landscape page, wider when alone.
    value_width = 18.0 if layout.width - layout.label_columns == 1 else 12.0
    for c in range(layout.label_columns + 1, layout.width + 1):
        widths[c] = value_width
    for c, width in widths.items():
        ws.column_dimensions[get_column_letter(c)].width = width

    def span_width(item) -> float:
        return sum(widths[c] for c in range(item.column, item.column + item.colspan))

    heights: dict[int, float] = {}
    _put_text(ws.cell(TITLE_ROW, 1), title)
    _style(ws, TITLE_ROW, 1, 1, layout.width, _TITLE_FONT, _CENTER, None, False, _LOCKED)
    heights[TITLE_ROW] = max(30.0, 21.0 * _lines(title, sum(widths.values())))

    for label in layout.labels:
        font, alignment, fill, border = _LABEL_STYLE[label.role]
        _put_text(ws.cell(label.row, label.column), label.text)
        _style(ws, label.row, label.column, label.rowspan, label.colspan, font, alignment, fill, border, _LOCKED)
        if label.rowspan == 1:
            needed = 15.0 * _lines(label.text, span_width(label)) + 4
            heights[label.row] = max(heights.get(label.row, 18.0), needed)

    validations: dict[standard.ValueKind, DataValidation] = {}
    for item in layout.inputs:
        kind = layout.kinds[item.code]
        cell = ws.cell(item.row, item.column)
        _write_value(cell, item.code, cells.get(item.code))
        cell.number_format = _number_format(kind)
        _style(ws, item.row, item.column, 1, item.colspan, _FONT, _CENTER, _INPUT_FILL, True, _UNLOCKED)
        if kind not in validations:
            validations[kind] = _validation(kind)
            ws.add_data_validation(validations[kind])
        validations[kind].add(cell.coordinate)

    for row, height in heights.items():
        ws.row_dimensions[row].height = min(height, 409.0)
    ws.page_setup.orientation = "landscape" if layout.width > 4 else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    _protect(ws)


def _build_text_sheet(ws, layout: _SheetLayout, title: str, texts: dict[str, str]) -> None:
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 100
    _put_text(ws.cell(TITLE_ROW, 1), title)
    _style(ws, TITLE_ROW, 1, 1, 2, _TITLE_FONT, _CENTER, None, False, _LOCKED)
    ws.row_dimensions[TITLE_ROW].height = 30
    _put_text(ws.cell(TITLE_ROW + 1, 1), "在黄色单元格内填写各部分正文；段落之间空一行（单元格内换行：Alt+Enter）。")
    _style(ws, TITLE_ROW + 1, 1, 1, 2, _NOTE_FONT, _LEFT, None, False, _LOCKED)
    for label in layout.labels:
        font, _, fill, border = _LABEL_STYLE[label.role]
        _put_text(ws.cell(label.row, label.column), label.text)
        _style(ws, label.row, label.column, 1, 1, font, _TOP_LEFT, fill, border, _LOCKED)
        if label.column == 2:
            ws.row_dimensions[label.row].height = min(409.0, 15.0 * _lines(label.text, 100) + 6)
    for item in layout.inputs:
        text = texts.get(item.code.removeprefix(_TEXT_PREFIX)) or ""
        cell = ws.cell(item.row, item.column)
        if text:
            _put_text(cell, text)
        _style(ws, item.row, item.column, 1, 1, _FONT, _TOP_LEFT, _INPUT_FILL, True, _UNLOCKED)
        ws.row_dimensions[item.row].height = min(409.0, max(120.0, 15.0 * _lines(text, 100) + 6))
    _protect(ws)


_META_KEYS = ("marker", "format", "template_version", "agency", "district", "year")
_META_MAP_HEADER = ("address", "code")


def _build_meta_sheet(ws, meta: dict[str, object]) -> None:
    for index, key in enumerate(_META_KEYS, start=1):
        _put_text(ws.cell(index, 1), key)
        value = meta[key]
        if isinstance(value, str):
            _put_text(ws.cell(index, 2), value)
        else:
            ws.cell(index, 2).value = value
    top = len(_META_KEYS) + 2
    for column, text in enumerate(_META_MAP_HEADER, start=1):
        _put_text(ws.cell(top, column), text)
    for offset, (address, code) in enumerate(_mapping(), start=1):
        _put_text(ws.cell(top + offset, 1), address)
        _put_text(ws.cell(top + offset, 2), code)
    ws.sheet_state = "veryHidden"
    _protect(ws)


def build_workbook(document: ReportDocument, *, agency_name: str | None = None) -> bytes:
    """The template of the official layout for this agency and year, filled with ``document``.

    ``agency_name`` overrides ``document.agency_name`` in the title and the ``_meta`` sheet.
    Blank cells stay blank; a value the rules would refuse is written as text so the clerk
    sees it and corrects it.
    """
    agency = agency_name if agency_name is not None else document.agency_name
    title = f"{agency}{document.year}年政府信息公开工作年度报告"
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    layouts = _layouts()
    for layout in layouts[:-1]:
        _build_table_sheet(wb.create_sheet(layout.name), layout, title, document.cells)
    _build_text_sheet(wb.create_sheet(layouts[-1].name), layouts[-1], title, document.texts)
    meta = {
        "marker": TEMPLATE_MARKER,
        "format": standard.FORMAT_ID,
        "template_version": TEMPLATE_VERSION,
        "agency": agency,
        "district": document.district_name or "",
        "year": document.year,
    }
    _build_meta_sheet(wb.create_sheet(META_SHEET), meta)
    wb.active = 0
    # Structure locked: no renaming, moving or unhiding sheets.
    wb.security = WorkbookProtection(lockStructure=True)
    wb.properties.title = title
    wb.properties.creator = "政府信息公开工作年度报告系统"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ── Reading: checks before openpyxl ──────────────────────────────────────────────────────


def _read_bytes(file: str | os.PathLike | BinaryIO, max_bytes: int = MAX_UPLOAD_BYTES) -> bytes:
    if isinstance(file, str | os.PathLike):
        try:
            size = os.path.getsize(file)
            if size > max_bytes:
                raise SpreadsheetError(_too_big(size, max_bytes))
            with open(file, "rb") as handle:
                data = handle.read(max_bytes + 1)
        except SpreadsheetError:
            raise
        except FileNotFoundError:
            raise SpreadsheetError("文件不存在") from None
        except OSError:
            raise SpreadsheetError("无法读取文件") from None
    else:
        size = getattr(file, "size", None)  # Django's UploadedFile knows it without reading
        if isinstance(size, int) and size > max_bytes:
            raise SpreadsheetError(_too_big(size, max_bytes))
        try:
            if hasattr(file, "seek"):
                file.seek(0)
            data = file.read(max_bytes + 1)
        except (OSError, ValueError):
            raise SpreadsheetError("无法读取文件") from None
        if not isinstance(data, bytes):
            raise SpreadsheetError(NOT_XLSX)
    if len(data) > max_bytes:
        raise SpreadsheetError(_too_big(len(data), max_bytes))
    return data


def _too_big(size: int, max_bytes: int = MAX_UPLOAD_BYTES) -> str:
    limit = max_bytes / 1024 / 1024
    return f"文件太大（{size / 1024 / 1024:.1f} MB），年度报告模板不超过 {limit:g} MB，请确认选择的是本系统下载的模板"


def _check_archive(data: bytes) -> None:
    """Refuse what is not a plain .xlsx zip, judging from the zip directory and a count of
    the elements in the parts openpyxl would parse — never by parsing them."""
    if data.startswith(_OLE_MAGIC):
        raise SpreadsheetError(
            f"{NOT_XLSX}：这是旧版 .xls 文件或设置了打开密码的工作簿，请取消密码并另存为“Excel 工作簿(*.xlsx)”后再上传"
        )
    stream = io.BytesIO(data)
    if not zipfile.is_zipfile(stream):
        raise SpreadsheetError(NOT_XLSX)
    try:
        with zipfile.ZipFile(stream) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                raise SpreadsheetError(f"{NOT_XLSX}：压缩包内文件过多（{len(infos)} 个），已拒绝")
            # The total first: it bounds everything openpyxl may unpack, whatever the entries.
            if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED_BYTES:
                raise SpreadsheetError(
                    f"文件解压后过大（超过 {MAX_UNCOMPRESSED_BYTES // 1024 // 1024} MB），可能是恶意文件，已拒绝"
                )
            for info in infos:
                _check_entry(info)
            names = {info.filename for info in infos}
            if "[Content_Types].xml" not in names:
                raise SpreadsheetError(NOT_XLSX)
            # Each XML part read once (the total was bounded above): no DTD, not too many elements.
            for info in infos:
                if info.filename.lower().endswith(_XML_PARTS):
                    content = archive.read(info)
                    if _declares_a_dtd(content):
                        raise SpreadsheetError(UNSAFE_XML)
                    _count_elements(info.filename, content)
            content_types = archive.read("[Content_Types].xml")
    except SpreadsheetError:
        raise
    except Exception:
        raise SpreadsheetError(NOT_XLSX) from None
    if b"macroEnabled" in content_types or b"vbaProject" in content_types:
        raise SpreadsheetError(_MACRO)


_MACRO = "文件包含宏（VBA），本系统只接受不含宏的模板，请另存为“Excel 工作簿(*.xlsx)”后再上传"
_EXTERNAL = "文件包含指向其他文件或数据源的外部链接，请把相关单元格复制后“粘贴为数值”，删除外部链接后再上传"
_EMBEDDED = "文件包含嵌入的对象或控件，本系统只接受本系统下载的模板，请删除后再上传"


def _part_limit(name: str) -> int:
    if name in MAX_PART_BYTES:
        return MAX_PART_BYTES[name]
    if name.startswith("xl/worksheets/") and name.endswith(".xml"):
        return MAX_SHEET_BYTES
    return MAX_OTHER_PART_BYTES


def _count_elements(name: str, content: bytes) -> None:
    """Refuse a part whose element count would make parsing it slow (each part's size is
    already bounded, so unpacking it to count is cheap)."""
    if name == "xl/sharedStrings.xml":
        tag, limit = b"<t", MAX_SHARED_TEXTS
    elif name.startswith("xl/worksheets/") and name.endswith(".xml"):
        tag, limit = b"<c", MAX_SHEET_CELLS
    else:
        return
    # b"<t" also counts <tabColor …> and the like: a few at most; the limit has room for them.
    count = content.count(tag + b">") + content.count(tag + b" ")
    if count > limit:
        raise SpreadsheetError(
            f"文件中 {name} 的内容过多（{count} 项，上限 {limit} 项），不是本系统的模板，可能是恶意文件，已拒绝"
        )


#: The parts of the package that are XML (read whole: the total was bounded above).
_XML_PARTS = (".xml", ".rels", ".vml")
#: A document type declaration, the vehicle of billion-laughs and external-entity attacks, in
#: the encodings an XML part may use. Excel, WPS and LibreOffice never write one, so any is
#: refused here, whatever parser openpyxl then uses: with lxml installed (python-docx needs
#: it) openpyxl reads some parts with lxml, which skips the entities instead of refusing them.
_DTD_MARKERS = tuple(
    marker.encode(encoding) for marker in ("<!DOCTYPE", "<!ENTITY") for encoding in ("ascii", "utf-16-le", "utf-16-be")
)


def _declares_a_dtd(xml: bytes) -> bool:
    return any(marker in xml for marker in _DTD_MARKERS)


def _check_entry(info: zipfile.ZipInfo) -> None:
    limit = _part_limit(info.filename)
    if info.file_size > limit:
        raise SpreadsheetError(
            f"文件中 {info.filename} 解压后过大（{info.file_size / 1024 / 1024:.1f} MB，"
            f"上限 {limit / 1024 / 1024:g} MB），可能是恶意文件，已拒绝"
        )
    name = info.filename.lower()
    if info.flag_bits & 0x1:
        raise SpreadsheetError(f"{NOT_XLSX}：文件已加密，请取消密码后再上传")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise SpreadsheetError(NOT_XLSX)
    if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
        raise SpreadsheetError(
            f"文件中 {info.filename} 的压缩比异常（超过 {MAX_COMPRESSION_RATIO}:1），可能是恶意文件，已拒绝"
        )
    if "vbaproject" in name:
        raise SpreadsheetError(_MACRO)
    if "externallink" in name or name.endswith("connections.xml"):
        raise SpreadsheetError(_EXTERNAL)
    if "/activex/" in name or "/embeddings/" in name:
        raise SpreadsheetError(_EMBEDDED)


# ── Reading: the workbook ───────────────────────────────────────────────────────────────


def _is_unsafe_xml(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, defusedxml.DefusedXmlException):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


@dataclass
class _Grid:
    """The cells of one sheet within the template's rows and columns: (row, column) → cell."""

    cells: dict[tuple[int, int], object]

    def value(self, row: int, column: int) -> object:
        cell = self.cells.get((row, column))
        return None if cell is None else cell.value

    def data_type(self, row: int, column: int) -> str:
        cell = self.cells.get((row, column))
        return "n" if cell is None else cell.data_type


def _grid(ws, rows: int, columns: int) -> _Grid:
    max_row, max_column = ws.max_row, ws.max_column
    if (max_row or 0) > MAX_SHEET_ROWS or (max_column or 0) > MAX_SHEET_COLUMNS:
        raise SpreadsheetError(
            f"工作表“{ws.title}”的内容超出了模板范围（最多 {MAX_SHEET_ROWS} 行、{MAX_SHEET_COLUMNS} 列），"
            "请删除表格以外的内容后再上传"
        )
    cells = {}
    # Explicit bounds: openpyxl stops parsing the sheet after ``rows``, whatever it claims.
    for line in ws.iter_rows(min_row=1, max_row=rows, min_col=1, max_col=columns):
        for cell in line:
            if getattr(cell, "value", None) is not None or getattr(cell, "data_type", "n") != "n":
                cells[(cell.row, cell.column)] = cell
    return _Grid(cells)


def read_workbook(file: str | os.PathLike | BinaryIO, *, strict: bool = True) -> ReportDocument:
    """Read a filled-in template (a path, or a binary file such as Django's ``UploadedFile``).

    With ``strict`` (uploads) any cell that is not a valid value refuses the whole file, with
    every such cell in ``SpreadsheetError.problems``. Without it (``check_report``) a wrong
    value is kept as found in ``cells`` — text as text, a number as an ``int`` or decimal string,
    a formula without a result as its formula — for the rules to report as ``CELL-INVALID``;
    only a file that is unreadable, unsafe or not the template raises.
    """
    data = checked_xlsx_bytes(file)
    books = []
    try:
        for data_only in (True, False):
            books.append(_load(data, data_only=data_only))
        return _read_guarded(*books, strict=strict)
    finally:
        for book in books:
            book.close()


def checked_xlsx_bytes(file: str | os.PathLike | BinaryIO, *, max_bytes: int = MAX_UPLOAD_BYTES) -> bytes:
    """The bytes of an uploaded ``.xlsx`` that passed every check made before parsing: its
    size, the zip directory (entries, unpacked size of every part, compression ratio,
    encryption, macros, external links, embedded objects) and the element counts of the
    parts openpyxl would parse. Raises ``SpreadsheetError`` with a Chinese message."""
    data = _read_bytes(file, max_bytes)
    _check_archive(data)
    return data


def open_workbook(file: str | os.PathLike | BinaryIO, *, data_only: bool = True, max_bytes: int = MAX_UPLOAD_BYTES):
    """The one hardened way to open any uploaded ``.xlsx`` (a path, bytes-like file or
    Django ``UploadedFile``): ``checked_xlsx_bytes``, then openpyxl read-only through
    defusedxml, with no VBA and no external links. The caller closes the workbook. Every
    failure is a ``SpreadsheetError``; an accepted file parses in well under a second
    (``benchmarks/bench_hostile_upload.py``)."""
    return _load(checked_xlsx_bytes(file, max_bytes=max_bytes), data_only=data_only)


def _load(data: bytes, *, data_only: bool):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=data_only, keep_vba=False, keep_links=False
            )
    except Exception as exc:
        raise _unreadable(exc) from None


def _unreadable(exc: BaseException) -> SpreadsheetError:
    if _is_unsafe_xml(exc):
        return SpreadsheetError(UNSAFE_XML)
    logger.info("unreadable workbook upload", exc_info=True)
    return SpreadsheetError(UNREADABLE)


def _read_guarded(values_book, formulas_book, *, strict: bool) -> ReportDocument:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _read(values_book, formulas_book, strict=strict)
    except SpreadsheetError:
        raise
    except Exception as exc:
        raise _unreadable(exc) from None


def _read(values_book, formulas_book, *, strict: bool) -> ReportDocument:
    meta = _read_meta(values_book)
    layouts = _layouts()
    names = set(values_book.sheetnames)
    if any(layout.name not in names for layout in layouts):
        missing = "、".join(layout.name for layout in layouts if layout.name not in names)
        raise SpreadsheetError(f"{NOT_TEMPLATE}（缺少工作表：{missing}）")

    cells = standard.empty_cells()
    texts = standard.empty_texts()
    problems: list[CellProblem] = []
    for layout in layouts:
        grid = _grid(values_book[layout.name], layout.height, layout.width)
        _check_labels(layout, grid)
        formulas = _grid(formulas_book[layout.name], layout.height, layout.width)
        for item in layout.inputs:
            value = grid.value(item.row, item.column)
            data_type = grid.data_type(item.row, item.column)
            formula = (
                formulas.value(item.row, item.column) if formulas.data_type(item.row, item.column) == "f" else None
            )
            if isinstance(value, str):
                # Control and bidi-override characters are refused on every entry path (issue 11).
                unsafe = unsafe_character_message(value, _address(layout, item.row, item.column))
                if unsafe:
                    raise SpreadsheetError(f"{unsafe}整个文件未导入。")
            if item.code.startswith(_TEXT_PREFIX):
                texts[item.code.removeprefix(_TEXT_PREFIX)] = _text_value(value)
                continue
            raw, reason = _cell_value(item.code, layout.kinds[item.code], value, data_type, formula)
            cells[item.code] = raw
            if reason:
                problems.append(CellProblem(_address(layout, item.row, item.column), item.code, reason))

    if problems and strict:
        raise SpreadsheetError(_summary(problems, f"有 {len(problems)} 个单元格填写有误，整个文件未导入"), problems)
    return ReportDocument(
        year=meta["year"], agency_name=meta["agency"], district_name=meta["district"], texts=texts, cells=cells
    )


def _read_meta(book) -> dict[str, object]:
    if META_SHEET not in book.sheetnames:
        raise SpreadsheetError(NOT_TEMPLATE)
    mapping = _mapping()
    top = len(_META_KEYS) + 2
    grid = _grid(book[META_SHEET], top + len(mapping) + 1, 2)
    found = {grid.value(row, 1): grid.value(row, 2) for row in range(1, len(_META_KEYS) + 1)}
    if found.get("marker") != TEMPLATE_MARKER:
        raise SpreadsheetError(NOT_TEMPLATE)
    if found.get("format") != standard.FORMAT_ID:
        raise SpreadsheetError(f"{NOT_TEMPLATE}（模板的格式为 {found.get('format')}，本系统为 {standard.FORMAT_ID}）")
    if found.get("template_version") != TEMPLATE_VERSION:
        raise SpreadsheetError(f"{NOT_TEMPLATE}（模板版本不符，请重新下载模板）")
    agency, district, year = found.get("agency"), found.get("district"), found.get("year")
    if not isinstance(agency, str) or not agency.strip() or len(agency) > 200:
        raise SpreadsheetError(f"{NOT_TEMPLATE}（模板中缺少机关名称）")
    if district is not None and not isinstance(district, str):
        raise SpreadsheetError(NOT_TEMPLATE)
    if isinstance(year, bool) or not isinstance(year, int) or not YEAR_MIN <= year <= YEAR_MAX:
        raise SpreadsheetError(f"{NOT_TEMPLATE}（模板中的年度无效）")
    stored = tuple((grid.value(top + i, 1), grid.value(top + i, 2)) for i in range(1, len(mapping) + 2))
    if stored != (*mapping, (None, None)):
        raise SpreadsheetError(f"{NOT_TEMPLATE}（模板的单元格对照表被改动过）")
    return {"agency": " ".join(agency.split()), "district": " ".join((district or "").split()), "year": year}


def _check_labels(layout: _SheetLayout, grid: _Grid) -> None:
    """Every printed label where it was built: an inserted or deleted row or column would
    otherwise shift figures into the wrong cells without anyone noticing."""
    problems = []
    for label in layout.labels:
        found = grid.value(label.row, label.column)
        if not isinstance(found, str) or found.strip() != label.text.strip():
            problems.append(CellProblem(_address(layout, label.row, label.column), None, f"应为“{label.text}”"))
    if problems:
        raise SpreadsheetError(
            _summary(problems, "模板的表格结构被改动过（可能插入、删除了行列或改了标题），请重新下载模板后填写"),
            problems,
        )


def _text_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = value.isoformat() if isinstance(value, datetime.date | datetime.time) else str(value)
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


_FLOAT_TOLERANCE = Decimal("1e-9")


def _cell_value(
    code: str, kind: standard.ValueKind, value: object, data_type: str, formula: object
) -> tuple[object, str | None]:
    """The cell's value as the document keeps it, and the reason it is refused (or ``None``).

    The value is what ``values.parse_cell`` accepts when the cell is good (then normalised by
    ``values.format_cell``), else the raw content in a form ``parse_cell`` refuses too, so the
    rules report the same cell. ``formula`` is the cell's formula, if it holds one.
    """
    if value is None:
        if formula is not None:
            return str(getattr(formula, "text", formula)), "是公式且没有计算结果，请粘贴为数值"
        return None, None
    if data_type == "e":
        return str(value), f"是错误值 {value}，请填写数字"
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), "是逻辑值（TRUE/FALSE），请填写数字"
    if isinstance(value, datetime.date | datetime.time | datetime.timedelta):
        shown = value.isoformat() if hasattr(value, "isoformat") else str(value)
        return shown, "是日期或时间，请填写数字（单元格格式可能被改成了日期）"
    if isinstance(value, float):
        raw = _float_raw(value, kind.places)
    elif isinstance(value, int):
        raw = value
    else:
        raw = str(value).strip()
        if not raw:
            return None, None
    try:
        parsed = values.parse_cell(code, raw)
    except values.CellValueError as exc:
        return raw, str(exc)
    return values.format_cell(code, parsed), None


def _float_raw(value: float, places: int) -> int | str:
    """A float read from the file as an int (whole) or a plain decimal string.

    The float's shortest repr is the digits Excel showed. A binary artefact such as
    0.30000000000000004 is rounded to the allowed places, but only when it lies within 1e-9 of
    them; anything further away keeps its digits and is refused for its places.
    """
    if not math.isfinite(value):
        return str(value)
    number = Decimal(repr(value))
    if abs(number) <= Decimal(10) ** 12:
        try:
            rounded = number.quantize(Decimal(1).scaleb(-places))
        except InvalidOperation:
            rounded = number
        if abs(number - rounded) <= _FLOAT_TOLERANCE:
            number = rounded
    if number == number.to_integral_value() and places == 0:
        return int(number)
    return format(number, "f")


# ── Reading any other upload of this project (e.g. the district's onboarding sheet) ──────


def read_untrusted_rows(
    file: str | os.PathLike | BinaryIO, *, sheets: tuple[str, ...], max_rows: int, max_columns: int
) -> dict[str, list[tuple[object, ...]]]:
    """The values of the named sheets of an uploaded ``.xlsx``, read with the same defences as
    ``read_workbook`` (size, zip directory, macros and links, defusedxml, bounded rows and
    columns): ``{sheet: [row values, …]}`` from row 1, at most ``max_rows`` × ``max_columns``.

    A missing sheet, or one with more rows or columns than allowed, raises ``SpreadsheetError``
    (one line of Chinese), as does anything unreadable or unsafe.
    """
    data = _read_bytes(file)
    _check_archive(data)
    book = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_vba=False, keep_links=False
            )
            missing = [name for name in sheets if name not in book.sheetnames]
            if missing:
                raise SpreadsheetError(f"缺少工作表：{'、'.join(missing)}，请使用本系统下载的模板")
            result = {}
            for name in sheets:
                ws = book[name]
                if (ws.max_row or 0) > max_rows or (ws.max_column or 0) > max_columns:
                    raise SpreadsheetError(
                        f"工作表“{name}”超出了允许的范围（最多 {max_rows} 行、{max_columns} 列），"
                        "请删除多余的行和列后再上传"
                    )
                result[name] = [
                    tuple(row)
                    for row in ws.iter_rows(
                        min_row=1, max_row=max_rows, min_col=1, max_col=max_columns, values_only=True
                    )
                ]
            return result
    except SpreadsheetError:
        raise
    except Exception as exc:
        if _is_unsafe_xml(exc):
            raise SpreadsheetError(UNSAFE_XML) from None
        logger.info("unreadable workbook upload", exc_info=True)
        raise SpreadsheetError(UNREADABLE) from None
    finally:
        if book is not None:
            book.close()
