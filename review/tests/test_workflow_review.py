"""The review chain as the issue tells it: three different people sign, returns need a
reason, a resubmission starts again at the first review, the system publishes, the final
reviewer reopens; and what a sign-off must contain."""

from __future__ import annotations

import logging
import sys
import types

import pytest
from django.core.exceptions import PermissionDenied

from reports.editing import report_save
from reports.models import Report
from review import services
from review.models import Action, ReportEvent, ReportRevision, SignOff, Step
from review.tests.personas import sign
from review.workflow import (
    WorkflowError,
    approving_reviewer,
    current_round,
    report_reopen,
    report_return,
    report_start_review,
    report_submit,
    transition_apply,
    transition_apply_system,
)
from tests.factories import complete_cells, complete_texts, make_report, report_state

pytestmark = pytest.mark.django_db

Status = Report.Status


def actions(report) -> list[str]:
    return list(ReportEvent.objects.filter(report=report).order_by("pk").values_list("action", flat=True))


def approve(report, first, second, final) -> Report:
    sign(report, first, opinion="初审同意。")
    sign(report, second, opinion="复审同意。")
    sign(report, final, opinion="终审同意，予以公开。")
    report.refresh_from_db()
    return report


# ── The chain ───────────────────────────────────────────────────────────────────────────


def test_three_different_people_sign_the_three_steps(report_in_review, first_reviewer, second_reviewer, final_reviewer):
    report = approve(report_in_review, first_reviewer, second_reviewer, final_reviewer)
    assert report.status == Status.APPROVED
    assert actions(report) == ["submit", "start_review", "first_approve", "second_approve", "approve"]
    signoffs = list(SignOff.objects.filter(report=report).order_by("pk"))
    assert [(s.step, s.reviewer, s.round) for s in signoffs] == [
        (Step.FIRST, first_reviewer, 1),
        (Step.SECOND, second_reviewer, 1),
        (Step.FINAL, final_reviewer, 1),
    ]
    first = signoffs[0]
    assert first.opinion == "初审同意。"
    assert first.ip_address == "10.1.2.3"
    assert first.checked_aspects == ["政治", "法律", "政策", "保密", "文字", "舆情"]
    assert first.event.action == Action.FIRST_APPROVE
    assert first.event.note == "初审同意。"
    assert len(first.data_digest) == 64
    assert {s.data_digest for s in signoffs} == {first.data_digest}  # all signed the same data
    assert approving_reviewer(report) == final_reviewer


def test_one_person_never_signs_two_steps_of_a_round(report_in_review, all_roles_reviewer, second_reviewer):
    sign(report_in_review, all_roles_reviewer)
    before = report_state(report_in_review)
    with pytest.raises(WorkflowError, match="您已签署本报告本轮的初审"):
        sign(report_in_review, all_roles_reviewer)
    assert report_state(report_in_review) == before
    assert SignOff.objects.filter(report=report_in_review).count() == 1
    # Someone else signs 复审; the same person still may not sign 终审.
    sign(report_in_review, second_reviewer)
    with pytest.raises(WorkflowError, match="同一人不能签署同一报告同一轮的两个审核环节"):
        sign(report_in_review, all_roles_reviewer)
    assert Report.objects.get(pk=report_in_review.pk).status == Status.FINAL_REVIEW


def test_the_database_refuses_a_second_signature_of_the_same_person_in_a_round(report_in_review, first_reviewer):
    from django.db import IntegrityError, transaction

    signoff = sign(report_in_review, first_reviewer)
    with pytest.raises(IntegrityError), transaction.atomic():
        SignOff.objects.create(
            report=report_in_review,
            round=signoff.round,
            step=Step.SECOND,
            reviewer=first_reviewer,
            opinion="x",
            data_digest="",
            event=ReportEvent.objects.create(
                report=report_in_review, action="x", from_status="a", to_status="a", actor=first_reviewer
            ),
        )


def test_nobody_reviews_a_report_of_their_own_agency(report_in_review, own_agency_reviewer):
    before = report_state(report_in_review)
    with pytest.raises(WorkflowError, match="没有权限"):
        sign(report_in_review, own_agency_reviewer)
    with pytest.raises(WorkflowError, match="没有权限"):
        report_return(report_id=report_in_review.pk, by=own_agency_reviewer, note="x")
    with pytest.raises(WorkflowError, match="只有本区的初审人"):
        services.comment_add(
            report_id=report_in_review.pk, by=own_agency_reviewer, anchor_kind="table", anchor_code="t3", body="x"
        )
    assert report_state(report_in_review) == before


def test_a_reviewer_of_another_district_may_do_nothing(report_in_review, reviewer_y):
    with pytest.raises(WorkflowError, match="没有权限"):
        sign(report_in_review, reviewer_y)
    with pytest.raises(WorkflowError, match="没有权限"):
        report_return(report_id=report_in_review.pk, by=reviewer_y, note="x")
    assert Report.objects.get(pk=report_in_review.pk).status == Status.FIRST_REVIEW


def test_reviewers_never_edit_figures_or_texts(report_in_review, first_reviewer):
    report_return(report_id=report_in_review.pk, by=first_reviewer, note="请核对。")
    with pytest.raises(PermissionDenied):
        report_save(report_id=report_in_review.pk, expected_version=1, texts={"problems": "改"}, by=first_reviewer)
    assert Report.objects.get(pk=report_in_review.pk).texts["problems"] != "改"


# ── Returns and rounds ──────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("step", ["first", "second", "final"])
def test_each_step_may_return_the_report_with_a_reason(
    step, report_in_review, first_reviewer, second_reviewer, final_reviewer, clerk_a
):
    people = {"first": first_reviewer, "second": second_reviewer, "final": final_reviewer}
    if step in ("second", "final"):
        sign(report_in_review, first_reviewer)
    if step == "final":
        sign(report_in_review, second_reviewer)
    report = report_return(report_id=report_in_review.pk, by=people[step], note="表三第一行请核对。")
    assert report.status == Status.RETURNED
    assert report.is_editable
    event = ReportEvent.objects.filter(report=report).latest("pk")
    assert (event.action, event.note, event.actor) == (Action.RETURN, "表三第一行请核对。", people[step])
    # The agency may change it again.
    report_save(report_id=report.pk, expected_version=report.version, texts={"other_matters": "无。"}, by=clerk_a)


def test_an_open_comment_blocks_resubmission_until_the_agency_resolves_it(report_in_review, first_reviewer, clerk_a):
    from review.workflow import SubmissionRefused

    comment = services.comment_add(
        report_id=report_in_review.pk,
        by=first_reviewer,
        anchor_kind="cell",
        anchor_code="t3.new.natural",
        body="自然人新收件数与登记台账不符，请核对。",
    )
    report_return(report_id=report_in_review.pk, by=first_reviewer, note="请按批注核对。")
    before = report_state(Report.objects.get(pk=report_in_review.pk))

    with pytest.raises(SubmissionRefused) as caught:
        report_submit(report_id=report_in_review.pk, by=clerk_a)
    message = str(caught.value)
    assert "还有 1 条审核批注未解决" in message
    assert "表三·" in message and "自然人新收件数与登记台账不符" in message
    assert caught.value.errors == [] and len(caught.value.open_comments) == 1
    assert report_state(Report.objects.get(pk=report_in_review.pk)) == before  # nothing moved

    services.comment_reply(comment_id=comment.pk, by=clerk_a, body="已核对，台账无误。")
    with pytest.raises(SubmissionRefused, match="1 条审核批注未解决"):  # answered is not resolved
        report_submit(report_id=report_in_review.pk, by=clerk_a)
    services.comment_resolve(comment_id=comment.pk, by=clerk_a)
    assert report_submit(report_id=report_in_review.pk, by=clerk_a).status == Status.SUBMITTED


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_a_return_without_a_reason_is_refused(reason, report_in_review, first_reviewer):
    before = report_state(report_in_review)
    with pytest.raises(WorkflowError, match="请填写“退回修改”的原因"):
        report_return(report_id=report_in_review.pk, by=first_reviewer, note=reason)
    assert report_state(report_in_review) == before
    assert actions(report_in_review) == ["submit", "start_review"]


def test_a_resubmitted_report_starts_again_at_the_first_review(
    report_in_review, first_reviewer, second_reviewer, all_roles_reviewer, clerk_a
):
    sign(report_in_review, all_roles_reviewer)  # round 1: 初审 by the all-roles reviewer
    report_return(report_id=report_in_review.pk, by=second_reviewer, note="请修改。")
    report = Report.objects.get(pk=report_in_review.pk)
    report_save(
        report_id=report.pk, expected_version=report.version, texts={"other_matters": "无其他事项。"}, by=clerk_a
    )
    report = report_submit(report_id=report.pk, by=clerk_a)
    assert report.status == Status.SUBMITTED
    assert current_round(report) == 2
    # The first step's signature of round 1 does not carry over: 复审 cannot be signed yet.
    with pytest.raises(WorkflowError):
        sign(report, second_reviewer, step_status=Status.SECOND_REVIEW)
    report_start_review(report_id=report.pk, by=first_reviewer)
    # In round 2 the same person may sign again — one step of this round.
    signoff = sign(report, all_roles_reviewer)
    assert (signoff.round, signoff.step) == (2, Step.FIRST)
    assert SignOff.objects.filter(report=report, round=1).count() == 1
    assert SignOff.objects.filter(report=report, round=2).count() == 1


def test_a_page_that_shows_an_older_step_signs_nothing(report_in_review, first_reviewer, all_roles_reviewer):
    sign(report_in_review, first_reviewer)  # now in 复审
    before = report_state(report_in_review)
    with pytest.raises(WorkflowError):
        sign(report_in_review, all_roles_reviewer, step_status=Status.FIRST_REVIEW)
    with pytest.raises(WorkflowError, match="报告状态已变为“复审中”"):
        services.signoff_return(
            report_id=report_in_review.pk, step_status=Status.FIRST_REVIEW, by=all_roles_reviewer, reason="x"
        )
    assert report_state(report_in_review) == before


# ── What a sign-off needs ───────────────────────────────────────────────────────────────


def test_a_sign_off_needs_every_aspect_of_the_checklist(report_in_review, first_reviewer):
    with pytest.raises(WorkflowError, match="尚未确认“保密、舆情”"):
        sign(report_in_review, first_reviewer, checked_aspects=["政治", "法律", "政策", "文字"])
    assert Report.objects.get(pk=report_in_review.pk).status == Status.FIRST_REVIEW
    assert not SignOff.objects.exists()


def test_a_sign_off_follows_the_districts_own_checklist(report_in_review, first_reviewer, district_admin, district):
    services.checklist_update(district=district, aspects=["政治", "数据准确"], by=district_admin)
    with pytest.raises(WorkflowError, match="数据准确"):
        sign(report_in_review, first_reviewer, checked_aspects=["政治", "法律"])
    signoff = sign(report_in_review, first_reviewer, checked_aspects=["政治", "数据准确"])
    assert signoff.checklist == [{"aspect": "政治", "checked": True}, {"aspect": "数据准确", "checked": True}]


def test_a_sign_off_needs_an_opinion(report_in_review, first_reviewer):
    with pytest.raises(WorkflowError, match="请填写审核意见"):
        sign(report_in_review, first_reviewer, opinion="  ")
    assert not SignOff.objects.exists()


def warning_report(agency, clerk):
    cells = complete_cells()
    cells["t3.other_handling.unpaid_fee.natural"] = 1
    cells["t3.other_handling.unpaid_fee.total"] = 1
    cells["t3.other_handling.other.natural"] = 4
    cells["t3.other_handling.other.total"] = 4
    key = "T6-FEE-NOTICES|t3.other_handling.unpaid_fee.total,t6.fee_notices|"
    report = make_report(agency, cells=cells, texts=complete_texts(), explanations={key: "通知由政务中心代发。"})
    report_submit(report_id=report.pk, by=clerk)
    return Report.objects.get(pk=report.pk), key


def test_every_warning_explanation_must_be_accepted_to_sign(agency_a, clerk_a, first_reviewer):
    report, key = warning_report(agency_a, clerk_a)
    report_start_review(report_id=report.pk, by=first_reviewer)
    with pytest.raises(WorkflowError, match="1 条警告的说明未选择"):
        sign(report, first_reviewer, verdicts={})
    with pytest.raises(WorkflowError, match="1 条警告的说明未被接受"):
        sign(report, first_reviewer, verdicts={key: "rejected"})
    assert not SignOff.objects.exists()
    signoff = sign(report, first_reviewer, verdicts={key: "accepted"})
    assert signoff.explanation_verdicts[key]["verdict"] == "accepted"
    assert signoff.explanation_verdicts[key]["explanation"] == "通知由政务中心代发。"
    assert signoff.explanation_verdicts[key]["rule"] == "T6-FEE-NOTICES"


def test_a_return_lists_the_explanations_not_accepted(agency_a, clerk_a, first_reviewer):
    report, key = warning_report(agency_a, clerk_a)
    report_start_review(report_id=report.pk, by=first_reviewer)
    services.signoff_return(
        report_id=report.pk,
        step_status=Status.FIRST_REVIEW,
        by=first_reviewer,
        reason="收费通知的说明不充分。",
        verdicts={key: "rejected"},
    )
    note = ReportEvent.objects.filter(report=report).latest("pk").note
    assert note.startswith("收费通知的说明不充分。\n不接受的警告说明：")
    assert "通知由政务中心代发。" in note


def test_only_the_district_administrator_sets_the_checklist(district, district_admin, first_reviewer, district_y):
    with pytest.raises(PermissionDenied):
        services.checklist_update(district=district, aspects=["政治"], by=first_reviewer)
    with pytest.raises(PermissionDenied):
        services.checklist_update(district=district_y, aspects=["政治"], by=district_admin)
    with pytest.raises(services.ChecklistError):
        services.checklist_update(district=district, aspects=["", "  "], by=district_admin)
    checklist = services.checklist_update(district=district, aspects=[" 政治 ", "政治", "保密"], by=district_admin)
    assert checklist.aspects == ["政治", "保密"]
    assert services.checklist_aspects(district) == ["政治", "保密"]
    assert services.checklist_aspects(district_y) == ["政治", "法律", "政策", "保密", "文字", "舆情"]


# ── Publication and reopening (the interface with issue 5) ──────────────────────────────


def test_the_system_publishes_an_approved_report_as_the_system_not_as_the_final_reviewer(
    report_in_review, first_reviewer, second_reviewer, final_reviewer
):
    report = approve(report_in_review, first_reviewer, second_reviewer, final_reviewer)
    with pytest.raises(WorkflowError):
        transition_apply(report_id=report.pk, action=Action.PUBLISH, by=final_reviewer)
    report = transition_apply_system(report_id=report.pk, action=Action.PUBLISH, note="系统自动发布")
    assert report.status == Status.PUBLISHED
    event = ReportEvent.objects.filter(report=report).latest("pk")
    assert (event.action, event.actor, event.from_status, event.note) == ("publish", None, "approved", "系统自动发布")
    assert (event.by_system, event.actor_name) == (True, "系统")
    # The final reviewer is credited with the approval they signed, and with nothing more.
    approval = ReportEvent.objects.get(report=report, action=Action.APPROVE)
    assert (approval.actor, approval.by_system) == (final_reviewer, False)
    assert approving_reviewer(report) == final_reviewer
    with pytest.raises(WorkflowError, match="已发布"):  # a second run changes nothing
        transition_apply_system(report_id=report.pk, action=Action.PUBLISH)
    assert ReportEvent.objects.filter(report=report, action="publish").count() == 1


def test_the_system_cannot_publish_a_report_in_review(report_in_review, final_reviewer):
    with pytest.raises(WorkflowError, match="初审中"):
        transition_apply_system(report_id=report_in_review.pk, action=Action.PUBLISH)
    with pytest.raises(WorkflowError):  # nor make any other move as the system
        transition_apply_system(report_id=report_in_review.pk, action=Action.RETURN)


def test_the_final_sign_off_queues_the_publication_after_commit(
    report_in_review, first_reviewer, second_reviewer, final_reviewer, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    fake = types.ModuleType("reports.publishing")
    fake.publish_enqueue = queued.append
    monkeypatch.setitem(sys.modules, "reports.publishing", fake)
    sign(report_in_review, first_reviewer)
    sign(report_in_review, second_reviewer)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        sign(report_in_review, final_reviewer)
    assert len(callbacks) == 1
    assert queued == [report_in_review.pk]


def test_without_the_publication_module_the_approval_only_logs_a_warning(
    report_in_review, first_reviewer, second_reviewer, final_reviewer, monkeypatch, caplog
):
    monkeypatch.setitem(sys.modules, "reports.publishing", None)  # import fails
    sign(report_in_review, first_reviewer)
    sign(report_in_review, second_reviewer)
    with caplog.at_level(logging.WARNING, logger="review.workflow"):
        sign(report_in_review, final_reviewer)
    assert Report.objects.get(pk=report_in_review.pk).status == Status.APPROVED
    assert "publish_enqueue is not available" in caplog.text


def test_the_final_reviewer_reopens_a_published_report_and_the_whole_chain_runs_again(
    report_in_review, first_reviewer, second_reviewer, final_reviewer, clerk_a
):
    report = approve(report_in_review, first_reviewer, second_reviewer, final_reviewer)
    transition_apply_system(report_id=report.pk, action=Action.PUBLISH)
    with pytest.raises(WorkflowError, match="原因"):
        report_reopen(report_id=report.pk, by=final_reviewer, note="")
    with pytest.raises(WorkflowError, match="没有权限"):
        report_reopen(report_id=report.pk, by=second_reviewer, note="更正")
    report = report_reopen(report_id=report.pk, by=final_reviewer, note="表二“行政许可”数字有误。")
    assert report.status == Status.RETURNED
    cells = {"t2.licensing.decisions": 5}
    report_save(report_id=report.pk, expected_version=report.version, cells=cells, by=clerk_a)
    report = report_submit(report_id=report.pk, by=clerk_a)
    assert current_round(report) == 2
    report_start_review(report_id=report.pk, by=first_reviewer)
    report = approve(report, first_reviewer, second_reviewer, final_reviewer)
    assert report.status == Status.APPROVED
    assert ReportRevision.objects.filter(report=report).count() == 2
    assert SignOff.objects.filter(report=report, round=2).count() == 3


def test_a_sign_action_without_its_sign_off_record_is_refused(report_in_review, first_reviewer):
    before = report_state(report_in_review)
    with pytest.raises(WorkflowError, match="缺少签署记录"):
        transition_apply(report_id=report_in_review.pk, action=Action.FIRST_APPROVE, by=first_reviewer)
    assert report_state(report_in_review) == before
    assert actions(report_in_review) == ["submit", "start_review"]
