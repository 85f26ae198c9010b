"""Opening a reporting year, its deadlines and the district's calendar: the services, called
directly. Done-when of issue 12: a district of 100 agencies opened at once; an administrator
of district A can change nothing of district B."""

from __future__ import annotations

import datetime
import time

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import AuditEvent
from reports.cycle import services
from reports.cycle.selectors import district_calendar, year_deadlines
from reports.editing import report_create
from reports.models import Agency, CalendarDay, Report, ReportingYear
from tests.factories import complete_cells, make_agency, make_clerk, make_district, make_report, make_user

pytestmark = pytest.mark.django_db

YEAR = 2025
D = datetime.date


@pytest.fixture
def district_x():
    return make_district("北京市朝阳区")


@pytest.fixture
def district_y():
    return make_district("重庆市渝北区")


@pytest.fixture
def admin_x(district_x):
    return make_user("admin_x", district=district_x, is_district_admin=True)


@pytest.fixture
def admin_y(district_y):
    return make_user("admin_y", district=district_y, is_district_admin=True)


def many_agencies(district, count: int) -> list[Agency]:
    Agency.objects.bulk_create(
        Agency(district=district, name=f"{district.name}第{n:03d}机关", kind=Agency.Kind.DEPARTMENT)
        for n in range(count)
    )
    return list(Agency.objects.filter(district=district).order_by("name"))


def test_opening_a_year_for_a_district_of_100_agencies(district_x, admin_x, django_assert_max_num_queries):
    agencies = many_agencies(district_x, 100)
    Agency.objects.create(district=district_x, name="北京市朝阳区人民政府", kind=Agency.Kind.DISTRICT)
    # Last year: 40 approved (pre-filled from), 10 still drafts (not a source: unchecked figures).
    for agency in agencies[:40]:
        make_report(agency, year=YEAR - 1, status=Report.Status.APPROVED, cells=complete_cells())
    for agency in agencies[40:50]:
        make_report(agency, year=YEAR - 1, status=Report.Status.DRAFT, cells=complete_cells())
    # Three agencies' clerks already created this year's report: theirs stay untouched.
    kept = {agency.pk: make_report(agency, year=YEAR, cells=complete_cells()) for agency in agencies[97:]}

    started = time.perf_counter()
    with django_assert_max_num_queries(14):  # the same whatever the number of agencies
        result = services.year_open(district=district_x, year=YEAR, by=admin_x)
    elapsed = time.perf_counter() - started

    assert elapsed < 2.0  # issue 12's budget (measured: benchmarks/bench_cycle.py, ~0.05 s)
    assert (result.newly_opened, result.created, result.prefilled, result.existing) == (True, 97, 40, 3)
    drafts = Report.objects.filter(agency__district=district_x, year=YEAR)
    assert drafts.count() == 100  # not the district government's: it starts from the aggregate
    assert not drafts.filter(agency__kind=Agency.Kind.DISTRICT).exists()
    assert set(drafts.values_list("status", flat=True)) == {Report.Status.DRAFT}
    assert sum(1 for prefilled in drafts.values_list("prefilled", flat=True) if prefilled) == 40
    for pk, report in kept.items():
        assert Report.objects.get(agency_id=pk, year=YEAR).cells == report.cells
    reporting_year = ReportingYear.objects.get(district=district_x, year=YEAR)
    assert (reporting_year.agency_deadline, reporting_year.district_deadline) == (D(2026, 1, 31), D(2026, 3, 31))
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.DISTRICT_SETTINGS)
    assert event.district == district_x and event.user == admin_x and "新建草稿 97 份" in event.detail


def test_the_pre_fill_is_the_one_a_clerk_gets(district_x, admin_x):
    by_clerk, by_admin = make_agency("甲机关", district=district_x), make_agency("乙机关", district=district_x)
    for agency in (by_clerk, by_admin):
        make_report(agency, year=YEAR - 1, status=Report.Status.PUBLISHED, cells=complete_cells())
    clerk_report = report_create(agency=by_clerk, year=YEAR, by=make_clerk(by_clerk))  # creates only its own
    services.year_open(district=district_x, year=YEAR, by=admin_x)
    opened = Report.objects.get(agency=by_admin, year=YEAR)
    assert opened.prefilled and sorted(opened.prefilled) == sorted(clerk_report.prefilled)
    assert opened.cells == clerk_report.cells
    assert opened.signature_organ == "乙机关"


def test_opening_again_adds_the_new_agencys_draft_and_keeps_the_deadlines(district_x, admin_x):
    make_agency("甲机关", district=district_x)
    services.year_open(district=district_x, year=YEAR, by=admin_x, agency_deadline=D(2026, 1, 20))
    make_agency("新设机关", district=district_x)
    again = services.year_open(district=district_x, year=YEAR, by=admin_x, agency_deadline=D(2026, 1, 31))
    assert (again.newly_opened, again.created, again.existing) == (False, 1, 1)
    assert ReportingYear.objects.get(district=district_x, year=YEAR).agency_deadline == D(2026, 1, 20)


def test_the_deadlines_set_are_the_reports_the_boards_and_the_aggregates(district_x, admin_x):
    agency = make_agency("甲机关", district=district_x)
    government = Agency.objects.create(district=district_x, name="北京市朝阳区人民政府", kind=Agency.Kind.DISTRICT)
    report, own = make_report(agency, year=YEAR), make_report(government, year=YEAR)
    assert (report.deadline, own.deadline) == (D(2026, 1, 31), D(2026, 3, 31))  # the regulation's
    services.year_open(
        district=district_x, year=YEAR, by=admin_x, agency_deadline=D(2026, 1, 15), district_deadline=D(2026, 3, 10)
    )
    assert Report.objects.get(pk=report.pk).deadline == D(2026, 1, 15)
    assert Report.objects.get(pk=own.pk).deadline == D(2026, 3, 10)
    listed = Report.objects.with_deadlines().select_related("agency").get(pk=report.pk)
    assert listed.deadline == D(2026, 1, 15)
    assert year_deadlines(district=district_x, year=YEAR).set_by_district
    from reports.aggregate import district_deadline
    from review.board import district_board

    assert district_deadline(YEAR, district_x) == D(2026, 3, 10)
    assert district_board(district=district_x, year=YEAR, today=D(2026, 1, 10)).deadline == D(2026, 1, 15)


@pytest.mark.parametrize(
    ("agency_deadline", "district_deadline", "message"),
    [
        (D(2026, 2, 1), D(2026, 3, 31), "机关报告截止日期须在"),  # after the legal 31 January
        (D(2025, 12, 31), D(2026, 3, 31), "机关报告截止日期须在"),  # before the year is over
        (D(2026, 1, 31), D(2026, 4, 1), "区政府报告截止日期须在"),
        (D(2026, 1, 31), D(2026, 1, 20), "不能晚于区政府报告截止日期"),
    ],
)
def test_deadlines_outside_the_regulation_are_refused(district_x, admin_x, agency_deadline, district_deadline, message):
    make_agency("甲机关", district=district_x)
    with pytest.raises(services.CycleError, match=message):
        services.year_open(
            district=district_x,
            year=YEAR,
            by=admin_x,
            agency_deadline=agency_deadline,
            district_deadline=district_deadline,
        )
    assert not ReportingYear.objects.exists() and not Report.objects.exists()


def test_a_year_in_the_future_or_before_the_format_is_refused(district_x, admin_x):
    for year in (2020, datetime.date.today().year + 1):
        with pytest.raises(services.CycleError, match="年度须在"):
            services.year_open(district=district_x, year=year, by=admin_x)


def test_changing_the_deadlines_is_audited_with_before_and_after(district_x, admin_x):
    services.year_open(district=district_x, year=YEAR, by=admin_x)
    services.year_deadlines_set(
        district=district_x, year=YEAR, agency_deadline=D(2026, 1, 25), district_deadline=D(2026, 3, 20), by=admin_x
    )
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.DISTRICT_SETTINGS).first()
    assert "2026-01-31 → 2026-01-25" in event.detail and "2026-03-31 → 2026-03-20" in event.detail
    with pytest.raises(services.CycleNotFound):
        services.year_deadlines_set(
            district=district_x,
            year=YEAR - 1,
            agency_deadline=D(2025, 1, 25),
            district_deadline=D(2025, 3, 20),
            by=admin_x,
        )


def test_only_that_districts_administrator_may_change_anything(district_x, district_y, admin_x, admin_y):
    agency = make_agency("甲机关", district=district_x)
    services.year_open(district=district_x, year=YEAR, by=admin_x)
    day = services.calendar_days_add(
        district=district_x, start=D(2027, 2, 8), end=None, kind="holiday", name="春节", by=admin_x
    )[0]
    others = [
        admin_y,
        make_user("first_x", district=district_x, is_first_reviewer=True),
        make_user("auditor_x", district=district_x, is_audit_viewer=True),
        make_clerk(agency),
    ]
    before = (
        list(ReportingYear.objects.values()),
        list(CalendarDay.objects.values()),
        list(Report.objects.values("pk", "version")),
    )
    for person in others:
        with pytest.raises(PermissionDenied):
            services.year_open(district=district_x, year=YEAR - 1, by=person)
        with pytest.raises(PermissionDenied):
            services.year_deadlines_set(
                district=district_x,
                year=YEAR,
                agency_deadline=D(2026, 1, 2),
                district_deadline=D(2026, 3, 2),
                by=person,
            )
        with pytest.raises(PermissionDenied):
            services.calendar_days_add(
                district=district_x, start=D(2027, 2, 9), end=None, kind="holiday", name="", by=person
            )
        with pytest.raises(PermissionDenied):
            services.calendar_day_remove(district=district_x, day_id=day.pk, by=person)
    # Y's administrator acting on their own district cannot reach X's calendar day either.
    with pytest.raises(services.CycleNotFound):
        services.calendar_day_remove(district=district_y, day_id=day.pk, by=admin_y)
    after = (
        list(ReportingYear.objects.values()),
        list(CalendarDay.objects.values()),
        list(Report.objects.values("pk", "version")),
    )
    assert after == before


# ── The calendar ────────────────────────────────────────────────────────────────────────


def test_a_holiday_range_stores_its_weekdays_and_a_tiaoxiu_its_weekend_day(district_x, admin_x):
    # 春节 2027 (like the State Council's usual arrangement): 5–13 February off, 除夕 a Friday.
    added = services.calendar_days_add(
        district=district_x, start=D(2027, 2, 5), end=D(2027, 2, 13), kind="holiday", name="春节", by=admin_x
    )
    assert [day.date for day in added] == [D(2027, 2, 5), *(D(2027, 2, n) for n in range(8, 13))]
    services.calendar_days_add(
        district=district_x, start=D(2027, 1, 31), end=None, kind="workday", name="春节调休", by=admin_x
    )
    calendar = district_calendar(district=district_x)
    assert calendar.holidays == frozenset(day.date for day in added)
    assert calendar.workdays == frozenset({D(2027, 1, 31)})
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.DISTRICT_SETTINGS).last()
    assert "新增节假日" in event.detail and "2027-02-08" in event.detail


@pytest.mark.parametrize(
    ("start", "end", "kind", "message"),
    [
        (D(2027, 2, 6), D(2027, 2, 7), "holiday", "都是周末"),
        (D(2027, 2, 8), None, "workday", "只能登记周六或周日"),
        (D(2027, 2, 8), D(2027, 2, 1), "holiday", "结束日期不能早于开始日期"),
        (D(2027, 1, 1), D(2027, 3, 1), "holiday", "一次最多登记 31 天"),
        (D(2027, 2, 8), None, "other", "请选择节假日或调休上班"),
    ],
)
def test_wrong_calendar_entries_are_refused(district_x, admin_x, start, end, kind, message):
    with pytest.raises(services.CycleError, match=message):
        services.calendar_days_add(district=district_x, start=start, end=end, kind=kind, name="", by=admin_x)
    assert not CalendarDay.objects.exists()


def test_a_day_already_in_the_calendar_refuses_the_whole_range(district_x, admin_x):
    services.calendar_days_add(district=district_x, start=D(2027, 2, 10), end=None, kind="holiday", name="", by=admin_x)
    with pytest.raises(services.CycleError, match="2027-02-10 已在日历中"):
        services.calendar_days_add(
            district=district_x, start=D(2027, 2, 8), end=D(2027, 2, 12), kind="holiday", name="春节", by=admin_x
        )
    assert list(CalendarDay.objects.values_list("date", flat=True)) == [D(2027, 2, 10)]
