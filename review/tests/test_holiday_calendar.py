"""Working days with the district's 节假日/调休 calendar: the reviewers' reminders and the
board's waiting times skip the Spring Festival and count the weekend worked in exchange.

The calendar is a 2027 Spring Festival as the State Council usually arranges it: 除夕 on
Friday 5 February, nine days off from 5 to 13 February (weekdays 5, 8–12 February), and the
weekends worked in exchange Sunday 31 January and Saturday 20 February. A district without
the calendar is the control: same reports, same dates, plain Monday–Friday.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from reports.cycle import services
from reports.cycle.calendar import WorkCalendar, weekdays_between
from reports.models import Report
from review.board import district_board, working_days_between
from review.models import ReportEvent
from review.reminders import reminders_due, reminders_send
from tests.factories import make_agency, make_district, make_report, make_user

pytestmark = pytest.mark.django_db

Status = Report.Status
D = datetime.date
YEAR = 2026  # reviewed in January and February 2027
SPRING_FESTIVAL = WorkCalendar(
    holidays=frozenset({D(2027, 2, 5), *(D(2027, 2, n) for n in range(8, 13))}),
    workdays=frozenset({D(2027, 1, 31), D(2027, 2, 20)}),
)


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, 10))


def district_with_calendar(name: str, *, calendar: bool):
    district = make_district(name)
    admin = make_user(f"admin_{district.pk}", district=district, is_district_admin=True)
    if calendar:
        services.calendar_days_add(
            district=district, start=D(2027, 2, 5), end=D(2027, 2, 13), kind="holiday", name="春节", by=admin
        )
        for day in (D(2027, 1, 31), D(2027, 2, 20)):
            services.calendar_days_add(district=district, start=day, end=None, kind="workday", name="调休", by=admin)
    reviewer = make_user(
        f"first_{district.pk}", district=district, is_first_reviewer=True, email=f"f{district.pk}@x.cn"
    )
    return district, reviewer


def in_first_review_since(district, name: str, since: datetime.date) -> Report:
    agency = make_agency(name, district=district)
    clerk = make_user(f"clerk_{agency.pk}", agency=agency)
    report = make_report(agency, year=YEAR, status=Status.FIRST_REVIEW)
    for action, before, after in (
        ("submit", Status.DRAFT, Status.SUBMITTED),
        ("start_review", Status.SUBMITTED, Status.FIRST_REVIEW),
    ):
        ReportEvent.objects.create(
            report=report, action=action, from_status=before, to_status=after, actor=clerk, at=at(since)
        )
    return report


def review_reminders(today: datetime.date) -> dict[int, str]:
    return {item.report.pk: item.body for item in reminders_due(today=today) if item.kind == "review"}


@pytest.mark.parametrize(
    ("start", "end", "plain", "with_calendar"),
    [
        (D(2027, 2, 4), D(2027, 2, 15), 7, 1),  # Thursday before 除夕 → Monday after: only the 15th
        (D(2027, 2, 4), D(2027, 2, 18), 10, 4),
        (D(2027, 1, 28), D(2027, 2, 2), 3, 4),  # Sunday 31 January is worked
        (D(2027, 2, 13), D(2027, 2, 22), 6, 7),  # Saturday 20 February is worked
        (D(2027, 2, 5), D(2027, 2, 12), 5, 0),  # the whole festival
        (D(2027, 3, 1), D(2027, 3, 5), 4, 4),  # a plain week
    ],
)
def test_working_days_over_the_spring_festival(start, end, plain, with_calendar):
    assert working_days_between(start, end) == plain == weekdays_between(start, end)
    assert working_days_between(start, end, SPRING_FESTIVAL) == with_calendar
    # The count agrees with a day-by-day walk (the calendar's own definition).
    walk = sum(
        1
        for n in range(1, (end - start).days + 1)
        if SPRING_FESTIVAL.is_working_day(start + datetime.timedelta(days=n))
    )
    assert walk == with_calendar


def test_the_review_reminder_skips_the_festival(db):
    chaoyang, _ = district_with_calendar("北京市朝阳区", calendar=True)
    plain, _ = district_with_calendar("北京市海淀区", calendar=False)
    kept = in_first_review_since(chaoyang, "朝阳区甲机关", D(2027, 2, 4))
    control = in_first_review_since(plain, "海淀区甲机关", D(2027, 2, 4))
    # Monday 15 February: the control has waited 7 weekdays; over the festival only 1 day.
    due = review_reminders(D(2027, 2, 15))
    assert control.pk in due and "已等待 7 个工作日" in due[control.pk]
    assert kept.pk not in due
    # Thursday 18 February: 15–18, 4 working days: now it is due.
    due = review_reminders(D(2027, 2, 18))
    assert kept.pk in due and "已等待 4 个工作日" in due[kept.pk]
    sent = reminders_send(today=D(2027, 2, 18))
    assert kept.pk in {record.report_id for record in sent}


def test_the_review_reminder_counts_the_weekend_worked_in_exchange(db):
    chaoyang, _ = district_with_calendar("北京市朝阳区", calendar=True)
    plain, _ = district_with_calendar("北京市海淀区", calendar=False)
    kept = in_first_review_since(chaoyang, "朝阳区乙机关", D(2027, 1, 28))
    control = in_first_review_since(plain, "海淀区乙机关", D(2027, 1, 28))
    # Tuesday 2 February: 29 Jan, Sunday 31 Jan (worked), 1 and 2 Feb = 4 > 3; the control 3.
    due = review_reminders(D(2027, 2, 2))
    assert kept.pk in due and "已等待 4 个工作日" in due[kept.pk]
    assert control.pk not in due


def test_the_board_counts_the_wait_with_the_calendar(db):
    chaoyang, _ = district_with_calendar("北京市朝阳区", calendar=True)
    plain, _ = district_with_calendar("北京市海淀区", calendar=False)
    in_first_review_since(chaoyang, "朝阳区甲机关", D(2027, 2, 4))
    in_first_review_since(plain, "海淀区甲机关", D(2027, 2, 4))
    (row,) = district_board(district=chaoyang, year=YEAR, today=D(2027, 2, 15)).rows
    (control,) = district_board(district=plain, year=YEAR, today=D(2027, 2, 15)).rows
    assert (row.waiting_working_days, row.waiting_long) == (1, False)
    assert (control.waiting_working_days, control.waiting_long) == (7, True)


def test_the_deadline_reminders_follow_the_deadline_the_district_set(db):
    district, _ = district_with_calendar("北京市朝阳区", calendar=False)
    admin = district.staff.get(is_district_admin=True)
    agency = make_agency("朝阳区丙机关", district=district)
    make_user("clerk_c", agency=agency, email="c@x.cn")
    services.year_open(district=district, year=YEAR, by=admin, agency_deadline=D(2027, 1, 20))
    # 6 January: 14 days before the district's 20 January (25 before the regulation's 31st).
    due = [item for item in reminders_due(today=D(2027, 1, 6)) if item.kind == "deadline"]
    assert [(item.recipient.email, item.reason) for item in due] == [("c@x.cn", "deadline-14")]
    assert "2027年1月20日" in due[0].body
