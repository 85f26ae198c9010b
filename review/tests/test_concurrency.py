"""Two reviewers sign the same step at the same moment: exactly one transition, one log
entry, one sign-off. PostgreSQL only — SQLite has a single writer and no row locks, so the
race cannot happen there in the first place."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections

from reports.models import Report
from review import workflow
from review.models import Action, ReportEvent, SignOff
from review.tests.personas import sign
from review.workflow import WorkflowError

pytestmark = pytest.mark.django_db(transaction=True)

HOLD = 0.3  # seconds the first signer keeps the row locked, so the second one surely waits


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: row locks across connections (SQLite serialises all writers)")


def race(report, people, monkeypatch) -> tuple[list, list]:
    """Let each of ``people`` sign the report's current step at once, in its own thread and
    database connection; the check of each runs slowly while holding the row lock."""
    real_check = workflow.report_check

    def slow_check(locked_report):
        time.sleep(HOLD)
        return real_check(locked_report)

    monkeypatch.setattr("review.services.report_check", slow_check)
    barrier = threading.Barrier(len(people))
    signed, refused, crashed = [], [], []

    def run(person):
        try:
            barrier.wait()
            signed.append(sign(report, person))
        except WorkflowError as exc:
            refused.append(str(exc))
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            crashed.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not crashed, crashed
    return signed, refused


def test_two_reviewers_signing_the_same_step_make_one_transition(
    report_in_review, first_reviewer, other_first_reviewer, monkeypatch
):
    signed, refused = race(report_in_review, [first_reviewer, other_first_reviewer], monkeypatch)
    assert len(signed) == 1
    assert len(refused) == 1
    assert "不能执行“初审签署”" in refused[0]
    assert Report.objects.get(pk=report_in_review.pk).status == Report.Status.SECOND_REVIEW
    assert ReportEvent.objects.filter(report=report_in_review, action=Action.FIRST_APPROVE).count() == 1
    assert SignOff.objects.filter(report=report_in_review).count() == 1
    assert SignOff.objects.get().reviewer == signed[0].reviewer


def test_a_double_click_signs_once(report_in_review, first_reviewer, monkeypatch):
    signed, refused = race(report_in_review, [first_reviewer, first_reviewer], monkeypatch)
    assert (len(signed), len(refused)) == (1, 1)
    assert ReportEvent.objects.filter(report=report_in_review, action=Action.FIRST_APPROVE).count() == 1
    assert SignOff.objects.filter(report=report_in_review).count() == 1
