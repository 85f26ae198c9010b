"""The completeness board: every agency of a district, where its report for a year stands.

Each January the district office asks "who has not submitted yet?" (the deadline is 31
January of the next year, Regulation art. 49). :func:`district_board` answers for a district
and a year, with ``today`` passed in (a view passes ``timezone.localdate()``; a test any date):

* every agency of the district (but the district government itself, whose own report is due
  on 31 March and is started from the aggregate), with its report's status or 未创建;
* who holds the report now — the agency's clerks while it is missing, a draft or returned,
  else the role of the next forward step of ``workflow.TRANSITIONS`` (初审人, 复审人, 终审人,
  the publication task), so the board follows the workflow table instead of a second list;
* the days left to the deadline, or the days overdue, for a report still with its agency;
  *at risk* is a report still with its agency and at most ``AT_RISK_DAYS`` days left;
* the date of the first submission (late when after the deadline), and for a report waiting
  in a review step, since when, in working days;
* the open errors and the warnings without an explanation, by the rules on the stored data
  with last year's report for the cross-year rules (as the workflow checks a submission),
  and ``Report.explanations`` keyed by ``Violation.key``;
* totals per status, overdue and at risk.

The rule counts are cached (Django's cache) under the report's and last year's report's id,
version and time of change, so a board of 300 drafts checks only what changed since it was
last shown.

Working days are Monday to Friday, less the district's holidays and plus its 调休 weekend
days (the calendar its administrator keeps, ``reports.cycle``): a wait over the Spring Festival
does not count the festival. Days to the deadline are calendar days (the law names a date).
The deadline is the one the district set when it opened the year, else 31 January.
"""

from __future__ import annotations

import datetime
import functools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from django.core.cache import cache
from django.db.models import F, Min, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import User
from reports import rules
from reports.cycle.calendar import PLAIN, WorkCalendar
from reports.cycle.selectors import district_calendar, year_deadlines
from reports.models import Agency, District, Report, ReportingYear

from . import workflow
from .models import ReportEvent

Status = Report.Status
Role = User.Role

MISSING = "missing"
MISSING_LABEL = "未创建"
AT_RISK_DAYS = 7
#: The statuses in which the report is with its agency (not yet submitted), besides missing.
WITH_AGENCY = (Status.DRAFT, Status.RETURNED)
SUBMIT = "submit"
REVIEWER_ROLES = (Role.FIRST_REVIEWER, Role.SECOND_REVIEWER, Role.FINAL_REVIEWER)
#: A report waiting longer than this in a review step is marked (and its reviewers reminded).
REVIEW_REMINDER_WORKING_DAYS = 3
CHECK_CACHE_SECONDS = 24 * 3600
CHECK_CACHE_PREFIX = "board-check:v1"


def report_deadline(year: int, district: District | None = None) -> datetime.date:
    """An agency's report for ``year`` is due on the date the district set when it opened the
    year (``reports.cycle``), else on 31 January of the next year (art. 49)."""
    if district is None:
        return ReportingYear.default_deadline(year)
    return year_deadlines(district=district, year=year).agency


def working_days_between(start: datetime.date, end: datetime.date, calendar: WorkCalendar = PLAIN) -> int:
    """The working days after ``start`` up to and including ``end``: Monday–Friday, less the
    district's holidays, plus its 调休 weekend days (``calendar``)."""
    return calendar.working_days_between(start, end)


# ── Who holds a report ──────────────────────────────────────────────────────────────────


@functools.cache
def holder_role(status: str) -> str | None:
    """The role that moves a report on from ``status``: the first forward transition's.

    ``None`` when nothing moves it on (published). (Cached: the table is fixed at import.)
    """
    if status == MISSING:
        return Role.CLERK
    for transition in workflow.TRANSITIONS:
        if transition.status == status and transition.to != Status.RETURNED:
            return transition.role
    return None


def holder_label(role: str | None) -> str:
    if role is None:
        return "—"
    if role == Role.CLERK:
        return "本机关填报人员"
    if role in Role.values:
        return Role(role).label
    return "系统（自动发布）"


def status_label(status: str) -> str:
    return MISSING_LABEL if status == MISSING else Status(status).label


# ── The board ───────────────────────────────────────────────────────────────────────────


@dataclass
class BoardRow:
    """One agency's line. Built complete by :func:`district_board`; the derived values are
    cached on first use (the template asks each several times), so do not change a row."""

    agency_id: int
    agency_name: str
    agency_kind: str
    report_id: int | None
    status: str  # a ``Report.Status`` or ``MISSING``
    deadline: datetime.date
    today: datetime.date
    first_submitted_on: datetime.date | None = None
    entered_on: datetime.date | None = None  # when the report entered its current status
    errors: int | None = None  # None: no report to check
    unexplained: int | None = None
    calendar: WorkCalendar = PLAIN  # the district's holidays and 调休 days

    @cached_property
    def status_label(self) -> str:
        return status_label(self.status)

    @cached_property
    def agency_kind_label(self) -> str:
        return Agency.Kind(self.agency_kind).label

    @cached_property
    def holder_role(self) -> str | None:
        return holder_role(self.status)

    @cached_property
    def holder(self) -> str:
        return holder_label(self.holder_role)

    @cached_property
    def with_agency(self) -> bool:
        """Not submitted: no report yet, a draft, or returned for revision."""
        return self.status == MISSING or self.status in WITH_AGENCY

    @cached_property
    def days_left(self) -> int:
        return (self.deadline - self.today).days

    @cached_property
    def overdue(self) -> bool:
        return self.with_agency and self.days_left < 0

    @cached_property
    def days_overdue(self) -> int:
        return -self.days_left if self.overdue else 0

    @cached_property
    def at_risk(self) -> bool:
        return self.with_agency and 0 <= self.days_left <= AT_RISK_DAYS

    @cached_property
    def submitted_late(self) -> bool:
        return self.first_submitted_on is not None and self.first_submitted_on > self.deadline

    @cached_property
    def in_review(self) -> bool:
        """Waiting for a reviewer (submitted, or in 初审, 复审 or 终审)."""
        return self.holder_role in REVIEWER_ROLES

    @cached_property
    def waiting_working_days(self) -> int | None:
        """How long the report has waited in its review step, in working days."""
        if not self.in_review or self.entered_on is None:
            return None
        return working_days_between(self.entered_on, self.today, self.calendar)

    # ── For the page: one attribute per cell, so the template stays a plain loop ──

    @cached_property
    def css_class(self) -> str:
        return "row-overdue" if self.overdue else ("row-at-risk" if self.at_risk else "")

    @cached_property
    def deadline_text(self) -> str:
        if self.overdue:
            return f"逾期 {self.days_overdue} 天"
        if self.with_agency:
            return f"剩 {self.days_left} 天"
        return "已提交"

    @cached_property
    def deadline_badge(self) -> str:
        """The badge class of the deadline cell, "" for plain text."""
        return "text-bg-danger" if self.overdue else ("text-bg-warning" if self.at_risk else "")

    @cached_property
    def waiting_text(self) -> str:
        days = self.waiting_working_days
        return "—" if days is None else f"{days} 个工作日"

    @cached_property
    def waiting_long(self) -> bool:
        return (self.waiting_working_days or 0) > REVIEW_REMINDER_WORKING_DAYS

    @cached_property
    def urgency(self) -> tuple:
        """Sort key: overdue first (most overdue first), then at risk, then the rest by name."""
        if self.overdue:
            return (0, -self.days_overdue, self.agency_name)
        if self.at_risk:
            return (1, self.days_left, self.agency_name)
        if self.with_agency:
            return (2, self.days_left, self.agency_name)
        return (3, 0, self.agency_name)


@dataclass(frozen=True)
class StatusTotal:
    status: str
    label: str
    count: int


@dataclass
class DistrictBoard:
    district: District
    year: int
    today: datetime.date
    deadline: datetime.date
    rows: list[BoardRow]
    totals: list[StatusTotal] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def overdue(self) -> int:
        return sum(1 for row in self.rows if row.overdue)

    @property
    def at_risk(self) -> int:
        return sum(1 for row in self.rows if row.at_risk)

    @property
    def not_submitted(self) -> int:
        return sum(1 for row in self.rows if row.with_agency)

    @property
    def submitted(self) -> int:
        return self.total - self.not_submitted

    @property
    def days_left(self) -> int:
        return (self.deadline - self.today).days

    @property
    def days_past_deadline(self) -> int:
        return max(0, -self.days_left)

    def count(self, status: str) -> int:
        return next((total.count for total in self.totals if total.status == status), 0)


def board_statuses() -> list[tuple[str, str]]:
    """Every status a board row can show, in the workflow's order (未创建 first)."""
    return [(MISSING, MISSING_LABEL), *Status.choices]


def _annotated_reports(district: District, year: int):
    events = ReportEvent.objects.filter(report=OuterRef("pk"))
    first_submit = (
        events.filter(action=SUBMIT).order_by().values("report").annotate(first=Min("at")).values("first")[:1]
    )
    # A transition changes the status; comments and the like are logged with from = to.
    entered = events.filter(to_status=OuterRef("status")).exclude(from_status=F("to_status")).order_by("-at", "-pk")
    return (
        Report.objects.filter(agency__district=district, year=year)
        .exclude(agency__kind=Agency.Kind.DISTRICT)
        .annotate(first_submitted_at=Subquery(first_submit), entered_at=Subquery(entered.values("at")[:1]))
        .defer("cells", "texts", "explanations", "prefilled")
        .order_by()
    )


def _local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(moment).date() if moment is not None else None


def _check_key(report: Report, previous: tuple | None) -> str:
    last = "-" if previous is None else f"{previous[0]}.{previous[1]}.{previous[2].timestamp()}"
    return f"{report.pk}.{report.version}.{report.updated_at.timestamp()}:{last}"


def check_counts(cells, texts, explanations, previous_cells=None, previous_texts=None) -> tuple[int, int]:
    """(errors, warnings without an explanation) of a report's stored data."""
    previous = rules.ReportData(previous_cells, previous_texts) if previous_cells is not None else None
    violations = rules.check(rules.ReportData(cells or {}, texts or {}), previous)
    explanations = explanations or {}
    unexplained = [v for v in rules.warnings(violations) if not str(explanations.get(v.key, "")).strip()]
    return len(rules.errors(violations)), len(unexplained)


def _counts(
    reports: list[Report], year: int, district: District, prefix: str = CHECK_CACHE_PREFIX
) -> dict[int, tuple[int, int]]:
    """The rule counts of each report, from the cache where nothing changed.

    One cache entry per district and year holds the counts by report fingerprint: a board of
    hundreds of reports is one entry, not hundreds (Django's default in-memory cache keeps
    300 entries).
    """
    if not reports:
        return {}
    previous = {
        agency_id: (pk, version, updated_at)
        for pk, agency_id, version, updated_at in Report.objects.filter(
            agency_id__in=[report.agency_id for report in reports], year=year - 1
        ).values_list("pk", "agency_id", "version", "updated_at")
    }
    keys = {report.pk: _check_key(report, previous.get(report.agency_id)) for report in reports}
    entry = f"{prefix}:{district.pk}:{year}"
    cached = cache.get(entry) or {}
    result = {pk: tuple(cached[key]) for pk, key in keys.items() if key in cached}
    missing = [report for report in reports if report.pk not in result]
    if missing:
        data = Report.objects.filter(pk__in=[report.pk for report in missing]).values_list(
            "pk", "agency_id", "cells", "texts", "explanations"
        )
        wanted = [previous[r.agency_id][0] for r in missing if r.agency_id in previous]
        last = {
            pk: (cells, texts)
            for pk, cells, texts in Report.objects.filter(pk__in=wanted).values_list("pk", "cells", "texts")
        }
        for pk, agency_id, cells, texts, explanations in data:
            before = previous.get(agency_id)
            last_cells, last_texts = last.get(before[0], (None, None)) if before else (None, None)
            counts = check_counts(cells, texts, explanations, last_cells, last_texts)
            result[pk] = counts
        # Only the current fingerprints are kept: stale ones drop out with the next change.
        cache.set(entry, {keys[pk]: result[pk] for pk in keys}, CHECK_CACHE_SECONDS)
    return result


def district_board(*, district: District, year: int, today: datetime.date) -> DistrictBoard:
    """Where every agency's report for ``year`` stands on ``today`` (see the module docstring)."""
    deadline = report_deadline(year, district)
    calendar = district_calendar(district=district)
    # Sorted here, not by the database: its collation may order Chinese names otherwise.
    agencies = sorted(
        # An inactive (merged, abolished) agency is expected only if it has a report for the year.
        Agency.objects.filter(Q(is_active=True) | Q(reports__year=year), district=district)
        .exclude(kind=Agency.Kind.DISTRICT)
        .distinct()
        .values_list("pk", "name", "kind"),
        key=lambda agency: (agency[1], agency[0]),
    )
    reports = {report.agency_id: report for report in _annotated_reports(district, year)}
    counts = _counts(list(reports.values()), year, district)
    rows = []
    for agency_id, name, kind in agencies:
        report = reports.get(agency_id)
        if report is None:
            rows.append(BoardRow(agency_id, name, kind, None, MISSING, deadline, today, calendar=calendar))
            continue
        errors, unexplained = counts.get(report.pk, (None, None))
        rows.append(
            BoardRow(
                agency_id,
                name,
                kind,
                report.pk,
                report.status,
                deadline,
                today,
                first_submitted_on=_local_date(report.first_submitted_at),
                entered_on=_local_date(report.entered_at),
                errors=errors,
                unexplained=unexplained,
                calendar=calendar,
            )
        )
    tally = Counter(row.status for row in rows)
    totals = [StatusTotal(status, label, tally[status]) for status, label in board_statuses()]
    return DistrictBoard(district, year, today, deadline, rows, totals)


# ── Filters ─────────────────────────────────────────────────────────────────────────────

FLAG_OVERDUE = "overdue"
FLAG_AT_RISK = "at_risk"
FLAG_NOT_SUBMITTED = "not_submitted"
FLAG_PROBLEMS = "problems"
FLAGS = (
    (FLAG_NOT_SUBMITTED, "尚未提交"),
    (FLAG_OVERDUE, "已逾期"),
    (FLAG_AT_RISK, "临近截止（7 天内）"),
    (FLAG_PROBLEMS, "有错误或未说明的警告"),
)


def filter_rows(
    rows: Iterable[BoardRow],
    *,
    statuses: Iterable[str] = (),
    flag: str = "",
    kind: str = "",
    query: str = "",
    order: str = "urgency",
) -> list[BoardRow]:
    statuses = set(statuses)
    query = query.strip()
    result = []
    for row in rows:
        if statuses and row.status not in statuses:
            continue
        if kind and row.agency_kind != kind:
            continue
        if query and query not in row.agency_name:
            continue
        if flag == FLAG_OVERDUE and not row.overdue:
            continue
        if flag == FLAG_AT_RISK and not row.at_risk:
            continue
        if flag == FLAG_NOT_SUBMITTED and not row.with_agency:
            continue
        if flag == FLAG_PROBLEMS and not (row.errors or row.unexplained):
            continue
        result.append(row)
    if order == "urgency":
        result.sort(key=lambda row: row.urgency)
    return result


# ── Submission progress over January ──────────────────────────────────────────────────


@dataclass(frozen=True)
class ProgressDay:
    day: datetime.date
    submitted: int  # agencies whose report was first submitted on or before ``day``
    is_future: bool


def submission_progress(board: DistrictBoard) -> list[ProgressDay]:
    """For each day of January of the year after ``board.year``: how many agencies had submitted."""
    january = [datetime.date(board.year + 1, 1, day) for day in range(1, 32)]
    dates = sorted(row.first_submitted_on for row in board.rows if row.first_submitted_on is not None)
    result, index = [], 0
    for day in january:
        while index < len(dates) and dates[index] <= day:
            index += 1
        result.append(ProgressDay(day, index, day > board.today))
    return result


# ── Past years (issue 15) ───────────────────────────────────────────────────────────────

#: The reports the "past years" view shows: the finished ones, imported or reviewed here.
PAST_STATUSES = (Status.HISTORICAL, Status.APPROVED, Status.PUBLISHED)
PAST_CACHE_PREFIX = "past-check:v1"  # its own cache entries: the board's hold other reports


@dataclass(frozen=True)
class PastReport:
    pk: int
    year: int
    status: str
    errors: int
    warnings: int  # warnings without an explanation (a historical report has none)

    @property
    def status_label(self) -> str:
        return status_label(self.status)


@dataclass(frozen=True)
class PastRow:
    agency_id: int
    name: str
    by_year: list[PastReport | None]  # one per ``PastYears.years``


@dataclass(frozen=True)
class PastYears:
    district: District
    years: list[int]
    rows: list[PastRow]


def district_past_years(*, district: District) -> PastYears:
    """Each agency's historical, approved and published reports by year, with the errors and
    unexplained warnings the rules find in them (last year's report, of any status, for the
    cross-year rules) — what third-party evaluators check every year."""
    reports = list(
        Report.objects.filter(agency__district=district, status__in=PAST_STATUSES)
        .select_related("agency")
        .only("pk", "agency_id", "agency__name", "year", "status", "version", "updated_at")
        .order_by()
    )
    years = sorted({report.year for report in reports}, reverse=True)
    counts: dict[int, tuple[int, int]] = {}
    for year in years:
        this_year = [report for report in reports if report.year == year]
        counts.update(_counts(this_year, year, district, prefix=PAST_CACHE_PREFIX))
    by_agency: dict[int, dict[int, PastReport]] = {}
    names: dict[int, str] = {}
    for report in reports:
        errors, warnings = counts.get(report.pk, (0, 0))
        names[report.agency_id] = report.agency.name
        by_agency.setdefault(report.agency_id, {})[report.year] = PastReport(
            report.pk, report.year, report.status, errors, warnings
        )
    rows = [
        PastRow(agency_id, names[agency_id], [by_agency[agency_id].get(year) for year in years])
        for agency_id in sorted(by_agency, key=lambda pk: (names[pk], pk))
    ]
    return PastYears(district=district, years=years, rows=rows)
