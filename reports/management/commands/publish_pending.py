"""``publish_pending``: send the publish job again for every approved report not yet published.

For the rare job lost between the approval's commit and the enqueue (the web process died
in between), or after restoring a backup. Harmless to run at any time, e.g. from cron: the
job is idempotent, so a report already being published is published once.
"""

from __future__ import annotations

from reports.management import ReportCommand


class Command(ReportCommand):
    help = "为所有已通过终审但尚未发布的报告重新发送发布任务（可随时运行，不会重复发布）。"

    def handle(self, *args, **options):
        from reports.models import Report
        from reports.publishing import publish_enqueue

        ids = list(Report.objects.filter(status=Report.Status.APPROVED).order_by("pk").values_list("pk", flat=True))
        for report_id in ids:
            publish_enqueue(report_id)
        self.stdout.write(f"已为 {len(ids)} 份已通过终审的报告发送发布任务")
