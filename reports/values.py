"""Cell values: read what a form, a spreadsheet or a JSON file holds, and write it back.

``parse_cell`` turns a raw value into ``int`` (counts) or ``Decimal`` (amounts), ``None`` for a
blank cell, or raises ``CellValueError`` with a short Chinese reason that forms and the rule
``CELL-INVALID`` show as they are. ``format_cell`` gives the interchange representation
(``shared/spec/report-data-format.md``): a JSON integer for a count, a decimal string for an
amount. The value kind of every cell comes from ``reports.standard``.

What is accepted, beyond the plain interchange values:

* strings with surrounding whitespace, thousands separators (``"1,234"``) and full-width
  digits or punctuation (``"１２"``, ``"1，234"``), as typed with a Chinese input method;
* for counts, a float or ``Decimal`` without a fraction (``3.0``, as spreadsheets deliver it);
* for amounts, a float (read through its shortest ``repr``, so ``0.1`` is ``0.1``), and more
  decimal places than the kind allows when the extra ones are zeros (``"12.500"`` for yuan).

Refused although a number could be read: a text whose whole part has a leading zero (``"00"``,
``"007"``, ``"00.5"``, ``"0,123"``). Typed into a cell it is more often a slip (a doubled key, a
code pasted from elsewhere) than a figure, so it is not silently taken as 0 or 7: the form, the
JSON import and the spreadsheet upload all come through here and all refuse it (CELL-INVALID).
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from .standard import CELL_BY_CODE, MAX_VALUE


class CellValueError(ValueError):
    """A value that a cell cannot hold. ``str(exc)`` is a short Chinese reason."""


_INTEGER = re.compile(r"\d{1,3}(?:,\d{3})+|\d+", re.ASCII)
_DECIMAL = re.compile(r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?", re.ASCII)
_MAX = Decimal(MAX_VALUE)
_MAX_DIGITS = 40  # longer than any value in range, even with thousands separators

COUNT_REASON = "须为不小于 0 的整数"
RANGE_REASON = f"不能大于 {MAX_VALUE:,}"
NEGATIVE_REASON = "不能为负数"
LEADING_ZERO_REASON = "不能以 0 开头（如“00”“007”），请填写实际的数"


def _leading_zero(whole: str) -> bool:
    """Whether the whole-number part of a typed value has a superfluous leading zero."""
    return len(whole) > 1 and whole[0] == "0"


def _amount_reason(places: int) -> str:
    return f"须为不小于 0 的数字，最多 {places} 位小数"


def _normalise_text(raw: str) -> str:
    # NFKC turns full-width digits, commas and points into ASCII ones; strip() also removes
    # the ideographic space U+3000.
    return unicodedata.normalize("NFKC", raw).strip()


def _is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def parse_cell(code: str, raw: object) -> int | Decimal | None:
    """The value of cell ``code`` held in ``raw``; ``None`` when blank.

    Raises ``KeyError`` for an unknown cell code (a programming error, not a user's one) and
    ``CellValueError`` for a value the cell cannot hold.
    """
    kind = CELL_BY_CODE[code].kind
    if _is_blank(raw):
        return None
    if kind.is_amount:
        return _parse_amount(raw, kind.places)
    return _parse_count(raw)


def _parse_count(raw: object) -> int:
    if isinstance(raw, bool):
        raise CellValueError(COUNT_REASON)
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float):
        if not math.isfinite(raw) or not raw.is_integer():
            raise CellValueError(COUNT_REASON if raw >= 0 or math.isnan(raw) else NEGATIVE_REASON)
        value = int(raw)
    elif isinstance(raw, Decimal):
        if not raw.is_finite() or raw != raw.to_integral_value():
            raise CellValueError(COUNT_REASON)
        value = int(raw)
    elif isinstance(raw, str):
        text = _normalise_text(raw)
        if text.startswith("-") and _INTEGER.fullmatch(text[1:].strip()):
            raise CellValueError(NEGATIVE_REASON)
        if not _INTEGER.fullmatch(text):
            raise CellValueError(COUNT_REASON)
        if len(text) > _MAX_DIGITS:  # int() of 5,000 digits raises ValueError, not ours (issue 11)
            raise CellValueError(RANGE_REASON)
        if _leading_zero(text):
            raise CellValueError(LEADING_ZERO_REASON)
        value = int(text.replace(",", ""))
    else:
        raise CellValueError(COUNT_REASON)
    if value < 0:
        raise CellValueError(NEGATIVE_REASON)
    if value > MAX_VALUE:
        raise CellValueError(RANGE_REASON)
    return value


def _parse_amount(raw: object, places: int) -> Decimal:
    if isinstance(raw, bool):
        raise CellValueError(_amount_reason(places))
    if isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        if not math.isfinite(raw):
            raise CellValueError(_amount_reason(places))
        value = Decimal(repr(raw))
    elif isinstance(raw, Decimal):
        if not raw.is_finite():
            raise CellValueError(_amount_reason(places))
        value = raw
    elif isinstance(raw, str):
        text = _normalise_text(raw)
        negative = text.startswith("-")
        match = _DECIMAL.fullmatch(text[1:].strip() if negative else text)
        if match is None:
            raise CellValueError(_amount_reason(places))
        if negative:
            raise CellValueError(NEGATIVE_REASON)
        if _leading_zero(match.group("int")):
            raise CellValueError(LEADING_ZERO_REASON)
        try:
            value = Decimal(match.group("int").replace(",", "") + "." + (match.group("frac") or "0"))
        except InvalidOperation:  # pragma: no cover - the pattern admits only digits
            raise CellValueError(_amount_reason(places)) from None
    else:
        raise CellValueError(_amount_reason(places))
    if value < 0:
        raise CellValueError(NEGATIVE_REASON)
    if value > _MAX:
        raise CellValueError(RANGE_REASON)
    # Places are judged on the value: trailing zeros beyond the allowed places are harmless.
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise CellValueError(f"最多 {places} 位小数")
    return abs(value)  # abs() turns Decimal("-0") into Decimal("0")


def format_cell(code: str, value: int | Decimal | None) -> int | str | None:
    """The interchange representation of a parsed value: ``int`` for a count, a plain decimal
    string without exponent or trailing zeros for an amount (``"12.5"``, ``"0"``, ``"100"``)."""
    if value is None:
        return None
    kind = CELL_BY_CODE[code].kind
    if kind.is_amount:
        number = Decimal(value).normalize()
        if number == 0:
            return "0"
        return format(number, "f")
    return int(value)
