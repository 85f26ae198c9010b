"""The one way a view gets a report: what the signed-in user may see, and may change.

* ``report_for_view`` — any report ``Report.objects.visible_to(user)`` holds; anything else
  (another agency's report, a made-up id) is a 404, so ids reveal nothing.
* ``report_for_edit`` — additionally the user must be a clerk of the report's agency
  (``PermissionDenied`` → 403, e.g. a district reviewer), and the report must be editable
  (``ReportNotEditableError``, which each view turns into a Chinese 403 or message).

The write services check the same again under the row lock; these helpers make the views
answer early and uniformly.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .editing import ReportNotEditableError, user_is_clerk_of
from .models import Report


def report_for_view(user, pk: int) -> Report:
    queryset = Report.objects.visible_to(user).select_related("agency", "agency__district", "updated_by")
    return get_object_or_404(queryset, pk=pk)


def report_for_edit(user, pk: int) -> Report:
    report = report_for_view(user, pk)
    if not user_is_clerk_of(user, report):
        raise PermissionDenied("只有本机关的填报人员可以修改此报告。")
    if not report.is_editable:
        raise ReportNotEditableError(report)
    return report


def can_edit(user, report: Report) -> bool:
    return user_is_clerk_of(user, report) and report.is_editable
