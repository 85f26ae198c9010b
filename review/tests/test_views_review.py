"""The sign-off page and its forms: start, sign, return, comment, reopen; who may open it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from reports import standard
from reports.models import Report
from review.models import Action, Comment, ReportEvent, SignOff
from review.tests.personas import approve, sign
from review.workflow import report_return, report_start_review, report_submit, transition_apply_system
from tests.factories import complete_cells, complete_texts, make_report, report_state
from tests.personas import client_for

pytestmark = pytest.mark.django_db

Status = Report.Status
ASPECTS = ["政治", "法律", "政策", "保密", "文字", "舆情"]


def page_url(report) -> str:
    return reverse("review:report", args=[report.pk])


def decide(client, report, **data):
    data.setdefault("step", Report.objects.get(pk=report.pk).status)
    return client.post(reverse("review:decide", args=[report.pk]), data)


# ── The page ────────────────────────────────────────────────────────────────────────────


def test_the_page_shows_the_whole_report_in_the_official_layout_read_only(report_in_review, first_reviewer):
    response = client_for(first_reviewer).get(page_url(report_in_review))
    assert response.status_code == 200
    html = response.content.decode()
    values = re.findall(r'<span class="cell-value[^"]*" id="cell-[^"]+" aria-label="[^"]+" data-code="([^"]+)"', html)
    assert values == list(standard.CELL_CODES)
    assert "<input" not in html.split('id="review-panel"')[0].split("<main")[1]  # nothing to edit in the report
    assert '<th scope="col" colspan="5">法人或其他组织</th>' in html
    assert 'rowspan="22">三、本年度办理结果</th>' in html
    for text in standard.STANDARD.texts:
        assert f'id="text-{text.key}" data-anchor="text:{text.key}"' in html
    assert complete_texts()["problems"].splitlines()[0].strip()[:20] in html


def test_the_page_has_the_checklist_the_opinion_and_sign_or_return(report_in_review, first_reviewer):
    html = client_for(first_reviewer).get(page_url(report_in_review)).content.decode()
    assert re.findall(r'name="aspects" value="([^"]+)"', html) == ASPECTS
    assert 'name="opinion"' in html
    assert re.search(r'id="sign-button"[^>]*>签署初审</button>', html)
    assert re.search(r'id="return-button"[^>]*>退回机关修改</button>', html)
    assert 'id="comment-form"' in html


def test_the_page_has_no_inline_script_style_or_event_handler(report_in_review, first_reviewer):
    html = client_for(first_reviewer).get(page_url(report_in_review)).content.decode()
    for attributes in re.findall(r"<script([^>]*)>", html):
        assert "src=" in attributes or 'type="application/json"' in attributes
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


def warning_report(agency, clerk, first_reviewer):
    cells = complete_cells()
    cells["t3.other_handling.unpaid_fee.natural"] = 1
    cells["t3.other_handling.unpaid_fee.total"] = 1
    cells["t3.other_handling.other.natural"] = 4
    cells["t3.other_handling.other.total"] = 4
    key = "T6-FEE-NOTICES|t3.other_handling.unpaid_fee.total,t6.fee_notices|"
    report = make_report(agency, cells=cells, texts=complete_texts(), explanations={key: "收费通知由政务中心<代发>。"})
    report_submit(report_id=report.pk, by=clerk)
    report_start_review(report_id=report.pk, by=first_reviewer)
    return Report.objects.get(pk=report.pk), key


def test_each_warning_shows_the_agencys_explanation_and_accept_or_reject(agency_a, clerk_a, first_reviewer):
    report, key = warning_report(agency_a, clerk_a, first_reviewer)
    html = client_for(first_reviewer).get(page_url(report)).content.decode()
    item = html.split(f'data-key="{key}"')[1].split("</li>")[0]
    assert "发出收费通知的件数" in item
    assert "机关说明：</span>收费通知由政务中心&lt;代发&gt;。" in item
    assert f'name="verdict:{key}" value="accepted"' in item
    assert f'name="verdict:{key}" value="rejected"' in item
    assert 'form="decision-form"' in item
    assert 'class="cell-value is-flagged" id="cell-t6-fee_notices"' in html


def test_a_reviewer_of_another_step_sees_the_report_but_cannot_act(report_in_review, second_reviewer):
    html = client_for(second_reviewer).get(page_url(report_in_review)).content.decode()
    assert 'id="cannot-act"' in html
    assert "只有本区的初审人可以签署或退回" in html
    assert 'id="decision-form"' not in html
    assert 'id="comment-form"' not in html


def test_who_signed_the_first_step_sees_why_they_cannot_sign_the_second(report_in_review, all_roles_reviewer):
    sign(report_in_review, all_roles_reviewer)

    html = client_for(all_roles_reviewer).get(page_url(report_in_review)).content.decode()

    # They may still return (returning is not signing), so the form is there, without the
    # sign button, and the reason stands where the button would be.
    form = html.split('id="decision-form"')[1].split("</form>")[0]
    assert 'id="return-button"' in form and 'id="sign-button"' not in form
    reason = form.split('id="cannot-sign"')[1].split("</p>")[0]
    assert "同一人不能签署同一轮的两个环节" in reason
    assert "您已签署本轮的初审" in reason and "复审须由其他审核人签署" in reason


def test_who_may_open_the_page(report_in_review, clerk_a, clerk_b, reviewer_y, anonymous_client, district_admin):
    url = page_url(report_in_review)
    assert client_for(clerk_a).get(url).status_code == 403  # the agency has its editing page
    assert client_for(clerk_b).get(url).status_code == 404
    assert client_for(reviewer_y).get(url).status_code == 404
    assert client_for(district_admin).get(url).status_code == 200
    response = anonymous_client.get(url)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_the_publication_status_is_included_when_the_template_exists(report_in_review, first_reviewer):
    response = client_for(first_reviewer).get(page_url(report_in_review))
    assert response.context["publication_status_template"] == "reports/_publication_status.html"


# ── Actions ─────────────────────────────────────────────────────────────────────────────


def test_a_first_reviewer_starts_the_review_of_a_submitted_report(agency_a, clerk_a, first_reviewer):
    report = make_report(agency_a, cells=complete_cells(), texts=complete_texts())
    report_submit(report_id=report.pk, by=clerk_a)
    client = client_for(first_reviewer)
    assert 'id="start-button"' in client.get(page_url(report)).content.decode()
    response = client.post(reverse("review:start", args=[report.pk]), REMOTE_ADDR="10.9.8.7")
    assert response.status_code == 302
    assert Report.objects.get(pk=report.pk).status == Status.FIRST_REVIEW
    event = ReportEvent.objects.filter(report=report).latest("pk")
    assert (event.action, event.ip_address) == (Action.START_REVIEW, "10.9.8.7")


def test_signing_records_the_sign_off_with_the_address(report_in_review, first_reviewer):
    client = client_for(first_reviewer)
    response = decide(client, report_in_review, decision="sign", aspects=ASPECTS, opinion="同意报送。")
    assert response.status_code == 302
    assert Report.objects.get(pk=report_in_review.pk).status == Status.SECOND_REVIEW
    signoff = SignOff.objects.get()
    assert (signoff.reviewer, signoff.opinion, signoff.ip_address) == (first_reviewer, "同意报送。", "127.0.0.1")
    assert "已签署初审" in client.get(page_url(report_in_review)).content.decode()


def test_a_refused_sign_off_keeps_what_the_reviewer_entered(report_in_review, first_reviewer):
    before = report_state(report_in_review)
    response = decide(
        client_for(first_reviewer), report_in_review, decision="sign", aspects=ASPECTS[:4], opinion="同意报送。"
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "尚未确认“文字、舆情”" in html
    assert ">同意报送。</textarea>" in html
    assert 'value="政治" id="aspect-1" checked' in html
    assert 'value="舆情" id="aspect-6">' in html
    assert report_state(report_in_review) == before
    assert not SignOff.objects.exists()


def test_a_rejected_explanation_blocks_signing_and_is_kept_on_the_page(agency_a, clerk_a, first_reviewer):
    report, key = warning_report(agency_a, clerk_a, first_reviewer)
    data = {"decision": "sign", "aspects": ASPECTS, "opinion": "同意。", f"verdict:{key}": "rejected"}
    response = decide(client_for(first_reviewer), report, **data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "1 条警告的说明未被接受" in html
    assert f'name="verdict:{key}" value="rejected" id="verdict-1-rejected" checked' in html
    data[f"verdict:{key}"] = "accepted"
    assert decide(client_for(first_reviewer), report, **data).status_code == 302
    assert SignOff.objects.get().explanation_verdicts[key]["verdict"] == "accepted"


def test_returning_needs_a_reason(report_in_review, first_reviewer):
    client = client_for(first_reviewer)
    response = decide(client, report_in_review, decision="return", opinion="")
    assert response.status_code == 409
    assert "请填写“退回修改”的原因" in response.content.decode()
    assert Report.objects.get(pk=report_in_review.pk).status == Status.FIRST_REVIEW
    response = decide(client, report_in_review, decision="return", opinion="表三请核对。")
    assert response.status_code == 302
    assert Report.objects.get(pk=report_in_review.pk).status == Status.RETURNED


def test_a_post_from_a_page_of_an_earlier_step_does_nothing(report_in_review, first_reviewer, all_roles_reviewer):
    sign(report_in_review, first_reviewer)
    before = report_state(report_in_review)
    response = decide(
        client_for(all_roles_reviewer),
        report_in_review,
        step=Status.FIRST_REVIEW,
        decision="return",
        opinion="旧页面上的退回",
    )
    assert response.status_code == 409
    assert report_state(report_in_review) == before


def test_an_invalid_form_signs_nothing(report_in_review, first_reviewer):
    response = decide(client_for(first_reviewer), report_in_review, decision="approve-all", step="approved")
    assert response.status_code == 400
    assert not SignOff.objects.exists()


def test_the_sign_off_endpoints_take_only_post(report_in_review, first_reviewer):
    client = client_for(first_reviewer)
    for name in ("review:start", "review:decide", "review:comment", "review:reopen"):
        assert client.get(reverse(name, args=[report_in_review.pk])).status_code == 405


def test_a_clerk_cannot_sign_through_the_url(report_in_review, clerk_a):
    response = decide(client_for(clerk_a), report_in_review, decision="sign", aspects=ASPECTS, opinion="同意")
    assert response.status_code == 403
    assert not SignOff.objects.exists()


# ── Comments ────────────────────────────────────────────────────────────────────────────


def test_a_reviewer_comments_on_a_cell_and_sees_it_in_place(report_in_review, first_reviewer):
    client = client_for(first_reviewer)
    response = client.post(
        reverse("review:comment", args=[report_in_review.pk]),
        {"anchor": "cell:t3.new.natural", "body": "新收申请数与正文<不一致>？"},
    )
    comment = Comment.objects.get()
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    assert (comment.anchor_kind, comment.anchor_code, comment.round, comment.step) == (
        "cell",
        "t3.new.natural",
        1,
        "first",
    )
    html = client.get(page_url(report_in_review)).content.decode()
    group = html.split('id="comments-cell-t3-new-natural"')[1].split("</ul>")[0]
    assert "新收申请数与正文&lt;不一致&gt;？" in group
    assert 'href="#comments-cell-t3-new-natural"' in html  # the badge at the cell
    event = ReportEvent.objects.filter(report=report_in_review).latest("pk")
    assert event.action == Action.COMMENT
    assert event.note == "表三·一、本年新收政府信息公开申请数量·自然人：新收申请数与正文<不一致>？"


@pytest.mark.parametrize(
    ("anchor", "group_id"),
    [("table:t4", "comments-table-t4"), ("text:problems", "comments-text-problems")],
)
def test_a_comment_on_a_table_or_a_text_part(anchor, group_id, report_in_review, first_reviewer):
    client = client_for(first_reviewer)
    client.post(reverse("review:comment", args=[report_in_review.pk]), {"anchor": anchor, "body": "请补充。"})
    assert f'id="{group_id}"' in client.get(page_url(report_in_review)).content.decode()


def test_a_comment_needs_a_place_and_a_text(report_in_review, first_reviewer):
    client = client_for(first_reviewer)
    url = reverse("review:comment", args=[report_in_review.pk])
    assert client.post(url, {"anchor": "", "body": "x"}).status_code == 400
    assert client.post(url, {"anchor": "cell:t9.nothing", "body": "x"}).status_code == 400
    assert client.post(url, {"anchor": "table:t3", "body": ""}).status_code == 400
    assert not Comment.objects.exists()


def test_only_the_current_steps_reviewer_comments(report_in_review, second_reviewer):
    response = client_for(second_reviewer).post(
        reverse("review:comment", args=[report_in_review.pk]), {"anchor": "table:t3", "body": "x"}
    )
    assert response.status_code == 302
    assert not Comment.objects.exists()


# ── Reopen ──────────────────────────────────────────────────────────────────────────────


def test_the_final_reviewer_reopens_a_published_report(
    report_in_review, first_reviewer, second_reviewer, final_reviewer
):
    report = approve(report_in_review, first_reviewer, second_reviewer, final_reviewer)
    transition_apply_system(report_id=report.pk, action=Action.PUBLISH)
    client = client_for(final_reviewer)
    assert 'id="reopen-form"' in client.get(page_url(report)).content.decode()
    client.post(reverse("review:reopen", args=[report.pk]), {"reason": ""})
    assert Report.objects.get(pk=report.pk).status == Status.PUBLISHED
    client.post(reverse("review:reopen", args=[report.pk]), {"reason": "表二数字有误。"})
    assert Report.objects.get(pk=report.pk).status == Status.RETURNED
    assert ReportEvent.objects.filter(report=report).latest("pk").note == "表二数字有误。"


# ── What changed ────────────────────────────────────────────────────────────────────────


def test_after_a_resubmission_the_page_and_the_diff_page_show_what_changed(report_in_review, first_reviewer, clerk_a):
    from reports.editing import report_save

    report_return(report_id=report_in_review.pk, by=first_reviewer, note="请核对。")
    report = Report.objects.get(pk=report_in_review.pk)
    texts = dict(report.texts)
    texts["other_matters"] = texts["other_matters"] + "\n另：<script>不执行</script>。"
    report_save(
        report_id=report.pk,
        expected_version=report.version,
        cells={"t2.coercion.decisions": 7},
        texts={"other_matters": texts["other_matters"]},
        by=clerk_a,
    )
    report_submit(report_id=report.pk, by=clerk_a)
    report_start_review(report_id=report.pk, by=first_reviewer)
    client = client_for(first_reviewer)
    html = client.get(page_url(report)).content.decode()
    assert 'id="diff-title">本轮修改：与退回的第 1 轮相比' in html
    assert 'class="cell-value is-changed" id="cell-t2-coercion-decisions"' in html
    diff_html = client.get(reverse("review:diff", args=[report.pk])).content.decode()
    row = diff_html.split('data-cell="t2.coercion.decisions"')[1].split("</tr>")[0]
    old = complete_cells()["t2.coercion.decisions"]
    assert f"<del>{old}</del>" in row
    assert "<ins>7</ins>" in row
    assert "<ins>\n另：&lt;script&gt;不执行&lt;/script&gt;。</ins>" in diff_html
    assert "<script>不执行" not in diff_html


def test_the_diff_page_of_a_first_round_says_there_is_nothing_to_compare(report_in_review, first_reviewer):
    html = client_for(first_reviewer).get(reverse("review:diff", args=[report_in_review.pk])).content.decode()
    assert 'id="diff-none"' in html
