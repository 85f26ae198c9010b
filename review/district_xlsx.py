"""Spreadsheets of the district office: the completeness board, and the aggregate with its
per-agency breakdown (one sheet per table, one row per agency, a total row).

Written with openpyxl (whose XML parsing ``reports/spreadsheet.py`` already ties to
defusedxml; these files are only written, never read back). Numbers are written as numbers —
counts as ``int``, amounts as ``Decimal`` — so the office can sum and filter in Excel or WPS.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from reports import standard
from reports.aggregate import DistrictAggregate
from reports.models import Agency

from .board import BoardRow, DistrictBoard

BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
TOTAL_FILL = PatternFill("solid", fgColor="FFF2CC")
ALERT_FILL = PatternFill("solid", fgColor="F8D7DA")
WARN_FILL = PatternFill("solid", fgColor="FFF3CD")
WRAP = Alignment(wrap_text=True, vertical="top")


def _header(sheet, labels: Iterable[str], row: int = 1) -> None:
    for column, label in enumerate(labels, start=1):
        cell = sheet.cell(row=row, column=column, value=label)
        cell.font, cell.fill, cell.alignment = BOLD, HEADER_FILL, WRAP


def _widths(sheet, widths: dict[int, int]) -> None:
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = width


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ── The board ───────────────────────────────────────────────────────────────────────────

BOARD_COLUMNS = (
    "机关",
    "类型",
    "状态",
    "当前办理人",
    "距截止（天）",
    "逾期（天）",
    "临近截止",
    "首次提交日期",
    "审核环节已等待（工作日）",
    "错误",
    "未说明的警告",
)


def _board_row(row: BoardRow) -> list:
    return [
        row.agency_name,
        row.agency_kind_label,
        row.status_label,
        row.holder,
        row.days_left if row.with_agency and not row.overdue else None,
        row.days_overdue or None,
        "是" if row.at_risk else "",
        row.first_submitted_on,
        row.waiting_working_days,
        row.errors,
        row.unexplained,
    ]


def board_workbook(board: DistrictBoard, rows: list[BoardRow]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "报送进度"
    sheet.append(
        [f"{board.district.name} {board.year}年度政府信息公开工作年度报告报送进度（截至{board.today:%Y-%m-%d}）"]
    )
    sheet["A1"].font = BOLD
    sheet.append([f"报送截止日期：{board.deadline:%Y-%m-%d}；共 {board.total} 个机关，本表 {len(rows)} 个"])
    _header(sheet, BOARD_COLUMNS, row=3)
    for index, row in enumerate(rows, start=4):
        sheet.append(_board_row(row))
        sheet.cell(row=index, column=8).number_format = "yyyy-mm-dd"
        if row.overdue or row.at_risk:
            for column in range(1, len(BOARD_COLUMNS) + 1):
                sheet.cell(row=index, column=column).fill = ALERT_FILL if row.overdue else WARN_FILL
    sheet.freeze_panes = "B4"
    sheet.auto_filter.ref = f"A3:{get_column_letter(len(BOARD_COLUMNS))}{max(3, 3 + len(rows))}"
    _widths(sheet, {1: 36, 2: 16, 3: 10, 4: 16, 8: 14, 9: 14})

    totals = workbook.create_sheet("按状态统计")
    _header(totals, ("状态", "机关数"))
    for total in board.totals:
        totals.append([total.label, total.count])
    totals.append(["其中：已逾期", board.overdue])
    totals.append(["其中：临近截止（7 天内）", board.at_risk])
    totals.append(["合计", board.total])
    _widths(totals, {1: 26, 2: 10})
    return _save(workbook)


# ── The aggregate ───────────────────────────────────────────────────────────────────────


def aggregate_workbook(aggregate: DistrictAggregate) -> bytes:
    """One sheet per table (表二、表三、表四、表六): a column per cell, a row per contributing
    agency, the total row 合计; then the agencies not included, the gaps and the rules' verdict."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in standard.STANDARD.tables:
        sheet = workbook.create_sheet(f"表{table.part}")
        cells = table.cells
        sheet.append(
            [f"{aggregate.district.name} {aggregate.year}年度 {table.part}、{table.title}（各机关明细及合计）"]
        )
        sheet["A1"].font = BOLD
        _header(sheet, ["机关", "状态", *(cell.label for cell in cells)], row=2)
        sheet.append(["", "单元格代码", *(cell.code for cell in cells)])
        for source in aggregate.sources:
            sheet.append([source.agency_name, source.status_label, *(source.value(cell.code) for cell in cells)])
        sheet.append(["合计", f"{len(aggregate.sources)} 个机关", *(aggregate.totals[cell.code] for cell in cells)])
        total_row = sheet.max_row
        for column in range(1, len(cells) + 3):
            sheet.cell(row=total_row, column=column).font = BOLD
            sheet.cell(row=total_row, column=column).fill = TOTAL_FILL
        for column, cell in enumerate(cells, start=3):
            if cell.kind.is_amount:
                number_format = "0." + "0" * cell.kind.places
                for row in range(4, total_row + 1):
                    sheet.cell(row=row, column=column).number_format = number_format
        sheet.freeze_panes = "C4"
        _widths(sheet, {1: 36, 2: 12, **{column: 14 for column in range(3, len(cells) + 3)}})
        sheet.row_dimensions[2].height = 90

    excluded = workbook.create_sheet("未纳入汇总的机关")
    _header(excluded, ("机关", "类型", "报告状态"))
    for item in aggregate.excluded:
        excluded.append([item.agency_name, _kind_label(item.agency_kind), item.status_label])
    _widths(excluded, {1: 36, 2: 16, 3: 12})

    gaps = workbook.create_sheet("数据缺失")
    _header(gaps, ("机关", "单元格", "单元格代码", "原值", "原因"))
    for gap in aggregate.gaps:
        gaps.append([gap.agency_name, gap.label, gap.code, "" if gap.raw is None else str(gap.raw), gap.reason])
    _widths(gaps, {1: 36, 2: 50, 3: 30, 4: 12, 5: 24})

    checks = workbook.create_sheet("合计数检查结果")
    _header(checks, ("级别", "规则", "说明", "单元格"))
    for violation in aggregate.violations:
        level = "错误" if violation.level == "error" else "警告"
        checks.append([level, violation.rule, violation.message, "、".join(violation.cells)])
    _widths(checks, {1: 8, 2: 20, 3: 80, 4: 40})
    return _save(workbook)


def _kind_label(kind: str) -> str:
    return Agency.Kind(kind).label if kind in Agency.Kind.values else kind
