"""The review's records: the append-only event log and the frozen revisions.

Both are written only by ``review/workflow.py``. Neither may be changed or deleted once
written — they are the audit trail and the reviewer's history — so ``save()`` refuses to
update an existing row, and ``delete()`` (on a row or a queryset) and ``QuerySet.update()``
refuse outright. (A database superuser can still do anything; this guards the application.)
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.appendonly import AppendOnlyError, AppendOnlyModel, AppendOnlyQuerySet  # noqa: F401


class Action(models.TextChoices):
    """What a workflow transition does; the transitions themselves are in ``workflow.py``."""

    SUBMIT = "submit", "提交"


class ReportEvent(AppendOnlyModel):
    """One state change of a report: who moved it from which status to which, when, why."""

    report = models.ForeignKey("reports.Report", on_delete=models.PROTECT, related_name="events", verbose_name="报告")
    action = models.CharField("操作", max_length=30)
    from_status = models.CharField("原状态", max_length=20)
    to_status = models.CharField("新状态", max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="操作人"
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
