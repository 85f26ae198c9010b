"""People. An agency clerk belongs to one agency; district people hold one or more roles
in one district (first, second, final reviewer; district administrator)."""

import datetime

from django.conf import settings
from django.contrib.auth.hashers import check_password, identify_hasher
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
        INSTALLATION_AUDITOR = "installation_auditor", "全系统审计查看员"

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
    # Not a district role: reads the security log of every district. Only the installation's
    # superuser may set it (the admin shows it read-only to anyone else).
    is_installation_auditor = models.BooleanField(
        "全系统审计查看员", default=False, help_text="可查看所有区的安全审计日志；只能由系统超级管理员设置"
    )
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
        if self.is_installation_auditor and (self.agency_id or reviewer or self.is_district_admin):
            raise ValidationError("全系统审计查看员不能同时担任填报、审核或管理角色。")

    def set_password(self, raw_password):
        """Set a new password; the expiry clock restarts only when it really is a new one.

        Setting the password the account already has (an admin-known reset password "changed"
        to itself, Django re-hashing with more iterations at sign-in) is no change:
        ``password_changed_at`` and the password history stay as they were. (The change forms
        refuse it before this point, ``validators.PasswordHistoryValidator``; this is the
        model's own guarantee.)
        """
        same = raw_password is not None and self._is_current_password(raw_password)
        super().set_password(raw_password)
        if same:
            self._password = None  # not a change: ``save()`` records no history row
            return
        self.password_changed_at = timezone.now() if raw_password is not None else None

    def _is_current_password(self, raw_password: str) -> bool:
        """``raw_password`` matches the stored hash (without the rehash-on-login side effect).

        The validator that ran just before remembers its answer for this hash, so a change
        through the form hashes once less (each hash costs ~0.3 s by design)."""
        known = self.__dict__.pop("_checked_against_current", None)  # used once, not kept
        if known is not None and known[0] == self.password and known[1] == raw_password:
            return known[2]
        if not self.password:
            return False
        try:
            identify_hasher(self.password)
        except ValueError:
            return False  # unusable or unknown: cannot be the same password
        return check_password(raw_password, self.password)

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
        roles = [self.Role.CLERK, *self.district_roles] if self.agency_id else self.district_roles
        return [*roles, self.Role.INSTALLATION_AUDITOR] if self.is_installation_auditor else roles

    @property
    def is_clerk(self) -> bool:
        return self.agency_id is not None

    @property
    def audit_scope_all(self) -> bool:
        """Reads every district's security log: the installation auditor and the superuser."""
        return self.is_installation_auditor or self.is_superuser

    def role_labels(self) -> str:
        return "、".join(self.Role(role).label for role in self.roles)


class PasswordHistory(models.Model):
    """The hash of a password an account has had, written on every real change (the
    validator's ``password_changed`` hook, called by ``User.save`` after ``set_password``).
    ``validators.PasswordHistoryValidator`` refuses a new password equal to the current one or
    to one of the last ``PASSWORD_HISTORY`` before it. Older rows are deleted: no more hash
    material is kept than the rule needs."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history", verbose_name="用户")
    password = models.CharField("密码哈希", max_length=128)
    created_at = models.DateTimeField("设置时间", default=timezone.now)

    class Meta:
        verbose_name = "历史密码"
        verbose_name_plural = verbose_name
        ordering = ["user", "-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"], name="password_history_recent")]

    def __str__(self):
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"


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
        DISTRICT_SETTINGS = "district_settings", "修改年度报送设置"

    class Result(models.TextChoices):
        SUCCESS = "success", "成功"
        FAILURE = "failure", "失败"

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="用户"
    )
    username = models.CharField("用户名", max_length=150, blank=True)
    agency = models.CharField("机关", max_length=100, blank=True)
    # The district the event belongs to, fixed when it is written (the object's district, e.g.
    # of an exported report, else the actor's): an audit viewer reads their district's events
    # only, whatever later happens to the account or the agency's name. Null: installation-level
    # (an unknown user name, the superuser), read by installation auditors only.
    district = models.ForeignKey(
        "reports.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="所属区",
    )
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
