"""The district office's pages (issue 6): the completeness board and the aggregate.

Who: the people of a district office — any district role (初审、复审、终审、管理员、审计查看员) —
see their own district's board and aggregate, and only their own: the district is the
user's, never a parameter, so there is no other district's id to try. A clerk, or a signed-in
person without a district, gets 403; an anonymous visitor the login page. Starting the district
government's report is a write, left to the district administrator
(``reports.aggregate.may_start_district_report``); the service checks it again.

Thin: the views parse the query with ``district_forms`` and call ``review.board`` and
``reports.aggregate``; dates come from ``timezone.localdate()`` here and nowhere deeper.
Exports are written to the security audit log, like every export.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import audit_record
from accounts.models import AuditEvent
from reports import standard
from reports.aggregate import (
    district_aggregate,
    district_deadline,
    district_report,
    district_report_start,
    district_trend,
    may_start_district_report,
)
from reports.editing import EditingError
from reports.forms import cell_dom_id
from reports.grid import grid_tables

from . import board as boards
from . import charts
from .district_forms import AggregateForm, BoardFilterForm, StartForm
from .district_xlsx import aggregate_workbook, board_workbook

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def district_of(user):
    """The district whose office ``user`` works in, or 403."""
    if not (user.is_active and user.district_id and user.district_roles):
        raise PermissionDenied("只有区政务公开办的人员可以查看全区报送进度和汇总。")
    return user.district


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"
    return response


# ── The board ───────────────────────────────────────────────────────────────────────────


def _board(request):
    district = district_of(request.user)
    today = timezone.localdate()
    form = BoardFilterForm(request.GET or None, today=today)
    year = form.selected_year()
    board = boards.district_board(district=district, year=year, today=today)
    rows = boards.filter_rows(board.rows, **form.filters())
    return form, board, rows


@login_required
@require_GET
def board(request):
    """Who has not submitted yet: every agency of the district, its report's status, who holds
    it, days to the deadline or overdue, open errors and unexplained warnings."""
    form, board, rows = _board(request)
    progress = boards.submission_progress(board)
    context = {
        "form": form,
        "board": board,
        "rows": rows,
        "filtered": len(rows) != board.total,
        "chart": charts.progress_chart(progress, total=board.total, year=board.year),
        "export_query": request.GET.urlencode(),
        "flags": dict(boards.FLAGS),
    }
    return render(request, "review/district/board.html", context)


@login_required
@require_GET
def board_xlsx(request):
    _form, board, rows = _board(request)
    name = f"{board.district.name}{board.year}年度报告报送进度（{board.today:%Y%m%d}）.xlsx"
    audit_record(kind=AuditEvent.Kind.EXPORT, request=request, object=name, district_id=board.district.pk)
    return _xlsx(board_workbook(board, rows), name)


@login_required
@require_GET
def past_years(request):
    """往年报告: each agency's historical (imported) and approved/published reports by year,
    with their rule results, each linking to the report's read-only page."""
    district = district_of(request.user)
    return render(request, "review/district/past_years.html", {"past": boards.district_past_years(district=district)})


# ── The aggregate ───────────────────────────────────────────────────────────────────────


@login_required
@require_GET
def aggregate(request):
    """The district's sums of tables 二, 三, 四 and the fees over its approved and published
    agency reports; each sum opens its per-agency breakdown."""
    district = district_of(request.user)
    today = timezone.localdate()
    form = AggregateForm(request.GET or None, today=today)
    year = form.selected_year()
    result = district_aggregate(district=district, year=year)
    code = form.selected_cell()
    own_report = district_report(district=district, year=year)
    context = {
        "form": form,
        "year": year,
        "aggregate": result,
        "tables": grid_tables(result.cells),
        "cell": standard.CELL_BY_CODE[code] if code else None,
        "breakdown": result.breakdown(code) if code else None,
        "selected_total": result.cells[code] if code else None,
        "selected_dom_id": cell_dom_id(code) if code else "",
        "outcomes_chart": charts.outcomes_chart(result.totals, year=year),
        "trend_chart": charts.trend_chart(district_trend(district=district, until=year)),
        "own_report": own_report,
        "may_start": own_report is None and may_start_district_report(request.user, district),
        "district_deadline": district_deadline(year, district),
    }
    return render(request, "review/district/aggregate.html", context)


@login_required
@require_GET
def aggregate_xlsx(request):
    district = district_of(request.user)
    form = AggregateForm(request.GET or None, today=timezone.localdate())
    result = district_aggregate(district=district, year=form.selected_year(), with_cells=True)
    name = f"{district.name}{result.year}年度政府信息公开工作年度报告汇总（分机关明细）.xlsx"
    audit_record(kind=AuditEvent.Kind.EXPORT, request=request, object=name, district_id=district.pk)
    return _xlsx(aggregate_workbook(result), name)


@login_required
@require_POST
def aggregate_start(request):
    """Start the district government's own report, its figures pre-filled from the sums."""
    district = district_of(request.user)
    if not may_start_district_report(request.user, district):
        raise PermissionDenied("只有本区政务公开办管理员可以新建区人民政府的年度报告。")
    form = StartForm(request.POST)
    if not form.is_valid():
        messages.error(request, "年度无效，未新建报告。")
        return redirect("review:aggregate")
    year = form.cleaned_data["year"]
    back = f"{reverse('review:aggregate')}?year={year}"
    try:
        report = district_report_start(district=district, year=year, by=request.user)
    except EditingError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    clerks = report.agency.clerks.filter(is_active=True).count()
    who = (
        f"请“{report.agency.name}”的填报人员核对数字、填写文字部分后提交审核"
        if clerks
        else f"“{report.agency.name}”尚无填报人员账户，请由系统管理员为其开设后填写并提交审核"
    )
    messages.success(
        request,
        f"已新建{report.title}草稿：{len(report.prefilled)} 个单元格按全区汇总数预填（标有“预填”）。{who}。",
    )
    return redirect(back)
