"""``read_published FILE... --output-dir DIR``: read published annual reports into JSON.

Each FILE is a report as its agency published it — page text (.txt), a saved page (.html),
a PDF or a Word file (.docx). For every file it can read the command writes
``DIR/<file stem>.json`` in the interchange format (``shared/spec/report-data-format.md``)
with the reader's findings under the extra key ``reading`` (provenance of every figure,
notes, ambiguities), and prints what it found, the ambiguities and the rules' verdict.

Exit status: 0 when every file was read whole; 1 when a file has ambiguities or parts that
could not be read (still written, those cells blank); 2 when a file could not be read at all
(the others are still read and written). Offline: no database, no network.
"""

from __future__ import annotations

import json
from pathlib import Path

from reports import rules, standard
from reports.importing import ExtractError, interchange, read_path
from reports.management import EXIT_FAILED, EXIT_OK, EXIT_UNREADABLE, ReportCommand, one_line

# Notes that mean part of the report could not be read (as opposed to read as printed blank).
UNREAD_KINDS = frozenset(
    (
        "part_missing",
        "row_missing",
        "row_merged",
        "row_short",
        "row_extra",
        "row_repeated",
        "table_shape",
        "layout_2019",
        "year_missing",
    )
)
PART_NAMES = dict(
    zip(
        ("overview", "t2", "t3", "t4", "problems", "other_matters"),
        (n for n, _t in standard.STANDARD.parts),
        strict=True,
    )
)


class Command(ReportCommand):
    help = "读取已发布的政府信息公开工作年度报告（.txt .html .pdf .docx），写成 JSON 交换格式，不需要数据库。"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="已发布的年度报告文件")
        parser.add_argument("--output-dir", required=True, metavar="DIR", help="写出 JSON 的目录（不存在则创建）")

    def handle(self, *args, **options):
        out_dir = Path(options["output_dir"])
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.fail(f"无法创建输出目录 {out_dir}：{one_line(exc.strerror or exc)}")
        status = EXIT_OK
        written: set[str] = set()
        for name in options["files"]:
            path = Path(name)
            try:
                reading = read_path(path)
            except ExtractError as exc:
                self.stderr.write(one_line(exc))
                status = max(status, EXIT_UNREADABLE)
                continue
            target = self._target(out_dir, path, written)
            document = interchange(reading, name=path.stem, source=str(path))
            target.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
            incomplete = self._report(path, reading, target)
            if incomplete:
                status = max(status, EXIT_FAILED)
        if status:
            raise SystemExit(status)

    def _target(self, out_dir: Path, path: Path, written: set[str]) -> Path:
        """``DIR/<stem>.json``; two files of one stem (a.pdf, a.html) get ``a.pdf.json``."""
        stem = path.stem if path.stem not in written else path.name
        written.add(stem)
        return out_dir / f"{stem}.json"

    def _report(self, path: Path, reading, target: Path) -> bool:
        write = self.stdout.write
        year = f"{reading.year} 年度" if reading.year else "年度未识别"
        write(f"{path}：{reading.agency_name or '机关名称未识别'} {year}（{reading.source_kind}）")
        found = [PART_NAMES[key] for key in PART_NAMES if key in reading.parts]
        missing = [PART_NAMES[key] for key in PART_NAMES if key not in reading.parts]
        write(
            f"  找到第{'、'.join(found) or '（无）'}部分" + (f"；未找到第{'、'.join(missing)}部分" if missing else "")
        )
        texts = "、".join(standard.STANDARD.text_by_key[k].title for k, v in reading.texts.items() if v)
        write(
            f"  读出表格数字 {reading.figures_read} 个（共 {len(standard.CELL_CODES)} 格）；文字部分：{texts or '无'}"
        )
        if reading.layout == "2019":
            write("  表二为 2019 年旧格式")
        if reading.ambiguities:
            write(f"  歧义 {len(reading.ambiguities)} 处（这些格留空，请选择后补填）：")
            for ambiguity in reading.ambiguities:
                options = "；".join(" | ".join(c) for c in ambiguity.candidates)
                write(f"    [{ambiguity.where}] {ambiguity.message}　可能是：{options}")
        unread = [note for note in reading.notes if note.kind in UNREAD_KINDS]
        if unread:
            write(f"  未能读取 {len(unread)} 处（留空）：")
            for note in unread:
                where = f"[{note.where}] " if note.where else ""
                write(f"    {where}{note.message}")
        others = [note for note in reading.notes if note.kind not in UNREAD_KINDS]
        for note in others:
            where = f"[{note.where}] " if note.where else ""
            write(f"  提示：{where}{note.message}")
        violations = rules.check(rules.ReportData(cells=dict(reading.cells), texts=dict(reading.texts)))
        errors, warnings = rules.errors(violations), rules.warnings(violations)
        write(f"  规则检查：错误 {len(errors)} 项，警告 {len(warnings)} 项")
        blank = [v for v in errors if v.rule == "CELL-REQUIRED"]
        if blank:
            # One line for the blanks: they are listed above as notes, or blank as printed.
            write(f"    错误 [CELL-REQUIRED] {len(blank)} 格空白（原文空白或未能读取），须补填")
        errors = [v for v in errors if v.rule != "CELL-REQUIRED"]
        for title, items in (("错误", errors), ("警告", warnings)):
            for violation in items[:30]:
                write(f"    {title} [{violation.rule}] {violation.message}")
            if len(items) > 30:
                write(f"    ……另有 {len(items) - 30} 项{title}（见 JSON 文件与 check_report）")
        write(f"  已写入 {target}")
        write("")
        return bool(reading.ambiguities or unread)
