"""Every screen of issue 14, on a desk (1440 px) and on a phone (390 px), with screenshots
kept in ``test-artifacts/`` (``screen-<what>-<desktop|phone>.png``).

The clerk: one sum error marks where its result sits, not a whole column, and its message
stands under the table; "00" is refused with a Chinese reason. The reviewers: the reason why
a person who signed 初审 cannot sign 复审. The district office: the navbar on one line, the
board's filters styled. The public: the listing's filters fold and its table reads on a
phone; table 三 of a report page scrolls sideways with its row labels held at the left.
(Table 四 and the keyboard: ``test_accessibility.py``; open comments blocking resubmission:
``test_review_walk.py``.)
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from reports.tests.publishing_fixtures import approved_report, publish
from review.tests.district_fixtures import YEAR, district_in_every_state
from tests.browser.conftest import sign_in
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

WIDTHS = {"desktop": 1440, "phone": 390}


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def screen(request, browser):
    width = WIDTHS[request.param]
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 1000 if width > 500 else 844})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.screen_name = request.param
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    context.close()


def shot(page, artifacts, what):
    page.screenshot(path=str(artifacts / f"screen-{what}-{page.screen_name}.png"))


def wait_for_check(page):
    busy = "() => document.getElementById('check-busy').classList.contains('d-none')"
    page.wait_for_function(busy)
    page.wait_for_timeout(400)  # the debounce of the last keystroke, then its answer
    page.wait_for_function(busy)


# ── The clerk ───────────────────────────────────────────────────────────────────────────


@pytest.fixture
def clerk_and_draft(transactional_db):
    agency = make_agency("北京市朝阳区南磨房地区办事处", district=make_district("北京市朝阳区"))
    clerk = make_clerk(agency, "clerk_nanmofang", full_name="南磨房填报人")
    return clerk, make_report(agency, cells=complete_cells(), texts=complete_texts(), by=clerk)


def test_one_sum_error_marks_its_result_and_says_so_under_the_table(live_server, screen, clerk_and_draft, artifacts):
    page = screen
    clerk, draft = clerk_and_draft
    sign_in(page, live_server.url, clerk.username)
    page.goto(f"{live_server.url}/my/reports/{draft.pk}/")
    expect(page.locator("#report-form")).to_have_attribute("data-ready", "true")

    # One more 予以公开 for natural persons, its row total raised too: the two columns'
    # （七）总计 no longer add up (T3-HANDLED-TOTAL twice), nothing else.
    values = complete_cells()
    for code in ("t3.disclosed.natural", "t3.disclosed.total"):
        page.locator("#cell-" + code.replace(".", "-")).fill(str(values[code] + 1))
    wait_for_check(page)
    expect(page.locator("#check-errors li")).to_have_count(2)
    # Strongly: only the two cells the results sit in; lightly: the 21 others of each column.
    strong = page.locator("#table-t3 input.is-invalid")
    expect(strong).to_have_count(2)
    assert sorted(strong.evaluate_all("els => els.map(e => e.dataset.code)")) == [
        "t3.handled_total.natural",
        "t3.handled_total.total",
    ]
    expect(page.locator("#table-t3 input.is-related")).to_have_count(42)
    expect(page.locator("#table-t3 [aria-invalid=true]")).to_have_count(2)
    # The messages under the table, each linking to its result cell.
    listed = page.locator("#table-msgs-t3 li[data-rule='T3-HANDLED-TOTAL']")
    expect(listed).to_have_count(2)
    expect(listed.first).to_contain_text("（七）总计·自然人")
    expect(listed.first.locator("a")).to_have_attribute("href", "#cell-t3-handled_total-natural")
    expect(page.locator("#check-errors a").first).to_have_attribute("href", "#cell-t3-handled_total-natural")
    listed.first.locator("a").click()
    result = page.locator("#cell-t3-handled_total-natural")
    expect(result).to_be_focused()
    expect(result).to_be_in_viewport()
    # The focused cell's popup is not clipped by the table's box (the last rows of 三).
    page.mouse.move(1, 1)  # a pointed-at cell shows its own popup instead
    popup = page.locator("#msg-cell-t3-handled_total-natural")
    expect(popup).to_be_visible()
    box = popup.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= page.viewport_size["height"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
    shot(page, artifacts, "editor-sum-error")

    # "00" is refused with a Chinese reason, not taken as 0.
    page.locator("#cell-t6-fee_notices").fill("00")
    wait_for_check(page)
    reason = page.locator("#table-msgs-t6 li[data-rule='CELL-INVALID']")
    expect(reason).to_contain_text("不能以 0 开头")
    expect(page.locator("#cell-t6-fee_notices")).to_have_attribute("aria-invalid", "true")
    reason.scroll_into_view_if_needed()
    shot(page, artifacts, "editor-leading-zero")


def test_table_3_of_the_editor_keeps_its_row_labels_and_the_focused_cell_in_view(
    live_server, screen, clerk_and_draft, artifacts
):
    page = screen
    clerk, draft = clerk_and_draft
    sign_in(page, live_server.url, clerk.username)
    page.goto(f"{live_server.url}/my/reports/{draft.pk}/")
    expect(page.locator("#report-form")).to_have_attribute("data-ready", "true")
    label = page.locator("#table-t3 th.row-label", has_text="本年新收政府信息公开申请数量")
    uncovered = """([cell, label]) => cell.getBoundingClientRect().left >= label.getBoundingClientRect().right - 1
      && cell.getBoundingClientRect().right <= cell.closest('.report-table-wrap').getBoundingClientRect().right + 1"""
    page.locator("#cell-t3-new-total").focus()  # the last column: on a phone the box scrolls right
    for code in ("total", "other", "legal", "nonprofit", "research", "business", "natural"):
        cell = page.locator(f"#cell-t3-new-{code}")
        expect(cell).to_be_focused()
        assert page.evaluate(uncovered, [cell.element_handle(), label.element_handle()]), code
        expect(label).to_be_in_viewport()
        page.keyboard.press("Shift+Tab")
        page.wait_for_timeout(50)
    page.locator("#cell-t3-new-total").focus()
    shot(page, artifacts, "editor-table3")


@pytest.fixture
def returned_with_comment(clerk_and_draft):
    from review.services import comment_add
    from review.workflow import report_return, report_start_review, report_submit

    clerk, draft = clerk_and_draft
    first = make_user("zhao_first", full_name="赵初审", district=draft.agency.district, is_first_reviewer=True)
    report_submit(report_id=draft.pk, by=clerk)
    report_start_review(report_id=draft.pk, by=first)
    comment_add(
        report_id=draft.pk, by=first, anchor_kind="cell", anchor_code="t2.coercion.decisions", body="请核对执法台账。"
    )
    report_return(report_id=draft.pk, by=first, note="请按批注核对。")
    return clerk, draft


def test_an_open_comment_disables_resubmission_and_says_why(live_server, screen, returned_with_comment, artifacts):
    page = screen
    clerk, report = returned_with_comment
    sign_in(page, live_server.url, clerk.username)
    page.goto(f"{live_server.url}/my/reports/{report.pk}/")
    expect(page.locator("#report-form")).to_have_attribute("data-ready", "true")
    button = page.locator("#submit-button")
    expect(button).to_have_attribute("aria-disabled", "true")
    expect(page.locator("#submit-hint")).to_contain_text("还有 1 条审核批注未解决")
    button.focus()
    page.keyboard.press("Enter")  # refused in the page: the notice listing the comments takes the focus
    expect(page.locator("#returned-notice")).to_be_focused()
    expect(page.locator("#report-status")).to_have_text("已退回")
    shot(page, artifacts, "editor-open-comment")


# ── The reviewers ───────────────────────────────────────────────────────────────────────


@pytest.fixture
def signed_first(clerk_and_draft):
    from review.services import checklist_aspects, signoff_sign
    from review.workflow import report_start_review, report_submit

    clerk, draft = clerk_and_draft
    both = make_user(
        "wang_both",
        full_name="王初复审",
        district=draft.agency.district,
        is_first_reviewer=True,
        is_second_reviewer=True,
    )
    report_submit(report_id=draft.pk, by=clerk)
    report_start_review(report_id=draft.pk, by=both)
    aspects = checklist_aspects(draft.agency.district)
    signoff_sign(
        report_id=draft.pk, step_status="first_review", by=both, checked_aspects=aspects, opinion="同意。", verdicts={}
    )
    return both, draft


def test_who_signed_the_first_step_reads_why_there_is_no_sign_button(live_server, screen, signed_first, artifacts):
    page = screen
    person, report = signed_first
    sign_in(page, live_server.url, person.username)
    page.goto(f"{live_server.url}/review/reports/{report.pk}/")
    expect(page.locator("#report-status")).to_have_text("复审中")
    expect(page.locator("#sign-button")).to_have_count(0)
    expect(page.locator("#return-button")).to_be_visible()  # returning is not signing
    reason = page.locator("#cannot-sign")
    expect(reason).to_contain_text("同一人不能签署同一轮的两个环节")
    expect(reason).to_contain_text("您已签署本轮的初审")
    reason.scroll_into_view_if_needed()
    shot(page, artifacts, "review-cannot-sign")


# ── The district office ─────────────────────────────────────────────────────────────────


@pytest.fixture
def office(transactional_db):
    district = make_district("北京市朝阳区")
    district_in_every_state(district)
    return make_user("chaoyang_admin", full_name="朝阳区政务公开办管理员", district=district, is_district_admin=True)


def test_the_district_office_reads_years_deadlines_and_what_is_missing(live_server, screen, office, artifacts):
    """全区报告: a published report is never overdue, a draft past the deadline is; the board's
    dates carry their year; the aggregate of a year without reports says what is missing in
    one line per agency, not one error per cell."""
    page = screen
    sign_in(page, live_server.url, office.username)
    page.goto(f"{live_server.url}/review/district/?year={YEAR}")
    published = page.locator("tr[data-report]", has_text="壬已发布机关")
    expect(published).to_be_visible()
    expect(published).not_to_contain_text("已逾期")
    expect(page.locator("tr[data-report]", has_text="乙草稿机关")).to_contain_text("逾期")
    shot(page, artifacts, "district-overview")

    page.goto(f"{live_server.url}/review/district/board/?year={YEAR}")
    expect(page.locator("tr", has_text="丁已提交机关").first).to_contain_text(re.compile(rf"{YEAR + 1}年1月20日"))

    page.goto(f"{live_server.url}/review/district/aggregate/?year={YEAR - 2}")
    shortfalls = page.locator("#aggregate-shortfalls")
    expect(shortfalls).to_contain_text("尚无可汇总的报告")
    agencies = office.district.agencies.count()
    expect(shortfalls.locator("li")).to_have_count(agencies)
    expect(page.locator("body")).not_to_contain_text("个错误")
    shot(page, artifacts, "district-aggregate-empty")


def test_the_district_navbar_and_board_filters(live_server, screen, office, artifacts):
    page = screen
    sign_in(page, live_server.url, office.username)
    page.goto(f"{live_server.url}/review/district/board/?year={YEAR}")
    nav = page.locator("nav.navbar")
    if page.screen_name == "desktop":
        # Every label on one line: the bar is one line high.
        heights = page.locator("nav.navbar .nav-link").evaluate_all("els => els.map(e => e.offsetHeight)")
        assert heights and max(heights) < 45, heights
        assert nav.bounding_box()["height"] < 70
        page.locator("#user-menu").click()
        expect(page.locator("#user-roles")).to_contain_text("区政务公开办管理员")
        expect(page.get_by_role("button", name="退出")).to_be_visible()
        page.keyboard.press("Escape")
    else:
        expect(page.locator(".navbar-toggler")).to_be_visible()
        assert nav.bounding_box()["height"] < 80
    # The filters are Bootstrap controls, each label above its control.
    for selector in ("#id_year", "#id_flag", "#id_kind"):
        expect(page.locator(selector)).to_have_class(re.compile(r"\bform-select\b"))
    expect(page.locator("#id_q")).to_have_class(re.compile(r"\bform-control\b"))
    expect(page.locator("#board-filter input[type=checkbox]").first).to_have_class(re.compile(r"\bform-check-input\b"))
    label, control = page.locator("label[for=id_kind]").bounding_box(), page.locator("#id_kind").bounding_box()
    assert label["y"] + label["height"] <= control["y"] + 1
    page.locator("#board-filter").scroll_into_view_if_needed()
    shot(page, artifacts, "district-board")


# ── The public ──────────────────────────────────────────────────────────────────────────


@pytest.fixture
def published(transactional_db, settings, tmp_path):
    from django.core.cache import cache

    settings.MEDIA_ROOT = tmp_path / "files"
    cache.clear()
    district = make_district("北京市朝阳区")
    publication = publish(approved_report(make_agency("北京市朝阳区南磨房地区办事处", district=district)))
    yield publication
    cache.clear()


def test_the_listing_on_a_desk_and_on_a_phone(live_server, screen, published, artifacts):
    page = screen
    page.goto(live_server.url + "/")
    form = page.locator("#public-filters")
    row = page.locator("#public-reports tbody tr").first
    if page.screen_name == "phone":
        expect(form).to_be_hidden()  # folded: the first screen shows the reports
        expect(row).to_be_in_viewport()
        expect(row.locator(".public-row-meta")).to_contain_text("北京市朝阳区")
        visible_cells = row.locator("td").evaluate_all("tds => tds.filter(td => td.offsetWidth > 0).length")
        assert visible_cells == 2
        # 所属区 reads on one line, not one character per line.
        meta = row.locator(".public-row-meta").bounding_box()
        assert meta["width"] > 200
        shot(page, artifacts, "public-list")
        page.locator("#public-filters-toggle").click()
        expect(form).to_be_visible()
        page.get_by_label("年度").select_option("2024")
        page.get_by_role("button", name="筛选", exact=True).click()
        expect(page.locator("#public-filters")).to_be_visible()  # open while a filter is set
        shot(page, artifacts, "public-list-filters")
    else:
        expect(form).to_be_visible()
        expect(page.locator("#public-filters-toggle")).to_be_hidden()
        assert row.locator("td").evaluate_all("tds => tds.filter(td => td.offsetWidth > 0).length") == 6
        shot(page, artifacts, "public-list")


def test_table_3_of_a_report_page_on_a_desk_and_on_a_phone(live_server, screen, published, artifacts):
    page = screen
    page.goto(f"{live_server.url}/reports/{published.report_id}/")
    table = page.locator("table.gov-report-table-t3")
    wrap = table.locator("xpath=..")
    hint = page.locator(".gov-report-scroll-hint").first
    if page.screen_name == "desktop":
        expect(hint).to_be_hidden()
        assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth")
        table.scroll_into_view_if_needed()
        shot(page, artifacts, "public-table3")
        return
    # The phone: a line says the table scrolls; labels wrap at a readable width; the table is
    # not thousands of pixels of two-character lines.
    expect(hint).to_be_visible()
    label = table.locator("th.gov-report-cell-label", has_text="属于国家秘密")
    assert label.bounding_box()["width"] > 90
    assert table.bounding_box()["height"] < 2000
    assert page.evaluate("() => document.documentElement.scrollHeight") < 6600
    assert wrap.evaluate("w => w.scrollWidth > w.clientWidth")
    # The part's heading, the line and the table's top on the first screen.
    hint.evaluate(
        "e => { e.scrollIntoView({block: 'start', behavior: 'instant'});"
        " window.scrollBy({top: -70, behavior: 'instant'}); }"
    )
    shot(page, artifacts, "public-table3")
    # Scrolled to the 总计 column, the row labels stay at the left of the box.
    before = label.bounding_box()["x"]
    wrap.evaluate("w => { w.scrollLeft = w.scrollWidth; }")
    page.wait_for_timeout(100)
    assert abs(label.bounding_box()["x"] - before) <= 1.5  # (the table's left border scrolls away)
    total, box = table.locator("td[data-cell='t3.new.total']").bounding_box(), wrap.bounding_box()
    assert box["x"] <= total["x"] and total["x"] + total["width"] <= box["x"] + box["width"] + 1
    shot(page, artifacts, "public-table3-scrolled")
