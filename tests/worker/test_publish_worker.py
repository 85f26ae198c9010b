"""Publishing end to end with a real Celery worker process, Redis and PostgreSQL.

1. The final reviewer signs in this process; the approval's commit enqueues the job in Redis;
   a worker process renders and publishes. The PDF's text (pdftotext) holds the agency's
   name, the year and the key figures, the Word file its six parts; the five files' checksums
   are the stored ones; a duplicate message publishes nothing more.
2. The worker is SIGKILLed in the middle of the job (``GOVREPORT_TEST_PUBLISH_DELAY`` holds
   it after its first file) and a new one is started: the unacknowledged message is
   delivered again (acks_late; with the solo pool the whole process dies, so Redis's
   visibility timeout brings it back — shortened to seconds in ``settings_worker.py``), and
   exactly one publication exists afterwards, complete.
3. With the prefork pool, the pool's child process is SIGKILLed in the middle of the job: the
   worker rejects the message (``reject_on_worker_lost``), it goes back to the queue at once
   and the next child publishes — exactly once.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from reports.models import Publication, PublicationFile, Report
from reports.publishing import publication_dir, publish_task
from reports.standard import T3_COLUMNS
from reports.tests.publishing_fixtures import drive_to_final_review, make_review_team, sign_final
from reports.tests.word_reading import headings, open_docx
from review.models import ReportEvent

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

PUBLISH_WITHIN = 60  # seconds: "on the public site within a minute"


def wait_for(predicate, *, timeout: float, what: str, worker=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    log = f"\n--- worker log ---\n{worker.output}" if worker is not None else ""
    raise AssertionError(f"timed out after {timeout} s waiting for {what}{log}")


def published(report_id: int):
    return Publication.objects.filter(report_id=report_id, status=Publication.Status.PUBLISHED).first()


def pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI"):
            pytest.fail("pdftotext (poppler-utils) is missing")
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def assert_complete(publication: Publication) -> None:
    files = {record.kind: record for record in PublicationFile.objects.filter(publication=publication)}
    assert sorted(files) == ["docx", "html", "json", "pdf", "xlsx"]
    for record in files.values():
        data = (Path(settings.MEDIA_ROOT) / record.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == record.sha256, record.kind
        assert len(data) == record.size
    folder = Path(settings.MEDIA_ROOT) / publication_dir(publication)
    assert sorted(path.name for path in folder.iterdir()) == sorted(Path(r.path).name for r in files.values())


@pytest.fixture
def team(district):
    return make_review_team(district)


@pytest.fixture
def in_final_review(complete_report, clerk_a, team):
    drive_to_final_review(complete_report, clerk_a, team)
    return complete_report


def test_a_worker_publishes_the_signed_report_end_to_end(broker, worker_factory, in_final_review, team):
    worker = worker_factory()
    report = in_final_review
    started = time.monotonic()

    sign_final(report, team)  # commits; on commit the job goes to Redis

    assert Report.objects.get(pk=report.pk).status == Report.Status.APPROVED
    publication = wait_for(lambda: published(report.pk), timeout=PUBLISH_WITHIN, what="the publication", worker=worker)
    elapsed = time.monotonic() - started
    print(f"\npublished {elapsed:.2f} s after the sign-off")
    assert elapsed < PUBLISH_WITHIN
    assert Report.objects.get(pk=report.pk).status == Report.Status.PUBLISHED
    assert (publication.version, publication.is_current, publication.attempts) == (1, True, 1)
    assert_complete(publication)

    text = " ".join(pdf_text(Path(settings.MEDIA_ROOT) / publication.files.get(kind="pdf").path).split())
    cells = publication.snapshot["cells"]
    assert "北京市朝阳区南磨房地区办事处" in text
    assert "2024年政府信息公开工作年度报告" in text
    for row, label in (("new", "一、本年新收政府信息公开申请数量"), ("handled_total", "（七）总计")):
        figures = " ".join(str(cells[f"t3.{row}.{column.code}"]) for column in T3_COLUMNS)
        assert f"{label} {figures}" in text
    word = open_docx((Path(settings.MEDIA_ROOT) / publication.files.get(kind="docx").path).read_bytes())
    assert len(headings(word)) == 6
    assert len(word.tables) == 4
    event = ReportEvent.objects.filter(report=report, action="publish").get()
    assert event.actor is None  # 系统

    # A duplicate message (a redelivery, a second enqueue) publishes nothing more.
    result = publish_task().apply_async(args=[report.pk], queue=settings.GOVREPORT_PUBLISH_QUEUE)
    assert result.get(timeout=PUBLISH_WITHIN) is None
    assert Publication.objects.filter(report=report).count() == 1
    assert ReportEvent.objects.filter(report=report, action="publish").count() == 1

    # And the public site has it.
    response = Client().get(reverse("reports:public_detail", args=[report.pk]))
    assert response.status_code == 200
    assert "北京市朝阳区南磨房地区办事处" in response.content.decode()


def test_a_worker_killed_in_the_middle_of_the_job_is_replaced_and_the_report_is_published_once(
    broker, worker_factory, in_final_review, team
):
    first = worker_factory(GOVREPORT_TEST_PUBLISH_DELAY="60")
    report = in_final_review

    sign_final(report, team)

    # The job has committed "rendering" and written its first file (the PDF), then sleeps.
    publication = wait_for(
        lambda: Publication.objects.filter(report=report, status=Publication.Status.RENDERING).first(),
        timeout=PUBLISH_WITHIN,
        what="the job to start rendering",
        worker=first,
    )
    pdf = Path(settings.MEDIA_ROOT) / publication_dir(publication)
    wait_for(lambda: any(pdf.glob("*.pdf")), timeout=30, what="the first file", worker=first)
    wait_for(lambda: "sleeping in the middle of publishing" in first.output, timeout=10, what="the delay")

    os.kill(first.proc.pid, signal.SIGKILL)
    first.proc.wait(timeout=10)

    assert Report.objects.get(pk=report.pk).status == Report.Status.APPROVED
    assert not Publication.objects.filter(report=report, status=Publication.Status.PUBLISHED).exists()
    assert not PublicationFile.objects.exists()  # the killed job's transaction never committed

    second = worker_factory()
    done = wait_for(lambda: published(report.pk), timeout=PUBLISH_WITHIN, what="the redelivered job", worker=second)

    assert Publication.objects.filter(report=report).count() == 1
    assert done.pk == publication.pk
    assert (done.version, done.is_current, done.attempts) == (1, True, 2)
    assert_complete(done)
    assert Report.objects.get(pk=report.pk).status == Report.Status.PUBLISHED
    assert ReportEvent.objects.filter(report=report, action="publish").count() == 1


def pool_child(worker) -> int:
    """The pid of the prefork worker's one pool process."""
    children = Path(f"/proc/{worker.proc.pid}/task/{worker.proc.pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def test_a_pool_process_killed_in_the_middle_of_the_job_is_rejected_requeued_and_published_once(
    broker, worker_factory, in_final_review, team
):
    worker = worker_factory(pool="prefork", GOVREPORT_TEST_PUBLISH_DELAY="60")
    report = in_final_review

    sign_final(report, team)

    wait_for(
        lambda: "sleeping in the middle of publishing" in worker.output,
        timeout=PUBLISH_WITHIN,
        what="the job to be in the middle of rendering",
        worker=worker,
    )
    publication = Publication.objects.get(report=report)
    assert publication.status == Publication.Status.RENDERING
    os.kill(pool_child(worker), signal.SIGKILL)

    done = wait_for(lambda: published(report.pk), timeout=PUBLISH_WITHIN, what="the requeued job", worker=worker)

    assert "WorkerLostError" in worker.output
    assert Publication.objects.filter(report=report).count() == 1
    assert (done.pk, done.version, done.attempts) == (publication.pk, 1, 2)
    assert_complete(done)
    assert ReportEvent.objects.filter(report=report, action="publish").count() == 1
