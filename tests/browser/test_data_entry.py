"""A clerk fills the 南磨房 2024 report in a real browser, from sign-in to submission.

Done-when 1 of issue 3: sign in, create the report (pre-filled from last year's approved
report), type figures with Enter and the arrow keys, paste table 三 as a block copied from
Excel, see T3-BALANCE at the right cell when a number is wrong and see it go when fixed, fill
the blank fee figures with 0, explain a warning, submit, and find the report read-only.
"""

import pytest
from playwright.sync_api import expect

from reports import standard
from reports.models import Report
from review.models import ReportEvent, ReportRevision
from tests.browser.conftest import sign_in
from tests.factories import (
    PASSWORD,
    complete_cells,
    make_agency,
    make_clerk,
    make_district,
    make_report,
    sample_document,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def cell(page, code):
    return page.locator("#cell-" + code.replace(".", "-"))


def wait_for_check(page):
    """Wait until the live check has answered for everything typed so far."""
    page.wait_for_function(
        "() => { const b = document.getElementById('check-busy'); return b && b.classList.contains('d-none'); }"
    )
    page.wait_for_timeout(400)  # the debounce (250 ms) of the last keystroke, then its answer
    page.wait_for_function(
        "() => { const b = document.getElementById('check-busy'); return b && b.classList.contains('d-none'); }"
    )


def table3_block(cells) -> str:
    """Table 三 as Excel puts it on the clipboard: tab-separated columns, CRLF rows."""
    lines = []
    for row in standard.T3_ROWS:
        lines.append("\t".join(str(cells[standard.t3(row.code, column.code)]) for column in standard.T3_COLUMNS))
    return "\r\n".join(lines) + "\r\n"


def screenshot_whole_page(page, path):
    """The whole page in one viewport, so the sticky bars sit where they belong."""
    size = page.viewport_size
    height = page.evaluate("() => document.documentElement.scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": height})
    page.screenshot(path=str(path))
    page.set_viewport_size(size)


PASTE = """([selector, text]) => {
  const target = document.querySelector(selector);
  target.focus();
  const data = new DataTransfer();
  data.setData("text/plain", text);
  target.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
}"""


@pytest.fixture
def nanmofang(transactional_db):
    district = make_district("北京市朝阳区")
    agency = make_agency("北京市朝阳区南磨房地区办事处", district=district)
    clerk = make_clerk(agency, "clerk_nanmofang", full_name="南磨房填报人")
    # Last year's approved report: one request carried over, three normative documents in force.
    last = complete_cells()
    last.update({"t3.carried_out.natural": 1, "t3.carried_out.total": 1, "t2.normative.in_force": 3})
    make_report(
        agency,
        year=2023,
        status=Report.Status.APPROVED,
        cells=last,
        texts={
            "overview": "二〇二三年的总体情况。",
            "problems": "二〇二三年的问题。",
            "other_matters": "二〇二三年无其他事项。",
        },
    )
    return agency, clerk


def test_a_clerk_fills_checks_explains_and_submits_the_nanmofang_report(live_server, page, nanmofang, artifacts):
    agency, clerk = nanmofang
    sample = sample_document()
    figures = sample.cells

    # Sign in (Chinese pages) and create the 2024 report from the home page.
    page.goto(live_server.url + "/accounts/login/")
    expect(page.locator("h1")).to_have_text("登录")
    page.get_by_label("用户名").fill(clerk.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("h1")).to_have_text("我的工作台")
    page.get_by_label("年度", exact=False).and_(page.locator("select")).select_option("2024")
    page.get_by_role("button", name="新建").click()
    expect(page.locator("h1")).to_contain_text("北京市朝阳区南磨房地区办事处2024年")
    expect(page.locator("#report-form")).to_have_attribute("data-ready", "true")
    expect(page.locator("#prefill-cell-t3-carried_in-natural")).to_have_text("预填")
    expect(cell(page, "t3.carried_in.natural")).to_have_value("1")
    expect(cell(page, "t2.normative.in_force")).to_have_value("3")

    # Table 二 by typing: Tab along a row, Enter down a column (the selection is replaced).
    cell(page, "t2.regulation.issued").click()
    for code in ("regulation.issued", "regulation.repealed", "regulation.in_force"):
        page.keyboard.type(str(figures[f"t2.{code}"]))
        page.keyboard.press("Tab")
    for code in ("normative.issued", "normative.repealed", "normative.in_force", "licensing.decisions"):
        page.keyboard.type(str(figures[f"t2.{code}"]))
        page.keyboard.press("Tab")
    page.keyboard.type(str(figures["t2.penalty.decisions"]))
    page.keyboard.press("Enter")
    expect(cell(page, "t2.coercion.decisions")).to_be_focused()
    page.keyboard.type(str(figures["t2.coercion.decisions"]))
    page.keyboard.press("Enter")
    expect(cell(page, "t2.fees.amount")).to_be_focused()
    page.keyboard.type(str(figures["t2.fees.amount"]))

    # Table 三 pasted as one block copied from Excel, from its first cell.
    page.evaluate(PASTE, ["#cell-t3-new-natural", table3_block(figures)])
    for code in ("t3.new.natural", "t3.handled_total.total", "t3.other_handling.other.natural", "t3.carried_out.total"):
        expect(cell(page, code)).to_have_value(str(figures[code]))

    # Table 四 by typing, moving right with the arrow key.
    cell(page, "t4.reconsideration.upheld").click()
    for column in standard.TABLE_4.sections[0].columns:
        page.keyboard.type(str(figures[f"t4.{column.code}"]))
        page.keyboard.press("ArrowRight")
    expect(cell(page, "t4.litigation_after.total")).to_be_focused()

    # The fee figures the sample leaves blank: blank is an error until 0 is typed.
    wait_for_check(page)
    expect(cell(page, "t6.fee_notices")).to_have_class(__import__("re").compile(r"\bis-blank\b"))
    cell(page, "t6.fee_notices").click()
    for _ in range(3):
        page.keyboard.type("0")
        page.keyboard.press("Enter")

    # The narrative parts.
    for key in standard.TEXT_KEYS:
        page.locator(f"#text-{key}").fill(sample.texts[key])

    # A wrong number: T3-BALANCE appears at the cells of its column — strongly where its result
    # sits (结转下年度), lightly at the others — and goes when fixed.
    new_natural = cell(page, "t3.new.natural")
    carried_out = cell(page, "t3.carried_out.natural")
    new_natural.click()
    page.keyboard.type("12")
    wait_for_check(page)
    balance = page.locator("#msg-cell-t3-carried_out-natural [data-rule='T3-BALANCE']")
    expect(balance).to_have_count(1)
    expect(balance).to_contain_text("自然人")
    expect(carried_out).to_have_attribute("aria-invalid", "true")
    expect(new_natural).to_have_class(__import__("re").compile(r"\bis-related\b"))
    expect(new_natural).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#msg-cell-t3-new-natural [data-rule='T3-BALANCE']")).to_have_count(1)
    expect(page.locator("#msg-cell-t3-new-business [data-rule='T3-BALANCE']")).to_have_count(0)
    expect(page.locator("#table-msgs-t3 li[data-rule='T3-BALANCE']")).to_contain_text("自然人")
    summary_link = page.locator("#check-errors li[data-rule='T3-BALANCE'] a")
    expect(summary_link).to_have_attribute("href", "#cell-t3-carried_out-natural")
    page.locator("#text-overview").focus()
    summary_link.click()  # the summary takes the clerk into the cell the message names
    expect(carried_out).to_be_focused()
    expect(balance).to_be_visible()  # the focused cell shows its messages
    new_natural.focus()
    page.screenshot(path=str(artifacts / "report-editor-t3-balance.png"), full_page=False)
    page.keyboard.press("Control+A")
    page.keyboard.type("11")
    wait_for_check(page)
    expect(page.locator("[data-rule='T3-BALANCE']")).to_have_count(0)
    expect(new_natural).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#count-errors")).to_have_text("0")

    # The one warning: the documents in force do not follow from last year's (XY-IN-FORCE).
    warning = page.locator("#check-warnings li[data-rule='XY-IN-FORCE']")
    expect(warning).to_have_count(1)
    expect(page.locator("#check-warnings li")).to_have_count(1)
    expect(page.locator("#submit-button")).to_have_attribute("aria-disabled", "true")
    explanation = "2023 年现行有效的 3 件行政规范性文件已于本年到期失效，本年无新制发。"
    warning.locator("textarea").fill(explanation)
    expect(page.locator("#submit-button")).to_have_attribute("aria-disabled", "false")
    expect(page.locator("#save-status")).to_contain_text("所有修改已保存", timeout=15_000)
    screenshot_whole_page(page, artifacts / "report-editor.png")
    page.locator("#part-3").screenshot(path=str(artifacts / "report-editor-table3.png"))

    report = Report.objects.get(agency=agency, year=2024)
    assert report.cells == complete_cells() | {"t2.normative.in_force": 0}
    assert report.texts == sample.texts
    assert list(report.explanations.values()) == [explanation]

    # Submit; the page comes back read-only.
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#submit-button").click()
    expect(page.locator("#readonly-notice")).to_be_visible()
    expect(page.locator(".alert-success")).to_contain_text("报告已提交")
    expect(page.locator("input.cell-input")).to_have_count(0)
    expect(page.locator("textarea")).to_have_count(0)
    expect(page.locator("#cell-t3-new-natural")).to_have_text("11")
    expect(page.locator(".explanation-view")).to_contain_text(explanation)
    screenshot_whole_page(page, artifacts / "report-read-only.png")

    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED
    assert ReportEvent.objects.get(report=report).actor == clerk
    assert ReportRevision.objects.get(report=report).explanations == report.explanations


def test_typed_input_survives_a_network_failure_a_refresh_and_a_colleagues_save(live_server, page, nanmofang):
    from reports.editing import report_save

    agency, clerk = nanmofang
    colleague = make_clerk(agency, "colleague", full_name="王芳")
    sample = sample_document()
    report = make_report(agency, cells=sample.cells, texts=sample.texts, by=clerk)
    page.on("dialog", lambda dialog: dialog.accept())  # the "leave the page?" prompt of a reload
    sign_in(page, live_server.url, clerk.username)
    page.goto(f"{live_server.url}/my/reports/{report.pk}/")
    expect(page.locator("#report-form")).to_have_attribute("data-ready", "true")

    # The network fails while saving: the input is kept in the browser.
    page.route("**/save/", lambda route: route.abort())
    cell(page, "t6.fee_notices").fill("0")
    page.locator("#save-button").click()
    expect(page.locator("#save-status")).to_contain_text("未能连接服务器")
    page.unroute("**/save/")

    # A refresh: the page offers what the server does not have yet.
    page.reload()
    expect(cell(page, "t6.fee_notices")).to_have_value("")
    expect(page.locator("#restore-alert")).to_be_visible()
    expect(page.locator("#restore-alert")).to_contain_text("1 处")
    page.get_by_role("button", name="恢复这些修改").click()
    expect(cell(page, "t6.fee_notices")).to_have_value("0")
    expect(page.locator("#save-status")).to_contain_text("所有修改已保存（第 2 版")
    assert Report.objects.get(pk=report.pk).cells["t6.fee_notices"] == 0

    # A colleague saves meanwhile: this page's next save is refused, naming them, and the
    # input stays on screen; one click loads the newest version and re-applies it.
    report_save(report_id=report.pk, expected_version=2, cells={"t6.fee_notice_amount": "5"}, by=colleague)
    cell(page, "t6.fee_collected").fill("0")
    page.locator("#save-button").click()
    expect(page.locator("#conflict-alert")).to_be_visible()
    expect(page.locator("#conflict-alert")).to_contain_text("王芳")
    expect(cell(page, "t6.fee_collected")).to_have_value("0")
    stored = Report.objects.get(pk=report.pk)
    assert (stored.version, stored.cells["t6.fee_collected"], stored.cells["t6.fee_notice_amount"]) == (3, None, "5")

    page.get_by_role("button", name="载入最新版本并重新应用我的修改").click()
    expect(page.locator("#editor-alert")).to_contain_text("重新应用了您的 1 处修改")
    expect(cell(page, "t6.fee_notice_amount")).to_have_value("5")
    expect(cell(page, "t6.fee_collected")).to_have_value("0")
    page.locator("#save-button").click()
    expect(page.locator("#save-status")).to_contain_text("已保存（第 4 版")
    stored = Report.objects.get(pk=report.pk)
    assert (stored.cells["t6.fee_collected"], stored.cells["t6.fee_notice_amount"]) == ("0", "5")
    assert stored.updated_by == clerk
