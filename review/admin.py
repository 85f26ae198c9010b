"""The review's records in the admin: read-only, every one of them.

The event log, the frozen revisions and the sign-offs are the audit trail; comments change only
through the agency's answer and resolve (``review.services``); the checklist through its page.
So the admin may list and view them, never add, change or delete (for superusers too).
"""

from django.contrib import admin

from accounts.appendonly import ReadOnlyAdmin as BaseReadOnlyAdmin

from .models import Comment, DistrictChecklist, ReminderSent, ReportEvent, ReportRevision, SignOff


class ReadOnlyAdmin(BaseReadOnlyAdmin):
    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


@admin.register(ReportEvent)
class ReportEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "report", "action", "from_status", "to_status", "actor", "ip_address")
    list_filter = ("action", "to_status")
    search_fields = ("report__agency__name", "actor__username", "note")
    date_hierarchy = "at"
    list_select_related = ("report__agency", "actor")


@admin.register(ReportRevision)
class ReportRevisionAdmin(ReadOnlyAdmin):
    list_display = ("report", "round", "report_version", "created_at")
    search_fields = ("report__agency__name",)
    list_select_related = ("report__agency",)


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyAdmin):
    list_display = ("at", "report", "round", "step", "reviewer", "ip_address")
    list_filter = ("step",)
    search_fields = ("report__agency__name", "reviewer__username", "opinion")
    list_select_related = ("report__agency", "reviewer")


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "report", "round", "step", "anchor_kind", "anchor_code", "author", "resolved_at")
    list_filter = ("step", "anchor_kind")
    search_fields = ("report__agency__name", "body", "reply")
    list_select_related = ("report__agency", "author")


@admin.register(DistrictChecklist)
class DistrictChecklistAdmin(ReadOnlyAdmin):
    list_display = ("district", "updated_at", "updated_by")


@admin.register(ReminderSent)
class ReminderSentAdmin(ReadOnlyAdmin):
    list_display = ("sent_at", "kind", "agency", "year", "reason", "email", "subject")
    list_filter = ("kind", "year")
    search_fields = ("agency__name", "email", "subject")
    list_select_related = ("agency",)
