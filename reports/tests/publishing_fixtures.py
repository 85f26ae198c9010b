"""Helpers for the publication tests: approved reports, a private MEDIA_ROOT, publishing
through the whole review chain or (for the reports-only tests) with a stand-in for the
workflow's last step."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings

from reports.models import Publication, Report
from reports.publishing import publication_build, publication_queue
from tests.factories import complete_cells, complete_texts, make_report, make_reviewer


@pytest.fixture(name="media_root")
def media_root_fixture(settings, tmp_path):
    """Published files go to a folder of the test's own; the public pages' cache starts empty
    (ids of rolled-back rows come again in the next test)."""
    from reports.public_cache import public_cache_clear

    settings.MEDIA_ROOT = tmp_path / "files"
    public_cache_clear()
    yield settings.MEDIA_ROOT
    public_cache_clear()


def approved_report(agency, *, year: int = 2024, cells: dict | None = None, texts: dict | None = None) -> Report:
    return make_report(
        agency,
        year=year,
        status=Report.Status.APPROVED,
        cells=cells if cells is not None else complete_cells(),
        texts=texts if texts is not None else complete_texts(),
    )


def mark_published_directly(report: Report) -> None:
    """Stands in for the workflow's 已通过 → 已发布 in tests of the reports app alone."""
    assert Report.objects.filter(pk=report.pk, status=Report.Status.APPROVED).update(status=Report.Status.PUBLISHED)


def publish(report: Report, *, correction_reason: str | None = None) -> Publication:
    """Publish an approved report in-process, without the review app."""
    publication_queue(report_id=report.pk, correction_reason=correction_reason)
    publication = publication_build(
        report_id=report.pk, mark_published=mark_published_directly, correction_reason=correction_reason
    )
    assert publication is not None
    return publication


def reopen_directly(report: Report) -> None:
    """Stands in for the final reviewer's reopening and the new review round."""
    Report.objects.filter(pk=report.pk).update(status=Report.Status.APPROVED)


def file_sha256(relative: str) -> str:
    return hashlib.sha256((Path(settings.MEDIA_ROOT) / relative).read_bytes()).hexdigest()


def make_review_team(district):
    """The district's three reviewers and an administrator, each with one role."""
    return {
        "first": make_reviewer(district, "first_reviewer", is_first_reviewer=True),
        "second": make_reviewer(district, "second_reviewer", is_second_reviewer=True),
        "final": make_reviewer(district, "final_reviewer", is_final_reviewer=True),
        "admin": make_reviewer(district, "district_admin", is_district_admin=True),
    }


def drive_to_final_review(report: Report, clerk, team) -> None:
    """Submit the report and sign 初审 and 复审 through the review app's services."""
    from review.services import checklist_aspects, signoff_sign
    from review.workflow import report_start_review, report_submit

    report_submit(report_id=report.pk, by=clerk)
    report_start_review(report_id=report.pk, by=team["first"])
    aspects = checklist_aspects(report.agency.district)
    for status, who in ((Report.Status.FIRST_REVIEW, "first"), (Report.Status.SECOND_REVIEW, "second")):
        signoff_sign(
            report_id=report.pk, step_status=status, by=team[who], checked_aspects=aspects, opinion="同意", verdicts={}
        )


def sign_final(report: Report, team) -> None:
    """The final reviewer's sign-off: 终审 → 已通过, which enqueues the publication on commit."""
    from review.services import checklist_aspects, signoff_sign

    signoff_sign(
        report_id=report.pk,
        step_status=Report.Status.FINAL_REVIEW,
        by=team["final"],
        checked_aspects=checklist_aspects(report.agency.district),
        opinion="同意发布",
        verdicts={},
    )


def published_row(report: Report, *, version: int = 1) -> Publication:
    """A published, current publication row without files: for listing tests, where only the
    rows matter (rendering four files for each would only make the tests slow)."""
    from django.utils import timezone

    from reports.publishing import report_snapshot

    snapshot = report_snapshot(report)
    return Publication.objects.create(
        report=report,
        agency_id=report.agency_id,
        year=report.year,
        agency_name=report.agency.name,
        district_id=report.agency.district_id,
        agency_kind=report.agency.kind,
        version=version,
        status=Publication.Status.PUBLISHED,
        is_current=True,
        snapshot=snapshot,
        published_at=timezone.now(),
    )


def titles(response) -> list[str]:
    """The report titles a public listing page links to, in its order."""
    return re.findall(r'<a href="/reports/\d+/">([^<]+)</a>', response.content.decode())
