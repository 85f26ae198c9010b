"""``restore DIR``: a backup into an EMPTY database and files folder (then checks the counts)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "把备份恢复到空数据库和空文件目录，并核对记录数。"
    requires_migrations_checks = False
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("source", help="备份目录")

    def handle(self, *args, source, **options):
        try:
            manifest = backup_restore(source=Path(source))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = "，".join(f"{label} {count} 条" for label, count in manifest["counts"].items())
        self.stdout.write(f"恢复完成，记录数与备份一致（{counts}）。")
