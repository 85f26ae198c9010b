"""Tables 二, 四 and 六: T4-GROUP-TOTAL, T6-FEE-COLLECTED, T6-FEE-NOTICES, T2-IN-FORCE."""

import pytest

from reports.rules import ERROR, WARNING, check
from reports.standard import T4_GROUPS, t4
from reports.tests.samples import data

# ── T4-GROUP-TOTAL ──────────────────────────────────────────────────────────────────────


def test_a_group_whose_total_is_not_the_sum_of_its_results_fails_once():
    violations = check(data(cells={"t4.reconsideration.upheld": 1}))
    assert [(v.rule, v.level) for v in violations] == [("T4-GROUP-TOTAL", ERROR)]
    [group] = violations
    assert group.cells == tuple(
        t4("reconsideration", column) for column in ("upheld", "corrected", "other", "pending", "total")
    )
    assert group.message == "行政复议·总计 为 0，但结果维持、结果纠正、其他结果、尚未审结之和为 1"


def test_a_group_that_adds_up_holds():
    # Two lawsuits filed directly, one lost (corrected), one pending: 1 + 1 = 2.
    cells = {
        "t4.litigation_direct.corrected": 1,
        "t4.litigation_direct.pending": 1,
        "t4.litigation_direct.total": 2,
    }
    assert check(data(cells=cells)) == []


@pytest.mark.parametrize("group", [code for code, _path, _label in T4_GROUPS])
def test_each_group_is_checked_on_its_own(group):
    violations = check(data(cells={t4(group, "total"): 3}))
    assert [v.rule for v in violations] == ["T4-GROUP-TOTAL"]
    assert violations[0].cells[-1] == t4(group, "total")


def test_the_litigation_group_names_its_kind_in_the_message():
    [violation] = check(data(cells={"t4.litigation_after.pending": 2}))
    assert violation.message.startswith("行政诉讼（复议后起诉）·总计 为 0")


# ── T6-FEE-COLLECTED ────────────────────────────────────────────────────────────────────


def test_collecting_more_than_was_asked_for_is_an_error():
    cells = {"t6.fee_notices": 1, "t6.fee_notice_amount": "100", "t6.fee_collected": "120.5"}
    violations = check(data(cells=cells))
    assert [(v.rule, v.level, v.cells) for v in violations] == [
        ("T6-FEE-COLLECTED", ERROR, ("t6.fee_notice_amount", "t6.fee_collected"))
    ]
    assert violations[0].message == "实际收取的总金额（元） 为 120.5，超过了发出收费通知的总金额（元） 100"


@pytest.mark.parametrize("collected", ["100", "100.00", "99.99", "0"])
def test_collecting_up_to_what_was_asked_for_holds(collected):
    cells = {"t6.fee_notices": 1, "t6.fee_notice_amount": "100", "t6.fee_collected": collected}
    assert check(data(cells=cells)) == []


def test_the_fee_rule_waits_for_both_amounts():
    # The real reports leave the fee figures blank: only CELL-REQUIRED.
    violations = check(data(cells={"t6.fee_notice_amount": None, "t6.fee_collected": "50"}))
    assert [v.rule for v in violations] == ["CELL-REQUIRED"]


# ── T6-FEE-NOTICES ──────────────────────────────────────────────────────────────────────


def _unpaid(count: int) -> dict:
    """Nanmofang with ``count`` of its 5 "other handling" requests dropped for an unpaid fee."""
    return {
        "t3.other_handling.other.natural": 5 - count,
        "t3.other_handling.other.total": 5 - count,
        "t3.other_handling.unpaid_fee.natural": count,
        "t3.other_handling.unpaid_fee.total": count,
    }


def test_requests_dropped_for_an_unpaid_fee_without_a_fee_notice_warn():
    violations = check(data(cells={**_unpaid(2), "t6.fee_notices": 1, "t6.fee_notice_amount": "30"}))
    assert [(v.rule, v.level) for v in violations] == [("T6-FEE-NOTICES", WARNING)]
    assert violations[0].cells == ("t3.other_handling.unpaid_fee.total", "t6.fee_notices")
    assert violations[0].message.startswith("发出收费通知的件数 为 1，少于因逾期未缴费不再处理的申请数")
    assert violations[0].message.endswith("2")


def test_as_many_fee_notices_as_unpaid_requests_hold():
    assert check(data(cells={**_unpaid(2), "t6.fee_notices": 2, "t6.fee_notice_amount": "30"})) == []


def test_fee_notices_without_unpaid_requests_hold():
    assert check(data(cells={"t6.fee_notices": 3, "t6.fee_notice_amount": "30", "t6.fee_collected": "30"})) == []


# ── T2-IN-FORCE ─────────────────────────────────────────────────────────────────────────


def test_fewer_documents_in_force_than_issued_this_year_warns():
    # Dasheng: 0 issued, 0 repealed, 2 normative documents in force. Say 3 were issued.
    violations = check(data("dasheng", cells={"t2.normative.issued": 3}))
    assert [(v.rule, v.level) for v in violations] == [("T2-IN-FORCE", WARNING)]
    assert violations[0].cells == ("t2.normative.issued", "t2.normative.repealed", "t2.normative.in_force")
    assert violations[0].message == "行政规范性文件·现行有效件数 为 2，少于本年制发件数 3 减本年废止件数 0（3）"


def test_documents_in_force_count_the_repealed_ones_out():
    # 3 issued, 1 repealed, 2 in force: 2 >= 3 - 1.
    assert check(data("dasheng", cells={"t2.normative.issued": 3, "t2.normative.repealed": 1})) == []


def test_the_real_dasheng_figures_hold():
    # 2 in force from earlier years, none issued this year.
    assert [v.rule for v in check(data("dasheng"))] == []


def test_regulations_are_checked_too():
    violations = check(data(cells={"t2.regulation.issued": 1}))
    assert [v.cells[-1] for v in violations] == ["t2.regulation.in_force"]


def test_a_group_total_is_where_the_t4_equation_puts_its_result():
    from reports.rules import check as check_cells
    from reports.tests.samples import data as sample_data

    violations = [v for v in check_cells(sample_data(cells={"t4.reconsideration.upheld": 1})) if v.level == "error"]
    assert [(v.rule, v.result) for v in violations] == [("T4-GROUP-TOTAL", ("t4.reconsideration.total",))]
