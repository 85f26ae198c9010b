"""``export_report FILE --format pdf|docx|xlsx|json|html --output PATH``: the publish job's
rendering, offline — no database (the test would fail on any query) and no worker.

The PDF is read back with poppler's ``pdftotext`` (Debian package poppler-utils); without it
that test is skipped, except under ``CI=true``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from io import StringIO
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command

from reports.interchange import load_json_file
from reports.rendering import formats
from reports.spreadsheet import cell_address, read_workbook
from reports.standard import T3_COLUMNS

from .word_reading import headings, open_docx

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"
NANMOFANG = SAMPLES / "2024-nanmofang-area.json"


def export(*args) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("export_report", *[str(arg) for arg in args], stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def pdftotext(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI"):
            pytest.fail("pdftotext (poppler-utils) is missing; scripts/system-packages.sh installs it")
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_the_pdf_holds_the_agency_the_year_and_the_figures(tmp_path):
    output = tmp_path / "report.pdf"

    code, out, err = export(NANMOFANG, "--format", "pdf", "--output", output)

    assert (code, err) == (0, "")
    assert f"已写入 {output}" in out
    data = output.read_bytes()
    assert data.startswith(b"%PDF-")
    document = load_json_file(NANMOFANG)
    assert data == formats.render(document, "pdf")  # the publish job's bytes
    text = pdftotext(output)
    assert "北京市朝阳区南磨房地区办事处" in text
    assert "2024年政府信息公开工作年度报告" in text
    assert "收到和处理政府信息公开申请情况" in text
    compact = " ".join(text.split())
    for row, label in (("new", "一、本年新收政府信息公开申请数量"), ("carried_out", "四、结转下年度继续办理")):
        figures = " ".join(str(document.cells[f"t3.{row}.{column.code}"]) for column in T3_COLUMNS)
        assert f"{label} {figures}" in compact


def test_the_xlsx_is_the_official_layout_with_numbers(tmp_path):
    output = tmp_path / "report.xlsx"

    code, _out, err = export(NANMOFANG, "--format", "xlsx", "--output", output)

    assert (code, err) == (0, "")
    document = load_json_file(NANMOFANG)
    book = openpyxl.load_workbook(output)
    sheet, address = cell_address("t3.new.total").split("!")
    value = book[sheet.strip("'")][address].value
    assert isinstance(value, int)
    assert value == document.cells["t3.new.total"]
    assert read_workbook(output, strict=True).cells == document.cells


def test_the_docx_is_the_publish_jobs_word_document(tmp_path):
    output = tmp_path / "report.docx"

    code, out, err = export(NANMOFANG, "--format", "docx", "--output", output)

    assert (code, err) == (0, "")
    assert f"已写入 {output}" in out
    data = output.read_bytes()
    document = load_json_file(NANMOFANG)
    assert data == formats.render(document, "docx")  # the publish job's bytes, checksum and all
    doc = open_docx(data)
    assert headings(doc)[2] == "三、收到和处理政府信息公开申请情况"
    assert len(doc.tables) == 4


def test_a_docx_needs_an_output_file():
    code, out, err = export(NANMOFANG, "--format", "docx")
    assert code == 1
    assert "--output" in err
    assert out == ""


def test_the_json_is_the_interchange_document(tmp_path):
    output = tmp_path / "report.json"

    code, _out, _err = export(NANMOFANG, "--format", "json", "--output", output)

    assert code == 0
    assert json.loads(output.read_text(encoding="utf-8")) == json.loads(NANMOFANG.read_text(encoding="utf-8"))


def test_the_html_is_a_page_in_the_official_layout(tmp_path):
    output = tmp_path / "report.html"

    code, _out, _err = export(NANMOFANG, "--format", "html", "--output", output)

    html = output.read_text(encoding="utf-8")
    assert code == 0
    assert html.startswith("<!doctype html>")
    assert '<article class="gov-report"' in html
    assert "（七）总计" in html


def test_html_and_json_may_go_to_stdout():
    code, out, _err = export(NANMOFANG, "--format", "html")
    assert code == 0
    assert "<article" in out


def test_a_spreadsheet_file_is_rendered_too(tmp_path):
    workbook = tmp_path / "in.xlsx"
    workbook.write_bytes(formats.render(load_json_file(NANMOFANG), "xlsx"))
    output = tmp_path / "out.pdf"

    code, _out, err = export(workbook, "--format", "pdf", "--output", output)

    assert (code, err) == (0, "")
    assert output.read_bytes().startswith(b"%PDF-")


def test_a_missing_font_is_one_line_and_exit_2(tmp_path, settings):
    settings.GOVREPORT_PDF_FONT = str(tmp_path / "missing.ttf")

    code, _out, err = export(NANMOFANG, "--format", "pdf", "--output", tmp_path / "x.pdf")

    assert code == 2
    assert "字体文件不存在" in err
    assert "\n" not in err.strip()
    assert not (tmp_path / "x.pdf").exists()


def test_an_unknown_format_is_refused():
    with pytest.raises(Exception, match="invalid choice"):
        call_command("export_report", str(NANMOFANG), "--format", "odt")


def test_the_html_file_carries_its_stylesheet(tmp_path):
    # Opened from a download folder, a link to the site's /static/ would find nothing.
    output = tmp_path / "report.html"

    export(NANMOFANG, "--format", "html", "--output", output)

    html = output.read_text(encoding="utf-8")
    assert "<style>" in html
    assert ".gov-report-table" in html
    assert 'rel="stylesheet"' not in html
