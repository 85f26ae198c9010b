"""One report through the whole review chain in a real browser, with three reviewer personas.

Done-when 3 of issue 4: the first reviewer takes the submitted report, comments on one cell
and returns it; the agency sees the comment at the cell, answers and resolves it, corrects
the figure and resubmits; the first reviewer sees the difference (old → new) and signs; the
second and the final reviewer sign. Screenshots of the sign-off, diff, history and 审核表
pages are kept in ``test-artifacts/``. Done-when 4: the history lists every step in order.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from reports.models import Report
from review.models import Comment, ReportEvent, SignOff
from review.workflow import report_submit
from tests.browser.conftest import sign_in as sign_in_page
from tests.factories import (
    complete_cells,
    complete_texts,
    make_agency,
    make_clerk,
    make_district,
    make_report,
    make_user,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CELL = "t2.coercion.decisions"
CELL_ID = "#cell-t2-coercion-decisions"
ASPECTS = ("政治", "法律", "政策", "保密", "文字", "舆情")

WALK = [
    "submit",
    "start_review",
    "comment",
    "return",
    "comment_reply",
    "comment_resolve",
    "submit",
    "start_review",
    "first_approve",
    "second_approve",
    "approve",
]


@pytest.fixture
def cast(transactional_db):
    district = make_district("北京市朝阳区")
    agency = make_agency("北京市朝阳区南磨房地区办事处", district=district)
    clerk = make_clerk(agency, "clerk_nanmofang", full_name="南磨房填报人")
    first = make_user("chaoyang_first", full_name="王初审", district=district, is_first_reviewer=True)
    second = make_user("chaoyang_second", full_name="赵复审", district=district, is_second_reviewer=True)
    final = make_user("chaoyang_final", full_name="孙终审", district=district, is_final_reviewer=True)
    report = make_report(agency, cells=complete_cells(), texts=complete_texts(), by=clerk)
    report_submit(report_id=report.pk, by=clerk)
    return {"report": report, "clerk": clerk, "first": first, "second": second, "final": final}


@pytest.fixture
def sign_in(browser, live_server):
    """A page of a new browser context (its own cookies) signed in as ``user``."""
    contexts = []

    def open_as(user):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1000})
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # 确认签署 / 退回 / 提交
        sign_in_page(page, live_server.url, user.username)
        return page

    yield open_as
    for context in contexts:
        context.close()


def whole_page(page, path):
    """The whole page in one viewport, so the sticky panels sit where they belong."""
    size = page.viewport_size
    height = page.evaluate("() => document.documentElement.scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": height})
    page.screenshot(path=str(path))
    page.set_viewport_size(size)


def open_from_queue(page, live_server, report):
    page.goto(live_server.url + "/review/")
    expect(page.locator("h1")).to_have_text("我的审核队列")
    row = page.locator(f"#review-queue tr[data-report='{report.pk}']")
    expect(row).to_contain_text("北京市朝阳区南磨房地区办事处")
    expect(row).to_contain_text("2024年度")
    expect(row).to_contain_text("2025年1月31日")
    row.get_by_role("link", name=re.compile("审核")).click()
    expect(page.locator("h1")).to_have_text(report.title)


def sign_step(page, label: str, opinion: str):
    for aspect in ASPECTS:
        page.get_by_label(aspect, exact=True).check()
    page.locator("#opinion").fill(opinion)
    page.locator("#sign-button").click()
    expect(page.locator(".alert-success")).to_contain_text(f"已签署{label}")


def test_three_reviewers_walk_a_report_through_the_chain(live_server, cast, sign_in, artifacts):
    report = cast["report"]
    old_value = str(complete_cells()[CELL])

    # ── 初审, round 1: take the report, comment on one cell, return it. ──────────────────
    first = sign_in(cast["first"])
    open_from_queue(first, live_server, report)
    expect(first.locator("#report-status")).to_have_text("已提交")
    first.locator("#start-button").click()
    expect(first.locator("#report-status")).to_have_text("初审中")
    first.locator(CELL_ID).click()  # clicking a cell chooses it as the comment's place
    expect(first.locator("#comment-anchor")).to_have_value(f"cell:{CELL}")
    expect(first.locator("#comment-body")).to_be_focused()
    first.locator("#comment-body").fill("行政强制决定数与执法台账不符，请核对。")
    first.locator("#comment-button").click()
    group = first.locator("#comments-cell-t2-coercion-decisions")
    expect(group).to_contain_text("行政强制决定数与执法台账不符，请核对。")
    expect(group).to_contain_text("第1轮初审")
    first.locator("#opinion").fill("表二行政强制数请按批注核对后重新提交。")
    whole_page(first, artifacts / "review-return.png")
    first.locator("#return-button").click()
    expect(first.locator("#report-status")).to_have_text("已退回")

    # ── The agency: the comment in place; answer, resolve, correct, resubmit. ─────────────
    clerk = sign_in(cast["clerk"])
    clerk.goto(f"{live_server.url}/my/reports/{report.pk}/")
    expect(clerk.locator("#returned-notice")).to_contain_text("表二行政强制数请按批注核对后重新提交。")
    expect(clerk.locator("#returned-notice")).to_contain_text("1 条批注（未解决 1 条）")
    badge = clerk.locator(f"{CELL_ID} ~ a.comment-badge")
    expect(badge).to_have_text("批注")
    badge.click()
    comment = clerk.locator("#comments-cell-t2-coercion-decisions")
    expect(comment).to_be_in_viewport()
    expect(comment).to_contain_text("行政强制决定数与执法台账不符，请核对。")
    comment.get_by_label("答复此批注").fill("已核对执法台账，更正为 3 件。")
    comment.get_by_role("button", name="提交答复").click()
    expect(clerk.locator(".alert-success")).to_contain_text("已答复批注")
    # Answered is not resolved: an open comment blocks resubmission, and the page says why.
    expect(clerk.locator("#report-form")).to_have_attribute("data-ready", "true")
    expect(clerk.locator("#submit-button")).to_have_attribute("aria-disabled", "true")
    expect(clerk.locator("#submit-hint")).to_contain_text("还有 1 条审核批注未解决")
    clerk.locator("#comments-cell-t2-coercion-decisions").get_by_role("button", name="标为已解决").click()
    expect(clerk.locator("#comments-cell-t2-coercion-decisions")).to_contain_text("已解决（南磨房填报人")
    whole_page(clerk, artifacts / "review-agency-comments.png")
    expect(clerk.locator("#report-form")).to_have_attribute("data-ready", "true")
    clerk.locator(CELL_ID).fill("3")
    clerk.locator("#submit-button").click()
    expect(clerk.locator(".alert-success")).to_contain_text("报告已提交")
    expect(clerk.locator("#readonly-notice")).to_be_visible()

    # ── 初审, round 2: the difference from the returned round; sign. ─────────────────────
    open_from_queue(first, live_server, report)
    diff_row = first.locator(f"#diff-cells tr[data-cell='{CELL}']")
    expect(diff_row).to_contain_text("行政强制")
    expect(diff_row.locator("del")).to_have_text(old_value)
    expect(diff_row.locator("ins")).to_have_text("3")
    expect(first.locator(CELL_ID)).to_have_class(re.compile(r"\bis-changed\b"))
    first.locator("#diff-link").click()
    expect(first.locator("h1")).to_contain_text("修改对比")
    expect(first.locator("#diff")).to_contain_text("1 个单元格有修改")
    whole_page(first, artifacts / "review-diff.png")
    first.go_back()
    first.locator("#start-button").click()
    expect(first.locator("#report-status")).to_have_text("初审中")
    for aspect in ASPECTS:
        first.get_by_label(aspect, exact=True).check()
    first.locator("#opinion").fill("已核对更正，同意报送复审。")
    whole_page(first, artifacts / "review-signoff.png")
    first.locator("#sign-button").click()
    expect(first.locator(".alert-success")).to_contain_text("已签署初审")
    expect(first.locator("#report-status")).to_have_text("复审中")
    expect(first.locator("#cannot-act")).to_be_visible()  # the first reviewer cannot sign 复审

    # ── 复审 and 终审 by two other people. ─────────────────────────────────────────────
    second = sign_in(cast["second"])
    open_from_queue(second, live_server, report)
    expect(second.locator("#comments-cell-t2-coercion-decisions")).to_contain_text("已核对执法台账，更正为 3 件。")
    sign_step(second, "复审", "同意。")
    expect(second.locator("#report-status")).to_have_text("终审中")

    final = sign_in(cast["final"])
    open_from_queue(final, live_server, report)
    sign_step(final, "终审", "同意公开。")
    expect(final.locator("#report-status")).to_have_text(re.compile("已通过|已发布"))
    expect(final.locator("#round-signoffs li")).to_have_count(3)
    whole_page(final, artifacts / "review-signoff-final.png")

    # ── The history lists every step in order. ────────────────────────────────────────
    final.goto(f"{live_server.url}/review/reports/{report.pk}/history/")
    actions = final.locator("#audit-log tbody tr").evaluate_all("rows => rows.map(r => r.dataset.action)")
    assert actions[: len(WALK)] == WALK
    assert actions[len(WALK) :] in ([], ["publish"])  # the publication may already have run
    expect(final.locator("#audit-log")).to_contain_text("表二行政强制数请按批注核对后重新提交。")
    whole_page(final, artifacts / "review-history.png")

    # ── The 审核表 with the three signatures. ────────────────────────────────────────────
    final.goto(f"{live_server.url}/review/reports/{report.pk}/sheet/")
    for step, name in (("first", "王初审"), ("second", "赵复审"), ("final", "孙终审")):
        expect(final.locator(f"tr[data-step='{step}'] .sheet-signature")).to_contain_text(name)
    expect(final.locator("#sheet-result")).to_contain_text("三名审核人分别签署")
    final.screenshot(path=str(artifacts / "review-signoff-sheet.png"), full_page=True)

    # ── And in the database. ──────────────────────────────────────────────────────────
    report.refresh_from_db()
    assert report.status in (Report.Status.APPROVED, Report.Status.PUBLISHED)
    assert report.cells[CELL] == 3
    logged = list(ReportEvent.objects.filter(report=report).order_by("pk").values_list("action", flat=True))
    assert logged[: len(WALK)] == WALK
    signoffs = SignOff.objects.filter(report=report, round=2).order_by("pk")
    assert [s.reviewer.username for s in signoffs] == ["chaoyang_first", "chaoyang_second", "chaoyang_final"]
    assert all(s.ip_address == "127.0.0.1" for s in signoffs)
    comment = Comment.objects.get(report=report)
    assert comment.reply == "已核对执法台账，更正为 3 件。" and comment.is_resolved
