"""People. An agency clerk belongs to one agency; district people hold one or more roles
in one district (first, second, final reviewer; district administrator)."""

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from .appendonly import AppendOnlyModel


class User(AbstractUser):
    class Role(models.TextChoices):
        CLERK = "clerk", "机关填报人员"
        FIRST_REVIEWER = "first_reviewer", "初审人"
        SECOND_REVIEWER = "second_reviewer", "复审人"
        FINAL_REVIEWER = "final_reviewer", "终审人"
        DISTRICT_ADMIN = "district_admin", "区政务公开办管理员"
        AUDIT_VIEWER = "audit_viewer", "审计查看员"

    agency = models.ForeignKey(
        "reports.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clerks",
        verbose_name="所属机关",
    )
    district = models.ForeignKey(
        "reports.District", on_delete=models.PROTECT, null=True, blank=True, related_name="staff", verbose_name="所属区"
    )
    is_first_reviewer = models.BooleanField("初审人", default=False)
    is_second_reviewer = models.BooleanField("复审人", default=False)
    is_final_reviewer = models.BooleanField("终审人", default=False)
    is_district_admin = models.BooleanField("区政务公开办管理员", default=False)
    is_audit_viewer = models.BooleanField("审计查看员", default=False)
    must_change_password = models.BooleanField(
        "下次登录须修改密码", default=False, help_text="管理员创建账户或重置密码后自动勾选"
    )
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = verbose_name

    def clean(self):
        super().clean()
        if self.agency_id and self.district_id:
            raise ValidationError("一个账户不能同时属于机关和区政务公开办，请只选其一。")
        if self.agency_id and self.district_roles:
            raise ValidationError("机关填报人员不能担任审核或管理角色。")
        if self.district_roles and not self.district_id:
            raise ValidationError("审核人和管理员必须属于一个区政务公开办。")
        reviewer = self.is_first_reviewer or self.is_second_reviewer or self.is_final_reviewer
        if self.is_district_admin and reviewer:
            raise ValidationError("区政务公开办管理员不能同时担任审核人（管理与审核职责分离）。")

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    @property
    def password_expired(self) -> bool:
        max_age = getattr(settings, "GOVREPORT_PASSWORD_MAX_AGE_DAYS", 90)
        if not max_age or self.password_changed_at is None:
            return False
        return timezone.now() - self.password_changed_at > datetime.timedelta(days=max_age)

    @property
    def district_roles(self) -> list[str]:
        flags = (
            (self.is_first_reviewer, self.Role.FIRST_REVIEWER),
            (self.is_second_reviewer, self.Role.SECOND_REVIEWER),
            (self.is_final_reviewer, self.Role.FINAL_REVIEWER),
            (self.is_district_admin, self.Role.DISTRICT_ADMIN),
            (self.is_audit_viewer, self.Role.AUDIT_VIEWER),
        )
        return [role for held, role in flags if held]

    @property
    def roles(self) -> list[str]:
        return [self.Role.CLERK, *self.district_roles] if self.agency_id else self.district_roles

    @property
    def is_clerk(self) -> bool:
        return self.agency_id is not None

    def role_labels(self) -> str:
        return "、".join(self.Role(role).label for role in self.roles)


class AuditEvent(AppendOnlyModel):
    """One security-relevant event: sign-ins, failures, lockouts, password and account changes,
    exports and imports. Append-only; kept at least 184 days (``purge_audit_log``)."""

    class Kind(models.TextChoices):
        LOGIN = "login", "登录"
        LOGIN_FAILED = "login_failed", "登录失败"
        LOCKED_OUT = "locked_out", "账户锁定"
        LOGOUT = "logout", "退出"
        PASSWORD_CHANGED = "password_changed", "修改密码"
        ACCOUNT_CREATED = "account_created", "创建账户"
        ACCOUNT_CHANGED = "account_changed", "修改账户或角色"
        EXPORT = "export", "导出"
        IMPORT = "import", "导入"

    class Result(models.TextChoices):
        SUCCESS = "success", "成功"
        FAILURE = "failure", "失败"

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="用户"
    )
    username = models.CharField("用户名", max_length=150, blank=True)
    agency = models.CharField("机关", max_length=100, blank=True)
    kind = models.CharField("事件", max_length=30, choices=Kind.choices)
    object = models.CharField("对象", max_length=200, blank=True)
    result = models.CharField("结果", max_length=10, choices=Result.choices, default=Result.SUCCESS)
    ip_address = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    detail = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "安全审计日志"
        verbose_name_plural = verbose_name
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.get_kind_display()} {self.get_result_display()}"
