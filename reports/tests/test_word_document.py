"""The Word document (``reports/rendering/word.py``), read back with python-docx: the six
parts, tables 二/三/四 and the fee table with the merged cells of the official format, the
figures of the report, the fonts with their East Asian names and fallbacks (no database)."""

from __future__ import annotations

import datetime
import io
import zipfile

from docx.oxml.ns import qn

from reports import standard
from reports.interchange import load_json_file
from reports.rendering import formats
from reports.rendering.documents import display_value, document_layout
from reports.rendering.word import render_docx

from .samples import SAMPLES_DIR
from .word_reading import grid, headings, open_docx, rowspan

NANMOFANG = SAMPLES_DIR / "2024-nanmofang-area.json"

#: The six parts of the 2021 format (国办公开办函〔2021〕30号), as printed.
SIX_PARTS = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
]


def nanmofang():
    return load_json_file(NANMOFANG)


def word(document=None):
    return open_docx(render_docx(document or nanmofang()))


def find(rows, text: str):
    return next(cell for row in rows for cell in row if cell.text == text)


def test_the_document_has_the_title_the_opening_the_six_parts_and_the_signature():
    document = nanmofang()
    document.signature_date = datetime.date(2025, 1, 17)
    doc = word(document)

    assert headings(doc) == SIX_PARTS
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == f"{document.agency_name}\n2024年政府信息公开工作年度报告"
    assert texts[1].startswith("根据《中华人民共和国政府信息公开条例》")
    assert texts[-2:] == [document.agency_name, "2025年1月17日"]  # the organ is the agency unless named
    # The texts of part 一 are there, paragraph by paragraph.
    first_line = document.texts["overview"].strip().splitlines()[0].strip()
    assert first_line in texts
    assert doc.core_properties.title == f"{document.agency_name}2024年政府信息公开工作年度报告"


def test_tables_three_and_four_have_the_merged_headers_of_the_official_format():
    doc = word()

    assert len(doc.tables) == 4  # 二, 三, 四 and the fee table of part 六
    t3 = grid(doc.tables[1])
    corner = t3[0][0]
    assert (corner.colspan, corner.vmerge, rowspan(t3, corner)) == (3, "restart", 3)
    assert find(t3, "申请人情况").colspan == 7
    assert find(t3, "法人或其他组织").colspan == 5
    natural = find(t3, "自然人")
    assert (natural.vmerge, rowspan(t3, natural)) == ("restart", 2)
    results = find(t3, "三、本年度办理结果")
    # （一）（二）, eight reasons of （三）, three of （四）, five of （五）, three of （六）, （七）总计
    assert (results.vmerge, rowspan(t3, results)) == ("restart", 22)
    assert find(t3, "一、本年新收政府信息公开申请数量").colspan == 3

    t4 = grid(doc.tables[2])
    assert [(c.text, c.colspan) for c in t4[0]] == [("行政复议", 5), ("行政诉讼", 10)]
    assert [(c.text, c.colspan) for c in t4[1] if c.colspan > 1] == [("未经复议直接起诉", 5), ("复议后起诉", 5)]
    assert all(c.vmerge == "restart" and rowspan(t4, c) == 2 for c in t4[1][:5])
    # The header rows repeat on each page the table runs over; a row is never cut.
    trs = doc.tables[1]._tbl.findall(qn("w:tr"))
    assert [tr.find(qn("w:trPr")).find(qn("w:tblHeader")) is not None for tr in trs[:4]] == [True] * 3 + [False]


def test_every_cell_of_the_layout_is_one_word_cell_with_its_spans():
    """The grids are those of reports/standard.py via the document layout: same places, spans."""
    layout = document_layout(nanmofang())
    tables = [table for part in layout.parts for table in part.tables]
    doc = word()

    assert [t.code for t in tables] == ["t2", "t3", "t4", "t6"]
    for table, word_table in zip(tables, doc.tables, strict=True):
        rows = grid(word_table)
        assert len(rows) == len(table.rows)
        for cell in table.cells:
            placed = next(c for c in rows[cell.row] if c.col == cell.col)
            assert (placed.text, placed.colspan, rowspan(rows, placed)) == (cell.text, cell.colspan, cell.rowspan)
            assert placed.vmerge in ((None,) if cell.rowspan == 1 else ("restart",))
        assert all(sum(c.colspan for c in row) == table.columns for row in rows)


def test_the_figures_are_the_reports_cells():
    document = nanmofang()
    layout = document_layout(document)
    doc = word(document)

    found = {}
    for table, word_table in zip((t for part in layout.parts for t in part.tables), doc.tables, strict=True):
        rows = grid(word_table)
        for cell in table.cells:
            if cell.role == "value":
                found[cell.code] = next(c for c in rows[cell.row] if c.col == cell.col).text
    assert set(found) == set(standard.CELL_CODES)
    assert found == {code: display_value(code, document.cells.get(code)) for code in standard.CELL_CODES}
    # And read as a person would: the row 一、本年新收 of table 三, left to right.
    t3 = grid(doc.tables[1])
    row = next(r for r in t3 if r[0].text == "一、本年新收政府信息公开申请数量")
    codes = [f"t3.new.{column.code}" for column in standard.TABLE_3.sections[0].columns]
    assert [c.text for c in row[1:]] == [str(document.cells[code]) for code in codes]
    assert row[-1].text == "11"


def test_fonts_name_the_east_asian_face_with_fallbacks():
    doc = word()

    def fonts(style_name):
        rfonts = doc.styles[style_name].element.rPr.find(qn("w:rFonts"))
        return {name.split("}")[1]: value for name, value in rfonts.attrib.items()}

    body, heading = fonts("Normal"), fonts("Heading 1")
    assert body["eastAsia"] == body["ascii"] == body["hAnsi"] == "仿宋_GB2312"
    assert heading["eastAsia"] == heading["ascii"] == "黑体"
    # No theme font, which Word would prefer to the names.
    assert not any(key.endswith("Theme") or key == "cstheme" for key in (*body, *heading))
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsiaTheme")) is None
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    table = zipfile.ZipFile(io.BytesIO(render_docx(nanmofang()))).read("word/fontTable.xml").decode()
    assert '<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>' in table
    assert '<w:font w:name="黑体"><w:altName w:val="SimHei"/>' in table


def test_the_same_document_gives_the_same_bytes_and_the_format_table_offers_docx():
    document = nanmofang()
    data = render_docx(document)

    assert data == render_docx(nanmofang())
    assert formats.render(document, "docx") == data
    assert "docx" in formats.KINDS
    assert formats.MEDIA_TYPES["docx"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "word/document.xml" in names
    assert "docProps/thumbnail.jpeg" not in names


def test_control_characters_in_a_text_are_dropped_not_a_crash():
    document = nanmofang()
    document.texts["other_matters"] = "无\x07其他\x00事项。\x1b"

    doc = word(document)

    assert "无其他事项。" in [p.text for p in doc.paragraphs]
