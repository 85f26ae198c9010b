"""User text is inert in every output: markup is never markup, a formula is never a formula.

A report whose agency name and texts hold ``<script>`` and ``=HYPERLINK(…)`` is published, then
read back as the public HTML page, the stored PDF, Word, XLSX and HTML files, and the year's CSV.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse

from reports.models import PublicationFile
from reports.tests.publishing_fixtures import approved_report, media_root_fixture, publish  # noqa: F401
from reports.tests.word_reading import open_docx
from tests.factories import complete_cells, complete_texts, make_agency, make_district

SCRIPT = "<script>alert('x')</script>"
FORMULA = '=HYPERLINK("http://evil.example","点击领取")'
HOSTILE_NAME = '=HYPERLINK("http://evil.example")局'


@pytest.fixture
def published(db, media_root):
    district = make_district()
    agency = make_agency(HOSTILE_NAME, district=district)
    texts = complete_texts()
    texts["overview"] = f"{texts['overview']}\n\n{SCRIPT}\n\n{FORMULA}"
    texts["other_matters"] = f"{FORMULA}{SCRIPT}"
    report = approved_report(agency, cells=complete_cells(), texts=texts)
    publication = publish(report)
    return report, publication


def stored(publication, kind: str) -> Path:
    from django.conf import settings

    record = PublicationFile.objects.get(publication=publication, kind=kind)
    return Path(settings.MEDIA_ROOT) / record.path


def test_public_page_and_stored_html_escape_markup(client, published):
    report, publication = published
    page = client.get(reverse("reports:public_detail", args=[report.pk])).content.decode()
    for html in (page, stored(publication, "html").read_text(encoding="utf-8")):
        assert SCRIPT not in html
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
        assert "<script>" not in html.replace('<script type="application/json"', "")


def test_pdf_prints_markup_and_formulas_as_plain_text(published):
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI"):
            pytest.fail("pdftotext (poppler-utils) is installed by scripts/system-packages.sh test")
        pytest.skip("pdftotext is not installed")
    _, publication = published
    text = subprocess.run(
        ["pdftotext", "-layout", str(stored(publication, "pdf")), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(text.split())
    assert "<script>alert('x')</script>" in flat
    assert '=HYPERLINK("http://evil.example","点击领取")' in flat


def test_docx_holds_the_texts_as_text_and_no_field_or_link(published):
    _, publication = published
    path = stored(publication, "docx")
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name).decode("utf-8") for name in archive.namelist() if name.endswith(".xml")}
        relationships = "".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".rels"))
    body = parts["word/document.xml"]
    # Word runs a formula only as a field, follows a link only as a hyperlink or relationship:
    # none of them is written, whatever the text says.
    for instruction in ("<w:fldSimple", "<w:instrText", "<w:hyperlink", "<w:fldChar", "<w:object", "<w:altChunk"):
        assert instruction not in body, instruction
    assert "evil.example" not in relationships
    assert "<script>" not in body  # escaped in the XML ...
    texts = [paragraph.text for paragraph in open_docx(path.read_bytes()).paragraphs]
    assert SCRIPT in texts  # ... and printed as typed
    assert FORMULA in texts
    assert f"{FORMULA}{SCRIPT}" in texts
    assert texts[0].startswith(HOSTILE_NAME)


def test_xlsx_holds_no_formula_anywhere(published):
    _, publication = published
    workbook = openpyxl.load_workbook(stored(publication, "xlsx"))
    texts = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    # The hostile texts are there, as plain strings.
    assert any(FORMULA in value for value in texts)
    assert any(value.startswith("=HYPERLINK") for value in texts)


def test_year_csv_neutralises_formula_like_cells(client, published):
    report, _ = published
    response = client.get(reverse("reports:open_data_csv", args=[report.year]))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    header, data = rows[0], rows[1:]
    names = [row[header.index("agency_name")] if "agency_name" in header else row[1] for row in data]
    assert names == ["'" + HOSTILE_NAME]
    for row in data:
        for value in row:
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
