"""CELL-REQUIRED, CELL-INVALID, and the shape of the rules API."""

import dataclasses
import re

import pytest

from reports import standard
from reports.rules import ERROR, RULES, WARNING, ReportData, Violation, check, errors, warnings
from reports.tests.samples import NAMES, data

SPEC = "/work/shared/spec/annual-report-format.md"


def rules_of(violations, rule):
    return [violation for violation in violations if violation.rule == rule]


# ── The API ─────────────────────────────────────────────────────────────────────────────


def test_the_rules_are_those_of_the_spec_in_its_order_with_its_levels():
    spec_rows = [
        ("CELL-REQUIRED", ERROR),
        ("CELL-INVALID", ERROR),
        ("T3-ROW-TOTAL", ERROR),
        ("T3-HANDLED-TOTAL", ERROR),
        ("T3-BALANCE", ERROR),
        ("T4-GROUP-TOTAL", ERROR),
        ("T6-FEE-COLLECTED", ERROR),
        ("TEXT-REQUIRED", ERROR),
        ("TEXT-PLACEHOLDER", ERROR),
        ("XY-CARRY", WARNING),
        ("XY-IN-FORCE", WARNING),
        ("T2-IN-FORCE", WARNING),
        ("T6-FEE-NOTICES", WARNING),
        ("TEXT-FIGURE", WARNING),
        ("TEXT-LEFTOVER", WARNING),
        ("TEXT-REPEAT", WARNING),
        ("TEXT-THIN", WARNING),
    ]
    assert [(rule.id, rule.level) for rule in RULES.values()] == spec_rows
    assert all(rule_id == rule.id and rule.title for rule_id, rule in RULES.items())


def test_the_rule_table_of_the_spec_file_matches_when_it_is_there():
    try:
        text = open(SPEC, encoding="utf-8").read()
    except OSError:
        pytest.skip("the shared spec is not mounted here")
    table = re.findall(r"^\| `([A-Z0-9-]+)` \| (error|warning) \|", text, re.MULTILINE)
    assert [(rule.id, rule.level) for rule in RULES.values()] == table


def test_a_clean_sample_has_no_violation_at_all():
    for name in NAMES:
        assert check(data(name)) == [], name


def test_a_violation_is_frozen_and_has_the_spec_json():
    violation = Violation("TEXT-FIGURE", WARNING, "……", ("t3.new.total",), "overview")
    assert violation.as_dict() == {
        "rule": "TEXT-FIGURE",
        "cells": ["t3.new.total"],
        "text": "overview",
        "message": "……",
    }
    assert list(violation.as_dict()) == ["rule", "cells", "text", "message"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        violation.rule = "X"


def test_the_json_has_no_text_key_when_no_text_is_concerned():
    violation = Violation("CELL-REQUIRED", ERROR, "未填写", ("t6.fee_notices",))
    assert violation.as_dict() == {"rule": "CELL-REQUIRED", "cells": ["t6.fee_notices"], "message": "未填写"}


def test_the_key_names_the_place_and_not_the_numbers():
    one = check(data(cells={"t3.new.natural": 12}))
    other = check(data(cells={"t3.new.natural": 13}))
    [balance_one] = rules_of(one, "T3-BALANCE")
    [balance_other] = rules_of(other, "T3-BALANCE")
    assert balance_one.message != balance_other.message
    assert balance_one.key == balance_other.key
    assert balance_one.key.startswith("T3-BALANCE|t3.new.natural,t3.carried_in.natural,")
    assert balance_one.key.endswith("|")


def test_the_key_differs_between_places():
    violations = check(data(cells={"t6.fee_notices": None, "t6.fee_collected": None}))
    keys = [violation.key for violation in violations]
    assert keys == ["CELL-REQUIRED|t6.fee_notices|", "CELL-REQUIRED|t6.fee_collected|"]


def test_errors_and_warnings_split_a_list_and_keep_its_order():
    violations = check(data(cells={"t6.fee_notices": None}, texts={"problems": "无"}))
    assert [v.rule for v in errors(violations)] == ["CELL-REQUIRED"]
    assert [v.rule for v in warnings(violations)] == ["TEXT-THIN"]
    assert all(v.level == ERROR for v in errors(violations))


def test_the_order_is_by_rule_then_by_the_cell_order_of_the_format():
    violations = check(
        data(
            cells={
                "t6.fee_collected": None,  # CELL-REQUIRED, last cell of the format
                "t2.regulation.issued": None,  # CELL-REQUIRED, first cell
                "t4.reconsideration.total": 1,  # T4-GROUP-TOTAL
                "t3.carried_out.total": 5,  # T3-ROW-TOTAL and T3-BALANCE
                "t3.new.legal": "x",  # CELL-INVALID
            },
            texts={"problems": "无"},
        )
    )
    assert [(v.rule, v.cells[0] if v.cells else v.text) for v in violations] == [
        ("CELL-REQUIRED", "t2.regulation.issued"),
        ("CELL-REQUIRED", "t6.fee_collected"),
        ("CELL-INVALID", "t3.new.legal"),
        ("T3-ROW-TOTAL", "t3.carried_out.natural"),
        ("T3-BALANCE", "t3.new.total"),
        ("T4-GROUP-TOTAL", "t4.reconsideration.upheld"),
        ("TEXT-THIN", "problems"),
    ]


def test_check_is_pure_it_does_not_change_its_input():
    report = data()
    cells, texts = dict(report.cells), dict(report.texts)
    check(report, data("jiulongpo"))
    assert dict(report.cells) == cells and dict(report.texts) == texts


# ── CELL-REQUIRED ───────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("blank", [None, "", "  "])
def test_a_blank_cell_is_required_once(blank):
    violations = check(data(cells={"t3.disclosed.natural": blank, "t3.disclosed.total": blank}))
    assert [(v.rule, v.cells) for v in violations] == [
        ("CELL-REQUIRED", ("t3.disclosed.natural",)),
        ("CELL-REQUIRED", ("t3.disclosed.total",)),
    ]
    assert violations[0].level == ERROR
    assert violations[0].message.startswith("三、本年度办理结果（一）予以公开·自然人 未填写")


def test_a_missing_code_is_a_blank_cell():
    cells = dict(data().cells)
    del cells["t4.litigation_after.pending"]
    violations = check(ReportData(cells=cells, texts=data().texts))
    assert [(v.rule, v.cells) for v in violations] == [("CELL-REQUIRED", ("t4.litigation_after.pending",))]


def test_zero_is_a_value():
    assert rules_of(check(data(cells={"t2.fees.amount": "0", "t3.new.research": 0})), "CELL-REQUIRED") == []


def test_an_empty_report_needs_every_cell_and_every_text():
    violations = check(ReportData(cells={}, texts={}))
    required = rules_of(violations, "CELL-REQUIRED")
    assert [v.cells[0] for v in required] == list(standard.CELL_CODES)
    assert len(required) == 203
    assert [v.text for v in rules_of(violations, "TEXT-REQUIRED")] == list(standard.TEXT_KEYS)
    assert {v.rule for v in violations} == {"CELL-REQUIRED", "TEXT-REQUIRED"}  # no sum noise


# ── CELL-INVALID ────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("code", "raw", "reason"),
    [
        ("t3.new.natural", -1, "不能为负数"),
        ("t3.new.natural", 1.5, "须为不小于 0 的整数"),
        ("t3.new.natural", "十一", "须为不小于 0 的整数"),
        ("t3.new.natural", True, "须为不小于 0 的整数"),
        ("t2.penalty.decisions", 1_000_000_000, "不能大于"),
        ("t6.fee_collected", "1.234", "最多 2 位小数"),
        ("t2.fees.amount", "0.00001", "最多 4 位小数"),
        ("t6.fee_notice_amount", "1e3", "须为不小于 0 的数字"),
    ],
)
def test_an_invalid_value_is_reported_once_with_the_value_and_why(code, raw, reason):
    violations = check(data(cells={code: raw}))
    assert [(v.rule, v.cells) for v in violations] == [("CELL-INVALID", (code,))]
    message = violations[0].message
    assert message.startswith(standard.CELL_BY_CODE[code].label)
    assert reason in message
    shown = raw if isinstance(raw, str) else repr(raw)
    assert f"“{shown}”" in message


def test_a_valid_value_is_not_invalid():
    violations = check(data(cells={"t6.fee_notice_amount": "12.5", "t6.fee_collected": "12.50"}))
    assert violations == []


def test_an_invalid_cell_is_left_out_of_the_sums():
    # t3.new.natural is part of a row total, a column balance: none of those is evaluated.
    violations = check(data(cells={"t3.new.natural": "eleven"}))
    assert [v.rule for v in violations] == ["CELL-INVALID"]
