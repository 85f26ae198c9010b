"""``demo_publish``: walk one demo report through the whole chain, so the public site has one.

Run after ``load_demo``. The clerk of 北京市朝阳区南磨房地区办事处 types 0 into the three fee
cells its published report left blank (that sample's only errors) and submits; the demo
reviewers of 北京市朝阳区 start the review and sign 初审, 复审 and 终审; the publication job then
renders the four files (in-process when no broker is configured, as on a first start). Every
step goes through the same services as the pages, so the report's history, the 审核表 and the
publication are real. A report that has already left draft is left alone.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from reports import rules
from reports.editing import report_save
from reports.models import Report
from review.services import checklist_aspects, signoff_sign
from review.workflow import report_check, report_start_review, report_submit, unexplained_warnings

AGENCY = "北京市朝阳区南磨房地区办事处"
YEAR = 2024
CLERK = "clerk_nanmofang"
REVIEWERS = {"first": "chaoyang_first", "second": "chaoyang_second", "final": "chaoyang_final"}
FEE_CELLS = ("t6.fee_notices", "t6.fee_notice_amount", "t6.fee_collected")


class Command(BaseCommand):
    help = "演示：把南磨房地区办事处 2024 年度报告走完提交、三级审核和发布，使公开网站有一份报告。"

    def handle(self, *args, **options):
        User = get_user_model()
        report = Report.objects.filter(agency__name=AGENCY, year=YEAR).first()
        if report is None:
            raise CommandError("找不到演示报告，请先运行 python manage.py load_demo。")
        if report.status != Report.Status.DRAFT:
            self.stdout.write(f"{report.title} 已是“{report.get_status_display()}”，未改动。")
            return
        try:
            clerk = User.objects.get(username=CLERK)
            team = {step: User.objects.get(username=name) for step, name in REVIEWERS.items()}
        except User.DoesNotExist as exc:
            raise CommandError("缺少演示账户，请先运行 python manage.py load_demo。") from exc

        blanks = {code: 0 for code in FEE_CELLS if report.cells.get(code) is None}
        if blanks:
            report = report_save(report_id=report.pk, expected_version=report.version, cells=blanks, by=clerk)
            self.stdout.write(f"填报人补填信息处理费 {len(blanks)} 个空格为 0。")
        violations = report_check(report)
        if rules.errors(violations) or unexplained_warnings(report, violations):
            raise CommandError("演示报告仍有错误或未说明的警告，无法提交。")
        report_submit(report_id=report.pk, by=clerk)
        report_start_review(report_id=report.pk, by=team["first"])
        aspects = checklist_aspects(report.agency.district)
        for status, step, opinion in (
            (Report.Status.FIRST_REVIEW, "first", "数据与文字一致，同意报复审。"),
            (Report.Status.SECOND_REVIEW, "second", "符合年报格式要求，同意报终审。"),
            (Report.Status.FINAL_REVIEW, "final", "同意发布。"),
        ):
            signoff_sign(
                report_id=report.pk,
                step_status=status,
                by=team[step],
                checked_aspects=aspects,
                opinion=opinion,
                verdicts={},
            )
        report.refresh_from_db()
        if report.status == Report.Status.PUBLISHED:
            url = reverse("reports:public_detail", args=[report.pk])
            self.stdout.write(f"已发布：{report.title}（公开页面 {url}）")
        elif not settings.CELERY_TASK_ALWAYS_EAGER:
            self.stdout.write(f"已通过终审，发布任务已交给 Celery worker：{report.title}")
        else:
            self.stdout.write(f"已通过终审，状态：{report.get_status_display()}")
