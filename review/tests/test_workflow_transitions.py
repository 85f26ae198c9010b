"""The transition matrix: every action in every status by every persona.

Exactly the pairs in ``ALLOWED`` move the report; every other combination (wrong role,
wrong district, own agency, wrong state, nobody for the system's publish) raises
``WorkflowError`` and leaves the report, its log and its sign-offs as they were.
"""

from __future__ import annotations

import pytest

from reports.models import Report
from review import services
from review.models import SYSTEM_ACTIONS, Action, ReportEvent, SignOff
from review.tests.personas import accept_all
from review.workflow import (
    SYSTEM,
    TRANSITIONS,
    WorkflowError,
    available_actions,
    report_reopen,
    report_return,
    report_start_review,
    report_submit,
    transition_apply,
)
from tests.factories import complete_cells, complete_texts, make_report, report_state

pytestmark = pytest.mark.django_db

Status = Report.Status

PERSONAS = (
    "clerk_a",
    "clerk_b",
    "first_reviewer",
    "second_reviewer",
    "final_reviewer",
    "district_admin",
    "reviewer_y",
    "own_agency_reviewer",
)

#: (status, action, persona) → the status it leads to. Nothing else is allowed.
ALLOWED = {
    (Status.DRAFT, Action.SUBMIT, "clerk_a"): Status.SUBMITTED,
    (Status.RETURNED, Action.SUBMIT, "clerk_a"): Status.SUBMITTED,
    (Status.SUBMITTED, Action.START_REVIEW, "first_reviewer"): Status.FIRST_REVIEW,
    (Status.FIRST_REVIEW, Action.FIRST_APPROVE, "first_reviewer"): Status.SECOND_REVIEW,
    (Status.FIRST_REVIEW, Action.RETURN, "first_reviewer"): Status.RETURNED,
    (Status.SECOND_REVIEW, Action.SECOND_APPROVE, "second_reviewer"): Status.FINAL_REVIEW,
    (Status.SECOND_REVIEW, Action.RETURN, "second_reviewer"): Status.RETURNED,
    (Status.FINAL_REVIEW, Action.APPROVE, "final_reviewer"): Status.APPROVED,
    (Status.FINAL_REVIEW, Action.RETURN, "final_reviewer"): Status.RETURNED,
    (Status.PUBLISHED, Action.REOPEN, "final_reviewer"): Status.RETURNED,
    # Belonging to agency A, this person may submit A's report like any of its clerks, but
    # may not review it in any role.
    (Status.DRAFT, Action.SUBMIT, "own_agency_reviewer"): Status.SUBMITTED,
    (Status.RETURNED, Action.SUBMIT, "own_agency_reviewer"): Status.SUBMITTED,
}

ACTIONS = (
    Action.SUBMIT,
    Action.START_REVIEW,
    Action.FIRST_APPROVE,
    Action.SECOND_APPROVE,
    Action.APPROVE,
    Action.RETURN,
    Action.PUBLISH,
    Action.REOPEN,
)

SIGN_STEP = {
    Action.FIRST_APPROVE: Status.FIRST_REVIEW,
    Action.SECOND_APPROVE: Status.SECOND_REVIEW,
    Action.APPROVE: Status.FINAL_REVIEW,
}


def report_at(agency, clerk, status: str, year: int) -> Report:
    """A clean report of ``agency`` in ``status``: submitted once (so it has a round and a
    frozen revision), then put in the status by hand, as only a test may."""
    report = make_report(agency, year=year, cells=complete_cells(), texts=complete_texts(), by=clerk)
    if status != Status.DRAFT:
        report_submit(report_id=report.pk, by=clerk)
        Report.objects.filter(pk=report.pk).update(status=status)
    return Report.objects.get(pk=report.pk)


def act(report: Report, action: str, person) -> Report:
    """Take ``action`` through the service a page would call."""
    if action == Action.SUBMIT:
        return report_submit(report_id=report.pk, by=person)
    if action == Action.START_REVIEW:
        return report_start_review(report_id=report.pk, by=person)
    if action in SIGN_STEP:
        services.signoff_sign(
            report_id=report.pk,
            step_status=SIGN_STEP[action],
            by=person,
            checked_aspects=services.checklist_aspects(report.agency.district),
            opinion="同意。",
            verdicts=accept_all(report),
        )
        return Report.objects.get(pk=report.pk)
    if action == Action.RETURN:
        return report_return(report_id=report.pk, by=person, note="请核对表三。")
    if action == Action.REOPEN:
        return report_reopen(report_id=report.pk, by=person, note="表二数字有误，需更正。")
    return transition_apply(report_id=report.pk, action=action, by=person)


def test_the_table_has_one_next_state_per_state_action_and_role():
    keys = [(t.status, t.action, t.role) for t in TRANSITIONS]
    assert len(keys) == len(set(keys))


def test_the_table_is_the_chain_of_the_issue():
    chain = {(t.status, t.action): t.to for t in TRANSITIONS if t.action != Action.RETURN}
    assert chain == {
        (Status.DRAFT, Action.SUBMIT): Status.SUBMITTED,
        (Status.RETURNED, Action.SUBMIT): Status.SUBMITTED,
        (Status.SUBMITTED, Action.START_REVIEW): Status.FIRST_REVIEW,
        (Status.FIRST_REVIEW, Action.FIRST_APPROVE): Status.SECOND_REVIEW,
        (Status.SECOND_REVIEW, Action.SECOND_APPROVE): Status.FINAL_REVIEW,
        (Status.FINAL_REVIEW, Action.APPROVE): Status.APPROVED,
        (Status.APPROVED, Action.PUBLISH): Status.PUBLISHED,
        (Status.PUBLISHED, Action.REOPEN): Status.RETURNED,
    }
    returns = {t.status: t.role for t in TRANSITIONS if t.action == Action.RETURN}
    assert returns == {
        Status.FIRST_REVIEW: "first_reviewer",
        Status.SECOND_REVIEW: "second_reviewer",
        Status.FINAL_REVIEW: "final_reviewer",
    }
    assert all(t.note_required for t in TRANSITIONS if t.action in (Action.RETURN, Action.REOPEN))
    assert [t.role for t in TRANSITIONS if t.action == Action.PUBLISH] == [SYSTEM]
    # The log shows these as 系统 (review.models.SYSTEM_ACTIONS): the same set as the table's.
    assert {t.action for t in TRANSITIONS if t.role == SYSTEM} == SYSTEM_ACTIONS


@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_in_every_status_by_every_persona(request, status, action, agency_a):
    clerk = request.getfixturevalue("clerk_a")
    people = {name: request.getfixturevalue(name) for name in PERSONAS}
    for index, name in enumerate(PERSONAS):
        report = report_at(agency_a, clerk, status, year=2000 + 2 * index)  # no "previous year"
        before = report_state(report)
        events = ReportEvent.objects.filter(report=report).count()
        expected = ALLOWED.get((status, action, name))
        if expected is None:
            with pytest.raises(WorkflowError):
                act(report, action, people[name])
            assert report_state(report) == before, name
            assert ReportEvent.objects.filter(report=report).count() == events, name
            assert not SignOff.objects.filter(report=report).exists(), name
        else:
            report = act(report, action, people[name])
            assert report.status == expected, name
            event = ReportEvent.objects.filter(report=report).latest("pk")
            assert (event.action, event.from_status, event.to_status, event.actor) == (
                action,
                status,
                expected,
                people[name],
            )
            assert SignOff.objects.filter(report=report).count() == (1 if action in SIGN_STEP else 0)


@pytest.mark.parametrize("status", Status.values)
def test_available_actions_match_the_matrix(request, status, agency_a):
    clerk = request.getfixturevalue("clerk_a")
    report = report_at(agency_a, clerk, status, year=2024)
    for name in PERSONAS:
        person = request.getfixturevalue(name)
        expected = [action for action in ACTIONS if (status, action, name) in ALLOWED]
        assert available_actions(report=report, user=person) == expected, name


def test_an_anonymous_visitor_may_do_nothing(agency_a, clerk_a):
    from django.contrib.auth.models import AnonymousUser

    report = report_at(agency_a, clerk_a, Status.FIRST_REVIEW, year=2024)
    assert available_actions(report=report, user=AnonymousUser()) == []
    with pytest.raises(WorkflowError, match="没有权限"):
        transition_apply(report_id=report.pk, action=Action.RETURN, by=AnonymousUser(), note="x")


def test_an_inactive_reviewer_may_do_nothing(agency_a, clerk_a, first_reviewer):
    report = report_at(agency_a, clerk_a, Status.SUBMITTED, year=2024)
    first_reviewer.is_active = False
    first_reviewer.save()
    with pytest.raises(WorkflowError, match="没有权限"):
        report_start_review(report_id=report.pk, by=first_reviewer)
    assert Report.objects.get(pk=report.pk).status == Status.SUBMITTED
