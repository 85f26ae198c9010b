"""``check_report``: the rules from the command line, with no database.

None of these tests has the ``db`` fixture, so pytest-django refuses any database access:
the command passing them is the proof that it needs none.
"""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"
JIULONGPO = SAMPLES / "2024-jiulongpo-minzheng.json"
DASHENG = SAMPLES / "2024-dasheng-town.json"
NANMOFANG = SAMPLES / "2024-nanmofang-area.json"
T6 = ["t6.fee_notices", "t6.fee_notice_amount", "t6.fee_collected"]


def check(*args) -> tuple[int, str, str]:
    """Run the command in-process: (exit status, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("check_report", *[str(arg) for arg in args], stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def run(*args) -> subprocess.CompletedProcess:
    """Run the command as a user does: ``python manage.py check_report …``."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", "PYTHONUTF8": "1"}
    return subprocess.run(
        [sys.executable, "manage.py", "check_report", *[str(arg) for arg in args]],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def sample(path=JIULONGPO) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def write(tmp_path, name: str, obj) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


def clean_jiulongpo() -> dict:
    """The Jiulongpo sample with its mistakes fixed: the blank partial total and fee figures."""
    obj = sample()
    obj["cells"]["t3.partial.total"] = 0
    obj["cells"].update({"t6.fee_notices": 0, "t6.fee_notice_amount": "0", "t6.fee_collected": "0"})
    return obj


def by_rule(violations: list[dict]) -> dict[str, list[list[str]]]:
    result: dict[str, list[list[str]]] = {}
    for violation in violations:
        result.setdefault(violation["rule"], []).append(violation.get("cells", []))
    return result


# ── The samples ─────────────────────────────────────────────────────────────────────────


def test_the_samples_as_json_report_their_mistakes():
    code, out, err = check(JIULONGPO, DASHENG, NANMOFANG, "--json")

    assert code == 1
    assert err == ""
    results = json.loads(out)
    assert [r["file"] for r in results] == [str(JIULONGPO), str(DASHENG), str(NANMOFANG)]
    jiulongpo, dasheng, _nanmofang = results

    errors = by_rule(jiulongpo["errors"])
    assert sorted(cells[0] for cells in errors["CELL-REQUIRED"]) == sorted(["t3.partial.total", *T6])

    errors = by_rule(dasheng["errors"])
    assert sorted(cells[0] for cells in errors["CELL-REQUIRED"]) == sorted(T6)
    assert "TEXT-LEFTOVER" in by_rule(dasheng["warnings"])
    leftover = next(w for w in dasheng["warnings"] if w["rule"] == "TEXT-LEFTOVER")
    assert leftover["text"] in ("overview", "problems", "other_matters")
    assert leftover["message"]


def test_every_violation_has_the_fields_of_the_spec():
    code, out, _err = check(DASHENG, "--json")

    assert code == 1
    (result,) = json.loads(out)
    assert set(result) == {"file", "errors", "warnings"}
    for violation in result["errors"] + result["warnings"]:
        assert {"rule", "cells", "message"} <= set(violation)
        assert isinstance(violation["cells"], list)


def test_the_done_when_command_line_with_a_glob():
    files = sorted(str(path.relative_to(settings.BASE_DIR)) for path in SAMPLES.glob("*.json"))

    result = run(*files, "--json")

    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    results = {Path(r["file"]).name: r for r in json.loads(result.stdout)}
    jiulongpo = by_rule(results["2024-jiulongpo-minzheng.json"]["errors"])
    assert sorted(c[0] for c in jiulongpo["CELL-REQUIRED"]) == sorted(["t3.partial.total", *T6])
    dasheng = results["2024-dasheng-town.json"]
    assert sorted(c[0] for c in by_rule(dasheng["errors"])["CELL-REQUIRED"]) == sorted(T6)
    assert "TEXT-LEFTOVER" in by_rule(dasheng["warnings"])


def test_the_readable_list_names_rules_in_chinese():
    code, out, err = check(JIULONGPO, DASHENG)

    assert code == 1
    assert err == ""
    assert str(JIULONGPO) in out
    assert "重庆市九龙坡区民政局 2024 年度报告" in out
    assert "错误" in out
    assert "[CELL-REQUIRED]" in out
    assert "[TEXT-LEFTOVER]" in out
    assert "警告" in out
    assert "须改正后才能提交" in out
    # errors come before warnings within a file
    dasheng_part = out.split(str(DASHENG))[1]
    assert dasheng_part.index("[CELL-REQUIRED]") < dasheng_part.index("[TEXT-LEFTOVER]")


def test_the_readable_list_from_the_command_line():
    result = run(JIULONGPO)

    assert result.returncode == 1
    assert "[CELL-REQUIRED]" in result.stdout
    assert "实际收取的总金额" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


# ── A clean report ──────────────────────────────────────────────────────────────────────


def test_a_fixed_report_exits_0(tmp_path):
    path = write(tmp_path, "clean.json", clean_jiulongpo())

    code, out, err = check(path, "--json")

    assert (code, err) == (0, "")
    (result,) = json.loads(out)
    assert result["errors"] == []


def test_a_fixed_report_exits_0_from_the_command_line(tmp_path):
    path = write(tmp_path, "clean.json", clean_jiulongpo())

    result = run(path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "没有错误" in result.stdout


def test_one_bad_file_among_clean_ones_exits_1(tmp_path):
    path = write(tmp_path, "clean.json", clean_jiulongpo())

    code, out, _err = check(path, JIULONGPO, "--json")

    assert code == 1
    clean, bad = json.loads(out)
    assert clean["errors"] == [] and bad["errors"]


def test_warnings_alone_do_not_fail(tmp_path):
    obj = clean_jiulongpo()
    obj["texts"]["problems"] = "无"  # TEXT-THIN is a warning

    code, out, _err = check(write(tmp_path, "thin.json", obj), "--json")

    assert code == 0
    (result,) = json.loads(out)
    assert "TEXT-THIN" in by_rule(result["warnings"])


# ── The previous year's report ──────────────────────────────────────────────────────────


def previous_year(carried_out_natural_delta: int = 0) -> dict:
    """Last year's Jiulongpo report, whose carried-over requests match this year's, or not."""
    obj = clean_jiulongpo()
    obj["year"] = 2023
    obj["texts"] = {
        "overview": "2023 年，本局收到政府信息公开申请若干件，均按期答复。",
        "problems": "2023 年存在信息更新不够及时的问题，下一步将建立定期检查制度，确保信息按时发布。",
        "other_matters": "无",
    }
    current = clean_jiulongpo()["cells"]
    for column in ("natural", "business", "research", "nonprofit", "legal", "other", "total"):
        obj["cells"][f"t3.carried_out.{column}"] = current[f"t3.carried_in.{column}"]
    obj["cells"]["t3.carried_out.natural"] += carried_out_natural_delta
    obj["cells"]["t3.carried_out.total"] += carried_out_natural_delta
    return obj


def test_previous_enables_the_carry_rule(tmp_path):
    current = write(tmp_path, "2024.json", clean_jiulongpo())
    previous = write(tmp_path, "2023.json", previous_year(carried_out_natural_delta=2))

    code, out, err = check(current, "--previous", previous, "--json")
    (result,) = json.loads(out)

    assert (code, err) == (0, "")
    carry = by_rule(result["warnings"])["XY-CARRY"]
    assert any("t3.carried_in.natural" in cells for cells in carry)


def test_without_previous_there_is_no_cross_year_rule(tmp_path):
    current = write(tmp_path, "2024.json", clean_jiulongpo())

    _code, out, _err = check(current, "--json")
    (result,) = json.loads(out)

    assert not any(v["rule"].startswith("XY-") for v in result["warnings"])


def test_a_matching_previous_year_gives_no_carry_warning(tmp_path):
    current = write(tmp_path, "2024.json", clean_jiulongpo())
    previous = write(tmp_path, "2023.json", previous_year())

    _code, out, _err = check(current, "--previous", previous, "--json")
    (result,) = json.loads(out)

    assert "XY-CARRY" not in by_rule(result["warnings"])


def test_a_previous_report_of_another_agency_or_year_is_not_compared(tmp_path):
    current = write(tmp_path, "2024.json", clean_jiulongpo())
    wrong = previous_year(carried_out_natural_delta=2)
    wrong["year"] = 2022
    previous = write(tmp_path, "2022.json", wrong)

    code, out, err = check(current, "--previous", previous, "--json")
    (result,) = json.loads(out)

    assert code == 0
    assert "XY-CARRY" not in by_rule(result["warnings"])
    assert "未做跨年度检查" in err
    assert len(err.strip().splitlines()) == 1


# ── Spreadsheets ────────────────────────────────────────────────────────────────────────


def workbook(tmp_path, obj: dict, name: str = "report.xlsx") -> Path:
    from reports.interchange import parse_document
    from reports.spreadsheet import build_workbook

    path = tmp_path / name
    path.write_bytes(build_workbook(parse_document(obj)))
    return path


def test_a_filled_template_is_checked_like_its_json(tmp_path):
    path = workbook(tmp_path, sample())

    code, out, err = check(path, JIULONGPO, "--json")

    assert (code, err) == (1, "")
    from_xlsx, from_json = json.loads(out)
    assert from_xlsx["errors"] == from_json["errors"]
    assert from_xlsx["warnings"] == from_json["warnings"]


def test_a_wrong_value_in_a_template_is_reported_not_refused(tmp_path):
    obj = clean_jiulongpo()
    obj["cells"]["t3.new.legal"] = "两件"

    code, out, _err = check(workbook(tmp_path, obj), "--json")

    assert code == 1
    (result,) = json.loads(out)
    assert by_rule(result["errors"])["CELL-INVALID"] == [["t3.new.legal"]]


def test_a_spreadsheet_that_is_not_the_template_exits_2(tmp_path):
    import openpyxl

    path = tmp_path / "other.xlsx"
    book = openpyxl.Workbook()
    book.active["A1"] = "不是模板"
    book.save(path)

    result = run(path)

    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert str(path) in result.stderr


# ── Files that cannot be read: exit 2, one line, no traceback ───────────────────────────


def unreadable_files(tmp_path) -> dict[str, Path]:
    not_json = tmp_path / "not-json.json"
    not_json.write_text("{这不是 JSON", encoding="utf-8")
    wrong_format = sample()
    wrong_format["format"] = "gov-info-annual-report/2019"
    unknown_cell = sample()
    unknown_cell["cells"]["t3.new.persons"] = 1
    gbk = tmp_path / "gbk.json"
    gbk.write_bytes(JIULONGPO.read_text(encoding="utf-8").encode("gbk"))
    return {
        "missing": tmp_path / "missing.json",
        "not JSON": not_json,
        "wrong format": write(tmp_path, "wrong-format.json", wrong_format),
        "unknown cell": write(tmp_path, "unknown-cell.json", unknown_cell),
        "not UTF-8": gbk,
    }


EXPECTED_MESSAGE = {
    "missing": "文件不存在",
    "not JSON": "不是有效的 JSON",
    "wrong format": "不支持的格式",
    "unknown cell": "t3.new.persons",
    "not UTF-8": "UTF-8",
}


@pytest.mark.parametrize("kind", list(EXPECTED_MESSAGE))
def test_an_unreadable_file_exits_2_with_one_line(tmp_path, kind):
    path = unreadable_files(tmp_path)[kind]

    result = run(JIULONGPO, path, "--json")

    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert str(path) in lines[0]
    assert EXPECTED_MESSAGE[kind] in lines[0]


@pytest.mark.parametrize("kind", list(EXPECTED_MESSAGE))
def test_an_unreadable_file_exits_2_in_process(tmp_path, kind):
    path = unreadable_files(tmp_path)[kind]

    code, out, err = check(path)

    assert code == 2
    assert out == ""
    assert EXPECTED_MESSAGE[kind] in err


def test_every_unreadable_file_is_named(tmp_path):
    files = unreadable_files(tmp_path)

    code, _out, err = check(files["missing"], JIULONGPO, files["not JSON"])

    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 2
    assert str(files["missing"]) in lines[0]
    assert str(files["not JSON"]) in lines[1]


def test_an_unreadable_previous_file_exits_2(tmp_path):
    result = run(JIULONGPO, "--previous", tmp_path / "2023.json")

    assert result.returncode == 2
    assert "上一年度报告" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unexpected_failure_is_one_line_and_exits_2(monkeypatch):
    from reports import rules

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero\nsecond line")

    monkeypatch.setattr(rules, "check", broken)

    code, out, err = check(JIULONGPO)

    assert code == 2
    assert out == ""
    assert err.strip() == "内部错误：ZeroDivisionError: division by zero second line"


def test_no_file_is_a_usage_error():
    result = run()

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
