"""The district's aggregate: tables 二, 三, 四 and the fee figures summed over its agencies' reports.

Every March the district office publishes its own government's report, whose tables are the
sums of its agencies' reports (Regulation art. 49–50; deadline 31 March of the next year).
:func:`district_aggregate` computes those sums for a district and a year, cell by cell, over
every cell of ``reports/standard.py`` (nothing here lists rows or columns), and
:func:`district_report_start` starts the district government's own report from them.

Decisions, and why:

* **Which reports count**: the district's agencies' reports that are *approved or
  published* (``INCLUDED_STATUSES``) — the figures the office has signed off. Every other
  agency is listed in ``excluded`` with its status, or 未创建 when it has no report yet.
* **The district government itself is not an agency to sum** (``Agency.Kind.DISTRICT``): its
  report *is* the aggregate, so summing it in would count everything twice. It appears in
  neither list.
* **A blank or invalid cell of a contributing report is not a zero.** The spec says blank is
  not zero, and an approved report normally has no such cell (``CELL-REQUIRED`` blocks the
  submission) — but a report imported in an earlier year may. Such a cell contributes
  nothing to the sum and is listed in ``gaps`` (agency, cell, why); the cell is then in
  ``incomplete_cells``, and a cell no contributing report holds a value for has no sum
  (``None``, shown blank) rather than 0.
* **Amounts are summed as ``Decimal``** (no float ever), and written back with
  ``values.format_cell``, so ``0.1 + 0.2`` is ``0.3``.
* **The rules run on the sums** (``violations``), except those about the narrative (there is
  none) and the cross-year rules: they compare an agency with itself, whereas two years'
  sums cover different sets of agencies while reports are still being approved.
* **What is missing is said once per agency, not once per cell** (``shortfalls``): an agency
  not in the sums (no report, or not yet approved), or a contributing report with blank or
  invalid cells, is one line naming how many cells of which tables. The rules' verdicts on
  the incomplete cells are left out (a year with no approved report would otherwise list the
  203 cells as CELL-REQUIRED, and a gap breaks the equations its cell is in); with nothing
  to sum, no rule runs at all.

Speed: a district's aggregate reads each contributing report's cells once (one query for
the statuses and versions, one for the cells) and sums counts on a fast path for the plain
``int`` the interchange format stores. The sums are cached under the versions of the reports
summed, so a page shown again reads only the statuses; the benchmark
(``benchmarks/bench_aggregate.py``) sums 5,000 reports cold and warm.
"""

from __future__ import annotations

import datetime
import hashlib
import operator
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

import orjson
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Func, JSONField, Q, TextField, Value
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast
from django.utils import timezone

from . import rules, standard
from .editing import FIRST_YEAR, ReportExistsError, ReportInputError
from .models import Agency, District, Report, ReportingYear
from .values import CellValueError, format_cell, parse_cell

INCLUDED_STATUSES = (Report.Status.APPROVED, Report.Status.PUBLISHED)
MISSING_LABEL = "未创建"
BLANK_REASON = "未填写"

_COUNT_CODES = tuple(cell.code for cell in standard.CELLS if not cell.kind.is_amount)
_AMOUNT_CODES = tuple(cell.code for cell in standard.CELLS if cell.kind.is_amount)
_MAX = standard.MAX_VALUE


def district_deadline(year: int, district: District | None = None) -> datetime.date:
    """The district government publishes its own report for ``year`` by the date the district
    set when it opened the year (``reports.cycle``), else by 31 March of the next year
    (Regulation art. 49, via the spec)."""
    if district is None:
        return ReportingYear.default_deadline(year, district=True)
    return ReportingYear.deadline_set(district_id=district.pk, year=year, district=True) or district_deadline(year)


def district_agency_name(district: District) -> str:
    return f"{district.name}人民政府"


# ── The result ──────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Source:
    """One contributing report: an agency's approved or published report of the year."""

    agency_id: int
    agency_name: str
    agency_kind: str
    report_id: int
    status: str
    cells: dict | None  # the raw cells as stored; None when the sums came from the cache

    @property
    def status_label(self) -> str:
        return Report.Status(self.status).label

    def value(self, code: str) -> int | Decimal | None:
        """This report's value of ``code`` as summed: ``None`` when blank or invalid (a gap)."""
        if self.cells is None:
            raise ValueError("cells not loaded: use district_aggregate(..., with_cells=True)")
        return _value(code, self.cells.get(code))


@dataclass(frozen=True)
class Excluded:
    """An agency of the district whose report is not (yet) in the sums."""

    agency_id: int
    agency_name: str
    agency_kind: str
    report_id: int | None
    status: str | None  # None: no report for the year

    @property
    def status_label(self) -> str:
        return Report.Status(self.status).label if self.status else MISSING_LABEL


@dataclass(frozen=True)
class Gap:
    """A cell of a contributing report that holds no valid value, so it is not in the sum."""

    agency_name: str
    report_id: int
    code: str
    raw: object
    reason: str

    @property
    def label(self) -> str:
        return standard.CELL_BY_CODE[self.code].label


@dataclass(frozen=True)
class Shortfall:
    """One agency whose figures are missing from the sums, wholly or in part: one line."""

    agency_name: str
    report_id: int | None
    status: str | None  # the report's status; None: no report for the year
    included: bool  # in the sums, with the blank or invalid ``cells`` left out
    year: int
    cells: tuple[str, ...] = ()

    @property
    def by_table(self) -> list[tuple[str, int]]:
        """(table name, number of cells) for the left-out cells, in the format's order."""
        counts = Counter(standard.CELL_BY_CODE[code].table for code in self.cells)
        return [(_table_name(table), counts[table.code]) for table in standard.STANDARD.tables if counts[table.code]]

    @property
    def message(self) -> str:
        if self.status is None:
            return f"{self.agency_name}：尚未建立{self.year}年度报告，未纳入汇总。"
        if not self.included:
            label = Report.Status(self.status).label
            return f"{self.agency_name}：报告为“{label}”，尚未通过审核，未纳入汇总。"
        where = "、".join(f"{name} {count} 格" for name, count in self.by_table)
        return f"{self.agency_name}：{len(self.cells)} 个单元格未填写或无效（{where}），未计入合计。"


def _table_name(table: standard.Table) -> str:
    """``表二`` for the numbered tables of parts 二–四, the table's own title otherwise (信息处理费)."""
    return f"表{table.part}" if table.title == dict(standard.STANDARD.parts).get(table.part) else table.title


@dataclass(frozen=True)
class Contribution:
    agency_name: str
    report_id: int
    value: int | Decimal | None
    share: float | None  # of the total, 0–1; None when the total is 0 or blank


@dataclass
class DistrictAggregate:
    district: District
    year: int
    sources: list[Source]
    excluded: list[Excluded]
    totals: dict[str, int | Decimal | None]  # every cell code; None: no contributing value
    gaps: list[Gap] = field(default_factory=list)
    violations: list[rules.Violation] = field(default_factory=list)

    @property
    def agency_count(self) -> int:
        return len(self.sources) + len(self.excluded)

    @cached_property
    def cells(self) -> dict[str, int | str | None]:
        """The sums in the interchange representation (``int`` counts, decimal-string amounts)."""
        return {code: format_cell(code, value) for code, value in self.totals.items()}

    @cached_property
    def incomplete_cells(self) -> frozenset[str]:
        return frozenset(gap.code for gap in self.gaps)

    @cached_property
    def shortfalls(self) -> list[Shortfall]:
        """One line per agency whose figures are missing: those not in the sums, in the
        agencies' order, then the contributing reports with gaps, in the sources' order."""
        lines = [Shortfall(item.agency_name, item.report_id, item.status, False, self.year) for item in self.excluded]
        cells: dict[int, list[str]] = {}
        for gap in self.gaps:
            cells.setdefault(gap.report_id, []).append(gap.code)
        for source in self.sources:
            if source.report_id in cells:
                lines.append(
                    Shortfall(
                        source.agency_name,
                        source.report_id,
                        source.status,
                        True,
                        self.year,
                        tuple(cells[source.report_id]),
                    )
                )
        return lines

    @property
    def is_complete(self) -> bool:
        """Every agency's approved figures, every cell: the sums are the district's."""
        return bool(self.sources) and not self.shortfalls

    @property
    def errors(self) -> list[rules.Violation]:
        return rules.errors(self.violations)

    @property
    def warnings(self) -> list[rules.Violation]:
        return rules.warnings(self.violations)

    @property
    def complete_cells(self) -> list[str]:
        """The cells whose sum holds a value from every contributing report."""
        incomplete = self.incomplete_cells
        return [code for code in standard.CELL_CODES if self.totals[code] is not None and code not in incomplete]

    def breakdown(self, code: str) -> list[Contribution]:
        """Each contributing agency's value of ``code`` and its share of the sum, largest first
        (agencies with a gap last)."""
        if code not in standard.CELL_BY_CODE:
            raise KeyError(code)
        total = self.totals[code]
        if any(source.cells is None for source in self.sources):
            # The sums came from the cache: read this one cell of each report.
            raws = dict(
                Report.objects.filter(pk__in=[source.report_id for source in self.sources])
                .annotate(raw=KeyTransform(code, "cells"))
                .values_list("pk", "raw")
            )
            values = {source.report_id: _value(code, raws.get(source.report_id)) for source in self.sources}
        else:
            values = {source.report_id: source.value(code) for source in self.sources}
        result = []
        for source in self.sources:
            value = values[source.report_id]
            share = float(value) / float(total) if value is not None and total else None
            result.append(Contribution(source.agency_name, source.report_id, value, share))
        result.sort(key=lambda item: (item.value is None, -(item.value or 0), item.agency_name))
        return result


# ── Summing ─────────────────────────────────────────────────────────────────────────────


_PLAIN_DECIMAL = re.compile(r"\d{1,9}(?:\.\d{1,4})?", re.ASCII)
_PLACES = {cell.code: Decimal(1).scaleb(-cell.kind.places) for cell in standard.CELLS if cell.kind.is_amount}


def _value(code: str, raw: object) -> int | Decimal | None:
    """The value summed for ``raw`` in ``code``; ``None`` for a blank or invalid cell.

    Fast paths for what the interchange format stores (``int`` counts, plain decimal-string
    amounts); anything else goes through ``values.parse_cell``, the one judge of a value.
    """
    if type(raw) is int and 0 <= raw <= _MAX:
        return raw
    if type(raw) is str and code in _PLACES and _PLAIN_DECIMAL.fullmatch(raw):
        value = Decimal(raw)
        if value == value.quantize(_PLACES[code]):
            return value
    try:
        return parse_cell(code, raw)
    except CellValueError:
        return None


def _gap_reason(code: str, raw: object) -> str:
    try:
        parse_cell(code, raw)
    except CellValueError as exc:
        return str(exc)
    return BLANK_REASON


_ROW = operator.itemgetter(*standard.CELL_CODES)


def _row(cells: dict) -> tuple:
    """The report's raw values in the format's cell order (one C-level call when all are stored)."""
    try:
        return _ROW(cells)
    except KeyError:
        return tuple(cells.get(code) for code in standard.CELL_CODES)


def sum_cells(sources: Iterable[Source]) -> tuple[dict[str, int | Decimal | None], list[Gap]]:
    """The cell-by-cell sums of ``sources`` and the gaps (blank or invalid cells) left out.

    Column by column: a column of counts that are all plain ``int`` in range — what the
    interchange format stores, so nearly always — is summed by the builtins in one pass; any
    other column goes value by value through :func:`_value`.
    """
    sources = list(sources)
    if not sources:
        return dict.fromkeys(standard.CELL_CODES), []
    columns = zip(*(_row(source.cells) for source in sources), strict=True)
    totals: dict[str, int | Decimal | None] = {}
    gaps: list[Gap] = []
    for cell, column in zip(standard.CELLS, columns, strict=True):
        code = cell.code
        if not cell.kind.is_amount and set(map(type, column)) == {int} and min(column) >= 0 and max(column) <= _MAX:
            totals[code] = sum(column)
            continue
        total = Decimal(0) if cell.kind.is_amount else 0
        present = 0
        for source, raw in zip(sources, column, strict=True):
            value = _value(code, raw)
            if value is None:
                gaps.append(Gap(source.agency_name, source.report_id, code, raw, _gap_reason(code, raw)))
            else:
                total += value
                present += 1
        totals[code] = total if present else None
    return totals, gaps


def rules_on_sums(cells: dict) -> list[rules.Violation]:
    """The consistency rules on summed figures: all but those about the narrative."""
    violations = rules.check(rules.ReportData(cells=cells, texts=standard.empty_texts()))
    return [violation for violation in violations if violation.text is None]


def _district_agencies(district: District):
    return Agency.objects.filter(district=district).exclude(kind=Agency.Kind.DISTRICT)


AGGREGATE_CACHE_PREFIX = "district-aggregate:v1"
AGGREGATE_CACHE_SECONDS = 6 * 3600


def _cache_key(district: District, year: int, sources: list[Source], versions: dict[int, tuple]) -> str:
    """Names the sums of exactly these reports at exactly these versions: any change to an
    included report (a save moves ``version`` or ``updated_at``), a report approved or
    reopened, an agency renamed gives another key."""
    parts = [(s.agency_id, s.agency_name, s.report_id, s.status, *versions[s.report_id]) for s in sources]
    digest = hashlib.sha256(repr((district.pk, year, parts)).encode()).hexdigest()
    return f"{AGGREGATE_CACHE_PREFIX}:{district.pk}:{year}:{digest}"


# PostgreSQL keeps a jsonb object's keys sorted by length, then byte by byte, and
# ``jsonb_path_query_array(cells, '$.*')`` lists the values in that order. A report whose
# cells hold every code of the format (as every stored report does: the services refuse
# unknown codes and store blanks as null) is then read as a short array of values: a tenth of
# the text to produce, send and decode.
_JSONB_KEY_ORDER = tuple(sorted(standard.CELL_CODES, key=lambda code: (len(code.encode()), code.encode())))


def _load_cells(reports) -> dict[int, dict]:
    """The stored cells of the reports of the queryset ``reports``, by id, decoded.

    Read as JSON text and decoded by orjson: decoding is most of the time a cold aggregate
    takes (5,000 reports hold some 35 MB of JSON), and orjson does it about three times
    faster than the json module Django's JSONField uses. On PostgreSQL only the values are
    read (see ``_JSONB_KEY_ORDER``); a report with fewer cells is read whole."""
    reports = reports.order_by()
    result = {}
    if connection.vendor == "postgresql":
        values = Func(F("cells"), Value("$.*"), function="jsonb_path_query_array", output_field=JSONField())
        rows = reports.annotate(values_text=Cast(values, TextField())).values_list("pk", "values_text")
        partial = []
        for pk, text in rows:
            array = orjson.loads(text) if text else None
            if isinstance(array, list) and len(array) == len(_JSONB_KEY_ORDER):
                result[pk] = dict(zip(_JSONB_KEY_ORDER, array, strict=True))
            else:
                partial.append(pk)
        if not partial:
            return result
        reports = reports.filter(pk__in=partial)
    rows = reports.annotate(cells_text=Cast("cells", TextField())).values_list("pk", "cells_text")
    for pk, text in rows:
        cells = orjson.loads(text) if text else {}
        result[pk] = cells if isinstance(cells, dict) else {}
    return result


def district_aggregate(*, district: District, year: int, with_cells: bool = False) -> DistrictAggregate:
    """The sums of ``district``'s approved and published agency reports for ``year``.

    The sums and gaps are cached (Django's cache) under a key naming every included report
    and its version (:func:`_cache_key`), since approved and published reports are
    read-only; the first view after a change reads and sums everything again. With
    ``with_cells`` every source carries its cells (for the spreadsheet of the breakdown);
    otherwise :meth:`DistrictAggregate.breakdown` reads the one cell it needs.
    """
    # Sorted here, not by the database: its collation may order Chinese names otherwise.
    # An inactive (merged, abolished) agency is expected only if it has a report for the year.
    expected = _district_agencies(district).filter(Q(is_active=True) | Q(reports__year=year)).distinct()
    agencies = sorted(expected.values_list("pk", "name", "kind"), key=lambda a: (a[1], a[0]))
    reports = (
        Report.objects.filter(agency__district=district, year=year)
        .exclude(agency__kind=Agency.Kind.DISTRICT)
        .order_by()
    )
    included = {
        agency_id: (pk, status, version, updated_at)
        for pk, agency_id, status, version, updated_at in reports.filter(status__in=INCLUDED_STATUSES)
        # The time only names a state in the cache key: read as text, not parsed.
        .annotate(updated_text=Cast("updated_at", TextField()))
        .values_list("pk", "agency_id", "status", "version", "updated_text")
    }
    others = {
        agency_id: (pk, status)
        for pk, agency_id, status in reports.exclude(status__in=INCLUDED_STATUSES).values_list(
            "pk", "agency_id", "status"
        )
    }
    meta, excluded, versions = [], [], {}
    for agency_id, name, kind in agencies:
        if agency_id in included:
            pk, status, version, updated_at = included[agency_id]
            meta.append((agency_id, name, kind, pk, status))
            versions[pk] = (version, updated_at)
        else:
            pk, status = others.get(agency_id, (None, None))
            excluded.append(Excluded(agency_id, name, kind, pk, status))
    sources = [Source(*item, cells=None) for item in meta]
    key = _cache_key(district, year, sources, versions)
    cached = None if with_cells else cache.get(key)
    if cached is None:
        cells = _load_cells(reports.filter(status__in=INCLUDED_STATUSES))
        sources = [Source(*item, cells=cells.get(item[3], {})) for item in meta]
        totals, gaps = sum_cells(sources)
        cache.set(key, (totals, gaps), AGGREGATE_CACHE_SECONDS)
    else:
        totals, gaps = cached
    aggregate = DistrictAggregate(district, year, sources, excluded, totals, gaps)
    aggregate.violations = checked_sums(aggregate)
    return aggregate


def checked_sums(aggregate: DistrictAggregate) -> list[rules.Violation]:
    """The rules' verdicts on the sums that say something about them: none with nothing
    summed, and none about a cell with a gap (``shortfalls`` names those, per agency)."""
    if not aggregate.sources:
        return []
    incomplete = aggregate.incomplete_cells
    return [v for v in rules_on_sums(aggregate.cells) if not incomplete.intersection(v.cells)]


# ── The year-over-year trend ────────────────────────────────────────────────────────────

TREND_CELLS = {
    "requests": (standard.t3("new", "total"),),
    "reconsiderations": (standard.t4("reconsideration", "total"),),
    "lawsuits": (standard.t4("litigation_direct", "total"), standard.t4("litigation_after", "total")),
}


@dataclass(frozen=True)
class TrendPoint:
    year: int
    reports: int  # contributing reports
    requests: int  # 本年新收政府信息公开申请数量·总计
    reconsiderations: int  # 行政复议·总计
    lawsuits: int  # 行政诉讼（未经复议直接起诉 + 复议后起诉）·总计


def district_trend(*, district: District, until: int, years: int = 5) -> list[TrendPoint]:
    """For each of the ``years`` years up to ``until`` that has a contributing report: the
    district's requests received, reconsiderations and lawsuits (sums of the totals of the
    approved and published agency reports; a blank or invalid figure counts nothing)."""
    codes = [code for group in TREND_CELLS.values() for code in group]
    annotations = {f"v{index}": KeyTextTransform(code, "cells") for index, code in enumerate(codes)}
    rows = (
        Report.objects.filter(
            agency__in=_district_agencies(district),
            status__in=INCLUDED_STATUSES,
            year__gt=until - years,
            year__lte=until,
        )
        .annotate(**annotations)
        .values_list("year", *annotations)
    )
    sums: dict[int, Counter] = {}
    for year, *raws in rows:
        counter = sums.setdefault(year, Counter())
        counter["reports"] += 1
        for code, raw in zip(codes, raws, strict=True):
            counter[code] += _value(code, raw) or 0
    return [
        TrendPoint(
            year=year,
            reports=counter["reports"],
            **{key: sum(counter[code] for code in group) for key, group in TREND_CELLS.items()},
        )
        for year, counter in sorted(sums.items())
    ]


# ── Starting the district government's own report ──────────────────────────────────────


class AggregateStartError(ReportInputError):
    """The district government's report cannot be started (``str(exc)`` is Chinese)."""


def may_start_district_report(user, district: District) -> bool:
    """The district office's administrator starts its government's report (a management act,
    like the review checklist); reviewers review it afterwards, and a clerk of the district
    government's agency fills in the narrative and submits."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or (user.district_id == district.pk and user.is_district_admin)


def district_agency_get_or_create(*, district: District) -> Agency:
    """The district government (``Agency.Kind.DISTRICT``) of ``district``, created when missing
    under the name ``<区名>人民政府``."""
    agency = Agency.objects.filter(district=district, kind=Agency.Kind.DISTRICT).order_by("pk").first()
    if agency is not None:
        return agency
    name = district_agency_name(district)
    clash = Agency.objects.filter(name=name).exclude(district=district).first()
    if clash is not None:
        raise AggregateStartError(f"机关“{name}”已登记在“{clash.district.name}”下，无法作为本区人民政府使用。")
    agency = Agency(district=district, name=name, kind=Agency.Kind.DISTRICT)
    agency.full_clean(validate_unique=False)
    agency, _ = Agency.objects.get_or_create(name=name, defaults={"district": district, "kind": Agency.Kind.DISTRICT})
    return agency


def district_report_start(*, district: District, year: int, by) -> Report:
    """Create the district government's draft for ``year``, its figures pre-filled from the sums.

    Every cell whose sum is complete is filled and listed in ``Report.prefilled`` (the page
    marks them 预填); a cell with a gap, or with no contributing value, stays blank so that
    nobody mistakes a partial sum for the district's figure. The narrative is left to the
    district government's clerk. The report then goes through the same review and
    publication as any other.
    """
    if not may_start_district_report(by, district):
        raise PermissionDenied("只有本区政务公开办管理员可以新建区人民政府的年度报告。")
    this_year = timezone.localdate().year
    if not isinstance(year, int) or not FIRST_YEAR <= year <= this_year:
        raise AggregateStartError(f"年度须在 {FIRST_YEAR} 年至 {this_year} 年之间。")
    aggregate = district_aggregate(district=district, year=year)
    if not aggregate.sources:
        raise AggregateStartError(f"{district.name}{year}年度尚无已通过审核或已发布的机关报告，无法汇总。")
    prefilled = aggregate.complete_cells
    cells = standard.empty_cells()
    cells.update({code: aggregate.cells[code] for code in prefilled})
    try:
        with transaction.atomic():
            agency = district_agency_get_or_create(district=district)
            if Report.objects.filter(agency=agency, year=year).exists():
                raise ReportExistsError(f"{agency.name}{year}年度的报告已经存在。")
            report = Report(
                agency=agency,
                year=year,
                status=Report.Status.DRAFT,
                cells=cells,
                prefilled=prefilled,
                updated_by=by,
                signature_organ=agency.name,
            )
            report.full_clean(validate_constraints=False)  # a concurrent start: IntegrityError below
            report.save()
    except IntegrityError as exc:
        raise ReportExistsError(f"{district_agency_name(district)}{year}年度的报告已经存在。") from exc
    return report


def district_report(*, district: District, year: int) -> Report | None:
    """The district government's report for ``year``, if it has been started."""
    return (
        Report.objects.filter(agency__district=district, agency__kind=Agency.Kind.DISTRICT, year=year)
        .select_related("agency")
        .order_by("agency_id")
        .first()
    )
