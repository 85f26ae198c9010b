"""Append-only models: the audit trail of accounts and of reports.

Rows of an append-only log may be added, never changed or deleted, through the application:
``save()`` refuses to update an existing row, and ``delete()`` (on a row or a queryset) and
``QuerySet.update()`` refuse outright. (A database superuser can still do anything; this
guards the application.) The only way out is :meth:`AppendOnlyQuerySet.purge_before`, used by
the retention command, which removes rows older than the legal retention period.
"""

from django.contrib import admin
from django.db import models


class AppendOnlyError(Exception):
    """An attempt to change or delete a row of an append-only log."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.verbose_name}只能追加，不能修改。")

    def delete(self):
        raise AppendOnlyError(f"{self.model._meta.verbose_name}只能追加，不能删除。")

    # ``bulk_update`` goes through ``update()``; ``_raw_delete`` is what cascades use.
    def _raw_delete(self, using):
        raise AppendOnlyError(f"{self.model._meta.verbose_name}只能追加，不能删除。")

    def purge_before(self, field: str, cutoff) -> int:
        """Delete rows whose ``field`` is older than ``cutoff``; the retention command's only path."""
        queryset = self.filter(**{f"{field}__lt": cutoff})
        return models.QuerySet._raw_delete(queryset, queryset.db)


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.verbose_name}只能追加，不能修改。")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.verbose_name}只能追加，不能删除。")


class ReadOnlyAdmin(admin.ModelAdmin):
    """The admin of a record nobody may write by hand (a log, a publication): it may list and
    show the rows, never add, change or delete them — superusers included."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
