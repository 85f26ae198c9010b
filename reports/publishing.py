"""Publishing an approved report: the immutable publication and its five files.

The flow (the Celery task that drives it is ``review.tasks.publish_report``, since the last
step is a workflow transition and ``reports`` never imports ``review``):

1. ``publish_enqueue(report_id)`` — called by the final sign-off through
   ``transaction.on_commit``. Creates the report's *open* publication (status ``queued``)
   holding the frozen snapshot of the approved data (the interchange document), then sends
   the task. A second call for the same approval finds the same open publication.
2. ``publication_build(report_id=…, mark_published=…)`` — the task's service:

   a. *claim* (short transaction, committed so reviewers see it): the open publication goes
      to ``rendering``, one more attempt counted;
   b. *render and publish* (one transaction holding the report's row lock, so a concurrent
      or repeated run waits here and then finds nothing left to do): each of PDF, DOCX, XLSX,
      JSON and HTML (``formats.KINDS``) is rendered from the snapshot, written to a temporary
      file beside its final path and renamed over it (``os.replace``: a reader never sees half a file); a file
      already there from an interrupted run of the *same* publication is adopted, not
      written again (same snapshot, same path). Its SHA-256 and size are stored; the
      publication becomes ``published`` and current by a conditional update, and
      ``mark_published(report)`` moves the report to 已发布 in the same transaction.

   If the worker dies anywhere in (b), nothing of (b) is committed: the message, acked only
   late, is delivered again and the next run finishes the same publication (same version,
   same paths). Only one publication can ever be open per report and per approval: the
   open one is reused, and the version is unique per report.
3. Failures: the task retries transient errors with backoff (``publication_note_retry``
   puts the publication back to ``queued`` with the error); a final failure is
   ``publication_fail`` → ``failed``, shown to the district office, whose final reviewers
   and administrators may ``publication_retry``.

A report reopened for a correction and approved again gets the next version, with the
reopening's reason as its 更正说明; earlier versions stay published and downloadable.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from .interchange import document_to_json, parse_document, report_to_document
from .models import Publication, PublicationFile, Report
from .public_cache import public_generation_bump_on_commit
from .rendering import formats

logger = logging.getLogger(__name__)

#: The Celery task that publishes a report (defined in ``review/tasks.py``; found by name).
PUBLISH_TASK = "review.publish_report"

#: Seconds the render step sleeps after writing its first file, in a job's first attempt —
#: for the tests that kill a worker in the middle of a job. Read only when set; never set in
#: production.
TEST_DELAY_ENV = "GOVREPORT_TEST_PUBLISH_DELAY"

FILES_DIR = "publications"

#: A job queued or rendering for longer than this is taken for lost (see ``PublicationState``).
STALLED_AFTER = datetime.timedelta(minutes=5)

Status = Publication.Status


class PublishingError(Exception):
    """A publication that cannot go on. ``str(exc)`` is a Chinese message for the office."""


class RetryNotAllowed(PublishingError):
    pass


# ── Enqueueing ──────────────────────────────────────────────────────────────────────────


def publish_enqueue(report_id: int, *, correction_reason: str | None = None) -> None:
    """Start publishing an approved report: create its open publication, send the job.

    Meant for ``transaction.on_commit`` after the final sign-off. Does nothing when the
    report is not (or no longer) approved. A repeated call sends the job again, which is
    harmless: the job is idempotent.
    """
    publication = publication_queue(report_id=report_id, correction_reason=correction_reason)
    if publication is not None:
        transaction.on_commit(lambda: _send_or_fail(report_id))


def publication_queue(*, report_id: int, correction_reason: str | None = None) -> Publication | None:
    """The report's open publication (``queued`` unless already under way), created with
    the snapshot of the approved data when there is none; ``None`` if the report is not
    approved."""
    with transaction.atomic():
        report = Report.objects.select_for_update(of=("self",)).select_related("agency__district").get(pk=report_id)
        if report.status != Report.Status.APPROVED:
            return None
        return _open_publication(report, correction_reason=correction_reason)


def _open_publication(report: Report, *, correction_reason: str | None) -> Publication:
    """Call with the report's row locked."""
    publication = (
        Publication.objects.filter(report=report).exclude(status=Status.PUBLISHED).order_by("-version").first()
    )
    if publication is not None:
        if correction_reason and publication.version > 1 and not publication.correction_reason:
            Publication.objects.filter(pk=publication.pk).exclude(status=Status.PUBLISHED).update(
                correction_reason=correction_reason
            )
            publication.correction_reason = correction_reason
        return publication
    last = Publication.objects.filter(report=report).aggregate(last=Max("version"))["last"] or 0
    snapshot = report_snapshot(report)
    publication = Publication(
        report=report,
        agency_id=report.agency_id,
        year=report.year,
        agency_name=snapshot["agency"]["name"],
        district_id=report.agency.district_id,
        agency_kind=report.agency.kind,
        version=last + 1,
        status=Status.QUEUED,
        snapshot=snapshot,
        correction_reason=(correction_reason or "") if last else "",
    )
    publication.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            publication.save(force_insert=True)
    except IntegrityError:  # the row lock makes this unreachable; the constraint is the net
        raise PublishingError(f"{report.title}的第 {last + 1} 版已存在。") from None
    return publication


def report_snapshot(report: Report) -> dict:
    """The approved data, frozen: the interchange document (JSON-ready). Without a date of
    signature the document is dated the day it is published."""
    document = report_to_document(report)
    if document.signature_date is None:
        document.signature_date = timezone.localdate()
    if not document.signature_organ:
        document.signature_organ = document.agency_name
    return document_to_json(document)


def _send_or_fail(report_id: int) -> None:
    """Send the job; if the broker cannot take it, say so on the publication (发布失败, with
    the retry button) instead of failing the request whose approval has already committed."""
    try:
        _send(report_id)
    except Exception as exc:
        logger.exception("the publish job of report %s could not be sent", report_id)
        publication_fail(report_id=report_id, error=f"发布任务未能送达任务队列：{type(exc).__name__}: {exc}")


def _send(report_id: int):
    """Send the job to the broker (or run it now, without one). The queue is Celery's default
    unless the setting ``GOVREPORT_PUBLISH_QUEUE`` names one (the worker tests do)."""
    options = {}
    queue = getattr(settings, "GOVREPORT_PUBLISH_QUEUE", None)
    if queue:
        options["queue"] = queue
    return publish_task().apply_async(args=[report_id], **options)


def publish_task():
    """The Celery task registered under :data:`PUBLISH_TASK`, loading the apps' ``tasks``
    modules first if the process has not yet (a web process has not)."""
    from celery import current_app

    app = current_app._get_current_object()
    if PUBLISH_TASK not in app.tasks:
        app.loader.import_default_modules()
    try:
        return app.tasks[PUBLISH_TASK]
    except KeyError:
        raise PublishingError(f"发布任务 {PUBLISH_TASK} 未注册（review/tasks.py 是否已加载？）") from None


# ── Building ────────────────────────────────────────────────────────────────────────────


def publication_build(
    *,
    report_id: int,
    mark_published: Callable[[Report], object],
    correction_reason: str | None = None,
) -> Publication | None:
    """Render the open publication's files and publish it (see the module doc).

    ``mark_published(report)`` runs inside the final transaction, with the report's row
    locked, and must move the report to 已发布 (it raises to refuse; then nothing is
    published). Returns the publication just published, or ``None`` when there was nothing
    to do (the report is not approved: already published by an earlier run, or moved on).
    """
    publication = _claim(report_id, correction_reason)
    if publication is None:
        return None
    with transaction.atomic():
        report = Report.objects.select_for_update(of=("self",)).select_related("agency__district").get(pk=report_id)
        publication = Publication.objects.select_for_update().get(pk=publication.pk)
        if report.status != Report.Status.APPROVED or publication.status == Status.PUBLISHED:
            return None  # a concurrent run finished it while this one waited for the lock
        _render_files(publication)
        now = timezone.now()
        Publication.objects.filter(report=report, is_current=True).exclude(pk=publication.pk).update(is_current=False)
        updated = Publication.objects.filter(pk=publication.pk, status=Status.RENDERING).update(
            status=Status.PUBLISHED, is_current=True, published_at=now, error="", updated_at=now
        )
        if updated != 1:
            raise PublishingError(f"{publication}的状态已被改变，未发布。")
        mark_published(report)
        # The public listings, the API and the pages of the agency's reports (the years chart
        # reads them all) show it as soon as it commits; other agencies' pages stay cached.
        public_generation_bump_on_commit(Report.objects.filter(agency_id=report.agency_id).values_list("pk", flat=True))
    publication.refresh_from_db()
    logger.info("published %s (report %s, version %s)", publication, report_id, publication.version)
    return publication


def _claim(report_id: int, correction_reason: str | None) -> Publication | None:
    with transaction.atomic():
        report = Report.objects.select_for_update(of=("self",)).select_related("agency__district").get(pk=report_id)
        if report.status != Report.Status.APPROVED:
            return None
        publication = _open_publication(report, correction_reason=correction_reason)
        Publication.objects.filter(pk=publication.pk).exclude(status=Status.PUBLISHED).update(
            status=Status.RENDERING, attempts=publication.attempts + 1, updated_at=timezone.now()
        )
        publication.refresh_from_db()
        return publication


def publication_dir(publication: Publication) -> str:
    """The folder of a publication's files, relative to ``MEDIA_ROOT``."""
    return f"{FILES_DIR}/{publication.report_id}/v{publication.version}"


def publication_file_path(publication: Publication, kind: str) -> str:
    return f"{publication_dir(publication)}/{publication.report_id}-{publication.year}-v{publication.version}.{kind}"


def media_path(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


def _render_files(publication: Publication) -> None:
    """Write every file of the publication and record it. Call inside the final transaction."""
    document = parse_document(publication.snapshot)
    delay = os.environ.get(TEST_DELAY_ENV)
    for index, kind in enumerate(formats.KINDS):
        relative = publication_file_path(publication, kind)
        target = media_path(relative)
        if target.is_file():
            # Left by an interrupted run of this same publication (same snapshot, same path):
            # complete, since files appear only by rename. Adopted, not written twice.
            data = target.read_bytes()
        else:
            data = formats.render(document, kind)
            write_atomic(target, data)
        digest = hashlib.sha256(data).hexdigest()
        PublicationFile.objects.update_or_create(
            publication=publication, kind=kind, defaults={"path": relative, "sha256": digest, "size": len(data)}
        )
        if delay and index == 0 and publication.attempts <= 1:  # the first attempt only
            logger.warning("%s=%s: sleeping in the middle of publishing (tests only)", TEST_DELAY_ENV, delay)
            time.sleep(float(delay))
    publication_verify(publication)


def write_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` so that ``target`` is either absent or complete."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    try:
        directory = os.open(target.parent, os.O_RDONLY)
    except OSError:  # pragma: no cover - a platform without directory fds
        return
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def publication_verify(publication: Publication) -> None:
    """Raise ``PublishingError`` unless every file is recorded and on disk with its checksum."""
    files = {f.kind: f for f in PublicationFile.objects.filter(publication=publication)}
    missing = [kind for kind in formats.KINDS if kind not in files]
    if missing:
        raise PublishingError(f"{publication}缺少文件：{'、'.join(missing)}")
    for kind, record in files.items():
        path = media_path(record.path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise PublishingError(f"{publication}的 {kind} 文件无法读取：{exc}") from exc
        if hashlib.sha256(data).hexdigest() != record.sha256 or len(data) != record.size:
            raise PublishingError(f"{publication}的 {kind} 文件与记录的校验值不符")


# ── Failures and retries ────────────────────────────────────────────────────────────────


def _open_for(report_id: int):
    return Publication.objects.filter(report_id=report_id).exclude(status=Status.PUBLISHED)


def publication_note_retry(*, report_id: int, error: str) -> None:
    """A transient failure: back to ``queued`` with the error, the job will run again."""
    _open_for(report_id).filter(status__in=[Status.QUEUED, Status.RENDERING]).update(
        status=Status.QUEUED, error=error[:2000], updated_at=timezone.now()
    )


def publication_fail(*, report_id: int, error: str) -> None:
    """A final failure: ``failed``, shown to the district office with a retry button."""
    _open_for(report_id).update(status=Status.FAILED, error=error[:2000], updated_at=timezone.now())
    logger.error("publishing report %s failed: %s", report_id, error)


def can_retry(user, report: Report) -> bool:
    """The district's final reviewers and district administrators may restart a failed job."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    in_district = user.district_id is not None and user.district_id == report.agency.district_id
    return in_district and (user.is_final_reviewer or user.is_district_admin)


def publication_retry(*, report_id: int, by) -> Publication:
    """Restart the failed publishing of an approved report (or one whose job was lost)."""
    with transaction.atomic():
        report = Report.objects.select_for_update(of=("self",)).select_related("agency__district").get(pk=report_id)
        if not can_retry(by, report):
            raise RetryNotAllowed("只有本区政务公开办的终审人或管理员可以重新发布。")
        if report.status != Report.Status.APPROVED:
            raise RetryNotAllowed(f"报告当前状态为“{report.get_status_display()}”，无需重新发布。")
        publication = _open_publication(report, correction_reason=None)
        if publication.status == Status.RENDERING and timezone.now() - publication.updated_at <= STALLED_AFTER:
            raise RetryNotAllowed("发布任务正在进行中，请稍候。")
        # A job still running somewhere is harmless: the new one waits for its row lock and
        # then finds the report published.
        Publication.objects.filter(pk=publication.pk).exclude(status=Status.PUBLISHED).update(
            status=Status.QUEUED, error="", updated_at=timezone.now()
        )
        publication.refresh_from_db()
        transaction.on_commit(lambda: _send_or_fail(report_id))
    logger.info("publishing of report %s restarted by %s", report_id, by)
    return publication


# ── Reads ───────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class PublicationState:
    """What the report's page shows about publishing (and the status endpoint returns)."""

    status: str  # "", queued, rendering, published, failed
    label: str
    version: int | None
    attempts: int
    error: str
    published_at: datetime.datetime | None
    publication: Publication | None
    since: datetime.datetime | None = None  # the last change of the job

    @property
    def in_progress(self) -> bool:
        return self.status in (Status.QUEUED, Status.RENDERING)

    @property
    def stalled(self) -> bool:
        """Queued or rendering for longer than a job ever takes: its message was lost (the web
        process died between the approval's commit and the enqueue) or waits for the broker
        to redeliver it after a worker died. The office may then send the job again."""
        return self.in_progress and self.since is not None and timezone.now() - self.since > STALLED_AFTER


def publication_state(report: Report) -> PublicationState:
    """The state of the report's latest publication. An approved report whose job has not
    written its row yet counts as queued."""
    publication = Publication.objects.filter(report=report).defer("snapshot").order_by("-version").first()
    if publication is not None and (publication.status != Status.PUBLISHED or report.status != Report.Status.APPROVED):
        return PublicationState(
            status=publication.status,
            label=publication.get_status_display(),
            version=publication.version,
            attempts=publication.attempts,
            error=publication.error,
            published_at=publication.published_at,
            publication=publication,
            since=publication.updated_at,
        )
    if report.status == Report.Status.APPROVED:
        next_version = publication.version + 1 if publication is not None else 1
        return PublicationState(Status.QUEUED, Status.QUEUED.label, next_version, 0, "", None, None, report.updated_at)
    return PublicationState("", "", None, 0, "", None, None)


def publication_document(publication: Publication):
    """The snapshot as a ``ReportDocument``."""
    return parse_document(publication.snapshot)
