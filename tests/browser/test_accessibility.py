"""Accessibility (issue 14): axe-core on the public pages, the sign-in page and the editing
page at 1440 px and at 390 px; header associations of every table; the editor with the
keyboard alone.

axe-core is vendored from the npm registry (``tests/browser/vendor/``, version and licence
noted there). It is injected into the page under test through Playwright; the context
bypasses the Content-Security-Policy for that one script only because the application's CSP
(rightly) refuses inline scripts — the pages themselves are unchanged.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from reports.models import Report
from reports.tests.publishing_fixtures import approved_report, publish
from tests.browser.conftest import sign_in
from tests.factories import (
    complete_cells,
    complete_texts,
    make_agency,
    make_clerk,
    make_district,
    make_report,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WIDTHS = {"desktop": 1440, "phone": 390}

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(
      n => n.target.join(" ") + " — " + (n.failureSummary || "").split("\\n").slice(0, 2).join(" ")
    )
  }));
}"""

# Every <table>: each <th> says what it heads (scope), and each data cell has a header on its
# row or above it (the official tables use scope=row/col; no table relies on position alone).
TABLE_HEADERS = """() => [...document.querySelectorAll("table")].map(table => {
  const name = table.id || table.className;
  const unscoped = [...table.querySelectorAll("th")].filter(th => !th.hasAttribute("scope") && !th.id).length;
  const cells = [...table.querySelectorAll("tbody td")];
  const orphan = cells.filter(td => {
    const row = td.parentElement;
    return !row.querySelector("th[scope=row], th[scope=rowgroup]")
      && !table.querySelector("thead th, th[scope=col], th[scope=colgroup]");
  }).length;
  return {name, ths: table.querySelectorAll("th").length, unscoped, orphan, cells: cells.length};
})"""


@pytest.fixture
def site(transactional_db, settings, tmp_path):
    from django.core.cache import cache

    settings.MEDIA_ROOT = tmp_path / "files"
    cache.clear()
    district = make_district("北京市朝阳区")
    published = publish(approved_report(make_agency("北京市朝阳区南磨房地区办事处", district=district)))
    agency = make_agency("北京市朝阳区大生镇人民政府", district=district)
    clerk = make_clerk(agency, "clerk_dasheng", full_name="大生镇填报人")
    draft = make_report(agency, cells=complete_cells(), texts=complete_texts(), by=clerk)
    yield {"publication": published, "clerk": clerk, "draft": draft}
    cache.clear()


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def a11y_page(request, browser):
    width = WIDTHS[request.param]
    context = browser.new_context(
        locale="zh-CN", viewport={"width": width, "height": 1000 if width > 500 else 844}, bypass_csp=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.screen_name = request.param
    yield page
    context.close()


def serious(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in ("serious", "critical")]


def test_axe_finds_no_serious_or_critical_violation(live_server, a11y_page, site, artifacts):
    page, base = a11y_page, live_server.url
    pages = [
        ("listing", "/"),
        ("report", f"/reports/{site['publication'].report_id}/"),
        ("open-data", "/open-data/"),
        ("sign-in", "/accounts/login/"),
    ]
    found, tables = {}, {}
    for name, path in pages:
        page.goto(base + path)
        found[name] = serious(page)
        tables[name] = page.evaluate(TABLE_HEADERS)
    sign_in(page, base, site["clerk"].username)
    page.goto(f"{base}/my/reports/{site['draft'].pk}/")
    expect(page.locator("#report-form")).to_have_attribute("data-ready", "true")
    found["editing"] = serious(page)
    tables["editing"] = page.evaluate(TABLE_HEADERS)
    # And with errors on show: marked cells, the messages under the table, a cell's popup.
    cell = page.locator("#cell-t3-disclosed-natural")
    cell.fill(str(complete_cells()["t3.disclosed.natural"] + 1))
    expect(page.locator("#table-msgs-t3 li").first).to_be_visible()
    page.locator("#cell-t3-handled_total-natural").focus()
    expect(page.locator("#msg-cell-t3-handled_total-natural")).to_be_visible()
    found["editing-with-errors"] = page.evaluate(RUN_AXE)
    found["editing-with-errors"] = [v for v in found["editing-with-errors"] if v["impact"] in ("serious", "critical")]
    page.screenshot(path=str(artifacts / f"a11y-editing-{page.screen_name}.png"))
    (artifacts / f"axe-{page.screen_name}.json").write_text(json.dumps(found, ensure_ascii=False, indent=1))

    assert {name: violations for name, violations in found.items() if violations} == {}
    # Every table of every page has its headers associated.
    assert tables["report"] and tables["editing"] and tables["listing"]
    for name, page_tables in tables.items():
        for table in page_tables:
            assert table["ths"] > 0, (name, table)
            assert table["unscoped"] == 0, (name, table)
            assert table["orphan"] == 0, (name, table)


def test_the_editor_is_usable_with_the_keyboard_alone(live_server, page, site, artifacts):
    """Tab and the arrow keys through table 四, type, Tab on to 保存草稿 and press Enter.

    At 1440 px table 四's fifteen columns fit its box, and every focused cell is in view —
    not scrolled out of its table's box, not under the sticky bars."""
    draft = site["draft"]
    sign_in(page, live_server.url, site["clerk"].username)
    page.goto(f"{live_server.url}/my/reports/{draft.pk}/")
    expect(page.locator("#report-form")).to_have_attribute("data-ready", "true")
    wrap = page.locator("#table-t4").locator("xpath=..")
    assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth"), "table 四 does not fit at 1440 px"

    in_view = """el => {
      const r = el.getBoundingClientRect(), box = el.closest('.report-table-wrap').getBoundingClientRect();
      const top = document.querySelector('.part-nav').getBoundingClientRect().bottom;
      const bottom = Math.min(window.innerHeight, document.querySelector('.form-actions').getBoundingClientRect().top);
      return r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= top - 1 && r.bottom <= bottom + 1;
    }"""
    first = page.locator("#cell-t4-reconsideration-upheld")
    first.focus()
    codes = []
    for step in range(15):
        focused = page.locator(":focus")
        codes.append(focused.get_attribute("data-code"))
        where = focused.evaluate("el => JSON.stringify([el.getBoundingClientRect(), window.scrollY])")
        assert focused.evaluate(in_view), f"the focused cell {codes[-1]} is out of view {where}"
        page.keyboard.type(str(step % 10))
        page.keyboard.press("Tab")
    assert codes[0] == "t4.reconsideration.upheld" and codes[-1] == "t4.litigation_after.total"
    assert len(set(codes)) == 15
    # The arrow keys go back along the row and down into the next table's first row.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("ArrowLeft")  # the whole value is selected: the caret goes to its start
    page.keyboard.press("ArrowLeft")  # at the start: the previous column
    expect(page.locator("#cell-t4-litigation_after-pending")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.locator(":focus")).to_have_attribute("data-code", re.compile(r"^t6\."))
    page.screenshot(path=str(artifacts / "keyboard-table4.png"))

    # On to 保存草稿 by Tab alone, and save with Enter.
    for _ in range(40):
        if page.evaluate("() => document.activeElement && document.activeElement.id") == "save-button":
            break
        page.keyboard.press("Tab")
    expect(page.locator("#save-button")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#save-status")).to_contain_text("已保存", timeout=15_000)
    stored = Report.objects.get(pk=draft.pk)
    assert [stored.cells[code] for code in codes] == [step % 10 for step in range(15)]
