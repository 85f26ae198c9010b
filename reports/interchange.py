"""The JSON interchange format (``shared/spec/report-data-format.md``): read and write.

Reading checks the *structure* only — the format id, the year, the agency, which text parts
and which cell codes a document may hold. Cell *values* are kept exactly as found: the rules
(``CELL-INVALID``, ``CELL-REQUIRED``) judge them, so a wrong figure is reported with the
agency's other mistakes instead of stopping the whole file.

Keys this module does not know are ignored at the top level and inside ``agency`` (a producer
may add metadata such as a publication date), but refused inside ``texts`` and ``cells``,
where a misspelt key would silently lose a part of the report.

Every ``InterchangeError`` message is one line of Chinese, fit for a command's stderr or a
form error.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from . import rules, standard, values
from .hardening import JsonInputError, strict_json_loads, unsafe_character_message
from .hardening.text import MAX_CELL_TEXT_LENGTH, MAX_TEXT_LENGTH

if TYPE_CHECKING:
    from .models import Report

YEAR_MIN = 2000
YEAR_MAX = 2100

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)

_MISSING = object()  # a key absent from the document, as opposed to present and null


class InterchangeError(Exception):
    """A file that cannot be read as a report. ``str(exc)`` is a one-line Chinese message."""


@dataclass
class ReportDocument:
    """One agency's report for one year, as the interchange format holds it.

    ``cells`` maps every cell code to its raw value: ``int`` for counts, ``str`` holding a
    decimal for amounts, ``None`` for blank. Values are *not* validated here: a wrong value
    (negative, text, too many places) is kept as found so the rules report it
    (``CELL-INVALID``). Unknown cell codes, however, are refused when parsing.
    """

    year: int
    agency_name: str
    district_name: str = ""
    texts: dict[str, str] = field(default_factory=standard.empty_texts)
    cells: dict[str, object] = field(default_factory=standard.empty_cells)
    signature_organ: str = ""
    signature_date: datetime.date | None = None

    @property
    def data(self) -> rules.ReportData:
        """The figures and texts as the rules read them."""
        return rules.ReportData(cells=dict(self.cells), texts=dict(self.texts))

    def check(self, previous: ReportDocument | None = None) -> list[rules.Violation]:
        """The rules' verdict on this document (cross-year rules when ``previous`` is given)."""
        return rules.check(self.data, previous.data if previous is not None else None)


# ── Reading ─────────────────────────────────────────────────────────────────────────────


def _show(value: object, limit: int = 60) -> str:
    """A value quoted for a one-line message: JSON notation, cut to ``limit`` characters."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_document(obj: object) -> ReportDocument:
    """Check the structure of a decoded JSON document and return it as a ``ReportDocument``.

    Raises ``InterchangeError`` for a wrong format id, a missing or impossible year, a missing
    agency name, an unknown text part or cell code, a text that is not a string, or a
    signature date that is not ``YYYY-MM-DD``. Cell values are not judged (see module doc).
    """
    if not isinstance(obj, dict):
        raise InterchangeError("文档应为一个 JSON 对象（{…}）")

    if "format" not in obj:
        raise InterchangeError(f"缺少 format，应为 {standard.FORMAT_ID}")
    if obj["format"] != standard.FORMAT_ID:
        raise InterchangeError(f"不支持的格式：{_show(obj['format'])}，应为 {standard.FORMAT_ID}")

    year = obj.get("year")
    if not _is_int(year):
        raise InterchangeError(f"year 应为表示年度的整数，如 2024，实际为 {_show(year)}")
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise InterchangeError(f"year 为 {year}，不是合理的年度（应在 {YEAR_MIN}–{YEAR_MAX} 之间）")

    agency = obj.get("agency")
    if not isinstance(agency, dict):
        raise InterchangeError("缺少 agency，应为含 name（机关名称）和 district（所属区）的对象")
    name = agency.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InterchangeError("缺少 agency.name（机关名称）")
    district = agency.get("district")
    if district is None:
        district = ""
    if not isinstance(district, str):
        raise InterchangeError(f"agency.district 应为文字（所属区名称），实际为 {_show(district)}")

    _refuse_unsafe(name, "agency.name")
    _refuse_unsafe(district, "agency.district")
    texts = _parse_texts(obj.get("texts", _MISSING))
    cells = _parse_cells(obj.get("cells", _MISSING))
    organ, date = _parse_signature(obj.get("signature"))

    return ReportDocument(
        year=year,
        agency_name=_one_line(name),
        district_name=_one_line(district),
        texts=texts,
        cells=cells,
        signature_organ=organ,
        signature_date=date,
    )


def _parse_texts(texts: object) -> dict[str, str]:
    if texts is _MISSING:
        raise InterchangeError("缺少 texts（文字部分：overview、problems、other_matters）")
    if not isinstance(texts, dict):
        raise InterchangeError(f"texts 应为对象，实际为 {_show(texts)}")
    unknown = [key for key in texts if key not in standard.TEXT_KEYS]
    if unknown:
        raise InterchangeError(
            f"未知的文字部分：{'、'.join(_show(key) for key in unknown)}，只能是 {'、'.join(standard.TEXT_KEYS)}"
        )
    result = standard.empty_texts()
    for key, value in texts.items():
        if value is None:
            continue
        if not isinstance(value, str):
            raise InterchangeError(f"texts.{key} 应为文字，实际为 {_show(value)}")
        if len(value) > MAX_TEXT_LENGTH:
            raise InterchangeError(f"texts.{key} 超过 {MAX_TEXT_LENGTH} 字（{len(value)} 字）")
        _refuse_unsafe(value, f"texts.{key}")
        result[key] = value
    return result


def _parse_cells(cells: object) -> dict[str, object]:
    if cells is _MISSING:
        raise InterchangeError("缺少 cells（表格数据）")
    if not isinstance(cells, dict):
        raise InterchangeError(f"cells 应为对象，实际为 {_show(cells)}")
    unknown = [code for code in cells if code not in standard.CELL_BY_CODE]
    if unknown:
        shown = "、".join(_show(code) for code in unknown[:5])
        more = f" 等 {len(unknown)} 个" if len(unknown) > 5 else ""
        raise InterchangeError(f"未知的单元格代码：{shown}{more}")
    for code, value in cells.items():
        if isinstance(value, str):
            if len(value) > MAX_CELL_TEXT_LENGTH:
                raise InterchangeError(f"cells.{code} 的值过长（{len(value)} 个字符）")
            _refuse_unsafe(value, f"cells.{code}")
    # Format order, every code present; a missing code is blank (None), as the spec says.
    return {code: cells.get(code) for code in standard.CELL_CODES}


def _parse_signature(signature: object) -> tuple[str, datetime.date | None]:
    if signature is None:
        return "", None
    if not isinstance(signature, dict):
        raise InterchangeError(f"signature 应为含 organ 和 date 的对象，实际为 {_show(signature)}")
    organ = signature.get("organ")
    if organ is None:
        organ = ""
    if not isinstance(organ, str):
        raise InterchangeError(f"signature.organ 应为文字（落款机关），实际为 {_show(organ)}")
    _refuse_unsafe(organ, "signature.organ")
    date = signature.get("date")
    if date is None or date == "":
        return _one_line(organ), None
    if not isinstance(date, str) or not _DATE_RE.fullmatch(date):
        raise InterchangeError(f"signature.date 应为 YYYY-MM-DD 格式的日期，实际为 {_show(date)}")
    try:
        parsed = datetime.date.fromisoformat(date)
    except ValueError:
        raise InterchangeError(f"signature.date 不是有效的日期：{_show(date)}") from None
    return _one_line(organ), parsed


def _refuse_unsafe(text: str, where: str) -> None:
    message = unsafe_character_message(text, where)
    if message:
        raise InterchangeError(message)


def loads(text: str, *, source: str = "") -> ReportDocument:
    """Decode JSON text and parse it; ``source`` (a file name) prefixes any message."""
    prefix = f"{source}：" if source else ""
    try:
        # NaN, Infinity, 1e999, a 5,000-digit integer, nesting 100,000 deep: an error, no crash.
        obj = strict_json_loads(text)
    except JsonInputError as exc:
        raise InterchangeError(f"{prefix}{_one_line(exc)}") from None
    try:
        return parse_document(obj)
    except InterchangeError as exc:
        raise InterchangeError(f"{prefix}{exc}") from None


def load_json_file(path: str | Path) -> ReportDocument:
    """Read one JSON report file. Every failure is an ``InterchangeError`` naming the file."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise InterchangeError(f"{path}：文件不存在") from None
    except IsADirectoryError:
        raise InterchangeError(f"{path}：是目录，不是文件") from None
    except OSError as exc:
        raise InterchangeError(f"{path}：无法读取文件（{_one_line(exc.strerror or exc)}）") from None
    try:
        # utf-8-sig: a byte-order mark, as some Windows editors write, is not an error.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InterchangeError(f"{path}：不是 UTF-8 编码的文本文件") from None
    return loads(text, source=str(path))


def load_file(path: str | Path, *, strict: bool = False) -> ReportDocument:
    """Read a report from a ``.xlsx`` template or, for any other name, a JSON document.

    Like a JSON document, a workbook's wrong values are kept for the rules to report, unless
    ``strict`` asks the spreadsheet reader to refuse the file for them (as web uploads do).
    """
    if str(path).lower().endswith(".xlsx"):
        return _load_workbook(path, strict=strict)
    return load_json_file(path)


def _load_workbook(path: str | Path, *, strict: bool) -> ReportDocument:
    if not Path(path).is_file():
        raise InterchangeError(f"{path}：文件不存在")
    try:
        from .spreadsheet import read_workbook
    except ModuleNotFoundError as exc:
        if exc.name != f"{__package__}.spreadsheet":
            raise  # a missing dependency of the reader is a bug to show, not a format to refuse
        raise InterchangeError(f"{path}：暂不支持 xlsx 文件，请使用 JSON") from None
    try:
        return read_workbook(path, strict=strict)
    except InterchangeError as exc:
        message = _one_line(exc)
        raise InterchangeError(message if str(path) in message else f"{path}：{message}") from None


# ── Writing ─────────────────────────────────────────────────────────────────────────────


def cell_to_json(code: str, raw: object) -> object:
    """One cell as the format writes it: a count as an int, an amount as a decimal string.

    A value the rules would call invalid is written as found, so exporting never hides a
    mistake; only a ``Decimal`` (not JSON) is turned into its string.
    """
    try:
        value = values.parse_cell(code, raw)
    except values.CellValueError:
        return str(raw) if isinstance(raw, Decimal) else raw
    if value is None:
        return None
    return values.format_cell(code, value)


def cells_to_json(cells: dict[str, object]) -> dict[str, object]:
    """Every cell code of the format, in the format's order, as ``cell_to_json`` writes it."""
    return {code: cell_to_json(code, cells.get(code)) for code in standard.CELL_CODES}


def texts_to_json(texts: dict[str, object]) -> dict[str, str]:
    return {key: texts.get(key) or "" for key in standard.TEXT_KEYS}


def document_to_json(doc: ReportDocument) -> dict:
    """The document as a JSON-ready dict, keys and cells in the order of the format."""
    agency = {"name": doc.agency_name}
    if doc.district_name:
        agency["district"] = doc.district_name
    result = {
        "format": standard.FORMAT_ID,
        "year": doc.year,
        "agency": agency,
        "texts": texts_to_json(doc.texts),
        "cells": cells_to_json(doc.cells),
    }
    if doc.signature_organ or doc.signature_date:
        result["signature"] = {
            "organ": doc.signature_organ,
            "date": doc.signature_date.isoformat() if doc.signature_date else None,
        }
    return result


def dumps(doc: ReportDocument) -> str:
    """The document as JSON text, laid out like the samples (one-space indent, no escapes)."""
    return json.dumps(document_to_json(doc), ensure_ascii=False, indent=1)


# ── Between a document and a stored report ──────────────────────────────────────────────


def report_to_document(report: Report) -> ReportDocument:
    """The stored report as a document (the agency and its district read from the report)."""
    stored = report.cells or {}
    return ReportDocument(
        year=report.year,
        agency_name=report.agency.name,
        district_name=report.agency.district.name,
        texts={key: (report.texts or {}).get(key) or "" for key in standard.TEXT_KEYS},
        cells={code: stored.get(code) for code in standard.CELL_CODES},
        signature_organ=report.signature_organ,
        signature_date=report.signature_date,
    )


def apply_document(report: Report, doc: ReportDocument) -> None:
    """Put the document's figures, texts and signature on ``report`` (not saved).

    Cells are stored as the format writes them (JSON-safe, amounts as strings); invalid
    values are stored as found so the rules keep reporting them on the draft.
    """
    report.cells = cells_to_json(doc.cells)
    report.texts = texts_to_json(doc.texts)
    report.signature_organ = doc.signature_organ
    report.signature_date = doc.signature_date
