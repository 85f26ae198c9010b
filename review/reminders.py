"""Reminder e-mails: who gets what on a given date, and the daily job that sends them once.

Two kinds (``ReminderSent.Kind``):

* **报送截止提醒** — to the clerks of an agency whose report for last year is not submitted
  (no report, a draft, or returned), 14, 7 and 2 days before the deadline (the district's,
  else 31 January, art. 49) and once it is overdue (within ``OVERDUE_WINDOW_DAYS`` of the deadline). A reason is
  *due* from its day until the next one's, and only the latest due reason is sent: a job
  that did not run for a few days catches up with one e-mail, not three. "Overdue" is sent
  once, not every day.
* **审核等待提醒** — to the holders of a review step's role (初审人 for a submitted report or
  one in 初审, 复审人, 终审人) when a report has waited in that step for more than
  ``REVIEW_WAIT_WORKING_DAYS`` working days. The reason names the status and the event that
  put the report there, so each stay in a step is reminded once, and a report returned and
  submitted again is reminded again if it waits again.

Only active users with an e-mail address receive anything; reviewers never about a report of
an agency they belong to (``workflow.acts_as``). A district whose ``send_reminders`` is off
gets none of either kind. The district government's own report (due 31 March) is not part of
the January reminders.

**Once and only once**: each (kind, agency, year, reason, recipient) is a unique
:class:`~review.models.ReminderSent` row, inserted *before* the e-mail is sent, in the same
transaction. A second run finds the row and sends nothing; a concurrent run waits on the
unique index until the first commits, then fails the insert and sends nothing. An e-mail that
cannot be sent rolls its row back, so the next run tries again. (The one gap: an e-mail sent
whose commit then fails would be sent again next run — at least once, never silently lost.)

Working days are Monday to Friday less the district's holidays, plus its 调休 weekend days
(``board.working_days_between`` with the calendar the district administrator keeps,
``reports.cycle``). The deadline is the one the district set when it opened the year.

The job is the Celery task :func:`send_due_reminders`, run daily by Celery beat
(:data:`BEAT_SCHEDULE`); with the default console e-mail backend the e-mails go to the log.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from dataclasses import dataclass

from celery import shared_task
from celery.schedules import crontab
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from reports.cycle.selectors import district_calendar
from reports.models import Agency, District, Report

from . import workflow
from .board import (
    REVIEW_REMINDER_WORKING_DAYS,
    WITH_AGENCY,
    holder_label,
    holder_role,
    report_deadline,
    working_days_between,
)
from .models import ReminderSent, ReportEvent

logger = logging.getLogger(__name__)

Kind = ReminderSent.Kind
Role = User.Role

#: (days before the deadline, reason), nearest first.
DEADLINE_REASONS = ((2, "deadline-2"), (7, "deadline-7"), (14, "deadline-14"))
OVERDUE = "overdue"
#: "Overdue" is reminded within this many days after the deadline only: when the system is
#: set up in, say, December, the past year's reports are long overdue, and an e-mail to every
#: agency then would only be noise. Sixty days reach the district's own deadline (31 March).
OVERDUE_WINDOW_DAYS = 60
REVIEW_WAIT_WORKING_DAYS = REVIEW_REMINDER_WORKING_DAYS
REVIEWER_ROLES = (Role.FIRST_REVIEWER, Role.SECOND_REVIEWER, Role.FINAL_REVIEWER)

TASK_NAME = "review.reminders.send_due_reminders"
#: Celery beat: every day at 08:30 (``CELERY_TIMEZONE``, Asia/Shanghai). Daily, weekends
#: included: a reason due on a Saturday is not held back, and a second run the same day sends
#: nothing new.
BEAT_SCHEDULE = {
    "review-send-due-reminders": {"task": TASK_NAME, "schedule": crontab(hour=8, minute=30)},
}


@dataclass(frozen=True)
class DueReminder:
    kind: str
    agency: Agency
    report: Report | None
    year: int
    reason: str
    recipient: User
    subject: str
    body: str

    @property
    def key(self) -> tuple:
        return (self.kind, self.agency.pk, self.year, self.reason, self.recipient.pk)


def deadline_reason(days_left: int) -> str | None:
    """The deadline reminder due with ``days_left`` days to go (negative: overdue), if any."""
    if days_left < 0:
        return OVERDUE if -days_left <= OVERDUE_WINDOW_DAYS else None
    for days, reason in DEADLINE_REASONS:
        if days_left <= days:
            return reason
    return None


def _site_link(path: str) -> str:
    base = (getattr(settings, "GOVREPORT_SITE_URL", "") or "").rstrip("/")
    return f"\n\n登录系统：{base}{path}" if base else ""


def _person(user: User) -> str:
    return user.get_full_name() or user.get_username()


# ── Deadline reminders to the agencies' clerks ─────────────────────────────────────────


def _deadline_message(
    agency: Agency, report: Report | None, year: int, today: datetime.date, recipient: User, deadline: datetime.date
):
    days_left = (deadline - today).days
    state = "尚未创建" if report is None else f"状态为“{report.get_status_display()}”"
    if days_left < 0:
        when = f"已逾期 {-days_left} 天"
    elif days_left == 0:
        when = "今天截止"
    else:
        when = f"距报送截止还有 {days_left} 天"
    subject = f"【提醒】{agency.name}{year}年政府信息公开工作年度报告{when}"
    body = (
        f"{_person(recipient)}：\n\n"
        f"贵机关{year}年政府信息公开工作年度报告{state}，尚未报送区政务公开办。"
        f"依照《中华人民共和国政府信息公开条例》第四十九条，年度报告应于{deadline.year}年{deadline.month}月"
        f"{deadline.day}日前报送并向社会公布，{when}。\n\n"
        "请尽快填写、核对并提交。如已在办理中，请忽略本提醒。"
        f"{_site_link(reverse('reports:home'))}\n\n"
        f"——{agency.district.name}政务公开办（系统自动发送，请勿回复）"
    )
    return subject, body


def _deadline_due(district: District, today: datetime.date) -> list[DueReminder]:
    year = today.year - 1
    deadline = report_deadline(year, district)
    reason = deadline_reason((deadline - today).days)
    if reason is None:
        return []
    # An inactive (merged, abolished) agency is expected only if it has a report for the year.
    agencies = (
        Agency.objects.filter(Q(is_active=True) | Q(reports__year=year), district=district)
        .exclude(kind=Agency.Kind.DISTRICT)
        .distinct()
        .select_related("district")
    )
    reports = {report.agency_id: report for report in Report.objects.filter(agency__in=agencies, year=year)}
    clerks: dict[int, list[User]] = {}
    for user in User.objects.filter(agency__in=agencies, is_active=True).exclude(email="").order_by("pk"):
        clerks.setdefault(user.agency_id, []).append(user)
    due = []
    for agency in agencies:
        report = reports.get(agency.pk)
        if report is not None and report.status not in WITH_AGENCY:
            continue
        for clerk in clerks.get(agency.pk, []):
            subject, body = _deadline_message(agency, report, year, today, clerk, deadline)
            due.append(DueReminder(Kind.DEADLINE, agency, report, year, reason, clerk, subject, body))
    return due


# ── Review-step reminders to the reviewers ─────────────────────────────────────────────


def _review_message(report: Report, role: str, waited: int, since: datetime.date, recipient: User):
    step = holder_label(role)
    subject = f"【提醒】{report.title}已在{report.get_status_display()}环节等待 {waited} 个工作日"
    body = (
        f"{_person(recipient)}：\n\n"
        f"{report.title}自{since.year}年{since.month}月{since.day}日起处于“{report.get_status_display()}”，"
        f"已等待 {waited} 个工作日，超过 {REVIEW_WAIT_WORKING_DAYS} 个工作日，请{step}尽快办理。"
        f"{_site_link(reverse('review:queue'))}\n\n"
        f"——{report.agency.district.name}政务公开办（系统自动发送，请勿回复）"
    )
    return subject, body


def _review_due(district: District, today: datetime.date) -> list[DueReminder]:
    waiting_statuses = [status for status, _label in Report.Status.choices if holder_role(status) in REVIEWER_ROLES]
    entered = (
        ReportEvent.objects.filter(report=OuterRef("pk"), to_status=OuterRef("status"))
        .exclude(from_status=F("to_status"))
        .order_by("-at", "-pk")
    )
    reports = (
        Report.objects.filter(agency__district=district, status__in=waiting_statuses)
        .select_related("agency", "agency__district")
        .annotate(entered_event=Subquery(entered.values("pk")[:1]), entered_at=Subquery(entered.values("at")[:1]))
        .defer("cells", "texts", "explanations", "prefilled")
        .order_by("year", "agency__name")
    )
    holders: dict[str, list[User]] = {}
    calendar = district_calendar(district=district)
    due = []
    for report in reports:
        if report.entered_at is None:
            continue  # no event tells since when it waits (e.g. imported as it is)
        since = timezone.localtime(report.entered_at).date()
        waited = working_days_between(since, today, calendar)
        if waited <= REVIEW_WAIT_WORKING_DAYS:
            continue
        role = holder_role(report.status)
        if role not in holders:
            holders[role] = list(
                User.objects.filter(district=district, is_active=True, **{f"is_{role}": True})
                .exclude(email="")
                .order_by("pk")
            )
        reason = f"review:{report.status}:{report.entered_event}"
        for user in holders[role]:
            # Not someone who may not act now: their own agency's report, or one of whose
            # steps they already signed in this round (one person signs one step).
            if not workflow.acts_as(user, role, report) or workflow.signed_step_this_round(report, user):
                continue
            subject, body = _review_message(report, role, waited, since, user)
            due.append(DueReminder(Kind.REVIEW, report.agency, report, report.year, reason, user, subject, body))
    return due


# ── Due and send ────────────────────────────────────────────────────────────────────────


def reminders_due(*, today: datetime.date) -> list[DueReminder]:
    """Every reminder due on ``today`` that has not been sent yet."""
    due: list[DueReminder] = []
    for district in District.objects.filter(send_reminders=True).order_by("name"):
        due += _deadline_due(district, today)
        due += _review_due(district, today)
    if not due:
        return []
    sent = set(
        ReminderSent.objects.filter(
            reason__in={item.reason for item in due}, year__in={item.year for item in due}
        ).values_list("kind", "agency_id", "year", "reason", "recipient_id")
    )
    return [item for item in due if item.key not in sent]


def reminders_send(*, today: datetime.date, now: datetime.datetime | None = None) -> list[ReminderSent]:
    """Send every reminder due on ``today`` that no run has sent; the records of those sent."""
    now = now or timezone.now()
    sent = []
    for item in reminders_due(today=today):
        try:
            with transaction.atomic():
                record = ReminderSent.objects.create(
                    kind=item.kind,
                    agency=item.agency,
                    report=item.report,
                    year=item.year,
                    reason=item.reason,
                    recipient=item.recipient,
                    email=item.recipient.email,
                    subject=item.subject[:200],
                    sent_at=now,
                )
                send_mail(item.subject, item.body, None, [item.recipient.email], fail_silently=False)
        except IntegrityError:
            continue  # another run has sent it (or is sending it right now)
        except (smtplib.SMTPException, OSError):
            logger.warning("reminder %s to %s not sent; the next run retries", item.reason, item.recipient.email)
            continue
        sent.append(record)
    return sent


@shared_task(name=TASK_NAME)
def send_due_reminders() -> int:
    """The daily job: send the reminders due today; the number sent."""
    sent = reminders_send(today=timezone.localdate())
    logger.info("reminders sent: %d", len(sent))
    return len(sent)
