"""Importing documents into reports and exporting them back (services and commands)."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from reports import standard
from reports.interchange import InterchangeError, load_json_file, parse_document
from reports.models import Agency, District, Report
from reports.selectors import report_previous
from reports.services import ReportLockedError, agency_kind_guess, report_export, report_import

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"
SAMPLE_FILES = sorted(SAMPLES.glob("*.json"))
JIULONGPO = SAMPLES / "2024-jiulongpo-minzheng.json"
DASHENG = SAMPLES / "2024-dasheng-town.json"


def sample(path=JIULONGPO) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def write(tmp_path, name: str, obj) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


def command(name: str, *args) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command(name, *[str(arg) for arg in args], stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def snapshot() -> list[tuple]:
    """Everything an import may touch, to show that a refused import changed nothing."""
    return [
        *District.objects.values_list("id", "name"),
        *Agency.objects.values_list("id", "name", "district_id", "kind"),
        *Report.objects.order_by("id").values_list("id", "status", "version", "cells", "texts", "signature_organ"),
    ]


@pytest.fixture
def clerk(db):
    return get_user_model().objects.create_user("clerk", password="Clerk-pass-2025")


# ── Round trip ──────────────────────────────────────────────────────────────────────────


@pytest.mark.django_db
@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.stem)
def test_import_then_export_gives_back_the_sample(path):
    report = report_import(document=load_json_file(path))

    exported = report_export(Report.objects.get(pk=report.pk))

    assert exported == sample(path)
    assert list(exported["cells"]) == list(standard.CELL_CODES)


@pytest.mark.django_db
@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.stem)
def test_the_export_command_writes_the_sample_byte_for_byte(path, tmp_path):
    document = report_import(document=load_json_file(path))
    output = tmp_path / "out.json"

    code, out, _err = command("export_report", "--agency", document.agency.name, "--year", "2024", "--output", output)

    assert code == 0
    assert "已写入" in out
    assert output.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")


@pytest.mark.django_db
def test_the_export_command_writes_to_stdout_without_output():
    report_import(document=load_json_file(JIULONGPO))

    code, out, _err = command("export_report", "--agency", "重庆市九龙坡区民政局", "--year", "2024")

    assert code == 0
    assert json.loads(out) == sample()


@pytest.mark.django_db
def test_invalid_values_survive_import_and_export():
    obj = sample()
    obj["cells"].update({"t3.new.natural": -1, "t2.fees.amount": "1.234567", "t3.new.legal": "两件"})
    obj["cells"]["t6.fee_collected"] = "12.50"  # valid, written the format's way

    report = report_import(document=parse_document(obj))
    exported = report_export(Report.objects.get(pk=report.pk))

    assert exported["cells"]["t3.new.natural"] == -1
    assert exported["cells"]["t2.fees.amount"] == "1.234567"
    assert exported["cells"]["t3.new.legal"] == "两件"
    assert exported["cells"]["t6.fee_collected"] == "12.5"


# ── Creating ────────────────────────────────────────────────────────────────────────────


@pytest.mark.django_db
def test_an_unknown_agency_is_created_with_its_district(clerk):
    report = report_import(document=load_json_file(JIULONGPO), by=clerk)

    report.refresh_from_db()
    assert report.agency.name == "重庆市九龙坡区民政局"
    assert report.agency.district.name == "重庆市九龙坡区"
    assert report.agency.kind == Agency.Kind.DEPARTMENT
    assert (report.year, report.status, report.version) == (2024, Report.Status.DRAFT, 1)
    assert report.updated_by == clerk
    assert report.cells["t2.licensing.decisions"] == 102
    assert report.cells["t3.partial.total"] is None
    assert report.texts["other_matters"] == "无"
    assert report.signature_organ == "重庆市九龙坡区民政局"
    assert str(report.signature_date) == "2025-01-17"


@pytest.mark.django_db
def test_an_existing_district_and_agency_are_reused():
    district = District.objects.create(name="重庆市渝北区")
    agency = Agency.objects.create(district=district, name="重庆市渝北区大盛镇人民政府", kind=Agency.Kind.TOWNSHIP)

    report = report_import(document=load_json_file(DASHENG))

    assert report.agency == agency
    assert District.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("重庆市渝北区大盛镇人民政府", Agency.Kind.TOWNSHIP),
        ("某县某某乡人民政府", Agency.Kind.TOWNSHIP),
        ("北京市朝阳区南磨房地区办事处", Agency.Kind.STREET),
        ("重庆市九龙坡区杨家坪街道办事处", Agency.Kind.STREET),
        ("重庆市九龙坡区人民政府", Agency.Kind.DISTRICT),
        ("某市某县人民政府", Agency.Kind.DISTRICT),
        ("重庆市九龙坡区民政局", Agency.Kind.DEPARTMENT),
        ("重庆市九龙坡区住房和城乡建设委员会", Agency.Kind.DEPARTMENT),
        ("重庆市九龙坡区人民政府办公室", Agency.Kind.DEPARTMENT),
    ],
)
def test_the_agency_kind_is_guessed_from_its_name(name, kind):
    assert agency_kind_guess(name) == kind


@pytest.mark.django_db
def test_a_new_agency_without_district_is_refused_and_nothing_is_created():
    obj = sample()
    del obj["agency"]["district"]

    with pytest.raises(InterchangeError, match=r"缺少 agency\.district，无法确定所属区"):
        report_import(document=parse_document(obj))

    assert snapshot() == []


@pytest.mark.django_db
def test_a_known_agency_needs_no_district():
    report_import(document=load_json_file(JIULONGPO))
    obj = sample()
    del obj["agency"]["district"]
    obj["cells"]["t3.partial.total"] = 0

    report = report_import(document=parse_document(obj))

    assert report.cells["t3.partial.total"] == 0
    assert report.version == 2


@pytest.mark.django_db
def test_an_agency_filed_under_another_district_is_refused():
    report_import(document=load_json_file(JIULONGPO))
    before = snapshot()
    obj = sample()
    obj["agency"]["district"] = "重庆市渝北区"

    with pytest.raises(InterchangeError, match="属于“重庆市九龙坡区”"):
        report_import(document=parse_document(obj))

    assert snapshot() == before


@pytest.mark.django_db
def test_a_name_too_long_for_the_database_is_refused_in_chinese():
    obj = sample()
    obj["agency"]["name"] = "机" * 101

    with pytest.raises(InterchangeError) as info:
        report_import(document=parse_document(obj))

    assert "\n" not in str(info.value)
    assert str(info.value).startswith("机关名称：")
    assert snapshot() == []


@pytest.mark.django_db
def test_a_signature_organ_too_long_is_refused_by_field_name():
    obj = sample()
    obj["signature"]["organ"] = "机" * 101

    with pytest.raises(InterchangeError, match=r"^落款机关："):
        report_import(document=parse_document(obj))

    assert Report.objects.count() == 0


# ── Updating ────────────────────────────────────────────────────────────────────────────


@pytest.mark.django_db
def test_import_updates_a_draft_and_bumps_its_version(clerk):
    first = report_import(document=load_json_file(JIULONGPO))
    first.prefilled = ["t3.carried_in.natural"]
    first.explanations = {"TEXT-THIN": "已说明"}
    first.save()
    obj = sample()
    obj["cells"]["t3.partial.total"] = 0
    obj["texts"]["other_matters"] = "本年度未收取信息处理费。"
    obj["signature"] = None

    second = report_import(document=parse_document(obj), by=clerk)

    second.refresh_from_db()
    assert second.pk == first.pk
    assert second.version == 2
    assert second.updated_by == clerk
    assert second.cells["t3.partial.total"] == 0
    assert second.texts["other_matters"] == "本年度未收取信息处理费。"
    assert (second.signature_organ, second.signature_date) == ("", None)
    assert second.prefilled == []
    assert second.explanations == {"TEXT-THIN": "已说明"}
    assert Report.objects.count() == 1


@pytest.mark.django_db
def test_import_updates_a_returned_report_and_keeps_it_returned():
    report = report_import(document=load_json_file(JIULONGPO))
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RETURNED, version=4)

    again = report_import(document=load_json_file(JIULONGPO))

    assert (again.status, again.version) == (Report.Status.RETURNED, 5)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status",
    [s for s in Report.Status if s not in (Report.Status.DRAFT, Report.Status.RETURNED)],
)
def test_import_refuses_a_report_under_review_or_published_and_changes_nothing(status):
    report = report_import(document=load_json_file(JIULONGPO))
    Report.objects.filter(pk=report.pk).update(status=status)
    before = snapshot()
    obj = sample()
    obj["cells"]["t3.partial.total"] = 0

    with pytest.raises(ReportLockedError, match="不能再导入覆盖"):
        report_import(document=parse_document(obj))

    assert snapshot() == before


# ── The import command ──────────────────────────────────────────────────────────────────


@pytest.mark.django_db
def test_the_import_command_creates_then_updates():
    code, out, _err = command("import_report", *SAMPLE_FILES)

    assert code == 0
    assert out.count("已新建") == 3
    assert "共导入 3 个文件" in out
    assert Report.objects.count() == 3

    code, out, _err = command("import_report", JIULONGPO)

    assert code == 0
    assert "已更新（版本 2）" in out


@pytest.mark.django_db
def test_the_import_command_refuses_a_submitted_report_and_saves_nothing():
    command("import_report", JIULONGPO)
    Report.objects.update(status=Report.Status.SUBMITTED)
    before = snapshot()

    code, out, err = command("import_report", DASHENG, JIULONGPO)

    assert code == 1
    assert out == ""
    assert "不能再导入覆盖" in err
    assert "未导入任何文件" in err
    assert len(err.strip().splitlines()) == 1
    assert snapshot() == before  # Dasheng, imported first, was rolled back too


@pytest.mark.django_db
def test_the_import_command_reads_every_file_before_writing(tmp_path):
    code, out, err = command("import_report", DASHENG, tmp_path / "missing.json")

    assert code == 2
    assert out == ""
    assert "文件不存在" in err
    assert snapshot() == []


@pytest.mark.django_db
def test_the_import_command_refuses_a_new_agency_without_district(tmp_path):
    obj = sample()
    del obj["agency"]["district"]

    code, _out, err = command("import_report", write(tmp_path, "no-district.json", obj))

    assert code == 1
    assert "缺少 agency.district" in err
    assert snapshot() == []


@pytest.mark.django_db
def test_the_import_command_reads_a_filled_template(tmp_path):
    from reports.spreadsheet import build_workbook

    path = tmp_path / "report.xlsx"
    path.write_bytes(build_workbook(load_json_file(DASHENG)))

    code, out, _err = command("import_report", path)

    assert code == 0
    assert "已新建" in out
    report = Report.objects.get()
    assert report.agency.name == "重庆市渝北区大盛镇人民政府"
    assert report_export(report)["cells"] == sample(DASHENG)["cells"]


def test_the_import_command_exits_2_on_an_unreadable_file_without_traceback(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("not json", encoding="utf-8")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", "PYTHONUTF8": "1"}

    result = subprocess.run(
        [sys.executable, "manage.py", "import_report", str(bad)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "不是有效的 JSON" in result.stderr


# ── The export command ──────────────────────────────────────────────────────────────────


@pytest.mark.django_db
def test_exporting_an_unknown_agency_or_year_exits_1():
    report_import(document=load_json_file(JIULONGPO))

    code, _out, err = command("export_report", "--agency", "不存在的机关", "--year", "2024")
    assert code == 1
    assert "没有名为“不存在的机关”的机关" in err

    code, _out, err = command("export_report", "--agency", "重庆市九龙坡区民政局", "--year", "2023")
    assert code == 1
    assert "没有 2023 年度的报告" in err


def test_the_export_command_round_trips_a_file_without_database(tmp_path):
    output = tmp_path / "copy.json"

    code, _out, _err = command("export_report", JIULONGPO, "--format", "json", "--output", output)

    assert code == 0
    assert output.read_text(encoding="utf-8") == JIULONGPO.read_text(encoding="utf-8")


def test_the_export_command_normalises_a_file(tmp_path):
    obj = sample()
    obj["cells"] = dict(reversed(list(obj["cells"].items())))
    obj["cells"]["t6.fee_collected"] = "3.50"

    code, out, _err = command("export_report", write(tmp_path, "in.json", obj))

    assert code == 0
    written = json.loads(out)
    assert list(written["cells"]) == list(standard.CELL_CODES)
    assert written["cells"]["t6.fee_collected"] == "3.5"


@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
def test_binary_formats_need_an_output_file(fmt, tmp_path):
    # The formats themselves are tested in test_export_formats.py.
    code, out, err = command("export_report", JIULONGPO, "--format", fmt)

    assert (code, out) == (1, "")
    assert "--output" in err


def test_a_file_and_an_agency_together_are_refused():
    code, _out, err = command("export_report", JIULONGPO, "--agency", "重庆市九龙坡区民政局")

    assert code == 1
    assert "不能同时指定" in err


def test_neither_file_nor_agency_is_refused():
    code, _out, err = command("export_report", "--year", "2024")

    assert code == 1
    assert "--agency" in err


def test_an_unreadable_input_file_exits_2(tmp_path):
    code, out, err = command("export_report", tmp_path / "missing.json")

    assert (code, out) == (2, "")
    assert "文件不存在" in err


def test_an_unwritable_output_exits_2(tmp_path):
    code, _out, err = command("export_report", JIULONGPO, "--output", tmp_path / "no-such-dir" / "x.json")

    assert code == 2
    assert "无法写入" in err


# ── The previous year's report ──────────────────────────────────────────────────────────


@pytest.mark.django_db
def test_the_previous_report_is_the_same_agency_one_year_before():
    current = report_import(document=load_json_file(JIULONGPO))
    assert report_previous(current) is None

    obj = sample()
    obj["year"] = 2023
    previous = report_import(document=parse_document(obj))
    Report.objects.filter(pk=previous.pk).update(status=Report.Status.PUBLISHED)
    obj["year"] = 2022
    report_import(document=parse_document(obj))
    report_import(document=load_json_file(DASHENG))

    assert report_previous(current) == previous
    assert report_previous(previous).year == 2022
    assert report_previous(Report.objects.get(agency__name="重庆市渝北区大盛镇人民政府")) is None
