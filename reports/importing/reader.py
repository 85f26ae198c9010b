"""Read a published annual report into the cells and texts of the interchange format.

The reader never guesses. Each row of a table is found by its printed label (not by its place),
and the figures that follow the label are taken only when their number fits the row:

- as many figures as the row has columns → each figure to its column, a blank stays blank;
- more, but the extra ones empty (the ``||`` of a merged header) → the first ones;
- one figure spread over a row of several columns (a merged row) → blank, reported;
- fewer → blank, reported; when a long figure could be several run together (``8143`` for
  ``8 | 143``…), every split that would fit is listed as an *ambiguity*, none is chosen;
- a label found twice with different figures (a row printed twice) → blank, reported.

A missing row is therefore reported and left blank, and the rows after it are never shifted.
Every figure read carries its provenance (the line or table cell it came from).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from reports import standard

from . import labels
from .extract import Cell, Line

MAX_CANDIDATES = 12


@dataclass
class Note:
    """Something the reader could not do, or did with a caveat. ``message`` is Chinese."""

    kind: str
    message: str
    cells: tuple[str, ...] = ()
    where: str = ""

    def as_dict(self) -> dict:
        return {"kind": self.kind, "message": self.message, "cells": list(self.cells), "where": self.where}


@dataclass
class Ambiguity:
    """Printed figures that can be read several ways; the cells stay blank until resolved."""

    cells: tuple[str, ...]
    printed: tuple[str, ...]
    candidates: tuple[tuple[str, ...], ...]
    where: str
    message: str

    def as_dict(self) -> dict:
        return {
            "cells": list(self.cells),
            "printed": list(self.printed),
            "candidates": [list(c) for c in self.candidates],
            "where": self.where,
            "message": self.message,
        }


@dataclass
class Reading:
    """What the reader found in one published report."""

    agency_name: str = ""
    year: int | None = None
    texts: dict[str, str] = field(default_factory=standard.empty_texts)
    cells: dict[str, object] = field(default_factory=standard.empty_cells)
    provenance: dict[str, dict] = field(default_factory=dict)  # code → {"printed", "where"}
    parts: dict[str, str] = field(default_factory=dict)  # part key → where its heading is
    notes: list[Note] = field(default_factory=list)
    ambiguities: list[Ambiguity] = field(default_factory=list)
    layout: str = "2021"
    source_kind: str = ""  # text, html, pdf, docx

    @property
    def figures_read(self) -> int:
        return sum(1 for value in self.cells.values() if value is not None)

    def put(self, code: str, value, printed: str, where: str) -> None:
        self.cells[code] = value
        self.provenance[code] = {"printed": printed, "where": where}


# ── Values ──────────────────────────────────────────────────────────────────────────────

_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_UNITS = ("万元", "件", "条", "个", "项", "元", "次")
_DASHES = frozenset("-—–－/／、无")
_CN_DIGITS = {
    ch: n for n, chars in enumerate(("零〇", "一", "二两", "三", "四", "五", "六", "七", "八", "九")) for ch in chars
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def _chinese_number(text: str) -> int | None:
    """零, 三, 十二, 二百零五 … (whole numbers below 10,000 as printed in some tables)."""
    if not text or len(text) > 8 or any(ch not in _CN_DIGITS and ch not in _CN_UNITS for ch in text):
        return None
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        else:
            total += (digit if digit is not None else 1) * _CN_UNITS[ch]
            digit = None
    return total + (digit or 0)


def classify(text: str) -> tuple[str, str]:
    """``("empty"|"dash"|"number"|"text", normalised)`` for one printed cell."""
    value = unicodedata.normalize("NFKC", text).strip()
    if not value:
        return "empty", ""
    if all(ch in _DASHES for ch in value) and len(value) <= 2:
        return "dash", value
    for unit in _UNITS:
        if value.endswith(unit) and len(value) > len(unit):
            value = value[: -len(unit)].strip()
            break
    if _THOUSANDS.match(value):
        value = value.replace(",", "")
    if _NUMBER.match(value):
        return "number", value
    number = _chinese_number(value)
    if number is not None:
        return "number", str(number)
    return "text", value


def _dash_message(code: str, printed: str) -> str:
    return f"“{standard.CELL_BY_CODE[code].label}”印为“{printed}”，按空白处理"


def _value(code: str, printed: str):
    """The interchange value of a printed number: int for counts, decimal string for amounts."""
    kind = standard.CELL_BY_CODE[code].kind
    if kind.is_amount:
        return printed.lstrip("+")  # as printed: 0.00 stays 0.00, 1000.0 never becomes 1E+3
    if re.fullmatch(r"[+-]?\d+", printed):
        return int(printed)
    return printed  # a fraction in a count: kept as printed, the rules say CELL-INVALID


# ── Tokens and rows ─────────────────────────────────────────────────────────────────────


@dataclass
class _Hit:
    index: int
    row: labels.RowLabel | None  # None: a group label or other stop


def _tokens(lines: list[Line]) -> list[Cell]:
    return [cell for line in lines for cell in line.cells]


# The longest printed label with numbering, a note and spaces to spare (the official longest
# is 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请, 38 characters).
_LONGEST_LABEL = 90


def _scan(tokens: list[Cell], rows: list[labels.RowLabel], groups: tuple[str, ...] = ()) -> list[_Hit]:
    hits = []
    for index, token in enumerate(tokens):
        if len(token.text) > _LONGEST_LABEL:
            continue  # a paragraph, not a label: skipped before the costly normalisation
        kind, _ = classify(token.text)
        if kind != "text":
            continue
        normalized, text = labels.normalize(token.text), labels.core(token.text)
        for row in rows:
            if row.matches(token.text, normalized=normalized, cored=text):
                hits.append(_Hit(index, row))
                break
        else:
            if text and any(text == g or (text.startswith(g) and len(text) <= len(g) + 2) for g in groups):
                hits.append(_Hit(index, None))
    return hits


def _run_after(tokens: list[Cell], start: int, end: int) -> list[Cell]:
    """The figures printed after a label: leading words skipped, then every figure (a blank
    included) up to the next word."""
    index = start
    while index < end and classify(tokens[index].text)[0] == "text":
        index += 1
    run = []
    while index < end:
        kind, _ = classify(tokens[index].text)
        if kind == "text":
            break
        run.append(tokens[index])
        index += 1
    return run


def _splits(digits: str, parts: int) -> list[tuple[str, ...]]:
    """Every way to cut ``digits`` into ``parts`` numbers without leading zeros (bounded)."""
    if parts == 1:
        return [(digits,)] if digits == "0" or not digits.startswith("0") else []
    result = []
    for cut in range(1, len(digits) - parts + 2):
        head = digits[:cut]
        if head.startswith("0") and head != "0":
            break
        for rest in _splits(digits[cut:], parts - 1):
            result.append((head, *rest))
            if len(result) > MAX_CANDIDATES * 4:
                return result
    return result


def _candidates(run: list[Cell], width: int) -> list[tuple[str, ...]]:
    """Ways to read a short row as ``width`` figures by splitting run-together digits."""
    printed = [classify(c.text)[1] for c in run]
    missing = width - len(printed)
    long_ones = [i for i, p in enumerate(printed) if p.isdigit() and len(p) > 1]
    if missing <= 0 or not long_ones or missing > 4 or sum(len(printed[i]) for i in long_ones) > 16:
        return []
    results: list[tuple[str, ...]] = []

    def extend(position: int, extra: int, acc: tuple[str, ...]):
        if len(results) >= MAX_CANDIDATES:
            return
        if position == len(printed):
            if extra == 0:
                results.append(acc)
            return
        text = printed[position]
        options = [1]
        if position in long_ones:
            options = range(1, min(len(text), extra + 1) + 1)
        for pieces in options:
            if pieces - 1 > extra:
                break
            for split in _splits(text, pieces) if pieces > 1 else [(text,)]:
                extend(position + 1, extra - (pieces - 1), acc + split)

    extend(0, missing, ())
    return results


class _RowReader:
    def __init__(self, reading: Reading):
        self.reading = reading

    def read(self, tokens: list[Cell], rows: list[labels.RowLabel], groups=(), *, region: str, complete: bool = True):
        hits = _scan(tokens, rows, groups)
        by_row: dict[str, list[tuple[list[Cell], Cell]]] = {}
        for k, hit in enumerate(hits):
            if hit.row is None:
                continue
            end = hits[k + 1].index if k + 1 < len(hits) else len(tokens)
            run = _run_after(tokens, hit.index + 1, end)
            by_row.setdefault(hit.row.code, []).append((run, tokens[hit.index]))
        found_any = bool(by_row)
        for row in rows:
            occurrences = by_row.get(row.code)
            if not occurrences:
                if found_any:
                    self.reading.notes.append(
                        Note("row_missing", f"{region}未找到“{row.label}”这一行，该行留空", row.cells)
                    )
                continue
            with_figures = [(run, label) for run, label in occurrences if run]
            if not with_figures:
                self.reading.notes.append(
                    Note(
                        "row_blank",
                        f"{region}“{row.label}”一行没有数字，该行留空",
                        row.cells,
                        occurrences[0][1].where,
                    )
                )
                continue
            readings = {tuple(classify(c.text)[1] for c in run) for run, _ in with_figures}
            if len(readings) > 1:
                self.reading.notes.append(
                    Note(
                        "row_repeated",
                        f"{region}“{row.label}”一行出现了 {len(with_figures)} 次且数字不同，该行留空，请核对原文",
                        row.cells,
                        ", ".join(label.where for _, label in with_figures),
                    )
                )
                continue
            self.place(row, with_figures[0][0], with_figures[0][1], region)

    def place(self, row: labels.RowLabel, run: list[Cell], label: Cell, region: str, columns=None) -> None:
        codes = columns or row.cells
        width = len(codes)
        filled = [c for c in run if classify(c.text)[0] != "empty"]
        merged = [c for c in run if c.span > 1]
        where = run[0].where if run else label.where
        if merged and width > 1:
            message = f"{region}“{row.label}”一行有合并单元格（一个数字跨 {merged[0].span} 列），无法对应到列，该行留空"
            self._note("row_merged", message, codes, where)
            return
        if len(run) > width and len(filled) == 1 and classify(run[0].text)[0] != "empty" and width > 1:
            message = f"{region}“{row.label}”一行只印了一个数字且跨越整行（合并的行），无法对应到列，该行留空"
            self._note("row_merged", message, codes, where)
            return
        if len(run) > width:
            if all(classify(c.text)[0] == "empty" for c in run[width:]):
                run = run[:width]
            else:
                printed = " | ".join(c.text for c in run)
                message = (
                    f"{region}“{row.label}”一行有 {len(run)} 个数字，多于 {width} 列（{printed}），"
                    "可能是拆分或错位的行，该行留空"
                )
                self._note("row_extra", message, codes, where)
                return
        if len(run) < width:
            candidates = _candidates(run, width)
            printed = tuple(c.text for c in run)
            if candidates:
                self.reading.ambiguities.append(
                    Ambiguity(
                        tuple(codes),
                        printed,
                        tuple(candidates),
                        where,
                        f"{region}“{row.label}”一行应有 {width} 个数字，只印了 {len(run)} 个（{' | '.join(printed)}），"
                        f"其中的数字可能连在一起，有 {len(candidates)} 种拆分，请选择",
                    )
                )
            elif width > 1 and len(filled) == 1 and len(run) == 1:
                message = f"{region}“{row.label}”一行只印了一个数字（合并的行），无法对应到列，该行留空"
                self._note("row_merged", message, codes, where)
            else:
                message = (
                    f"{region}“{row.label}”一行应有 {width} 个数字，只找到 {len(run)} 个，该行留空（不按位置猜测）"
                )
                self._note("row_short", message, codes, where)
            return
        for code, cell in zip(codes, run, strict=True):
            kind, printed = classify(cell.text)
            if kind == "number":
                self.reading.put(code, _value(code, printed), cell.text, cell.where)
            elif kind == "dash":
                self._note("cell_dash", _dash_message(code, cell.text), (code,), cell.where)

    def _note(self, kind, message, cells, where):
        self.reading.notes.append(Note(kind, message, tuple(cells), where))


# ── Parts ───────────────────────────────────────────────────────────────────────────────


def _split_parts(lines: list[Line], reading: Reading) -> dict[str, tuple[int, int]]:
    """Line ranges of the six parts, found by their headings in order."""
    found: list[tuple[str, int]] = []
    order = [p.key for p in labels.PART_HEADINGS]
    last = -1
    for index, line in enumerate(lines):
        if line.table_row and len(line.cells) > 1:
            continue
        part = labels.heading_part(line.text)
        if part is None:
            continue
        position = order.index(part.key)
        if position <= last:
            continue
        found.append((part.key, index))
        reading.parts[part.key] = line.where
        last = position
    ranges = {}
    for k, (key, start) in enumerate(found):
        end = found[k + 1][1] if k + 1 < len(found) else len(lines)
        ranges[key] = (start + 1, end)
    return ranges


_DATE_LINE = re.compile(r"^\(?\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\)?$")


_BOOKMARK = re.compile(r"\[bookmark: [^\]]{0,60}\]")  # debris of a Word file's conversion to text


def _text_of(lines: list[Line]) -> str:
    paragraphs = [
        _BOOKMARK.sub("", line.text).lstrip("# ").strip()
        for line in lines
        if line.text.strip() and not line.table_row and len(line.cells) < 2  # a table's line is no paragraph
    ]
    return "\n\n".join(p for p in paragraphs if p)


_PAGE_NUMBER = re.compile(r"^[-—–\s]*\d{1,3}[-—–\s]*$")


def _strip_signature(lines: list[Line], agency: str) -> list[Line]:
    """Drop the organ and date printed at the end, and page numbers (not part 六's text)."""
    kept = [line for line in lines if line.text.strip()]
    while kept and _PAGE_NUMBER.match(kept[-1].text):
        kept.pop()
    if kept and _DATE_LINE.match(unicodedata.normalize("NFKC", kept[-1].text).replace(" ", "")):
        kept.pop()
        if kept and len(kept[-1].text) <= 30 and not re.search(r"[，。；：,.;:]", kept[-1].text):
            kept.pop()
    elif kept and agency and labels.normalize(kept[-1].text) == labels.normalize(agency):
        kept.pop()
    return kept


# ── Agency and year ─────────────────────────────────────────────────────────────────────

_TITLE_YEAR = re.compile(r"(20\d{2})\s*年度?.{0,16}?信息公开")
_PERIOD_YEAR = re.compile(r"统计.{0,8}?(20\d{2})\s*年\s*1\s*月")
_TITLE = re.compile(r"^(?:\[[^\]]{0,40}\])?(.{2,40}?)[(（]?(20\d{2})\s*年度?.{0,12}?信息公开")
_TITLE_YEAR_FIRST = re.compile(r"^(20\d{2})年度?(.{2,30}?)(?:政府信息公开|政务公开|信息公开)")
_AGENCY_END = tuple("政府 局 委员会 委 办事处 办公室 街道 镇 乡 中心 院 厅 署 处 所 队 会".split())


def _agency_and_year(lines: list[Line], reading: Reading) -> None:
    head = [labels.normalize(line.text) for line in lines[:40] if line.text.strip()]
    for text in head:
        match = _TITLE_YEAR.search(text)
        if match and len(text) <= 80:
            reading.year = int(match.group(1))
            break
    if reading.year is None:
        for text in head:
            match = _PERIOD_YEAR.search(text)
            if match:
                reading.year = int(match.group(1))
                break
    for index, text in enumerate(head):
        match = _TITLE.match(text)
        if match and len(text) <= 60:
            name = match.group(1).strip(' 《“"#:：')
            if name.endswith(_AGENCY_END):
                reading.agency_name = name
                return
            if index > 0 and head[index - 1].endswith(_AGENCY_END) and len(head[index - 1]) <= 30:
                reading.agency_name = head[index - 1]
                return
        match = _TITLE_YEAR_FIRST.match(text)
        if match and len(text) <= 60 and match.group(2).endswith(_AGENCY_END):
            reading.agency_name = match.group(2)
            return
    if lines:
        tail = [unicodedata.normalize("NFKC", line.text).strip() for line in lines[-6:] if line.text.strip()]
        for text in reversed(tail):
            if text.endswith(_AGENCY_END) and len(text) <= 30 and not re.search(r"[，。；,;]", text):
                reading.agency_name = text
                return


# ── Fee figures of part 六 ───────────────────────────────────────────────────────────────

_FEE_PATTERNS = (
    (
        "t6.fee_notices",
        re.compile(r"发出(?:信息处理费)?(?:收费)?(?:缴费)?通知(?:书)?(?:共计|共|合计)?(\d+)(?:件|份|次)"),
    ),
    ("t6.fee_notice_amount", re.compile(r"通知[^。;；]{0,12}?总?金额(?:为|共计|合计|是)?(\d+(?:\.\d+)?)元")),
    (
        "t6.fee_collected",
        re.compile(
            r"(?:实际)?收取(?:了)?(?:信息处理费|费用)?(?:的)?(?:总金额|金额)?(?:为|共计|合计|总计|共)?(\d+(?:\.\d+)?)元"
        ),
    ),
)


def _fees(lines: list[Line], reading: Reading, rows: _RowReader) -> None:
    tokens = _tokens(lines)
    rows.read(tokens, labels.T6_ROWS, region="六、信息处理费表", complete=True)
    reading.notes = [n for n in reading.notes if not (n.kind == "row_missing" and n.cells[0].startswith("t6."))]
    for line in lines:
        text = labels.normalize(line.text)
        for code, pattern in _FEE_PATTERNS:
            if reading.cells.get(code) is not None:
                continue
            match = pattern.search(text)
            if match:
                reading.put(code, _value(code, match.group(1)), match.group(0), line.where)


# ── Tables ──────────────────────────────────────────────────────────────────────────────


def _table_2(lines: list[Line], reading: Reading, rows: _RowReader) -> None:
    tokens = _tokens(lines)
    normalized = {labels.normalize(t.text) for t in tokens}
    if any(marker in text for text in normalized for marker in labels.LAYOUT_2019_MARKERS):
        reading.layout = "2019"
        _table_2_layout_2019(tokens, reading, rows)
        return
    rows.read(tokens, labels.T2_ROWS, region="二、")


def _table_2_layout_2019(tokens: list[Cell], reading: Reading, rows: _RowReader) -> None:
    """The 2019 layout of table 二: its document columns (本年新制作数量 …) are not the 2021
    ones and cannot be placed; 处理决定数量 is the third figure of 行政许可/处罚/强制."""
    hits = _scan(tokens, labels.T2_ROWS)
    blank: list[str] = []
    for k, hit in enumerate(hits):
        row = hit.row
        end = hits[k + 1].index if k + 1 < len(hits) else len(tokens)
        run = _run_after(tokens, hit.index + 1, end)
        if row.code in ("licensing", "penalty", "coercion"):
            if len(run) >= 3 and all(classify(c.text)[0] in ("number", "empty", "dash") for c in run[:3]):
                third = run[2]
                kind, printed = classify(third.text)
                if kind == "number":
                    reading.put(row.cells[0], _value(row.cells[0], printed), third.text, third.where)
            elif run:
                rows.place(row, run[-1:], tokens[hit.index], "二、（2019 年格式）")
        else:
            blank.extend(row.cells)
    if blank:
        reading.notes.append(
            Note(
                "layout_2019",
                "表二是 2019 年旧格式（本年新制作数量/本年新公开数量/对外公开总数量、上一年项目数量/本年增减），"
                "规章、规范性文件的件数和收费金额无法对应到现行格式的列，留空",
                tuple(blank),
            )
        )


def _figure_row(lines: list[Line], width: int) -> list[Cell] | None:
    """A printed row of exactly ``width`` figures and blanks (the table's data row, where a
    blank cell is an empty cell of its own), or None."""
    for line in lines:
        cells = line.cells
        while len(cells) > width and classify(cells[-1].text)[0] == "empty":
            cells = cells[:-1]
        kinds = [classify(c.text)[0] for c in cells]
        if len(cells) == width and "text" not in kinds and "number" in kinds:
            return cells
    return None


def _table_4(lines: list[Line], reading: Reading) -> None:
    tokens = _tokens(lines)
    codes = [standard.t4(g, c) for g in labels.T4_GROUP_CODES for c in labels.T4_COLUMN_CODES]
    row = _figure_row(lines, len(codes))
    if row is not None:
        for code, cell in zip(codes, row, strict=True):
            kind, printed = classify(cell.text)
            if kind == "number":
                reading.put(code, _value(code, printed), cell.text, cell.where)
            elif kind == "dash":
                reading.notes.append(Note("cell_dash", _dash_message(code, cell.text), (code,), cell.where))
        return
    # One figure per line or per small table: every figure of the part, in order, when there
    # are exactly as many as cells (a blank cannot be told from a missing figure here).
    figures = [t for t in tokens if classify(t.text)[0] in ("number", "dash")]
    if not figures:
        if tokens:
            reading.notes.append(Note("table_blank", "四、表中没有数字，留空", tuple(codes)))
        return
    if len(figures) != len(codes):
        reading.notes.append(
            Note(
                "table_shape",
                f"四、表应有 {len(codes)} 个数字，找到 {len(figures)} 个"
                f"（{' | '.join(t.text for t in figures[:20])}），无法按组对应，留空",
                tuple(codes),
                figures[0].where,
            )
        )
        return
    for code, token in zip(codes, figures, strict=True):
        kind, printed = classify(token.text)
        if kind == "number":
            reading.put(code, _value(code, printed), token.text, token.where)
        else:
            reading.notes.append(Note("cell_dash", _dash_message(code, token.text), (code,), token.where))


# ── Entry point ─────────────────────────────────────────────────────────────────────────


def read_lines(lines: list[Line]) -> Reading:
    """Everything the reader finds in the lines of one published report."""
    reading = Reading()
    rows = _RowReader(reading)
    _agency_and_year(lines, reading)
    ranges = _split_parts(lines, reading)
    titles = dict(standard.STANDARD.parts)
    for heading in labels.PART_HEADINGS:
        if heading.key not in ranges:
            reading.notes.append(Note("part_missing", f"未找到第{heading.number}部分“{titles[heading.number]}”的标题"))

    def part(key):
        start, end = ranges[key]
        return lines[start:end]

    if "overview" in ranges:
        reading.texts["overview"] = _text_of(part("overview"))
    if "problems" in ranges:
        reading.texts["problems"] = _text_of(part("problems"))
    if "other_matters" in ranges:
        other = _strip_signature(part("other_matters"), reading.agency_name)
        reading.texts["other_matters"] = _text_of(other)
        _fees(other, reading, rows)
    if "t2" in ranges:
        _table_2(part("t2"), reading, rows)
    if "t3" in ranges:
        rows.read(_tokens(part("t3")), labels.T3_ROWS, labels.T3_GROUPS, region="三、")
    if "t4" in ranges:
        _table_4(part("t4"), reading)
    if reading.year is None:
        reading.notes.append(Note("year_missing", "未能从标题或统计期限中识别报告年度"))
    if not reading.agency_name:
        reading.notes.append(Note("agency_missing", "未能从标题或落款中识别机关名称"))
    return reading
