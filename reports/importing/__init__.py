"""Reading published annual reports (page text, saved HTML, PDF, .docx) into the interchange
format — the history an agency published before it used this system.

``read_path(path)`` → ``Reading`` (cells with provenance, the three texts, the parts found,
notes and ambiguities); ``interchange(reading, name=…)`` → the JSON document of
``shared/spec/report-data-format.md`` with the reading's findings under the extra top-level key
``reading`` (ignored by the interchange reader). The definitions of cells are
``reports.standard``'s; ``labels`` only adds the printed variants of their labels.
"""

from __future__ import annotations

from pathlib import Path

from reports import standard

from .extract import MAX_BYTES, ExtractError, kind_of, read_bytes
from .extract import read_path as _extract_path
from .reader import Ambiguity, Note, Reading, read_lines

__all__ = [
    "MAX_BYTES",
    "Ambiguity",
    "ExtractError",
    "Note",
    "Reading",
    "interchange",
    "kind_of",
    "read_bytes_as",
    "read_extracted",
    "read_path",
]


def read_path(path: str | Path) -> Reading:
    """Read one published report. Raises ``ExtractError`` (one Chinese line) when the file
    cannot be read at all."""
    kind, lines = _extract_path(path)
    reading = read_lines(lines)
    reading.source_kind = kind
    return reading  # source_kind is a field of Reading; set here, where the kind is known


def read_bytes_as(data: bytes, kind: str, *, name: str = "文件") -> Reading:
    return read_extracted(read_bytes(data, kind, name=name), kind)


def read_extracted(lines: list, kind: str) -> Reading:
    """Read the lines ``extract.read_bytes`` gave (for a caller that keeps them too: the
    history upload keeps the source text beside the reading, and extracts once)."""
    reading = read_lines(lines)
    reading.source_kind = kind
    return reading


def interchange(reading: Reading, *, name: str = "", source: str = "") -> dict:
    """The interchange document of a reading. ``name`` stands in for an agency the text does
    not name (a note says so); the year is required by the format, so a report whose year
    could not be read gets the year of its statistics period or none (the caller refuses)."""
    return {
        "format": standard.FORMAT_ID,
        "year": reading.year,
        "agency": {"name": reading.agency_name or name},
        "texts": dict(reading.texts),
        "cells": {code: reading.cells.get(code) for code in standard.CELL_CODES},
        "reading": {
            "source": source,
            "source_kind": reading.source_kind,
            "layout": reading.layout,
            "parts_found": dict(reading.parts),
            "provenance": reading.provenance,
            "notes": [note.as_dict() for note in reading.notes],
            "ambiguities": [a.as_dict() for a in reading.ambiguities],
        },
    }
