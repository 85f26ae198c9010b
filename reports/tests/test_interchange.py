"""Reading and writing the JSON interchange format (no database)."""

import datetime
import json
import sys
import types
from decimal import Decimal
from pathlib import Path

import pytest

from reports import interchange, rules, standard
from reports.interchange import (
    InterchangeError,
    ReportDocument,
    document_to_json,
    dumps,
    load_file,
    load_json_file,
    parse_document,
)

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"
SAMPLE_FILES = sorted(SAMPLES.glob("*.json"))
JIULONGPO = SAMPLES / "2024-jiulongpo-minzheng.json"


def sample_obj(path=JIULONGPO) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def refused(obj) -> str:
    with pytest.raises(InterchangeError) as info:
        parse_document(obj)
    message = str(info.value)
    assert "\n" not in message
    return message


# ── The samples ─────────────────────────────────────────────────────────────────────────


def test_the_three_samples_are_there():
    assert [path.name for path in SAMPLE_FILES] == [
        "2024-dasheng-town.json",
        "2024-jiulongpo-minzheng.json",
        "2024-nanmofang-area.json",
    ]


def test_a_sample_reads_into_a_document():
    document = load_json_file(JIULONGPO)

    assert document.year == 2024
    assert document.agency_name == "重庆市九龙坡区民政局"
    assert document.district_name == "重庆市九龙坡区"
    assert document.signature_organ == "重庆市九龙坡区民政局"
    assert document.signature_date == datetime.date(2025, 1, 17)
    assert list(document.cells) == list(standard.CELL_CODES)
    assert document.cells["t2.licensing.decisions"] == 102
    assert document.cells["t2.fees.amount"] == "0"
    assert document.cells["t3.partial.total"] is None
    assert document.texts["other_matters"] == "无"


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.stem)
def test_writing_a_sample_gives_back_the_file_byte_for_byte(path):
    assert dumps(load_json_file(path)) + "\n" == path.read_text(encoding="utf-8")


def test_a_sample_without_signature_has_none():
    document = load_json_file(SAMPLES / "2024-dasheng-town.json")

    assert document.signature_organ == ""
    assert document.signature_date is None
    assert "signature" not in document_to_json(document)


def test_the_document_data_is_what_the_rules_read():
    document = load_json_file(JIULONGPO)

    data = document.data

    assert isinstance(data, rules.ReportData)
    assert data.cells["t2.licensing.decisions"] == 102
    assert data.texts["other_matters"] == "无"
    assert "CELL-REQUIRED" in {v.rule for v in document.check()}


# ── Structure that is refused ───────────────────────────────────────────────────────────


def test_not_an_object_is_refused():
    assert "JSON 对象" in refused([1, 2])


@pytest.mark.parametrize("value", ["gov-info-annual-report/2019", "", None, 2021])
def test_another_format_is_refused(value):
    obj = sample_obj()
    obj["format"] = value

    message = refused(obj)

    assert message.startswith("不支持的格式：")
    assert message.endswith("应为 gov-info-annual-report/2021")


def test_a_missing_format_is_refused():
    obj = sample_obj()
    del obj["format"]

    assert "gov-info-annual-report/2021" in refused(obj)


@pytest.mark.parametrize("value", ["2024", 2024.0, True, None, 1999, 2101, -2024])
def test_a_year_that_is_not_a_sane_integer_is_refused(value):
    obj = sample_obj()
    obj["year"] = value

    assert "year" in refused(obj)


def test_a_missing_year_is_refused():
    obj = sample_obj()
    del obj["year"]

    assert "year" in refused(obj)


@pytest.mark.parametrize("agency", [None, "重庆市九龙坡区民政局", {}, {"name": ""}, {"name": "  "}, {"name": 3}])
def test_an_agency_without_a_name_is_refused(agency):
    obj = sample_obj()
    obj["agency"] = agency

    assert "agency" in refused(obj)


def test_the_district_is_optional():
    obj = sample_obj()
    del obj["agency"]["district"]

    assert parse_document(obj).district_name == ""


def test_a_district_that_is_not_text_is_refused():
    obj = sample_obj()
    obj["agency"]["district"] = ["重庆市九龙坡区"]

    assert "agency.district" in refused(obj)


def test_an_unknown_text_part_is_refused_by_name():
    obj = sample_obj()
    obj["texts"]["summary"] = "……"

    message = refused(obj)

    assert "未知的文字部分" in message
    assert "summary" in message


def test_a_text_that_is_not_a_string_is_refused():
    obj = sample_obj()
    obj["texts"]["problems"] = ["一是……"]

    assert "texts.problems" in refused(obj)


def test_a_null_or_missing_text_is_empty():
    obj = sample_obj()
    obj["texts"]["problems"] = None
    del obj["texts"]["other_matters"]

    document = parse_document(obj)

    assert document.texts == {"overview": obj["texts"]["overview"], "problems": "", "other_matters": ""}


@pytest.mark.parametrize("key", ["texts", "cells"])
def test_missing_texts_or_cells_are_refused(key):
    obj = sample_obj()
    del obj[key]

    assert key in refused(obj)


@pytest.mark.parametrize("key", ["texts", "cells"])
def test_texts_or_cells_that_are_not_objects_are_refused(key):
    obj = sample_obj()
    obj[key] = []

    assert key in refused(obj)


def test_an_unknown_cell_code_is_refused_by_name():
    obj = sample_obj()
    obj["cells"]["t3.new.persons"] = 1

    message = refused(obj)

    assert "未知的单元格代码" in message
    assert "t3.new.persons" in message


def test_many_unknown_cell_codes_are_counted_not_all_listed():
    obj = sample_obj()
    for number in range(8):
        obj["cells"][f"t9.row{number}"] = 0

    message = refused(obj)

    assert "t9.row0" in message
    assert "t9.row7" not in message
    assert "等 8 个" in message


@pytest.mark.parametrize("date", ["2025/01/17", "17 January 2025", "2025-02-30", "2025-1-7", 20250117])
def test_a_signature_date_that_is_not_a_date_is_refused(date):
    obj = sample_obj()
    obj["signature"]["date"] = date

    assert "signature.date" in refused(obj)


def test_a_signature_that_is_not_an_object_is_refused():
    obj = sample_obj()
    obj["signature"] = "重庆市九龙坡区民政局"

    assert "signature" in refused(obj)


def test_a_signature_may_be_null_or_partial():
    obj = sample_obj()
    obj["signature"] = None
    assert parse_document(obj).signature_organ == ""

    obj["signature"] = {"organ": "重庆市九龙坡区民政局", "date": None}
    document = parse_document(obj)
    assert (document.signature_organ, document.signature_date) == ("重庆市九龙坡区民政局", None)


def test_unknown_keys_outside_texts_and_cells_are_ignored():
    obj = sample_obj()
    obj["published_at"] = "2025-01-20"
    obj["agency"]["code"] = "11500107"

    assert parse_document(obj).agency_name == "重庆市九龙坡区民政局"


def test_messages_quote_long_values_on_one_line():
    obj = sample_obj()
    obj["format"] = "gov-info\nannual-report/" + "x" * 200

    message = refused(obj)

    assert len(message) < 140


# ── Cell values are kept as found ───────────────────────────────────────────────────────


def test_a_missing_cell_is_blank():
    obj = sample_obj()
    del obj["cells"]["t2.penalty.decisions"]

    document = parse_document(obj)

    assert document.cells["t2.penalty.decisions"] is None
    assert list(document.cells) == list(standard.CELL_CODES)


@pytest.mark.parametrize(
    ("code", "raw"),
    [
        ("t3.new.natural", -1),
        ("t3.new.natural", "三"),
        ("t3.new.natural", 1.5),
        ("t3.new.natural", [1]),
        ("t3.new.natural", {"value": 1}),
        ("t3.new.natural", True),
        ("t2.fees.amount", "-0.5"),
        ("t2.fees.amount", "12.34567"),
        ("t6.fee_collected", "1.005"),
        ("t3.new.natural", "00"),  # a leading zero: refused like in the form and the xlsx
        ("t6.fee_collected", "00.5"),
    ],
)
def test_a_wrong_cell_value_is_kept_for_the_rules_to_report(code, raw):
    obj = sample_obj()
    obj["cells"][code] = raw

    document = parse_document(obj)

    assert document.cells[code] == raw
    invalid = [v for v in document.check() if v.rule == "CELL-INVALID"]
    assert [v.cells for v in invalid] == [[code]] or [tuple(v.cells) for v in invalid] == [(code,)]


def test_cells_in_another_order_are_read_and_written_in_the_format_order():
    obj = sample_obj()
    obj["cells"] = dict(reversed(list(obj["cells"].items())))

    written = document_to_json(parse_document(obj))

    assert list(written["cells"]) == list(standard.CELL_CODES)


# ── Files ───────────────────────────────────────────────────────────────────────────────


def file_refused(path) -> str:
    with pytest.raises(InterchangeError) as info:
        load_file(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    return message


def test_a_missing_file_is_refused_by_name(tmp_path):
    assert "文件不存在" in file_refused(tmp_path / "nope.json")


def test_a_directory_is_refused(tmp_path):
    assert "目录" in file_refused(tmp_path)


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "gbk.json"
    path.write_bytes(JIULONGPO.read_text(encoding="utf-8").encode("gbk"))

    assert "UTF-8" in file_refused(path)


@pytest.mark.parametrize("text", ["", "{", "format: x", '{"year": NaN}', "[" * 100_000])
def test_a_file_that_is_not_json_is_refused(tmp_path, text):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")

    assert "不是有效的 JSON" in file_refused(path)


def test_a_structure_error_names_the_file(tmp_path):
    obj = sample_obj()
    obj["format"] = "other"
    path = tmp_path / "other.json"
    path.write_text(json.dumps(obj), encoding="utf-8")

    assert "不支持的格式" in file_refused(path)


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + JIULONGPO.read_bytes())

    assert load_file(path).agency_name == "重庆市九龙坡区民政局"


def test_any_name_but_xlsx_is_read_as_json(tmp_path):
    path = tmp_path / "report.txt"
    path.write_bytes(JIULONGPO.read_bytes())

    assert load_file(path).year == 2024


def test_an_xlsx_file_goes_to_the_spreadsheet_reader(tmp_path, monkeypatch):
    path = tmp_path / "report.XLSX"
    path.write_bytes(b"PK")
    seen = []
    fake = types.ModuleType("reports.spreadsheet")

    def read_workbook(file, *, strict):
        seen.append((file, strict))
        return ReportDocument(year=2024, agency_name="某机关")

    fake.read_workbook = read_workbook
    monkeypatch.setitem(sys.modules, "reports.spreadsheet", fake)

    assert load_file(path).agency_name == "某机关"
    load_file(path, strict=True)
    assert [(str(file), strict) for file, strict in seen] == [(str(path), False), (str(path), True)]


def test_a_spreadsheet_error_names_the_file(tmp_path, monkeypatch):
    path = tmp_path / "report.xlsx"
    path.write_bytes(b"PK")
    fake = types.ModuleType("reports.spreadsheet")

    def read_workbook(file, *, strict):
        raise InterchangeError("不是本系统的报告模板")

    fake.read_workbook = read_workbook
    monkeypatch.setitem(sys.modules, "reports.spreadsheet", fake)

    assert "不是本系统的报告模板" in file_refused(path)


def test_a_missing_xlsx_file_is_refused(tmp_path):
    assert "文件不存在" in file_refused(tmp_path / "nope.xlsx")


def test_without_the_spreadsheet_reader_xlsx_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "report.xlsx"
    path.write_bytes(b"PK")
    monkeypatch.setitem(sys.modules, "reports.spreadsheet", None)  # import raises ImportError

    assert "暂不支持 xlsx" in file_refused(path)


# ── Writing ─────────────────────────────────────────────────────────────────────────────


def test_values_are_written_as_the_format_says():
    cells = standard.empty_cells()
    cells.update(
        {
            "t3.new.natural": "12",  # a count given as text is written as an integer
            "t2.fees.amount": "12.5000",
            "t6.fee_notice_amount": Decimal("30.10"),
            "t6.fee_collected": 7,
        }
    )
    document = ReportDocument(year=2024, agency_name="某机关", cells=cells)

    written = document_to_json(document)["cells"]

    assert written["t3.new.natural"] == 12
    assert written["t2.fees.amount"] == "12.5"
    assert written["t6.fee_notice_amount"] == "30.1"
    assert written["t6.fee_collected"] == "7"
    assert written["t3.new.total"] is None


def test_invalid_values_are_written_as_found():
    cells = standard.empty_cells()
    cells.update(
        {"t3.new.natural": -3, "t3.new.legal": "三", "t2.fees.amount": Decimal("1.23456"), "t3.new.other": [1]}
    )
    document = ReportDocument(year=2024, agency_name="某机关", cells=cells)

    written = json.loads(dumps(document))["cells"]

    assert written["t3.new.natural"] == -3
    assert written["t3.new.legal"] == "三"
    assert written["t2.fees.amount"] == "1.23456"
    assert written["t3.new.other"] == [1]


def test_a_document_is_written_in_the_order_of_the_format():
    document = ReportDocument(
        year=2023,
        agency_name="某机关",
        district_name="某区",
        texts={"other_matters": "无"},
        signature_organ="某机关",
        signature_date=datetime.date(2024, 1, 20),
    )

    written = document_to_json(document)

    assert list(written) == ["format", "year", "agency", "texts", "cells", "signature"]
    assert written["format"] == "gov-info-annual-report/2021"
    assert written["agency"] == {"name": "某机关", "district": "某区"}
    assert written["texts"] == {"overview": "", "problems": "", "other_matters": "无"}
    assert written["signature"] == {"organ": "某机关", "date": "2024-01-20"}
    assert list(written["cells"]) == list(standard.CELL_CODES)


def test_written_text_keeps_chinese_and_reads_back_the_same():
    document = load_json_file(JIULONGPO)
    text = dumps(document)

    assert "重庆市九龙坡区民政局" in text
    assert text.startswith('{\n "format": "gov-info-annual-report/2021",')
    again = interchange.loads(text)
    assert again == document
