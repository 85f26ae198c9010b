"""Pages for bringing past reports in: the district administrator (any agency of their
district) and the clerks (their own agency). An import of another district or agency is "not
found" (404); a person who may not import at all gets 403. Thin: ``services`` decide."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from .. import standard
from ..grid import grid_tables
from ..hardening.middleware import max_request_bytes
from ..models import HistoricalImport, Report
from . import services
from .forms import UploadForm

CONTENT_TYPES = {
    "text": "text/plain; charset=utf-8",
    "html": "text/plain; charset=utf-8",  # shown as text, never rendered from our origin
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _allowed(request):
    if not services.may_use_history(request.user):
        raise PermissionDenied("只有区政务公开办管理员或机关填报人员可以导入往年报告。")


def _item(request, pk: int) -> HistoricalImport:
    _allowed(request)
    item = services.imports_visible_to(request.user).select_related("agency", "report").filter(pk=pk).first()
    if item is None:
        raise Http404("没有这份往年报告导入记录。")
    return item


@login_required
@require_GET
def index(request):
    _allowed(request)
    return _index(request, UploadForm(user=request.user))


def _index(request, form, status=200):
    # Not the document: the list shows each import's count of ambiguities.
    imports = services.imports_visible_to(request.user).select_related("agency", "report").defer("source_text")
    context = {"form": form, "pending": imports.filter(status=HistoricalImport.Status.PENDING)}
    context["confirmed"] = imports.filter(status=HistoricalImport.Status.CONFIRMED).order_by("agency__name", "-year")
    return render(request, "history/index.html", context, status=status)


@login_required
@require_POST
@max_request_bytes(services.MAX_UPLOAD_BYTES + 256 * 1024)
def upload(request):
    _allowed(request)
    form = UploadForm(request.POST, request.FILES, user=request.user)
    if not form.is_valid():
        return _index(request, form, status=400)
    data = form.cleaned_data
    try:
        created = services.history_upload(
            by=request.user, agency=data["agency"], file=data["file"], name=data["file"].name, year=data["year"]
        )
    except services.HistoryError as exc:
        form.add_error("file", str(exc))
        return _index(request, form, status=400)
    if len(created) == 1:
        messages.success(request, f"已读取 {created[0].filename}，请核对后确认导入。")
        return redirect("history:review", pk=created[0].pk)
    messages.success(request, f"已读取压缩包中的 {len(created)} 份报告，请逐份核对后确认导入。")
    return redirect("history:index")


@login_required
@require_GET
def review(request, pk: int):
    item = _item(request, pk)
    cells = services.import_cells(item) if item.report is None else item.report.cells
    listed = services.ambiguities(item)
    resolutions = item.resolutions or {}
    open_codes = set()
    rows = []
    for index, ambiguity in enumerate(listed):
        codes = [code for code in ambiguity.get("cells", []) if code in standard.CELL_BY_CODE]
        chosen = resolutions.get(str(index))
        if chosen is None:
            open_codes.update(codes)
        candidates = [
            [(standard.CELL_BY_CODE[code].label, value) for code, value in zip(codes, candidate, strict=False)]
            for candidate in ambiguity.get("candidates", [])
        ]
        rows.append(
            {
                "index": index,
                "message": ambiguity.get("message", ""),
                "where": ambiguity.get("where", ""),
                "printed": ambiguity.get("printed", []),
                "candidates": candidates,
                "cells": [(code, standard.CELL_BY_CODE[code].label, (chosen or {}).get(code)) for code in codes],
                "chosen": chosen,
            }
        )
    existing = None
    if item.status == HistoricalImport.Status.PENDING and item.year is not None:
        existing = Report.objects.filter(agency=item.agency, year=item.year).first()
    reading = item.document.get("reading") or {}
    context = {
        "item": item,
        "tables": grid_tables(cells),
        "ambiguities": rows,
        "open_count": sum(1 for row in rows if row["chosen"] is None),
        "open_codes": open_codes,
        "notes": reading.get("notes") or [],
        "printed_agency": (item.document.get("agency") or {}).get("name", ""),
        "existing": existing,
        "first_year": services.year_range()[0],
        "last_year": services.year_range()[1],
        "is_pending": item.status == HistoricalImport.Status.PENDING,
    }
    return render(request, "history/review.html", context)


def _act(request, pk: int, action, success: str):
    item = _item(request, pk)
    try:
        result = action(item)
    except HistoricalImport.DoesNotExist:
        raise Http404("没有这份往年报告导入记录。") from None
    except services.HistoryError as exc:
        messages.error(request, str(exc))
        return redirect("history:review", pk=item.pk)
    messages.success(request, success)
    return result


@login_required
@require_POST
def resolve(request, pk: int):
    def act(item):
        try:
            index = int(request.POST.get("index", ""))
        except ValueError:
            raise services.HistoryError("没有这一处存疑数字，请刷新页面后再试。") from None
        choice = request.POST.get("choice", "")
        if choice == "typed":
            values = {key[2:]: value for key, value in request.POST.items() if key.startswith("v-")}
            services.history_resolve(by=request.user, import_id=item.pk, index=index, values=values)
        elif choice.isdigit():
            services.history_resolve(by=request.user, import_id=item.pk, index=index, candidate=int(choice))
        else:
            raise services.HistoryError("请选择一种拆分，或选择“自行填写”并逐格填写数字。")
        return redirect(reverse("history:review", args=[item.pk]) + f"#ambiguity-{index}")

    return _act(request, pk, act, "已记录这处存疑数字的处理。")


@login_required
@require_POST
def set_year(request, pk: int):
    def act(item):
        raw = request.POST.get("year", "").strip()
        if not raw.isdigit():
            raise services.HistoryError("年度须为四位数字，例如 2023。")
        services.history_set_year(by=request.user, import_id=item.pk, year=int(raw))
        return redirect("history:review", pk=item.pk)

    return _act(request, pk, act, "已修改年度。")


@login_required
@require_POST
def confirm(request, pk: int):
    def act(item):
        services.history_confirm(by=request.user, import_id=item.pk)
        return redirect("history:review", pk=item.pk)

    return _act(request, pk, act, "已确认导入：这份报告已作为历史报告（历史导入）保存。")


@login_required
@require_POST
def discard(request, pk: int):
    def act(item):
        services.history_discard(by=request.user, import_id=item.pk)
        return redirect("history:index")

    return _act(request, pk, act, "已删除这份未确认的导入。")


@login_required
@require_GET
def source(request, pk: int):
    item = _item(request, pk)
    try:
        data = services.source_bytes(item)
    except services.HistoryError as exc:
        messages.error(request, str(exc))
        return redirect("history:review", pk=item.pk)
    response = HttpResponse(data, content_type=CONTENT_TYPES.get(item.kind, "application/octet-stream"))
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=item.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["X-Checksum-SHA256"] = item.sha256
    return response
