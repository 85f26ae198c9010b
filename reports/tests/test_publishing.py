"""The publication service: the frozen snapshot, the five files with their checksums, the
version, idempotency (a repeated, interrupted or concurrent run publishes once), failures and
the office's retry. The workflow's last step is stood in for (``mark_published_directly``);
the task with the real workflow is tested in ``test_publishing_task.py``."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection, connections

from reports import publishing
from reports.interchange import document_to_json, parse_document, report_to_document
from reports.models import Publication, PublicationFile, Report
from reports.publishing import (
    PublishingError,
    RetryNotAllowed,
    publication_build,
    publication_fail,
    publication_note_retry,
    publication_queue,
    publication_retry,
    publication_state,
)
from reports.rendering import formats
from tests.factories import make_district, make_reviewer

from .publishing_fixtures import (
    approved_report,
    file_sha256,
    mark_published_directly,
    media_root_fixture,  # noqa: F401 - the fixture media_root
    publish,
    reopen_directly,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def listing(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


def test_publishing_renders_five_files_from_a_frozen_snapshot(agency_a):
    report = approved_report(agency_a)

    publication = publish(report)

    report.refresh_from_db()
    assert report.status == Report.Status.PUBLISHED
    assert (publication.version, publication.status, publication.is_current) == (1, "published", True)
    assert publication.published_at is not None
    assert publication.attempts == 1
    assert (publication.year, publication.agency_id, publication.agency_name) == (2024, agency_a.pk, agency_a.name)
    expected = report_to_document(report)
    assert publication.snapshot["cells"] == document_to_json(expected)["cells"]
    assert publication.snapshot["texts"] == document_to_json(expected)["texts"]
    assert publication.snapshot["signature"]["organ"] == agency_a.name
    assert publication.snapshot["signature"]["date"]  # dated the day of publication when unsigned
    files = {f.kind: f for f in publication.files.all()}
    assert sorted(files) == sorted(formats.KINDS) == ["docx", "html", "json", "pdf", "xlsx"]
    for record in files.values():
        assert file_sha256(record.path) == record.sha256
        assert (Path(publishing.media_path(record.path))).stat().st_size == record.size
    document = parse_document(publication.snapshot)
    assert publishing.media_path(files["json"].path).read_bytes() == formats.render(document, "json")
    assert publishing.media_path(files["pdf"].path).read_bytes() == formats.render(document, "pdf")
    assert publishing.media_path(files["html"].path).read_bytes() == formats.render(document, "html")
    # The Word file too: its bytes do not depend on when it was written.
    assert publishing.media_path(files["docx"].path).read_bytes() == formats.render(document, "docx")
    assert publishing.media_path(files["xlsx"].path).read_bytes().startswith(b"PK")


def test_the_files_lie_in_one_folder_per_version_with_no_temporary_left(agency_a, media_root):
    publication = publish(approved_report(agency_a))

    folder = media_root / publishing.publication_dir(publication)
    assert listing(folder) == sorted(f"{publication.report_id}-2024-v1.{kind}" for kind in formats.KINDS)


def test_later_changes_to_the_report_do_not_touch_the_publication(agency_a):
    report = approved_report(agency_a)
    publication = publish(report)
    before = (dict(publication.snapshot), {f.kind: f.sha256 for f in publication.files.all()})

    Report.objects.filter(pk=report.pk).update(cells={**report.cells, "t3.new.natural": 999}, texts={})

    publication.refresh_from_db()
    assert (publication.snapshot, {f.kind: f.sha256 for f in publication.files.all()}) == before
    for record in publication.files.all():
        assert file_sha256(record.path) == record.sha256


def test_a_repeated_run_publishes_nothing_more(agency_a, media_root):
    report = approved_report(agency_a)
    publication = publish(report)
    folder = media_root / publishing.publication_dir(publication)
    stamps = {path.name: path.stat().st_mtime_ns for path in folder.iterdir()}

    again = publication_build(report_id=report.pk, mark_published=mark_published_directly)

    assert again is None
    assert Publication.objects.count() == 1
    assert PublicationFile.objects.count() == 5
    assert {path.name: path.stat().st_mtime_ns for path in folder.iterdir()} == stamps


def test_queueing_twice_for_one_approval_makes_one_publication(agency_a):
    report = approved_report(agency_a)

    first = publication_queue(report_id=report.pk)
    second = publication_queue(report_id=report.pk)

    assert first.pk == second.pk
    assert Publication.objects.get().status == Publication.Status.QUEUED


def test_a_report_that_is_not_approved_is_not_queued(submitted_report):
    assert publication_queue(report_id=submitted_report.pk) is None
    assert publication_build(report_id=submitted_report.pk, mark_published=mark_published_directly) is None
    assert not Publication.objects.exists()


def test_publish_enqueue_sends_the_job_after_commit(agency_a, django_capture_on_commit_callbacks):
    report = approved_report(agency_a)
    with mock.patch.object(publishing, "_send") as send:
        with django_capture_on_commit_callbacks(execute=True):
            publishing.publish_enqueue(report.pk)
    send.assert_called_once_with(report.pk)
    assert Publication.objects.get().status == Publication.Status.QUEUED


def test_a_file_left_by_an_interrupted_run_is_adopted_not_written_twice(agency_a, media_root):
    report = approved_report(agency_a)
    publication = publication_queue(report_id=report.pk)
    # The killed run had written the PDF (by rename, so completely) and nothing else.
    pdf = formats.render(parse_document(publication.snapshot), "pdf")
    target = publishing.media_path(publishing.publication_file_path(publication, "pdf"))
    publishing.write_atomic(target, pdf)
    stamp = target.stat().st_mtime_ns

    published = publication_build(report_id=report.pk, mark_published=mark_published_directly)

    assert published.pk == publication.pk
    assert target.stat().st_mtime_ns == stamp
    assert published.files.get(kind="pdf").sha256 == hashlib.sha256(pdf).hexdigest()
    assert len(listing(target.parent)) == 5


def test_a_failure_while_rendering_publishes_nothing_and_a_rerun_completes(agency_a):
    report = approved_report(agency_a)
    publication_queue(report_id=report.pk)
    real = formats.RENDER["xlsx"]

    with mock.patch.dict(formats.RENDER, {"xlsx": mock.Mock(side_effect=OSError("disk full"))}):
        with pytest.raises(OSError):
            publication_build(report_id=report.pk, mark_published=mark_published_directly)

    publication = Publication.objects.get()
    assert publication.status == Publication.Status.RENDERING
    assert not publication.files.exists()
    report.refresh_from_db()
    assert report.status == Report.Status.APPROVED
    assert formats.RENDER["xlsx"] is real

    published = publication_build(report_id=report.pk, mark_published=mark_published_directly)

    assert (published.pk, published.status, published.attempts) == (publication.pk, "published", 2)
    assert published.files.count() == 5


def test_a_refused_workflow_step_publishes_nothing(agency_a):
    report = approved_report(agency_a)

    def refuse(report):
        raise PublishingError("不能发布")

    publication_queue(report_id=report.pk)
    with pytest.raises(PublishingError):
        publication_build(report_id=report.pk, mark_published=refuse)

    publication = Publication.objects.get()
    assert publication.status != Publication.Status.PUBLISHED
    assert not publication.is_current
    assert not PublicationFile.objects.exists()


def test_a_correction_is_the_next_version_and_keeps_the_earlier_one(agency_a):
    report = approved_report(agency_a)
    first = publish(report)
    first_files = {f.kind: (f.path, f.sha256) for f in first.files.all()}
    reopen_directly(report)
    Report.objects.filter(pk=report.pk).update(cells={**report.cells, "t2.penalty.decisions": 41})

    second = publish(report, correction_reason="行政处罚件数填报有误，由 40 件更正为 41 件。")

    first.refresh_from_db()
    assert (second.version, second.is_current, second.status) == (2, True, "published")
    assert second.correction_reason == "行政处罚件数填报有误，由 40 件更正为 41 件。"
    assert second.snapshot["cells"]["t2.penalty.decisions"] == 41
    assert (first.is_current, first.status) == (False, "published")
    assert {f.kind: (f.path, f.sha256) for f in first.files.all()} == first_files
    for path, digest in first_files.values():
        assert file_sha256(path) == digest
    assert Publication.objects.current().get() == second


def test_the_first_version_has_no_correction_reason(agency_a):
    publication = publish(approved_report(agency_a), correction_reason="不适用")
    assert publication.correction_reason == ""


# ── Immutability ────────────────────────────────────────────────────────────────────────


@pytest.fixture
def published(agency_a):
    return publish(approved_report(agency_a))


def test_a_published_snapshot_cannot_be_saved_changed(published):
    from reports.models import PublicationFrozenError

    published.snapshot = {**published.snapshot, "year": 2023}
    with pytest.raises(PublicationFrozenError):
        published.save()
    published.refresh_from_db()
    assert published.snapshot["year"] == 2024


@pytest.mark.parametrize(
    "changes",
    [
        {"snapshot": {}},
        {"correction_reason": "改"},
        {"version": 9},
        {"agency_name": "别的机关"},
        {"year": 2020},
    ],
)
def test_frozen_fields_cannot_be_updated_through_the_queryset(published, changes):
    from reports.models import PublicationFrozenError

    with pytest.raises(PublicationFrozenError):
        Publication.objects.filter(pk=published.pk).update(**changes)
    published.refresh_from_db()
    assert published.version == 1


def test_a_published_publication_cannot_go_back_to_another_status(published):
    from reports.models import PublicationFrozenError

    published.status = Publication.Status.FAILED
    with pytest.raises(PublicationFrozenError):
        published.save()


def test_published_rows_and_files_cannot_be_deleted(published):
    from reports.models import PublicationFrozenError

    with pytest.raises(PublicationFrozenError):
        published.delete()
    with pytest.raises(PublicationFrozenError):
        Publication.objects.all().delete()
    with pytest.raises(PublicationFrozenError):
        published.files.first().delete()
    with pytest.raises(PublicationFrozenError):
        PublicationFile.objects.all().delete()
    assert PublicationFile.objects.count() == 5


def test_published_files_cannot_be_changed_or_added(published):
    from reports.models import PublicationFrozenError

    record = published.files.get(kind="pdf")
    record.sha256 = "0" * 64
    with pytest.raises(PublicationFrozenError):
        record.save()
    with pytest.raises(PublicationFrozenError):
        PublicationFile.objects.filter(pk=record.pk).update(path="../../etc/passwd")
    with pytest.raises(PublicationFrozenError):
        PublicationFile.objects.create(publication=published, kind="csv", path="x", sha256="0" * 64, size=1)


def test_the_current_flag_still_moves_when_superseded(published):
    Publication.objects.filter(pk=published.pk).update(is_current=False)
    published.refresh_from_db()
    assert not published.is_current


def test_the_database_refuses_a_second_row_of_the_same_version(published):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Publication.objects.create(
            report=published.report,
            agency=published.agency,
            year=published.year,
            agency_name=published.agency_name,
            district_id=published.district_id,
            agency_kind=published.agency_kind,
            version=1,
            snapshot={},
        )


# ── Failures and the office's retry ────────────────────────────────────────────────────


def test_a_transient_failure_goes_back_to_the_queue_and_a_final_one_is_failed(agency_a):
    report = approved_report(agency_a)
    publication_queue(report_id=report.pk)

    publication_note_retry(report_id=report.pk, error="OperationalError: 连接中断")
    publication = Publication.objects.get()
    assert (publication.status, publication.error) == ("queued", "OperationalError: 连接中断")

    publication_fail(report_id=report.pk, error="PdfFontError: 没有字体")
    publication = Publication.objects.get()
    assert (publication.status, publication.error) == ("failed", "PdfFontError: 没有字体")
    state = publication_state(report)
    assert (state.status, state.label, state.error) == ("failed", "发布失败", "PdfFontError: 没有字体")


@pytest.fixture
def failed_report(agency_a):
    report = approved_report(agency_a)
    publication_queue(report_id=report.pk)
    publication_fail(report_id=report.pk, error="PdfFontError: 没有字体")
    return Report.objects.select_related("agency__district").get(pk=report.pk)


@pytest.mark.parametrize("role", ["is_final_reviewer", "is_district_admin"])
def test_the_district_final_reviewer_or_administrator_may_retry(
    failed_report, district, role, django_capture_on_commit_callbacks
):
    user = make_reviewer(district, "office", **{role: True})
    with mock.patch.object(publishing, "_send") as send:
        with django_capture_on_commit_callbacks(execute=True):
            publication = publication_retry(report_id=failed_report.pk, by=user)
    assert (publication.status, publication.error) == ("queued", "")
    send.assert_called_once_with(failed_report.pk)
    assert Publication.objects.count() == 1


@pytest.mark.parametrize("role", ["is_first_reviewer", "is_second_reviewer"])
def test_other_reviewers_may_not_retry(failed_report, district, role):
    user = make_reviewer(district, "someone", **{role: True})
    with mock.patch.object(publishing, "_send") as send, pytest.raises(RetryNotAllowed):
        publication_retry(report_id=failed_report.pk, by=user)
    send.assert_not_called()
    assert Publication.objects.get().status == "failed"


def test_another_districts_final_reviewer_may_not_retry(failed_report):
    other = make_reviewer(make_district("北京市海淀区"), "other_final", is_final_reviewer=True)
    with pytest.raises(RetryNotAllowed):
        publication_retry(report_id=failed_report.pk, by=other)


def test_a_clerk_may_not_retry(failed_report, clerk_a):
    with pytest.raises(RetryNotAllowed):
        publication_retry(report_id=failed_report.pk, by=clerk_a)


def test_a_failed_job_retried_then_publishes(failed_report, district):
    user = make_reviewer(district, "office", is_final_reviewer=True)
    with mock.patch.object(publishing, "_send"):
        publication_retry(report_id=failed_report.pk, by=user)

    published = publication_build(report_id=failed_report.pk, mark_published=mark_published_directly)

    assert (published.status, published.version, published.attempts) == ("published", 1, 1)


def test_an_approved_report_whose_job_was_lost_can_be_restarted(agency_a, district, django_capture_on_commit_callbacks):
    report = approved_report(agency_a)  # approved, but publish_enqueue never ran
    assert publication_state(report).status == "queued"
    user = make_reviewer(district, "office", is_district_admin=True)
    with mock.patch.object(publishing, "_send") as send:
        with django_capture_on_commit_callbacks(execute=True):
            publication_retry(report_id=report.pk, by=user)
    assert Publication.objects.get().status == "queued"
    send.assert_called_once_with(report.pk)


def test_the_state_of_a_report_never_approved_is_empty(draft_report):
    assert publication_state(draft_report).status == ""


# ── Concurrency (PostgreSQL: SQLite has one writer and no row locks) ───────────────────


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_publish_once(agency_a, media_root):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: row locks across connections")
    report = approved_report(agency_a)
    publication_queue(report_id=report.pk)
    results, errors = [], []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            results.append(publication_build(report_id=report.pk, mark_published=mark_published_directly))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert not errors
    assert sorted(result is None for result in results) == [False, True]
    publication = Publication.objects.get()
    assert publication.status == "published"
    assert publication.files.count() == 5
    folder = media_root / publishing.publication_dir(publication)
    assert len(listing(folder)) == 5
    for record in publication.files.all():
        assert file_sha256(record.path) == record.sha256


def test_a_job_the_broker_cannot_take_is_shown_failed_not_raised(agency_a, django_capture_on_commit_callbacks):
    from kombu.exceptions import OperationalError

    report = approved_report(agency_a)
    with mock.patch.object(publishing, "_send", side_effect=OperationalError("Error 111 connecting to redis")):
        with django_capture_on_commit_callbacks(execute=True):
            publishing.publish_enqueue(report.pk)

    publication = Publication.objects.get()
    assert publication.status == "failed"
    assert "发布任务未能送达任务队列" in publication.error
    assert publication_state(report).status == "failed"
