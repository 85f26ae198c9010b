"""The 2021 annual report format (国办公开办函〔2021〕30号) as data.

This module is the one place that lists the tables, rows, columns, cell codes, labels and
value kinds of ``shared/spec/annual-report-format.md``. Forms, rules, the spreadsheet, the
published documents and the API all read it; nothing else lists rows or columns by hand.

A table is a list of *sections*; a section is a small grid of rows × columns with its own
header. Table 二 has four sections (one per article of the Regulation), the others one.
Row and column *paths* hold the labels from the outermost header to the leaf, so the
official layout (grouped headers, row spans) is computed from them, never typed twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

FORMAT_ID = "gov-info-annual-report/2021"

MAX_VALUE = 999_999_999

TEXT_KEYS = ("overview", "problems", "other_matters")


@dataclass(frozen=True)
class ValueKind:
    """What a cell holds: a whole count, or an amount with at most ``places`` decimals."""

    name: str  # "count" or "amount"
    places: int = 0
    unit: str = ""

    @property
    def is_amount(self) -> bool:
        return self.name == "amount"

    @property
    def step(self) -> str:
        """The HTML ``step`` attribute / spreadsheet number format step."""
        return "1" if self.places == 0 else "0." + "0" * (self.places - 1) + "1"

    @property
    def max_value(self) -> Decimal:
        return Decimal(MAX_VALUE)


COUNT = ValueKind("count", 0, "件")
AMOUNT_WAN = ValueKind("amount", 4, "万元")
AMOUNT_YUAN = ValueKind("amount", 2, "元")


@dataclass(frozen=True)
class Column:
    code: str  # "" when the section has a single unnamed value column
    path: tuple[str, ...]  # header labels, outermost first; () for no header
    label: str  # the short name used in messages, e.g. "自然人", "行政复议·结果维持"


@dataclass(frozen=True)
class Row:
    code: str  # "" for the single data row of table 四
    path: tuple[str, ...]  # row labels, outermost first
    kind: ValueKind = COUNT

    @property
    def label(self) -> str:
        return "".join(self.path)


@dataclass(frozen=True)
class Cell:
    code: str
    table: str
    row: Row
    column: Column
    kind: ValueKind
    label: str  # full Chinese label, e.g. "三、本年度办理结果（七）总计·自然人"


@dataclass(frozen=True)
class Section:
    title: str  # e.g. "第二十条第（一）项"; "" when the table has one section
    corner: str  # the label over the row-label columns
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    table: str = ""

    def cell_code(self, row: Row, column: Column) -> str:
        return ".".join(part for part in (self.table, row.code, column.code) if part)

    @cached_property
    def cells(self) -> tuple[Cell, ...]:
        result = []
        for row in self.rows:
            for column in self.columns:
                label = "·".join(part for part in (row.label, column.label) if part)
                result.append(Cell(self.cell_code(row, column), self.table, row, column, row.kind, label))
        return tuple(result)

    @property
    def row_depth(self) -> int:
        return max(len(row.path) for row in self.rows) if any(r.path for r in self.rows) else 0

    @property
    def header_depth(self) -> int:
        return max((len(column.path) for column in self.columns), default=0)

    def header_rows(self) -> list[list[HeaderCell]]:
        """The grouped column header, as rows of cells with their spans."""
        return _spans([column.path for column in self.columns], self.header_depth)

    def body_rows(self) -> list[BodyRow]:
        """Each data row with its row-label cells (only where a label starts) and its cells."""
        label_rows = _spans([row.path for row in self.rows], self.row_depth, transpose=True)
        by_row = {cell.row.code: [] for cell in self.cells}
        for cell in self.cells:
            by_row[cell.row.code].append(cell)
        return [
            BodyRow(row=row, labels=labels, cells=tuple(by_row[row.code]))
            for row, labels in zip(self.rows, label_rows, strict=True)
        ]


@dataclass(frozen=True)
class HeaderCell:
    label: str
    colspan: int = 1
    rowspan: int = 1


@dataclass(frozen=True)
class BodyRow:
    row: Row
    labels: list[HeaderCell]
    cells: tuple[Cell, ...]


def _spans(paths: list[tuple[str, ...]], depth: int, transpose: bool = False) -> list[list[HeaderCell]]:
    """Merge equal consecutive path prefixes into spanning cells.

    For headers (``transpose=False``) the result is one list per header level, and a leaf
    whose path is shorter than ``depth`` spans down the remaining levels. For row labels
    (``transpose=True``) the result is one list per row (the label cells that *start* on
    that row), and a short path spans right across the remaining label columns.
    """
    if depth == 0:
        return [[] for _ in paths] if transpose else []
    levels: list[list[HeaderCell]] = [[] for _ in range(depth)]
    per_item: list[list[HeaderCell]] = [[] for _ in paths]
    for level in range(depth):
        index = 0
        while index < len(paths):
            path = paths[index]
            if len(path) <= level:
                index += 1
                continue
            end = index + 1
            is_leaf = len(path) == level + 1
            if not is_leaf:
                while end < len(paths) and paths[end][: level + 1] == path[: level + 1] and len(paths[end]) > level + 1:
                    end += 1
            span = end - index
            cross = (depth - level) if is_leaf else 1
            if transpose:
                cell = HeaderCell(path[level], colspan=cross, rowspan=span)
                per_item[index].append(cell)
            else:
                levels[level].append(HeaderCell(path[level], colspan=span, rowspan=cross))
            index = end
    return per_item if transpose else levels


@dataclass(frozen=True)
class Table:
    code: str  # "t2"
    part: str  # "二"
    title: str
    sections: tuple[Section, ...]
    note: str = ""

    @cached_property
    def cells(self) -> tuple[Cell, ...]:
        return tuple(cell for section in self.sections for cell in section.cells)


@dataclass(frozen=True)
class TextPart:
    key: str
    part: str
    title: str
    guidance: str


@dataclass(frozen=True)
class Standard:
    format_id: str
    tables: tuple[Table, ...]
    texts: tuple[TextPart, ...]
    parts: tuple[tuple[str, str], ...] = field(default=())

    @cached_property
    def cells(self) -> tuple[Cell, ...]:
        return tuple(cell for table in self.tables for cell in table.cells)

    @cached_property
    def cell_codes(self) -> tuple[str, ...]:
        return tuple(cell.code for cell in self.cells)

    @cached_property
    def cell_by_code(self) -> dict[str, Cell]:
        return {cell.code: cell for cell in self.cells}

    @cached_property
    def text_by_key(self) -> dict[str, TextPart]:
        return {text.key: text for text in self.texts}

    def table(self, code: str) -> Table:
        return next(table for table in self.tables if table.code == code)


def _table(code: str, sections: list[Section]) -> tuple[Section, ...]:
    return tuple(Section(s.title, s.corner, s.columns, s.rows, table=code) for s in sections)


# ── Table 二 ────────────────────────────────────────────────────────────────────────────
_DOC_COLUMNS = (
    Column("issued", ("本年制发件数",), "本年制发件数"),
    Column("repealed", ("本年废止件数",), "本年废止件数"),
    Column("in_force", ("现行有效件数",), "现行有效件数"),
)
_DECISIONS = (Column("decisions", ("本年处理决定数量",), "本年处理决定数量"),)

TABLE_2 = Table(
    code="t2",
    part="二",
    title="主动公开政府信息情况",
    sections=_table(
        "t2",
        [
            Section(
                "第二十条第（一）项",
                "信息内容",
                _DOC_COLUMNS,
                (Row("regulation", ("规章",)), Row("normative", ("行政规范性文件",))),
            ),
            Section("第二十条第（五）项", "信息内容", _DECISIONS, (Row("licensing", ("行政许可",)),)),
            Section(
                "第二十条第（六）项",
                "信息内容",
                _DECISIONS,
                (Row("penalty", ("行政处罚",)), Row("coercion", ("行政强制",))),
            ),
            Section(
                "第二十条第（八）项",
                "信息内容",
                (Column("amount", ("本年收费金额（单位：万元）",), "本年收费金额（万元）"),),
                (Row("fees", ("行政事业性收费",), AMOUNT_WAN),),
            ),
        ],
    ),
)

# ── Table 三 ────────────────────────────────────────────────────────────────────────────
T3_APPLICANTS = "申请人情况"
T3_ORGS = "法人或其他组织"
T3_COLUMNS = (
    Column("natural", (T3_APPLICANTS, "自然人"), "自然人"),
    Column("business", (T3_APPLICANTS, T3_ORGS, "商业企业"), "商业企业"),
    Column("research", (T3_APPLICANTS, T3_ORGS, "科研机构"), "科研机构"),
    Column("nonprofit", (T3_APPLICANTS, T3_ORGS, "社会公益组织"), "社会公益组织"),
    Column("legal", (T3_APPLICANTS, T3_ORGS, "法律服务机构"), "法律服务机构"),
    Column("other", (T3_APPLICANTS, T3_ORGS, "其他"), "其他"),
    Column("total", (T3_APPLICANTS, "总计"), "总计"),
)
T3_PART_COLUMNS = tuple(c.code for c in T3_COLUMNS if c.code != "total")

_RESULTS = "三、本年度办理结果"
_WITHHELD = "（三）不予公开"
_UNAVAILABLE = "（四）无法提供"
_NOT_PROCESSED = "（五）不予处理"
_OTHER = "（六）其他处理"

T3_ROWS = (
    Row("new", ("一、本年新收政府信息公开申请数量",)),
    Row("carried_in", ("二、上年结转政府信息公开申请数量",)),
    Row("disclosed", (_RESULTS, "（一）予以公开")),
    Row("partial", (_RESULTS, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）")),
    Row("withheld.state_secret", (_RESULTS, _WITHHELD, "1.属于国家秘密")),
    Row("withheld.prohibited", (_RESULTS, _WITHHELD, "2.其他法律行政法规禁止公开")),
    Row("withheld.security", (_RESULTS, _WITHHELD, "3.危及“三安全一稳定”")),
    Row("withheld.third_party", (_RESULTS, _WITHHELD, "4.保护第三方合法权益")),
    Row("withheld.internal", (_RESULTS, _WITHHELD, "5.属于三类内部事务信息")),
    Row("withheld.process", (_RESULTS, _WITHHELD, "6.属于四类过程性信息")),
    Row("withheld.enforcement", (_RESULTS, _WITHHELD, "7.属于行政执法案卷")),
    Row("withheld.inquiry", (_RESULTS, _WITHHELD, "8.属于行政查询事项")),
    Row("unavailable.not_held", (_RESULTS, _UNAVAILABLE, "1.本机关不掌握相关政府信息")),
    Row("unavailable.needs_creation", (_RESULTS, _UNAVAILABLE, "2.没有现成信息需要另行制作")),
    Row("unavailable.unclear", (_RESULTS, _UNAVAILABLE, "3.补正后申请内容仍不明确")),
    Row("not_processed.complaint", (_RESULTS, _NOT_PROCESSED, "1.信访举报投诉类申请")),
    Row("not_processed.duplicate", (_RESULTS, _NOT_PROCESSED, "2.重复申请")),
    Row("not_processed.publication", (_RESULTS, _NOT_PROCESSED, "3.要求提供公开出版物")),
    Row("not_processed.excessive", (_RESULTS, _NOT_PROCESSED, "4.无正当理由大量反复申请")),
    Row("not_processed.confirmation", (_RESULTS, _NOT_PROCESSED, "5.要求行政机关确认或重新出具已获取信息")),
    Row(
        "other_handling.no_correction",
        (_RESULTS, _OTHER, "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ),
    Row(
        "other_handling.unpaid_fee",
        (_RESULTS, _OTHER, "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ),
    Row("other_handling.other", (_RESULTS, _OTHER, "3.其他")),
    Row("handled_total", (_RESULTS, "（七）总计")),
    Row("carried_out", ("四、结转下年度继续办理",)),
)
T3_HANDLING_ROWS = tuple(row.code for row in T3_ROWS[2:23])
T3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

TABLE_3 = Table(
    code="t3",
    part="三",
    title="收到和处理政府信息公开申请情况",
    sections=_table("t3", [Section("", T3_NOTE, T3_COLUMNS, T3_ROWS)]),
    note=T3_NOTE,
)

# ── Table 四 ────────────────────────────────────────────────────────────────────────────
T4_RESULT_COLUMNS = (
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
)
T4_GROUPS = (
    ("reconsideration", ("行政复议",), "行政复议"),
    ("litigation_direct", ("行政诉讼", "未经复议直接起诉"), "行政诉讼（未经复议直接起诉）"),
    ("litigation_after", ("行政诉讼", "复议后起诉"), "行政诉讼（复议后起诉）"),
)
T4_COLUMNS = tuple(
    Column(f"{group}.{code}", (*path, label), f"{group_label}·{label}")
    for group, path, group_label in T4_GROUPS
    for code, label in T4_RESULT_COLUMNS
)

TABLE_4 = Table(
    code="t4",
    part="四",
    title="政府信息公开行政复议、行政诉讼情况",
    sections=_table("t4", [Section("", "", T4_COLUMNS, (Row("", ()),))]),
)

# ── Table 六 (fee figures of part 六) ──────────────────────────────────────────────────
TABLE_6 = Table(
    code="t6",
    part="六",
    title="信息处理费",
    sections=_table(
        "t6",
        [
            Section(
                "",
                "项目",
                (Column("", ("数值",), ""),),
                (
                    Row("fee_notices", ("发出收费通知的件数",)),
                    Row("fee_notice_amount", ("发出收费通知的总金额（元）",), AMOUNT_YUAN),
                    Row("fee_collected", ("实际收取的总金额（元）",), AMOUNT_YUAN),
                ),
            )
        ],
    ),
)

TEXTS = (
    TextPart(
        "overview",
        "一",
        "总体情况",
        "分别写明主动公开、依申请公开、政府信息管理、政府信息公开平台建设、监督保障五个方面的情况；"
        "文中的数字（如收到申请件数、行政处罚件数）须与表格一致。",
    ),
    TextPart(
        "problems",
        "五",
        "存在的主要问题及改进情况",
        "具体写明本年度存在的主要问题和下一步的改进措施，不少于 30 字，不要只写“无”。",
    ),
    TextPart(
        "other_matters",
        "六",
        "其他需要报告的事项",
        "写明信息处理费收取情况、人大代表建议和政协提案办理、年度工作要点落实等其他事项；没有可写“无”。",
    ),
)

STANDARD = Standard(
    format_id=FORMAT_ID,
    tables=(TABLE_2, TABLE_3, TABLE_4, TABLE_6),
    texts=TEXTS,
    parts=(
        ("一", "总体情况"),
        ("二", "主动公开政府信息情况"),
        ("三", "收到和处理政府信息公开申请情况"),
        ("四", "政府信息公开行政复议、行政诉讼情况"),
        ("五", "存在的主要问题及改进情况"),
        ("六", "其他需要报告的事项"),
    ),
)

CELLS = STANDARD.cells
CELL_CODES = STANDARD.cell_codes
CELL_BY_CODE = STANDARD.cell_by_code


def t3(row: str, column: str) -> str:
    """The cell code of table 三 at ``row`` × ``column``."""
    return f"t3.{row}.{column}"


def t4(group: str, column: str) -> str:
    return f"t4.{group}.{column}"


def empty_cells() -> dict[str, None]:
    return dict.fromkeys(CELL_CODES)


def empty_texts() -> dict[str, str]:
    return dict.fromkeys(TEXT_KEYS, "")
