"""The district administrator runs the district's agencies and accounts in a real browser.

Done-when 1 of issue 12 (the administration half): onboarding from an uploaded spreadsheet
(one bad row refused with its reason, nothing applied; the fixed file applies), creating a
reviewer, resetting a clerk's password — the clerk must set a new one at the next sign-in —
and a deactivated user's open session refused on its next request. Screenshots go to
``test-artifacts/``: ``admin-onboarding-refused.png``, ``admin-onboarding-refused-390.png``,
``admin-onboarding-done.png``, ``admin-agencies.png`` (and ``-390``), ``admin-accounts-390.png``,
``admin-password-shown.png``, ``admin-forced-change.png``.
"""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from reports.administration.tests.onboarding_files import ACCOUNTS, AGENCIES, filled_template
from reports.models import Agency
from tests.factories import PASSWORD, make_agency, make_district, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NEW_PASSWORD = "Bright-Lantern-2026"


@pytest.fixture
def office(transactional_db, settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    district = make_district("北京市朝阳区")
    agency = make_agency("北京市朝阳区南磨房地区办事处", district=district)
    make_user("clerk_a", full_name="张明", agency=agency)
    return make_user("chaoyang_admin", full_name="朝阳区管理员", district=district, is_district_admin=True)


def sign_in(page, base, username, password):
    page.goto(base + "/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def change_password(page, old, new):
    page.locator("#id_old_password").fill(old)
    page.locator("#id_new_password1").fill(new)
    page.locator("#id_new_password2").fill(new)
    page.get_by_role("button", name="保存新密码").click()


def upload(page, data: bytes):
    page.get_by_label("填好的模板（.xlsx）").set_input_files(
        {"name": "机关和账户.xlsx", "mimeType": XLSX, "buffer": data}
    )
    page.get_by_role("button", name="上传并预览").click()


def test_the_administrator_onboards_a_district_and_manages_its_accounts(live_server, browser, page, office, artifacts):
    errors, missing = [], []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("response", lambda response: missing.append(response.url) if response.status == 404 else None)
    base = live_server.url
    district = office.district
    sign_in(page, base, office.username, PASSWORD)
    page.get_by_role("button", name="区管理").click()
    page.get_by_role("link", name="机关和账户").click()
    expect(page.locator("h1")).to_have_text("机关和账户管理")

    # 1. Onboarding: a file with one bad row is refused with the reason; nothing applied.
    page.get_by_role("link", name="批量开通").click()
    with page.expect_download() as download:
        page.locator("#download-template").click()
    assert download.value.suggested_filename == "机关和账户.xlsx"
    bad = filled_template(
        district, agencies=AGENCIES, accounts=[*ACCOUNTS, ("li_wen", "李文", None, "北京市朝阳区文旅局", None)]
    )
    upload(page, bad)
    expect(page.locator("#plan-refused")).to_contain_text("有 1 行被拒绝")
    refused = page.locator("tr.outcome-refused")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("未知机关：“北京市朝阳区文旅局”既不是本区已有的机关，也不在“机关”表中")
    expect(page.locator("#apply-form")).to_have_count(0)
    page.screenshot(path=str(artifacts / "admin-onboarding-refused.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()  # the file is kept on the server: a refresh loses nothing
    expect(page.locator("tr.outcome-refused")).to_have_count(1)
    page.screenshot(path=str(artifacts / "admin-onboarding-refused-390.png"), full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1440, "height": 1000})
    assert Agency.objects.count() == 1 and not User.objects.filter(username="jiaowei01").exists()

    # …the fixed file previews clean and applies in one go.
    page.goto(base + "/district/admin/onboarding/")
    upload(page, filled_template(district, agencies=AGENCIES, accounts=ACCOUNTS))
    expect(page.locator("#plan-clean")).to_be_visible()
    expect(page.locator("#plan-summary")).to_contain_text("新建 6 行，无变化 1 行，拒绝 0 行")
    page.get_by_role("button", name="确认导入").click()
    expect(page.locator("#applied-summary")).to_contain_text("新建机关 2 个、账户 4 个")
    expect(page.locator("#new-accounts tbody tr")).to_have_count(4)
    page.screenshot(path=str(artifacts / "admin-onboarding-done.png"), full_page=True)
    leaver_password = page.locator("#new-accounts tr[data-username=jiaowei01] td.font-monospace").inner_text()
    assert Agency.objects.count() == 3
    assert User.objects.get(username="reviewer_zhou").district_roles == ["second_reviewer", "final_reviewer"]

    page.get_by_role("link", name="查看机关").click()
    expect(page.locator("#agency-list tbody tr")).to_have_count(3)
    expect(page.locator("#agency-list")).to_contain_text("赵老师")
    page.screenshot(path=str(artifacts / "admin-agencies.png"), full_page=True)
    for path, name in (
        ("/district/admin/", "admin-agencies-390.png"),
        ("/district/admin/accounts/", "admin-accounts-390.png"),
    ):
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(base + path)
        page.screenshot(path=str(artifacts / name), full_page=True)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.goto(base + "/district/admin/")

    # 2. A reviewer, created by hand.
    page.get_by_role("link", name="账户", exact=True).click()
    page.get_by_role("link", name="开通账户").click()
    page.get_by_label("用户名").fill("wu_first")
    page.get_by_label("姓名").fill("吴初审")
    page.get_by_label("区政务公开办审核人").check()
    page.get_by_label("初审人").check()
    page.get_by_role("button", name="开通").click()
    expect(page.locator("h1")).to_have_text("账户已开通")
    reviewer = User.objects.get(username="wu_first")
    assert reviewer.is_first_reviewer and reviewer.district == district and reviewer.agency is None

    # 3. A clerk's password reset: shown once; the clerk must set a new one at sign-in.
    page.goto(base + "/district/admin/accounts/")
    page.locator("#user-list tr", has_text="clerk_a").get_by_role("link", name="管理").click()
    page.get_by_role("button", name="重置密码").click()
    expect(page.locator("h1")).to_have_text("密码已重置")
    one_time = page.locator("#one-time-password").inner_text().strip()
    page.screenshot(path=str(artifacts / "admin-password-shown.png"))

    clerk_context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    clerk = clerk_context.new_page()
    sign_in(clerk, base, "clerk_a", one_time)
    expect(clerk.locator("h1")).to_have_text("修改密码")
    expect(clerk.locator("[role=alert]").first).to_contain_text("请先设置您自己的新密码")
    clerk.screenshot(path=str(artifacts / "admin-forced-change.png"), full_page=True)
    change_password(clerk, one_time, NEW_PASSWORD)
    expect(clerk.locator("[role=alert]").first).to_contain_text("密码已修改")
    clerk_context.close()
    assert not User.objects.get(username="clerk_a").must_change_password

    # 4. A leaver: signed in in another browser, deactivated, refused on the next request.
    leaver_context = browser.new_context(locale="zh-CN")
    leaver = leaver_context.new_page()
    sign_in(leaver, base, "jiaowei01", leaver_password)
    change_password(leaver, leaver_password, NEW_PASSWORD)
    expect(leaver.locator("h1")).to_contain_text("我的工作台")

    page.goto(base + "/district/admin/accounts/")
    page.locator("#user-list tr", has_text="jiaowei01").get_by_role("link", name="管理").click()
    page.get_by_label("在用").uncheck()
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#user-state")).to_contain_text("已停用")

    leaver.reload()
    expect(leaver).to_have_url(f"{base}/accounts/login/?next=/my/")
    leaver_context.close()
    # No CSP violation, no script error; nothing missing but the browser's own favicon request.
    assert [url for url in missing if not url.endswith("/favicon.ico")] == []
    assert [text for text in errors if "404" not in text] == []
