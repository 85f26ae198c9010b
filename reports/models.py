"""Districts, agencies and their yearly reports.

A report's 203 figures and three texts are data keyed by cell code / text key (see
``reports/standard.py``), not one column per cell, so a future edition of the format is a new
entry in ``standard.py`` rather than a schema rewrite.
"""

import datetime

from django.conf import settings
from django.db import models

from . import standard


class District(models.Model):
    """A district (county-level) information-disclosure office, 政务公开办."""

    name = models.CharField("名称", max_length=100, unique=True)
    send_reminders = models.BooleanField("发送提醒", default=True)

    class Meta:
        verbose_name = "区（县）政务公开办"
        verbose_name_plural = verbose_name
        ordering = ["name"]

    def __str__(self):
        return self.name


class Agency(models.Model):
    class Kind(models.TextChoices):
        DEPARTMENT = "department", "区级部门"
        TOWNSHIP = "township", "乡镇人民政府"
        STREET = "street", "街道（地区）办事处"
        DISTRICT = "district", "区（县）人民政府"

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="agencies", verbose_name="所属区")
    name = models.CharField("机关名称", max_length=100, unique=True)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)

    class Meta:
        verbose_name = "机关"
        verbose_name_plural = verbose_name
        ordering = ["district__name", "name"]

    def __str__(self):
        return self.name


class ReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Reports a signed-in user may open: a clerk their agency's, district people their district's."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.agency_id:
            return self.filter(agency_id=user.agency_id)
        if user.district_id:
            return self.filter(agency__district_id=user.district_id)
        return self.none()

    def published(self):
        return self.filter(status=Report.Status.PUBLISHED)


class Report(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交"
        FIRST_REVIEW = "first_review", "初审中"
        SECOND_REVIEW = "second_review", "复审中"
        FINAL_REVIEW = "final_review", "终审中"
        RETURNED = "returned", "已退回"
        APPROVED = "approved", "已通过"
        PUBLISHED = "published", "已发布"

    EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED)

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="reports", verbose_name="机关")
    year = models.PositiveSmallIntegerField("年度")
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField("版本", default=1, help_text="每次保存加一，用于防止覆盖他人的修改")
    cells = models.JSONField("表格数据", default=standard.empty_cells)
    texts = models.JSONField("文字部分", default=standard.empty_texts)
    explanations = models.JSONField("警告说明", default=dict, blank=True)
    prefilled = models.JSONField("预填单元格", default=list, blank=True)
    signature_organ = models.CharField("落款机关", max_length=100, blank=True)
    signature_date = models.DateField("落款日期", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="最后修改人",
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = "年度报告"
        verbose_name_plural = verbose_name
        ordering = ["-year", "agency__name"]
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="report_unique_agency_year")]

    def __str__(self):
        return f"{self.agency.name}{self.year}年政府信息公开工作年度报告"

    @property
    def title(self) -> str:
        return str(self)

    @property
    def deadline(self) -> datetime.date:
        """Regulation art. 49: published by 31 January of the following year."""
        return datetime.date(self.year + 1, 1, 31)

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES
