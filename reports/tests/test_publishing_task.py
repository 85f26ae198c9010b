"""The publish job with the real review chain, in-process (Celery eager, as without a
broker): the final sign-off publishes after commit, the 发布 event made by the system (no
person); a reopening with a reason leads, after a new round, to version 2 with that
reason as its 更正说明; failures are retried or recorded for the office.

The same with a real worker process and Redis: ``tests/worker/``.
"""

from __future__ import annotations

from unittest import mock

import pytest

from reports.editing import report_save
from reports.models import Publication, Report
from reports.rendering import formats
from review import tasks, workflow
from review.models import ReportEvent
from review.tasks import publish_report
from review.workflow import WorkflowError, report_reopen

from .publishing_fixtures import (
    drive_to_final_review,
    file_sha256,
    make_review_team,
    media_root_fixture,  # noqa: F401 - the fixture media_root
    sign_final,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


@pytest.fixture
def team(district):
    return make_review_team(district)


@pytest.fixture
def in_final_review(complete_report, clerk_a, team):
    drive_to_final_review(complete_report, clerk_a, team)
    return complete_report


def test_the_final_sign_off_publishes_after_commit(in_final_review, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        sign_final(in_final_review, team)

    assert callbacks, "the approval should enqueue the publication on commit"
    report = Report.objects.get(pk=in_final_review.pk)
    assert report.status == Report.Status.PUBLISHED
    publication = Publication.objects.get(report=report)
    assert (publication.version, publication.status, publication.is_current) == (1, "published", True)
    assert publication.files.count() == 5
    for record in publication.files.all():
        assert file_sha256(record.path) == record.sha256
    event = ReportEvent.objects.filter(report=report).order_by("-pk").first()
    assert (event.action, event.from_status, event.to_status) == ("publish", "approved", "published")
    assert event.actor is None  # the system published; the final reviewer signed the approval
    assert event.actor_name == "系统"


def test_nothing_is_published_before_the_approval_commits(in_final_review, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sign_final(in_final_review, team)
        assert Publication.objects.count() == 0

    assert len(callbacks) == 1
    assert Report.objects.get(pk=in_final_review.pk).status == Report.Status.APPROVED


def publish_now(report, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sign_final(report, team)


def test_a_reopened_report_is_published_again_as_version_2_with_its_reason(
    in_final_review, clerk_a, team, django_capture_on_commit_callbacks
):
    publish_now(in_final_review, team, django_capture_on_commit_callbacks)
    reason = "第六部分发出收费通知的件数填报有误，更正为 1 件。"

    report_reopen(report_id=in_final_review.pk, by=team["final"], note=reason)

    report = Report.objects.get(pk=in_final_review.pk)
    assert report.status == Report.Status.RETURNED
    assert Publication.objects.current().get().version == 1  # still on the public site
    report_save(report_id=report.pk, expected_version=report.version, cells={"t6.fee_notices": 1}, by=clerk_a)
    drive_to_final_review(report, clerk_a, team)
    publish_now(report, team, django_capture_on_commit_callbacks)

    first, second = Publication.objects.filter(report=report).order_by("version")
    assert (second.version, second.is_current, second.status) == (2, True, "published")
    assert second.correction_reason == reason
    assert second.snapshot["cells"]["t6.fee_notices"] == 1
    assert (first.is_current, first.status, first.correction_reason) == (False, "published", "")
    assert first.snapshot["cells"]["t6.fee_notices"] == 0
    assert Report.objects.get(pk=report.pk).status == Report.Status.PUBLISHED


def test_only_the_final_reviewer_reopens_and_only_with_a_reason(
    in_final_review, team, clerk_a, django_capture_on_commit_callbacks
):
    publish_now(in_final_review, team, django_capture_on_commit_callbacks)

    for who in (team["first"], team["admin"], clerk_a):
        with pytest.raises(WorkflowError):
            report_reopen(report_id=in_final_review.pk, by=who, note="改")
    with pytest.raises(WorkflowError):
        report_reopen(report_id=in_final_review.pk, by=team["final"], note="  ")
    assert Report.objects.get(pk=in_final_review.pk).status == Report.Status.PUBLISHED


def test_a_repeated_job_does_nothing(in_final_review, team, django_capture_on_commit_callbacks):
    publish_now(in_final_review, team, django_capture_on_commit_callbacks)
    events = ReportEvent.objects.count()

    assert publish_report.apply(args=[in_final_review.pk]).get() is None

    assert Publication.objects.count() == 1
    assert ReportEvent.objects.count() == events


# ── Failures ────────────────────────────────────────────────────────────────────────────


@pytest.fixture
def approved(in_final_review, team, django_capture_on_commit_callbacks):
    """Approved, its publication queued, the job not yet run."""
    with mock.patch("reports.publishing._send"), django_capture_on_commit_callbacks(execute=True):
        sign_final(in_final_review, team)
    assert Publication.objects.get().status == "queued"
    return in_final_review


def test_a_transient_error_is_retried_and_then_publishes(approved):
    real = formats.RENDER["pdf"]
    calls = []

    def render_pdf(document):
        calls.append(document)
        if len(calls) == 1:
            raise OSError("NFS 暂时不可用")
        return real(document)

    with mock.patch.dict(formats.RENDER, {"pdf": render_pdf}):
        result = publish_report.apply(args=[approved.pk])

    publication = Publication.objects.get()
    assert result.get() == publication.pk
    assert (publication.status, publication.attempts, publication.error) == ("published", 2, "")
    assert Report.objects.get(pk=approved.pk).status == Report.Status.PUBLISHED


def test_a_transient_error_that_lasts_fails_after_the_retries(approved):
    failing = mock.Mock(side_effect=OSError("磁盘已满"))
    with mock.patch.dict(formats.RENDER, {"xlsx": failing}):
        publish_report.apply(args=[approved.pk])

    publication = Publication.objects.get()
    assert publication.status == "failed"
    assert "多次重试后仍失败" in publication.error
    assert "磁盘已满" in publication.error
    assert publication.attempts == tasks.MAX_RETRIES + 1
    assert not publication.files.exists()
    assert Report.objects.get(pk=approved.pk).status == Report.Status.APPROVED


def test_an_error_a_retry_cannot_fix_fails_at_once_and_the_office_retries(approved, team):
    from reports.publishing import publication_retry
    from reports.rendering.pdf import PdfFontError

    with mock.patch.dict(formats.RENDER, {"pdf": mock.Mock(side_effect=PdfFontError("没有中文字体"))}):
        publish_report.apply(args=[approved.pk])

    publication = Publication.objects.get()
    assert (publication.status, publication.attempts) == ("failed", 1)
    assert "没有中文字体" in publication.error

    with mock.patch("reports.publishing._send") as send:
        publication_retry(report_id=approved.pk, by=team["admin"])
    publish_report.apply(args=[approved.pk])

    publication.refresh_from_db()
    assert (publication.status, publication.version, publication.attempts) == ("published", 1, 2)
    assert send.call_count <= 1


def test_without_the_workflows_system_transition_nothing_is_published(approved, monkeypatch):
    monkeypatch.delattr(workflow, "transition_apply_system")

    publish_report.apply(args=[approved.pk])

    publication = Publication.objects.get()
    assert publication.status == "failed"
    assert "transition_apply_system" in publication.error
    assert not publication.files.exists()
    assert Report.objects.get(pk=approved.pk).status == Report.Status.APPROVED


def test_each_job_logs_its_report_outcome_duration_and_process(
    in_final_review, team, django_capture_on_commit_callbacks, caplog
):
    import logging
    import os
    import re

    with caplog.at_level(logging.INFO, logger="review.tasks"):
        publish_now(in_final_review, team, django_capture_on_commit_callbacks)
        publish_report.apply(args=[in_final_review.pk])
    lines = [r.getMessage() for r in caplog.records if r.name == "review.tasks"]
    publication = Publication.objects.get(report=in_final_review)
    pid = os.getpid()
    assert re.fullmatch(
        rf"publish job: report {in_final_review.pk}, publication {publication.pk}, [\d.]+ s \(pid {pid}\)", lines[0]
    )
    assert re.fullmatch(rf"publish job: report {in_final_review.pk}, nothing to do, [\d.]+ s \(pid {pid}\)", lines[1])
