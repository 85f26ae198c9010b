"""The queues: my queue (/review/), the district office's overview (/review/district/), and
the checklist settings of the district administrator."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.models import Agency, Report
from review import selectors
from review.models import DistrictChecklist, ReportEvent
from review.tests.personas import new_submitted_report, sign
from review.workflow import report_start_review
from tests.factories import make_agency, make_clerk, make_report
from tests.personas import client_for

pytestmark = pytest.mark.django_db

Status = Report.Status


def rows(html: str) -> list[str]:
    return html.split('id="review-queue"')[1].split("</tbody>")[0].split("<tr data-report=")[1:]


def test_a_first_reviewer_sees_submitted_and_first_review_reports_of_the_district(
    agency_a, agency_b, clerk_a, clerk_b, first_reviewer, district_y, reviewer_y
):
    waiting = new_submitted_report(agency_a, clerk_a)
    claimed = new_submitted_report(agency_b, clerk_b)
    report_start_review(report_id=claimed.pk, by=first_reviewer)
    elsewhere_agency = make_agency("重庆市九龙坡区民政局", district=district_y)
    new_submitted_report(elsewhere_agency, make_clerk(elsewhere_agency))
    make_report(agency_a, year=2023)  # a draft waits for nobody
    html = client_for(first_reviewer).get(reverse("review:queue")).content.decode()
    found = rows(html)
    assert len(found) == 2
    assert {row.split('"')[1] for row in found} == {str(waiting.pk), str(claimed.pk)}
    assert "待初审" in html and "初审中" in html
    assert "北京市朝阳区南磨房地区办事处" in html
    assert "九龙坡" not in html.split('id="review-queue"')[1]


def test_each_reviewer_sees_their_own_step(report_in_review, first_reviewer, second_reviewer, final_reviewer):
    assert len(rows(client_for(second_reviewer).get(reverse("review:queue")).content.decode())) == 0
    sign(report_in_review, first_reviewer)
    assert len(rows(client_for(first_reviewer).get(reverse("review:queue")).content.decode())) == 0
    assert len(rows(client_for(second_reviewer).get(reverse("review:queue")).content.decode())) == 1
    assert len(rows(client_for(final_reviewer).get(reverse("review:queue")).content.decode())) == 0


def test_a_report_this_person_already_signed_in_the_round_is_not_in_their_queue(
    report_in_review, all_roles_reviewer, second_reviewer
):
    assert len(selectors.queue_for(all_roles_reviewer)) == 1
    sign(report_in_review, all_roles_reviewer)
    assert selectors.queue_for(all_roles_reviewer) == []  # 复审 needs someone else
    assert len(selectors.queue_for(second_reviewer)) == 1


def test_the_queue_shows_the_age_in_the_queue_and_the_days_to_the_deadline(report_in_review, second_reviewer):
    signed = sign(report_in_review, reviewer_of(report_in_review))
    today = timezone.localtime(signed.at).date() + datetime.timedelta(days=3)
    (item,) = selectors.queue_for(second_reviewer, today=today)
    assert item.age_days == 3
    assert item.days_left == (datetime.date(2025, 1, 31) - today).days
    html = client_for(second_reviewer).get(reverse("review:queue")).content.decode()
    assert "今天" in rows(html)[0]
    assert "2025年1月31日" in rows(html)[0]


def reviewer_of(report):
    return ReportEvent.objects.filter(report=report, action="start_review").get().actor


def test_a_comment_does_not_reset_the_age(report_in_review, first_reviewer):
    from review import services

    started = ReportEvent.objects.get(report=report_in_review, action="start_review").at
    services.comment_add(
        report_id=report_in_review.pk, by=first_reviewer, anchor_kind="table", anchor_code="t3", body="x"
    )
    (item,) = selectors.queue_for(first_reviewer)
    assert item.entered_at == started


def test_an_overdue_report_says_so():
    item = selectors.QueueItem(
        Report(year=2024, agency=Agency(kind=Agency.Kind.DEPARTMENT)), None, datetime.date(2025, 2, 3)
    )
    assert item.overdue and item.days_overdue == 3
    assert (item.deadline_text, item.deadline_class) == ("已逾期 3 天", "text-danger fw-semibold")


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.FINAL_REVIEW, Status.APPROVED, Status.PUBLISHED])
def test_a_report_that_left_its_agency_is_never_overdue(status):
    report = Report(year=2024, status=status, agency=Agency(kind=Agency.Kind.DEPARTMENT))
    today = datetime.date(2026, 11, 30)  # 669 days after the deadline
    on_time = timezone.make_aware(datetime.datetime(2025, 1, 20, 10))
    late = timezone.make_aware(datetime.datetime(2025, 2, 4, 10))

    item = selectors.QueueItem(report, None, today, on_time)
    assert not item.overdue and item.days_overdue == 0
    assert (item.deadline_text, item.deadline_class) == ("已按期提交", "text-body-secondary")
    late_item = selectors.QueueItem(report, None, today, late)
    assert not late_item.overdue
    assert (late_item.deadline_text, late_item.deadline_class) == ("逾期 4 天提交", "text-body-secondary")
    assert selectors.QueueItem(report, None, today).deadline_text == "已提交"  # no submission logged


def test_the_district_overview_shows_a_published_report_as_submitted_not_overdue(
    agency_a, agency_b, clerk_a, district_admin
):
    published = new_submitted_report(agency_a, clerk_a)  # submitted now, long after 2025-01-31
    Report.objects.filter(pk=published.pk).update(status=Status.PUBLISHED)
    make_report(agency_b, year=2024)  # a draft, long past its deadline
    html = client_for(district_admin).get(reverse("review:district")).content.decode()
    section = html.split('id="status-published"')[1].split("</section>")[0]
    draft = html.split('id="status-draft"')[1].split("</section>")[0]
    assert "已逾期" not in section and "text-danger" not in section
    assert "天提交" in section  # submitted, late: said plainly, not in red
    assert "已逾期" in draft and "text-danger" in draft


def test_a_clerk_has_no_queue(clerk_a):
    assert client_for(clerk_a).get(reverse("review:queue")).status_code == 403
    assert client_for(clerk_a).get(reverse("review:district")).status_code == 403


def test_the_district_office_sees_every_report_of_the_district_by_status(
    agency_a, agency_b, clerk_a, clerk_b, first_reviewer, district_admin
):
    new_submitted_report(agency_a, clerk_a)
    make_report(agency_b, year=2024)
    make_report(agency_a, year=2022, status=Status.PUBLISHED)
    html = client_for(district_admin).get(reverse("review:district")).content.decode()
    submitted = html.split('id="status-submitted"')[1].split("</section>")[0]
    draft = html.split('id="status-draft"')[1].split("</section>")[0]
    published = html.split('id="status-published"')[1].split("</section>")[0]
    assert "南磨房" in submitted and "高碑店" not in submitted
    assert "高碑店" in draft
    assert "2022年度" in published
    assert "共 3 份" in html


def test_the_district_overview_filters_by_year_and_names_agencies_without_a_report(
    agency_a, agency_b, clerk_a, district_admin
):
    new_submitted_report(agency_a, clerk_a)
    make_report(agency_b, year=2023)
    html = client_for(district_admin).get(reverse("review:district") + "?year=2024").content.decode()
    assert "共 1 份" in html
    missing = html.split('id="missing"')[1].split("</section>")[0]
    assert "高碑店" in missing and "南磨房" not in missing


# ── The checklist ───────────────────────────────────────────────────────────────────────


def test_the_district_administrator_edits_the_review_aspects(district_admin, district):
    client = client_for(district_admin)
    html = client.get(reverse("review:checklist")).content.decode()
    assert "政治\n法律\n政策\n保密\n文字\n舆情" in html
    response = client.post(reverse("review:checklist"), {"aspects": "政治\n数据准确\n\n保密\n"})
    assert response.status_code == 302
    assert DistrictChecklist.objects.get(district=district).aspects == ["政治", "数据准确", "保密"]


def test_an_empty_checklist_is_refused(district_admin):
    response = client_for(district_admin).post(reverse("review:checklist"), {"aspects": " \n "})
    assert response.status_code == 400
    assert not DistrictChecklist.objects.exists()


def test_only_the_district_administrator_opens_the_checklist(first_reviewer, clerk_a):
    assert client_for(first_reviewer).get(reverse("review:checklist")).status_code == 403
    assert client_for(clerk_a).post(reverse("review:checklist"), {"aspects": "x"}).status_code == 403
    assert not DistrictChecklist.objects.exists()
