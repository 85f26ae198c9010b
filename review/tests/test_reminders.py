"""Reminder e-mails: the clerks before and after the deadline, the reviewers after three working
days in a step; due on a given date, sent once and only once.

Done-when 1 of issue 6 (second half). ``today`` is passed in; the e-mails land in Django's
test outbox (``locmem`` backend).
"""

import datetime
import threading
from unittest import mock

import pytest
from django.core import mail
from django.db import connection, connections

from accounts.appendonly import AppendOnlyError
from reports.models import Report
from review import reminders
from review.models import ReminderSent, ReportEvent
from review.reminders import BEAT_SCHEDULE, deadline_reason, reminders_due, reminders_send, send_due_reminders
from review.tests.district_fixtures import YEAR, day, district_in_every_state
from tests.factories import make_clerk, make_district, make_user

pytestmark = pytest.mark.django_db

Status = Report.Status


def on(month: int, day_: int) -> datetime.date:
    return datetime.date(2025, month, day_)


@pytest.fixture
def every_state(district):
    return district_in_every_state(district)


@pytest.fixture
def reviewers(district):
    """One person per review role (with an e-mail), one first reviewer without, one inactive."""
    people = {
        "first": make_user("r_first", district=district, is_first_reviewer=True, email="first@example.gov.cn"),
        "second": make_user("r_second", district=district, is_second_reviewer=True, email="second@example.gov.cn"),
        "final": make_user("r_final", district=district, is_final_reviewer=True, email="final@example.gov.cn"),
    }
    make_user("r_no_mail", district=district, is_first_reviewer=True)
    make_user("r_gone", district=district, is_first_reviewer=True, email="gone@example.gov.cn", is_active=False)
    return people


def sent_to(kind=None) -> set[tuple[str, str]]:
    return {
        (record.email, record.reason) for record in ReminderSent.objects.all() if kind is None or record.kind == kind
    }


@pytest.mark.parametrize(
    ("days_left", "reason"),
    [
        *[(30, None), (15, None), (14, "deadline-14"), (8, "deadline-14"), (7, "deadline-7"), (3, "deadline-7")],
        *[(2, "deadline-2"), (0, "deadline-2"), (-1, "overdue"), (-60, "overdue"), (-61, None), (-200, None)],
    ],
)
def test_which_deadline_reminder_is_due(days_left, reason):
    assert deadline_reason(days_left) == reason


# ── The agencies' clerks ────────────────────────────────────────────────────────────────


def test_fourteen_days_before_the_deadline_the_clerks_of_unsubmitted_reports_are_reminded(every_state):
    sent = reminders_send(today=on(1, 17))

    clerks = every_state.clerks
    expected = {(clerks[status].email, "deadline-14") for status in ("missing", Status.DRAFT, Status.RETURNED)}
    assert {(record.email, record.reason) for record in sent} == expected
    assert len(mail.outbox) == 3
    message = next(m for m in mail.outbox if m.to == [clerks["missing"].email])
    assert "距报送截止还有 14 天" in message.subject and "甲未建报告机关" in message.subject
    assert "尚未创建" in message.body and "2025年1月31日" in message.body
    record = ReminderSent.objects.get(email=clerks[Status.DRAFT].email)
    assert (record.year, record.kind, record.report) == (YEAR, "deadline", every_state.reports[Status.DRAFT])


def test_the_same_reminder_goes_out_once_however_often_the_job_runs(every_state):
    assert len(reminders_send(today=on(1, 17))) == 3
    assert reminders_send(today=on(1, 17)) == []
    assert reminders_send(today=on(1, 18)) == []  # the 14-day reason is still the one due
    assert reminders_due(today=on(1, 20)) == []
    assert len(mail.outbox) == 3


def test_seven_and_two_days_before_and_once_overdue(every_state):
    reasons = []
    for today in (on(1, 17), on(1, 24), on(1, 29), on(2, 1), on(2, 2), on(3, 15)):
        reasons.append(sorted({record.reason for record in reminders_send(today=today)}))
    assert reasons == [["deadline-14"], ["deadline-7"], ["deadline-2"], ["overdue"], [], []]
    assert len(mail.outbox) == 12  # 3 agencies × 4 reasons
    overdue = next(m for m in mail.outbox if "逾期" in m.subject)
    assert "已逾期 1 天" in overdue.subject


def test_a_job_that_did_not_run_for_days_catches_up_with_one_email(every_state):
    sent = reminders_send(today=on(1, 30))  # nothing sent on the 17th or the 24th
    assert {record.reason for record in sent} == {"deadline-2"}
    assert len(mail.outbox) == 3


def test_nothing_is_due_more_than_fourteen_days_before(every_state):
    assert reminders_send(today=on(1, 16)) == []


def test_overdue_is_reminded_within_sixty_days_of_the_deadline_only(every_state):
    # In December 2024 the 2023 reports are long overdue: not worth an e-mail to every agency.
    assert reminders_send(today=datetime.date(2024, 12, 20)) == []
    assert reminders_send(today=on(4, 2)) == []  # 61 days after 31 January
    assert {record.reason for record in reminders_send(today=on(4, 1))} == {"overdue"}


def test_a_report_submitted_meanwhile_is_not_reminded(every_state):
    reminders_send(today=on(1, 17))
    Report.objects.filter(pk=every_state.reports[Status.DRAFT].pk).update(status=Status.SUBMITTED)
    sent = reminders_send(today=on(1, 24))
    assert every_state.clerks[Status.DRAFT].email not in {record.email for record in sent}
    assert len(sent) == 2


def test_clerks_without_an_email_or_inactive_get_nothing_and_every_clerk_with_one_does(every_state):
    agency = every_state.agencies["missing"]
    second = make_clerk(agency, "second_clerk")
    second.email = "second@example.gov.cn"
    second.save()
    make_clerk(agency, "no_mail_clerk")
    gone = make_clerk(agency, "gone_clerk")
    gone.email, gone.is_active = "gone@example.gov.cn", False
    gone.save()

    sent = reminders_send(today=on(1, 17))
    assert {record.email for record in sent if record.agency == agency} == {
        every_state.clerks["missing"].email,
        "second@example.gov.cn",
    }


def test_a_district_that_turned_reminders_off_gets_none(district, every_state):
    district.send_reminders = False
    district.save()
    assert reminders_send(today=on(1, 17)) == []
    assert reminders_send(today=on(2, 3)) == []
    assert mail.outbox == []


def test_only_the_districts_with_reminders_on_are_reminded(district, every_state):
    other = make_district("北京市海淀区")
    other_state = district_in_every_state(other, prefix="海淀")
    other.send_reminders = False
    other.save()

    sent = reminders_send(today=on(1, 17))
    assert {record.agency.district for record in sent} == {district}
    assert other_state.clerks["missing"].email not in {record.email for record in sent}


# ── The reviewers ───────────────────────────────────────────────────────────────────────


def test_reviewers_are_reminded_after_more_than_three_working_days_in_their_step(every_state, reviewers):
    # In the fixture: 初审中 since Sat 11 Jan, 复审中 since Fri 10 Jan, 终审中 since Thu 10 Jan…
    # and 已提交 since Mon 20 January (waiting for a first reviewer to start).
    sent = {(record.email, record.reason.split(":")[1]) for record in reminders_send(today=on(1, 16))}
    assert sent == {
        ("first@example.gov.cn", Status.FIRST_REVIEW),  # 13–16 January: 4 working days
        ("second@example.gov.cn", Status.SECOND_REVIEW),  # since the 10th: 13–16, 4 days
        ("final@example.gov.cn", Status.FINAL_REVIEW),  # since the 10th
    }
    message = next(m for m in mail.outbox if m.to == ["first@example.gov.cn"])
    assert "戊初审中机关" in message.subject and "4 个工作日" in message.subject
    assert "初审人" in message.body


def test_a_reviewer_who_signed_another_step_of_the_round_is_not_reminded(district, reviewers):
    from review.tests.district_fixtures import walk
    from tests.factories import make_agency, make_report

    both = make_user("r_both", district=district, is_first_reviewer=True, is_second_reviewer=True, email="both@x.cn")
    report = make_report(make_agency("己复审中机关", district=district), year=YEAR, status=Status.SECOND_REVIEW)
    walk(report, both, [day(6), day(7), day(8)])  # submitted, 初审 started and signed by ``both``

    sent = {record.email for record in reminders_send(today=on(1, 16)) if record.report == report}

    assert sent == {"second@example.gov.cn"}


def test_a_report_waiting_three_working_days_is_not_yet_reminded(every_state, reviewers):
    # 已提交 on Monday 20 January: Thursday the 23rd is 3 working days, Friday the 24th is 4.
    assert not any(item.reason.startswith("review:submitted") for item in reminders_due(today=on(1, 23)))
    sent = reminders_send(today=on(1, 24))
    assert ("first@example.gov.cn", "review:submitted") in {(r.email, r.reason.rsplit(":", 1)[0]) for r in sent}


def test_a_stay_in_a_step_is_reminded_once_and_a_new_stay_again(every_state, reviewers):
    report = every_state.reports[Status.SECOND_REVIEW]
    first = [r for r in reminders_send(today=on(1, 16)) if r.report == report]
    assert len(first) == 1
    assert [r for r in reminders_send(today=on(1, 27)) if r.report == report] == []

    # Returned, resubmitted and signed again: it arrives in 复审 anew on 3 February.
    office = every_state.office
    for action, from_status, to_status, when in (
        ("return", Status.SECOND_REVIEW, Status.RETURNED, day(28)),
        ("submit", Status.RETURNED, Status.SUBMITTED, day(30)),
        ("start_review", Status.SUBMITTED, Status.FIRST_REVIEW, day(31)),
        ("first_approve", Status.FIRST_REVIEW, Status.SECOND_REVIEW, day(34)),
    ):
        ReportEvent.objects.create(
            report=report, action=action, from_status=from_status, to_status=to_status, actor=office, at=when
        )
    again = [r for r in reminders_send(today=on(2, 7)) if r.report == report]
    assert len(again) == 1 and again[0].reason != first[0].reason


def test_reviewers_in_a_district_with_reminders_off_get_none(district, every_state, reviewers):
    district.send_reminders = False
    district.save()
    assert reminders_send(today=on(1, 16)) == []


def test_a_reviewer_of_another_district_is_not_reminded(every_state, reviewers):
    make_user("r_other", district=make_district("北京市海淀区"), is_first_reviewer=True, email="o@example.gov.cn")
    assert "o@example.gov.cn" not in {record.email for record in reminders_send(today=on(1, 16))}


# ── Once and only once ──────────────────────────────────────────────────────────────────


def test_the_record_is_append_only(every_state):
    record = reminders_send(today=on(1, 17))[0]
    with pytest.raises(AppendOnlyError):
        record.delete()
    with pytest.raises(AppendOnlyError):
        ReminderSent.objects.all().update(reason="x")


def test_an_email_that_cannot_be_sent_is_tried_again_next_run(every_state):
    with mock.patch("review.reminders.send_mail", side_effect=OSError("smtp down")):
        assert reminders_send(today=on(1, 17)) == []
    assert not ReminderSent.objects.exists()
    assert len(reminders_send(today=on(1, 17))) == 3


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_each_reminder_once(district):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent writers (SQLite has one writer at a time)")
    district_in_every_state(district)
    barrier = threading.Barrier(2)
    results, errors = [], []
    with mock.patch.object(reminders, "reminders_due", wraps=reminders.reminders_due) as due:

        def run():
            try:
                barrier.wait()
                results.append(reminders_send(today=on(1, 17)))
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert not errors
    assert due.call_count == 2  # both runs found the same three reminders due
    assert sum(len(result) for result in results) == 3
    assert len(mail.outbox) == 3
    assert ReminderSent.objects.count() == 3


# ── The job ─────────────────────────────────────────────────────────────────────────────


def test_the_daily_job_sends_what_is_due_today(every_state):
    with mock.patch("review.reminders.timezone.localdate", return_value=on(1, 24)):
        assert send_due_reminders.delay().get() == 3
        assert send_due_reminders.delay().get() == 0
    assert {record.reason for record in ReminderSent.objects.all()} == {"deadline-7"}


def test_the_beat_schedule_runs_the_job_every_morning():
    (entry,) = BEAT_SCHEDULE.values()
    assert entry["task"] == send_due_reminders.name == "review.reminders.send_due_reminders"
    schedule = entry["schedule"]
    assert schedule.hour == {8} and schedule.minute == {30}
    assert schedule.day_of_week == set(range(7))


def test_the_admin_shows_sent_reminders_read_only(every_state, client):
    from django.urls import reverse

    record = reminders_send(today=on(1, 17))[0]
    admin = make_user("root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    assert client.get(reverse("admin:review_remindersent_changelist")).status_code == 200
    change = reverse("admin:review_remindersent_change", args=[record.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, {"subject": "改写"}).status_code == 403
    assert (
        client.post(reverse("admin:review_remindersent_delete", args=[record.pk]), {"post": "yes"}).status_code == 403
    )
    record.refresh_from_db()
    assert record.subject != "改写"
