"""Reads that are reused: each a function named ``<thing>_<what>``."""

from __future__ import annotations

from .models import Report


def report_previous(report: Report) -> Report | None:
    """The same agency's report for the year before, whatever its status, or ``None``.

    Any status counts, a draft included: in the system's first year last year's report is
    often imported only for the cross-year rules (``XY-*``, ``TEXT-REPEAT``) and never goes
    through review here. Callers that need a published figure filter on the status.
    """
    return Report.objects.select_related("agency").filter(agency_id=report.agency_id, year=report.year - 1).first()
