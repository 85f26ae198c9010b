"""The completeness board of a district: statuses, holders, deadlines, rule counts and totals.

Done-when 1 of issue 6 (first half): a district with agencies in every state, seen on frozen
dates — ``today`` is passed in, so no clock is patched.
"""

import datetime

import pytest
from django.core.cache import cache

from reports.models import Agency, Report
from review.board import (
    FLAG_AT_RISK,
    FLAG_NOT_SUBMITTED,
    FLAG_OVERDUE,
    FLAG_PROBLEMS,
    MISSING,
    district_board,
    filter_rows,
    holder_role,
    report_deadline,
    submission_progress,
    working_days_between,
)
from review.tests.district_fixtures import STATES, YEAR, cells_with_errors, day, district_in_every_state, walk
from tests.factories import make_agency, make_district, make_report

pytestmark = pytest.mark.django_db

Status = Report.Status
JAN = datetime.date(2025, 1, 1)


def on(month: int, day: int) -> datetime.date:
    return datetime.date(2025, month, day)


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def every_state(district):
    return district_in_every_state(district)


def rows_by_status(board):
    return {row.status: row for row in board.rows}


def test_the_deadline_is_31_january_of_the_next_year():
    assert report_deadline(2024) == datetime.date(2025, 1, 31)


def test_every_agency_is_on_the_board_with_its_reports_status(district, every_state):
    board = district_board(district=district, year=YEAR, today=on(1, 27))

    assert board.deadline == on(1, 31)
    assert [row.agency_name for row in board.rows] == sorted(name for _status, name, _day in STATES)
    rows = rows_by_status(board)
    assert set(rows) == {status for status, _name, _day in STATES}
    assert rows[MISSING].status_label == "未创建" and rows[MISSING].report_id is None
    assert rows[Status.SECOND_REVIEW].status_label == "复审中"
    assert {total.status: total.count for total in board.totals} == {
        MISSING: 1,
        **{status: 1 for status in Status.values},
        # Imported from a published copy (reports/history/); none in this year's fixture.
        Status.HISTORICAL: 0,
    }
    assert board.total == 9 and board.submitted == 6 and board.not_submitted == 3


def test_who_holds_each_report_follows_the_workflow_table(district, every_state):
    rows = rows_by_status(district_board(district=district, year=YEAR, today=on(1, 27)))

    holders = {status: row.holder for status, row in rows.items()}
    assert holders == {
        MISSING: "本机关填报人员",
        Status.DRAFT: "本机关填报人员",
        Status.RETURNED: "本机关填报人员",
        Status.SUBMITTED: "初审人",
        Status.FIRST_REVIEW: "初审人",
        Status.SECOND_REVIEW: "复审人",
        Status.FINAL_REVIEW: "终审人",
        Status.APPROVED: "系统（自动发布）",
        Status.PUBLISHED: "—",
    }
    assert holder_role(Status.PUBLISHED) is None


def test_four_days_before_the_deadline_the_unsubmitted_are_at_risk_and_none_overdue(district, every_state):
    board = district_board(district=district, year=YEAR, today=on(1, 27))
    rows = rows_by_status(board)

    assert {status for status, row in rows.items() if row.at_risk} == {MISSING, Status.DRAFT, Status.RETURNED}
    assert all(row.days_left == 4 for row in rows.values())
    assert not any(row.overdue for row in rows.values())
    assert (board.at_risk, board.overdue) == (3, 0)


def test_eight_days_before_the_deadline_nobody_is_at_risk_yet(district, every_state):
    board = district_board(district=district, year=YEAR, today=on(1, 23))
    assert board.at_risk == 0 and board.days_left == 8


def test_after_the_deadline_the_unsubmitted_are_overdue_by_the_days_since(district, every_state):
    board = district_board(district=district, year=YEAR, today=on(2, 5))
    rows = rows_by_status(board)

    overdue = {status: row.days_overdue for status, row in rows.items() if row.overdue}
    assert overdue == {MISSING: 5, Status.DRAFT: 5, Status.RETURNED: 5}
    assert not any(row.at_risk for row in rows.values())
    assert rows[Status.SUBMITTED].days_overdue == 0  # submitted on 20 January: not overdue
    assert board.overdue == 3
    # Overdue first (equally overdue: by name), then the rest: the board's default order.
    first = filter_rows(board.rows)[:3]
    assert {row.status for row in first} == {MISSING, Status.DRAFT, Status.RETURNED}
    assert [row.agency_name for row in first] == sorted(row.agency_name for row in first)


def test_on_the_deadline_day_itself_nobody_is_overdue(district, every_state):
    board = district_board(district=district, year=YEAR, today=on(1, 31))
    assert board.overdue == 0 and board.at_risk == 3


def test_errors_and_unexplained_warnings_are_counted_from_the_stored_data(district, every_state):
    rows = rows_by_status(district_board(district=district, year=YEAR, today=on(1, 27)))

    counts = {status: (row.errors, row.unexplained) for status, row in rows.items()}
    assert counts[MISSING] == (None, None)
    assert counts[Status.DRAFT] == (2, 0)  # T3-ROW-TOTAL and T3-BALANCE
    assert counts[Status.RETURNED] == (0, 1)  # T2-IN-FORCE unexplained; T6-FEE-NOTICES explained
    for status in (Status.SUBMITTED, Status.FIRST_REVIEW, Status.APPROVED, Status.PUBLISHED):
        assert counts[status] == (0, 0)


def test_the_counts_follow_a_change_of_the_report(district, every_state):
    district_board(district=district, year=YEAR, today=on(1, 27))  # fills the cache
    draft = every_state.reports[Status.DRAFT]
    draft.cells = every_state.reports[Status.SUBMITTED].cells
    draft.version += 1
    draft.save()

    row = rows_by_status(district_board(district=district, year=YEAR, today=on(1, 27)))[Status.DRAFT]
    assert (row.errors, row.unexplained) == (0, 0)


def test_last_years_report_feeds_the_cross_year_rules(district, every_state):
    draft = every_state.reports[Status.DRAFT]
    this = draft.cells
    last = dict(this)
    for column in ("natural", "business", "research", "nonprofit", "legal", "other", "total"):
        last[f"t3.carried_out.{column}"] = this[f"t3.carried_in.{column}"]
    for row in ("regulation", "normative"):
        last[f"t2.{row}.in_force"] = this[f"t2.{row}.in_force"] - this[f"t2.{row}.issued"] + this[f"t2.{row}.repealed"]
    make_report(draft.agency, year=YEAR - 1, status=Status.APPROVED, cells=last)
    assert rows_by_status(district_board(district=district, year=YEAR, today=on(1, 27)))[Status.DRAFT].unexplained == 0
    cache.clear()
    last["t3.carried_out.natural"] += 1
    Report.objects.filter(agency=draft.agency, year=YEAR - 1).update(cells=last)

    row = rows_by_status(district_board(district=district, year=YEAR, today=on(1, 27)))[Status.DRAFT]
    assert row.unexplained == 1  # XY-CARRY: carried in ≠ last year's carried out


def test_first_submission_date_and_a_late_one(district, every_state):
    rows = rows_by_status(district_board(district=district, year=YEAR, today=on(2, 5)))
    assert rows[Status.SUBMITTED].first_submitted_on == on(1, 20)
    assert rows[Status.RETURNED].first_submitted_on == on(1, 6)  # the first round counts
    assert not rows[Status.SUBMITTED].submitted_late
    late = make_agency("癸迟交机关", district=district)
    report = make_report(late, year=YEAR, status=Status.SUBMITTED, cells=cells_with_errors(1))
    walk(report, every_state.clerks[Status.DRAFT], [day(35)])  # 4 February
    row = next(r for r in district_board(district=district, year=YEAR, today=on(2, 5)).rows if r.report_id == report.pk)
    assert row.first_submitted_on == on(2, 4) and row.submitted_late


def test_the_wait_in_a_review_step_is_counted_in_working_days(district, every_state):
    rows = rows_by_status(district_board(district=district, year=YEAR, today=on(1, 27)))
    # 初审中: submitted 10 January, taken into first review on Saturday 11 January.
    assert rows[Status.FIRST_REVIEW].entered_on == on(1, 11)
    assert rows[Status.FIRST_REVIEW].waiting_working_days == 11  # 13–17, 20–24 and 27
    assert rows[Status.DRAFT].waiting_working_days is None
    assert rows[Status.APPROVED].waiting_working_days is None


def test_the_district_government_and_other_districts_are_not_on_the_board(district, every_state):
    Agency.objects.create(district=district, name="北京市朝阳区人民政府", kind=Agency.Kind.DISTRICT)
    make_agency("海淀区某机关", district=make_district("北京市海淀区"))

    names = {row.agency_name for row in district_board(district=district, year=YEAR, today=on(1, 27)).rows}
    assert "北京市朝阳区人民政府" not in names and "海淀区某机关" not in names


def test_filters(district, every_state):
    rows = district_board(district=district, year=YEAR, today=on(2, 5)).rows

    def statuses(**kwargs):
        return {row.status for row in filter_rows(rows, **kwargs)}

    assert statuses(flag=FLAG_OVERDUE) == {MISSING, Status.DRAFT, Status.RETURNED}
    assert statuses(flag=FLAG_NOT_SUBMITTED) == {MISSING, Status.DRAFT, Status.RETURNED}
    assert statuses(flag=FLAG_PROBLEMS) == {Status.DRAFT, Status.RETURNED}
    assert statuses(flag=FLAG_AT_RISK) == set()
    assert statuses(statuses=[Status.APPROVED, Status.PUBLISHED]) == {Status.APPROVED, Status.PUBLISHED}
    assert statuses(query="复审") == {Status.SECOND_REVIEW}
    assert statuses(kind=Agency.Kind.TOWNSHIP) == set()


def test_submission_progress_over_january(district, every_state):
    board = district_board(district=district, year=YEAR, today=on(1, 15))
    progress = submission_progress(board)

    assert len(progress) == 31 and progress[0].day == JAN
    by_day = {item.day.day: item.submitted for item in progress}
    # First submitted on 2, 3, 6, 7, 8, 10 and 20 January.
    assert (by_day[1], by_day[2], by_day[6], by_day[10], by_day[19], by_day[20], by_day[31]) == (0, 1, 3, 6, 6, 7, 7)
    assert next(item.day.day for item in progress if item.is_future) == 16


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ((1, 6), (1, 9), 3),  # Monday → Thursday
        ((1, 6), (1, 10), 4),
        ((1, 10), (1, 13), 1),  # Friday → Monday: the weekend does not count
        ((1, 11), (1, 12), 0),  # Saturday → Sunday
        ((1, 6), (1, 6), 0),
        ((1, 6), (2, 3), 20),
    ],
)
def test_working_days_are_monday_to_friday(start, end, expected):
    assert working_days_between(on(*start), on(*end)) == expected
