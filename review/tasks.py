"""The publish job: a thin Celery task around ``reports.publishing.publication_build``.

It lives in ``review`` because its last step is a workflow transition (已通过 → 已发布, made
by the system: its event has no actor and the log shows 系统), and ``reports`` never imports
``review``. ``reports.publishing.publish_enqueue`` finds it by its name,
``review.publish_report``.

Delivery: ``acks_late`` with ``reject_on_worker_lost`` (also the project's defaults), so a
job whose worker dies is delivered again; the service is idempotent, so a repeated or
concurrent delivery publishes nothing twice. Transient errors (database connection, file
system) are retried with exponential backoff; after the last retry, or at once for an error
that a retry cannot fix, the publication is marked failed and the district office sees it
with a retry button.
"""

from __future__ import annotations

import logging
import os
import time

from celery import shared_task
from celery.exceptions import Retry
from django.db import InterfaceError, OperationalError

from reports.models import Publication, Report
from reports.publishing import (
    PublishingError,
    publication_build,
    publication_fail,
    publication_note_retry,
)

from . import workflow
from .models import Action, ReportEvent

logger = logging.getLogger(__name__)

#: Errors worth another try: the database or the disk was briefly unavailable.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, OSError)
MAX_RETRIES = 5
BACKOFF_BASE = 2  # seconds: 2, 4, 8, 16, 32 — the last try about a minute after the first
BACKOFF_MAX = 60

#: The action of the system's transition 已通过 → 已发布, and of a final reviewer's reopening.
PUBLISH_ACTION = "publish"
REOPEN_ACTION = "reopen"


class WorkflowNotReady(PublishingError):
    """The workflow has no system transition to publish with (yet)."""


def backoff(retries: int) -> int:
    return min(BACKOFF_MAX, BACKOFF_BASE * 2**retries)


@shared_task(
    bind=True,
    name="review.publish_report",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
)
def publish_report(self, report_id: int) -> int | None:
    """Publish the approved report ``report_id``; the id of the publication, or ``None``
    when there was nothing to do (already published, or no longer approved).

    Each run leaves one log line with the report, the outcome, the time it took and the
    process that ran it (the production check reads it to see the worker did the job)."""
    started = time.monotonic()
    outcome = "failed"
    try:
        result = _publish(self, report_id)
        outcome = f"publication {result}" if result is not None else "nothing to do"
        return result
    except Retry:
        outcome = "retry scheduled"
        raise
    finally:
        logger.info(
            "publish job: report %s, %s, %.2f s (pid %s)", report_id, outcome, time.monotonic() - started, os.getpid()
        )


def _publish(self, report_id: int) -> int | None:
    try:
        publication = publication_build(
            report_id=report_id,
            mark_published=mark_published,
            correction_reason=correction_reason(report_id),
        )
    except TRANSIENT_ERRORS as exc:
        message = f"{type(exc).__name__}: {exc}"
        if self.request.retries >= MAX_RETRIES:
            logger.exception("publishing report %s failed after %s retries", report_id, self.request.retries)
            publication_fail(report_id=report_id, error=f"多次重试后仍失败：{message}")
            return None
        if self.request.is_eager:
            # No broker (the embedded default): try again in-process, at once, rather than
            # let Celery's Retry escape into the request that approved the report.
            publication_note_retry(report_id=report_id, error=f"第 {self.request.retries + 1} 次尝试失败：{message}")
            return self.apply(args=[report_id], retries=self.request.retries + 1).get()
        countdown = backoff(self.request.retries)
        publication_note_retry(
            report_id=report_id, error=f"第 {self.request.retries + 1} 次尝试失败，{countdown} 秒后重试：{message}"
        )
        raise self.retry(exc=exc, countdown=countdown) from exc
    except Exception as exc:
        # Not transient (a missing font, a refused transition, a bug): another try now
        # would fail the same way. Recorded for the office, who may retry once it is fixed.
        logger.exception("publishing report %s failed", report_id)
        publication_fail(report_id=report_id, error=f"{type(exc).__name__}: {exc}")
        return None
    return publication.pk if publication is not None else None


def correction_reason(report_id: int) -> str:
    """The reason of the latest reopening after the last published version (更正说明)."""
    last = (
        Publication.objects.filter(report_id=report_id, status=Publication.Status.PUBLISHED)
        .order_by("-version")
        .values_list("published_at", flat=True)
        .first()
    )
    if last is None:
        return ""
    action = getattr(Action, "REOPEN", REOPEN_ACTION)
    event = ReportEvent.objects.filter(report_id=report_id, action=action, at__gte=last).order_by("-at", "-pk").first()
    return event.note.strip() if event is not None else ""


def mark_published(report: Report) -> None:
    """已通过 → 已发布 through the workflow table, in the publishing transaction."""
    apply = getattr(workflow, "transition_apply_system", None)
    if apply is None:
        raise WorkflowNotReady(
            "审核流程尚未提供 review.workflow.transition_apply_system（已通过 → 已发布），报告无法发布。"
        )
    action = getattr(Action, "PUBLISH", PUBLISH_ACTION)
    apply(report_id=report.pk, action=action, note="系统自动发布")
