"""The district office's board and aggregate in a real browser, with screenshots kept.

Done-when 3 of issue 6: the district administrator signs in, opens the completeness board
(overdue agencies stand out; the filter narrows the list), then the aggregate, opens the
breakdown of a sum, and starts the district government's report from the sums. Screenshots
go to ``test-artifacts/``: ``district-board.png``, ``district-board-overdue.png``,
``district-aggregate.png``, ``district-aggregate-breakdown.png``.
"""

import pytest
from playwright.sync_api import expect

from reports.models import Agency, Report
from review.tests.district_fixtures import TEXTS, YEAR, district_in_every_state
from tests.browser.conftest import sign_in
from tests.factories import make_agency, make_district, make_report, make_user
from tests.generated import generated_cells

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def screenshot_whole_page(page, path):
    size = page.viewport_size
    height = page.evaluate("() => document.documentElement.scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": height})
    page.screenshot(path=str(path))
    page.set_viewport_size(size)


@pytest.fixture
def office(transactional_db):
    district = make_district("北京市朝阳区")
    district_in_every_state(district)
    # Last year's approved reports, so that the trend shows two years.
    for index, name in enumerate(("辛已通过机关", "壬已发布机关")):
        make_report(
            Agency.objects.get(name=name),
            year=YEAR - 1,
            status=Report.Status.APPROVED,
            cells=generated_cells(40 + index),
        )
    make_report(
        make_agency("子另一已通过机关", district=district),
        year=YEAR,
        status=Report.Status.PUBLISHED,
        cells=generated_cells(50),
        texts=TEXTS,
    )
    return make_user("chaoyang_admin", full_name="朝阳区政务公开办管理员", district=district, is_district_admin=True)


def test_the_district_office_opens_the_board_and_the_aggregate(live_server, page, office, artifacts):
    messages, missing = [], []
    page.on("console", lambda message: messages.append(message.text) if message.type == "error" else None)
    page.on("response", lambda response: missing.append(response.url) if response.status == 404 else None)

    sign_in(page, live_server.url, office.username, home=False)

    # The board: every agency, the overdue ones marked and first.
    page.goto(f"{live_server.url}/review/district/board/?year={YEAR}")
    expect(page.locator("h1")).to_contain_text(f"{YEAR}年度报告报送进度")
    expect(page.locator("#board tbody tr")).to_have_count(10)
    expect(page.locator("#board tbody tr.row-overdue")).to_have_count(3)
    expect(page.locator("#board tbody tr").first).to_have_class("row-overdue")
    expect(page.locator("#tile-overdue .summary-number")).to_have_text("3")
    expect(page.locator("#progress-chart svg.district-chart-svg rect")).to_have_count(31)
    screenshot_whole_page(page, artifacts / "district-board.png")

    page.locator("#tile-overdue").click()
    expect(page.locator("#board tbody tr")).to_have_count(3)
    expect(page.locator("#board")).to_contain_text("甲未建报告机关")
    page.screenshot(path=str(artifacts / "district-board-overdue.png"))

    # The aggregate: sums of the three approved or published reports; a sum's breakdown.
    page.locator("main").get_by_role("link", name="全区汇总").click()
    expect(page.locator("h1")).to_contain_text(f"{YEAR}年度全区汇总")
    expect(page.locator("#included-count")).to_have_text("3")
    expect(page.locator("#outcomes-chart svg.district-chart-svg")).to_be_visible()
    expect(page.locator("#trend-chart svg.district-chart-svg")).to_be_visible()
    screenshot_whole_page(page, artifacts / "district-aggregate.png")

    page.locator("#sum-cell-t3-new-total").click()
    expect(page.locator("#breakdown")).to_be_visible()
    expect(page.locator("#breakdown tbody tr")).to_have_count(3)
    page.locator("#breakdown").screenshot(path=str(artifacts / "district-aggregate-breakdown.png"))

    # Start the district government's own report from the sums.
    page.get_by_role("button", name="以汇总数新建区人民政府年度报告").click()
    expect(page.locator("div.alert-success[role=alert]")).to_contain_text("已新建")
    report = Report.objects.get(agency__kind=Agency.Kind.DISTRICT, year=YEAR)
    assert report.status == Report.Status.DRAFT and report.prefilled
    expect(page.locator("#own-report")).to_contain_text("草稿")
    # No CSP violation, no script error; nothing missing but the browser's own favicon request.
    assert [url for url in missing if not url.endswith("/favicon.ico")] == []
    assert [text for text in messages if "404" not in text] == []
