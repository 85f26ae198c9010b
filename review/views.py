"""Views of the review workflow: the clerk's submission, and the reviewers' pages (issue 4).

Thin: each view finds its report through ``reports.access`` (404 for a report the user may
not see) and, for the reviewers' pages, :func:`report_for_review` (403 for anyone but the
district office of the report); it parses input with a form from ``review/forms.py`` and
calls a service from ``review/services.py`` or ``review/workflow.py``, which check again
under the row lock.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reports import rules
from reports.access import report_for_edit, report_for_view
from reports.editing import EditingError, ReportNotEditableError, StaleVersionError, report_save
from reports.forms import ReportDraftForm
from reports.models import Report
from reports.views import render_rejected_draft, violation_dict

from . import selectors, services
from .forms import ChecklistForm, CommentForm, DecisionForm, ReasonForm, ReplyForm, YearFilterForm
from .models import Action, Comment
from .workflow import (
    STEP_BY_STATUS,
    SubmissionRefused,
    WorkflowError,
    acts_as,
    available_actions,
    current_round,
    report_check,
    report_reopen,
    report_start_review,
    report_submit,
    require_role,
    signed_step_this_round,
)

# The actions of the review steps: a person who may take none of them on a report may not
# sign, return or comment on it.
REVIEW_ACTIONS = (Action.FIRST_APPROVE, Action.SECOND_APPROVE, Action.APPROVE, Action.RETURN)


def client_ip(request) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is whatever the client says unless a trusted proxy
    # rewrites it, and the audit trail must not record a claim as a fact.
    return request.META.get("REMOTE_ADDR") or None


@login_required
@require_POST
def submit(request, pk: int):
    """Save what the page holds (if anything changed), then submit under the workflow's rules.

    The posted form is the editing page's own, so a clerk without JavaScript loses nothing
    either; the page's script saves first and posts the version it got back.
    """
    report = report_for_view(request.user, pk)
    require_role(user=request.user, report=report, actions=[Action.SUBMIT])
    form = ReportDraftForm(request.POST)
    if not form.is_valid():
        messages.error(request, "提交的内容有误，未提交。")
        return redirect("reports:edit", pk=pk)
    version = form.cleaned_data["version"]
    changes = form.changes()
    if any(changes.values()):
        try:
            report_for_edit(request.user, pk)
            version = report_save(report_id=report.pk, expected_version=version, by=request.user, **changes).version
        except ReportNotEditableError as exc:
            messages.error(request, str(exc))
            return redirect("reports:edit", pk=pk)
        except StaleVersionError as exc:
            messages.error(request, f"{exc} 报告未提交。")
            return render_rejected_draft(request, report, form, status=409)
        except EditingError as exc:
            messages.error(request, f"{exc} 报告未提交。")
            return render_rejected_draft(request, report, form, status=400)
    try:
        report_submit(report_id=report.pk, by=request.user, expected_version=version, ip_address=client_ip(request))
    except SubmissionRefused as exc:
        messages.error(request, str(exc))
    except (WorkflowError, EditingError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "报告已提交区政务公开办审核。提交后本机关不能再修改，页面为只读。")
    return redirect("reports:edit", pk=pk)


# ── The reviewers' pages (issue 4) ──────────────────────────────────────────────────────

PUBLICATION_STATUS_TEMPLATE = "reports/_publication_status.html"
REVIEWABLE = (Report.Status.SUBMITTED, *STEP_BY_STATUS)


def is_district_staff(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.district_id)


def report_for_review(user, pk: int) -> Report:
    """A report of the user's district office (404 if they may not see it, 403 for a clerk)."""
    report = report_for_view(user, pk)
    if user.is_superuser:
        return report
    if not is_district_staff(user) or user.district_id != report.agency.district_id:
        raise PermissionDenied("只有本区政务公开办的人员可以打开审核页面。")
    if user.agency_id is not None and user.agency_id == report.agency_id:
        raise PermissionDenied("不能审核本人所属机关的报告。")
    return report


def _district_staff_only(user) -> None:
    if not is_district_staff(user):
        raise PermissionDenied("只有区政务公开办的人员可以查看审核队列。")


def _publication_status_template() -> str | None:
    """The publication's progress partial, once issue 5 provides it."""
    try:
        select_template([PUBLICATION_STATUS_TEMPLATE])
    except TemplateDoesNotExist:
        return None
    return PUBLICATION_STATUS_TEMPLATE


@login_required
@require_GET
def queue(request):
    """My queue: the reports waiting for a step I may take now."""
    _district_staff_only(request.user)
    return render(request, "review/queue.html", {"items": selectors.queue_for(request.user)})


@login_required
@require_GET
def district(request):
    """The district office: every report of the district, by status."""
    _district_staff_only(request.user)
    overview = selectors.district_overview(request.user.district_id)
    form = YearFilterForm(request.GET or None, years=overview.years)
    year = form.cleaned_data.get("year") if form.is_valid() else None
    if year is not None:
        overview = selectors.district_overview(request.user.district_id, year=year)
    return render(request, "review/district.html", {"overview": overview, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def checklist(request):
    """The district administrator sets the review aspects of the sign-off checklist."""
    user = request.user
    if not (is_district_staff(user) and user.is_district_admin):
        raise PermissionDenied("只有区政务公开办管理员可以设置审核要点。")
    aspects = services.checklist_aspects(user.district)
    status = 200
    if request.method == "POST":
        form = ChecklistForm(request.POST)
        if form.is_valid():
            try:
                services.checklist_update(district=user.district, aspects=form.aspect_list(), by=user)
            except services.ChecklistError as exc:
                form.add_error("aspects", str(exc))
            else:
                messages.success(request, "审核要点已保存，此后的签署按新的要点逐项确认。")
                return redirect("review:checklist")
        status = 400
    else:
        form = ChecklistForm(initial={"aspects": "\n".join(aspects)})
    return render(request, "review/checklist.html", {"form": form, "aspects": aspects}, status=status)


def _check_items(report: Report, verdicts: dict[str, str]) -> tuple[list[dict], list[dict], set[str]]:
    """The rules' results on the report, each warning with the agency's explanation."""
    violations = report_check(report)
    explanations = report.explanations or {}
    errors, warnings, flagged = [], [], set()
    for violation in violations:
        item = violation_dict(violation)
        item["target"] = (
            selectors.anchor_dom_id("text", violation.text)
            if violation.text
            else selectors.anchor_dom_id("cell", (violation.result or violation.cells)[0])
            if violation.cells
            else "check-summary"
        )
        flagged.update(violation.cells)
        if violation.level == rules.WARNING:
            item["explanation"] = str(explanations.get(violation.key, ""))
            item["verdict"] = verdicts.get(violation.key, "")
            warnings.append(item)
        else:
            errors.append(item)
    return errors, warnings, flagged


def _review_context(request, report: Report, *, decision_form=None, comment_form=None) -> dict:
    user = request.user
    step = STEP_BY_STATUS.get(report.status)
    actions = available_actions(report=report, user=user)
    aspects = services.checklist_aspects(report.agency.district)
    if decision_form is None:
        decision_form = DecisionForm(initial={"step": report.status, "aspects": []}, aspects=aspects)
    verdicts = decision_form.verdicts() if decision_form.is_bound else {}
    errors, warnings, flagged = _check_items(report, verdicts)
    diff = selectors.report_diff(report)
    comments = selectors.review_comments(report)
    can_comment = step is not None and acts_as(user, step.role, report)
    signed = signed_step_this_round(report, user) if step is not None else None
    return {
        "report": report,
        "step": step,
        "round": current_round(report),
        "actions": actions,
        "can_sign": step is not None and step.sign in actions,
        "can_return": Action.RETURN in actions,
        "can_start": Action.START_REVIEW in actions,
        "can_reopen": Action.REOPEN in actions,
        "can_comment": can_comment,
        "signed_other_step": signed,
        "aspects": aspects,
        "checked_aspects": decision_form["aspects"].value() or [],
        "decision_form": decision_form,
        "comment_form": comment_form or CommentForm(),
        "anchor_groups": selectors.anchor_choices(),
        "parts": selectors.report_parts(report, comments),
        "errors": errors,
        "warnings": warnings,
        "warning_cells": flagged,
        "diff": diff,
        # Against the round returned: shown while the resubmitted data is under review (not
        # while the agency is still changing it).
        "show_diff": diff is not None and report.status in REVIEWABLE,
        "changed_cells": diff.changed_cells if diff is not None and report.status in REVIEWABLE else set(),
        "review_comments": comments,
        "comment_cells": comments.cells,
        "events": selectors.report_history(report),
        "signoffs": report.signoffs.filter(round=current_round(report)).select_related("reviewer"),
        "publication_status_template": _publication_status_template(),
    }


@login_required
@require_GET
def report(request, pk: int):
    """The sign-off page: the whole report in the official layout, the rules' results with
    the agency's explanations, the checklist, the opinion, sign or return; comments; history."""
    report = report_for_review(request.user, pk)
    return render(request, "review/report.html", _review_context(request, report))


@login_required
@require_POST
def start(request, pk: int):
    report = report_for_review(request.user, pk)
    require_role(user=request.user, report=report, actions=[Action.START_REVIEW])
    try:
        report_start_review(report_id=report.pk, by=request.user, ip_address=client_ip(request))
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已开始初审。")
    return redirect("review:report", pk=pk)


@login_required
@require_POST
def decide(request, pk: int):
    """Sign the step the page showed, or return the report to the agency with a reason."""
    report = report_for_review(request.user, pk)
    require_role(user=request.user, report=report, actions=REVIEW_ACTIONS)
    aspects = services.checklist_aspects(report.agency.district)
    form = DecisionForm(request.POST, aspects=aspects)
    if not form.is_valid():
        messages.error(
            request, "提交的内容有误，未签署也未退回：" + "；".join(e for es in form.errors.values() for e in es)
        )
        return render(request, "review/report.html", _review_context(request, report, decision_form=form), status=400)
    data = form.cleaned_data
    try:
        if data["decision"] == DecisionForm.SIGN:
            signoff = services.signoff_sign(
                report_id=report.pk,
                step_status=data["step"],
                by=request.user,
                checked_aspects=data["aspects"],
                opinion=data["opinion"],
                verdicts=form.verdicts(),
                ip_address=client_ip(request),
            )
            messages.success(request, f"已签署{signoff.get_step_display()}。")
        else:
            services.signoff_return(
                report_id=report.pk,
                step_status=data["step"],
                by=request.user,
                reason=data["opinion"],
                verdicts=form.verdicts(),
                ip_address=client_ip(request),
            )
            messages.success(request, "报告已退回机关修改，机关修改后重新提交，从初审开始重新审核。")
    except WorkflowError as exc:
        messages.error(request, str(exc))
        report.refresh_from_db()
        return render(request, "review/report.html", _review_context(request, report, decision_form=form), status=409)
    return redirect("review:report", pk=pk)


@login_required
@require_POST
def reopen(request, pk: int):
    """The final reviewer reopens a published report for a correction (reason required)."""
    report = report_for_review(request.user, pk)
    require_role(user=request.user, report=report, actions=[Action.REOPEN])
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        report_reopen(report_id=report.pk, by=request.user, note=reason, ip_address=client_ip(request))
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已更正重开：报告退回机关修改，重新提交后经三级审核再发布新版本。")
    return redirect("review:report", pk=pk)


@login_required
@require_POST
def comment(request, pk: int):
    """A reviewer of the current step attaches a comment to a cell, a table or a text part."""
    report = report_for_review(request.user, pk)
    require_role(user=request.user, report=report, actions=REVIEW_ACTIONS)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择批注位置并填写批注内容。")
        return render(request, "review/report.html", _review_context(request, report, comment_form=form), status=400)
    kind, code = form.anchor_parts()
    try:
        made = services.comment_add(
            report_id=report.pk,
            by=request.user,
            anchor_kind=kind,
            anchor_code=code,
            body=form.cleaned_data["body"],
            ip_address=client_ip(request),
        )
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("review:report", pk=pk)
    messages.success(request, f"已添加批注：{selectors.anchor_label(kind, code)}。")
    return redirect(reverse("review:report", args=[pk]) + f"#comment-{made.pk}")


def _agency_comment(request, comment_id: int) -> Comment:
    comment = get_object_or_404(Comment.objects.select_related("report"), pk=comment_id)
    report = report_for_view(request.user, comment.report_id)  # 404 unless the user may see the report
    require_role(user=request.user, report=report, actions=[Action.SUBMIT])  # the agency's clerks only
    return comment


@login_required
@require_POST
def comment_reply(request, comment_id: int):
    """The agency answers a comment, on its editing page."""
    comment = _agency_comment(request, comment_id)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写答复内容。")
    else:
        try:
            services.comment_reply(
                comment_id=comment.pk, by=request.user, body=form.cleaned_data["body"], ip_address=client_ip(request)
            )
        except WorkflowError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "已答复批注。")
    return redirect(reverse("reports:edit", args=[comment.report_id]) + f"#comment-{comment.pk}")


@login_required
@require_POST
def comment_resolve(request, comment_id: int):
    comment = _agency_comment(request, comment_id)
    try:
        services.comment_resolve(comment_id=comment.pk, by=request.user, ip_address=client_ip(request))
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已将批注标为已解决。")
    return redirect(reverse("reports:edit", args=[comment.report_id]) + f"#comment-{comment.pk}")


@login_required
@require_GET
def diff(request, pk: int):
    """What changed since the round that was returned: cells old → new, texts marked."""
    report = report_for_review(request.user, pk)
    return render(request, "review/diff.html", {"report": report, "diff": selectors.report_diff(report)})


@login_required
@require_GET
def history(request, pk: int):
    """The audit log of the report: every transition, comment and sign-off, oldest first."""
    report = report_for_review(request.user, pk)
    return render(request, "review/history.html", {"report": report, "events": selectors.report_history(report)})


def _sheet(request, pk: int):
    report = report_for_review(request.user, pk)
    round_ = request.GET.get("round")
    return selectors.signoff_sheet(report, round=int(round_) if round_ and round_.isdigit() else None)


@login_required
@require_GET
def sheet(request, pk: int):
    """The 审核表 as a printable page, generated from the sign-off records."""
    return render(request, "review/sheet.html", {"sheet": _sheet(request, pk)})


@login_required
@require_GET
def sheet_pdf(request, pk: int):
    from .pdf import build_signoff_sheet_pdf  # reportlab is loaded only when a PDF is wanted

    sheet = _sheet(request, pk)
    response = HttpResponse(build_signoff_sheet_pdf(sheet), content_type="application/pdf")
    filename = f"{sheet.report.agency.name}{sheet.report.year}年度报告审核表（第{sheet.round}轮）.pdf"
    response["Content-Disposition"] = content_disposition_header(as_attachment=False, filename=filename)
    response["Cache-Control"] = "no-store"
    return response
