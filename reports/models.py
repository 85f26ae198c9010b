"""Districts, agencies and their yearly reports.

A report's 203 figures and three texts are data keyed by cell code / text key (see
``reports/standard.py``), not one column per cell, so a future edition of the format is a new
entry in ``standard.py`` rather than a schema rewrite.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import OuterRef, Subquery

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


class AgencyQuerySet(models.QuerySet):
    def active(self):
        """The agencies that report this year: not deactivated by the district administrator."""
        return self.filter(is_active=True)


class Agency(models.Model):
    class Kind(models.TextChoices):
        DEPARTMENT = "department", "区级部门"
        TOWNSHIP = "township", "乡镇人民政府"
        STREET = "street", "街道（地区）办事处"
        DISTRICT = "district", "区（县）人民政府"

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="agencies", verbose_name="所属区")
    name = models.CharField("机关名称", max_length=100, unique=True)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    # An agency that was merged or abolished keeps its reports and publications (history);
    # it is only no longer offered for new reports (reports/administration/services.py).
    is_active = models.BooleanField("在用", default=True)

    objects = AgencyQuerySet.as_manager()

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

    def with_deadlines(self):
        """Annotate the deadlines the district set for the year (``ReportingYear``), so that
        ``Report.deadline`` of a listed report costs no query of its own."""
        settings_of = ReportingYear.objects.filter(district_id=OuterRef("agency__district_id"), year=OuterRef("year"))
        return self.annotate(
            set_agency_deadline=Subquery(settings_of.values("agency_deadline")[:1]),
            set_district_deadline=Subquery(settings_of.values("district_deadline")[:1]),
        )


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
        # Read from a report published before the agency used the system (reports/history/):
        # no transition of review/workflow.py starts from it, so it is never edited, submitted
        # or published again; it serves as "last year" for pre-fill and the cross-year rules.
        HISTORICAL = "historical", "历史导入"

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
        """The deadline the district set when it opened the year (``ReportingYear``), else
        Regulation art. 49: an agency publishes by 31 January of the following year; the
        district government, whose report aggregates its agencies' reports, by 31 March."""
        is_district = self.agency.kind == Agency.Kind.DISTRICT
        if hasattr(self, "set_agency_deadline"):  # ``ReportQuerySet.with_deadlines()``
            chosen = self.set_district_deadline if is_district else self.set_agency_deadline
        else:
            # Read once per instance: a page asks several times (date, days left, overdue).
            if "_deadline_set" not in self.__dict__:
                self._deadline_set = ReportingYear.deadline_set(
                    district_id=self.agency.district_id, year=self.year, district=is_district
                )
            chosen = self._deadline_set
        return chosen or ReportingYear.default_deadline(self.year, district=is_district)

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES


# ── The yearly cycle (reports/cycle/) ───────────────────────────────────────────────────


class ReportingYear(models.Model):
    """A district's reporting year, opened by its administrator (``cycle.services.year_open``):
    the deadlines the district set for it. Without a row the regulation's dates apply."""

    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="reporting_years", verbose_name="所属区"
    )
    year = models.PositiveSmallIntegerField("年度")
    agency_deadline = models.DateField("机关报告截止日期")
    district_deadline = models.DateField("区政府报告截止日期")
    opened_at = models.DateTimeField("开启时间", auto_now_add=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="开启人"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "报送年度"
        verbose_name_plural = verbose_name
        ordering = ["district", "-year"]
        constraints = [models.UniqueConstraint(fields=["district", "year"], name="reporting_year_unique")]

    def __str__(self):
        return f"{self.district.name}{self.year}年度"

    @staticmethod
    def default_deadline(year: int, *, district: bool = False) -> datetime.date:
        """Regulation art. 49: 31 January of the next year; the district government 31 March."""
        return datetime.date(year + 1, 3 if district else 1, 31)

    @classmethod
    def deadline_set(cls, *, district_id: int, year: int, district: bool = False) -> datetime.date | None:
        field = "district_deadline" if district else "agency_deadline"
        return cls.objects.filter(district_id=district_id, year=year).values_list(field, flat=True).first()


class CalendarDay(models.Model):
    """A day of the district's calendar that is not what its weekday says: a weekday off
    (节假日) or a weekend day worked in exchange (调休). Working-day counts read these
    (``cycle.calendar.WorkCalendar``): the reminders and the board's waiting times."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "节假日（工作日放假）"
        WORKDAY = "workday", "调休上班（周末上班）"

    district = models.ForeignKey(
        District, on_delete=models.CASCADE, related_name="calendar_days", verbose_name="所属区"
    )
    date = models.DateField("日期")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("名称", max_length=30, blank=True, help_text="如：春节、国庆节")

    class Meta:
        verbose_name = "节假日与调休"
        verbose_name_plural = verbose_name
        ordering = ["district", "date"]
        constraints = [models.UniqueConstraint(fields=["district", "date"], name="calendar_day_unique")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".strip()

    @property
    def short_label(self) -> str:
        """The kind in a word, for a narrow table."""
        return "节假日" if self.kind == self.Kind.HOLIDAY else "调休上班"

    def clean(self):
        weekend = self.date is not None and self.date.weekday() >= 5
        if self.kind == self.Kind.HOLIDAY and weekend:
            raise ValidationError({"date": f"{self.date:%Y-%m-%d} 是周末，本来就不上班，无需登记为节假日。"})
        if self.kind == self.Kind.WORKDAY and self.date is not None and not weekend:
            raise ValidationError({"date": f"{self.date:%Y-%m-%d} 是工作日，调休上班只能登记周六或周日。"})


# ── Publications ────────────────────────────────────────────────────────────────────────


class PublicationFrozenError(Exception):
    """An attempt to change or delete what a published publication holds (its snapshot, its
    reason, its files). A correction is a new version, never an edit of an old one."""


class PublicationQuerySet(models.QuerySet):
    def current(self):
        """The version the public sees of each published report (one per report)."""
        return self.filter(is_current=True)

    def update(self, **kwargs):
        frozen = Publication.FROZEN_FIELDS.intersection(kwargs)
        if frozen and self.filter(status=Publication.Status.PUBLISHED).exists():
            raise PublicationFrozenError(f"已发布的版本不能修改：{'、'.join(sorted(frozen))}")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(status=Publication.Status.PUBLISHED).exists():
            raise PublicationFrozenError("已发布的版本不能删除。")
        return super().delete()


class Publication(models.Model):
    """One published version of a report: the frozen snapshot (the interchange document) it
    was rendered from, and, through :class:`PublicationFile`, the four files with checksums.

    Written only by ``reports/publishing.py``. Once ``status`` is ``published`` the snapshot,
    the version, the reason and the files can no longer change: ``save()``, ``delete()`` and
    the queryset's ``update()``/``delete()`` refuse (a safety net under the services). Only
    ``is_current`` still moves, when a correction supersedes the version.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RENDERING = "rendering", "正在生成"
        PUBLISHED = "published", "已发布"
        FAILED = "failed", "发布失败"

    FROZEN_FIELDS = frozenset(
        {
            *("report", "report_id", "agency", "agency_id", "year", "agency_name"),
            *("district", "district_id", "agency_kind"),
            *("version", "snapshot", "correction_reason"),
        }
    )

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="publications", verbose_name="报告")
    # Copied from the report (agency, year) and the snapshot (agency name) so that the public
    # listing filters and sorts one table.
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="publications", verbose_name="机关")
    year = models.PositiveSmallIntegerField("年度")
    agency_name = models.CharField("机关名称（发布时）", max_length=100)
    # Also copied at publication (issue 13): the listing's district and kind filters are then
    # served by the listing's own indexes, without a join to every agency.
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+", verbose_name="所属区（发布时）")
    agency_kind = models.CharField("机关类型（发布时）", max_length=20, choices=Agency.Kind.choices)
    version = models.PositiveIntegerField("版本号")
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.QUEUED)
    is_current = models.BooleanField("当前版本", default=False)
    snapshot = models.JSONField("数据快照", help_text="发布所依据的数据（JSON 交换格式）")
    correction_reason = models.TextField("更正说明", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    error = models.TextField("错误信息", blank=True)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        verbose_name = "发布版本"
        verbose_name_plural = verbose_name
        ordering = ["report", "version"]
        constraints = [
            models.UniqueConstraint(fields=["report", "version"], name="publication_unique_report_version"),
            models.UniqueConstraint(
                fields=["report"], condition=models.Q(is_current=True), name="publication_one_current_per_report"
            ),
            # Only a published version can be the current one.
            models.CheckConstraint(
                condition=models.Q(is_current=False) | models.Q(status="published"),
                name="publication_current_is_published",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "year"], name="publication_status_year"),
            # The public listing: current versions, newest year first, then by agency name.
            models.Index(
                fields=["-year", "agency_name", "id"], condition=models.Q(is_current=True), name="publication_listing"
            ),
            models.Index(fields=["agency", "year"], name="publication_agency_year"),
            # The listing filtered by district or by kind (with or without a year), in its order.
            models.Index(
                fields=["district", "-year", "agency_name", "id"],
                condition=models.Q(is_current=True),
                name="publication_listing_district",
            ),
            models.Index(
                fields=["agency_kind", "-year", "agency_name", "id"],
                condition=models.Q(is_current=True),
                name="publication_listing_kind",
            ),
        ]

    def __str__(self):
        return f"{self.agency_name}{self.year}年政府信息公开工作年度报告（第{self.version}版）"

    def save(self, *args, **kwargs):
        if not self._state.adding and self.pk is not None:
            stored = Publication.objects.filter(pk=self.pk).values("status", *self._frozen_columns()).first()
            if stored is not None and stored["status"] == self.Status.PUBLISHED:
                changed = [name for name in self._frozen_columns() if stored[name] != getattr(self, name)]
                if changed or self.status != self.Status.PUBLISHED:
                    raise PublicationFrozenError(f"已发布的版本不能修改：{'、'.join(changed) or 'status'}")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if Publication.objects.filter(pk=self.pk, status=self.Status.PUBLISHED).exists():
            raise PublicationFrozenError("已发布的版本不能删除。")
        return super().delete(*args, **kwargs)

    @staticmethod
    def _frozen_columns() -> list[str]:
        return [
            *("report_id", "agency_id", "year", "agency_name", "district_id", "agency_kind"),
            *("version", "snapshot", "correction_reason"),
        ]

    @property
    def title(self) -> str:
        return f"{self.agency_name}{self.year}年政府信息公开工作年度报告"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class PublicationFileQuerySet(models.QuerySet):
    def _published(self):
        return self.filter(publication__status=Publication.Status.PUBLISHED)

    def update(self, **kwargs):
        if self._published().exists():
            raise PublicationFrozenError("已发布版本的文件不能修改。")
        return super().update(**kwargs)

    def delete(self):
        if self._published().exists():
            raise PublicationFrozenError("已发布版本的文件不能删除。")
        return super().delete()


class PublicationFile(models.Model):
    """One file of a publication, stored under ``MEDIA_ROOT`` at ``path``, with its SHA-256."""

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word 文档"
        XLSX = "xlsx", "Excel 表格"
        JSON = "json", "JSON 数据"
        HTML = "html", "网页"

    publication = models.ForeignKey(
        Publication, on_delete=models.PROTECT, related_name="files", verbose_name="发布版本"
    )
    kind = models.CharField("格式", max_length=10, choices=Kind.choices)
    path = models.CharField("路径", max_length=255, help_text="相对于 MEDIA_ROOT")
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.PositiveBigIntegerField("字节数")
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    objects = PublicationFileQuerySet.as_manager()

    class Meta:
        verbose_name = "发布文件"
        verbose_name_plural = verbose_name
        ordering = ["publication", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["publication", "kind"], name="publication_file_unique_kind"),
        ]

    def __str__(self):
        return f"{self.publication} · {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if Publication.objects.filter(pk=self.publication_id, status=Publication.Status.PUBLISHED).exists():
            raise PublicationFrozenError("已发布版本的文件不能修改或增加。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if Publication.objects.filter(pk=self.publication_id, status=Publication.Status.PUBLISHED).exists():
            raise PublicationFrozenError("已发布版本的文件不能删除。")
        return super().delete(*args, **kwargs)


# ── Past reports brought in from their published copies (reports/history/) ────────────────


class HistoricalImport(models.Model):
    """One uploaded past report: the source file kept under ``MEDIA_ROOT/history/`` with its
    SHA-256, what the reader found, and the uploader's resolutions, until it is confirmed as
    the agency's historical report for ``year`` (``report``). Written by ``history.services``."""

    class Status(models.TextChoices):
        PENDING = "pending", "待确认"
        CONFIRMED = "confirmed", "已确认"

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="机关")
    year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.PENDING)
    batch = models.CharField("批次", max_length=32, help_text="同一次上传（压缩包）的文件共用一个批次号")
    filename = models.CharField("文件名", max_length=255)
    kind = models.CharField("文件类型", max_length=10)
    path = models.CharField("路径", max_length=255, help_text="相对于 MEDIA_ROOT")
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.PositiveBigIntegerField("字节数")
    source_text = models.TextField("原文", blank=True)
    document = models.JSONField("读取结果", help_text="JSON 交换格式，reading 键下为出处、说明和存疑数字")
    resolutions = models.JSONField("存疑数字的处理", default=dict, blank=True)
    report = models.OneToOneField(
        Report,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="historical_import",
        verbose_name="历史报告",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="上传人"
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="确认人",
    )

    class Meta:
        verbose_name = "往年报告导入"
        verbose_name_plural = verbose_name
        ordering = ["-created_at", "pk"]
        indexes = [models.Index(fields=["agency", "status"], name="historical_import_agency")]

    def __str__(self):
        return f"{self.agency.name} {self.year or '年度未定'} · {self.filename}"
