"""Admin for districts and agencies. Reports are read-only here: their figures change only
through the editing services and the workflow, never by hand in the admin."""

from django.contrib import admin

from accounts.appendonly import ReadOnlyAdmin

from .models import Agency, District, Publication, PublicationFile, Report


class AgencyInline(admin.TabularInline):
    model = Agency
    extra = 0
    fields = ("name", "kind")


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("name", "send_reminders")
    search_fields = ("name",)
    inlines = [AgencyInline]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "district")
    list_filter = ("kind", "district")
    search_fields = ("name",)


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("agency", "year", "status", "version", "updated_at")
    list_filter = ("status", "year", "agency__district")
    search_fields = ("agency__name",)
    fields = ("agency", "year", "status", "version", "signature_organ", "signature_date", "updated_at", "updated_by")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Viewing is allowed; saving is not (all fields are read-only anyway).
        return request.method in ("GET", "HEAD") and super().has_view_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


class PublicationFileInline(admin.TabularInline):
    model = PublicationFile
    extra = 0
    fields = ("kind", "path", "size", "sha256", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    """Read-only: a publication is written by the publish job only, and a published one never
    changes (a correction is a new version). The admin may look, not touch."""

    list_display = ("agency_name", "year", "version", "status", "is_current", "published_at", "attempts")
    list_filter = ("status", "is_current", "year", "agency__district")
    search_fields = ("agency_name",)
    fields = (
        "report",
        "agency",
        "agency_name",
        "year",
        "version",
        "status",
        "is_current",
        "correction_reason",
        "created_at",
        "published_at",
        "attempts",
        "error",
        "snapshot",
    )
    readonly_fields = fields
    inlines = [PublicationFileInline]
