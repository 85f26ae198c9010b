"""The Excel template: built like the official tables, read back exactly, hostile files refused."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import openpyxl
import openpyxl.xml
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reports import interchange, spreadsheet, standard, values
from reports.interchange import ReportDocument
from reports.spreadsheet import (
    MAX_UPLOAD_BYTES,
    NOT_TEMPLATE,
    NOT_XLSX,
    SpreadsheetError,
    build_workbook,
    cell_address,
    read_workbook,
)
from reports.tests import hostile_files

_HERE = Path(__file__).resolve().parent
SAMPLES_DIR = next(
    (
        path
        for path in (_HERE.parent / "fixtures" / "samples", _HERE.parents[2] / "shared" / "samples")
        if path.is_dir()
    ),
    _HERE.parent / "fixtures" / "samples",
)
SAMPLES = sorted(SAMPLES_DIR.glob("*.json"))

COUNT = "t3.new.natural"
TOTAL = "t3.new.total"
AMOUNT_WAN = "t2.fees.amount"  # 4 places
AMOUNT_YUAN = "t6.fee_collected"  # 2 places


@pytest.fixture(scope="module")
def document() -> ReportDocument:
    return interchange.load_json_file(SAMPLES_DIR / "2024-jiulongpo-minzheng.json")


@pytest.fixture(scope="module")
def template(document) -> bytes:
    return build_workbook(document)


def edit(data: bytes, changes: dict[str, object]) -> bytes:
    """Open the template in openpyxl like a clerk would open it in Excel, type, save."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for address, value in changes.items():
        sheet, coordinate = address.split("!")
        wb[sheet][coordinate] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def edit_code(data: bytes, **by_code: object) -> bytes:
    return edit(data, {cell_address(code.replace("__", ".")): value for code, value in by_code.items()})


def refused(data: bytes, **kwargs) -> SpreadsheetError:
    with pytest.raises(SpreadsheetError) as info:
        read_workbook(io.BytesIO(data), **kwargs)
    message = str(info.value)
    assert message and "\n" not in message and "Traceback" not in message
    return info.value


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


# ── Round trip ──────────────────────────────────────────────────────────────────────────


def test_the_samples_are_there():
    assert len(SAMPLES) == 3


@pytest.mark.parametrize("path", SAMPLES, ids=lambda path: path.stem)
def test_a_built_template_reads_back_the_same_cells_and_texts(path):
    document = interchange.load_json_file(path)

    result = read_workbook(io.BytesIO(build_workbook(document)))

    assert result.cells == interchange.cells_to_json(document.cells)
    assert result.texts == document.texts
    assert (result.year, result.agency_name, result.district_name) == (
        document.year,
        document.agency_name,
        document.district_name,
    )


def test_a_blank_template_reads_back_blank():
    blank = ReportDocument(year=2025, agency_name="某某区某某局")

    result = read_workbook(io.BytesIO(build_workbook(blank)))

    assert result.cells == standard.empty_cells()
    assert result.texts == standard.empty_texts()
    assert (result.year, result.agency_name) == (2025, "某某区某某局")


def test_the_agency_name_given_replaces_the_documents_in_title_and_meta(document):
    data = build_workbook(document, agency_name="重庆市九龙坡区民政局（试填）")

    assert load(data)["表三"]["A1"].value == "重庆市九龙坡区民政局（试填）2024年政府信息公开工作年度报告"
    assert read_workbook(io.BytesIO(data)).agency_name == "重庆市九龙坡区民政局（试填）"


def test_figures_typed_by_a_clerk_land_in_their_cells(template):
    filled = edit_code(
        template,
        t3__new__natural=7,
        t3__new__total=8,
        t2__fees__amount=12.3456,
        t6__fee_notice_amount=100,
        t6__fee_collected=99.5,
        t4__reconsideration__pending=None,
    )
    filled = edit(filled, {cell_address("text:problems"): "一是问题。\r\n\r\n二是改进。"})

    result = read_workbook(io.BytesIO(filled))

    assert result.cells["t3.new.natural"] == 7
    assert result.cells["t3.new.total"] == 8
    assert result.cells["t2.fees.amount"] == "12.3456"
    assert result.cells["t6.fee_notice_amount"] == "100"
    assert result.cells["t6.fee_collected"] == "99.5"
    assert result.cells["t4.reconsideration.pending"] is None
    assert result.texts["problems"] == "一是问题。\n\n二是改进。"


def test_numbers_typed_as_text_are_read_like_form_input(template):
    result = read_workbook(io.BytesIO(edit_code(template, t3__new__natural=" 1,234 ", t6__fee_collected="１２.５")))

    assert result.cells["t3.new.natural"] == 1234
    assert result.cells["t6.fee_collected"] == "12.5"


def test_a_leading_zero_typed_as_text_refuses_the_upload_like_the_form(template):
    data = edit_code(template, t3__new__natural="00")

    with pytest.raises(SpreadsheetError, match="不能以 0 开头"):
        read_workbook(io.BytesIO(data))
    assert read_workbook(io.BytesIO(data), strict=False).cells["t3.new.natural"] == "00"


def test_float_artefacts_within_a_billionth_are_rounded_to_the_allowed_places(template):
    result = read_workbook(io.BytesIO(edit_code(template, t6__fee_collected=0.1 + 0.2, t3__new__natural=3.0000000001)))

    assert result.cells["t6.fee_collected"] == "0.3"
    assert result.cells["t3.new.natural"] == 3


def test_a_path_a_file_and_an_upload_are_all_read(template, tmp_path):
    path = tmp_path / "报告.xlsx"
    path.write_bytes(template)
    upload = SimpleUploadedFile("报告.xlsx", template, content_type="application/octet-stream")
    upload.read(10)  # a form may have peeked at it already

    for source in (path, str(path), path.open("rb"), upload):
        assert read_workbook(source).cells["t2.licensing.decisions"] == 102


def test_text_that_looks_like_a_formula_stays_text():
    document = ReportDocument(
        year=2024,
        agency_name='=HYPERLINK("http://x")',
        texts={"overview": "=1+1", "problems": "", "other_matters": "无"},
    )

    data = build_workbook(document)

    sheet = load(data)["文字"]
    assert sheet["A1"].data_type == "s"
    assert sheet[cell_address("text:overview").split("!")[1]].data_type == "s"
    result = read_workbook(io.BytesIO(data))
    assert result.texts["overview"] == "=1+1"
    assert result.agency_name == '=HYPERLINK("http://x")'


def test_a_stored_invalid_value_is_written_as_text_for_the_clerk_to_see():
    document = ReportDocument(year=2024, agency_name="某局")
    document.cells[COUNT] = "约 5 件"

    data = build_workbook(document)

    sheet, coordinate = cell_address(COUNT).split("!")
    assert load(data)[sheet][coordinate].value == "约 5 件"
    assert refused(data).problems[0].code == COUNT
    assert read_workbook(io.BytesIO(data), strict=False).cells[COUNT] == "约 5 件"


# ── The layout ──────────────────────────────────────────────────────────────────────────


def test_there_is_one_sheet_per_table_a_text_sheet_and_a_very_hidden_meta_sheet(template):
    wb = load(template)

    assert wb.sheetnames == ["表二", "表三", "表四", "表六", "文字", "_meta"]
    assert [wb[name].sheet_state for name in wb.sheetnames] == ["visible"] * 5 + ["veryHidden"]
    assert wb.security.lockStructure


def test_every_sheet_carries_the_title_with_agency_and_year(template):
    wb = load(template)

    for name in ("表二", "表三", "表四", "表六", "文字"):
        assert wb[name]["A1"].value == "重庆市九龙坡区民政局2024年政府信息公开工作年度报告"


def test_the_merged_cells_are_the_spans_of_the_standard(template):
    wb = load(template)
    for table in standard.STANDARD.tables:
        ws = wb[spreadsheet.sheet_name(table)]
        merged = {
            (ws.cell(r.min_row, r.min_col).value, r.max_row - r.min_row + 1, r.max_col - r.min_col + 1)
            for r in ws.merged_cells.ranges
        }
        for section in table.sections:
            # A section narrower than the table stretches its last column (表二's single-column sections).
            stretch = (
                max(s.row_depth + len(s.columns) for s in table.sections) - section.row_depth - len(section.columns)
            )
            spans = [cell for level in section.header_rows() for cell in level]
            spans += [label for row in section.body_rows() for label in row.labels]
            for cell in spans:
                if cell.rowspan > 1 or cell.colspan > 1:
                    assert (cell.label, cell.rowspan, cell.colspan) in merged or (
                        cell.label,
                        cell.rowspan,
                        cell.colspan + stretch,
                    ) in merged, (table.code, cell)


def test_table_three_has_the_official_shape(template):
    ws = load(template)["表三"]
    merged = {str(r): ws[str(r).split(":")[0]].value for r in ws.merged_cells.ranges}

    assert merged["A3:C5"] == standard.T3_NOTE  # the 勾稽关系 note over the row labels
    assert merged["D3:J3"] == "申请人情况"
    assert merged["E4:I4"] == "法人或其他组织"
    assert merged["A8:A29"] == "三、本年度办理结果"  # 21 handling rows and the total
    assert merged["B10:B17"] == "（三）不予公开"
    assert ws["J30"].value == 0  # 四、结转下年度继续办理·总计


def test_input_cells_are_unlocked_labels_locked_and_sheets_protected(template):
    wb = load(template)
    for name in ("表二", "表三", "表四", "表六", "文字"):
        assert wb[name].protection.sheet, name
    ws = wb["表三"]
    _, coordinate = cell_address(COUNT).split("!")
    assert ws[coordinate].protection.locked is False
    assert ws["A6"].protection.locked is True
    assert wb["文字"][cell_address("text:overview").split("!")[1]].protection.locked is False


def test_input_cells_validate_whole_counts_and_decimal_amounts(template):
    wb = load(template)
    by_cell: dict[str, object] = {}
    for table in standard.STANDARD.tables:
        ws = wb[spreadsheet.sheet_name(table)]
        for dv in ws.data_validations.dataValidation:
            for cell_range in dv.sqref.ranges:
                for row in ws.iter_rows(
                    min_row=cell_range.min_row,
                    max_row=cell_range.max_row,
                    min_col=cell_range.min_col,
                    max_col=cell_range.max_col,
                ):
                    for cell in row:
                        by_cell[f"{ws.title}!{cell.coordinate}"] = dv

    for cell in standard.CELLS:
        dv = by_cell[cell_address(cell.code)]
        assert dv.type == ("decimal" if cell.kind.is_amount else "whole"), cell.code
        assert (dv.formula1, dv.formula2) == ("0", "999999999")
        assert dv.showErrorMessage and dv.error


def test_cells_are_numbers_with_the_places_of_their_kind():
    document = ReportDocument(year=2024, agency_name="某局")
    document.cells.update({COUNT: 5, AMOUNT_WAN: "12.5", AMOUNT_YUAN: "3"})

    wb = load(build_workbook(document))

    def cell(code):
        sheet, coordinate = cell_address(code).split("!")
        return wb[sheet][coordinate]

    assert (cell(COUNT).value, cell(COUNT).number_format) == (5, "0")
    assert (cell(AMOUNT_WAN).value, cell(AMOUNT_WAN).number_format) == (12.5, "0.0000")
    assert (cell(AMOUNT_YUAN).value, cell(AMOUNT_YUAN).number_format) == (3, "0.00")
    assert cell(TOTAL).value is None  # blank stays blank


def test_labels_use_a_chinese_font_wrap_and_have_widths(template):
    ws = load(template)["表三"]

    assert ws["C26"].font.name == "宋体"
    assert ws["C26"].alignment.wrap_text
    assert ws.column_dimensions["C"].width > ws.column_dimensions["D"].width > 0


def test_the_meta_sheet_names_template_format_agency_year_and_every_cell(template):
    ws = load(template)["_meta"]
    rows = {row[0]: row[1] for row in ws.iter_rows(values_only=True) if row[0]}

    assert rows["marker"] == spreadsheet.TEMPLATE_MARKER
    assert rows["format"] == standard.FORMAT_ID
    assert rows["agency"] == "重庆市九龙坡区民政局"
    assert rows["year"] == 2024
    for code in standard.CELL_CODES:
        assert rows[cell_address(code)] == code


# ── Values: strict refuses the whole file, lenient keeps what it found ───────────────────


BAD_VALUES = [
    pytest.param({COUNT: "五"}, COUNT, "五", values.COUNT_REASON, id="text in a count"),
    pytest.param({COUNT: -3}, COUNT, -3, values.NEGATIVE_REASON, id="negative"),
    pytest.param({COUNT: 1.5}, COUNT, "1.5", values.COUNT_REASON, id="decimal in a count"),
    pytest.param({AMOUNT_YUAN: 1.234}, AMOUNT_YUAN, "1.234", "最多 2 位小数", id="too many places"),
    pytest.param({AMOUNT_WAN: 1.00001}, AMOUNT_WAN, "1.00001", "最多 4 位小数", id="too many places, 4"),
    pytest.param({COUNT: 10**10}, COUNT, 10**10, values.RANGE_REASON, id="out of range"),
    pytest.param({COUNT: True}, COUNT, "TRUE", "逻辑值", id="boolean"),
    pytest.param({COUNT: datetime.datetime(2024, 3, 1)}, COUNT, "2024-03-01T00:00:00", "日期", id="date"),
    pytest.param({COUNT: "#DIV/0!"}, COUNT, "#DIV/0!", "错误值", id="error value"),
    pytest.param({COUNT: "=1+1"}, COUNT, "=1+1", "是公式且没有计算结果，请粘贴为数值", id="formula without a value"),
]


@pytest.mark.parametrize(("changes", "code", "raw", "reason"), BAD_VALUES)
def test_strict_reading_refuses_the_file_for_one_bad_cell(template, changes, code, raw, reason):
    error = refused(edit(template, {cell_address(c): v for c, v in changes.items()}))

    [problem] = error.problems
    assert (problem.address, problem.code) == (cell_address(code), code)
    assert reason in problem.message
    assert cell_address(code) in str(error) and reason in str(error)


@pytest.mark.parametrize(("changes", "code", "raw", "reason"), BAD_VALUES)
def test_lenient_reading_keeps_the_bad_value_for_the_rules(template, changes, code, raw, reason):
    result = read_workbook(io.BytesIO(edit(template, {cell_address(c): v for c, v in changes.items()})), strict=False)

    assert result.cells[code] == raw
    with pytest.raises(values.CellValueError):
        values.parse_cell(code, result.cells[code])
    assert result.cells["t2.licensing.decisions"] == 102  # the rest is read as usual


def test_the_formula_message_names_its_address(template):
    error = refused(edit_code(template, t3__new__natural="=1+1"))

    assert str(error.problems[0]) == f"{cell_address(COUNT)} 是公式且没有计算结果，请粘贴为数值"


def test_a_formula_with_the_value_excel_saved_is_read_as_that_value(template):
    with_formula = edit_code(template, t3__new__total="=SUM(D6:I6)")
    sheet = cell_address(TOTAL).split("!")[0]
    saved_by_excel = hostile_files.formula_with_cached_value(with_formula, sheet, "SUM(D6:I6)", "42")

    assert read_workbook(io.BytesIO(saved_by_excel)).cells[TOTAL] == 42


def test_every_bad_cell_is_listed_but_the_message_is_one_line(template):
    error = refused(edit_code(template, t3__new__natural=-1, t3__new__total="多", t6__fee_collected=0.001))

    assert [problem.code for problem in error.problems] == ["t3.new.natural", "t3.new.total", "t6.fee_collected"]
    assert "3 个单元格" in str(error) and "整个文件未导入" in str(error)


# ── Not the template ────────────────────────────────────────────────────────────────────


def test_a_plain_workbook_is_not_the_template():
    wb = openpyxl.Workbook()
    wb.active["A1"] = "自然人"
    out = io.BytesIO()
    wb.save(out)

    assert NOT_TEMPLATE in str(refused(out.getvalue()))


@pytest.mark.parametrize(
    ("row", "value"),
    [
        pytest.param(1, "someone-else:template", id="marker"),
        pytest.param(2, "gov-info-annual-report/2030", id="format id"),
        pytest.param(4, None, id="agency"),
        pytest.param(6, "二〇二四", id="year"),
        pytest.param(10, "表三!Z99", id="cell mapping"),
    ],
)
def test_a_tampered_meta_sheet_is_not_the_template(template, row, value):
    assert NOT_TEMPLATE in str(refused(edit(template, {f"_meta!B{row}": value})))


def test_a_renamed_sheet_is_not_the_template(template):
    wb = load(template)
    wb["表三"].title = "Sheet3"
    out = io.BytesIO()
    wb.save(out)

    assert NOT_TEMPLATE in str(refused(out.getvalue()))


def test_an_inserted_row_is_refused_instead_of_shifting_figures(template):
    wb = load(template)
    wb["表三"].insert_rows(7)
    out = io.BytesIO()
    wb.save(out)

    error = refused(out.getvalue())

    assert "表格结构被改动过" in str(error)
    assert error.problems[0].address == "表三!A7"


def test_content_far_outside_the_template_is_refused(template):
    assert "超出了模板范围" in str(refused(edit(template, {"表二!A5000": "备注"})))


# ── Hostile and broken files ────────────────────────────────────────────────────────────


def test_openpyxl_parses_through_defusedxml():
    assert openpyxl.xml.DEFUSEDXML is True
    assert openpyxl.xml.functions.iterparse.__module__.startswith("defusedxml")


def test_a_zip_bomb_is_refused_from_the_zip_directory(template):
    bomb = hostile_files.zip_bomb(template)
    assert len(bomb) < MAX_UPLOAD_BYTES

    assert "解压后过大" in str(refused(bomb))


def test_an_entry_with_an_absurd_compression_ratio_is_refused(template):
    # Within a worksheet's size limit (2 MB unpacked), but 1 MB of zeros packs 1000:1.
    bomb = hostile_files.zip_bomb(template, size=1024 * 1024, name="xl/worksheets/sheet9.xml")

    assert "压缩比异常" in str(refused(bomb))


def test_shared_strings_that_unpack_to_megabytes_are_refused_before_parsing(template, monkeypatch):
    # Issue 11: 223 KB of shared strings unpacking to 19.7 MB passed every limit and cost
    # 31–40 s of CPU. Refused by the size of the part, from the zip directory: parsing it
    # would fail this test.
    bomb = hostile_files.shared_strings_bomb(template, size=4 * 1024 * 1024)
    assert len(bomb) < MAX_UPLOAD_BYTES
    monkeypatch.setattr(spreadsheet.openpyxl, "load_workbook", _never_parsed)

    assert "xl/sharedStrings.xml 解压后过大" in str(refused(bomb))


def test_shared_strings_within_the_size_but_with_too_many_pieces_are_refused_before_parsing(template, monkeypatch):
    bomb = hostile_files.shared_strings_bomb(template, size=1024 * 1024)
    monkeypatch.setattr(spreadsheet.openpyxl, "load_workbook", _never_parsed)

    assert "xl/sharedStrings.xml 的内容过多" in str(refused(bomb))


def test_a_sheet_with_too_many_cells_is_refused_before_parsing(template, monkeypatch):
    bomb = hostile_files.many_cells(template, "xl/worksheets/sheet1.xml", count=40_000)
    monkeypatch.setattr(spreadsheet.openpyxl, "load_workbook", _never_parsed)

    assert "sheet1.xml 的内容过多" in str(refused(bomb))


def _never_parsed(*args, **kwargs):
    raise AssertionError("a hostile part reached the XML parser")


def test_a_zip_with_too_many_entries_is_refused(template):
    assert "文件过多" in str(refused(hostile_files.many_entries(template)))


@pytest.mark.parametrize("sheet", ["表三", "_meta"])
def test_a_billion_laughs_worksheet_is_refused(template, sheet):
    assert str(refused(hostile_files.billion_laughs(template, sheet))) == spreadsheet.UNSAFE_XML


def test_a_billion_laughs_workbook_part_is_refused(template):
    assert str(refused(hostile_files.billion_laughs_in_workbook_part(template))) == spreadsheet.UNSAFE_XML


def test_a_dtd_in_a_utf16_part_is_refused_before_any_parser(template):
    # Refused by the package check itself, not left to the XML parser: with lxml installed
    # (python-docx needs it) openpyxl reads the workbook part with lxml, which skips entities.
    xml = hostile_files.read_entry(template, "xl/workbook.xml").decode()
    body = xml.split("?>", 1)[1] if xml.startswith("<?xml") else xml
    utf16 = ('<?xml version="1.0" encoding="UTF-16"?>' + hostile_files.BILLION_LAUGHS_DTD + body).encode("utf-16")
    hostile = hostile_files.rewrite_zip(template, replace={"xl/workbook.xml": utf16})

    assert str(refused(hostile)) == spreadsheet.UNSAFE_XML
    assert spreadsheet._declares_a_dtd(utf16)
    assert not spreadsheet._declares_a_dtd(hostile_files.read_entry(template, "xl/workbook.xml"))


def test_an_external_entity_is_refused(template):
    assert str(refused(hostile_files.external_entity(template, "表三"))) == spreadsheet.UNSAFE_XML


def test_an_oversized_file_is_refused_before_it_is_read(template, tmp_path):
    big = hostile_files.oversized(template, MAX_UPLOAD_BYTES + 1024)
    path = tmp_path / "big.xlsx"
    path.write_bytes(big)

    assert "文件太大" in str(refused(big))
    with pytest.raises(SpreadsheetError, match="文件太大"):
        read_workbook(path)
    with pytest.raises(SpreadsheetError, match="文件太大"):
        read_workbook(SimpleUploadedFile("big.xlsx", big))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b"", NOT_XLSX, id="empty"),
        pytest.param("年度报告".encode(), NOT_XLSX, id="text"),
        pytest.param(b"PK\x03\x04" + bytes(100), NOT_XLSX, id="broken zip"),
        pytest.param(hostile_files.old_xls(), ".xls", id="old xls or password"),
    ],
)
def test_a_file_that_is_not_an_xlsx_is_refused(data, expected):
    assert expected in str(refused(data))


def test_a_zip_that_is_not_a_workbook_is_refused(template):
    broken = hostile_files.rewrite_zip(template, drop=("xl/workbook.xml",))

    assert str(refused(broken)) == spreadsheet.UNREADABLE


def test_macros_are_refused(template):
    assert "宏" in str(refused(hostile_files.with_macros(template)))


def test_external_links_are_refused(template):
    assert "外部链接" in str(refused(hostile_files.with_external_link(template)))


def test_an_encrypted_zip_is_refused(template):
    assert "加密" in str(refused(hostile_files.encrypted_entry(template)))


def test_hostile_files_are_refused_in_lenient_mode_too(template):
    for data in (
        hostile_files.zip_bomb(template),
        hostile_files.billion_laughs(template, "表三"),
        hostile_files.with_macros(template),
    ):
        refused(data, strict=False)
