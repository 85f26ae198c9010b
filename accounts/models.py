"""People. An agency clerk belongs to one agency; district people hold one or more roles
in one district (first, second, final reviewer; district administrator)."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models


class User(AbstractUser):
    class Role(models.TextChoices):
        CLERK = "clerk", "机关填报人员"
        FIRST_REVIEWER = "first_reviewer", "初审人"
        SECOND_REVIEWER = "second_reviewer", "复审人"
        FINAL_REVIEWER = "final_reviewer", "终审人"
        DISTRICT_ADMIN = "district_admin", "区政务公开办管理员"

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

    @property
    def district_roles(self) -> list[str]:
        flags = (
            (self.is_first_reviewer, self.Role.FIRST_REVIEWER),
            (self.is_second_reviewer, self.Role.SECOND_REVIEWER),
            (self.is_final_reviewer, self.Role.FINAL_REVIEWER),
            (self.is_district_admin, self.Role.DISTRICT_ADMIN),
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
