"""The publishing status of a report, for the signed-in people who may see the report:
a JSON endpoint the page polls (``static/js/publication-status.js``) and the district
office's retry of a failed job.

The panel itself is ``templates/reports/_publication_status.html``, included by the
reviewers' pages with ``report`` in the context.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from .access import report_for_view
from .publishing import PublishingError, can_retry, publication_retry, publication_state


def status_payload(report, user) -> dict:
    state = publication_state(report)
    published = state.status == "published"
    return {
        "report": report.pk,
        "status": state.status,
        "label": state.label,
        "version": state.version,
        "attempts": state.attempts,
        "error": state.error,
        "in_progress": state.in_progress,
        "published_at": state.published_at.isoformat() if state.published_at else None,
        "public_url": reverse("reports:public_detail", kwargs={"pk": report.pk}) if published else None,
        "stalled": state.stalled,
        "can_retry": (state.status == "failed" or state.stalled) and can_retry(user, report),
        "retry_url": reverse("reports:publication_retry", kwargs={"pk": report.pk}),
    }


@login_required
@require_safe
def publication_status(request, pk: int):
    report = report_for_view(request.user, pk)
    response = JsonResponse(status_payload(report, request.user), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def publication_retry_view(request, pk: int):
    report = report_for_view(request.user, pk)
    if not can_retry(request.user, report):
        raise PermissionDenied("只有本区政务公开办的终审人或管理员可以重新发布。")
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        publication_retry(report_id=report.pk, by=request.user)
    except PublishingError as exc:
        if wants_json:
            return JsonResponse({"error": str(exc)}, status=403, json_dumps_params={"ensure_ascii": False})
        messages.error(request, str(exc))
    else:
        if wants_json:
            return JsonResponse(status_payload(report, request.user), json_dumps_params={"ensure_ascii": False})
        messages.success(request, "已重新开始发布，请稍候。")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("reports:home")
    return redirect(target)
