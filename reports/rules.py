"""The consistency rules of ``shared/spec/annual-report-format.md`` as one pure function.

``check(data, previous)`` takes a report's raw cells and texts (as the interchange format
holds them) and, optionally, the same agency's report for the year before, and returns every
violation in a stable order: by rule (the order of ``RULES``, which is the spec's), then by
the format's cell order (text parts in the order 一, 五, 六).

The equations are built once, at import, from ``reports.standard``; nothing here lists rows
or columns by hand. No Django, no database, no I/O.

Choices the spec leaves open:

* A blank or invalid cell is reported once (``CELL-REQUIRED`` / ``CELL-INVALID``) and every
  equation it belongs to is skipped, so one bad cell does not also raise sum errors.
* ``XY-CARRY`` is reported once per failing column, like ``T3-BALANCE``; its ``cells`` are this
  year's ``t3.carried_in.<c>`` and (last year's) ``t3.carried_out.<c>``.
* ``XY-IN-FORCE`` and ``T2-IN-FORCE`` are reported once per row (规章, 行政规范性文件).
* ``Violation.key`` is ``rule|cells|text``: it does not contain the numbers, so an agency's
  explanation stays attached while the figures change; for ``TEXT-FIGURE`` the cells are the
  figures that disagree, so a new kind of disagreement needs a new explanation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from . import narrative
from .standard import (
    CELL_BY_CODE,
    CELL_CODES,
    STANDARD,
    T3_COLUMNS,
    T3_HANDLING_ROWS,
    T3_PART_COLUMNS,
    T3_ROWS,
    T4_GROUPS,
    T4_RESULT_COLUMNS,
    TEXT_KEYS,
    t3,
    t4,
)
from .values import CellValueError, format_cell, parse_cell

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Rule:
    id: str
    level: str
    title: str  # a short Chinese description


RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        Rule("CELL-REQUIRED", ERROR, "表格每一格都须填写（没有的填 0）"),
        Rule("CELL-INVALID", ERROR, "数值须为不小于 0 的整数或规定位数的金额"),
        Rule("T3-ROW-TOTAL", ERROR, "表三每行的总计等于各类申请人之和"),
        Rule("T3-HANDLED-TOTAL", ERROR, "表三每列的办理结果总计等于各办理结果之和"),
        Rule("T3-BALANCE", ERROR, "表三每列：新收加上年结转等于办理结果总计加结转下年度"),
        Rule("T4-GROUP-TOTAL", ERROR, "表四每组的总计等于各结果之和"),
        Rule("T6-FEE-COLLECTED", ERROR, "实际收取的信息处理费不超过收费通知的总金额"),
        Rule("TEXT-REQUIRED", ERROR, "总体情况、存在的主要问题及改进情况、其他需要报告的事项不能为空"),
        Rule("TEXT-PLACEHOLDER", ERROR, "正文中不能留有占位符或待填空白"),
        Rule("XY-CARRY", WARNING, "上年结转数等于上一年度报告的结转下年度数"),
        Rule("XY-IN-FORCE", WARNING, "现行有效件数等于上年现行有效件数加本年制发减本年废止"),
        Rule("T2-IN-FORCE", WARNING, "现行有效件数不少于本年制发件数减本年废止件数"),
        Rule("T6-FEE-NOTICES", WARNING, "发出收费通知的件数不少于因逾期未缴费不再处理的申请数"),
        Rule("TEXT-FIGURE", WARNING, "正文所述数字与表格一致"),
        Rule("TEXT-LEFTOVER", WARNING, "正文中不能留有填报说明等文字"),
        Rule("TEXT-REPEAT", WARNING, "正文不能与上一年度报告雷同"),
        Rule("TEXT-THIN", WARNING, "存在的主要问题及改进情况须具体，不能只写“无”"),
    )
}


@dataclass(frozen=True)
class Violation:
    rule: str
    level: str
    message: str  # Chinese: names the row and column labels and the numbers
    cells: tuple[str, ...] = ()
    text: str | None = None  # the text key, when a text part is concerned
    # Of ``cells``, where the equation's result sits (a total, the 结转 a balance yields): the
    # editor marks these strongly and the others lightly. Not in ``key`` nor in ``as_dict``.
    result: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """A stable id of this violation at this place (rule, cells, text), without numbers."""
        return f"{self.rule}|{','.join(self.cells)}|{self.text or ''}"

    def as_dict(self) -> dict:
        """The JSON object of ``check_report --json``."""
        result: dict = {"rule": self.rule, "cells": list(self.cells)}
        if self.text is not None:
            result["text"] = self.text
        result["message"] = self.message
        return result


@dataclass(frozen=True)
class ReportData:
    cells: Mapping[str, object]  # raw values as in the interchange format; a missing code is blank
    texts: Mapping[str, str]


def errors(violations: Iterable[Violation]) -> list[Violation]:
    return [violation for violation in violations if violation.level == ERROR]


def warnings(violations: Iterable[Violation]) -> list[Violation]:
    return [violation for violation in violations if violation.level == WARNING]


# ── Helpers ─────────────────────────────────────────────────────────────────────────────

Values = dict[str, int | Decimal]

_CELL_INDEX = {code: index for index, code in enumerate(CELL_CODES)}
_RULE_INDEX = {rule_id: index for index, rule_id in enumerate(RULES)}
_TEXT_INDEX = {key: index for index, key in enumerate(TEXT_KEYS)}


def _label(code: str) -> str:
    return CELL_BY_CODE[code].label


def _show(code: str, value: int | Decimal) -> str:
    return str(format_cell(code, value))


def _violation(
    rule_id: str, message: str, cells: Iterable[str] = (), text: str | None = None, result: tuple[str, ...] = ()
) -> Violation:
    ordered = tuple(sorted(cells, key=_CELL_INDEX.__getitem__))
    return Violation(rule_id, RULES[rule_id].level, message, ordered, text, result)


def _text_title(key: str) -> str:
    part = STANDARD.text_by_key[key]
    return f"{part.part}、{part.title}"


# ── The equations, built once from reports.standard ─────────────────────────────────────


@dataclass(frozen=True)
class _Equation:
    """``sum(left) == sum(right)``; ``message(values, left_sum, right_sum)`` explains a failure.

    ``result``: the cell(s) holding what the equation yields; by default ``left`` (a total).
    """

    rule: str
    left: tuple[str, ...]
    right: tuple[str, ...]
    message: Callable[[Values, int, int], str]
    result: tuple[str, ...] = ()

    @property
    def cells(self) -> tuple[str, ...]:
        return self.left + self.right


def _t3_row_totals() -> list[_Equation]:
    part_labels = "、".join(column.label for column in T3_COLUMNS if column.code in T3_PART_COLUMNS)
    equations = []
    for row in T3_ROWS:
        total = t3(row.code, "total")
        equations.append(
            _Equation(
                "T3-ROW-TOTAL",
                (total,),
                tuple(t3(row.code, column) for column in T3_PART_COLUMNS),
                lambda values, left, right, total=total: f"{_label(total)} 为 {left}，但{part_labels}之和为 {right}",
            )
        )
    return equations


def _t3_column_equations() -> tuple[list[_Equation], list[_Equation]]:
    rows = {row.code: row for row in T3_ROWS}
    handled, balance = [], []
    for column in T3_COLUMNS:
        total = t3("handled_total", column.code)
        handled.append(
            _Equation(
                "T3-HANDLED-TOTAL",
                (total,),
                tuple(t3(row, column.code) for row in T3_HANDLING_ROWS),
                lambda values, left, right, total=total: f"{_label(total)} 为 {left}，但各办理结果之和为 {right}",
            )
        )
        codes = {name: t3(name, column.code) for name in ("new", "carried_in", "handled_total", "carried_out")}

        def describe(values: Values, left: int, right: int, codes=codes, column=column) -> str:
            def part(row_code: str) -> str:
                return f"{rows[row_code].label}（{values[codes[row_code]]}）"

            return (
                f"{column.label}：{part('new')}加{part('carried_in')}为 {left}，"
                f"但{part('handled_total')}加{part('carried_out')}为 {right}"
            )

        balance.append(
            _Equation(
                "T3-BALANCE",
                (codes["new"], codes["carried_in"]),
                (codes["handled_total"], codes["carried_out"]),
                describe,
                result=(codes["carried_out"],),  # 结转下年度 is what is left: new + carried in − handled
            )
        )
    return handled, balance


def _t4_group_totals() -> list[_Equation]:
    parts = [code for code, _ in T4_RESULT_COLUMNS if code != "total"]
    part_labels = "、".join(label for code, label in T4_RESULT_COLUMNS if code != "total")
    equations = []
    for group, _path, _label_text in T4_GROUPS:
        total = t4(group, "total")
        equations.append(
            _Equation(
                "T4-GROUP-TOTAL",
                (total,),
                tuple(t4(group, part) for part in parts),
                lambda values, left, right, total=total: f"{_label(total)} 为 {left}，但{part_labels}之和为 {right}",
            )
        )
    return equations


_HANDLED, _BALANCE = _t3_column_equations()
EQUATIONS: tuple[_Equation, ...] = (*_t3_row_totals(), *_HANDLED, *_BALANCE, *_t4_group_totals())


@dataclass(frozen=True)
class _DocumentRow:
    """A row of table 二 with 本年制发 / 本年废止 / 现行有效 (规章, 行政规范性文件)."""

    issued: str
    repealed: str
    in_force: str


def _document_rows() -> tuple[_DocumentRow, ...]:
    rows = []
    for section in STANDARD.table("t2").sections:
        columns = {column.code: column for column in section.columns}
        if not {"issued", "repealed", "in_force"} <= columns.keys():
            continue
        for row in section.rows:
            rows.append(_DocumentRow(*(section.cell_code(row, columns[c]) for c in ("issued", "repealed", "in_force"))))
    return tuple(rows)


DOCUMENT_ROWS = _document_rows()

FEE_NOTICES = "t6.fee_notices"
FEE_NOTICE_AMOUNT = "t6.fee_notice_amount"
FEE_COLLECTED = "t6.fee_collected"
UNPAID_FEE = t3("other_handling.unpaid_fee", "total")
for _code in (FEE_NOTICES, FEE_NOTICE_AMOUNT, FEE_COLLECTED, UNPAID_FEE):
    assert _code in CELL_BY_CODE, _code

REPEAT_SHARE = 0.5  # "more than half the same as last year's"


# ── The rules ───────────────────────────────────────────────────────────────────────────


def _parse_all(cells: Mapping[str, object], out: list[Violation] | None) -> Values:
    """The valid values; blank and invalid cells are left out (and reported into ``out``)."""
    values: Values = {}
    for code in CELL_CODES:
        raw = cells.get(code)
        try:
            value = parse_cell(code, raw)
        except CellValueError as exc:
            if out is not None:
                shown = raw if isinstance(raw, str) else repr(raw)
                if len(shown) > 30:
                    shown = shown[:30] + "…"
                out.append(_violation("CELL-INVALID", f"{_label(code)} 的值“{shown}”无效：{exc}", (code,)))
            continue
        if value is None:
            if out is not None:
                out.append(_violation("CELL-REQUIRED", f"{_label(code)} 未填写，没有的请填 0", (code,)))
            continue
        values[code] = value
    return values


def _equations(values: Values, out: list[Violation]) -> None:
    for equation in EQUATIONS:
        try:
            left = sum(values[code] for code in equation.left)
            right = sum(values[code] for code in equation.right)
        except KeyError:
            continue  # a blank or invalid member is reported on its own
        if left != right:
            message = equation.message(values, left, right)
            out.append(_violation(equation.rule, message, equation.cells, result=equation.result or equation.left))


def _table_rules(values: Values, out: list[Violation]) -> None:
    if FEE_COLLECTED in values and FEE_NOTICE_AMOUNT in values:
        collected, notified = values[FEE_COLLECTED], values[FEE_NOTICE_AMOUNT]
        if collected > notified:
            out.append(
                _violation(
                    "T6-FEE-COLLECTED",
                    f"{_label(FEE_COLLECTED)} 为 {_show(FEE_COLLECTED, collected)}，"
                    f"超过了{_label(FEE_NOTICE_AMOUNT)} {_show(FEE_NOTICE_AMOUNT, notified)}",
                    (FEE_NOTICE_AMOUNT, FEE_COLLECTED),
                )
            )
    for row in DOCUMENT_ROWS:
        if not all(code in values for code in (row.issued, row.repealed, row.in_force)):
            continue
        issued, repealed, in_force = values[row.issued], values[row.repealed], values[row.in_force]
        if in_force < issued - repealed:
            out.append(
                _violation(
                    "T2-IN-FORCE",
                    f"{_label(row.in_force)} 为 {in_force}，少于{CELL_BY_CODE[row.issued].column.label} {issued} "
                    f"减{CELL_BY_CODE[row.repealed].column.label} {repealed}（{issued - repealed}）",
                    (row.issued, row.repealed, row.in_force),
                )
            )
    if FEE_NOTICES in values and UNPAID_FEE in values and values[FEE_NOTICES] < values[UNPAID_FEE]:
        out.append(
            _violation(
                "T6-FEE-NOTICES",
                f"{_label(FEE_NOTICES)} 为 {values[FEE_NOTICES]}，少于因逾期未缴费不再处理的申请数"
                f"（{_label(UNPAID_FEE)}）{values[UNPAID_FEE]}",
                (UNPAID_FEE, FEE_NOTICES),
            )
        )


def _cross_year(values: Values, last: Values, out: list[Violation]) -> None:
    for column in T3_COLUMNS:
        carried_in, carried_out = t3("carried_in", column.code), t3("carried_out", column.code)
        if carried_in in values and carried_out in last and values[carried_in] != last[carried_out]:
            out.append(
                _violation(
                    "XY-CARRY",
                    f"{_label(carried_in)} 为 {values[carried_in]}，但上一年度报告的{_label(carried_out)} "
                    f"为 {last[carried_out]}",
                    (carried_in, carried_out),
                )
            )
    for row in DOCUMENT_ROWS:
        if not all(code in values for code in (row.issued, row.repealed, row.in_force)) or row.in_force not in last:
            continue
        issued, repealed, in_force = values[row.issued], values[row.repealed], values[row.in_force]
        expected = last[row.in_force] + issued - repealed
        if in_force != expected:
            out.append(
                _violation(
                    "XY-IN-FORCE",
                    f"{_label(row.in_force)} 为 {in_force}，但上一年度的现行有效件数 {last[row.in_force]} "
                    f"加本年制发 {issued} 减本年废止 {repealed} 为 {expected}"
                    f"（如有文件因失效等原因不再有效，请说明）",
                    (row.issued, row.repealed, row.in_force),
                )
            )


def _quote_list(items: Iterable[str]) -> str:
    return "、".join(f"“{item}”" for item in items)


def _text_rules(texts: Mapping[str, str], out: list[Violation]) -> None:
    for key in TEXT_KEYS:
        text = texts.get(key) or ""
        title = _text_title(key)
        if not text.strip():
            hint = "，没有可写“无”" if key == "other_matters" else ""
            out.append(_violation("TEXT-REQUIRED", f"{title} 未填写{hint}", text=key))
            continue
        found = narrative.placeholders(text)
        if found:
            out.append(
                _violation(
                    "TEXT-PLACEHOLDER",
                    f"{title} 中仍有待填写的占位符：{_quote_list(found)}，请替换为实际内容",
                    text=key,
                )
            )
        found = narrative.leftovers(text)
        if found:
            out.append(
                _violation(
                    "TEXT-LEFTOVER",
                    f"{title} 中似有未删除的填报说明或联系方式：{_quote_list(found)}，请删除",
                    text=key,
                )
            )
    problems = texts.get("problems") or ""
    if narrative.is_thin(problems):
        out.append(
            _violation(
                "TEXT-THIN",
                f"{_text_title('problems')} 只写了 {narrative.visible_length(problems)} 个字，"
                f"请具体写明本年度存在的主要问题和改进措施（不少于 {narrative.THIN_LENGTH} 字，不要只写“无”）",
                text="problems",
            )
        )


def _figure_rule(values: Values, texts: Mapping[str, str], out: list[Violation]) -> None:
    year = narrative.main_year(*(texts.get(key) or "" for key in TEXT_KEYS))
    for key in TEXT_KEYS:
        text = texts.get(key) or ""
        if not text.strip():
            continue
        found = narrative.figure_disagreements(text, values, year)
        if not found:
            continue
        parts, cells = [], []
        for disagreement in found:
            kind = disagreement.kind
            where = "与".join(f"“{_label(code)}”" for code in kind.cells)
            if len(kind.cells) > 1:
                where += "之和"
            quotes = _quote_list(figure.quote for figure in disagreement.figures)
            parts.append(f"文中{quotes}，但表格中{where}为 {disagreement.table_value}")
            cells.extend(kind.cells)
        out.append(
            _violation(
                "TEXT-FIGURE",
                f"{_text_title(key)} 中的数字与表格不一致：{'；'.join(parts)}",
                cells,
                text=key,
            )
        )


def _repeat_rule(texts: Mapping[str, str], last_texts: Mapping[str, str], out: list[Violation]) -> None:
    for key in TEXT_KEYS:
        share = narrative.copied_share(texts.get(key) or "", last_texts.get(key) or "")
        if share > REPEAT_SHARE:
            out.append(
                _violation(
                    "TEXT-REPEAT",
                    f"{_text_title(key)} 约 {round(share * 100)}% 与上一年度报告相同（内容雷同），"
                    f"请按本年度的实际情况撰写",
                    text=key,
                )
            )


def _order(violation: Violation) -> tuple[int, int, int]:
    first_cell = _CELL_INDEX[violation.cells[0]] if violation.cells else -1
    return (_RULE_INDEX[violation.rule], _TEXT_INDEX.get(violation.text, -1), first_cell)


def check(data: ReportData, previous: ReportData | None = None) -> list[Violation]:
    """Every violation of ``data`` (and, with ``previous``, of the cross-year rules), ordered
    by rule in ``RULES`` order, then by the format's cell order and text order."""
    out: list[Violation] = []
    values = _parse_all(data.cells, out)
    _equations(values, out)
    _table_rules(values, out)
    _text_rules(data.texts, out)
    _figure_rule(values, data.texts, out)
    if previous is not None:
        _cross_year(values, _parse_all(previous.cells, None), out)
        _repeat_rule(data.texts, previous.texts, out)
    out.sort(key=_order)
    return out
