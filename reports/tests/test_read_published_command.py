"""``read_published FILE... --output-dir DIR``: published reports to JSON, offline.

None of these tests has the ``db`` fixture, so pytest-django refuses any database access:
the command passing them is the proof that it needs none.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from reports.interchange import load_file
from reports.rendering.documents import render_html
from reports.tests.test_importing import CORPUS, SHUYANG, published

EXCERPT = CORPUS / "liwan-qiaozhong-2023" / "source.txt"


def read(*args) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("read_published", *[str(a) for a in args], stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def clean_report(tmp_path) -> Path:
    path = tmp_path / "沭阳2025.html"
    path.write_text(render_html(published()), encoding="utf-8")
    return path


def test_a_report_read_whole_exits_0_and_is_written_as_interchange(tmp_path):
    out_dir = tmp_path / "out"
    code, out, err = read(clean_report(tmp_path), "--output-dir", out_dir)
    assert (code, err) == (0, "")
    assert "找到第一、二、三、四、五、六部分" in out
    assert "读出表格数字 203 个" in out
    assert "规则检查：错误 0 项" in out
    written = out_dir / "沭阳2025.json"
    document = load_file(written)  # a valid interchange document: check_report reads it
    assert document.agency_name == "沭阳县人民政府" and document.year == 2025
    assert document.cells["t3.new.total"] == 713
    data = json.loads(written.read_text(encoding="utf-8"))
    assert data["reading"]["provenance"]["t3.new.total"]["printed"] == "713"
    assert data["reading"]["source_kind"] == "html"


def test_unreadable_parts_exit_1_and_the_file_is_still_written(tmp_path):
    code, out, _err = read(EXCERPT, "--output-dir", tmp_path)
    assert code == 1
    assert "未能读取" in out and "未找到第四部分" in out
    data = json.loads((tmp_path / "source.json").read_text(encoding="utf-8"))
    assert data["cells"]["t2.penalty.decisions"] == 123
    assert data["cells"]["t3.withheld.third_party.natural"] is None  # after the excerpt's end


def test_ambiguities_are_printed_with_their_candidates_and_exit_1(tmp_path):
    source = tmp_path / "ambiguous.txt"
    source.write_text(
        "2023年政府信息公开工作年度报告\n三、收到和处理政府信息公开申请情况\n"
        "一、本年新收政府信息公开申请数量 | 8143 | 0 | 0 | 0 | 0 | 151 |\n",
        encoding="utf-8",
    )
    code, out, _err = read(source, "--output-dir", tmp_path)
    assert code == 1
    assert "歧义 1 处" in out and "8 | 143 | 0 | 0 | 0 | 0 | 151" in out
    data = json.loads((tmp_path / "ambiguous.json").read_text(encoding="utf-8"))
    assert data["cells"]["t3.new.natural"] is None


def test_a_file_that_cannot_be_read_exits_2_and_the_others_are_still_written(tmp_path):
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"not a pdf")
    code, _out, err = read(bad, clean_report(tmp_path), tmp_path / "missing.docx", "--output-dir", tmp_path / "o")
    assert code == 2
    assert "scan.pdf：不是 PDF 文件" in err and "missing.docx：文件不存在" in err
    assert "Traceback" not in err
    assert [p.name for p in (tmp_path / "o").iterdir()] == ["沭阳2025.json"]


def test_two_files_of_one_stem_do_not_overwrite_each_other(tmp_path):
    code, _out, _err = read(SHUYANG / "source.txt", EXCERPT, "--output-dir", tmp_path)
    assert code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["source.json", "source.txt.json"]


def test_the_command_runs_as_a_user_runs_it(tmp_path):
    """``python manage.py read_published`` in a fresh process: no database is configured to be
    reachable for it, and none is touched (the test settings point at the suite's)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", "PYTHONUTF8": "1"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "read_published", str(clean_report(tmp_path)), "--output-dir", str(tmp_path)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "已写入" in done.stdout
