"""``import_report FILE [FILE ...]``: load reports from JSON or xlsx files into the database.

All or nothing: every file is read before anything is written, and the files are imported in
one transaction, so a refused file leaves the database as it was. Exit status: 0 when every
file was imported, 1 when one was refused (a report under review or published, an agency
filed under another district, …), 2 when a file cannot be read.
"""

from __future__ import annotations

from django.db import transaction

from accounts.audit import audit_record
from accounts.models import AuditEvent
from reports.interchange import InterchangeError
from reports.management import EXIT_FAILED, ReportCommand, one_line
from reports.models import Report
from reports.services import report_import


class Command(ReportCommand):
    help = "从 JSON 或 xlsx 文件导入年度报告：新建报告，或覆盖草稿/已退回报告的数据（全部成功才保存）。"

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="报告文件（.json 或 .xlsx）")

    def handle(self, *args, **options):
        documents, unreadable = self.read_files(options["files"])
        if unreadable:
            self.fail_unreadable(unreadable, "（未导入任何文件）")

        lines = []
        with transaction.atomic():
            for path, document in documents:
                existed = Report.objects.filter(agency__name=document.agency_name, year=document.year).exists()
                try:
                    report = report_import(document=document)
                except InterchangeError as exc:
                    # Leaving the atomic block by this exception rolls back the files before.
                    self.fail(f"{path}：{one_line(exc)}（未导入任何文件）", EXIT_FAILED)
                action = f"已更新（版本 {report.version}）" if existed else "已新建"
                audit_record(
                    kind=AuditEvent.Kind.IMPORT,
                    username="manage.py import_report",
                    object=report.title[:200],
                    district_id=report.agency.district_id,
                    detail=f"{path}：{action}",
                )
                lines.append(f"{path}：{report.title} {action}，状态：{report.get_status_display()}")
        for line in lines:
            self.stdout.write(line)
        self.stdout.write(f"共导入 {len(lines)} 个文件。")
