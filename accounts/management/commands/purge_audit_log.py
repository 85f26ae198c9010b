"""Delete security audit entries older than the retention period (at least 184 days)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import AuditEvent

MIN_RETENTION_DAYS = 184


class Command(BaseCommand):
    help = "删除早于保留期限（至少 184 天）的安全审计日志。"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=MIN_RETENTION_DAYS, help="保留天数，不少于 184")
        parser.add_argument("--dry-run", action="store_true", help="只统计，不删除")

    def handle(self, *args, days, dry_run, **options):
        if days < MIN_RETENTION_DAYS:
            raise CommandError(f"审计日志至少保留 {MIN_RETENTION_DAYS} 天，--days 不能小于 {MIN_RETENTION_DAYS}。")
        cutoff = timezone.now() - datetime.timedelta(days=days)
        if dry_run:
            count = AuditEvent.objects.filter(at__lt=cutoff).count()
            self.stdout.write(f"将删除 {count} 条早于 {cutoff:%Y-%m-%d %H:%M} 的审计日志（未删除）。")
            return
        count = AuditEvent.objects.purge_before("at", cutoff)
        self.stdout.write(f"已删除 {count} 条早于 {cutoff:%Y-%m-%d %H:%M} 的审计日志。")
