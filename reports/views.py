"""Views of the agency's data entry (the public site is in ``reports/public_site/``).

Thin: each view gets its report through ``reports/access.py`` (so every URL checks on the
server who may see and who may change the report), parses input with a form or the JSON
body, and calls a service from ``reports/editing.py``.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.audit import audit_record
from accounts.models import AuditEvent

from . import rules, standard
from .access import can_edit, report_for_edit, report_for_view
from .editing import (
    MAX_RAW_LENGTH,
    MAX_TEXT_LENGTH,
    EditingError,
    ReportNotEditableError,
    StaleVersionError,
    deadline_passed,
    normalise_cells,
    normalise_texts,
    report_apply_upload,
    report_create,
    report_save,
)
from .forms import ReportCreateForm, ReportDraftForm, UploadForm, cell_dom_id, text_dom_id
from .grid import grid_tables
from .hardening import JsonInputError, strict_json_loads
from .hardening.middleware import max_request_bytes
from .interchange import InterchangeError, dumps, report_to_document
from .models import Report
from .selectors import report_previous
from .spreadsheet import MAX_UPLOAD_BYTES, SpreadsheetError, build_workbook, read_workbook

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def home(request):
    reports = list(Report.objects.visible_to(request.user).with_deadlines().select_related("agency", "updated_by"))
    for report in reports:
        report.overdue = report.is_editable and deadline_passed(report)
    # An inactive (merged, abolished) agency keeps its reports but starts no new one.
    active_clerk = request.user.is_clerk and request.user.agency.is_active
    create_form = ReportCreateForm(agency=request.user.agency) if active_clerk else None
    return render(
        request,
        "reports/home.html",
        {"reports": reports, "create_form": create_form},
    )


@login_required
@require_POST
def create(request):
    if not request.user.is_clerk:
        raise PermissionDenied("只有机关填报人员可以新建报告。")
    form = ReportCreateForm(request.POST, agency=request.user.agency)
    if not form.is_valid():
        messages.error(request, "请选择一个尚未建立报告的年度。")
        return redirect("reports:home")
    try:
        report = report_create(agency=request.user.agency, year=form.cleaned_data["year"], by=request.user)
    except EditingError as exc:
        messages.error(request, str(exc))
        return redirect("reports:home")
    note = f"已根据上年度报告预填 {len(report.prefilled)} 个单元格（标有“预填”），请核对。" if report.prefilled else ""
    messages.success(request, f"已新建{report.year}年度报告草稿。{note}")
    return redirect("reports:edit", pk=report.pk)


# ── The editing page ────────────────────────────────────────────────────────────────────


def previous_data(report: Report) -> rules.ReportData | None:
    previous = report_previous(report)
    return rules.ReportData(previous.cells, previous.texts) if previous is not None else None


def violation_dict(violation) -> dict:
    data = violation.as_dict()
    data.setdefault("rule", violation.rule)
    data.setdefault("level", violation.level)
    data.setdefault("message", violation.message)
    data["cells"] = list(data.get("cells") or violation.cells or ())
    data.setdefault("text", violation.text)
    data["key"] = violation.key
    data["result"] = list(getattr(violation, "result", ()) or ())
    rule = rules.RULES.get(violation.rule)
    data["title"] = rule.title if rule is not None else violation.rule
    return data


def check_payload(violations) -> dict:
    errors = [violation_dict(v) for v in rules.errors(violations)]
    warnings = [violation_dict(v) for v in rules.warnings(violations)]
    return {"errors": errors, "warnings": warnings, "counts": {"errors": len(errors), "warnings": len(warnings)}}


def _summary_groups(items: list[dict]) -> list[dict]:
    groups: dict[str, dict] = {}
    for item in items:
        group = groups.setdefault(item["rule"], {"rule": item["rule"], "title": item["title"], "items": []})
        group["items"].append(item)
    return list(groups.values())


def _link_target(item: dict) -> str:
    # A text's violation (TEXT-FIGURE names cells too) is fixed in the text first.
    if item.get("text"):
        return text_dom_id(item["text"])
    if item.get("cells"):  # the cell the message names: the equation's result where there is one
        return cell_dom_id((item.get("result") or item["cells"])[0])
    return "check-summary"


def _editor_context(
    request, report: Report, *, form: ReportDraftForm, cells, texts, editable: bool, explanations=None, checked=None
) -> dict:
    """``checked``: the (cells, texts) the rules run on, when not the ones shown."""
    checked_cells, checked_texts = checked or (cells, texts)
    violations = rules.check(rules.ReportData(checked_cells, checked_texts), previous_data(report))
    payload = check_payload(violations)
    explanations = (report.explanations or {}) if explanations is None else explanations
    for item in payload["errors"] + payload["warnings"]:
        item["target"] = _link_target(item)
    for item in payload["warnings"]:
        item["explanation"] = explanations.get(item["key"], "")
    config = {
        "reportId": report.pk,
        "version": report.version,
        "editable": editable,
        "checkUrl": reverse("reports:check", args=[report.pk]),
        "saveUrl": reverse("reports:save", args=[report.pk]),
        "loginUrl": reverse("accounts:login"),
        "initial": payload,
        "explanations": explanations,
    }
    return {
        "report": report,
        "form": form,
        "tables": {table.code: table for table in grid_tables(cells, report.prefilled if editable else ())},
        "texts": texts,
        "editable": editable,
        "payload": payload,
        "error_groups": _summary_groups(payload["errors"]),
        "warnings": payload["warnings"],
        "editor_config": config,
        "parts": standard.STANDARD.parts,
        "text_parts": {text.key: text for text in standard.STANDARD.texts},
        "events": report.events.select_related("actor").all(),
    }


def render_rejected_draft(request, report: Report, form: ReportDraftForm, *, status: int):
    """The editing page showing the refused input as typed, on top of the stored report and
    with the current version: nothing typed is lost, and saving again is a conscious overwrite."""
    posted = request.POST
    report.refresh_from_db()
    # What was typed is shown again, but the rules see only what the form could accept: a
    # value over its length limit is refused before any rule runs on it (issue 11: a part-six
    # text of 200,000 letters used to keep a worker busy for a minute on this page).
    cells = {**report.cells, **{code: posted[code] or None for code in standard.CELL_CODES if code in posted}}
    texts = {**report.texts, **{key: posted[key] for key in standard.TEXT_KEYS if key in posted}}
    checked_cells = {
        code: value if value is None or len(str(value)) <= MAX_RAW_LENGTH else report.cells.get(code)
        for code, value in cells.items()
    }
    checked_texts = {
        key: text if len(text) <= MAX_TEXT_LENGTH else report.texts.get(key, "") for key, text in texts.items()
    }
    explanations = {
        **(report.explanations or {}),
        **{
            name.removeprefix(ReportDraftForm.EXPLANATION_PREFIX): value
            for name, value in posted.items()
            if name.startswith(ReportDraftForm.EXPLANATION_PREFIX)
        },
    }
    form = ReportDraftForm(initial={"version": report.version, **texts})
    context = _editor_context(
        request,
        report,
        form=form,
        cells=cells,
        texts=texts,
        editable=True,
        explanations=explanations,
        checked=(checked_cells, checked_texts),
    )
    return render(request, "reports/edit.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk: int):
    """The report's one page: the six parts, live checking and saving; read-only once submitted."""
    report = report_for_view(request.user, pk)
    editable = can_edit(request.user, report)
    status = 200
    if request.method == "POST":
        try:
            report = report_for_edit(request.user, pk)
        except ReportNotEditableError as exc:
            messages.error(request, str(exc))
            return redirect("reports:edit", pk=pk)
        form = ReportDraftForm(request.POST)
        if form.is_valid():
            try:
                saved = report_save(
                    report_id=report.pk,
                    expected_version=form.cleaned_data["version"],
                    by=request.user,
                    **form.changes(),
                )
            except StaleVersionError as exc:
                messages.error(request, f"{exc} 再次点击“保存草稿”将以页面上的内容覆盖对方的修改。")
                status = 409
            except EditingError as exc:
                messages.error(request, str(exc))
                status = 400
            else:
                messages.success(request, f"草稿已保存（第 {saved.version} 版）。")
                return redirect("reports:edit", pk=pk)
        else:
            # The page is drawn again with a fresh form: say here what was wrong, field by field.
            problems = [str(error) for errors in form.errors.values() for error in errors][:5]
            messages.error(request, "提交的内容有误，未保存。" + " ".join(problems))
            status = 400
        return render_rejected_draft(request, report, form, status=status)
    form = ReportDraftForm(initial={"version": report.version, **report.texts})
    context = _editor_context(request, report, form=form, cells=report.cells, texts=report.texts, editable=editable)
    return render(request, "reports/edit.html", context, status=status)


# ── JSON endpoints of the page's script ─────────────────────────────────────────────────


class BadPayload(Exception):
    pass


def _json_body(request) -> dict:
    try:
        payload = strict_json_loads(request.body or b"{}")
    except JsonInputError as exc:
        raise BadPayload(f"请求内容有误：{exc}。") from exc
    if not isinstance(payload, dict):
        raise BadPayload("请求内容应为 JSON 对象。")
    for name in ("cells", "texts", "explanations"):
        if not isinstance(payload.get(name, {}), dict):
            raise BadPayload(f"{name} 应为 JSON 对象。")
    return payload


def json_endpoint(view):
    """POST only; an anonymous caller gets a 403 in JSON (with the login URL), and domain
    errors become JSON answers the script shows: 409 stale, 403 not editable, 400 invalid."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return JsonResponse(
                {
                    "error": "login",
                    "message": "登录已过期，请重新登录。您输入的内容已保存在本机浏览器中，登录后打开本页即可恢复。",
                    "login_url": reverse("accounts:login"),
                },
                status=403,
            )
        try:
            return view(request, *args, **kwargs)
        except StaleVersionError as exc:
            return JsonResponse(exc.as_dict(), status=409)
        except ReportNotEditableError as exc:
            return JsonResponse({"error": "not_editable", "message": str(exc)}, status=403)
        except PermissionDenied as exc:
            return JsonResponse({"error": "forbidden", "message": str(exc) or "没有权限。"}, status=403)
        except (EditingError, BadPayload) as exc:
            return JsonResponse({"error": "invalid", "message": str(exc)}, status=400)

    return require_POST(wrapper)


@json_endpoint
def check(request, pk: int):
    """The rules on the figures and texts now on the screen (not saved): ``{errors, warnings}``."""
    report = report_for_edit(request.user, pk)
    payload = _json_body(request)
    cells = {**report.cells, **normalise_cells(payload.get("cells", {}))}
    texts = {**report.texts, **normalise_texts(payload.get("texts", {}))}
    violations = rules.check(rules.ReportData(cells, texts), previous_data(report))
    return JsonResponse(check_payload(violations))


@json_endpoint
def save(request, pk: int):
    """Save what changed: ``{version, cells?, texts?, explanations?}`` → ``{version, …}``."""
    report_for_edit(request.user, pk)
    payload = _json_body(request)
    version = payload.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise BadPayload("缺少版本号。")
    report = report_save(
        report_id=pk,
        expected_version=version,
        cells=payload.get("cells") or {},
        texts=payload.get("texts") or {},
        explanations=payload.get("explanations") or {},
        by=request.user,
    )
    return JsonResponse(
        {
            "version": report.version,
            "saved_at": report.updated_at.isoformat(),
            "prefilled": list(report.prefilled or []),
        }
    )


# ── Spreadsheet and JSON files ──────────────────────────────────────────────────────────


def _file_name(report: Report, suffix: str) -> str:
    return f"{report.agency.name}{report.year}年政府信息公开工作年度报告{suffix}"


def _attachment(request, content: bytes | str, *, content_type: str, filename: str, report: Report) -> HttpResponse:
    # The event belongs to the report's district (an audit viewer reads their district's only).
    audit_record(kind=AuditEvent.Kind.EXPORT, request=request, object=filename, district_id=report.agency.district_id)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def export_json(request, pk: int):
    report = report_for_view(request.user, pk)
    return _attachment(
        request,
        dumps(report_to_document(report)).encode("utf-8"),
        content_type="application/json; charset=utf-8",
        filename=_file_name(report, ".json"),
        report=report,
    )


def _workbook_response(request, report: Report, suffix: str) -> HttpResponse:
    content = build_workbook(report_to_document(report), agency_name=report.agency.name)
    return _attachment(request, content, content_type=XLSX_TYPE, filename=_file_name(report, suffix), report=report)


@login_required
@require_GET
def export_xlsx(request, pk: int):
    return _workbook_response(request, report_for_view(request.user, pk), ".xlsx")


@login_required
@require_GET
def template_xlsx(request, pk: int):
    """The official layout for this agency and year, with the figures so far, to fill in Excel."""
    return _workbook_response(request, report_for_view(request.user, pk), "（填报模板）.xlsx")


@max_request_bytes(MAX_UPLOAD_BYTES + 64 * 1024)  # the file and the form's few fields; refused unread
@login_required
@require_http_methods(["GET", "POST"])
def upload(request, pk: int):
    """Upload the filled template: all figures land in the draft, or — when anything in the
    file is refused — nothing changes and the page lists each refused cell and why."""
    try:
        report = report_for_edit(request.user, pk)
    except ReportNotEditableError as exc:
        messages.error(request, str(exc))
        return redirect("reports:edit", pk=pk)
    context = {"report": report, "problems": [], "refusal": ""}
    status = 200
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload_file = form.cleaned_data["file"]
            try:
                # read_workbook refuses a file over its size limit before parsing it.
                document = read_workbook(upload_file, strict=True)
                before = dict(report.cells)
                saved = report_apply_upload(
                    report_id=report.pk,
                    expected_version=form.cleaned_data["version"],
                    document=document,
                    by=request.user,
                )
            except SpreadsheetError as exc:
                audit_record(
                    kind=AuditEvent.Kind.IMPORT,
                    request=request,
                    object=f"{report.title}：{upload_file.name}"[:200],
                    district_id=report.agency.district_id,
                    result=AuditEvent.Result.FAILURE,
                    detail=str(exc),
                )
                context["refusal"] = str(exc)
                context["problems"] = [
                    {
                        "address": problem.address,
                        "code": problem.code,
                        "label": standard.CELL_BY_CODE[problem.code].label
                        if problem.code in standard.CELL_BY_CODE
                        else "",
                        "message": problem.message,
                    }
                    for problem in exc.problems
                ]
                status = 400
            except (InterchangeError, EditingError) as exc:
                context["refusal"] = str(exc)
                status = 409 if isinstance(exc, StaleVersionError) else 400
            else:
                changed = sum(1 for code in standard.CELL_CODES if before.get(code) != saved.cells.get(code))
                audit_record(
                    kind=AuditEvent.Kind.IMPORT,
                    request=request,
                    object=f"{report.title}：{upload_file.name}"[:200],
                    district_id=report.agency.district_id,
                    detail=f"{changed} 个单元格有变化，第 {saved.version} 版",
                )
                messages.success(
                    request, f"已导入文件“{upload_file.name}”：{changed} 个单元格有变化（第 {saved.version} 版）。"
                )
                return redirect("reports:edit", pk=pk)
        else:
            context["refusal"] = "请选择要上传的文件。"
            status = 400
        report.refresh_from_db()
    form = UploadForm(initial={"version": report.version})
    context["form"] = form
    context["limit_mb"] = MAX_UPLOAD_BYTES / 1024 / 1024
    return render(request, "reports/upload.html", context, status=status)
