"""``demo_publish`` walks the demo report through the real chain to a real publication."""

from io import StringIO

import pytest
from django.core.management import call_command

from reports.models import Publication, PublicationFile, Report
from reports.tests.publishing_fixtures import media_root_fixture  # noqa: F401
from review.models import Action, ReportEvent, SignOff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_demo_report_is_submitted_signed_three_times_and_published(django_capture_on_commit_callbacks):
    run("load_demo")
    # The final sign-off enqueues the publication after commit; without a broker it runs here.
    with django_capture_on_commit_callbacks(execute=True):
        run("demo_publish")
    output = run("demo_publish")

    report = Report.objects.get(agency__name="北京市朝阳区南磨房地区办事处", year=2024)
    assert report.status == Report.Status.PUBLISHED
    assert "已是“已发布”" in output
    fees = ("t6.fee_notices", "t6.fee_notice_amount", "t6.fee_collected")
    assert [report.cells[code] for code in fees] == [0, "0", "0"]
    actions = list(ReportEvent.objects.filter(report=report).values_list("action", flat=True))
    assert actions == [
        Action.SUBMIT,
        Action.START_REVIEW,
        Action.FIRST_APPROVE,
        Action.SECOND_APPROVE,
        Action.APPROVE,
        Action.PUBLISH,
    ]
    signers = set(SignOff.objects.filter(report=report).values_list("reviewer__username", flat=True))
    assert signers == {"chaoyang_first", "chaoyang_second", "chaoyang_final"}
    publication = Publication.objects.get(report=report)
    assert set(PublicationFile.objects.filter(publication=publication).values_list("kind", flat=True)) == {
        "pdf",
        "docx",
        "xlsx",
        "json",
        "html",
    }


def test_a_second_run_changes_nothing(django_capture_on_commit_callbacks):
    run("load_demo")
    with django_capture_on_commit_callbacks(execute=True):
        run("demo_publish")
    events = ReportEvent.objects.count()
    output = run("demo_publish")
    assert "未改动" in output
    assert ReportEvent.objects.count() == events
    assert Publication.objects.count() == 1


def test_without_demo_data_it_says_what_to_run():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="load_demo"):
        run("demo_publish")
