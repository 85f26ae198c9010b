"""The workflow table and the clerk's submission; the append-only records."""

import pytest

from reports.editing import StaleVersionError, report_save
from reports.models import Report
from review.models import AppendOnlyError, ReportEvent, ReportRevision
from review.workflow import (
    TRANSITIONS,
    Action,
    SubmissionRefused,
    WorkflowError,
    available_actions,
    report_check,
    report_submit,
    transition_apply,
)
from tests.factories import complete_cells, complete_texts, make_report, report_state

pytestmark = pytest.mark.django_db


def test_the_table_has_one_next_state_per_state_action_and_role():
    keys = [(t.status, t.action, t.role) for t in TRANSITIONS]
    assert len(keys) == len(set(keys))
    assert {(t.status, t.to) for t in TRANSITIONS if t.action == Action.SUBMIT} == {
        (Report.Status.DRAFT, Report.Status.SUBMITTED),
        (Report.Status.RETURNED, Report.Status.SUBMITTED),
    }


def test_a_clean_report_is_submitted_with_an_event_and_a_frozen_revision(complete_report, clerk_a):
    report = report_submit(report_id=complete_report.pk, by=clerk_a, expected_version=1, ip_address="10.0.0.7")
    assert report.status == Report.Status.SUBMITTED
    assert not report.is_editable
    event = ReportEvent.objects.get(report=report)
    assert (event.action, event.from_status, event.to_status) == ("submit", "draft", "submitted")
    assert event.actor == clerk_a
    assert event.ip_address == "10.0.0.7"
    assert event.action_label == "提交"
    revision = ReportRevision.objects.get(report=report)
    assert revision.round == 1
    assert revision.event == event
    assert revision.report_version == report.version
    assert revision.cells == report.cells
    assert revision.texts == report.texts


def test_a_report_with_errors_is_not_submitted(draft_report, clerk_a):
    before = report_state(draft_report)
    with pytest.raises(SubmissionRefused) as caught:
        report_submit(report_id=draft_report.pk, by=clerk_a)
    assert len(caught.value.errors) == 3  # the sample's three blank fee figures
    assert "3 个错误" in str(caught.value)
    assert report_state(draft_report) == before
    assert not ReportEvent.objects.exists()
    assert not ReportRevision.objects.exists()


def make_warning_report(agency, **kwargs):
    cells = complete_cells()
    cells["t3.other_handling.unpaid_fee.natural"] = 1
    cells["t3.other_handling.unpaid_fee.total"] = 1
    cells["t3.other_handling.other.natural"] = 4
    cells["t3.other_handling.other.total"] = 4
    return make_report(agency, cells=cells, texts=complete_texts(), **kwargs)


def test_a_warning_without_explanation_blocks_submission_and_an_explained_one_does_not(agency_a, clerk_a):
    report = make_warning_report(agency_a)
    warnings = [v for v in report_check(report) if v.level == "warning"]
    assert [v.rule for v in warnings] == ["T6-FEE-NOTICES"]
    with pytest.raises(SubmissionRefused, match="1 个警告尚未填写说明"):
        report_submit(report_id=report.pk, by=clerk_a)
    assert Report.objects.get(pk=report.pk).status == Report.Status.DRAFT

    report_save(
        report_id=report.pk,
        expected_version=1,
        explanations={warnings[0].key: "该申请人的收费通知由区政务服务中心代为发出。", "OLD|x|": "已过时的说明"},
        by=clerk_a,
    )
    report = report_submit(report_id=report.pk, by=clerk_a, expected_version=2)
    assert report.status == Report.Status.SUBMITTED
    revision = ReportRevision.objects.get(report=report)
    # The frozen revision keeps the explanations of the warnings that apply, not stale ones.
    assert revision.explanations == {warnings[0].key: "该申请人的收费通知由区政务服务中心代为发出。"}


def test_a_submitted_report_cannot_be_submitted_again(submitted_report, clerk_a):
    with pytest.raises(WorkflowError, match="已提交"):
        report_submit(report_id=submitted_report.pk, by=clerk_a)
    assert not ReportEvent.objects.exists()


def test_a_returned_report_is_submitted_again_as_the_next_round(agency_a, clerk_a):
    report = make_report(agency_a, cells=complete_cells(), texts=complete_texts())
    report_submit(report_id=report.pk, by=clerk_a)
    # Issue 4 adds the "return" transition; until then a test moves the report back by hand.
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RETURNED)
    report = report_submit(report_id=report.pk, by=clerk_a)
    assert report.status == Report.Status.SUBMITTED
    assert list(ReportRevision.objects.filter(report=report).values_list("round", flat=True)) == [1, 2]
    assert list(ReportEvent.objects.filter(report=report).values_list("from_status", flat=True)) == [
        "draft",
        "returned",
    ]


def test_only_a_clerk_of_the_agency_may_submit(complete_report, clerk_b, reviewer):
    for person in (clerk_b, reviewer):
        with pytest.raises(WorkflowError, match="没有权限"):
            report_submit(report_id=complete_report.pk, by=person)
    assert Report.objects.get(pk=complete_report.pk).status == Report.Status.DRAFT


def test_a_submission_from_a_stale_page_is_refused(complete_report, clerk_a):
    report_save(report_id=complete_report.pk, expected_version=1, texts={"other_matters": "无。"}, by=clerk_a)
    with pytest.raises(StaleVersionError):
        report_submit(report_id=complete_report.pk, by=clerk_a, expected_version=1)
    assert Report.objects.get(pk=complete_report.pk).status == Report.Status.DRAFT


def test_available_actions_follow_the_table(complete_report, clerk_a, clerk_b, reviewer):
    assert available_actions(report=complete_report, user=clerk_a) == [Action.SUBMIT]
    assert available_actions(report=complete_report, user=clerk_b) == []
    assert available_actions(report=complete_report, user=reviewer) == []
    complete_report.status = Report.Status.SUBMITTED
    assert available_actions(report=complete_report, user=clerk_a) == []


def test_an_unknown_action_is_refused(complete_report, clerk_a):
    with pytest.raises(WorkflowError):
        transition_apply(report_id=complete_report.pk, action="publish", by=clerk_a)


# ── Append-only ─────────────────────────────────────────────────────────────────────────


def test_events_and_revisions_cannot_be_changed_or_deleted(complete_report, clerk_a):
    report_submit(report_id=complete_report.pk, by=clerk_a)
    event = ReportEvent.objects.get()
    revision = ReportRevision.objects.get()
    event.note = "改写历史"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        ReportEvent.objects.filter(pk=event.pk).update(note="x")
    with pytest.raises(AppendOnlyError):
        ReportEvent.objects.all().delete()
    revision.cells = {}
    with pytest.raises(AppendOnlyError):
        revision.save()
    with pytest.raises(AppendOnlyError):
        ReportRevision.objects.all().delete()
    assert ReportEvent.objects.get().note == ""
    assert ReportRevision.objects.get().cells == complete_report.cells
