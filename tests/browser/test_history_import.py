"""Issue 15, done-when 2, in a real browser: the district administrator uploads a zip of three
past reports of 重庆市九龙坡区民政局 — a saved web page (2022), a PDF (2023), the page text
(2024, its 结转下年度 row printed with run-together figures) —, resolves the ambiguity beside the
original text, confirms; the agency's clerk then creates the 2025 report: pre-filled from the
imported 2024 report, and the cross-year rule XY-CARRY runs against it.
Screenshots: ``history-review.png``, ``history-review-phone.png``, ``history-past-years.png`` in ``test-artifacts/``."""

import re

import pytest
from playwright.sync_api import expect

from reports.history.tests.helpers import CARRIED_OUT, corpus_text, rendered, zip_of
from reports.models import HistoricalImport, Report
from tests.factories import PASSWORD, make_agency, make_clerk, make_district, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def jiulongpo(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    district = make_district("重庆市九龙坡区")
    agency = make_agency("重庆市九龙坡区民政局", district=district)
    make_agency("重庆市九龙坡区财政局", district=district)
    admin = make_user("jlp_admin", full_name="九龙坡区政务公开办管理员", district=district, is_district_admin=True)
    clerk = make_clerk(agency, "jlp_clerk", full_name="民政局填报人")
    return agency, admin, clerk


def sign_in(page, live_server, user):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("h1")).to_have_text("我的工作台")


def nav(page):
    return page.get_by_role("navigation", name="主导航")


def open_imports(page):
    """The administrator's pages are in the navbar's 区管理 menu."""
    nav(page).get_by_role("button", name="区管理").click()
    nav(page).get_by_role("link", name="往年报告导入").click()


def cell(page, code):
    return page.locator("#cell-" + code.replace(".", "-"))


def test_the_administrator_imports_three_past_reports_and_the_next_draft_builds_on_them(
    live_server, browser, jiulongpo, tmp_path, artifacts
):
    agency, admin, clerk = jiulongpo
    archive = tmp_path / "九龙坡民政局往年报告.zip"
    archive.write_bytes(
        zip_of(
            {
                "2022年报告.html": rendered("html", year=2022),
                "2023年报告.pdf": rendered("pdf", year=2023),
                "2024年报告.txt": corpus_text(year=2024, ambiguous=True, row=CARRIED_OUT),
            }
        )
    )
    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1000})
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    sign_in(page, live_server, admin)
    open_imports(page)
    page.get_by_label("机关").select_option(label=agency.name)
    page.get_by_label("报告文件").set_input_files(str(archive))
    page.get_by_role("button", name="上传并读取").click()
    expect(page.locator(".alert-success")).to_contain_text("已读取压缩包中的 3 份报告")
    expect(page.locator("#pending-imports tbody tr")).to_have_count(3)
    assert sorted(HistoricalImport.objects.values_list("kind", "year")) == [
        ("html", 2022),
        ("pdf", 2023),
        ("text", 2024),
    ]

    # The 2024 page text: the original beside the parsed tables, one ambiguity to resolve.
    page.get_by_role("link", name="2024年报告.txt").click()
    expect(page.locator("#source-text")).to_contain_text("结转下年度继续办理")
    expect(page.locator("#table-t3")).to_be_visible()
    ambiguity = page.locator("#ambiguity-0")
    expect(ambiguity).to_contain_text("可能连在一起")
    page.get_by_role("button", name="确认导入为历史报告").click()
    expect(page.locator(".alert-danger")).to_contain_text("1 处存疑数字未处理")
    assert not Report.objects.exists()
    ambiguity.get_by_label("0 | 0 | 0 | 0 | 0 | 1 | 1").check()
    ambiguity.get_by_role("button", name="采用").click()
    expect(page.locator("#ambiguity-0")).to_contain_text("已处理")
    page.reload()  # nothing lost on refresh
    expect(page.locator("#ambiguity-0")).to_contain_text("已处理")
    page.screenshot(path=str(artifacts / "history-review.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})  # on a phone: no sideways scroll
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(artifacts / "history-review-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.get_by_role("button", name="确认导入为历史报告").click()
    expect(page.locator(".alert-success").first).to_contain_text("历史报告")
    historical = Report.objects.get(agency=agency, year=2024)
    assert historical.status == Report.Status.HISTORICAL
    assert historical.cells["t3.carried_out.other"] == 1 and historical.cells["t3.carried_out.total"] == 1

    # The 2023 PDF as well (nothing ambiguous in it): confirm straight away.
    open_imports(page)
    page.get_by_role("link", name="2023年报告.pdf").click()
    page.get_by_role("button", name="确认导入为历史报告").click()
    assert Report.objects.get(agency=agency, year=2023).status == Report.Status.HISTORICAL

    # The district's past years: both marked 历史导入, with their rule results.
    nav(page).get_by_role("link", name="报送进度").click()
    page.get_by_role("link", name="往年报告", exact=True).click()
    table = page.locator("#past-years")
    expect(table).to_contain_text("2024 年度")
    expect(table.locator(".badge", has_text="历史导入")).to_have_count(2)
    expect(table).to_contain_text(re.compile(r"错误 \d+"))
    page.screenshot(path=str(artifacts / "history-past-years.png"), full_page=True)
    context.close()

    # The clerk creates 2025: pre-filled from the imported 2024 report.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1000})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, live_server, clerk)
    page.locator("#id_year").select_option("2025")
    page.get_by_role("button", name="新建").click()
    expect(page.locator("h1")).to_contain_text("重庆市九龙坡区民政局2025年")
    expect(page.locator("#report-form")).to_have_attribute("data-ready", "true")
    expect(page.locator("#prefill-cell-t3-carried_in-other")).to_have_text("预填")
    expect(cell(page, "t3.carried_in.other")).to_have_value("1")
    expect(cell(page, "t3.carried_in.total")).to_have_value("1")
    # The cross-year rule runs against the historical report: 2025 cannot carry in 2 when 2024
    # carried 1 forward.
    cell(page, "t3.carried_in.other").fill("2")
    cell(page, "t3.carried_in.total").fill("2")
    cell(page, "t3.carried_in.total").press("Tab")
    expect(page.locator("[data-rule='XY-CARRY']").first).to_be_attached()
    expect(page.locator("#check-warnings li[data-rule='XY-CARRY']").first).to_contain_text("上")
    assert [e for e in errors if "status of 400" not in e and "status of 404" not in e] == []
    context.close()
