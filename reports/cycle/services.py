"""Writes of the yearly cycle, each for the district administrator of that district only.

* :func:`year_open` — open a reporting year: set its deadlines (default 31 January of the next
  year for the agencies, 31 March for the district government, Regulation art. 49) and create
  the draft of every active agency that has none, pre-filled from last year's approved or
  published report exactly as a clerk's ``editing.report_create`` does. Opening again only
  adds the drafts of agencies that have none yet (a new agency); the deadlines stay.
  In bulk: four queries and one ``INSERT`` whatever the number of agencies.
* :func:`year_deadlines_set` — change the deadlines of an opened year.
* :func:`calendar_days_add`, :func:`calendar_day_remove` — the district's 节假日 and 调休.

The district is always the administrator's own (a view passes ``user.district``); an object of
another district is "not found" (:class:`CycleNotFound`), never touched. Every change is in
the security audit log with who, what, before and after.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent

from .. import standard
from ..editing import FIRST_YEAR, PREFILL_SOURCE_STATUSES, prefilled_cells
from ..models import CalendarDay, District, Report, ReportingYear
from .selectors import cycle_agencies

#: A range of holidays longer than this is a typing mistake (the longest, 春节 or 国庆, is 8–9 days).
MAX_CALENDAR_RANGE_DAYS = 31


class CycleError(Exception):
    """A refused change; ``str(exc)`` is the Chinese message for the administrator."""


class CycleNotFound(CycleError):
    """The year or the calendar day is not the administrator's district's (or does not exist)."""


@dataclass(frozen=True)
class YearOpened:
    reporting_year: ReportingYear
    newly_opened: bool
    created: int  # drafts created now
    prefilled: int  # of which pre-filled from last year
    existing: int  # agencies that already had a report for the year


def require_district_admin(user, district: District) -> None:
    if not (user.is_authenticated and user.is_active and user.is_district_admin and user.district_id == district.pk):
        raise PermissionDenied("只有本区政务公开办管理员可以管理年度报送。")


def _check_year(year: int) -> None:
    this_year = timezone.localdate().year
    if not isinstance(year, int) or not FIRST_YEAR <= year <= this_year:
        raise CycleError(f"年度须在 {FIRST_YEAR} 年至 {this_year} 年之间。")


def check_deadlines(year: int, agency_deadline: datetime.date, district_deadline: datetime.date) -> None:
    """Within the year after the reporting year, the agencies' no later than the regulation's
    31 January (an earlier internal date is the district's choice), the district's no later
    than 31 March, and the agencies' not after the district's, which sums theirs."""
    first = datetime.date(year + 1, 1, 1)
    legal_agency = ReportingYear.default_deadline(year)
    legal_district = ReportingYear.default_deadline(year, district=True)
    if not first <= agency_deadline <= legal_agency:
        raise CycleError(
            f"机关报告截止日期须在 {first:%Y年%m月%d日} 至 {legal_agency:%Y年%m月%d日}（条例第四十九条）之间。"
        )
    if not first <= district_deadline <= legal_district:
        raise CycleError(
            f"区政府报告截止日期须在 {first:%Y年%m月%d日} 至 {legal_district:%Y年%m月%d日}（条例第四十九条）之间。"
        )
    if agency_deadline > district_deadline:
        raise CycleError("机关报告截止日期不能晚于区政府报告截止日期（区政府报告汇总各机关的报告）。")


def year_open(
    *,
    district: District,
    year: int,
    by,
    agency_deadline: datetime.date | None = None,
    district_deadline: datetime.date | None = None,
) -> YearOpened:
    """Open ``year`` for ``district`` (see the module docstring)."""
    require_district_admin(by, district)
    _check_year(year)
    agency_deadline = agency_deadline or ReportingYear.default_deadline(year)
    district_deadline = district_deadline or ReportingYear.default_deadline(year, district=True)
    check_deadlines(year, agency_deadline, district_deadline)
    with transaction.atomic():
        # Two administrators opening at once: the second waits here, then finds the year open.
        District.objects.select_for_update().filter(pk=district.pk).first()
        reporting_year, newly_opened = ReportingYear.objects.get_or_create(
            district=district,
            year=year,
            defaults={"agency_deadline": agency_deadline, "district_deadline": district_deadline, "opened_by": by},
        )
        agencies = list(cycle_agencies(district).only("pk", "name"))
        existing = set(
            Report.objects.filter(agency__in=agencies, year=year).values_list("agency_id", flat=True).order_by()
        )
        missing = [agency for agency in agencies if agency.pk not in existing]
        previous = dict(
            Report.objects.filter(
                agency__in=[agency.pk for agency in missing], year=year - 1, status__in=PREFILL_SOURCE_STATUSES
            )
            .values_list("agency_id", "cells")
            .order_by()
        )
        drafts, prefilled = [], 0
        for agency in missing:
            cells, filled = prefilled_cells(standard.empty_cells(), previous.get(agency.pk))
            prefilled += bool(filled)
            drafts.append(
                Report(
                    agency=agency,
                    year=year,
                    status=Report.Status.DRAFT,
                    cells=cells,
                    prefilled=filled,
                    updated_by=by,
                    signature_organ=agency.name,
                )
            )
        # A clerk may create their own draft at the same moment: theirs stands, ours is skipped.
        Report.objects.bulk_create(drafts, ignore_conflicts=True, batch_size=500)
        created = Report.objects.filter(agency__in=[a.pk for a in missing], year=year).count() if missing else 0
        audit_record(
            kind=AuditEvent.Kind.DISTRICT_SETTINGS,
            user=by,
            object=f"{district.name}{year}年度",
            district_id=district.pk,
            detail=(
                f"{'开启' if newly_opened else '再次开启'}报送年度：新建草稿 {created} 份（其中预填 {prefilled} 份），"
                f"已有报告 {len(existing)} 份；截止日期 机关 {reporting_year.agency_deadline:%Y-%m-%d}、"
                f"区政府 {reporting_year.district_deadline:%Y-%m-%d}"
            ),
        )
    return YearOpened(reporting_year, newly_opened, created, prefilled, len(existing))


def _reporting_year(district: District, year: int, *, lock: bool = False) -> ReportingYear:
    queryset = ReportingYear.objects.filter(district=district, year=year)
    if lock:
        queryset = queryset.select_for_update()
    reporting_year = queryset.first()
    if reporting_year is None:
        raise CycleNotFound(f"本区尚未开启 {year} 年度。")
    return reporting_year


def year_deadlines_set(
    *, district: District, year: int, agency_deadline: datetime.date, district_deadline: datetime.date, by
) -> ReportingYear:
    require_district_admin(by, district)
    check_deadlines(year, agency_deadline, district_deadline)
    with transaction.atomic():
        reporting_year = _reporting_year(district, year, lock=True)
        before = (reporting_year.agency_deadline, reporting_year.district_deadline)
        if before == (agency_deadline, district_deadline):
            return reporting_year
        reporting_year.agency_deadline = agency_deadline
        reporting_year.district_deadline = district_deadline
        reporting_year.save(update_fields=["agency_deadline", "district_deadline", "updated_at"])
        audit_record(
            kind=AuditEvent.Kind.DISTRICT_SETTINGS,
            user=by,
            object=f"{district.name}{year}年度截止日期",
            district_id=district.pk,
            detail=(
                f"机关：{before[0]:%Y-%m-%d} → {agency_deadline:%Y-%m-%d}；"
                f"区政府：{before[1]:%Y-%m-%d} → {district_deadline:%Y-%m-%d}"
            ),
        )
    return reporting_year


def calendar_days_add(
    *, district: District, start: datetime.date, end: datetime.date | None, kind: str, name: str, by
) -> list[CalendarDay]:
    """Mark the days from ``start`` to ``end`` (inclusive; one day without ``end``).

    For 节假日 the weekdays of the range are stored (a weekend inside a holiday is off anyway);
    for 调休 the weekend days. A range with no such day, or a day already in the calendar,
    is refused with nothing stored."""
    require_district_admin(by, district)
    end = end or start
    if kind not in CalendarDay.Kind.values:
        raise CycleError("请选择节假日或调休上班。")
    if end < start:
        raise CycleError("结束日期不能早于开始日期。")
    if (end - start).days + 1 > MAX_CALENDAR_RANGE_DAYS:
        raise CycleError(f"一次最多登记 {MAX_CALENDAR_RANGE_DAYS} 天。")
    name = (name or "").strip()
    if len(name) > 30:
        raise CycleError("名称不能超过 30 个字。")
    holiday = kind == CalendarDay.Kind.HOLIDAY
    span = [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]
    days = [day for day in span if (day.weekday() < 5) == holiday]
    if not days:
        raise CycleError(
            "所选日期都是周末，本来就不上班，无需登记为节假日。"
            if holiday
            else "所选日期都是工作日；调休上班只能登记周六或周日。"
        )
    with transaction.atomic():
        taken = list(
            CalendarDay.objects.filter(district=district, date__in=days).order_by("date").values_list("date", flat=True)
        )
        if taken:
            listed = "、".join(f"{day:%Y-%m-%d}" for day in taken[:5])
            raise CycleError(f"{listed} 已在日历中，请先删除后再登记。")
        rows = [CalendarDay(district=district, date=day, kind=kind, name=name) for day in days]
        for row in rows:
            row.full_clean(exclude=["district"], validate_unique=False)
        CalendarDay.objects.bulk_create(rows)
        label = CalendarDay.Kind(kind).label
        audit_record(
            kind=AuditEvent.Kind.DISTRICT_SETTINGS,
            user=by,
            object=f"{district.name}节假日与调休",
            district_id=district.pk,
            detail=f"新增{label}{f'（{name}）' if name else ''}：" + "、".join(f"{day:%Y-%m-%d}" for day in days),
        )
    return rows


def calendar_day_remove(*, district: District, day_id: int, by) -> None:
    require_district_admin(by, district)
    with transaction.atomic():
        day = CalendarDay.objects.select_for_update().filter(district=district, pk=day_id).first()
        if day is None:
            raise CycleNotFound("日历中没有这一天。")
        description = str(day)
        day.delete()
        audit_record(
            kind=AuditEvent.Kind.DISTRICT_SETTINGS,
            user=by,
            object=f"{district.name}节假日与调休",
            district_id=district.pk,
            detail=f"删除：{description}",
        )
