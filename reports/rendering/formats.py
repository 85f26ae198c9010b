"""The five files of a published report, each rendered from one ``ReportDocument``.

Shared by the publish job (``reports/publishing.py``) and ``export_report FILE --format``, so
the offline rendering is byte for byte the job's (the XLSX aside: its properties carry the
time it was written). Pure: a document in, bytes out; no database.

The layouts are not repeated here: PDF and HTML come from ``reports.rendering.documents``, the
spreadsheet from ``reports.spreadsheet.build_workbook`` (the official layout, figures as
numbers), the Word file from ``reports.rendering.word`` (the layout of ``reports.rendering.documents``),
JSON from ``reports.interchange.dumps``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path

from reports.interchange import ReportDocument, dumps

from .documents import render_html, render_pdf

#: Every format, in the order the public page offers them.
KINDS = ("pdf", "docx", "xlsx", "json", "html")

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json; charset=utf-8",
    "html": "text/html; charset=utf-8",
}

#: Formats written as text (may go to a terminal); the others are binary.
TEXT_KINDS = frozenset({"json", "html"})


def _xlsx(document: ReportDocument) -> bytes:
    from reports.spreadsheet import build_workbook  # openpyxl is loaded only when a workbook is wanted

    return build_workbook(document)


def _docx(document: ReportDocument) -> bytes:
    from .word import render_docx  # python-docx is loaded only when a Word file is wanted

    return render_docx(document)


def _json(document: ReportDocument) -> bytes:
    return (dumps(document) + "\n").encode("utf-8")


_STYLESHEET_LINK = re.compile(r'<link rel="stylesheet" href="[^"]*css/document\.css">')


@functools.cache
def _document_css() -> str:
    from django.contrib.staticfiles import finders

    path = finders.find("css/document.css")
    return Path(path).read_text(encoding="utf-8") if path else ""


def _html(document: ReportDocument) -> bytes:
    """The page with its stylesheet written into it: the published file is downloaded and
    opened anywhere, where the site's ``/static/`` is not. (The site's own pages link the
    stylesheet, as its Content-Security-Policy wants; a downloaded file is not under it.)"""
    html = render_html(document, page=True)
    css = _document_css()
    if css:
        html = _STYLESHEET_LINK.sub(lambda _match: f"<style>\n{css}</style>", html, count=1)
    return html.encode("utf-8")


RENDER: dict[str, Callable[[ReportDocument], bytes]] = {
    "pdf": render_pdf,
    "docx": _docx,
    "xlsx": _xlsx,
    "json": _json,
    "html": _html,
}


def render(document: ReportDocument, kind: str) -> bytes:
    """The document as a file of ``kind`` (one of :data:`KINDS`)."""
    try:
        renderer = RENDER[kind]
    except KeyError:
        raise ValueError(f"unknown format {kind!r}; expected one of {', '.join(KINDS)}") from None
    return renderer(document)


def file_name(title: str, kind: str, *, version: int | None = None) -> str:
    """The name a download is saved under, e.g. ``…2024年政府信息公开工作年度报告（第2版）.pdf``."""
    suffix = f"（第{version}版）" if version and version > 1 else ""
    return f"{title}{suffix}.{kind}"
