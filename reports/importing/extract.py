"""Turn a published report (page text, saved HTML, PDF, .docx) into lines of cells.

Whatever the input, the reader sees the same thing: a list of ``Line`` in reading order, each
with its printed text and its cells. A table read as a table (HTML, .docx) gives one line per
table row with one cell per printed cell, merged cells once with their span; page text gives
its lines, split into cells at ``|`` and tabs (as portals and search excerpts flatten tables);
a PDF gives the text of ``pdftotext -layout``, split into cells at runs of spaces.

Every cell knows where it came from (``第12行``, ``表2第3行第4列``, ``第1页第30行``): that is
the provenance the reader reports for each figure.

Limits are checked before any work: a file larger than ``MAX_BYTES`` or text longer than
``MAX_CHARS`` is refused with a clear message.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

MAX_BYTES = 20 * 1024 * 1024  # a published report's PDF is rarely above 5 MB
MAX_CHARS = 500_000  # a report's text is 5,000–50,000 characters; far longer is not a report
MAX_DOCX_XML = 50 * 1024 * 1024  # uncompressed document.xml: refuses zip bombs
PDF_TIMEOUT = 60

SUFFIXES = {
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}


class ExtractError(Exception):
    """The file cannot be read at all. ``str(exc)`` is one line of Chinese."""


@dataclass
class Cell:
    text: str
    where: str
    span: int = 1  # columns covered (colspan), 1 for plain text


@dataclass
class Line:
    text: str  # the printed line (cells joined), for narrative parts and headings
    where: str
    cells: list[Cell] = field(default_factory=list)
    table_row: bool = False  # a row of a table read as a table


def kind_of(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        shown = suffix or "（无扩展名）"
        raise ExtractError(f"{Path(path).name}：不支持的文件类型 {shown}，可读 .txt .html .pdf .docx")
    return SUFFIXES[suffix]


def read_path(path: str | Path) -> tuple[str, list[Line]]:
    """The kind of file and its lines. Raises ``ExtractError`` when it cannot be read."""
    path = Path(path)
    kind = kind_of(path)
    try:
        size = path.stat().st_size
    except OSError:
        raise ExtractError(f"{path.name}：文件不存在或无法打开") from None
    if size > MAX_BYTES:
        raise ExtractError(f"{path.name}：文件过大（{size // 1024 // 1024} MB），上限 {MAX_BYTES // 1024 // 1024} MB")
    data = path.read_bytes()
    return kind, read_bytes(data, kind, name=path.name)


def read_bytes(data: bytes, kind: str, *, name: str = "文件") -> list[Line]:
    if len(data) > MAX_BYTES:
        raise ExtractError(f"{name}：文件过大，上限 {MAX_BYTES // 1024 // 1024} MB")
    if kind == "text":
        return text_lines(_decode(data, name), name=name)
    if kind == "html":
        return html_lines(_decode(data, name), name=name)
    if kind == "pdf":
        return pdf_lines(data, name=name)
    if kind == "docx":
        return docx_lines(data, name=name)
    raise ExtractError(f"{name}：不支持的文件类型")


def _decode(data: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise ExtractError(f"{name}：无法识别文本编码")
    if len(text) > MAX_CHARS:
        raise ExtractError(f"{name}：文本过长（{len(text)} 字），不像一份年度报告")
    if "\x00" in text:
        raise ExtractError(f"{name}：不是文本文件")
    return text


# ── Plain text ──────────────────────────────────────────────────────────────────────────

_RUNS_OF_SPACES = re.compile(r"[ \u3000\u00a0]{2,}")
_SPACED_NUMBERS = re.compile(r"^\d+(?: \d+)+$")
_MARKDOWN_RULE = re.compile(r"^\|?(?:\s*:?-{3,}:?\s*\|)+\s*:?-*:?\s*$")
_FIGURE_WORD = re.compile(r"^\d{1,12}(?:\.\d+)?$")
_SHORT_FIGURE = re.compile(r"^\d{1,9}(?:\.\d+)?$")


def _pipe_cells(line: str) -> list[str]:
    """Cells of a line flattened with ``|``: ``a | b | c |``, ``| a | b |``, ``||`` (spans)."""
    pieces = line.split("|")
    if not pieces[-1].strip():
        pieces.pop()  # the terminating pipe
    if line.lstrip().startswith("|") and pieces and not pieces[0].strip():
        pieces.pop(0)  # the opening pipe of a Markdown row
    return [p.strip() for p in pieces]


def _trailing_figures(line: str) -> list[str]:
    """``一、本年新收政府信息公开申请数量 1 0 0 0 0 0 1`` (a row copied from a PDF viewer,
    columns as single spaces): the label and its figures as separate cells. A line not ending
    in at least two figures is one cell."""
    words = line.split()
    figures = 0
    while figures < len(words) - 1 and _FIGURE_WORD.match(words[-1 - figures]):
        figures += 1
    if figures < 2:
        return [line]
    return [" ".join(words[: len(words) - figures]), *words[len(words) - figures :]]


def text_lines(text: str, *, name: str = "文件", where_prefix: str = "", split_spaces: bool = False) -> list[Line]:
    """Lines of page text, with their cells.

    ``|`` separates cells. A line holding only ``|`` is an empty cell when the text ends its
    cells with pipes (``0 |``), and only a terminator when cells stand alone on their lines
    and pipes on lines of their own (``0`` then ``|``): which of the two a page does is
    decided once, from the whole text, before reading.
    """
    if len(text) > MAX_CHARS:
        raise ExtractError(f"{name}：文本过长（{len(text)} 字），不像一份年度报告")
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ended_with_pipe = sum(1 for raw in raw_lines if raw.rstrip().endswith("|") and raw.strip("| \t"))
    lone_pipes = sum(1 for raw in raw_lines if raw.strip() == "|")
    lone_pipe_is_cell = ended_with_pipe >= max(3, lone_pipes // 4)
    lines: list[Line] = []
    previous_raw = ""
    for number, raw in enumerate(raw_lines, start=1):
        where = f"{where_prefix}第{number}行"
        stripped = raw.strip()
        after = previous_raw
        previous_raw = raw
        if not stripped:
            if "\t" in raw:
                # A tab-only line is a blank cell of a tab-indented table (one cell per line).
                lines.append(Line("", where, [Cell("", where)]))
            continue
        if (
            after.startswith("\t")
            and not after.strip()
            and not raw.startswith(("\t", " "))
            and lines
            and lines[-1].cells == [Cell("", lines[-1].where)]
            and _SHORT_FIGURE.match(stripped)
        ):
            # In a tab-indented table every cell starts with a tab: a figure on the next line
            # without one is the rest of that cell (its text wrapped), not a cell of its own.
            lines[-1] = Line(stripped, lines[-1].where, [Cell(stripped, lines[-1].where)])
            continue
        if _MARKDOWN_RULE.match(stripped):
            continue  # |---|---| under a Markdown header
        if stripped == "|":
            cells = [""] if lone_pipe_is_cell else []
        elif "|" in raw:
            cells = _pipe_cells(raw)
        elif "\t" in stripped:
            cells = [c.strip() for c in stripped.split("\t")]
        elif split_spaces:
            # A PDF's layout text: columns are runs of spaces, and a merged label printed
            # beside a row's label (（三）不予 4.保护第三方合法权益) is split off at its space.
            cells = stripped.split()
        else:
            cells = _trailing_figures(stripped)
        expanded = []
        for cell in cells:
            # ``0 0 0`` printed with single spaces is three figures, not one.
            expanded.extend(cell.split(" ") if _SPACED_NUMBERS.match(cell) else [cell])
        lines.append(Line(stripped, where, [Cell(c, where) for c in expanded]))
    return lines


# ── HTML ────────────────────────────────────────────────────────────────────────────────

_BLOCK_TAGS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 section article header footer blockquote pre title dt dd".split()
)
_SKIP_TAGS = frozenset(("script", "style", "noscript", "template", "head"))


class _HTMLReader(HTMLParser):
    """Text blocks and tables in document order; tables as rows of (text, colspan, rowspan)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.items: list[tuple[str, object]] = []  # ("text", str) | ("table", rows)
        self._text: list[str] = []
        self._skip = 0
        self._tables: list[list[list[list]]] = []  # stack: table → rows → cells [text, colspan, rowspan]
        self._cell: list | None = None

    def _flush(self):
        text = "".join(self._text)
        self._text = []
        for piece in text.split("\n"):
            if piece.strip():
                self.items.append(("text", piece.strip()))

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP_TAGS:
            self._skip += 1
            return
        if self._skip:
            return
        attrs = dict(attrs)
        if tag == "table":
            if not self._tables:
                self._flush()
            self._tables.append([])
        elif tag == "tr" and self._tables:
            self._tables[-1].append([])
        elif tag in ("td", "th") and self._tables:
            if not self._tables[-1]:
                self._tables[-1].append([])
            self._cell = ["", _span(attrs.get("colspan")), _span(attrs.get("rowspan"))]
            self._tables[-1][-1].append(self._cell)
        elif tag in _BLOCK_TAGS:
            self._newline()

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
            return
        if self._skip:
            return
        if tag == "table" and self._tables:
            rows = self._tables.pop()
            self._cell = None
            if self._tables:  # a table inside a cell: keep its text in that cell
                text = " ".join(c[0] for row in rows for c in row if c[0])
                if self._tables[-1] and self._tables[-1][-1]:
                    self._tables[-1][-1][-1][0] += text
            else:
                self.items.append(("table", rows))
        elif tag in ("td", "th"):
            self._cell = None
        elif tag in _BLOCK_TAGS:
            self._newline()

    def _newline(self):
        if self._cell is not None:
            self._cell[0] += " "
        elif not self._tables:
            self._text.append("\n")

    def handle_data(self, data):
        if self._skip:
            return
        if self._cell is not None:
            self._cell[0] += data
        elif not self._tables:
            self._text.append(data)

    def close(self):
        super().close()
        self._flush()


def _span(value) -> int:
    try:
        return max(1, min(int(str(value).strip()), 50))
    except (TypeError, ValueError):
        return 1


def html_lines(html: str, *, name: str = "文件") -> list[Line]:
    """Text lines and table rows of a saved page. Merged cells are honoured: a cell spanning
    rows is read once (in its first row), a cell spanning columns once with its span."""
    if len(html) > MAX_CHARS * 4:
        raise ExtractError(f"{name}：网页过大，不像一份年度报告")
    reader = _HTMLReader()
    reader.feed(html)
    reader.close()
    lines: list[Line] = []
    text_no = table_no = 0
    for kind, item in reader.items:
        if kind == "text":
            text_no += 1
            for line in text_lines(item, where_prefix=f"正文第{text_no}段"):
                line.where = f"正文第{text_no}段"
                lines.append(line)
            continue
        table_no += 1
        for r, row in enumerate(item, start=1):
            where = f"表{table_no}第{r}行"
            cells = [
                Cell(" ".join(text.split()), f"表{table_no}第{r}行第{c}格", colspan)
                for c, (text, colspan, _rowspan) in enumerate(row, start=1)
            ]
            lines.append(Line(" ".join(c.text for c in cells if c.text), where, cells, table_row=True))
    return lines


# ── PDF ─────────────────────────────────────────────────────────────────────────────────


def pdf_lines(data: bytes, *, name: str = "文件") -> list[Line]:
    """The text of a PDF with its layout (poppler's ``pdftotext -layout``), split into cells at
    runs of spaces. A scanned PDF (images only) has no text and is refused."""
    if not data.startswith(b"%PDF"):
        raise ExtractError(f"{name}：不是 PDF 文件")
    tool = shutil.which("pdftotext")
    if tool is None:
        raise ExtractError(f"{name}：读取 PDF 需要 poppler-utils（pdftotext），请先安装（scripts/system-packages.sh）")
    try:
        done = subprocess.run(  # a fixed argument list, no shell
            [tool, "-layout", "-enc", "UTF-8", "-q", "-", "-"],
            input=data,
            capture_output=True,
            timeout=PDF_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ExtractError(f"{name}：PDF 读取超时") from None
    if done.returncode != 0:
        raise ExtractError(f"{name}：PDF 文件已损坏或加密，无法读取")
    text = done.stdout.decode("utf-8", errors="replace")
    if len(text) > MAX_CHARS:
        raise ExtractError(f"{name}：PDF 文字过多，不像一份年度报告")
    lines = []
    for page_no, page in enumerate(text.split("\f"), start=1):
        for line in text_lines(page, split_spaces=True, where_prefix=f"第{page_no}页"):
            lines.append(line)
    if not any(line.text for line in lines):
        raise ExtractError(f"{name}：PDF 中没有文字（可能是扫描图片），无法读取")
    return lines


# ── .docx ──────────────────────────────────────────────────────────────────────────────
# Read with the standard library and defusedxml, not python-docx: python-docx needs lxml, and
# with lxml installed openpyxl parses uploaded workbooks with lxml, which expands a
# billion-laughs entity in xl/workbook.xml (reports/tests/test_spreadsheet.py refuses it only
# without lxml). defusedxml refuses any DTD here as well, so a hostile .docx is refused too.

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_DOCX_ENTRIES = 2000


def docx_lines(data: bytes, *, name: str = "文件") -> list[Line]:
    """Paragraphs and tables of a Word file in document order; a merged cell read once (a
    horizontal merge as one cell with its span, a vertical merge in its first row only)."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            if len(archive.infolist()) > MAX_DOCX_ENTRIES:
                raise ExtractError(f"{name}：Word 文件结构异常（条目过多）")
            info = archive.getinfo("word/document.xml")
            if info.file_size > MAX_DOCX_XML:
                raise ExtractError(f"{name}：Word 文件内容过大")
            xml = archive.read(info)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError):
        raise ExtractError(f"{name}：不是有效的 Word（.docx）文件") from None
    if len(xml) > MAX_DOCX_XML:
        raise ExtractError(f"{name}：Word 文件内容过大")
    try:
        root = fromstring(xml)
    except DefusedXmlException:
        raise ExtractError(f"{name}：Word 文件包含不安全的 XML 内容，已拒绝") from None
    except ParseError:
        raise ExtractError(f"{name}：Word 文件已损坏，无法读取") from None
    body = root.find(f"{_W}body")
    if body is None:
        raise ExtractError(f"{name}：Word 文件中没有正文")
    lines: list[Line] = []
    counters = {"paragraph": 0, "table": 0}
    _docx_block(body, lines, counters)
    return lines


def _docx_block(element, lines: list[Line], counters: dict) -> None:
    for child in element:
        if child.tag == f"{_W}p":
            counters["paragraph"] += 1
            where = f"第{counters['paragraph']}段"
            for line in text_lines(_docx_text(child)):
                line.where = where
                for cell in line.cells:
                    cell.where = where
                lines.append(line)
        elif child.tag == f"{_W}tbl":
            counters["table"] += 1
            lines.extend(_docx_table(child, counters["table"]))
        elif child.tag in (f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml", f"{_W}smartTag"):
            _docx_block(child, lines, counters)  # content controls wrap paragraphs and tables


def _docx_text(element) -> str:
    parts = []
    for node in element.iter():
        if node.tag == f"{_W}t" and node.text:
            parts.append(node.text)
        elif node.tag == f"{_W}tab":
            parts.append("\t")
        elif node.tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
    return "".join(parts)


def _docx_table(table, table_no: int) -> list[Line]:
    lines = []
    for r, row in enumerate(table.findall(f"{_W}tr"), start=1):
        cells: list[Cell] = []
        column = 1
        for tc in row.findall(f"{_W}tc"):
            properties = tc.find(f"{_W}tcPr")
            span, continued = 1, False
            if properties is not None:
                grid_span = properties.find(f"{_W}gridSpan")
                if grid_span is not None:
                    span = _span(grid_span.get(f"{_W}val"))
                merge = properties.find(f"{_W}vMerge")
                continued = merge is not None and merge.get(f"{_W}val", "continue") != "restart"
            text = "" if continued else " ".join(_docx_text(tc).split())
            cells.append(Cell(text, f"表{table_no}第{r}行第{column}格", span))
            column += span
        where = f"表{table_no}第{r}行"
        lines.append(Line(" ".join(c.text for c in cells if c.text), where, cells, table_row=True))
    return lines
