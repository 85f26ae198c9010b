"""Every URL of the agency's data entry, asked by people who may not: nothing leaks, nothing changes.

An anonymous visitor is sent to the login page (the JSON endpoints answer 403 with the login
URL); a clerk of another agency gets 404 (the id reveals nothing); a reviewer of the district
may look but not change (403). After each request the report is exactly as before.
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver, reverse

from reports import standard
from reports.interchange import report_to_document
from reports.models import Report
from reports.spreadsheet import build_workbook
from tests.factories import report_state

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def draft_form(report) -> dict:
    data = {"version": str(report.version)}
    for code in standard.CELL_CODES:
        data[code] = "0"  # every figure changed: a leak would show
    data.update({key: "改写的内容" for key in standard.TEXT_KEYS})
    return data


def xlsx_upload(report) -> dict:
    document = report_to_document(report)
    document.cells = {code: 0 for code in standard.CELL_CODES}
    content = build_workbook(document)
    return {"file": SimpleUploadedFile("t.xlsx", content), "version": str(report.version)}


# (url name, method, payload builder, kind): kind "json" posts a JSON body.
REPORT_URLS = [
    ("reports:edit", "get", None, "html"),
    ("reports:edit", "post", draft_form, "html"),
    ("reports:check", "post", lambda r: {"cells": {"t3.new.natural": "1"}}, "json"),
    ("reports:save", "post", lambda r: {"version": r.version, "cells": {"t3.new.natural": "1"}}, "json"),
    ("reports:upload", "get", None, "html"),
    ("reports:upload", "post", xlsx_upload, "multipart"),
    ("reports:template", "get", None, "html"),
    ("reports:export_xlsx", "get", None, "html"),
    ("reports:export_json", "get", None, "html"),
    ("review:submit", "post", draft_form, "html"),
]
WRITE_URLS = [entry for entry in REPORT_URLS if entry[1] == "post" or entry[0] == "reports:upload"]
OTHER_URLS = [("reports:home", "get"), ("reports:create", "post")]


def request(client, name, method, payload, kind, report):
    url = reverse(name, args=[report.pk])
    if method == "get":
        return client.get(url)
    data = payload(report)
    if kind == "json":
        return client.post(url, data=json.dumps(data), content_type="application/json")
    return client.post(url, data)


def test_every_url_of_the_data_entry_is_covered_here():
    """Every URL served by ``reports/views.py`` (the data entry) and the clerk's submission."""
    import reports.views
    import review.views

    names = set()
    for namespace in ("reports", "review"):
        resolver = get_resolver().namespace_dict[namespace][1]
        for pattern in resolver.url_patterns:
            view = getattr(pattern.callback, "__wrapped__", pattern.callback)
            module = getattr(pattern.callback, "__module__", "")
            if (
                module == reports.views.__name__
                or view is review.views.submit
                or pattern.callback is review.views.submit
            ):
                names.add(f"{namespace}:{pattern.name}")
    assert "reports:save" in names and "review:submit" in names
    covered = {entry[0] for entry in REPORT_URLS} | {name for name, _ in OTHER_URLS} | {"reports:public_list"}
    assert names <= covered, f"not covered by the access tests: {sorted(names - covered)}"


@pytest.mark.parametrize(("name", "method", "payload", "kind"), REPORT_URLS)
def test_an_anonymous_visitor_is_sent_to_login_and_nothing_changes(
    anonymous_client, draft_report, name, method, payload, kind
):
    before = report_state(draft_report)
    response = request(anonymous_client, name, method, payload, kind, draft_report)
    if kind == "json":
        assert response.status_code == 403
        assert response.json()["error"] == "login"
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
    assert report_state(draft_report) == before


@pytest.mark.parametrize(("name", "method", "payload", "kind"), REPORT_URLS)
def test_a_clerk_of_another_agency_gets_404_and_nothing_changes(
    clerk_b_client, draft_report, name, method, payload, kind
):
    before = report_state(draft_report)
    response = request(clerk_b_client, name, method, payload, kind, draft_report)
    assert response.status_code == 404
    assert draft_report.agency.name not in response.content.decode()
    assert report_state(draft_report) == before


@pytest.mark.parametrize(("name", "method", "payload", "kind"), WRITE_URLS)
def test_a_reviewer_of_the_district_cannot_change_the_draft(reviewer_client, draft_report, name, method, payload, kind):
    before = report_state(draft_report)
    response = request(reviewer_client, name, method, payload, kind, draft_report)
    assert response.status_code == 403
    assert report_state(draft_report) == before


@pytest.mark.parametrize(("name", "method", "payload", "kind"), WRITE_URLS)
def test_the_agencys_own_clerk_cannot_change_a_submitted_report(
    clerk_a_client, submitted_report, name, method, payload, kind
):
    before = report_state(submitted_report)
    response = request(clerk_a_client, name, method, payload, kind, submitted_report)
    if kind == "json" and name == "reports:save":
        assert response.status_code == 403
        assert "不能再修改" in response.json()["message"]
    elif kind == "json":
        assert response.status_code == 403
    else:
        assert response.status_code == 302
        assert response["Location"] == reverse("reports:edit", args=[submitted_report.pk])
    assert report_state(submitted_report) == before


@pytest.mark.parametrize(("name", "method"), OTHER_URLS)
def test_home_and_create_send_an_anonymous_visitor_to_login(anonymous_client, name, method):
    response = getattr(anonymous_client, method)(reverse(name), {"year": "2024"} if method == "post" else None)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert not Report.objects.exists()


def test_another_agencys_clerk_sees_none_of_our_reports_at_home_and_creates_only_their_own(
    clerk_b_client, draft_report, agency_b
):
    response = clerk_b_client.get(reverse("reports:home"))
    assert list(response.context["reports"]) == []
    assert draft_report.agency.name not in response.content.decode()
    before = report_state(draft_report)
    clerk_b_client.post(reverse("reports:create"), {"year": "2024"})
    assert Report.objects.get(year=2024, agency=agency_b)  # their own agency's, whatever was posted
    assert report_state(draft_report) == before


def test_get_requests_to_post_only_urls_are_refused(clerk_a_client, draft_report):
    for name in ("reports:check", "reports:save", "review:submit"):
        assert clerk_a_client.get(reverse(name, args=[draft_report.pk])).status_code == 405
    assert clerk_a_client.get(reverse("reports:create")).status_code == 405
