"""Table 三: T3-ROW-TOTAL, T3-HANDLED-TOTAL, T3-BALANCE (built from the real Nanmofang report:
11 new + 1 carried in = 12 handled (4 disclosed, 2 partial, 1 enforcement file, 5 other) + 0)."""

from reports.rules import ERROR, check
from reports.standard import T3_HANDLING_ROWS, T3_PART_COLUMNS, T3_ROWS, t3
from reports.tests.samples import data

# ── T3-ROW-TOTAL ────────────────────────────────────────────────────────────────────────


def test_the_real_rows_add_up():
    assert check(data("nanmofang")) == []


def test_a_row_whose_total_is_not_the_sum_of_its_applicants_fails_once():
    violations = check(data(cells={"t3.disclosed.total": 5}))
    # the total column's handled total (12) no longer adds up either
    assert [v.rule for v in violations] == ["T3-ROW-TOTAL", "T3-HANDLED-TOTAL"]
    row = violations[0]
    assert row.level == ERROR
    assert row.cells == tuple(t3("disclosed", column) for column in (*T3_PART_COLUMNS, "total"))
    assert row.message == (
        "三、本年度办理结果（一）予以公开·总计 为 5，"
        "但自然人、商业企业、科研机构、社会公益组织、法律服务机构、其他之和为 4"
    )


def test_moving_a_request_between_applicant_columns_keeps_the_row_total():
    # 4 disclosed to natural persons become 3 natural + 1 business: the row still adds up,
    # but the columns natural and business no longer do (handled total, balance).
    violations = check(data(cells={"t3.disclosed.natural": 3, "t3.disclosed.business": 1}))
    assert "T3-ROW-TOTAL" not in {v.rule for v in violations}


def test_every_row_is_checked():
    changes = {t3(row.code, "other"): 1 for row in T3_ROWS}
    violations = [v for v in check(data(cells=changes)) if v.rule == "T3-ROW-TOTAL"]
    assert [v.cells[-1] for v in violations] == [t3(row.code, "total") for row in T3_ROWS]


# ── T3-HANDLED-TOTAL ────────────────────────────────────────────────────────────────────


def test_the_spec_example_message():
    # 12 handled for natural persons in the real report; say 7.
    violations = check(data(cells={"t3.handled_total.natural": 7, "t3.handled_total.total": 7}))
    handled = [v for v in violations if v.rule == "T3-HANDLED-TOTAL"]
    assert [v.message for v in handled] == [
        "三、本年度办理结果（七）总计·自然人 为 7，但各办理结果之和为 12",
        "三、本年度办理结果（七）总计·总计 为 7，但各办理结果之和为 12",
    ]
    assert handled[0].cells == (*(t3(row, "natural") for row in T3_HANDLING_ROWS), t3("handled_total", "natural"))
    assert len(handled[0].cells) == 22


def test_a_handling_row_added_to_one_column_breaks_that_column_only():
    # One more "other handling" for natural persons and in the total: rows still add up.
    violations = check(data(cells={"t3.other_handling.other.natural": 6, "t3.other_handling.other.total": 6}))
    handled = [v for v in violations if v.rule == "T3-HANDLED-TOTAL"]
    assert [v.cells[-1] for v in handled] == ["t3.handled_total.natural", "t3.handled_total.total"]
    assert "各办理结果之和为 13" in handled[0].message


def test_the_handled_total_of_an_empty_column_holds():
    violations = check(data(cells={"t3.withheld.enforcement.research": 0}))
    assert violations == []


# ── T3-BALANCE ──────────────────────────────────────────────────────────────────────────


def test_new_plus_carried_in_must_equal_handled_plus_carried_out():
    # The real report carries nothing out; say it carried 1 out but changed nothing else.
    violations = check(data(cells={"t3.carried_out.natural": 1, "t3.carried_out.total": 1}))
    balance = [v for v in violations if v.rule == "T3-BALANCE"]
    assert [v.cells for v in balance] == [
        ("t3.new.natural", "t3.carried_in.natural", "t3.handled_total.natural", "t3.carried_out.natural"),
        ("t3.new.total", "t3.carried_in.total", "t3.handled_total.total", "t3.carried_out.total"),
    ]
    assert balance[0].message == (
        "自然人：一、本年新收政府信息公开申请数量（11）加二、上年结转政府信息公开申请数量（1）为 12，"
        "但三、本年度办理结果（七）总计（12）加四、结转下年度继续办理（1）为 13"
    )
    assert {v.rule for v in violations} == {"T3-BALANCE"}


def test_a_consistent_carry_out_keeps_the_balance():
    # One more request carried in from last year, not yet handled: carried out. Every
    # equation still holds (and the text's 依申请公开11件 still agrees with the table).
    cells = {
        "t3.carried_in.natural": 2,
        "t3.carried_in.total": 2,
        "t3.carried_out.natural": 1,
        "t3.carried_out.total": 1,
    }
    assert check(data(cells=cells)) == []


def test_a_blank_member_silences_the_equations_it_belongs_to():
    # The real Jiulongpo report left t3.partial.total blank: only CELL-REQUIRED for it.
    violations = check(data("jiulongpo", raw=True))
    assert [(v.rule, v.cells) for v in violations if v.level == ERROR] == [
        ("CELL-REQUIRED", ("t3.partial.total",)),
        ("CELL-REQUIRED", ("t6.fee_notices",)),
        ("CELL-REQUIRED", ("t6.fee_notice_amount",)),
        ("CELL-REQUIRED", ("t6.fee_collected",)),
    ]


def test_a_blank_member_does_not_hide_other_columns():
    violations = check(data(cells={"t3.new.natural": None, "t3.carried_out.business": 1, "t3.carried_out.total": 1}))
    assert [(v.rule, v.cells[0]) for v in violations] == [
        ("CELL-REQUIRED", "t3.new.natural"),
        # the row 四 total (1) still has all members: business 1 = total 1, so it holds;
        # the business and total columns no longer balance.
        ("T3-BALANCE", "t3.new.business"),
        ("T3-BALANCE", "t3.new.total"),
    ]


# ── Where each equation's result sits (the editor marks it strongly, issue 14) ─────────


def test_each_sum_rule_names_the_cell_its_result_sits_in():
    # One request moved from 予以公开 to 部分公开 of natural persons, and the 总计 column
    # left as it was: the row totals, the handled totals and the balance all fail.
    violations = check(data(cells={"t3.disclosed.natural": 3, "t3.new.natural": 12}))
    results = {(v.rule, v.result) for v in violations}
    assert ("T3-ROW-TOTAL", (t3("disclosed", "total"),)) in results
    assert ("T3-ROW-TOTAL", (t3("new", "total"),)) in results
    assert ("T3-HANDLED-TOTAL", (t3("handled_total", "natural"),)) in results
    assert ("T3-BALANCE", (t3("carried_out", "natural"),)) in results
    for violation in violations:
        assert set(violation.result) <= set(violation.cells)
        assert len(violation.result) == 1


def test_the_result_is_not_part_of_the_key_nor_of_the_spec_json():
    (violation,) = [v for v in check(data(cells={"t3.new.natural": 12})) if v.rule == "T3-BALANCE"]
    assert "result" not in violation.as_dict()
    assert violation.key == "T3-BALANCE|" + ",".join(violation.cells) + "|"
