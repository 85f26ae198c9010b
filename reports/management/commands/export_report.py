"""``export_report``: write a report as JSON, PDF, Word (DOCX), XLSX or HTML.

Two sources:

- ``export_report --agency NAME --year YEAR [--format F] [--output PATH]`` — a stored report;
- ``export_report FILE [--format json|pdf|docx|xlsx|html] [--output PATH]`` — a report file (JSON or
  xlsx), rendered with no database and no worker, exactly as the publish job renders it
  (``reports/rendering/formats.py``: the official layout, the Chinese font embedded in the PDF).

Without ``--output`` JSON and HTML go to stdout; PDF, DOCX and XLSX need ``--output``. Exit
status: 0 when written, 1 when the agency or report does not exist or the arguments do not
fit, 2 when the input file cannot be read, the output cannot be written or the PDF has no
font.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from reports import interchange
from reports.management import EXIT_FAILED, EXIT_UNREADABLE, ReportCommand, one_line
from reports.rendering import formats

FORMATS = ("json", "pdf", "docx", "xlsx", "html")


class Command(ReportCommand):
    help = (
        "导出年度报告：按机关和年度从数据库导出，"
        "或把报告文件转换为 JSON、PDF、Word（DOCX）、XLSX 或 HTML（不使用数据库）。"
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", metavar="FILE", help="报告文件（.json 或 .xlsx），不使用数据库")
        parser.add_argument("--agency", metavar="NAME", help="机关名称")
        parser.add_argument("--year", type=int, metavar="YEAR", help="报告年度")
        parser.add_argument(
            "--format", choices=FORMATS, default="json", help="输出格式：json（默认）、pdf、docx、xlsx、html"
        )
        parser.add_argument("--output", "-o", metavar="PATH", help="输出文件；不指定则写到标准输出")

    def handle(self, *args, **options):
        kind = options["format"]
        if kind not in formats.TEXT_KINDS and not options["output"]:
            self.fail(f"导出为 {kind} 格式时请用 --output 指定输出文件", EXIT_FAILED)
        if options["file"]:
            if options["agency"] or options["year"]:
                self.fail("请只指定报告文件，或只指定 --agency 和 --year，不能同时指定", EXIT_FAILED)
            document = interchange.load_file(options["file"])
        else:
            if not options["agency"] or not options["year"]:
                self.fail("请指定 --agency（机关名称）和 --year（年度），或指定一个报告文件", EXIT_FAILED)
            document = self._stored(options["agency"], options["year"])
        self._write(self._render(document, kind), options["output"])

    def _render(self, document: interchange.ReportDocument, kind: str) -> bytes:
        from reports.rendering.pdf import PdfFontError

        try:
            return formats.render(document, kind)
        except PdfFontError as exc:
            self.fail(exc, EXIT_UNREADABLE)

    def _stored(self, agency_name: str, year: int) -> interchange.ReportDocument:
        # Imported here so that exporting a file needs no database and no app models.
        from reports.models import Agency, Report

        agency = Agency.objects.filter(name=agency_name).first()
        if agency is None:
            self.fail(f"没有名为“{agency_name}”的机关", EXIT_FAILED)
        report = Report.objects.select_related("agency__district").filter(agency=agency, year=year).first()
        if report is None:
            self.fail(f"{agency_name}没有 {year} 年度的报告", EXIT_FAILED)
        return interchange.report_to_document(report)

    def _write(self, data: bytes, output: str | None) -> None:
        if not output:
            self.stdout.write(data.decode("utf-8"), ending="")
            return
        target = Path(output)
        # Written beside the target and renamed, so a reader never sees half a file.
        try:
            fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.chmod(temporary, 0o644)  # mkstemp makes it private; an export is not
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            self.fail(f"{output}：无法写入（{one_line(exc.strerror or exc)}）", EXIT_UNREADABLE)
        self.stdout.write(f"已写入 {output}")
