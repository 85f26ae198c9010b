"""Reading a ``.docx`` back for the tests: headings, tables as grids with their merges."""

from __future__ import annotations

import io
from dataclasses import dataclass

import docx
from docx.oxml.ns import qn


@dataclass(frozen=True)
class WordCell:
    """A ``w:tc`` placed on the table grid: ``col`` is its first grid column."""

    text: str
    row: int
    col: int
    colspan: int  # w:gridSpan
    vmerge: str | None  # "restart", "continue" or None


def open_docx(data: bytes):
    return docx.Document(io.BytesIO(data))


def headings(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == "Heading 1"]


def grid(table) -> list[list[WordCell]]:
    """Each row's cells as written (a cell merged across columns is one ``w:tc``)."""
    rows = []
    for r, tr in enumerate(table._tbl.findall(qn("w:tr"))):
        cells, col = [], 0
        for tc in tr.findall(qn("w:tc")):
            tcpr = tc.find(qn("w:tcPr"))
            span = tcpr.find(qn("w:gridSpan")) if tcpr is not None else None
            merge = tcpr.find(qn("w:vMerge")) if tcpr is not None else None
            colspan = int(span.get(qn("w:val"))) if span is not None else 1
            vmerge = None if merge is None else (merge.get(qn("w:val")) or "continue")
            text = "".join(node.text or "" for node in tc.iter(qn("w:t")))
            cells.append(WordCell(text, r, col, colspan, vmerge))
            col += colspan
        rows.append(cells)
    return rows


def rowspan(rows: list[list[WordCell]], cell: WordCell) -> int:
    """How many grid rows a ``restart`` cell covers: itself and the ``continue`` cells below it."""
    if cell.vmerge != "restart":
        return 1
    count = 1
    for below in rows[cell.row + 1 :]:
        match = next((c for c in below if c.col == cell.col), None)
        if match is None or match.vmerge != "continue":
            break
        count += 1
    return count
