"""The clerk's home page: the agency's reports by year, and creating the report of a year."""

import pytest
from django.urls import reverse

from reports.models import Report
from tests.factories import complete_cells, complete_texts, make_report

pytestmark = pytest.mark.django_db


def test_the_home_lists_the_agencys_reports_with_status_and_deadline(clerk_a_client, draft_report, agency_b):
    make_report(agency_b, year=2024)
    response = clerk_a_client.get(reverse("reports:home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert list(response.context["reports"]) == [draft_report]
    assert "2024年度" in html
    assert "草稿" in html
    assert "2025年1月31日" in html
    assert reverse("reports:edit", args=[draft_report.pk]) in html
    assert "新建年度报告" in html


def test_the_year_choices_leave_out_the_years_that_have_a_report(clerk_a_client, draft_report):
    form = clerk_a_client.get(reverse("reports:home")).context["create_form"]
    years = [value for value, _label in form.fields["year"].choices]
    assert 2024 not in years
    assert 2021 in years


def test_creating_a_report_redirects_to_its_page_and_says_what_was_prefilled(clerk_a_client, agency_a):
    make_report(agency_a, year=2023, status=Report.Status.PUBLISHED, cells=complete_cells(), texts=complete_texts())
    response = clerk_a_client.post(reverse("reports:create"), {"year": "2024"}, follow=True)
    report = Report.objects.get(agency=agency_a, year=2024)
    assert response.redirect_chain[-1][0] == reverse("reports:edit", args=[report.pk])
    html = response.content.decode()
    assert "已新建2024年度报告草稿" in html
    assert "预填 9 个单元格" in html


def test_creating_a_year_that_exists_is_refused_with_a_message(clerk_a_client, draft_report):
    response = clerk_a_client.post(reverse("reports:create"), {"year": "2024"}, follow=True)
    assert "请选择一个尚未建立报告的年度" in response.content.decode()
    assert Report.objects.count() == 1


def test_district_people_cannot_create_reports(reviewer_client):
    assert reviewer_client.post(reverse("reports:create"), {"year": "2024"}).status_code == 403
    assert not Report.objects.exists()


def test_a_draft_past_its_deadline_is_flagged(clerk_a_client, agency_a):
    make_report(agency_a, year=2021)
    make_report(agency_a, year=2022, status=Report.Status.SUBMITTED)
    html = clerk_a_client.get(reverse("reports:home")).content.decode()
    assert html.count("已逾期") == 1
