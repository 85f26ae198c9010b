"""Pages of the yearly cycle, for the district administrator of the district only.

The district is the administrator's own (``request.user.district``), never a parameter; a year
or a calendar day of another district answers 404. Thin: forms parse, ``services`` decide.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from ..models import CalendarDay, ReportingYear
from . import selectors, services
from .forms import CalendarAddForm, DeadlinesForm, YearOpenForm


def _district(request):
    user = request.user
    if not (user.is_active and user.is_district_admin and user.district_id):
        raise PermissionDenied("只有区政务公开办管理员可以管理年度报送。")
    return user.district


@login_required
def index(request):
    district = _district(request)
    form = YearOpenForm(today=timezone.localdate())
    return _index(request, district, form)


def _index(request, district, form, status=200):
    context = {
        "district": district,
        "form": form,
        "summaries": selectors.year_summaries(district=district),
        "agencies": selectors.cycle_agencies(district).count(),
    }
    return render(request, "cycle/index.html", context, status=status)


@login_required
@require_POST
def open_year(request):
    district = _district(request)
    form = YearOpenForm(request.POST, today=timezone.localdate())
    if not form.is_valid():
        return _index(request, district, form, status=400)
    data = form.cleaned_data
    try:
        result = services.year_open(
            district=district,
            year=data["year"],
            by=request.user,
            agency_deadline=data["agency_deadline"],
            district_deadline=data["district_deadline"],
        )
    except services.CycleError as exc:
        form.add_error(None, str(exc))
        return _index(request, district, form, status=400)
    verb = "已开启" if result.newly_opened else "已再次开启"
    messages.success(
        request,
        f"{verb} {data['year']} 年度：新建草稿 {result.created} 份（其中 {result.prefilled} 份已按上年数据预填），"
        f"已有报告的机关 {result.existing} 个。",
    )
    return redirect("cycle:year", year=data["year"])


@login_required
@require_http_methods(["GET", "POST"])
def year_detail(request, year: int):
    district = _district(request)
    reporting_year = ReportingYear.objects.filter(district=district, year=year).first()
    if reporting_year is None:
        raise Http404("本区尚未开启这一年度。")
    if request.method == "POST":
        form = DeadlinesForm(request.POST)
        if form.is_valid():
            try:
                services.year_deadlines_set(district=district, year=year, by=request.user, **form.cleaned_data)
            except services.CycleError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "截止日期已保存。")
                return redirect("cycle:year", year=year)
        status = 400
    else:
        form = DeadlinesForm(
            initial={
                "agency_deadline": reporting_year.agency_deadline,
                "district_deadline": reporting_year.district_deadline,
            }
        )
        status = 200
    summary = next(s for s in selectors.year_summaries(district=district) if s.reporting_year.pk == reporting_year.pk)
    context = {"district": district, "reporting_year": reporting_year, "form": form, "summary": summary}
    return render(request, "cycle/year.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def calendar(request):
    district = _district(request)
    status = 200
    if request.method == "POST":
        form = CalendarAddForm(request.POST)
        if form.is_valid():
            try:
                added = services.calendar_days_add(district=district, by=request.user, **form.cleaned_data)
            except services.CycleError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"已登记 {len(added)} 天。")
                return redirect("cycle:calendar")
        status = 400
    else:
        form = CalendarAddForm()
    days = CalendarDay.objects.filter(district=district).order_by("date")
    years: dict[int, list[CalendarDay]] = {}  # newest year first, each in date order
    for day in days:
        years.setdefault(day.date.year, []).append(day)
    context = {"district": district, "form": form, "years": sorted(years.items(), reverse=True)}
    return render(request, "cycle/calendar.html", context, status=status)


@login_required
@require_POST
def calendar_remove(request, pk: int):
    district = _district(request)
    try:
        services.calendar_day_remove(district=district, day_id=pk, by=request.user)
    except services.CycleNotFound as exc:
        raise Http404(str(exc)) from exc
    messages.success(request, "已删除。")
    return redirect("cycle:calendar")
