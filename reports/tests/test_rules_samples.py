"""What the rules say of the three real 2024 reports, as published: exactly their mistakes."""

from reports.rules import check, errors, warnings
from reports.tests.samples import data

T6 = ("t6.fee_notices", "t6.fee_notice_amount", "t6.fee_collected")


def required(violations):
    return [(v.rule, v.cells) for v in violations]


def test_jiulongpo_left_one_table_cell_and_the_fee_figures_blank():
    violations = check(data("jiulongpo", raw=True))
    assert required(errors(violations)) == [
        ("CELL-REQUIRED", ("t3.partial.total",)),
        *(("CELL-REQUIRED", (code,)) for code in T6),
    ]
    assert warnings(violations) == []


def test_dasheng_left_the_fee_figures_blank_and_the_offices_notes_in():
    violations = check(data("dasheng", raw=True))
    assert required(errors(violations)) == [("CELL-REQUIRED", (code,)) for code in T6]
    assert [(v.rule, v.text) for v in warnings(violations)] == [("TEXT-LEFTOVER", "other_matters")]
    message = warnings(violations)[0].message
    assert "注意事项" in message and "审核表" in message and "195483577@qq.com" in message


def test_nanmofang_left_the_fee_figures_blank():
    violations = check(data("nanmofang", raw=True))
    assert required(errors(violations)) == [("CELL-REQUIRED", (code,)) for code in T6]
    assert warnings(violations) == []


def test_the_json_of_a_sample_is_that_of_the_spec():
    violations = check(data("dasheng", raw=True))
    assert violations[0].as_dict() == {
        "rule": "CELL-REQUIRED",
        "cells": ["t6.fee_notices"],
        "message": "发出收费通知的件数 未填写，没有的请填 0",
    }
    assert warnings(violations)[0].as_dict()["text"] == "other_matters"
