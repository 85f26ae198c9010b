"""The spreadsheet and JSON views: download the template, upload it filled, export.

(The workbook itself — layout, round trip, hostile files — is tested in test_spreadsheet.py;
here: what the views do with it.)
"""

import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reports.interchange import report_to_document
from reports.models import Report
from reports.spreadsheet import build_workbook, cell_address, read_workbook
from tests.factories import report_state

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filled(data: bytes, **by_code) -> bytes:
    """Type into the template as a clerk would in Excel (``t6__fee_notices=0``)."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for code, value in by_code.items():
        sheet, coordinate = cell_address(code.replace("__", ".")).split("!")
        wb[sheet][coordinate] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, report, content: bytes, *, name="模板.xlsx", version=None):
    return client.post(
        reverse("reports:upload", args=[report.pk]),
        {"file": SimpleUploadedFile(name, content, content_type=XLSX), "version": version or report.version},
        follow=True,
    )


def test_the_template_is_the_official_layout_with_the_figures_so_far(clerk_a_client, draft_report):
    response = clerk_a_client.get(reverse("reports:template", args=[draft_report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    assert ".xlsx" in response["Content-Disposition"]
    document = read_workbook(io.BytesIO(response.content), strict=False)
    assert document.year == 2024
    assert document.agency_name == draft_report.agency.name
    assert document.cells["t2.penalty.decisions"] == 510


def test_exports_give_the_draft_as_json_and_xlsx(clerk_a_client, draft_report):
    response = clerk_a_client.get(reverse("reports:export_json", args=[draft_report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    data = json.loads(response.content)
    assert data["format"] == "gov-info-annual-report/2021"
    assert data["cells"]["t3.new.total"] == 11
    assert data["cells"]["t6.fee_notices"] is None
    response = clerk_a_client.get(reverse("reports:export_xlsx", args=[draft_report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX


def test_a_submitted_report_can_still_be_exported(clerk_a_client, submitted_report):
    assert clerk_a_client.get(reverse("reports:export_json", args=[submitted_report.pk])).status_code == 200


def test_a_good_upload_lands_in_the_draft(clerk_a_client, draft_report):
    template = build_workbook(report_to_document(draft_report))
    content = filled(template, t6__fee_notices=0, t6__fee_notice_amount=0, t6__fee_collected=0, t3__new__natural=13)
    response = upload(clerk_a_client, draft_report, content)
    assert response.redirect_chain[-1][0] == reverse("reports:edit", args=[draft_report.pk])
    html = response.content.decode()
    assert "4 个单元格有变化" in html
    report = Report.objects.get(pk=draft_report.pk)
    assert report.cells["t6.fee_notices"] == 0
    assert report.cells["t6.fee_collected"] == "0"
    assert report.cells["t3.new.natural"] == 13
    assert report.version == 2


def test_a_bad_upload_changes_nothing_and_lists_each_refused_cell(clerk_a_client, draft_report):
    before = report_state(draft_report)
    template = build_workbook(report_to_document(draft_report))
    content = filled(template, t6__fee_notices="三件", t3__new__natural=-2, t6__fee_collected=0)
    response = upload(clerk_a_client, draft_report, content)
    assert response.status_code == 400
    html = response.content.decode()
    assert "文件未导入，报告没有任何改动" in html
    problems = response.context["problems"]
    assert {problem["code"] for problem in problems} == {"t6.fee_notices", "t3.new.natural"}
    assert cell_address("t6.fee_notices").replace("!", "") in html.replace("!", "")
    assert "发出收费通知的件数" in html
    assert report_state(draft_report) == before


@pytest.mark.parametrize(
    ("content", "name"),
    [(b"not a spreadsheet", "a.xlsx"), (b"PK\x03\x04broken", "b.xlsx"), ("年,度\n".encode(), "c.csv")],
)
def test_a_file_that_is_not_the_template_changes_nothing(clerk_a_client, draft_report, content, name):
    before = report_state(draft_report)
    response = upload(clerk_a_client, draft_report, content, name=name)
    assert response.status_code == 400
    assert "文件未导入" in response.content.decode()
    assert report_state(draft_report) == before


def test_the_template_of_another_year_changes_nothing(clerk_a_client, draft_report):
    before = report_state(draft_report)
    document = report_to_document(draft_report)
    document.year = 2023
    response = upload(clerk_a_client, draft_report, build_workbook(document))
    assert response.status_code == 400
    assert "2023 年度" in response.content.decode()
    assert report_state(draft_report) == before


def test_an_upload_from_a_stale_page_changes_nothing(clerk_a_client, draft_report, clerk_a):
    from reports.editing import report_save

    report_save(report_id=draft_report.pk, expected_version=1, cells={"t2.penalty.decisions": 9}, by=clerk_a)
    before = report_state(draft_report)
    response = upload(clerk_a_client, draft_report, build_workbook(report_to_document(draft_report)), version=1)
    assert response.status_code == 409
    assert "张明" in response.content.decode()
    assert report_state(draft_report) == before


def test_uploading_to_a_submitted_report_is_refused_with_a_message(clerk_a_client, submitted_report):
    before = report_state(submitted_report)
    response = upload(clerk_a_client, submitted_report, build_workbook(report_to_document(submitted_report)))
    assert response.redirect_chain[-1][0] == reverse("reports:edit", args=[submitted_report.pk])
    assert "不能再修改" in response.content.decode()
    assert report_state(submitted_report) == before


def test_the_upload_page_explains_the_steps(clerk_a_client, draft_report):
    response = clerk_a_client.get(reverse("reports:upload", args=[draft_report.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("reports:template", args=[draft_report.pk]) in html
    assert 'type="file"' in html
