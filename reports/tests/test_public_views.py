"""The public site: listing with filters and pages, a report's page with its document,
charts, downloads and versions; the files as stored; nothing but GET; no inline script or
style (the CSP forbids them)."""

from __future__ import annotations

import hashlib
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from reports.models import Agency, Publication
from tests.factories import complete_cells, make_agency, make_district, make_report

from .publishing_fixtures import (
    approved_report,
    media_root_fixture,  # noqa: F401 - the fixture media_root
    publish,
    published_row,
    reopen_directly,
    titles,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


@pytest.fixture
def site(district):
    """Three published reports in two districts, one draft, one queued."""
    haidian = make_district("北京市海淀区")
    nanmofang = make_agency("北京市朝阳区南磨房地区办事处", district=district)
    minzheng = Agency.objects.create(name="北京市海淀区民政局", district=haidian, kind=Agency.Kind.DEPARTMENT)
    publications = {
        "nanmofang-2024": publish(approved_report(nanmofang, year=2024)),
        "nanmofang-2023": publish(approved_report(nanmofang, year=2023)),
        "minzheng-2024": publish(approved_report(minzheng, year=2024)),
    }
    draft_agency = make_agency("北京市朝阳区草稿局", district=district)
    make_report(draft_agency, year=2024)
    queued_agency = make_agency("北京市朝阳区排队局", district=district)
    from reports.publishing import publication_queue

    publication_queue(report_id=approved_report(queued_agency, year=2024).pk)
    return publications


def test_the_listing_shows_published_reports_only(anonymous_client, site):
    response = anonymous_client.get(reverse("reports:public_list"))

    assert response.status_code == 200
    assert titles(response) == [
        "北京市朝阳区南磨房地区办事处2024年政府信息公开工作年度报告",
        "北京市海淀区民政局2024年政府信息公开工作年度报告",
        "北京市朝阳区南磨房地区办事处2023年政府信息公开工作年度报告",
    ]
    assert "草稿局" not in response.content.decode()
    assert "排队局" not in response.content.decode()
    assert response["Cache-Control"] in ("max-age=30, public", "public, max-age=30")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"year": "2023"}, ["北京市朝阳区南磨房地区办事处2023"]),
        ({"kind": "department"}, ["北京市海淀区民政局2024"]),
        ({"q": "南磨房"}, ["北京市朝阳区南磨房地区办事处2024", "北京市朝阳区南磨房地区办事处2023"]),
        ({"q": "南磨房", "year": "2024"}, ["北京市朝阳区南磨房地区办事处2024"]),
        ({"q": "不存在"}, []),
        (
            {"year": "1999"},
            ["北京市朝阳区南磨房地区办事处2024", "北京市海淀区民政局2024", "北京市朝阳区南磨房地区办事处2023"],
        ),
    ],
)
def test_the_listing_filters(anonymous_client, site, query, expected):
    response = anonymous_client.get(reverse("reports:public_list"), query)

    found = titles(response)
    assert len(found) == len(expected)
    assert all(title.startswith(prefix) for title, prefix in zip(found, expected, strict=True))


def test_the_listing_filters_by_district(anonymous_client, site):
    haidian = Agency.objects.get(name="北京市海淀区民政局").district
    response = anonymous_client.get(reverse("reports:public_list"), {"district": haidian.pk})
    assert titles(response) == ["北京市海淀区民政局2024年政府信息公开工作年度报告"]


def test_the_listing_has_pages_of_twenty(anonymous_client, district):
    for index in range(23):
        agency = make_agency(f"北京市朝阳区第{index:02d}局", district=district)
        published_row(approved_report(agency))

    first = anonymous_client.get(reverse("reports:public_list"))
    second = anonymous_client.get(reverse("reports:public_list"), {"page": 2})
    beyond = anonymous_client.get(reverse("reports:public_list"), {"page": 99})

    assert len(titles(first)) == 20
    assert len(titles(second)) == 3
    assert titles(beyond) == titles(second)
    assert "共 23 份报告" in first.content.decode()
    assert 'rel="next"' in first.content.decode()
    assert "共 23 份报告，第 2/2 页" in beyond.content.decode()
    # As Django's paginator reads them: below 1 is the last page, not a number the first.
    for page, expected in (("0", second), ("-3", second), ("x", first), ("1", first), ("9" * 40, second)):
        response = anonymous_client.get(reverse("reports:public_list"), {"page": page})
        assert titles(response) == titles(expected), page


def test_a_page_past_the_end_of_a_filtered_listing_is_its_last_page(anonymous_client, district):
    for index in range(25):
        agency = make_agency(f"北京市朝阳区第{index:02d}局", district=district)
        published_row(approved_report(agency))
    published_row(approved_report(make_agency("北京市朝阳区另一个办公室", district=district)))

    response = anonymous_client.get(reverse("reports:public_list"), {"q": "局", "page": 7})

    assert "共 25 份报告，第 2/2 页" in response.content.decode()
    assert len(titles(response)) == 5


def test_a_page_spelt_otherwise_is_not_cached_as_another_page(anonymous_client, district):
    # ``?page=-3`` shows the last page: it must not be kept under the first page's key.
    for index in range(23):
        agency = make_agency(f"北京市朝阳区第{index:02d}局", district=district)
        published_row(approved_report(agency))
    last = anonymous_client.get(reverse("reports:public_list"), {"page": "-3"})
    first = anonymous_client.get(reverse("reports:public_list"))

    assert len(titles(last)) == 3
    assert len(titles(first)) == 20


def test_a_signed_in_visitor_gets_a_private_page(reviewer_client, site):
    response = reviewer_client.get(reverse("reports:public_list"))
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


# ── A report's page ─────────────────────────────────────────────────────────────────────


def test_the_report_page_shows_the_document_charts_downloads_and_versions(anonymous_client, site):
    publication = site["nanmofang-2024"]

    response = anonymous_client.get(reverse("reports:public_detail", args=[publication.report_id]))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<article class="gov-report"' in html
    assert "三、本年度办理结果" in html
    assert "北京市朝阳区南磨房地区办事处" in html
    for kind in ("pdf", "docx", "xlsx", "json", "html"):
        assert reverse("reports:public_download", args=[publication.report_id, 1, kind]) in html
    # Each file with its checksum, the Word document included.
    for record in publication.files.all():
        assert record.sha256 in html
    assert publication.files.filter(kind="docx").exists()
    assert "Word 文档" in html
    assert reverse("reports:open_data_csv", args=[2024]) in html
    assert 'id="chart-handling-title"' in html
    assert 'id="chart-years-title"' in html  # 2023 is published too
    assert "<svg" in html
    assert "第 1 版" in html


def test_without_earlier_years_there_is_no_years_chart(anonymous_client, site):
    publication = site["minzheng-2024"]
    html = anonymous_client.get(reverse("reports:public_detail", args=[publication.report_id])).content.decode()
    assert 'id="chart-handling-title"' in html
    assert 'id="chart-years-title"' not in html


def test_a_report_that_is_not_published_is_not_found(anonymous_client, site):
    from reports.models import Report

    draft_report = Report.objects.get(agency__name="北京市朝阳区草稿局")
    queued = Publication.objects.get(status="queued")
    assert anonymous_client.get(reverse("reports:public_detail", args=[queued.report_id])).status_code == 404
    assert anonymous_client.get(reverse("reports:public_detail", args=[draft_report.pk])).status_code == 404
    url = reverse("reports:public_download", args=[queued.report_id, 1, "pdf"])
    assert anonymous_client.get(url).status_code == 404


def test_a_correction_shows_the_current_version_its_reason_and_the_earlier_one(anonymous_client, agency_a):
    report = approved_report(agency_a)
    publish(report)
    reopen_directly(report)
    publish(report, correction_reason="行政处罚件数更正为 41 件。")

    html = anonymous_client.get(reverse("reports:public_detail", args=[report.pk])).content.decode()

    assert "更正说明（第 2 版）" in html
    assert "行政处罚件数更正为 41 件。" in html
    assert "当前版本" in html
    assert "已更正" in html
    assert reverse("reports:public_version", args=[report.pk, 1]) in html
    assert reverse("reports:public_download", args=[report.pk, 1, "pdf"]) in html
    assert reverse("reports:public_download", args=[report.pk, 2, "pdf"]) in html

    # A version's own page never changes (it is kept for good): it says which version it
    # is and links to the report's current page instead of naming the current version.
    earlier = anonymous_client.get(reverse("reports:public_version", args=[report.pk, 1])).content.decode()
    assert "这是第 1 版" in earlier
    assert f'href="{reverse("reports:public_detail", args=[report.pk])}"' in earlier
    assert "行政处罚件数更正为 41 件。" not in earlier
    second = anonymous_client.get(reverse("reports:public_version", args=[report.pk, 2])).content.decode()
    assert "已更正" in second  # version 1, listed on version 2's page
    assert "行政处罚件数更正为 41 件。" in second
    assert anonymous_client.get(reverse("reports:public_version", args=[report.pk, 3])).status_code == 404


# ── Downloads ───────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [
        ("pdf", "application/pdf"),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("json", "application/json; charset=utf-8"),
        ("html", "text/html; charset=utf-8"),
    ],
)
def test_a_download_is_the_stored_file(anonymous_client, site, kind, content_type):
    publication = site["nanmofang-2024"]
    record = publication.files.get(kind=kind)

    response = anonymous_client.get(reverse("reports:public_download", args=[publication.report_id, 1, kind]))

    body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert hashlib.sha256(body).hexdigest() == record.sha256
    assert response["ETag"] == f'"{record.sha256}"'
    assert "immutable" in response["Cache-Control"]
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''" in disposition.lower()
    assert f".{kind}" in disposition


def test_an_unknown_format_is_not_found(anonymous_client, site):
    publication = site["nanmofang-2024"]
    response = anonymous_client.get(f"/reports/{publication.report_id}/v1.exe")
    assert response.status_code == 404


# ── Read-only ───────────────────────────────────────────────────────────────────────────


def public_urls(publication) -> list[str]:
    pk = publication.report_id
    return [
        reverse("reports:public_list"),
        reverse("reports:public_detail", args=[pk]),
        reverse("reports:public_version", args=[pk, 1]),
        *(reverse("reports:public_download", args=[pk, 1, kind]) for kind in ("pdf", "docx", "xlsx", "json", "html")),
        reverse("reports:api_list"),
        reverse("reports:api_detail", args=[pk]),
        reverse("reports:open_data"),
        reverse("reports:open_data_csv", args=[2024]),
    ]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_no_public_url_accepts_a_write(site, method, admin_client):
    publication = site["nanmofang-2024"]
    before = snapshot_of_publications()
    for url in public_urls(publication):
        response = getattr(admin_client, method)(url, data={"snapshot": "{}"})
        assert response.status_code == 405, url
    assert snapshot_of_publications() == before


def snapshot_of_publications() -> list[tuple]:
    from reports.models import PublicationFile

    return [
        *Publication.objects.order_by("pk").values_list("pk", "version", "status", "snapshot", "correction_reason"),
        *PublicationFile.objects.order_by("pk").values_list("pk", "path", "sha256", "size"),
    ]


def test_a_published_report_cannot_be_edited_through_the_editing_urls(clerk_a_client, agency_a, clerk_a):
    report = approved_report(agency_a)
    publish(report)
    before = snapshot_of_publications()
    cells = complete_cells()
    cells["t3.new.natural"] = 999

    save = clerk_a_client.post(
        reverse("reports:save", args=[report.pk]),
        data={"version": report.version, "cells": cells},
        content_type="application/json",
    )

    assert save.status_code in (403, 409)
    assert snapshot_of_publications() == before


# ── No inline script or style ───────────────────────────────────────────────────────────


class InlineFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self._script_without_src = False

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if "style" in names:
            self.problems.append(f"style= on <{tag}>")
        self.problems += [f"{name}= on <{tag}>" for name in names if name.startswith("on")]
        if tag == "style":
            self.problems.append("<style>")
        self._script_without_src = tag == "script" and "src" not in names

    def handle_data(self, data):
        if self._script_without_src and data.strip():
            self.problems.append("inline <script>")

    def handle_endtag(self, tag):
        self._script_without_src = False


@pytest.mark.parametrize("which", ["list", "detail", "open_data"])
def test_public_pages_have_no_inline_script_or_style(anonymous_client, site, which):
    publication = site["nanmofang-2024"]
    url = {
        "list": reverse("reports:public_list"),
        "detail": reverse("reports:public_detail", args=[publication.report_id]),
        "open_data": reverse("reports:open_data"),
    }[which]
    finder = InlineFinder()
    finder.feed(anonymous_client.get(url).content.decode())
    assert finder.problems == []
