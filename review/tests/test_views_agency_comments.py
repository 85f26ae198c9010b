"""The agency's side of the comments: on its editing page, in place, when the report comes
back; it answers or resolves them; every comment, answer and resolve is in the log."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from reports.models import Report
from review import services
from review.models import Action, Comment, ReportEvent
from review.workflow import report_return, report_submit
from tests.personas import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def returned_report(report_in_review, first_reviewer):
    """In first review, with a comment on a cell, on table 四 and on part 五, then returned."""
    for kind, code, body in (
        ("cell", "t3.new.natural", "新收申请数与正文所述不一致，请核对。"),
        ("table", "t4", "行政复议数字请与复议机关核对。"),
        ("text", "problems", "问题部分过于简略。"),
    ):
        services.comment_add(
            report_id=report_in_review.pk, by=first_reviewer, anchor_kind=kind, anchor_code=code, body=body
        )
    return report_return(report_id=report_in_review.pk, by=first_reviewer, note="请按批注修改后重新提交。")


def resolve_all(report, clerk) -> None:
    """An open comment blocks resubmission (issue 14): the agency settles each one first."""
    for comment in Comment.objects.filter(report=report, resolved_at__isnull=True):
        services.comment_resolve(comment_id=comment.pk, by=clerk)


def edit_page(client, report) -> str:
    return client.get(reverse("reports:edit", args=[report.pk])).content.decode()


def test_the_agency_sees_the_reason_and_each_comment_where_it_belongs(returned_report, clerk_a_client):
    html = edit_page(clerk_a_client, returned_report)
    notice = html.split('id="returned-notice"')[1].split("</div>")[0]
    assert "请按批注修改后重新提交。" in notice
    assert "3 条批注（未解决 3 条）" in notice
    # The cell: a badge at the input, the comment under its table.
    cell = html.split('id="cell-t3-new-natural"')[1].split("</td>")[0]
    assert 'href="#comments-cell-t3-new-natural"' in cell
    part3 = html.split('id="part-3"')[1].split("</section>")[0]
    assert 'id="comments-cell-t3-new-natural"' in part3
    assert "新收申请数与正文所述不一致" in part3
    part4 = html.split('id="part-4"')[1].split("</section>")[0]
    assert 'id="comments-table-t4"' in part4
    part5 = html.split('id="part-5"')[1].split("</section>")[0]
    assert 'id="comments-text-problems"' in part5 and "问题部分过于简略" in part5


def test_the_answer_forms_sit_outside_the_report_form(returned_report, clerk_a_client):
    html = edit_page(clerk_a_client, returned_report)
    report_form = html.split('<form id="report-form"')[1].split("</form>")[0]
    assert "<form" not in report_form  # no nested form
    comment = Comment.objects.get(anchor_kind="table")
    assert f'form="reply-form-{comment.pk}"' in report_form
    after = html.split('<form id="report-form"')[1].split("</form>", 1)[1]
    assert f'<form id="reply-form-{comment.pk}" method="post"' in after
    assert f'<form id="resolve-form-{comment.pk}" method="post"' in after


def test_the_editing_page_still_has_no_inline_script_or_style(returned_report, clerk_a_client):
    html = edit_page(clerk_a_client, returned_report)
    for attributes in re.findall(r"<script([^>]*)>", html):
        assert "src=" in attributes or 'type="application/json"' in attributes
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


def test_the_agency_answers_and_resolves_a_comment(returned_report, clerk_a, clerk_a_client):
    comment = Comment.objects.get(anchor_kind="cell")
    response = clerk_a_client.post(
        reverse("review:comment_reply", args=[comment.pk]), {"body": "已核对，正文改为 11 件。"}, REMOTE_ADDR="10.0.0.8"
    )
    assert response["Location"] == reverse("reports:edit", args=[returned_report.pk]) + f"#comment-{comment.pk}"
    clerk_a_client.post(reverse("review:comment_resolve", args=[comment.pk]))
    comment.refresh_from_db()
    assert comment.reply == "已核对，正文改为 11 件。"
    assert comment.replied_by == clerk_a
    assert comment.is_resolved and comment.resolved_by == clerk_a
    events = ReportEvent.objects.filter(report=returned_report).order_by("pk")
    assert [e.action for e in events][-2:] == [Action.COMMENT_REPLY, Action.COMMENT_RESOLVE]
    reply = events.get(action=Action.COMMENT_REPLY)
    assert (reply.actor, reply.ip_address, reply.from_status, reply.to_status) == (
        clerk_a,
        "10.0.0.8",
        "returned",
        "returned",
    )
    assert not reply.is_transition
    html = edit_page(clerk_a_client, returned_report)
    assert "已核对，正文改为 11 件。" in html
    assert "2 条）" in html.split('id="returned-notice"')[1].split("</div>")[0]  # 2 unresolved left


def test_the_reviewer_sees_the_answer_after_resubmission(returned_report, clerk_a, clerk_a_client, first_reviewer):
    comment = Comment.objects.get(anchor_kind="text")
    clerk_a_client.post(reverse("review:comment_reply", args=[comment.pk]), {"body": "已补充三条具体问题。"})
    resolve_all(returned_report, clerk_a)
    report_submit(report_id=returned_report.pk, by=clerk_a)
    html = client_for(first_reviewer).get(reverse("review:report", args=[returned_report.pk])).content.decode()
    group = html.split('id="comments-text-problems"')[1].split("</ul>")[0]
    assert "问题部分过于简略" in group and "已补充三条具体问题。" in group
    assert "第1轮初审" in group


def test_only_the_agency_answers_and_only_while_the_report_is_returned(
    returned_report, clerk_a, clerk_b_client, reviewer_client, clerk_a_client
):
    comment = Comment.objects.get(anchor_kind="cell")
    assert clerk_b_client.post(reverse("review:comment_reply", args=[comment.pk]), {"body": "x"}).status_code == 404
    reviewer_client.post(reverse("review:comment_reply", args=[comment.pk]), {"body": "x"})
    reviewer_client.post(reverse("review:comment_resolve", args=[comment.pk]))
    comment.refresh_from_db()
    assert comment.reply == "" and not comment.is_resolved
    assert not ReportEvent.objects.filter(action__in=[Action.COMMENT_REPLY, Action.COMMENT_RESOLVE]).exists()
    resolve_all(returned_report, clerk_a)
    report_submit(report_id=returned_report.pk, by=clerk_a)
    clerk_a_client.post(reverse("review:comment_reply", args=[comment.pk]), {"body": "提交后再答复"})
    comment.refresh_from_db()
    assert comment.reply == ""
    assert not ReportEvent.objects.filter(action=Action.COMMENT_REPLY).exists()


def test_a_draft_shows_no_review_notice(complete_report, clerk_a_client):
    html = edit_page(clerk_a_client, complete_report)
    assert 'id="returned-notice"' not in html
    assert "comment-group" not in html
    assert Report.objects.get(pk=complete_report.pk).status == "draft"
