from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "last_name", "first_name", "agency", "district", "is_active")
    list_filter = (
        "is_active",
        "district",
        "is_first_reviewer",
        "is_second_reviewer",
        "is_final_reviewer",
        "is_district_admin",
    )
    search_fields = ("username", "first_name", "last_name", "email", "agency__name")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            "所属与角色",
            {
                "fields": (
                    "agency",
                    "district",
                    "is_first_reviewer",
                    "is_second_reviewer",
                    "is_final_reviewer",
                    "is_district_admin",
                )
            },
        ),
    )
