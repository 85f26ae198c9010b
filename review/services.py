"""Write services of the review: sign-offs, comments, the district's checklist.

Each is keyword-only and named ``<thing>_<action>``. The state changes themselves go through
``review.workflow`` (one table, a row lock, an event per move); what is written here is what
hangs on them: the :class:`SignOff` of a signature (in the transaction of its transition),
the :class:`Comment` rows and their log entries, the district's checklist.

Every refusal raises :class:`~review.workflow.WorkflowError` (``str(exc)`` is a Chinese
message for the user) before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from reports import rules
from reports.hardening import unsafe_character_message
from reports.models import District, Report

from .models import DEFAULT_ASPECTS, Action, Comment, DistrictChecklist, ReportEvent, ReportRevision, SignOff
from .selectors import anchor_label, anchor_valid, revision_digest
from .workflow import (
    STEP_BY_STATUS,
    Role,
    Status,
    WorkflowError,
    acts_as,
    current_round,
    report_check,
    report_return,
    transition_apply,
)

MAX_OPINION = 2000
MAX_COMMENT = 2000
# Comments on one report, all rounds together: bounds what a report stores (issue 11).
MAX_COMMENTS_PER_REPORT = 1000
MAX_ASPECTS = 20
MAX_ASPECT_LENGTH = 40


# ── The checklist ───────────────────────────────────────────────────────────────────────


def checklist_aspects(district: District | None) -> list[str]:
    """The review aspects of ``district`` (the defaults 政治、法律、政策、保密、文字、舆情 until set)."""
    if district is None:
        return list(DEFAULT_ASPECTS)
    checklist = DistrictChecklist.objects.filter(district=district).first()
    return list(checklist.aspects) if checklist is not None and checklist.aspects else list(DEFAULT_ASPECTS)


class ChecklistError(ValueError):
    pass


def checklist_update(*, district: District, aspects: Iterable[str], by: User) -> DistrictChecklist:
    """Set the district's review aspects; only its district administrator may."""
    if not (by.is_active and by.is_district_admin and by.district_id == district.pk):
        raise PermissionDenied("只有本区政务公开办管理员可以设置审核要点。")
    cleaned: list[str] = []
    for aspect in aspects:
        aspect = " ".join(str(aspect).split())
        if not aspect or aspect in cleaned:
            continue
        if len(aspect) > MAX_ASPECT_LENGTH:
            raise ChecklistError(f"审核要点“{aspect[:10]}…”过长：每项不超过 {MAX_ASPECT_LENGTH} 个字。")
        cleaned.append(aspect)
    if not cleaned:
        raise ChecklistError("请至少设置一项审核要点。")
    if len(cleaned) > MAX_ASPECTS:
        raise ChecklistError(f"审核要点最多 {MAX_ASPECTS} 项。")
    checklist, _created = DistrictChecklist.objects.get_or_create(district=district)
    checklist.aspects = cleaned
    checklist.updated_by = by
    checklist.full_clean()
    checklist.save()
    return checklist


# ── Sign-offs ───────────────────────────────────────────────────────────────────────────


def _verdict_snapshot(report: Report, warnings: list, verdicts: Mapping[str, str]) -> dict:
    explanations = report.explanations or {}
    return {
        warning.key: {
            "rule": warning.rule,
            "message": warning.message,
            "explanation": str(explanations.get(warning.key, "")),
            "verdict": verdicts.get(warning.key, ""),
        }
        for warning in warnings
    }


def _step_for(report_status: str, step_status: str):
    step = STEP_BY_STATUS.get(step_status)
    if step is None:
        raise WorkflowError(f"报告当前状态为“{Report.Status(report_status).label}”，不在审核环节，不能签署。")
    return step


def signoff_sign(
    *,
    report_id: int,
    step_status: str,
    by: User,
    checked_aspects: Iterable[str],
    opinion: str,
    verdicts: Mapping[str, str],
    ip_address: str | None = None,
) -> SignOff:
    """Sign the review step ``step_status`` (the status the reviewer's page showed).

    Refused unless: the report is still in that step and ``by`` may sign it (the workflow:
    role, district, own agency, one step per person and round); every review aspect of the
    district is confirmed; an opinion is given; and the explanation of every warning the
    rules find on the report now is accepted (a rejected one means: return the report).
    """
    opinion = (opinion or "").strip()
    checked = {str(aspect) for aspect in checked_aspects}
    verdicts = {str(key): str(value) for key, value in verdicts.items()}
    step = STEP_BY_STATUS.get(step_status)
    if step is None:
        raise WorkflowError("页面上的审核环节无效，请刷新页面后再试。")
    made: dict[str, SignOff] = {}

    def guard(report: Report) -> None:
        if report.status != step_status:
            raise WorkflowError(f"报告状态已变为“{report.get_status_display()}”，不能再签署{step.label}。请刷新页面。")
        missing = [aspect for aspect in checklist_aspects(report.agency.district) if aspect not in checked]
        if missing:
            raise WorkflowError(f"请逐项确认审核要点后再签署：尚未确认“{'、'.join(missing)}”。")
        if not opinion:
            raise WorkflowError("请填写审核意见后再签署。")
        if len(opinion) > MAX_OPINION:
            raise WorkflowError(f"审核意见不能超过 {MAX_OPINION} 个字。")
        warnings = rules.warnings(report_check(report))
        undecided = [w for w in warnings if verdicts.get(w.key) not in SignOff.Verdict.values]
        if undecided:
            raise WorkflowError(f"还有 {len(undecided)} 条警告的说明未选择“接受”或“不接受”。")
        rejected = [w for w in warnings if verdicts.get(w.key) == SignOff.Verdict.REJECTED]
        if rejected:
            raise WorkflowError(f"有 {len(rejected)} 条警告的说明未被接受，不能签署。请退回机关修改或补充说明。")
        made["verdicts"] = _verdict_snapshot(report, warnings, verdicts)

    def record(report: Report, event: ReportEvent) -> None:
        round_ = current_round(report)
        revision = ReportRevision.objects.filter(report_id=report.pk, round=round_).first()
        aspects = checklist_aspects(report.agency.district)
        made["signoff"] = SignOff.objects.create(
            report=report,
            round=round_,
            step=step.step,
            reviewer=by,
            at=event.at,
            ip_address=event.ip_address,
            checklist=[{"aspect": aspect, "checked": aspect in checked} for aspect in aspects],
            opinion=opinion,
            explanation_verdicts=made["verdicts"],
            data_digest=revision_digest(revision),
            event=event,
        )

    transition_apply(
        report_id=report_id, action=step.sign, by=by, ip_address=ip_address, note=opinion, guard=guard, after=record
    )
    return made["signoff"]


def signoff_return(
    *,
    report_id: int,
    step_status: str,
    by: User,
    reason: str,
    verdicts: Mapping[str, str] | None = None,
    ip_address: str | None = None,
) -> Report:
    """Return the report to its agency from the step ``step_status``; ``reason`` is required.

    The explanations the reviewer did not accept are added to the logged reason, so the
    agency reads them with it.
    """
    reason = (reason or "").strip()
    if len(reason) > MAX_OPINION:
        raise WorkflowError(f"退回原因不能超过 {MAX_OPINION} 个字。")
    note = reason
    if reason and verdicts:
        report = Report.objects.get(pk=report_id)
        explanations = report.explanations or {}
        rejected = [w for w in rules.warnings(report_check(report)) if verdicts.get(w.key) == SignOff.Verdict.REJECTED]
        if rejected:
            lines = [f"· {w.message}（说明：{explanations.get(w.key) or '未说明'}）" for w in rejected]
            note = reason + "\n不接受的警告说明：\n" + "\n".join(lines)
    return report_return(report_id=report_id, by=by, note=note, expected_status=step_status, ip_address=ip_address)


# ── Comments ────────────────────────────────────────────────────────────────────────────


def _lock(report_id: int) -> Report:
    return Report.objects.select_for_update(of=("self",)).select_related("agency", "agency__district").get(pk=report_id)


def _log(report: Report, action: str, by: User, note: str, ip_address: str | None) -> ReportEvent:
    return ReportEvent.objects.create(
        report=report,
        action=action,
        from_status=report.status,
        to_status=report.status,
        actor=by,
        ip_address=ip_address or None,
        note=note,
    )


def _clean_body(body: str, what: str) -> str:
    body = (body or "").strip()
    if not body:
        raise WorkflowError(f"请填写{what}。")
    if len(body) > MAX_COMMENT:
        raise WorkflowError(f"{what}不能超过 {MAX_COMMENT} 个字。")
    unsafe = unsafe_character_message(body, what)
    if unsafe:
        raise WorkflowError(unsafe)
    return body


def comment_add(
    *, report_id: int, by: User, anchor_kind: str, anchor_code: str, body: str, ip_address: str | None = None
) -> Comment:
    """A reviewer of the report's current step comments on a cell, a table or a text part."""
    body = _clean_body(body, "批注内容")
    if not anchor_valid(anchor_kind, anchor_code):
        raise WorkflowError("请选择批注的位置（单元格、表格或文字部分）。")
    with transaction.atomic():
        report = _lock(report_id)
        step = STEP_BY_STATUS.get(report.status)
        if step is None:
            raise WorkflowError(f"报告当前状态为“{report.get_status_display()}”，只能在审核环节中批注。")
        if not acts_as(by, step.role, report):
            raise WorkflowError(f"只有本区的{Role(step.role).label}可以在{step.label}环节批注此报告。")
        if Comment.objects.filter(report=report).count() >= MAX_COMMENTS_PER_REPORT:
            raise WorkflowError(f"此报告的批注已达 {MAX_COMMENTS_PER_REPORT} 条上限，请先处理已有批注。")
        comment = Comment.objects.create(
            report=report,
            round=current_round(report),
            step=step.step,
            anchor_kind=anchor_kind,
            anchor_code=anchor_code,
            author=by,
            body=body,
        )
        _log(report, Action.COMMENT, by, f"{anchor_label(anchor_kind, anchor_code)}：{body}", ip_address)
    return comment


def _comment_for_agency(comment_id: int, by: User) -> tuple[Report, Comment]:
    """Lock the comment's report and check that ``by`` is its agency's clerk and it is back with them."""
    report_id = Comment.objects.filter(pk=comment_id).values_list("report_id", flat=True).first()
    if report_id is None:
        raise WorkflowError("批注不存在。")
    report = _lock(report_id)
    comment = Comment.objects.select_for_update().get(pk=comment_id)
    if not acts_as(by, Role.CLERK, report):
        raise WorkflowError("只有本机关的填报人员可以答复或解决批注。")
    if report.status != Status.RETURNED:
        raise WorkflowError(f"报告当前状态为“{report.get_status_display()}”，退回本机关后才能答复或解决批注。")
    return report, comment


def comment_reply(*, comment_id: int, by: User, body: str, ip_address: str | None = None) -> Comment:
    """The agency answers a comment (a later answer replaces the earlier; both stay in the log)."""
    body = _clean_body(body, "答复内容")
    with transaction.atomic():
        report, comment = _comment_for_agency(comment_id, by)
        comment.reply = body
        comment.replied_at = timezone.now()
        comment.replied_by = by
        comment.save(update_fields=["reply", "replied_at", "replied_by"])
        label = anchor_label(comment.anchor_kind, comment.anchor_code)
        _log(report, Action.COMMENT_REPLY, by, f"{label}：{body}", ip_address)
    return comment


def comment_resolve(*, comment_id: int, by: User, ip_address: str | None = None) -> Comment:
    """The agency marks a comment as dealt with."""
    with transaction.atomic():
        report, comment = _comment_for_agency(comment_id, by)
        if comment.is_resolved:
            return comment
        comment.resolved_at = timezone.now()
        comment.resolved_by = by
        comment.save(update_fields=["resolved_at", "resolved_by"])
        label = anchor_label(comment.anchor_kind, comment.anchor_code)
        _log(report, Action.COMMENT_RESOLVE, by, f"{label}：{comment.body[:60]}", ip_address)
    return comment
