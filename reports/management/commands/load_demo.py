"""``load_demo [--reset]``: districts, agencies, the three sample reports and a demo user per role.

Idempotent: a second run creates nothing new and leaves the reports as they are (so a demo
that has moved a report into review keeps it there); it only resets the demo users' roles and
passwords. ``--reset`` also deletes the demo agencies' 2024 reports (with whatever hangs on
them) and imports the samples again as drafts.

Every demo account shares one password, printed at the end. It is for a demonstration on a
private machine only; never run this command against a production database.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import ProtectedError

from accounts.appendonly import AppendOnlyError
from reports.interchange import load_json_file
from reports.management import EXIT_FAILED, ReportCommand
from reports.models import Agency, District, Report
from reports.services import report_import

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "samples"

DEMO_PASSWORD = "Demo-2025-pass"

DISTRICTS = ("重庆市九龙坡区", "重庆市渝北区", "北京市朝阳区")

# (sample file, its agency's clerk)
SAMPLES = (
    ("2024-jiulongpo-minzheng.json", "clerk_jlp_minzheng"),
    ("2024-dasheng-town.json", "clerk_dasheng"),
    ("2024-nanmofang-area.json", "clerk_nanmofang"),
)

# district → the prefix of its people's user names
DISTRICT_PREFIXES = {"重庆市九龙坡区": "jlp", "重庆市渝北区": "yubei", "北京市朝阳区": "chaoyang"}

# (suffix, role flag, Chinese role title): three different people for the three review steps.
DISTRICT_ROLES = (
    ("first", "is_first_reviewer", "初审人"),
    ("second", "is_second_reviewer", "复审人"),
    ("final", "is_final_reviewer", "终审人"),
    ("admin", "is_district_admin", "区政务公开办管理员"),
    ("auditor", "is_audit_viewer", "审计查看员"),
)
ROLE_FLAGS = (*(flag for _suffix, flag, _title in DISTRICT_ROLES), "is_installation_auditor")


@dataclass
class DemoUser:
    username: str
    role: str
    place: str
    display_name: str
    agency: Agency | None = None
    district: District | None = None
    flags: tuple[str, ...] = ()
    superuser: bool = False


class Command(ReportCommand):
    help = "载入演示数据：三个区、三份 2024 年样例报告（草稿）和各角色的演示账户。可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="删除演示机关的 2024 年报告（及其审核记录）并重新导入样例",
        )

    def handle(self, *args, **options):
        documents = [(load_json_file(SAMPLES_DIR / name), clerk) for name, clerk in SAMPLES]
        with transaction.atomic():
            districts = {name: District.objects.get_or_create(name=name)[0] for name in DISTRICTS}
            if options["reset"]:
                demo_reports = Report.objects.filter(
                    agency__name__in=[document.agency_name for document, _clerk in documents],
                    year__in={document.year for document, _clerk in documents},
                )
                try:
                    deleted = demo_reports.delete()[0]
                except (ProtectedError, AppendOnlyError):
                    # The audit trail of a report that went through the workflow is append-only.
                    self.fail(
                        "演示报告已有流转或审核记录，审计日志不可删除，因此不能重置。"
                        "如需从头演示，请删除数据库文件（默认 var/db.sqlite3）后重新运行 bash scripts/start.sh。",
                        EXIT_FAILED,
                    )
                self.stdout.write(f"已删除演示报告及相关记录 {deleted} 条。")
            people = [
                DemoUser("admin", "超级管理员", "（全系统）", "系统管理员", superuser=True),
                DemoUser(
                    "audit_all",
                    "全系统审计查看员",
                    "（全系统）",
                    "全系统审计查看员",
                    flags=("is_installation_auditor",),
                ),
            ]
            for document, clerk in documents:
                report = Report.objects.filter(agency__name=document.agency_name, year=document.year).first()
                if report is None:
                    report = report_import(document=document)
                    self.stdout.write(f"已导入 {report.title}（草稿）")
                else:
                    self.stdout.write(f"已存在 {report.title}（{report.get_status_display()}），未改动")
                agency = report.agency
                people.append(DemoUser(clerk, "机关填报人员", agency.name, f"{agency.name}填报人", agency=agency))
            for name, district in districts.items():
                prefix = DISTRICT_PREFIXES[name]
                for suffix, flag, title in DISTRICT_ROLES:
                    people.append(
                        DemoUser(f"{prefix}_{suffix}", title, name, f"{name}{title}", district=district, flags=(flag,))
                    )
            for person in people:
                self._user(person)
        self._table(people)

    def _user(self, person: DemoUser) -> None:
        User = get_user_model()
        user = User.objects.filter(username=person.username).first() or User(username=person.username)
        user.first_name = person.display_name
        user.agency = person.agency
        user.district = person.district
        for flag in ROLE_FLAGS:
            setattr(user, flag, flag in person.flags)
        user.is_superuser = user.is_staff = person.superuser
        user.is_active = True
        if not user.has_usable_password() or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
        user.full_clean()
        user.save()

    def _table(self, people: list[DemoUser]) -> None:
        header = ("用户名", "角色", "所属机关或区", "密码")
        rows = [(p.username, p.role, p.place, DEMO_PASSWORD) for p in people]
        widths = [max(_width(row[i]) for row in (header, *rows)) for i in range(len(header))]
        self.stdout.write("")
        self.stdout.write("演示账户（所有账户密码相同，仅供演示，切勿用于生产环境）：")
        for row in (header, *rows):
            self.stdout.write("  ".join(_pad(cell, width) for cell, width in zip(row, widths, strict=True)).rstrip())


def _width(text: str) -> int:
    """Columns the text takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
