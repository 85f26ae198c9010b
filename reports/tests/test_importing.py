"""The reader of published reports (``reports/importing``): the corpus, each input kind, and
what it must never do — shift a row, spread a merged figure, pick a split of run-together digits.

No test here touches the database.
"""

from __future__ import annotations

import json
import zipfile
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from reports import standard
from reports.importing import ExtractError, interchange, read_bytes_as, read_path
from reports.importing.corpus import score_corpus
from reports.importing.extract import MAX_BYTES, MAX_CHARS
from reports.interchange import ReportDocument, parse_document
from reports.rendering.documents import render_html, render_pdf

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CORPUS = FIXTURES / "published"
SHUYANG = CORPUS / "shuyang-county-2025"
TEXTS = {
    "overview": "全年共受理政府信息公开申请749件。\n\n第二段写依申请公开。",
    "problems": "一是政策解读多样性需进一步加强。二是依申请办件质量需进一步提升。",
    "other_matters": "收取信息处理费共计380元。",
}


def shuyang_cells() -> dict:
    cells = json.loads((SHUYANG / "expected.json").read_text(encoding="utf-8"))["cells"]
    return {**cells, "t6.fee_notices": 1, "t6.fee_notice_amount": "380", "t6.fee_collected": "380"}


def published(cells=None) -> ReportDocument:
    return ReportDocument(year=2025, agency_name="沭阳县人民政府", texts=dict(TEXTS), cells=cells or shuyang_cells())


def text(body: str):
    return read_bytes_as(body.encode("utf-8"), "text", name="t.txt")


def wrong_cells(reading, cells: dict) -> list:
    return [
        (code, cells[code], reading.cells.get(code))
        for code in standard.CELL_CODES
        if cells[code] != reading.cells.get(code)
    ]


# ── The corpus ──────────────────────────────────────────────────────────────────────────


def test_the_corpus_is_read_as_printed():
    """≥ 99.5 % of the cells of 25 real reports exactly as printed (blank stays blank)."""
    scores = score_corpus(CORPUS)
    assert len(scores) >= 25
    compared = sum(s.compared for s in scores)
    right = sum(s.right for s in scores)
    wrong = {s.name: s.wrong for s in scores if s.wrong}
    assert right / compared >= 0.995, f"{right}/{compared} cells right; wrong: {wrong}"


def test_the_corpus_reader_invents_no_figure_and_finds_every_narrative_part():
    for score in score_corpus(CORPUS):
        assert score.invented == [], score.name  # nothing read beyond what an excerpt shows
        assert score.parts_missing == [], score.name


def test_every_expected_file_is_a_valid_interchange_document():
    for folder in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        data = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        document = parse_document(data)
        assert document.year in range(2021, 2026), folder.name
        assert (folder / "SOURCE.md").read_text(encoding="utf-8").strip()


def test_a_complete_report_gives_all_six_parts_texts_and_fee_figures():
    reading = read_path(SHUYANG / "source.txt")
    assert set(reading.parts) == {"overview", "t2", "t3", "t4", "problems", "other_matters"}
    assert reading.year == 2025
    assert reading.texts["overview"].startswith("2025年，我县坚持")
    assert reading.texts["problems"].startswith("2025 年，我县县政府信息公开工作")
    assert "380元" in reading.texts["other_matters"]
    assert "2026年1月23日" not in reading.texts["other_matters"]  # the signature is not part 六
    assert reading.cells["t6.fee_collected"] == "380"
    assert reading.cells["t6.fee_notices"] is None  # not stated, so not invented


def test_every_figure_carries_its_provenance():
    reading = read_path(SHUYANG / "source.txt")
    for code, value in reading.cells.items():
        if value is not None:
            assert reading.provenance[code]["where"].startswith("第"), code
    assert reading.provenance["t3.new.natural"] == {"printed": "705", "where": "第99行"}


def test_the_2019_layout_of_table_2_is_blank_with_a_note():
    reading = read_path(CORPUS / "xixian-dizhang-2023" / "source.txt")
    assert reading.layout == "2019"
    assert reading.cells["t2.licensing.decisions"] == 0  # 处理决定数量 is the 2021 column
    assert reading.cells["t2.regulation.issued"] is None
    note = next(n for n in reading.notes if n.kind == "layout_2019")
    assert "t2.regulation.issued" in note.cells


def test_traditional_characters_and_pinyin_debris():
    reading = read_path(CORPUS / "zhashui-fenghuang-2021" / "source.txt")
    assert reading.year == 2021
    assert reading.cells["t2.licensing.decisions"] == 0  # 行政許可
    merged = [n for n in reading.notes if n.kind == "row_merged"]
    assert {n.cells[0] for n in merged} == {"t3.new.natural", "t3.carried_in.natural", "t3.disclosed.natural"}


# ── Input kinds: the project's own published HTML and PDF, a Word file ─────────────────


def test_saved_html_tables_are_read_as_tables_with_merged_cells():
    cells = shuyang_cells()
    reading = read_bytes_as(render_html(published(cells)).encode("utf-8"), "html", name="r.html")
    assert wrong_cells(reading, cells) == []
    assert reading.texts == TEXTS
    assert reading.provenance["t3.new.natural"]["where"].startswith("表")


def test_pdf_text_with_layout_is_read():
    cells = shuyang_cells()
    reading = read_bytes_as(render_pdf(published(cells)), "pdf", name="r.pdf")
    assert wrong_cells(reading, cells) == []
    assert reading.texts["overview"] == TEXTS["overview"]
    assert reading.texts["problems"] == TEXTS["problems"]
    assert (
        reading.provenance["t3.new.natural"]["where"].startswith("第1页")
        or "页" in (reading.provenance["t3.new.natural"]["where"])
    )


def test_a_real_saved_page_with_merged_and_blank_cells():
    """The Shanghai portal's 2019 report: rowspans, colspans, &nbsp; blanks, navigation around."""
    folder = FIXTURES / "published-html" / "shanghai-bgt-2019"
    (score,) = score_corpus(folder.parent)
    assert (score.right, score.wrong, score.parts_missing) == (203, [], [])
    reading = read_path(folder / "source.html")
    assert (reading.agency_name, reading.year, reading.layout) == ("上海市人民政府办公厅", 2019, "2019")
    assert reading.cells["t3.disclosed.total"] is None  # printed blank, stays blank
    assert reading.cells["t4.litigation_direct.total"] == 9
    missing = {code for n in reading.notes if n.kind == "row_missing" for code in n.cells}
    assert "t3.other_handling.unpaid_fee.total" in missing  # the 2019 table has no such row
    assert reading.texts["other_matters"] == "无。"


_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _p(text: str) -> str:
    return f'<w:p><w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'


def _tc(text: str, span: int = 1, merge: str | None = None) -> str:
    properties = (f'<w:gridSpan w:val="{span}"/>' if span > 1 else "") + (
        f'<w:vMerge w:val="{merge}"/>' if merge == "restart" else "<w:vMerge/>" if merge else ""
    )
    return f"<w:tc><w:tcPr>{properties}</w:tcPr>{_p(text)}</w:tc>"


def _table(rows: list[str]) -> str:
    return "<w:tbl>" + "".join(f"<w:tr>{row}</w:tr>" for row in rows) + "</w:tbl>"


def _docx_file(body: str, *, doctype: str = "") -> bytes:
    """A minimal Word file, written as Word writes one (no library: the reader must not need one)."""
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName='
            '"/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
            'document.main+xml"/></Types>',
        )
        archive.writestr(
            "word/document.xml",
            f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<w:document {_W}><w:body>{body}</w:body></w:document>',
        )
    return out.getvalue()


def _docx(cells: dict) -> bytes:
    """A Word report laid out like the official one: table 三 with its label columns merged
    (vertical merges for 三、本年度办理结果 and the groups, horizontal spans for the rest)."""
    body = [
        _p("沭阳县人民政府2025年政府信息公开工作年度报告"),
        _p("一、总体情况"),
        _p(TEXTS["overview"].split("\n\n")[0]),
    ]
    body.append(_p("二、主动公开政府信息情况"))
    rows = []
    for label, codes in (
        ("规章", ["t2.regulation.issued", "t2.regulation.repealed", "t2.regulation.in_force"]),
        ("行政规范性文件", ["t2.normative.issued", "t2.normative.repealed", "t2.normative.in_force"]),
    ):
        rows.append(_tc(label) + "".join(_tc(str(cells[c])) for c in codes))
    for label, code in (
        ("行政许可", "t2.licensing.decisions"),
        ("行政处罚", "t2.penalty.decisions"),
        ("行政强制", "t2.coercion.decisions"),
        ("行政事业性收费", "t2.fees.amount"),
    ):
        rows.append(_tc(label) + _tc(str(cells[code]), span=3))  # one figure across three columns
    body.append(_table(rows))
    body.append(_p("三、收到和处理政府信息公开申请情况"))
    section = standard.TABLE_3.sections[0]
    body_rows = section.body_rows()
    grid: list[list] = [[None] * 3 for _ in body_rows]
    for r, body_row in enumerate(body_rows):
        column = 0
        for label in body_row.labels:
            while grid[r][column] is not None:
                column += 1
            for dr in range(label.rowspan):
                grid[r + dr][column] = (label, dr == 0)
            column += label.colspan
    rows = []
    for r, body_row in enumerate(body_rows):
        row, column = "", 0
        while column < 3:
            label, first = grid[r][column]
            merge = ("restart" if first else "continue") if label.rowspan > 1 else None
            row += _tc(label.label if first else "", span=label.colspan, merge=merge)
            column += label.colspan
        rows.append(row + "".join(_tc(str(cells[cell.code])) for cell in body_row.cells))
    body.append(_table(rows))
    body.append(_p("四、政府信息公开行政复议、行政诉讼情况"))
    t4 = "".join(_tc(str(cells[f"t4.{column.code}"])) for column in standard.TABLE_4.sections[0].columns)
    body.append(_table([t4]))
    body += [
        _p("五、存在的主要问题及改进情况"),
        _p(TEXTS["problems"]),
        _p("六、其他需要报告的事项"),
        _p(TEXTS["other_matters"]),
    ]
    return _docx_file("".join(body))


def test_word_files_are_read_with_merged_cells_once():
    cells = shuyang_cells()
    reading = read_bytes_as(_docx(cells), "docx", name="r.docx")
    wrong = [w for w in wrong_cells(reading, cells) if not w[0].startswith("t6.fee_n")]
    assert wrong == []
    assert reading.cells["t6.fee_collected"] == "380"  # stated in part 六
    assert reading.texts["problems"] == TEXTS["problems"]
    assert reading.provenance["t3.withheld.process.total"]["where"].startswith("表2第")


# ── Rows by label: missing, merged, split, repeated ─────────────────────────────────────

ROWS = """三、收到和处理政府信息公开申请情况
一、本年新收政府信息公开申请数量 | 4 | 0 | 0 | 0 | 0 | 0 | 4 |
二、上年结转政府信息公开申请数量 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
三、本年度办理结果 | (一)予以公开 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |
(二)部分公开(区分处理的,只计这一情形,不计其他情形) | 2 | 0 | 0 | 0 | 0 | 0 | 2 |
(五)不予处理 | 1.信访举报投诉类申请 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
2.重复申请 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |
3.要求提供公开出版物 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
四、政府信息公开行政复议、行政诉讼情况
"""


def test_a_missing_row_is_reported_and_the_next_row_is_not_shifted():
    reading = text(ROWS.replace("2.重复申请 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |\n", ""))
    assert reading.cells["t3.not_processed.duplicate.natural"] is None
    assert reading.cells["t3.not_processed.publication.natural"] == 0  # read by its label, in place
    assert reading.cells["t3.partial.total"] == 2
    missing = [n for n in reading.notes if n.kind == "row_missing" and "t3.not_processed.duplicate.total" in n.cells]
    assert missing and "重复申请" in missing[0].message


def test_a_row_whose_figure_spans_the_columns_is_merged_and_blank():
    reading = text(ROWS.replace("2.重复申请 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |", "2.重复申请 | 1 | ||||||||"))
    assert all(reading.cells[f"t3.not_processed.duplicate.{c}"] is None for c in standard.T3_PART_COLUMNS)
    assert any(n.kind == "row_merged" and "t3.not_processed.duplicate.natural" in n.cells for n in reading.notes)
    assert reading.cells["t3.not_processed.publication.total"] == 0


def test_a_merged_html_cell_is_never_spread_over_columns():
    html = (
        "<p>三、收到和处理政府信息公开申请情况</p><table>"
        "<tr><td>一、本年新收政府信息公开申请数量</td><td colspan='7'>5</td></tr>"
        "<tr><td>二、上年结转政府信息公开申请数量</td>" + "<td>0</td>" * 7 + "</tr></table>"
    )
    reading = read_bytes_as(html.encode(), "html", name="m.html")
    assert reading.cells["t3.new.natural"] is None and reading.cells["t3.new.total"] is None
    assert reading.cells["t3.carried_in.total"] == 0
    assert any(n.kind == "row_merged" for n in reading.notes)


def test_a_row_split_with_extra_figures_is_blank_and_reported():
    reading = text(
        ROWS.replace("2.重复申请 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |", "2.重复申请 | 1 | 0 | 0 | 0 | 0 | 0 | 1 | 3 |")
    )
    assert reading.cells["t3.not_processed.duplicate.total"] is None
    assert any(n.kind == "row_extra" for n in reading.notes)


def test_a_row_printed_twice_with_different_figures_is_blank_and_reported():
    again = "3.要求提供公开出版物 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n"
    reading = text(ROWS.replace(again, again + "2.重复申请 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |\n"))
    assert reading.cells["t3.not_processed.duplicate.natural"] is None
    assert any(n.kind == "row_repeated" for n in reading.notes)


def test_run_together_digits_are_listed_as_ambiguities_never_guessed():
    body = ROWS.replace(
        "一、本年新收政府信息公开申请数量 | 4 | 0 | 0 | 0 | 0 | 0 | 4 |",
        "一、本年新收政府信息公开申请数量 | 8143 | 0 | 0 | 0 | 0 | 151 |",
    )
    reading = text(body)
    assert all(reading.cells[f"t3.new.{c}"] is None for c in ("natural", "business", "total"))
    (ambiguity,) = reading.ambiguities
    assert ambiguity.cells[0] == "t3.new.natural"
    assert ("8", "143", "0", "0", "0", "0", "151") in ambiguity.candidates
    assert ("81", "43", "0", "0", "0", "0", "151") in ambiguity.candidates
    assert all(len(candidate) == 7 for candidate in ambiguity.candidates)
    # The reading's JSON lists it with its candidates; the cells stay blank there too.
    data = interchange(reading, name="t")
    assert data["reading"]["ambiguities"][0]["candidates"][0][0].isdigit()
    assert data["cells"]["t3.new.natural"] is None


@pytest.mark.parametrize(
    "body",
    [
        "规章 | 0 | 0 | 6 |\n行政规范性文件 | 1 | 2 | 3 |",  # | rows
        "规章\n\n0\n\n0\n\n6\n\n行政规范性文件\n\n1\n\n2\n\n3",  # one cell per line, blank lines
        "规章\n|\n0\n|\n0\n|\n6\n|\n行政规范性文件\n|\n1\n|\n2\n|\n3\n|",  # cells, then a line |
        "|\n规章 |\n0 |\n0 |\n6 |\n|\n行政规范性文件 |\n1 |\n2 |\n3 |\n|\n行政许可 |\n0 | ||",  # cells ending |
        "\t规章\n\t0\n\t0\n\t6\n\n\t行政规范性文件\n\t1\n\t2\n\t3",  # tab-indented cells
        "| 规章 | 0 | 0 | 6 |\n|---|---|---|---|\n| 行政规范性文件 | 1 | 2 | 3 |",  # Markdown
        "规章 0 0 6\n行政规范性文件 1 2 3",  # copied from a PDF viewer: single spaces
    ],
)
def test_every_flattening_of_a_table_reads_the_same(body):
    reading = text(f"二、主动公开政府信息情况\n{body}\n三、收到和处理政府信息公开申请情况\n")
    assert [reading.cells[f"t2.regulation.{c}"] for c in ("issued", "repealed", "in_force")] == [0, 0, 6]
    assert [reading.cells[f"t2.normative.{c}"] for c in ("issued", "repealed", "in_force")] == [1, 2, 3]


def test_amounts_are_kept_as_printed():
    reading = text("二、主动公开政府信息情况\n行政事业性收费 | 1000.00 |\n三、收到\n")
    assert reading.cells["t2.fees.amount"] == "1000.00"


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("本年度发出收费通知2件，收费通知总金额为150元，实际收取的总金额为100元。", (2, "150", "100")),
        ("全年共收取信息处理费0元。", (None, None, "0")),
        ("本年度未收取信息处理费。", (None, None, None)),  # no figure printed: none invented
    ],
)
def test_fee_figures_of_part_6(sentence, expected):
    reading = text(f"六、其他需要报告的事项\n{sentence}\n")
    assert (
        reading.cells["t6.fee_notices"],
        reading.cells["t6.fee_notice_amount"],
        reading.cells["t6.fee_collected"],
    ) == (expected)


def test_a_fee_table_in_part_6_is_read_by_its_labels():
    reading = text(
        "六、其他需要报告的事项\n发出收费通知的件数 | 0 |\n"
        "发出收费通知的总金额（元） | 0 |\n实际收取的总金额（元） | 0.00 |\n"
    )
    assert (
        reading.cells["t6.fee_notices"],
        reading.cells["t6.fee_notice_amount"],
        reading.cells["t6.fee_collected"],
    ) == (
        0,
        "0",
        "0.00",
    )


def test_chinese_numerals_in_a_table_cell():
    reading = text("二、主动公开政府信息情况\n行政许可 | 十二 |\n行政处罚 | 零 |\n三、收到\n")
    assert (reading.cells["t2.licensing.decisions"], reading.cells["t2.penalty.decisions"]) == (12, 0)


def test_a_blank_cell_stays_blank_and_a_dash_is_noted():
    reading = text("二、主动公开政府信息情况\n规章 | 0 | 0 | |\n行政规范性文件 | 1 | — | 3 |\n三、收到\n")
    assert reading.cells["t2.regulation.in_force"] is None
    assert reading.cells["t2.regulation.repealed"] == 0
    assert reading.cells["t2.normative.repealed"] is None
    assert any(n.kind == "cell_dash" for n in reading.notes)


def test_headings_in_their_real_variants():
    reading = text(
        "## 一、总体情况概述\n甲。\n主动公开政府信息情况\n3、 收到和处理政府信息公开申请情况\n"
        "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况\n"
        "五、政府信息公开工作存在的主要问题及改进情况\n乙乙乙。\n六、其他需要报告事项\n无\n"
    )
    assert list(reading.parts) == ["overview", "t2", "t3", "t4", "problems", "other_matters"]
    assert reading.texts == {"overview": "甲。", "problems": "乙乙乙。", "other_matters": "无"}


# ── Limits and hostile input ────────────────────────────────────────────────────────────


def test_limits_are_checked_before_reading(tmp_path):
    huge = tmp_path / "huge.txt"
    huge.write_bytes(b"0" * (MAX_BYTES + 1))
    with pytest.raises(ExtractError, match="过大"):
        read_path(huge)
    with pytest.raises(ExtractError, match="过长"):
        read_bytes_as(("一" * (MAX_CHARS + 1)).encode(), "text", name="long.txt")
    other = tmp_path / "report.exe"
    other.write_bytes(b"MZ")
    with pytest.raises(ExtractError, match="不支持"):
        read_path(other)
    with pytest.raises(ExtractError, match="不是 PDF"):
        read_bytes_as(b"<html>", "pdf", name="fake.pdf")
    with pytest.raises(ExtractError, match="Word"):
        read_bytes_as(b"PK\x03\x04 broken", "docx", name="broken.docx")
    laughs = '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    bomb = _docx_file(_p("一、总体情况&b;"), doctype=laughs)
    with pytest.raises(ExtractError, match="不安全"):
        read_bytes_as(bomb, "docx", name="bomb.docx")
    with pytest.raises(ExtractError, match="不存在"):
        read_path(tmp_path / "missing.pdf")


def test_adversarial_text_is_read_in_bounded_work():
    """Long digit runs, thousands of pipes and labels: read without blow-up, nothing guessed."""
    body = (
        "三、收到和处理政府信息公开申请情况\n"
        + "一、本年新收政府信息公开申请数量 | "
        + "9" * 5000
        + " |\n"
        + "|" * 50_000
        + "\n"
        + "二、上年结转政府信息公开申请数量\n" * 2000
        + "(((((" * 10_000
        + "\n"
    )
    reading = text(body)
    assert reading.cells["t3.new.natural"] is None
    assert all(len(a.candidates) <= 12 for a in reading.ambiguities)
