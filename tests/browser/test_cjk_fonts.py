"""The 审核表 print page and the public report page draw digits in the same face as Chinese.

On a machine with only the fonts the project installs (DejaVu and WenQuanYi Micro Hei, the
PDF's font; no Song face), the sheet's old font list ("Noto Serif CJK SC", SimSun, serif)
printed "2024" in DejaVu Serif beside 年度 in WenQuanYi Micro Hei. Chromium is started here
with a fontconfig that sees exactly those fonts, and asked (DevTools
``CSS.getPlatformFontsForNode``) which fonts drew each cell. The published document's page
had the same font list, and the same fault. Screenshot: ``test-artifacts/signoff-sheet.png``.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from reports.tests.publishing_fixtures import approved_report, media_root_fixture, publish  # noqa: F401
from review.tests.personas import *  # noqa: F403
from review.tests.personas import approve
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: The fonts a machine set up by scripts/system-packages.sh has (and no CJK Song face).
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/wqy")


@pytest.fixture
def narrow_fonts_browser(playwright, tmp_path):
    dirs = [d for d in FONT_DIRS if Path(d).is_dir()]
    if not CHROMIUM.exists() or len(dirs) < len(FONT_DIRS):
        pytest.skip("needs Chromium, DejaVu and WenQuanYi Micro Hei (scripts/system-packages.sh)")
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        + "".join(f"<dir>{d}</dir>" for d in dirs)
        + f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=CHROMIUM_ARGS,
        env={"FONTCONFIG_FILE": str(config), "HOME": str(tmp_path)},
    )
    yield browser
    browser.close()


def fonts_of(page, client, selector: str) -> set[str]:
    node_id = client.send(
        "DOM.querySelector", {"nodeId": client.send("DOM.getDocument")["root"]["nodeId"], "selector": selector}
    )["nodeId"]
    return {font["familyName"] for font in client.send("CSS.getPlatformFontsForNode", {"nodeId": node_id})["fonts"]}


def test_digits_and_chinese_of_the_sheet_are_one_face(
    live_server, narrow_fonts_browser, report_in_review, first_reviewer, second_reviewer, final_reviewer, artifacts
):
    report = approve(report_in_review, first_reviewer, second_reviewer, final_reviewer)
    page = narrow_fonts_browser.new_page(locale="zh-CN", viewport={"width": 1000, "height": 1200})
    sign_in(page, live_server.url, final_reviewer.username, home=False)
    page.goto(f"{live_server.url}/review/reports/{report.pk}/sheet/")
    expect(page.locator("#sheet-year")).to_have_text("2024年度")

    client = page.context.new_cdp_session(page)
    client.send("DOM.enable")
    client.send("CSS.enable")
    for selector in ("#sheet-year", "#sheet-agency", "#sheet-result"):
        assert fonts_of(page, client, selector) == {"WenQuanYi Micro Hei"}, selector
    page.screenshot(path=str(artifacts / "signoff-sheet.png"), full_page=True)


def test_digits_and_chinese_of_the_published_report_are_one_face(
    live_server, narrow_fonts_browser, agency_a, media_root
):
    publication = publish(approved_report(agency_a))
    page = narrow_fonts_browser.new_page(locale="zh-CN", viewport={"width": 1200, "height": 1200})
    page.goto(f"{live_server.url}/reports/{publication.report_id}/")
    expect(page.locator('td[data-cell="t3.new.total"]')).to_be_visible()

    client = page.context.new_cdp_session(page)
    client.send("DOM.enable")
    client.send("CSS.enable")
    for selector in ('td[data-cell="t3.new.total"]', ".gov-report-title", ".gov-report-signature p"):
        assert fonts_of(page, client, selector) == {"WenQuanYi Micro Hei"}, selector
