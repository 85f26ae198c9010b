from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm

from .appendonly import ReadOnlyAdmin
from .audit import audit_record, user_district_id
from .models import AuditEvent, User


class ResetPasswordForm(AdminPasswordChangeForm):
    """An administrator's password reset: the owner must choose a new one at next sign-in."""

    def save(self, commit=True):
        self.user.must_change_password = True
        return super().save(commit=commit)


ROLE_FIELDS = ("is_first_reviewer", "is_second_reviewer", "is_final_reviewer", "is_district_admin", "is_audit_viewer")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    change_password_form = ResetPasswordForm
    list_display = ("username", "last_name", "first_name", "agency", "district", "is_active")
    list_filter = ("is_active", "district", *ROLE_FIELDS)
    search_fields = ("username", "first_name", "last_name", "email", "agency__name")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            "所属与角色",
            {"fields": ("agency", "district", *ROLE_FIELDS, "is_installation_auditor", "must_change_password")},
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        # Reading every district's security log is granted by the installation's superuser only.
        readonly = super().get_readonly_fields(request, obj)
        return readonly if request.user.is_superuser else (*readonly, "is_installation_auditor")

    def save_model(self, request, obj, form, change):
        # A password set by an administrator (new account or reset) is an initial password:
        # its owner must replace it at the next sign-in.
        if not change or "password" in form.changed_data or "password1" in form.changed_data:
            obj.must_change_password = True
        super().save_model(request, obj, form, change)
        audit_record(
            kind=AuditEvent.Kind.ACCOUNT_CHANGED if change else AuditEvent.Kind.ACCOUNT_CREATED,
            request=request,
            object=f"用户 {obj.username}",
            # The account's district: its audit viewer reads the change, even one made here.
            district_id=user_district_id(obj),
            detail="修改字段：" + "、".join(form.changed_data) if change else f"角色：{obj.role_labels()}",
        )


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "username", "agency", "kind", "object", "result", "ip_address")
    list_filter = ("kind", "result")
    search_fields = ("username", "agency", "object")
    date_hierarchy = "at"
