"""The commands documented as offline run in a fresh shell: no variable set at all.

They need no secret key, no database and no service, and print no framework warning; the
web and worker settings still refuse to start without DJANGO_SECRET_KEY."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "reports" / "fixtures" / "samples").glob("*.json"))


def fresh_shell(*args, cwd=ROOT):
    # As `env -i PATH=$PATH HOME=$HOME`: nothing of this test process's settings leaks in.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_report_prints_its_report_with_no_environment():
    result = fresh_shell("check_report", *SAMPLES)
    assert result.returncode == 1, result.stderr  # the samples have errors: exit status 1, not a crash
    assert "共检查 3 个文件" in result.stdout
    assert "[CELL-REQUIRED]" in result.stdout
    assert result.stderr == ""


def test_check_report_json_with_no_environment():
    result = fresh_shell("check_report", SAMPLES[0], "--json")
    assert json.loads(result.stdout)[0]["file"] == SAMPLES[0]
    assert result.stderr == ""


def test_export_report_renders_a_file_with_no_environment(tmp_path):
    target = tmp_path / "report.pdf"
    result = fresh_shell("export_report", SAMPLES[0], "--format", "pdf", "--output", str(target))
    assert result.returncode == 0, result.stderr
    assert target.read_bytes().startswith(b"%PDF-")
    assert result.stderr == ""


def test_read_published_reads_a_page_text_with_no_environment(tmp_path):
    page = ROOT / "reports" / "fixtures" / "published" / "nanmofang-area-2024" / "source.txt"
    result = fresh_shell("read_published", str(page), "--output-dir", str(tmp_path))
    assert result.returncode in (0, 1), result.stderr  # read (1: with ambiguities), not a crash
    assert json.loads((tmp_path / "source.json").read_text(encoding="utf-8"))["year"] == 2024
    assert result.stderr == ""


def test_the_server_commands_still_refuse_without_the_secret():
    result = fresh_shell("check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr
