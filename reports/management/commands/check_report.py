"""``check_report FILE [FILE ...] [--previous FILE] [--json]``: the rules from the command line.

As ``shared/spec/report-data-format.md`` specifies. Exit status: 0 when no file has an
error (warnings allowed), 1 when any file has an error, 2 when a file cannot be read — then
one line per unreadable file on stderr and nothing on stdout, since a partial verdict would
read as a complete one. Needs no database: it reads files and runs the pure rules only.
"""

from __future__ import annotations

import json

from reports import rules
from reports.interchange import InterchangeError, ReportDocument, load_file
from reports.management import EXIT_FAILED, ReportCommand


class Command(ReportCommand):
    help = "按年度报告格式的一致性规则检查报告文件（.json 或 .xlsx），不需要数据库。"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="报告文件（.json 或 .xlsx）")
        parser.add_argument(
            "--previous",
            metavar="FILE",
            help="同一机关上一年度的报告文件，用于跨年度规则（XY-*、TEXT-REPEAT）",
        )
        parser.add_argument("--json", action="store_true", help="以 JSON 数组输出结果")

    def handle(self, *args, **options):
        documents, unreadable = self.read_files(options["files"])
        previous = None
        if options["previous"]:
            try:
                previous = load_file(options["previous"])
            except InterchangeError as exc:
                unreadable.append(f"上一年度报告 {exc}")
        if unreadable:
            self.fail_unreadable(unreadable)

        results = []
        for path, document in documents:
            violations = document.check(self._previous_for(path, document, previous))
            results.append((path, document, rules.errors(violations), rules.warnings(violations)))

        if options["json"]:
            payload = [
                {
                    "file": path,
                    "errors": [v.as_dict() for v in errors],
                    "warnings": [v.as_dict() for v in warnings],
                }
                for path, _document, errors, warnings in results
            ]
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=1))
        else:
            self._write_readable(results)

        if any(errors for _path, _document, errors, _warnings in results):
            raise SystemExit(EXIT_FAILED)

    def _previous_for(self, path: str, document: ReportDocument, previous: ReportDocument | None):
        """``previous`` if it is this agency's report for the year before, else ``None``.

        Comparing another agency's or another year's figures would only produce false
        warnings, so a mismatch is said on stderr and the cross-year rules are skipped.
        """
        if previous is None:
            return None
        if previous.agency_name != document.agency_name or previous.year != document.year - 1:
            self.stderr.write(
                f"提示：上一年度报告（{previous.agency_name} {previous.year} 年）不是 {path}"
                f"（{document.agency_name} {document.year} 年）的上一年度报告，未做跨年度检查"
            )
            return None
        return previous

    def _write_readable(self, results) -> None:
        with_errors = 0
        for path, document, errors, warnings in results:
            with_errors += bool(errors)
            self.stdout.write(f"{path}：{document.agency_name} {document.year} 年度报告")
            if not errors and not warnings:
                self.stdout.write("  未发现错误或警告。")
            for title, violations in (("错误", errors), ("警告", warnings)):
                if violations:
                    self.stdout.write(f"  {title} {len(violations)} 项：")
                    for violation in violations:
                        self.stdout.write(f"    [{violation.rule}] {violation.message}")
            self.stdout.write("")
        if with_errors:
            self.stdout.write(f"共检查 {len(results)} 个文件，其中 {with_errors} 个有错误，须改正后才能提交。")
        else:
            self.stdout.write(f"共检查 {len(results)} 个文件，没有错误。")
