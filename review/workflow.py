"""The report workflow: the ONE table of transitions, and the service that applies them.

A transition is (status, action, role) → next status. Nothing else in the project decides
whether a report may move: views ask :func:`available_actions` only to show buttons, and
every move goes through :func:`transition_apply`, which locks the report row, re-checks the
table against the row's *current* status and the actor's role for *that* report, and writes
an append-only :class:`~review.models.ReportEvent`.

The chain (issue 4)::

    draft ─submit─► submitted ─start_review─► first_review ─first_approve─► second_review
      ─second_approve─► final_review ─approve─► approved ─publish (system)─► published
    first_review / second_review / final_review ─return (reason required)─► returned
    returned ─submit─► submitted (a new round)      published ─reopen (reason)─► returned

Decisions the issue left open, and why:

* **submitted → first_review is a claim** ("开始初审") by any first reviewer of the district,
  not automatic: the agency then sees that someone has the report in hand, the queue tells
  unclaimed reports from ones in progress, and the log records who started when. Any first
  reviewer of the district may then sign or return it (the claim reserves nothing).
* **A round** is one submission: the n-th ``submit`` event opens round n and freezes
  ``ReportRevision`` n. Signatures belong to their round; a resubmitted report starts again
  at the first review, so nothing signed earlier carries over to changed data.
* **One person signs at most one step of a round**: a sign action is refused when the actor
  already has a sign event (``first_approve``/``second_approve``/``approve``) since the round's
  ``submit`` event; ``SignOff``'s unique constraints guard the same in the database. Returning
  is not signing, so a reviewer who signed 初审 may still return at 复审 if they hold that role.
* **Nobody reviews a report of an agency they belong to**: :func:`acts_as` refuses every
  district role when ``user.agency_id`` is the report's agency (the user model already keeps
  clerks and reviewers apart; this holds even if that ever changes).
* **System transitions** (role ``SYSTEM``, held by no user): approved → published, applied
  by the publication task through :func:`transition_apply_system`. Its event has no actor
  (shown as 系统): the final reviewer signed the approval, which has its own event; the
  publication is the job's, and crediting it to a person misstated the log. Reaching
  ``approved`` enqueues that task after commit (``reports.publishing.publish_enqueue``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.models import User
from reports import rules
from reports.editing import StaleVersionError
from reports.models import Report
from reports.selectors import report_previous

from .models import Action, Comment, ReportEvent, ReportRevision, SignOff, Step

logger = logging.getLogger(__name__)

Status = Report.Status
Role = User.Role
#: The role of the transitions no person makes: the publication task's (see the docstring).
SYSTEM = "system"


@dataclass(frozen=True)
class Transition:
    status: str
    action: str
    role: str
    to: str
    note_required: bool = False  # a reason must be given (return, reopen)


TRANSITIONS: tuple[Transition, ...] = (
    Transition(Status.DRAFT, Action.SUBMIT, Role.CLERK, Status.SUBMITTED),
    Transition(Status.RETURNED, Action.SUBMIT, Role.CLERK, Status.SUBMITTED),
    Transition(Status.SUBMITTED, Action.START_REVIEW, Role.FIRST_REVIEWER, Status.FIRST_REVIEW),
    Transition(Status.FIRST_REVIEW, Action.FIRST_APPROVE, Role.FIRST_REVIEWER, Status.SECOND_REVIEW),
    Transition(Status.SECOND_REVIEW, Action.SECOND_APPROVE, Role.SECOND_REVIEWER, Status.FINAL_REVIEW),
    Transition(Status.FINAL_REVIEW, Action.APPROVE, Role.FINAL_REVIEWER, Status.APPROVED),
    Transition(Status.FIRST_REVIEW, Action.RETURN, Role.FIRST_REVIEWER, Status.RETURNED, note_required=True),
    Transition(Status.SECOND_REVIEW, Action.RETURN, Role.SECOND_REVIEWER, Status.RETURNED, note_required=True),
    Transition(Status.FINAL_REVIEW, Action.RETURN, Role.FINAL_REVIEWER, Status.RETURNED, note_required=True),
    Transition(Status.APPROVED, Action.PUBLISH, SYSTEM, Status.PUBLISHED),
    Transition(Status.PUBLISHED, Action.REOPEN, Role.FINAL_REVIEWER, Status.RETURNED, note_required=True),
)


@dataclass(frozen=True)
class ReviewStep:
    """A review step: the status a report waits in for it, who acts, the action that signs it."""

    status: str
    role: str
    sign: str
    step: str  # ``SignOff.step``

    @property
    def label(self) -> str:
        return Step(self.step).label


STEPS: tuple[ReviewStep, ...] = (
    ReviewStep(Status.FIRST_REVIEW, Role.FIRST_REVIEWER, Action.FIRST_APPROVE, Step.FIRST),
    ReviewStep(Status.SECOND_REVIEW, Role.SECOND_REVIEWER, Action.SECOND_APPROVE, Step.SECOND),
    ReviewStep(Status.FINAL_REVIEW, Role.FINAL_REVIEWER, Action.APPROVE, Step.FINAL),
)
STEP_BY_STATUS = {step.status: step for step in STEPS}
SIGN_ACTIONS = frozenset(step.sign for step in STEPS)

_NEXT = {(t.status, t.action, t.role): t.to for t in TRANSITIONS}


class WorkflowError(Exception):
    """A transition that may not happen. ``str(exc)`` is a Chinese message for the user."""


class SubmissionRefused(WorkflowError):
    """The rules still find errors, or warnings without an explanation, or a reviewer's
    comment is still open (``open_comments``: ``(where, comment text)`` pairs)."""

    def __init__(self, errors: list, unexplained: list, open_comments: list[tuple[str, str]] = ()):
        self.errors = errors
        self.unexplained = unexplained
        self.open_comments = list(open_comments)
        parts = []
        if errors:
            parts.append(f"还有 {len(errors)} 个错误需要改正")
        if unexplained:
            parts.append(f"{len(unexplained)} 个警告尚未填写说明")
        message = "无法提交：" + "，".join(parts) + "。请按“检查结果”逐项处理后再提交。" if parts else ""
        if self.open_comments:
            listed = "；".join(f"{where}：{_excerpt(body)}" for where, body in self.open_comments)
            message += (
                f"{'另外' if parts else '无法提交：'}还有 {len(self.open_comments)} 条审核批注未解决（{listed}）。"
                "请逐条答复并标为已解决后再提交。"
            )
        super().__init__(message)


def _excerpt(text: str, length: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length] + "…"


def open_comments(report: Report) -> list[tuple[str, str]]:
    """The reviewers' comments on ``report`` not yet resolved, as ``(where, text)``, oldest first.

    Decision (issue 14): an open comment blocks resubmission. A returned report goes back to
    the first review with everything the reviewers asked settled — answered if need be, and
    marked resolved by the agency — so nothing a reviewer raised is lost between rounds.
    """
    from .selectors import anchor_label  # selectors imports this module: import at call time

    comments = Comment.objects.filter(report_id=report.pk, resolved_at__isnull=True).order_by("created_at", "pk")
    return [(anchor_label(c.anchor_kind, c.anchor_code), c.body) for c in comments]


def acts_as(user: User, role: str, report: Report) -> bool:
    """Whether ``user`` holds ``role`` *for this report* (their own agency or district).

    Nobody holds ``SYSTEM``; and nobody acts in a district role on a report of an agency
    they belong to.
    """
    if not user.is_authenticated or not user.is_active or role == SYSTEM:
        return False
    if role == Role.CLERK:
        return user.agency_id is not None and user.agency_id == report.agency_id
    if user.agency_id is not None and user.agency_id == report.agency_id:
        return False
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


def current_round(report: Report) -> int:
    """The number of the report's latest submission (0 before the first)."""
    return ReportRevision.objects.filter(report_id=report.pk).count()


def round_events(report: Report):
    """The log entries of the current round: from its ``submit`` event on."""
    last_submit = (
        ReportEvent.objects.filter(report_id=report.pk, action=Action.SUBMIT).order_by("-pk").values("pk").first()
    )
    events = ReportEvent.objects.filter(report_id=report.pk)
    return events.filter(pk__gte=last_submit["pk"]) if last_submit else events.none()


def signed_step_this_round(report: Report, user: User) -> str | None:
    """The label of the step ``user`` signed in the current round, if any."""
    action = round_events(report).filter(action__in=SIGN_ACTIONS, actor_id=user.pk).values_list("action", flat=True)
    action = action.first()
    if action is None:
        return None
    return next(step.label for step in STEPS if step.sign == action)


def _refusal(report: Report, transition: Transition, user: User) -> str | None:
    """Why ``user`` may not make ``transition`` although the table allows their role, or ``None``."""
    if transition.action in SIGN_ACTIONS:
        signed = signed_step_this_round(report, user)
        if signed is not None:
            return f"您已签署本报告本轮的{signed}。同一人不能签署同一报告同一轮的两个审核环节，请由其他审核人签署。"
    return None


def require_role(*, user: User, report: Report, actions: Iterable[str]) -> None:
    """Refuse (403) a person whom the table never lets take any of ``actions`` on this report,
    whatever its state: a forged request, not a form error. State and same-person refusals
    stay with :func:`transition_apply`, which explains them on the page."""
    actions = set(actions)
    if not any(t.action in actions and acts_as(user, t.role, report) for t in TRANSITIONS):
        labels = "、".join(_action_label(action) for action in sorted(actions))
        raise PermissionDenied(f"您没有权限对此报告执行“{labels}”操作。")


def available_actions(*, report: Report, user: User) -> list[str]:
    """The actions ``user`` may take on ``report`` now (to show buttons; not a permission check)."""
    actions = []
    for action in Action:
        transition = _transition_for(report, action, user)
        if transition is not None and _refusal(report, transition, user) is None:
            actions.append(action)
    return actions


def approving_reviewer(report: Report) -> User | None:
    """The final reviewer whose sign-off approved the report last (the publication's actor)."""
    event = (
        ReportEvent.objects.filter(report_id=report.pk, action=Action.APPROVE)
        .select_related("actor")
        .order_by("-pk")
        .first()
    )
    return event.actor if event is not None else None


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
    return _apply(
        report_id=report_id,
        action=action,
        actor=by,
        find=lambda report: _transition_for(report, action, by),
        ip_address=ip_address,
        note=note,
        expected_version=expected_version,
        guard=guard,
        after=after,
    )


def transition_apply_system(*, report_id: int, action: str, note: str = "") -> Report:
    """Apply a transition of role ``SYSTEM`` (approved → published), by the system.

    For the publication task. The event is written with no actor (系统). Raises
    :class:`WorkflowError` when the report is not in the transition's state (e.g. already
    published), changing nothing.
    """

    def find(report: Report) -> Transition | None:
        return next(
            (t for t in TRANSITIONS if t.role == SYSTEM and t.status == report.status and t.action == action), None
        )

    return _apply(report_id=report_id, action=action, actor=None, find=find, note=note)


def _action_label(action: str) -> str:
    return Action(action).label if action in Action.values else action


def _apply(
    *,
    report_id: int,
    action: str,
    actor: User | None,  # None: the system (a SYSTEM transition)
    find: Callable[[Report], Transition | None],
    ip_address: str | None = None,
    note: str = "",
    expected_version: int | None = None,
    guard: Callable[[Report], None] | None = None,
    after: Callable[[Report, ReportEvent], None] | None = None,
) -> Report:
    by = actor
    note = (note or "").strip()
    with transaction.atomic():
        report = (
            # ``of=("self",)``: lock the report row only (PostgreSQL refuses FOR UPDATE on the
            # nullable side of the outer join to ``updated_by``).
            Report.objects.select_for_update(of=("self",))
            .select_related("agency", "agency__district", "updated_by")
            .get(pk=report_id)
        )
        transition = find(report)
        if transition is None:
            label = _action_label(action)
            if any(t.status == report.status and t.action == action for t in TRANSITIONS):
                raise WorkflowError(f"您没有权限对此报告执行“{label}”操作。")
            raise WorkflowError(f"报告当前状态为“{report.get_status_display()}”，不能执行“{label}”操作。")
        refusal = _refusal(report, transition, by) if by is not None else None
        if refusal is not None:
            raise WorkflowError(refusal)
        if transition.note_required and not note:
            raise WorkflowError(f"请填写“{_action_label(action)}”的原因。")
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
        if transition.action in SIGN_ACTIONS and not SignOff.objects.filter(event=event).exists():
            # The 审核表 is printed from the sign-off records: no signature without one.
            raise WorkflowError("签署须在审核页面完成（缺少签署记录），操作未执行。")
        if transition.to == Status.APPROVED:
            _publication_enqueue_on_commit(report.pk)
    return report


def _publication_enqueue_on_commit(report_id: int) -> None:
    """Start the publication once the approval is committed (issue 5 provides the task)."""
    try:
        from reports.publishing import publish_enqueue
    except ImportError:
        logger.warning("reports.publishing.publish_enqueue is not available: report %s is not queued", report_id)
        return
    transaction.on_commit(lambda: publish_enqueue(report_id))


def _expect_status(expected_status: str | None) -> Callable[[Report], None] | None:
    """A guard refusing the move when the report left the status the user's page showed."""
    if not expected_status:
        return None

    def guard(report: Report) -> None:
        if report.status != expected_status:
            raise WorkflowError(
                f"报告状态已变为“{report.get_status_display()}”（您的页面显示为“{Status(expected_status).label}”"
                "），操作未执行。请刷新页面后再试。"
            )

    return guard


def report_start_review(*, report_id: int, by: User, ip_address: str | None = None) -> Report:
    """A first reviewer takes a submitted report into first review (开始初审)."""
    return transition_apply(report_id=report_id, action=Action.START_REVIEW, by=by, ip_address=ip_address)


def report_return(
    *, report_id: int, by: User, note: str, expected_status: str | None = None, ip_address: str | None = None
) -> Report:
    """Return the report to its agency from the review step it is in; ``note`` (the reason) is required."""
    return transition_apply(
        report_id=report_id,
        action=Action.RETURN,
        by=by,
        note=note,
        ip_address=ip_address,
        guard=_expect_status(expected_status),
    )


def report_reopen(*, report_id: int, by: User, note: str, ip_address: str | None = None) -> Report:
    """The final reviewer reopens a published report for a correction; the agency corrects it,
    and the resubmission goes through the whole chain again."""
    return transition_apply(report_id=report_id, action=Action.REOPEN, by=by, note=note, ip_address=ip_address)


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
    """The clerk's submission: only with no error, every warning explained and no reviewer's
    comment left unresolved (:func:`open_comments`).

    Freezes a :class:`ReportRevision` of what was submitted (with the explanations of the
    warnings that apply) and makes the report read-only for the agency.
    """
    checked: dict[str, list] = {}

    def guard(report: Report) -> None:
        violations = report_check(report)
        errors = rules.errors(violations)
        unexplained = unexplained_warnings(report, violations)
        still_open = open_comments(report)
        if errors or unexplained or still_open:
            raise SubmissionRefused(errors, unexplained, still_open)
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
