"""The review's records: the append-only event log, the frozen revisions, the sign-offs;
the comments and the districts' checklists.

The log, the revisions and the sign-offs are written only by ``review/workflow.py`` and
``review/services.py``. None may be changed or deleted once written — they are the audit
trail and the reviewer's history — so ``save()`` refuses to update an existing row, and
``delete()`` (on a row or a queryset) and ``QuerySet.update()`` refuse outright. (A database
superuser can still do anything; this guards the application.) A comment changes only by the
agency's answer and resolve, each also logged, and is never deleted.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.appendonly import AppendOnlyError, AppendOnlyModel, AppendOnlyQuerySet  # noqa: F401


class Action(models.TextChoices):
    """What a workflow transition does; the transitions themselves are in ``workflow.py``."""

    SUBMIT = "submit", "提交"
    # The review chain (issue 4): see the table in ``workflow.py``.
    START_REVIEW = "start_review", "开始初审"
    FIRST_APPROVE = "first_approve", "初审签署"
    SECOND_APPROVE = "second_approve", "复审签署"
    APPROVE = "approve", "终审签署"
    RETURN = "return", "退回修改"
    # Publication (issue 5): the publish task moves an approved report to published; the
    # final reviewer may reopen a published report for a correction.
    PUBLISH = "publish", "发布"
    REOPEN = "reopen", "更正重开"
    # Not transitions: entries of the audit log that leave the status as it is.
    COMMENT = "comment", "批注"
    COMMENT_REPLY = "comment_reply", "答复批注"
    COMMENT_RESOLVE = "comment_resolve", "批注已解决"


#: Actions that are written to the log but move nothing (``from_status == to_status``).
LOG_ONLY_ACTIONS = frozenset({Action.COMMENT, Action.COMMENT_REPLY, Action.COMMENT_RESOLVE})


#: Actions only the system takes (the ``SYSTEM`` transitions of ``workflow.TRANSITIONS``).
SYSTEM_ACTIONS = frozenset({Action.PUBLISH})

#: How the log names the system when it acts by itself (``ReportEvent.actor`` empty).
SYSTEM_ACTOR_LABEL = "系统"


class ReportEvent(AppendOnlyModel):
    """One state change of a report: who moved it from which status to which, when, why."""

    report = models.ForeignKey("reports.Report", on_delete=models.PROTECT, related_name="events", verbose_name="报告")
    action = models.CharField("操作", max_length=30)
    from_status = models.CharField("原状态", max_length=20)
    to_status = models.CharField("新状态", max_length=20)
    # Empty for what the system does by itself (the publication job's 已通过 → 已发布): no
    # person made that move, and crediting the final reviewer misstated the log.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="操作人",
        null=True,
        blank=True,
        help_text="空：系统自动执行（如发布）",
    )
    at = models.DateTimeField("时间", default=timezone.now)
    ip_address = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    note = models.TextField("意见或说明", blank=True)

    class Meta:
        verbose_name = "报告流转记录"
        verbose_name_plural = verbose_name
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["report", "at"])]

    def __str__(self):
        return f"{self.report_id} {self.action} {self.from_status}→{self.to_status}"

    @property
    def action_label(self) -> str:
        return Action(self.action).label if self.action in Action.values else self.action

    @property
    def by_system(self) -> bool:
        """Made by the system: no actor, or an action only the system takes (a publication
        logged before the system was recorded as such still names the final reviewer)."""
        return self.actor_id is None or self.action in SYSTEM_ACTIONS

    @property
    def actor_name(self) -> str:
        """Who made the change, as the log shows it: the person's name, or 系统."""
        if self.by_system:
            return SYSTEM_ACTOR_LABEL
        return self.actor.get_full_name() or self.actor.username

    @property
    def is_transition(self) -> bool:
        """Whether the event moved the report (a comment, an answer or a resolve does not)."""
        return self.action not in LOG_ONLY_ACTIONS

    @property
    def from_status_label(self) -> str:
        return _status_label(self.from_status)

    @property
    def to_status_label(self) -> str:
        return _status_label(self.to_status)


def _status_label(status: str) -> str:
    from reports.models import Report

    return Report.Status(status).label if status in Report.Status.values else status


class ReportRevision(AppendOnlyModel):
    """The figures, texts and warning explanations exactly as submitted in one round."""

    report = models.ForeignKey(
        "reports.Report", on_delete=models.PROTECT, related_name="revisions", verbose_name="报告"
    )
    round = models.PositiveIntegerField("轮次")
    report_version = models.PositiveIntegerField("报告版本")
    cells = models.JSONField("表格数据")
    texts = models.JSONField("文字部分")
    explanations = models.JSONField("警告说明", default=dict, blank=True)
    event = models.OneToOneField(
        ReportEvent, on_delete=models.PROTECT, related_name="revision", verbose_name="提交记录"
    )
    created_at = models.DateTimeField("提交时间", default=timezone.now)

    class Meta:
        verbose_name = "报告提交版本"
        verbose_name_plural = verbose_name
        ordering = ["report", "round"]
        constraints = [models.UniqueConstraint(fields=["report", "round"], name="revision_unique_report_round")]

    def __str__(self):
        return f"{self.report_id} 第{self.round}轮"


# ── Issue 4: sign-offs, comments, the district's checklist ─────────────────────────────


class Step(models.TextChoices):
    """The three review steps, in order. (Their states and roles are in ``workflow.STEPS``.)"""

    FIRST = "first", "初审"
    SECOND = "second", "复审"
    FINAL = "final", "终审"


class SignOff(AppendOnlyModel):
    """One reviewer's signature of one step of one round: what the 审核表 is printed from.

    Written only by ``review.services.signoff_sign`` in the transaction of its transition
    (``event``). The two unique constraints are the database's own guard of the rules "one
    signature per step and round" and "one person signs at most one step of a round"; the
    workflow checks the same first, under the row lock, to give a clear message.
    """

    class Verdict(models.TextChoices):
        ACCEPTED = "accepted", "接受"
        REJECTED = "rejected", "不接受"

    report = models.ForeignKey("reports.Report", on_delete=models.PROTECT, related_name="signoffs", verbose_name="报告")
    round = models.PositiveIntegerField("轮次")
    step = models.CharField("审核环节", max_length=10, choices=Step.choices)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="审核人"
    )
    at = models.DateTimeField("签署时间", default=timezone.now)
    ip_address = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    checklist = models.JSONField("审核要点", default=list, help_text="[{aspect, checked}]，按区政务公开办设置的顺序")
    opinion = models.TextField("审核意见")
    explanation_verdicts = models.JSONField(
        "警告说明的审核结论", default=dict, blank=True, help_text="{警告 key: {rule, message, explanation, verdict}}"
    )
    data_digest = models.CharField("数据摘要", max_length=64, help_text="所签署的提交版本（表格与文字）的 SHA-256")
    event = models.OneToOneField(ReportEvent, on_delete=models.PROTECT, related_name="signoff", verbose_name="流转记录")

    class Meta:
        verbose_name = "审核签署记录"
        verbose_name_plural = verbose_name
        ordering = ["report", "round", "at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["report", "round", "step"], name="signoff_unique_step_per_round"),
            models.UniqueConstraint(fields=["report", "round", "reviewer"], name="signoff_unique_reviewer_per_round"),
        ]

    def __str__(self):
        return f"{self.report_id} 第{self.round}轮 {self.get_step_display()} {self.reviewer_id}"

    @property
    def checked_aspects(self) -> list[str]:
        return [item.get("aspect", "") for item in self.checklist if item.get("checked")]


class CommentQuerySet(models.QuerySet):
    def delete(self):
        raise AppendOnlyError("审核批注不能删除。")

    def _raw_delete(self, using):
        raise AppendOnlyError("审核批注不能删除。")


class Comment(models.Model):
    """A reviewer's comment anchored to a cell, a table or a text part of a report.

    Not append-only: the agency's answer and the resolve flag are set on the row (by
    ``review.services`` only); each of those, like the comment itself, is also written to the
    append-only log as a :class:`ReportEvent`. A comment is never deleted.
    """

    class Anchor(models.TextChoices):
        CELL = "cell", "单元格"
        TABLE = "table", "表格"
        TEXT = "text", "文字部分"

    report = models.ForeignKey("reports.Report", on_delete=models.PROTECT, related_name="comments", verbose_name="报告")
    round = models.PositiveIntegerField("轮次")
    step = models.CharField("审核环节", max_length=10, choices=Step.choices)
    anchor_kind = models.CharField("位置类型", max_length=10, choices=Anchor.choices)
    anchor_code = models.CharField("位置", max_length=80, help_text="单元格代码、表格代码（t2）或文字部分（overview）")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="批注人"
    )
    body = models.TextField("批注")
    created_at = models.DateTimeField("批注时间", default=timezone.now)
    reply = models.TextField("机关答复", blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="答复人",
    )
    resolved_at = models.DateTimeField("解决时间", null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="解决人",
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        verbose_name = "审核批注"
        verbose_name_plural = verbose_name
        ordering = ["report", "created_at", "pk"]
        indexes = [models.Index(fields=["report", "anchor_kind", "anchor_code"])]

    def __str__(self):
        return f"{self.report_id} {self.anchor_kind}:{self.anchor_code} {self.body[:20]}"

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("审核批注不能删除。")

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    @property
    def anchor(self) -> str:
        return f"{self.anchor_kind}:{self.anchor_code}"


#: The review aspects of the checklist when a district has not set its own.
DEFAULT_ASPECTS = ("政治", "法律", "政策", "保密", "文字", "舆情")


class DistrictChecklist(models.Model):
    """The review aspects a district's reviewers confirm at each sign-off (its administrator sets them)."""

    district = models.OneToOneField(
        "reports.District", on_delete=models.CASCADE, related_name="review_checklist", verbose_name="区政务公开办"
    )
    aspects = models.JSONField("审核要点", default=list)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="修改人",
    )

    class Meta:
        verbose_name = "审核要点设置"
        verbose_name_plural = verbose_name

    def __str__(self):
        return f"{self.district_id}：{'、'.join(self.aspects)}"


# ── Issue 6: reminders ─────────────────────────────────────────────────────────────────


class ReminderSent(AppendOnlyModel):
    """One reminder e-mail sent to one person for one reason (``review/reminders.py``).

    The unique constraint is what makes a reminder go out once: the job claims the row
    before it sends, in the same transaction, so a second run — or a concurrent one, which
    waits on the unique index — finds the reason taken and sends nothing.
    """

    class Kind(models.TextChoices):
        DEADLINE = "deadline", "报送截止提醒"
        REVIEW = "review", "审核等待提醒"

    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    agency = models.ForeignKey("reports.Agency", on_delete=models.PROTECT, related_name="+", verbose_name="机关")
    report = models.ForeignKey(
        "reports.Report", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="报告"
    )
    year = models.PositiveSmallIntegerField("年度")
    reason = models.CharField(
        "原因", max_length=80, help_text="deadline-14、deadline-7、deadline-2、overdue，或 review:<状态>:<流转记录 id>"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="收件人"
    )
    email = models.EmailField("收件地址")
    subject = models.CharField("主题", max_length=200)
    sent_at = models.DateTimeField("发送时间", default=timezone.now)

    class Meta:
        verbose_name = "提醒发送记录"
        verbose_name_plural = verbose_name
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "agency", "year", "reason", "recipient"], name="reminder_once_per_reason"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.reason} → {self.email}"
