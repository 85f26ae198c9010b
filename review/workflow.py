"""The report workflow: the ONE table of transitions, and the service that applies them.

A transition is (status, action, role) → next status. Nothing else in the project decides
whether a report may move: views ask :func:`available_actions` only to show buttons, and
every move goes through :func:`transition_apply`, which locks the report row, re-checks the
table against the row's *current* status and the actor's role for *that* report, and writes
an append-only :class:`~review.models.ReportEvent`.

Issue 4 extends ``TRANSITIONS`` with the review steps (初审, 复审, 终审, 退回, 通过); the
clerk's submission is the only entry for now.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from accounts.models import User
from reports import rules
from reports.editing import StaleVersionError
from reports.models import Report
from reports.selectors import report_previous

from .models import Action, ReportEvent, ReportRevision

Status = Report.Status
Role = User.Role


@dataclass(frozen=True)
class Transition:
    status: str
    action: str
    role: str
    to: str


TRANSITIONS: tuple[Transition, ...] = (
    Transition(Status.DRAFT, Action.SUBMIT, Role.CLERK, Status.SUBMITTED),
    Transition(Status.RETURNED, Action.SUBMIT, Role.CLERK, Status.SUBMITTED),
)

_NEXT = {(t.status, t.action, t.role): t.to for t in TRANSITIONS}


class WorkflowError(Exception):
    """A transition that may not happen. ``str(exc)`` is a Chinese message for the user."""


class SubmissionRefused(WorkflowError):
    """The rules still find errors, or warnings without an explanation."""

    def __init__(self, errors: list, unexplained: list):
        self.errors = errors
        self.unexplained = unexplained
        parts = []
        if errors:
            parts.append(f"还有 {len(errors)} 个错误需要改正")
        if unexplained:
            parts.append(f"{len(unexplained)} 个警告尚未填写说明")
        super().__init__("无法提交：" + "，".join(parts) + "。请按“检查结果”逐项处理后再提交。")


def acts_as(user: User, role: str, report: Report) -> bool:
    """Whether ``user`` holds ``role`` *for this report* (their own agency or district)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if role == Role.CLERK:
        return user.agency_id is not None and user.agency_id == report.agency_id
    in_district = user.district_id is not None and user.district_id == report.agency.district_id
    return in_district and role in user.district_roles


def _transition_for(report: Report, action: str, user: User) -> Transition | None:
    for transition in TRANSITIONS:
        if (
            transition.status == report.status
            and transition.action == action
            and acts_as(user, transition.role, report)
        ):
            return transition
    return None


def available_actions(*, report: Report, user: User) -> list[str]:
    """The actions ``user`` may take on ``report`` now (to show buttons; not a permission check)."""
    actions = []
    for action in Action:
        if _transition_for(report, action, user) is not None:
            actions.append(action)
    return actions


def transition_apply(
    *,
    report_id: int,
    action: str,
    by: User,
    ip_address: str | None = None,
    note: str = "",
    expected_version: int | None = None,
    guard: Callable[[Report], None] | None = None,
    after: Callable[[Report, ReportEvent], None] | None = None,
) -> Report:
    """Move the report by ``action`` under a row lock, or raise :class:`WorkflowError`.

    ``guard`` runs on the locked row before the move and may raise to refuse it; ``after``
    runs in the same transaction once the event is written (e.g. to freeze a revision).
    """
    with transaction.atomic():
        report = Report.objects.select_for_update(of=("self",)).select_related("agency", "updated_by").get(pk=report_id)
        transition = _transition_for(report, action, by)
        if transition is None:
            label = Action(action).label if action in Action.values else action
            if any(t.status == report.status and t.action == action for t in TRANSITIONS):
                raise WorkflowError(f"您没有权限对此报告执行“{label}”操作。")
            raise WorkflowError(f"报告当前状态为“{report.get_status_display()}”，不能执行“{label}”操作。")
        if expected_version is not None and expected_version != report.version:
            raise StaleVersionError(report=report, expected_version=expected_version)
        if guard is not None:
            guard(report)
        from_status = report.status
        report.status = transition.to
        report.save(update_fields=["status", "updated_at"])
        event = ReportEvent.objects.create(
            report=report,
            action=action,
            from_status=from_status,
            to_status=transition.to,
            actor=by,
            ip_address=ip_address or None,
            note=note,
        )
        if after is not None:
            after(report, event)
    return report


def report_check(report: Report) -> list:
    """The rules' verdict on the stored report, with last year's report where there is one."""
    previous = report_previous(report)
    previous_data = rules.ReportData(previous.cells, previous.texts) if previous is not None else None
    return rules.check(rules.ReportData(report.cells, report.texts), previous_data)


def unexplained_warnings(report: Report, violations: list) -> list:
    explanations = report.explanations or {}
    return [v for v in rules.warnings(violations) if not str(explanations.get(v.key, "")).strip()]


def report_submit(
    *, report_id: int, by: User, expected_version: int | None = None, ip_address: str | None = None
) -> Report:
    """The clerk's submission: only with no error and every warning explained.

    Freezes a :class:`ReportRevision` of what was submitted (with the explanations of the
    warnings that apply) and makes the report read-only for the agency.
    """
    checked: dict[str, list] = {}

    def guard(report: Report) -> None:
        violations = report_check(report)
        errors = rules.errors(violations)
        unexplained = unexplained_warnings(report, violations)
        if errors or unexplained:
            raise SubmissionRefused(errors, unexplained)
        checked["warnings"] = rules.warnings(violations)

    def freeze(report: Report, event: ReportEvent) -> None:
        keys = {v.key for v in checked["warnings"]}
        ReportRevision.objects.create(
            report=report,
            round=ReportRevision.objects.filter(report=report).count() + 1,
            report_version=report.version,
            cells=dict(report.cells),
            texts=dict(report.texts),
            explanations={key: text for key, text in (report.explanations or {}).items() if key in keys},
            event=event,
        )

    return transition_apply(
        report_id=report_id,
        action=Action.SUBMIT,
        by=by,
        ip_address=ip_address,
        expected_version=expected_version,
        guard=guard,
        after=freeze,
    )
