"""The yearly cycle in a real browser, on a 390 px phone: the district administrator opens the
year (the drafts appear), then registers the Spring Festival in the district's calendar.
Screenshots: ``cycle-year-phone.png``, ``cycle-calendar-phone.png`` in ``test-artifacts/``."""

import datetime

import pytest
from playwright.sync_api import expect

from reports.models import CalendarDay, Report
from tests.browser.conftest import sign_in
from tests.factories import make_agency, make_district, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def administrator(transactional_db):
    district = make_district("北京市朝阳区")
    for name in ("北京市朝阳区民政局", "北京市朝阳区南磨房地区办事处", "北京市朝阳区高碑店地区办事处"):
        make_agency(name, district=district)
    return make_user("chaoyang_admin", full_name="朝阳区政务公开办管理员", district=district, is_district_admin=True)


def no_sideways_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_the_administrator_opens_the_year_and_keeps_the_calendar_on_a_phone(
    live_server, browser, administrator, artifacts
):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors, missing = [], []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("response", lambda response: missing.append(response.url) if response.status == 404 else None)
    sign_in(page, live_server.url, administrator.username, home=False)

    year = datetime.date.today().year - 1
    page.goto(live_server.url + "/district/cycle/")
    page.get_by_label("报告年度").select_option(str(year))
    page.get_by_label("机关报告截止日期").fill(f"{year + 1}-01-20")
    page.get_by_role("button", name="开启并新建草稿").click()
    expect(page.locator(".alert-success")).to_contain_text("新建草稿 3 份")
    expect(page.get_by_label("机关报告截止日期")).to_have_value(f"{year + 1}-01-20")
    assert Report.objects.filter(year=year).count() == 3
    assert no_sideways_scroll(page)
    page.screenshot(path=str(artifacts / "cycle-year-phone.png"), full_page=True)

    page.locator("main").get_by_role("link", name="节假日与调休").click()
    page.get_by_label("类型").select_option("holiday")
    page.get_by_label("日期（起）").fill("2027-02-05")
    page.get_by_label("至（含，可留空）").fill("2027-02-13")
    page.get_by_label("名称").fill("春节")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("已登记 6 天")
    expect(page.locator("table.calendar-days tbody tr")).to_have_count(6)
    # A working day registered as 调休 is refused with the reason, nothing stored.
    page.get_by_label("类型").select_option("workday")
    page.get_by_label("日期（起）").fill("2027-02-15")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator("main")).to_contain_text("调休上班只能登记周六或周日")
    assert CalendarDay.objects.count() == 6
    assert no_sideways_scroll(page)
    page.screenshot(path=str(artifacts / "cycle-calendar-phone.png"), full_page=True)
    # No CSP violation or script error; the only failed loads: the refused form (400, on
    # purpose) and the browser's own favicon request.
    assert [e for e in errors if "status of 400" not in e and "status of 404" not in e] == []
    assert [url for url in missing if not url.endswith("/favicon.ico")] == []
    context.close()
