"""The published document: its layout, the HTML page and the PDF (no database).

The PDF is read back with poppler's ``pdftotext``, ``pdffonts`` and ``pdfinfo`` (Debian
package poppler-utils); without them these tests are skipped, except under ``CI=true``,
where a missing tool is a failure.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from reports import interchange, standard
from reports.interchange import ReportDocument
from reports.rendering import documents, pdf
from reports.rendering.documents import RENDERERS, document_layout, render_html, render_pdf

_HERE = Path(__file__).resolve().parent
SAMPLE_DIRS = (
    _HERE.parent / "fixtures" / "samples",
    Path(django_settings.BASE_DIR).parent / "shared" / "samples",
    Path("/work/shared/samples"),
)
SAMPLES = next((path for path in SAMPLE_DIRS if (path / "2024-jiulongpo-minzheng.json").is_file()), SAMPLE_DIRS[0])

T3_COLUMNS = [column.code for column in standard.TABLE_3.sections[0].columns]
SCRIPT = "<script>alert(1)</script>"


def sample(name: str = "2024-jiulongpo-minzheng") -> ReportDocument:
    obj = json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    parse = getattr(interchange, "parse_document", None)
    if parse is not None:
        return parse(obj)
    signature = obj.get("signature") or {}
    return ReportDocument(
        year=obj["year"],
        agency_name=obj["agency"]["name"],
        district_name=obj["agency"].get("district", ""),
        texts={key: obj["texts"].get(key) or "" for key in standard.TEXT_KEYS},
        cells={code: obj["cells"].get(code) for code in standard.CELL_CODES},
        signature_organ=signature.get("organ", ""),
        signature_date=datetime.date.fromisoformat(signature["date"]) if signature.get("date") else None,
    )


# ── Reading the HTML back ───────────────────────────────────────────────────────────────


class _Cells(HTMLParser):
    """Every table cell of a page: its tag, attributes, text and the table it is in."""

    def __init__(self):
        super().__init__()
        self.cells: list[dict] = []
        self.paragraphs: list[str] = []
        self._table = ""
        self._open: dict | None = None
        self._paragraph: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = next(c for c in attrs["class"].split() if c.startswith("gov-report-table-"))[17:]
        elif tag in ("th", "td"):
            self._open = {"tag": tag, "table": self._table, "text": "", **attrs}
        elif tag == "p":
            self._paragraph = []
        elif tag == "br" and self._paragraph is not None:
            self._paragraph.append("\n")

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._open is not None:
            self.cells.append(self._open)
            self._open = None
        elif tag == "p" and self._paragraph is not None:
            self.paragraphs.append("".join(self._paragraph))
            self._paragraph = None

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data
        if self._paragraph is not None:
            self._paragraph.append(data)


def parsed(html: str) -> _Cells:
    parser = _Cells()
    parser.feed(html)
    return parser


def cell(cells: list[dict], text: str, table: str | None = None) -> dict:
    found = [c for c in cells if c["text"] == text and (table is None or c["table"] == table)]
    assert len(found) == 1, f"{text!r}: {len(found)} cells"
    return found[0]


def span(found: dict) -> tuple[int, int]:
    return int(found.get("rowspan", 1)), int(found.get("colspan", 1))


# ── The layout ──────────────────────────────────────────────────────────────────────────


def test_every_cell_of_the_format_is_printed_once_in_the_format_order():
    layout = document_layout(sample())

    codes = [c.code for part in layout.parts for table in part.tables for c in table.cells if c.role == "value"]

    assert codes == list(standard.CELL_CODES)


def test_the_cells_of_each_table_tile_its_grid_without_holes_or_overlaps():
    layout = document_layout(sample())

    for table in (table for part in layout.parts for table in part.tables):
        covered: dict[tuple[int, int], str] = {}
        for c in table.cells:
            for r in range(c.row, c.row + c.rowspan):
                for col in range(c.col, c.col + c.colspan):
                    assert (r, col) not in covered, f"{table.code}: {c.text!r} overlaps {covered[(r, col)]!r}"
                    covered[(r, col)] = c.text
        expected = {(r, col) for r in range(len(table.rows)) for col in range(table.columns)}
        assert set(covered) == expected, table.code


def test_the_parts_come_in_the_order_of_the_format_with_their_tables():
    layout = document_layout(sample())

    assert [part.heading for part in layout.parts] == [
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ]
    assert [[table.code for table in part.tables] for part in layout.parts] == [[], ["t2"], ["t3"], ["t4"], [], ["t6"]]


def test_texts_are_split_into_paragraphs_at_blank_lines():
    text = "　　（一）主动公开情况\r\n\r\n依据条例，\n公开信息 360 条。\n \n\n\n无"

    assert documents.split_paragraphs(text) == [("（一）主动公开情况",), ("依据条例，", "公开信息 360 条。"), ("无",)]
    assert documents.split_paragraphs("  \n\n ") == []


def test_values_print_as_their_interchange_strings_and_blank_as_empty():
    assert documents.display_value("t2.licensing.decisions", 102) == "102"
    assert documents.display_value("t3.partial.total", None) == ""
    assert documents.display_value("t2.fees.amount", "12.5000") == "12.5"
    assert documents.display_value("t6.fee_collected", "0.00") == "0"
    # A value the rules refuse is printed as found, not hidden.
    assert documents.display_value("t3.new.total", "十一") == "十一"


def test_the_signature_defaults_to_the_agency_and_prints_the_date_in_chinese():
    document = sample()
    layout = document_layout(document)
    assert (layout.signature_organ, layout.signature_date) == ("重庆市九龙坡区民政局", "2025年1月17日")

    document.signature_organ, document.signature_date = "", None
    layout = document_layout(document)
    assert (layout.signature_organ, layout.signature_date) == ("重庆市九龙坡区民政局", "")


# ── HTML ────────────────────────────────────────────────────────────────────────────────


def test_the_html_page_has_the_title_the_opening_and_the_six_parts():
    html = render_html(sample())

    assert "<title>重庆市九龙坡区民政局2024年政府信息公开工作年度报告</title>" in html
    assert re.search(r"<h1[^>]*>.*重庆市九龙坡区民政局.*2024年政府信息公开工作年度报告</h1>", html)
    assert re.search(r"<p[^>]*>根据《中华人民共和国政府信息公开条例》[^<]*编制本报告。</p>", html)
    positions = [html.index(f"{number}、{title}</h2>") for number, title in standard.STANDARD.parts]
    assert positions == sorted(positions)
    assert 'href="/static/css/document.css"' in html
    assert "style=" not in html and "<script" not in html  # the CSP allows neither


def test_the_fragment_is_the_article_alone():
    html = render_html(sample(), page=False)

    assert html.lstrip().startswith('<article class="gov-report"')
    assert "<html" not in html and "<title>" not in html


def test_table_two_has_its_four_sections_under_their_article_headers():
    cells = parsed(render_html(sample())).cells

    for title in ("第二十条第（一）项", "第二十条第（五）项", "第二十条第（六）项", "第二十条第（八）项"):
        assert span(cell(cells, title, "t2")) == (1, 4)
    assert span(cell(cells, "本年制发件数", "t2")) == (1, 1)
    assert span(cell(cells, "本年收费金额（单位：万元）", "t2")) == (1, 3)
    licensing = [c for c in cells if c.get("data-cell") == "t2.licensing.decisions"]
    assert [(c["text"], c["colspan"]) for c in licensing] == [("102", "3")]


def test_table_three_has_the_grouped_header_the_note_and_the_row_spans():
    cells = parsed(render_html(sample())).cells

    note = cell(cells, standard.T3_NOTE, "t3")
    assert span(note) == (3, 3)
    assert span(cell(cells, "申请人情况", "t3")) == (1, 7)
    assert span(cell(cells, "法人或其他组织", "t3")) == (1, 5)
    assert span(cell(cells, "自然人", "t3")) == (2, 1)
    assert span(cell(cells, "三、本年度办理结果", "t3")) == (22, 1)
    assert span(cell(cells, "（三）不予公开", "t3")) == (8, 1)
    assert span(cell(cells, "（四）无法提供", "t3")) == (3, 1)
    assert span(cell(cells, "（七）总计", "t3")) == (1, 2)
    assert span(cell(cells, "一、本年新收政府信息公开申请数量", "t3")) == (1, 3)
    assert cell(cells, "8.属于行政查询事项", "t3")["scope"] == "row"


def test_table_three_prints_the_figures_and_blank_cells_as_empty():
    cells = parsed(render_html(sample())).cells
    by_code = {c["data-cell"]: c["text"] for c in cells if "data-cell" in c}

    assert [by_code[f"t3.new.{column}"] for column in T3_COLUMNS] == ["0", "1", "0", "0", "0", "0", "1"]
    assert by_code["t3.partial.total"] == ""  # blank in the sample: printed blank, not 0
    assert by_code["t2.fees.amount"] == "0"


def test_table_four_has_its_two_header_levels_over_fifteen_figures():
    cells = parsed(render_html(sample())).cells

    assert span(cell(cells, "行政复议", "t4")) == (1, 5)
    assert span(cell(cells, "行政诉讼", "t4")) == (1, 10)
    assert span(cell(cells, "未经复议直接起诉", "t4")) == (1, 5)
    assert len([c for c in cells if c["table"] == "t4" and c["tag"] == "td"]) == 15


def test_part_six_has_the_fee_figures_after_its_text():
    document = sample()
    document.texts["other_matters"] = "本年度未收取信息处理费。"
    document.cells.update({"t6.fee_notices": 2, "t6.fee_notice_amount": "150.50", "t6.fee_collected": "100"})
    html = render_html(document)
    cells = parsed(html).cells
    by_code = {c["data-cell"]: c["text"] for c in cells if "data-cell" in c}

    assert html.index("本年度未收取信息处理费。") < html.index("<caption>信息处理费</caption>")
    assert html.index("六、其他需要报告的事项") < html.index("本年度未收取信息处理费。")
    assert [by_code[f"t6.{row}"] for row in ("fee_notices", "fee_notice_amount", "fee_collected")] == [
        "2",
        "150.5",
        "100",
    ]


def test_the_texts_keep_their_paragraphs_and_line_breaks():
    document = sample()
    document.texts["problems"] = "一是公开不够及时。\n二是内容不够丰富。\n\n下一步将加以改进。"
    paragraphs = parsed(render_html(document)).paragraphs

    assert "一是公开不够及时。\n二是内容不够丰富。" in paragraphs
    assert "下一步将加以改进。" in paragraphs


def test_markup_in_a_text_is_escaped():
    document = sample()
    document.texts["overview"] = f"公开情况{SCRIPT}<b>加粗</b>"
    document.agency_name = "某局<i>"
    html = render_html(document)

    assert SCRIPT not in html and "<b>" not in html and "某局<i>" not in html
    assert "公开情况&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;加粗&lt;/b&gt;" in html


def test_the_signature_closes_the_document():
    html = render_html(sample())

    assert re.search(r'class="gov-report-signature">\s*<p>重庆市九龙坡区民政局</p>\s*<p>2025年1月17日</p>', html)
    assert html.index("gov-report-signature") > html.index("六、其他需要报告的事项")


# ── PDF ─────────────────────────────────────────────────────────────────────────────────


def poppler(tool: str, *args: str) -> str:
    if shutil.which(tool) is None:
        message = f"{tool} 未安装（Debian 软件包 poppler-utils）"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True, timeout=60).stdout


@pytest.fixture(scope="module")
def nanmofang_pdf(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "nanmofang.pdf"
    path.write_bytes(render_pdf(sample("2024-nanmofang-area")))
    return path


def pdf_file(tmp_path, document: ReportDocument) -> Path:
    path = tmp_path / "report.pdf"
    path.write_bytes(render_pdf(document))
    return path


def figures(values: list[object]) -> str:
    return r"\s+".join(re.escape(str(value)) for value in values)


def test_the_pdf_text_holds_the_agency_the_year_the_parts_and_the_figures(tmp_path):
    document = sample()
    text = poppler("pdftotext", "-layout", str(pdf_file(tmp_path, document)), "-")

    assert "重庆市九龙坡区民政局" in text
    assert "2024年政府信息公开工作年度报告" in text
    for number, title in standard.STANDARD.parts:
        assert f"{number}、{title}" in text
    assert re.search(r"行政许可\s+102\b", text)
    assert re.search(r"行政处罚\s+5\b", text)
    assert standard.T3_NOTE[1:10] in text  # the 勾稽 note (it wraps inside its cell)
    assert "2025年1月17日" in text


def test_the_pdf_prints_the_totals_of_table_three(nanmofang_pdf):
    document = sample("2024-nanmofang-area")
    text = poppler("pdftotext", "-layout", str(nanmofang_pdf), "-")

    for row, label in (
        ("new", "一、本年新收政府信息公开申请数量"),
        ("handled_total", "（七）总计"),
        ("carried_out", "四、结转下年度继续办理"),
    ):
        expected = [document.cells[f"t3.{row}.{column}"] for column in T3_COLUMNS]
        assert re.search(re.escape(label) + r"\s+" + figures(expected) + r"\s*$", text, re.MULTILINE), label
    assert "北京市朝阳区南磨房地区办事处" in text
    assert re.search(r"行政处罚\s+510\b", text)


def test_table_three_repeats_its_header_on_every_page_it_runs_over(nanmofang_pdf):
    pages = int(re.search(r"^Pages:\s+(\d+)", poppler("pdfinfo", str(nanmofang_pdf)), re.MULTILINE).group(1))
    texts = [poppler("pdftotext", "-f", str(n), "-l", str(n), str(nanmofang_pdf), "-") for n in range(1, pages + 1)]

    with_rows = [n for n, text in enumerate(texts) if re.search(r"属于|不予处理|结转下年度", text)]
    assert with_rows
    for n in with_rows:
        assert "申请人情况" in texts[n] and "法人或其他组织" in texts[n], f"page {n + 1}"


def test_a_cut_through_table_three_repeats_the_header_and_the_cut_labels():
    layout = document_layout(sample())
    table = next(t for part in layout.parts for t in part.tables if t.code == "t3")
    flowable = pdf._GridFlowable(table, pdf._styles(pdf.font_name()))
    flowable.wrap(pdf.FRAME_WIDTH, 10_000)
    heights = flowable.table._rowHeights
    cut = next(row for row, cells in enumerate(table.rows) if cells[0].text == "7.属于行政执法案卷")

    first, rest = flowable.split(pdf.FRAME_WIDTH, sum(heights[:cut]) + 1)

    assert (first.start, first.end, rest.start, rest.end) == (table.header_rows, cut, cut, len(table.rows))
    header = [value.text for value in rest.table._cellvalues[0] if hasattr(value, "text")]
    assert header == [standard.T3_NOTE, "申请人情况"]
    continued = [value.text for value in rest.table._cellvalues[table.header_rows] if hasattr(value, "text")]
    assert continued[:3] == ["三、本年度办理结果", "（三）不予公开", "7.属于行政执法案卷"]


def test_table_two_is_cut_only_between_its_sections():
    layout = document_layout(sample())
    table = next(t for part in layout.parts for t in part.tables if t.code == "t2")

    starts = [row for row, allowed in enumerate(table.break_before) if allowed]

    assert [table.rows[row][0].text for row in starts] == [
        "第二十条第（五）项",
        "第二十条第（六）项",
        "第二十条第（八）项",
    ]


def test_markup_in_a_text_prints_as_typed_in_the_pdf(tmp_path):
    document = sample()
    document.texts["problems"] = f"存在问题{SCRIPT}&amp;"
    text = poppler("pdftotext", str(pdf_file(tmp_path, document)), "-")

    assert f"存在问题{SCRIPT}&amp;" in text


def test_the_pdf_is_a4_with_its_chinese_font_embedded_and_numbered_pages(nanmofang_pdf):
    info = poppler("pdfinfo", str(nanmofang_pdf))
    fonts = poppler("pdffonts", str(nanmofang_pdf)).splitlines()[2:]
    text = poppler("pdftotext", str(nanmofang_pdf), "-")

    assert re.search(r"^Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info, re.MULTILINE)
    assert fonts, "no font in the PDF"
    for line in fonts:
        name, emb, sub = line.split()[0], *line.split()[-5:-3]
        assert (emb, sub) == ("yes", "yes"), line  # every font embedded, as a subset
        assert "+" in name
    assert re.search(r"—\s*1\s*—", text) and re.search(r"—\s*2\s*—", text)
    assert nanmofang_pdf.stat().st_size < 400_000


def test_the_same_document_gives_the_same_pdf():
    document = sample()

    assert render_pdf(document) == render_pdf(document)


def test_the_renderers_write_bytes():
    document = sample()

    assert set(RENDERERS) == {"html", "pdf"}
    assert RENDERERS["pdf"](document).startswith(b"%PDF-")
    assert RENDERERS["html"](document).decode("utf-8").startswith("<!doctype html>")


# ── The font ────────────────────────────────────────────────────────────────────────────


def test_without_a_chinese_font_the_error_says_what_to_install(settings, monkeypatch):
    settings.GOVREPORT_PDF_FONT = ""
    monkeypatch.delenv(pdf.FONT_SETTING, raising=False)
    monkeypatch.setattr(pdf, "FONT_DIRS", (str(Path(__file__).parent),))
    pdf._installed_fonts.cache_clear()
    try:
        with pytest.raises(pdf.PdfFontError, match=r"请安装 Debian 软件包 fonts-wqy-microhei"):
            render_pdf(sample())
    finally:
        pdf._installed_fonts.cache_clear()


def test_a_configured_font_that_does_not_exist_is_named_in_the_error(settings):
    settings.GOVREPORT_PDF_FONT = "/nonexistent/font.ttc"

    with pytest.raises(pdf.PdfFontError, match=r"GOVREPORT_PDF_FONT 指定的字体文件不存在：/nonexistent/font.ttc"):
        render_pdf(sample())


def test_a_cff_font_is_refused_with_a_clear_message(settings):
    noto = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    if not noto.is_file():
        pytest.skip("Noto CJK (fonts-noto-cjk) 未安装")
    settings.GOVREPORT_PDF_FONT = f"{noto}#2"

    with pytest.raises(pdf.PdfFontError, match=r"CFF 轮廓的 OpenType 字体无法嵌入"):
        render_pdf(sample())
