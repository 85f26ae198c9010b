"""The open data: the JSON API (listing with the page's filters; a report in the interchange
format) and the CSV of a year's figures (one row per report, one column per cell code,
formula-like cells neutralised)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re

import pytest
from django.urls import reverse

from reports import standard
from reports.interchange import loads
from reports.models import Agency, Publication
from reports.public_site.api import neutralise
from tests.factories import make_agency, make_district

from .publishing_fixtures import (
    approved_report,
    media_root_fixture,  # noqa: F401 - the fixture media_root
    publish,
    published_row,
    reopen_directly,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


@pytest.fixture
def site(district):
    haidian = make_district("北京市海淀区")
    nanmofang = make_agency("北京市朝阳区南磨房地区办事处", district=district)
    minzheng = Agency.objects.create(name="北京市海淀区民政局", district=haidian, kind=Agency.Kind.DEPARTMENT)
    return {
        "nanmofang-2024": publish(approved_report(nanmofang, year=2024)),
        "nanmofang-2023": published_row(approved_report(nanmofang, year=2023)),
        "minzheng-2024": published_row(approved_report(minzheng, year=2024)),
    }


def api(client, **query):
    response = client.get(reverse("reports:api_list"), query)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    return response.json()


def test_the_api_lists_the_published_reports(anonymous_client, site):
    data = api(anonymous_client)

    assert (data["count"], data["page"], data["pages"], data["page_size"]) == (3, 1, 1, 20)
    assert data["next"] is None and data["previous"] is None
    first = data["results"][0]
    publication = site["nanmofang-2024"]
    assert first["id"] == publication.report_id
    assert first["agency"] == "北京市朝阳区南磨房地区办事处"
    assert first["district"] == "北京市朝阳区"
    assert (first["agency_kind"], first["agency_kind_label"]) == ("street", "街道（地区）办事处")
    assert (first["year"], first["version"]) == (2024, 1)
    assert first["url"].endswith(f"/reports/{publication.report_id}/")
    assert first["document"].endswith(f"/api/reports/{publication.report_id}.json")
    assert first["files"]["pdf"].endswith(f"/reports/{publication.report_id}/v1.pdf")
    assert set(first["files"]) == {"pdf", "docx", "xlsx", "json", "html"}


@pytest.mark.parametrize(
    ("query", "agencies"),
    [
        ({"year": 2023}, ["北京市朝阳区南磨房地区办事处"]),
        ({"kind": "department"}, ["北京市海淀区民政局"]),
        ({"q": "民政"}, ["北京市海淀区民政局"]),
        ({"year": 2024, "q": "办事处"}, ["北京市朝阳区南磨房地区办事处"]),
    ],
)
def test_the_api_takes_the_pages_filters(anonymous_client, site, query, agencies):
    data = api(anonymous_client, **query)
    assert [item["agency"] for item in data["results"]] == agencies


def test_the_api_filters_by_district(anonymous_client, site):
    haidian = Agency.objects.get(name="北京市海淀区民政局").district_id
    assert [item["agency"] for item in api(anonymous_client, district=haidian)["results"]] == ["北京市海淀区民政局"]


def test_the_api_pages_by_keyset(anonymous_client, district):
    for index in range(45):
        agency = make_agency(f"北京市朝阳区第{index:02d}局", district=district)
        published_row(approved_report(agency, year=2023 + index % 2))

    pages = [api(anonymous_client)]
    while pages[-1]["next"]:
        assert "cursor=" in pages[-1]["next"]
        pages.append(anonymous_client.get(pages[-1]["next"]).json())

    assert [len(page["results"]) for page in pages] == [20, 20, 5]
    assert {page["count"] for page in pages} == {45}
    seen = [(item["year"], item["agency"]) for page in pages for item in page["results"]]
    # Every report once, in the listing's order across the change of year (2024, then 2023).
    assert seen == sorted(seen, key=lambda pair: (-pair[0], pair[1]))
    assert len(set(seen)) == 45


def test_the_api_still_reads_page_numbers(anonymous_client, district):
    for index in range(21):
        published_row(approved_report(make_agency(f"北京市朝阳区第{index:02d}局", district=district)))

    first = api(anonymous_client)
    second = api(anonymous_client, page=2)

    assert (first["count"], first["pages"], len(first["results"])) == (21, 2, 20)
    assert (len(second["results"]), second["previous"].endswith("page=1")) == (1, True)
    assert second["results"][0]["agency"] == "北京市朝阳区第20局"


@pytest.mark.parametrize("cursor", ["x", "%%%", "W10", "WzEsMiwzXQ", "a" * 500])
def test_a_bad_cursor_is_refused_in_chinese(anonymous_client, site, cursor):
    response = anonymous_client.get(reverse("reports:api_list"), {"cursor": cursor})
    assert response.status_code == 400
    assert "cursor 参数无效" in response.json()["error"]


def test_a_report_in_the_interchange_format_is_the_published_json_file(anonymous_client, site):
    publication = site["nanmofang-2024"]
    record = publication.files.get(kind="json")

    response = anonymous_client.get(reverse("reports:api_detail", args=[publication.report_id]))

    body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert hashlib.sha256(body).hexdigest() == record.sha256
    document = loads(body.decode("utf-8"))
    assert (document.agency_name, document.year) == ("北京市朝阳区南磨房地区办事处", 2024)
    assert json.loads(body)["format"] == standard.FORMAT_ID


def test_the_api_gives_the_current_version_after_a_correction(anonymous_client, agency_a):
    report = approved_report(agency_a)
    publish(report)
    reopen_directly(report)
    second = publish(report, correction_reason="更正")

    response = anonymous_client.get(reverse("reports:api_detail", args=[report.pk]))

    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == second.files.get(kind="json").sha256
    assert api(anonymous_client)["results"][0]["version"] == 2


def test_an_unpublished_report_is_not_in_the_api(anonymous_client, draft_report):
    assert anonymous_client.get(reverse("reports:api_detail", args=[draft_report.pk])).status_code == 404
    assert api(anonymous_client)["count"] == 0


# ── CSV ─────────────────────────────────────────────────────────────────────────────────


def read_csv(response) -> tuple[bytes, list[list[str]]]:
    body = b"".join(response.streaming_content)
    return body, list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_year_csv_has_one_row_per_report_and_one_column_per_cell(anonymous_client, site):
    response = anonymous_client.get(reverse("reports:open_data_csv", args=[2024]))

    body, rows = read_csv(response)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert body.startswith(b"\xef\xbb\xbf")  # a BOM, so that Excel reads UTF-8
    header, *data = rows
    assert header[:7] == ["report_id", "agency", "district", "agency_kind", "year", "version", "published_at"]
    assert header[7:] == list(standard.CELL_CODES)
    assert len(header) == 7 + 203
    assert [row[1] for row in data] == ["北京市朝阳区南磨房地区办事处", "北京市海淀区民政局"]
    nanmofang = dict(zip(header, data[0], strict=True))
    snapshot = site["nanmofang-2024"].snapshot["cells"]
    assert nanmofang["t3.new.total"] == str(snapshot["t3.new.total"])
    assert nanmofang["t2.fees.amount"] == str(snapshot["t2.fees.amount"])
    assert nanmofang["year"] == "2024"


def test_a_year_without_published_reports_has_no_csv(anonymous_client, site):
    assert anonymous_client.get(reverse("reports:open_data_csv", args=[2019])).status_code == 404


def test_a_corrected_report_has_one_row_with_the_current_figures(anonymous_client, agency_a):
    report = approved_report(agency_a)
    publish(report)
    reopen_directly(report)
    from reports.models import Report

    Report.objects.filter(pk=report.pk).update(cells={**report.cells, "t2.penalty.decisions": 41})
    publish(report, correction_reason="更正")

    _, rows = read_csv(anonymous_client.get(reverse("reports:open_data_csv", args=[2024])))

    header, *data = rows
    assert len(data) == 1
    row = dict(zip(header, data[0], strict=True))
    assert (row["version"], row["t2.penalty.decisions"]) == ("2", "41")


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x")', "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_text_is_neutralised(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["北京市", "12.5", 0, 41, "", None])
def test_other_values_are_kept(value):
    assert neutralise(value) == value


def test_an_agency_named_like_a_formula_is_neutralised_in_the_csv(anonymous_client, district):
    agency = Agency.objects.create(name="=cmd|' /C calc'!A0", district=district)
    published_row(approved_report(agency))

    _, rows = read_csv(anonymous_client.get(reverse("reports:open_data_csv", args=[2024])))

    assert rows[1][1] == "'=cmd|' /C calc'!A0"


def test_the_open_data_page_lists_the_years(anonymous_client, site):
    html = anonymous_client.get(reverse("reports:open_data")).content.decode()
    assert reverse("reports:open_data_csv", args=[2024]) in html
    assert reverse("reports:open_data_csv", args=[2023]) in html


def test_queued_publications_are_not_in_the_open_data(anonymous_client, agency_a):
    from reports.publishing import publication_queue

    publication_queue(report_id=approved_report(agency_a).pk)
    assert Publication.objects.count() == 1
    assert api(anonymous_client)["count"] == 0
    assert anonymous_client.get(reverse("reports:open_data_csv", args=[2024])).status_code == 404


# ── For readers: Chinese names, Beijing time, a data dictionary (issue 14) ────────────────


def test_the_api_gives_beijing_time_with_its_offset(anonymous_client, site):
    from django.utils import timezone

    item = api(anonymous_client)["results"][0]
    published = site["nanmofang-2024"].published_at

    assert item["published_at"].endswith("+08:00")
    assert item["published_at"] == timezone.localtime(published).isoformat()


def test_the_csv_names_the_agency_kind_in_chinese_and_the_time_in_beijing(anonymous_client, site):
    _, rows = read_csv(anonymous_client.get(reverse("reports:open_data_csv", args=[2024])))
    header, *data = rows
    by_agency = {row[1]: dict(zip(header, row, strict=True)) for row in data}

    assert by_agency["北京市朝阳区南磨房地区办事处"]["agency_kind"] == "街道（地区）办事处"
    assert by_agency["北京市海淀区民政局"]["agency_kind"] == "区级部门"
    assert by_agency["北京市海淀区民政局"]["published_at"].endswith("+08:00")


def test_the_public_pages_name_the_agency_kind_in_chinese(anonymous_client, site):
    html = anonymous_client.get(reverse("reports:public_list")).content.decode()
    assert re.search(r"<td[^>]*>街道（地区）办事处</td>", html)
    assert re.search(r"<td[^>]*>区级部门</td>", html)
    assert not re.search(r">\s*(street|department|township|district)\s*<", html)


def test_the_data_dictionary_explains_every_column_of_the_year_csv(anonymous_client, site):
    _, year_rows = read_csv(anonymous_client.get(reverse("reports:open_data_csv", args=[2024])))
    response = anonymous_client.get(reverse("reports:open_data_dictionary"))
    body = response.content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))

    assert response.status_code == 200
    assert body.startswith(b"\xef\xbb\xbf")
    header, *entries = rows
    assert header == ["列名", "表", "栏目", "行", "列", "单位", "完整名称"]
    assert [entry[0] for entry in entries] == year_rows[0]  # one entry per column, in order
    by_code = {entry[0]: entry for entry in entries}
    for cell in standard.CELLS:
        _, table, _section, row, column, unit, label = by_code[cell.code]
        assert table.startswith(f"{standard.STANDARD.table(cell.table).part}、")
        assert (row, column, unit, label) == (
            " / ".join(cell.row.path),
            " / ".join(cell.column.path),
            cell.kind.unit,
            cell.label,
        )
    assert by_code["t3.new.natural"][1] == "三、收到和处理政府信息公开申请情况"
    assert "自然人" in by_code["t3.new.natural"][4]
    assert "北京时间" in by_code["published_at"][6]


def test_the_open_data_page_links_the_data_dictionary(anonymous_client, site):
    html = anonymous_client.get(reverse("reports:open_data")).content.decode()
    assert f'href="{reverse("reports:open_data_dictionary")}"' in html
    assert "数据字典" in html
