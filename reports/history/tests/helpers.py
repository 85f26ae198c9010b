"""Past reports for the tests, built from the corpus (reports/fixtures/published/): a real
published text, moved to another year and, when asked, with one row's figures run together
so that the reader lists an ambiguity."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from reports.models import HistoricalImport

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "published"
SOURCE = CORPUS / "jiulongpo-minzheng-2024" / "source.txt"
SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "samples" / "2024-jiulongpo-minzheng.json"
CARRIED_IN = "二、上年结转政府信息公开申请数量"
CARRIED_OUT = "四、结转下年度继续办理"


def corpus_text(*, year: int = 2024, ambiguous: bool = False, row: str = CARRIED_IN) -> str:
    """重庆市九龙坡区民政局's 2024 report as published, for ``year``. ``ambiguous``: its
    上年结转 row (or ``row``) printed ``0 0 0 0 0 11`` — six figures for seven columns, where
    ``11`` may be ``1 | 1`` (the reader's one candidate split)."""
    text = SOURCE.read_text(encoding="utf-8").replace("2024", str(year))
    if not ambiguous:
        return text
    lines = text.split("\n")
    at = next(n for n, line in enumerate(lines) if row in line)
    assert lines[at + 1 : at + 8] == ["\t0"] * 7, "the corpus text changed: pick another row"
    lines[at + 1 : at + 8] = ["\t0"] * 5 + ["\t11"]
    return "\n".join(lines)


def upload_file(name: str, data: bytes | str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data.encode("utf-8") if isinstance(data, str) else data)


def zip_of(files: dict[str, bytes | str], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in files.items():
            archive.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return buffer.getvalue()


def make_import(agency, *, by, year: int = 2024, ambiguous: bool = True) -> HistoricalImport:
    """A pending import of one text file, through the service (the file is kept on disk)."""
    from reports.history.services import history_upload

    text = corpus_text(year=year, ambiguous=ambiguous)
    (item,) = history_upload(
        by=by, agency=agency, file=upload_file(f"report-{year}.txt", text), name=f"report-{year}.txt"
    )
    return item


def rendered(kind: str, *, year: int) -> bytes:
    """The sample report (same agency as the corpus text) for ``year`` as the system renders a
    publication (``export_report --format html|pdf``): a published HTML page or PDF."""
    import dataclasses

    from reports.interchange import load_json_file
    from reports.rendering.formats import render

    return render(dataclasses.replace(load_json_file(SAMPLE), year=year), kind)
