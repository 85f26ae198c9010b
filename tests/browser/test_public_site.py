"""A visitor uses the public site in a real browser, without signing in.

Done-when 4 of issue 5: the listing, its filters, a report's page (the document in the
official layout, the charts, the versions with the 更正说明), the downloads of its PDF,
XLSX and JSON and of the year's CSV (each compared with what was published); screenshots
of the listing and the report's page are kept in ``test-artifacts/``. The browser must
report no Content-Security-Policy violation.
"""

from __future__ import annotations

import csv
import hashlib
import io

import pytest
from playwright.sync_api import expect

from reports.models import Agency, Publication, Report
from reports.tests.publishing_fixtures import approved_report, publish, published_row, reopen_directly
from tests.browser.conftest import sign_in
from tests.factories import SAMPLES, complete_cells, complete_texts, make_agency, make_district

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CORRECTION = "第三部分“予以公开”件数填报有误，已更正。"


@pytest.fixture
def public_site(transactional_db, settings, tmp_path):
    from django.core.cache import cache

    settings.MEDIA_ROOT = tmp_path / "files"
    cache.clear()
    chaoyang = make_district("北京市朝阳区")
    jiulongpo = make_district("重庆市九龙坡区")
    nanmofang = make_agency("北京市朝阳区南磨房地区办事处", district=chaoyang)
    minzheng = Agency.objects.create(name="重庆市九龙坡区民政局", district=jiulongpo, kind=Agency.Kind.DEPARTMENT)
    dasheng = Agency.objects.create(name="北京市朝阳区大生镇人民政府", district=chaoyang, kind=Agency.Kind.TOWNSHIP)

    last_year = complete_cells()
    for column in ("natural", "total"):  # two requests fewer the year before, still balanced
        last_year[f"t3.new.{column}"] -= 2
        last_year[f"t3.disclosed.{column}"] -= 1
        last_year[f"t3.other_handling.other.{column}"] -= 1
        last_year[f"t3.handled_total.{column}"] -= 2
    publish(approved_report(nanmofang, year=2023, cells=last_year))
    report = approved_report(nanmofang, year=2024)
    publish(report)
    reopen_directly(report)
    Report.objects.filter(pk=report.pk).update(signature_organ="北京市朝阳区人民政府南磨房地区办事处")
    current = publish(Report.objects.get(pk=report.pk), correction_reason=CORRECTION)
    publish(
        approved_report(
            minzheng,
            cells=complete_cells(SAMPLES / "2024-jiulongpo-minzheng.json"),
            texts=complete_texts(SAMPLES / "2024-jiulongpo-minzheng.json"),
        )
    )
    publish(
        approved_report(
            dasheng,
            cells=complete_cells(SAMPLES / "2024-dasheng-town.json"),
            texts=complete_texts(SAMPLES / "2024-dasheng-town.json"),
        )
    )
    # Enough other reports for a second page of the listing (rows only: no files needed).
    for index in range(20):
        agency = make_agency(f"北京市朝阳区第{index + 1:02d}街道办事处", district=chaoyang)
        published_row(approved_report(agency, year=2022))
    yield current
    cache.clear()


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def download(page, locator, tmp_path, name):
    with page.expect_download() as info:
        locator.click()
    target = tmp_path / name
    info.value.save_as(target)
    return info.value, target


def test_a_visitor_filters_opens_a_report_and_downloads_its_files(live_server, page, public_site, artifacts, tmp_path):
    current = public_site
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))

    # The listing: newest year first, 20 a page.
    page.goto(live_server.url + "/")
    expect(page.locator("h1")).to_have_text("已公开的政府信息公开工作年度报告")
    expect(page.locator("#result-count")).to_contain_text("共 24 份报告")
    expect(page.locator("#public-reports tbody tr")).to_have_count(20)
    expect(page.locator("#public-reports tbody tr").first).to_contain_text("2024")
    page.screenshot(path=str(artifacts / "public-list.png"), full_page=True)
    page.get_by_role("link", name="下一页").click()
    expect(page.locator("#public-reports tbody tr")).to_have_count(4)

    # Filters: the year, the kind of agency, the district, a word of the name.
    page.goto(live_server.url + "/")
    page.get_by_label("年度").select_option("2024")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#public-reports tbody tr")).to_have_count(3)
    page.get_by_label("机关类型").select_option("department")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#public-reports tbody tr")).to_have_count(1)
    expect(page.locator("#public-reports tbody")).to_contain_text("重庆市九龙坡区民政局")
    page.get_by_role("link", name="清除").click()
    page.get_by_label("所属区").select_option(label="北京市朝阳区")
    page.get_by_label("机关名称").fill("南磨房")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#public-reports tbody tr")).to_have_count(2)
    expect(page.locator("#result-count")).to_contain_text("共 2 份报告")
    page.screenshot(path=str(artifacts / "public-list-filtered.png"), full_page=True)

    # The report's page: the document in the official layout, charts, versions, downloads.
    page.get_by_role("link", name="北京市朝阳区南磨房地区办事处2024年政府信息公开工作年度报告").click()
    article = page.locator("article.gov-report")
    expect(article.locator("h1")).to_contain_text("北京市朝阳区南磨房地区办事处")
    expect(article.locator("h1")).to_contain_text("2024年政府信息公开工作年度报告")
    expect(article.locator("table.gov-report-table-t3")).to_be_visible()
    expect(article).to_contain_text("北京市朝阳区人民政府南磨房地区办事处")  # the corrected signature
    expect(page.locator(".correction-note")).to_contain_text(CORRECTION)
    expect(page.locator("#chart-handling-title")).to_be_visible()
    expect(page.locator("#chart-years-title")).to_be_visible()
    expect(page.locator(".public-version")).to_have_count(2)
    expect(page.locator(".public-version").first).to_contain_text("当前版本")
    expect(page.locator(".public-version").last).to_contain_text("已更正")
    page.screenshot(path=str(artifacts / "public-detail.png"), full_page=True)
    page.locator(".public-aside").screenshot(path=str(artifacts / "public-detail-charts.png"))

    files = {record.kind: record for record in current.files.all()}
    for kind, label in (("pdf", "PDF"), ("xlsx", "Excel 表格"), ("json", "JSON 数据")):
        downloaded, path = download(page, page.locator(f'.public-downloads a[data-kind="{kind}"]'), tmp_path, kind)
        assert (
            downloaded.suggested_filename
            == f"北京市朝阳区南磨房地区办事处2024年政府信息公开工作年度报告（第2版）.{kind}"
        )
        assert sha256(path) == files[kind].sha256, label
    assert (tmp_path / "pdf").read_bytes().startswith(b"%PDF-")

    # The earlier version is still there.
    first = Publication.objects.get(report_id=current.report_id, version=1)
    _, old_pdf = download(page, page.locator('.public-version[data-version="1"] a', has_text="PDF"), tmp_path, "v1")
    assert sha256(old_pdf) == first.files.get(kind="pdf").sha256

    # The year's figures of every published report.
    _, table = download(page, page.locator('a[data-kind="csv"]'), tmp_path, "2024.csv")
    raw = table.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(header) == 7 + 203
    assert sorted(row[1] for row in rows) == sorted(
        ["北京市朝阳区南磨房地区办事处", "重庆市九龙坡区民政局", "北京市朝阳区大生镇人民政府"]
    )

    assert violations == []


# ── The reviewers' publishing panel ─────────────────────────────────────────────────────


@pytest.fixture
def office(transactional_db, settings, tmp_path):
    from tests.factories import make_reviewer

    settings.MEDIA_ROOT = tmp_path / "files"
    district = make_district("北京市朝阳区")
    agency = make_agency("北京市朝阳区南磨房地区办事处", district=district)
    final = make_reviewer(district, "final_reviewer", is_final_reviewer=True)
    return agency, final


def test_the_final_reviewer_watches_the_job_and_retries_a_failure_without_reloading(
    live_server, page, office, artifacts
):
    from unittest import mock

    from reports import publishing
    from reports.publishing import publication_build, publication_fail, publication_queue
    from reports.tests.publishing_fixtures import mark_published_directly

    agency, final = office
    report = approved_report(agency)
    publication_queue(report_id=report.pk)
    sign_in(page, live_server.url, final.username)
    page.goto(f"{live_server.url}/review/reports/{report.pk}/")
    panel = page.locator("[data-publication-status]")
    badge = panel.locator('[data-field="label"]')
    expect(badge).to_have_text("排队中")
    marker = page.evaluate("() => (window.__notReloaded = true)")
    assert marker is True

    # The job fails for good: the error and the retry button appear without a reload.
    publication_fail(report_id=report.pk, error="PdfFontError: 没有中文字体")
    expect(badge).to_have_text("发布失败", timeout=8000)
    expect(panel.locator('[data-field="error"]')).to_have_text("PdfFontError: 没有中文字体")
    retry = panel.get_by_role("button", name="重新发布")
    expect(retry).to_be_visible()
    assert page.evaluate("() => window.__notReloaded") is True
    page.screenshot(path=str(artifacts / "publication-status-failed.png"))

    # The final reviewer sends it again; the job then runs and the page follows it.
    with mock.patch.object(publishing, "_send"):
        retry.click()
    expect(badge).to_have_text("排队中")
    page.evaluate("() => (window.__notReloaded = true)")
    publication_build(report_id=report.pk, mark_published=mark_published_directly)
    expect(badge).to_have_text("已发布", timeout=8000)
    expect(panel.get_by_role("link", name="在公开网站查看")).to_be_visible()
    expect(retry).to_be_hidden()
    assert page.evaluate("() => window.__notReloaded") is True
    page.screenshot(path=str(artifacts / "publication-status-published.png"))
