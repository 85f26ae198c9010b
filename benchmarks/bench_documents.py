"""How long the published PDF (and Word file) takes: ``render_pdf`` of the fullest sample (Nanmofang 2024:
the longest texts, four A4 pages with table 三 cut across two of them), Chinese font embedded.

Target: under 1.5 s a call on the 2-core machine, and a small file. The font is registered
once per process (a warm-up round does it), as in a worker that publishes reports. Run with
``.venv/bin/pytest benchmarks/bench_documents.py --benchmark-only``; the PDF's size is in
the benchmark's ``extra_info`` and printed with ``-s``.
"""

import json
from pathlib import Path

from django.conf import settings

from reports.interchange import parse_document
from reports.rendering.documents import render_html, render_pdf

TARGET_SECONDS = 1.5
TARGET_BYTES = 300_000

_SAMPLE = "2024-nanmofang-area.json"
_DIRS = (
    Path(settings.BASE_DIR) / "reports" / "fixtures" / "samples",
    Path(settings.BASE_DIR).parent / "shared" / "samples",
)


def _fullest_sample():
    path = next(directory / _SAMPLE for directory in _DIRS if (directory / _SAMPLE).is_file())
    return parse_document(json.loads(path.read_text(encoding="utf-8")))


def test_render_pdf_of_the_fullest_sample(benchmark):
    document = _fullest_sample()

    pdf = benchmark.pedantic(render_pdf, args=(document,), rounds=20, warmup_rounds=1)

    assert pdf.startswith(b"%PDF-")
    benchmark.extra_info["pdf_bytes"] = len(pdf)
    print(f"\nrender_pdf: {len(pdf):,} bytes")
    assert len(pdf) < TARGET_BYTES
    if benchmark.stats is not None:  # None with --benchmark-disable
        assert benchmark.stats.stats.median < TARGET_SECONDS


def test_render_html_of_the_fullest_sample(benchmark):
    document = _fullest_sample()

    html = benchmark(render_html, document)

    assert "三、本年度办理结果" in html


def test_render_docx_of_the_fullest_sample(benchmark):
    """The Word file of the same sample (python-docx): the six parts, the four tables."""
    from reports.rendering.word import render_docx

    document = _fullest_sample()

    data = benchmark.pedantic(render_docx, args=(document,), rounds=20, warmup_rounds=1)

    assert data.startswith(b"PK")
    benchmark.extra_info["docx_bytes"] = len(data)
    print(f"\nrender_docx: {len(data):,} bytes")
    assert len(data) < TARGET_BYTES
    if benchmark.stats is not None:
        assert benchmark.stats.stats.median < TARGET_SECONDS
