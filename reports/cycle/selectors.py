"""Reads of the yearly cycle: a district's deadlines for a year, its working-day calendar."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from ..models import Agency, CalendarDay, District, Report, ReportingYear
from .calendar import WorkCalendar


@dataclass(frozen=True)
class Deadlines:
    agency: datetime.date
    district: datetime.date
    set_by_district: bool  # False: the regulation's dates, the year is not opened


def year_deadlines(*, district: District | int, year: int) -> Deadlines:
    district_id = district if isinstance(district, int) else district.pk
    row = (
        ReportingYear.objects.filter(district_id=district_id, year=year)
        .values_list("agency_deadline", "district_deadline")
        .first()
    )
    if row is None:
        return Deadlines(
            ReportingYear.default_deadline(year), ReportingYear.default_deadline(year, district=True), False
        )
    return Deadlines(row[0], row[1], True)


def district_calendar(*, district: District | int) -> WorkCalendar:
    """The district's holidays and 调休 days, as a :class:`WorkCalendar`."""
    district_id = district if isinstance(district, int) else district.pk
    holidays, workdays = set(), set()
    for day, kind in CalendarDay.objects.filter(district_id=district_id).values_list("date", "kind"):
        (holidays if kind == CalendarDay.Kind.HOLIDAY else workdays).add(day)
    return WorkCalendar(frozenset(holidays), frozenset(workdays))


def cycle_agencies(district: District):
    """The agencies that get a draft when the year opens: every active agency of the district
    but the district government, whose own report is started from the aggregate of the others
    (``reports.aggregate.district_report_start``)."""
    return Agency.objects.active().filter(district=district).exclude(kind=Agency.Kind.DISTRICT)


@dataclass(frozen=True)
class YearSummary:
    reporting_year: ReportingYear
    agencies: int
    reports: int
    by_status: list[tuple[str, int]]

    @property
    def missing(self) -> int:
        return max(0, self.agencies - self.reports)


def year_summaries(*, district: District) -> list[YearSummary]:
    years = list(ReportingYear.objects.filter(district=district).order_by("-year"))
    if not years:
        return []
    agencies = cycle_agencies(district).count()
    counts: dict[int, dict[str, int]] = {}
    rows = (
        Report.objects.filter(agency__in=cycle_agencies(district), year__in=[y.year for y in years])
        .values_list("year", "status")
        .order_by()
    )
    for year, status in rows:
        counts.setdefault(year, {}).setdefault(status, 0)
        counts[year][status] += 1
    result = []
    for reporting_year in years:
        tally = counts.get(reporting_year.year, {})
        by_status = [(label, tally[value]) for value, label in Report.Status.choices if tally.get(value)]
        result.append(YearSummary(reporting_year, agencies, sum(tally.values()), by_status))
    return result
