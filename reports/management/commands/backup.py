"""``backup [--output DIR]``: the database and the generated files, with checksums."""

import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reports.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "备份数据库和已生成的文件（发布的文档），写入一个带校验值的目录。"

    def add_arguments(self, parser):
        parser.add_argument("--output", help="备份目录（默认 <数据目录>/backups/<时间>）")

    def handle(self, *args, output=None, **options):
        if output is None:
            stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
            output = Path(settings.DATA_DIR) / "backups" / stamp
        try:
            manifest = backup_create(output=Path(output))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = "，".join(f"{label} {count} 条" for label, count in manifest["counts"].items())
        self.stdout.write(f"备份完成：{output}（{counts}）")
