"""Views of the review workflow. For now the clerk's submission; issue 4 adds the reviewers'."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from reports.access import report_for_edit, report_for_view
from reports.editing import EditingError, ReportNotEditableError, StaleVersionError, report_save
from reports.forms import ReportDraftForm
from reports.views import render_rejected_draft

from .workflow import SubmissionRefused, WorkflowError, report_submit


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
