"""Published data and files cannot be changed through the admin or an import; the
publishing panel, its status endpoint and the office's retry button."""

from __future__ import annotations

from unittest import mock

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from reports import publishing
from reports.interchange import report_to_document
from reports.models import Publication, PublicationFile, Report
from reports.publishing import publication_fail, publication_queue
from reports.services import ReportLockedError, report_import
from tests.factories import make_district, make_reviewer, make_user
from tests.personas import client_for

from .publishing_fixtures import (
    approved_report,
    file_sha256,
    media_root_fixture,  # noqa: F401 - the fixture media_root
    publish,
    reopen_directly,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def state() -> list[tuple]:
    return [
        *Publication.objects.order_by("pk").values_list(
            "pk", "version", "status", "is_current", "snapshot", "correction_reason"
        ),
        *PublicationFile.objects.order_by("pk").values_list("pk", "kind", "path", "sha256", "size"),
    ]


@pytest.fixture
def published(agency_a):
    return publish(approved_report(agency_a))


# ── The admin ───────────────────────────────────────────────────────────────────────────


@pytest.fixture
def superuser_client(db):
    user = make_user("root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_shows_a_publication_read_only(superuser_client, published):
    listing = superuser_client.get(reverse("admin:reports_publication_changelist"))
    page = superuser_client.get(reverse("admin:reports_publication_change", args=[published.pk]))

    assert listing.status_code == 200
    assert published.agency_name in listing.content.decode()
    assert page.status_code == 200
    html = page.content.decode()
    assert published.files.get(kind="pdf").sha256 in html
    assert 'name="_save"' not in html
    assert 'name="snapshot"' not in html


def test_the_admin_cannot_change_add_or_delete_a_publication(superuser_client, published):
    before = state()
    change = superuser_client.post(
        reverse("admin:reports_publication_change", args=[published.pk]),
        {"correction_reason": "改", "snapshot": "{}", "version": 9, "_save": "保存"},
    )
    add = superuser_client.post(reverse("admin:reports_publication_add"), {"version": 2})
    delete = superuser_client.post(reverse("admin:reports_publication_delete", args=[published.pk]), {"post": "yes"})
    bulk = superuser_client.post(
        reverse("admin:reports_publication_changelist"),
        {"action": "delete_selected", "_selected_action": [published.pk], "post": "yes"},
    )

    assert change.status_code == 403
    assert add.status_code == 403
    assert delete.status_code == 403
    assert bulk.status_code in (200, 302, 403)
    assert state() == before


def test_the_admin_has_no_page_for_files_alone(superuser_client, published):
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        reverse("admin:reports_publicationfile_changelist")


# ── Imports ─────────────────────────────────────────────────────────────────────────────


def test_an_import_cannot_replace_a_published_report(published):
    document = report_to_document(published.report)
    document.cells["t3.new.natural"] = 999
    before = state()

    with pytest.raises(ReportLockedError):
        report_import(document=document)

    assert state() == before
    assert Report.objects.get(pk=published.report_id).cells["t3.new.natural"] != 999


def test_an_import_into_a_reopened_report_leaves_the_published_version_as_it_was(published):
    report = published.report
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RETURNED)
    document = report_to_document(report)
    document.cells["t3.new.natural"] = 999
    before = state()

    report_import(document=document)

    assert Report.objects.get(pk=report.pk).cells["t3.new.natural"] == 999
    assert state() == before
    for record in PublicationFile.objects.all():
        assert file_sha256(record.path) == record.sha256


# ── The status endpoint and the panel ───────────────────────────────────────────────────


@pytest.fixture
def office(district):
    return {
        "final": make_reviewer(district, "final_reviewer", is_final_reviewer=True),
        "admin": make_reviewer(district, "district_admin", is_district_admin=True),
        "first": make_reviewer(district, "first_reviewer", is_first_reviewer=True),
    }


@pytest.fixture
def failed(agency_a):
    report = approved_report(agency_a)
    publication_queue(report_id=report.pk)
    publication_fail(report_id=report.pk, error="PdfFontError: 没有中文字体")
    return report


def status(client, report):
    return client.get(reverse("reports:publication_status", args=[report.pk]))


def test_reviewers_see_the_progress(office, agency_a):
    report = approved_report(agency_a)
    client = client_for(office["first"])

    assert status(client, report).json()["status"] == "queued"
    publication_queue(report_id=report.pk)
    Publication.objects.filter(report=report).update(status="rendering", attempts=1)
    data = status(client, report).json()
    assert (data["status"], data["label"], data["in_progress"], data["version"]) == ("rendering", "正在生成", True, 1)
    assert data["can_retry"] is False


def test_a_published_report_links_to_the_public_page(office, published):
    data = status(client_for(office["first"]), published.report).json()
    assert (data["status"], data["in_progress"]) == ("published", False)
    assert data["public_url"] == reverse("reports:public_detail", args=[published.report_id])


def test_a_failure_is_shown_with_the_retry_for_the_final_reviewer_and_admin_only(office, failed):
    for who, can in (("final", True), ("admin", True), ("first", False)):
        data = status(client_for(office[who]), failed).json()
        assert (data["status"], data["error"], data["can_retry"]) == ("failed", "PdfFontError: 没有中文字体", can)


def test_the_status_is_not_shown_to_strangers(failed, clerk_b):
    other = make_reviewer(make_district("北京市海淀区"), "other_final", is_final_reviewer=True)
    assert status(Client(), failed).status_code == 302
    assert status(client_for(other), failed).status_code == 404
    assert status(client_for(clerk_b), failed).status_code == 404


def test_the_final_reviewer_retries_a_failed_job(office, failed, django_capture_on_commit_callbacks):
    url = reverse("reports:publication_retry", args=[failed.pk])
    with mock.patch.object(publishing, "_send") as send, django_capture_on_commit_callbacks(execute=True):
        response = client_for(office["final"]).post(url, {"next": "/review/"})

    assert response.status_code == 302
    assert response["Location"] == "/review/"
    send.assert_called_once_with(failed.pk)
    assert Publication.objects.get().status == "queued"


def test_the_retry_answers_json_to_the_script(office, failed, django_capture_on_commit_callbacks):
    url = reverse("reports:publication_retry", args=[failed.pk])
    with mock.patch.object(publishing, "_send"), django_capture_on_commit_callbacks(execute=True):
        response = client_for(office["admin"]).post(url, HTTP_ACCEPT="application/json")
    assert response.json()["status"] == "queued"


def test_a_first_reviewer_cannot_retry(office, failed):
    url = reverse("reports:publication_retry", args=[failed.pk])
    with mock.patch.object(publishing, "_send") as send:
        response = client_for(office["first"]).post(url, HTTP_ACCEPT="application/json")
        page = client_for(office["first"]).post(url, {"next": "https://evil.example/"})
    assert response.status_code == 403
    assert page.status_code == 403
    send.assert_not_called()
    assert Publication.objects.get().status == "failed"


def test_the_retry_is_post_only(office, failed):
    response = client_for(office["final"]).get(reverse("reports:publication_retry", args=[failed.pk]))
    assert response.status_code == 405


def render_panel(report, user) -> str:
    request = RequestFactory().get("/review/reports/1/")
    request.user = user
    return render_to_string("reports/_publication_status.html", {"report": report}, request=request)


def test_the_panel_polls_and_shows_the_retry_form_only_to_the_office(office, failed):
    report = Report.objects.select_related("agency__district").get(pk=failed.pk)
    for_final = render_panel(report, office["final"])
    for_first = render_panel(report, office["first"])

    assert reverse("reports:publication_status", args=[report.pk]) in for_final
    assert "js/publication-status.js" in for_final
    assert "PdfFontError: 没有中文字体" in for_final
    assert 'data-field="retry" hidden' not in for_final
    assert 'data-field="retry" hidden' in for_first
    assert "style=" not in for_final


def test_no_panel_for_a_report_never_approved(office, draft_report):
    assert "data-publication-status" not in render_panel(draft_report, office["first"])


def test_retry_after_publication_is_refused(office, published, agency_a):
    report = Report.objects.select_related("agency__district").get(pk=published.report_id)
    with pytest.raises(publishing.RetryNotAllowed):
        publishing.publication_retry(report_id=report.pk, by=office["final"])
    reopen_directly(report)
    with mock.patch.object(publishing, "_send"):
        publication = publishing.publication_retry(report_id=report.pk, by=office["final"])
    assert publication.version == 2


# ── A job that never finishes ───────────────────────────────────────────────────────────


def age(report, minutes: int) -> None:
    import datetime

    from django.utils import timezone

    Publication.objects.filter(report=report).update(updated_at=timezone.now() - datetime.timedelta(minutes=minutes))


@pytest.mark.parametrize("job_status", ["queued", "rendering"])
def test_a_stalled_job_can_be_sent_again_by_the_office(
    office, agency_a, job_status, django_capture_on_commit_callbacks
):
    report = approved_report(agency_a)
    publication_queue(report_id=report.pk)
    Publication.objects.filter(report=report).update(status=job_status)
    age(report, 6)

    data = status(client_for(office["final"]), report).json()
    assert (data["stalled"], data["can_retry"]) == (True, True)
    assert status(client_for(office["first"]), report).json()["can_retry"] is False
    with mock.patch.object(publishing, "_send") as send, django_capture_on_commit_callbacks(execute=True):
        publishing.publication_retry(report_id=report.pk, by=office["final"])
    send.assert_called_once_with(report.pk)
    assert Publication.objects.get().status == "queued"


def test_a_job_in_progress_is_not_sent_twice_by_hand(office, agency_a):
    report = approved_report(agency_a)
    publication_queue(report_id=report.pk)
    Publication.objects.filter(report=report).update(status="rendering")

    assert status(client_for(office["final"]), report).json()["can_retry"] is False
    with pytest.raises(publishing.RetryNotAllowed):
        publishing.publication_retry(report_id=report.pk, by=office["final"])


def test_publish_pending_sends_the_job_for_every_approved_report(
    agency_a, agency_b, published, django_capture_on_commit_callbacks
):
    from io import StringIO

    from django.core.management import call_command

    waiting = [approved_report(agency_b)]
    out = StringIO()
    with mock.patch.object(publishing, "_send") as send, django_capture_on_commit_callbacks(execute=True):
        call_command("publish_pending", stdout=out)
    assert sorted(call.args[0] for call in send.call_args_list) == [r.pk for r in waiting]
    assert "1 份" in out.getvalue()


def test_the_retry_never_redirects_off_the_site(office, failed):
    url = reverse("reports:publication_retry", args=[failed.pk])
    with mock.patch.object(publishing, "_send"):
        page = client_for(office["final"]).post(url, {"next": "https://evil.example/"})
    assert page.status_code == 302
    assert page["Location"] == reverse("reports:home")
