"""The editing services: create with pre-fill, save with the version check, apply an upload."""

import pytest
from django.core.exceptions import PermissionDenied

from reports import standard
from reports.editing import (
    ReportExistsError,
    ReportInputError,
    ReportNotEditableError,
    StaleVersionError,
    report_apply_upload,
    report_create,
    report_save,
)
from reports.models import Report
from tests.factories import complete_cells, complete_texts, make_report, report_state, sample_document

pytestmark = pytest.mark.django_db


# ── report_create and the pre-fill ──────────────────────────────────────────────────────


def last_year(agency, status, **cells):
    figures = complete_cells()
    figures.update(cells)
    return make_report(agency, year=2024, status=status, cells=figures, texts=complete_texts())


def test_a_new_report_is_an_empty_draft_of_the_agency(agency_a, clerk_a):
    report = report_create(agency=agency_a, year=2025, by=clerk_a)
    assert report.status == Report.Status.DRAFT
    assert report.version == 1
    assert report.cells == standard.empty_cells()
    assert report.prefilled == []
    assert report.updated_by == clerk_a


def test_an_approved_report_of_last_year_prefills_the_carried_over_requests_and_documents_in_force(agency_a, clerk_a):
    last_year(
        agency_a,
        Report.Status.APPROVED,
        **{"t3.carried_out.natural": 3, "t3.carried_out.total": 3, "t2.normative.in_force": 17},
    )
    report = report_create(agency=agency_a, year=2025, by=clerk_a)
    assert report.cells["t3.carried_in.natural"] == 3
    assert report.cells["t3.carried_in.total"] == 3
    assert report.cells["t3.carried_in.legal"] == 0
    assert report.cells["t2.normative.in_force"] == 17
    assert report.cells["t2.regulation.in_force"] == 0
    assert report.cells["t3.new.natural"] is None  # nothing else is guessed
    expected = {f"t3.carried_in.{column.code}" for column in standard.T3_COLUMNS}
    expected |= {"t2.regulation.in_force", "t2.normative.in_force"}
    assert set(report.prefilled) == expected


def test_a_published_report_of_last_year_prefills_too(agency_a, clerk_a):
    last_year(agency_a, Report.Status.PUBLISHED, **{"t2.regulation.in_force": 2})
    report = report_create(agency=agency_a, year=2025, by=clerk_a)
    assert report.cells["t2.regulation.in_force"] == 2


@pytest.mark.parametrize("status", [Report.Status.DRAFT, Report.Status.SUBMITTED, Report.Status.RETURNED])
def test_last_years_report_that_is_not_yet_approved_prefills_nothing(agency_a, clerk_a, status):
    last_year(agency_a, status)
    report = report_create(agency=agency_a, year=2025, by=clerk_a)
    assert report.prefilled == []
    assert report.cells == standard.empty_cells()


def test_blank_or_invalid_figures_of_last_year_are_not_carried(agency_a, clerk_a):
    last_year(agency_a, Report.Status.APPROVED, **{"t3.carried_out.natural": None, "t3.carried_out.total": "abc"})
    report = report_create(agency=agency_a, year=2025, by=clerk_a)
    assert report.cells["t3.carried_in.natural"] is None
    assert report.cells["t3.carried_in.total"] is None
    assert "t3.carried_in.natural" not in report.prefilled


def test_a_second_report_for_the_same_year_is_refused(agency_a, clerk_a):
    report_create(agency=agency_a, year=2025, by=clerk_a)
    with pytest.raises(ReportExistsError, match="已经存在"):
        report_create(agency=agency_a, year=2025, by=clerk_a)
    assert Report.objects.filter(agency=agency_a).count() == 1


@pytest.mark.parametrize("year", [2020, 2999])
def test_a_year_outside_the_formats_years_is_refused(agency_a, clerk_a, year):
    with pytest.raises(ReportInputError, match="年度须在"):
        report_create(agency=agency_a, year=year, by=clerk_a)
    assert not Report.objects.exists()


def test_only_a_clerk_of_the_agency_may_create_its_report(agency_a, clerk_b, reviewer):
    for person in (clerk_b, reviewer):
        with pytest.raises(PermissionDenied):
            report_create(agency=agency_a, year=2025, by=person)
    assert not Report.objects.exists()


# ── report_save ─────────────────────────────────────────────────────────────────────────


def test_a_leading_zero_is_kept_as_typed_and_reported_not_stored_as_zero(draft_report, clerk_a):
    from reports import rules

    report = report_save(report_id=draft_report.pk, expected_version=1, cells={"t3.new.natural": "00"}, by=clerk_a)

    assert report.cells["t3.new.natural"] == "00"
    invalid = [v for v in rules.check(rules.ReportData(report.cells, report.texts)) if v.rule == "CELL-INVALID"]
    assert [(v.cells, "不能以 0 开头" in v.message) for v in invalid] == [(("t3.new.natural",), True)]


def test_saving_keeps_blank_apart_from_zero_and_keeps_invalid_values_as_typed(draft_report, clerk_a):
    report = report_save(
        report_id=draft_report.pk,
        expected_version=1,
        cells={
            "t6.fee_notices": "0",
            "t6.fee_notice_amount": "",
            "t6.fee_collected": "12.5x",
            "t3.new.natural": " 1,234 ",
            "t2.fees.amount": "0.50",
        },
        by=clerk_a,
    )
    assert report.cells["t6.fee_notices"] == 0
    assert report.cells["t6.fee_notice_amount"] is None
    assert report.cells["t6.fee_collected"] == "12.5x"  # kept: the rules report CELL-INVALID
    assert report.cells["t3.new.natural"] == 1234
    assert report.cells["t2.fees.amount"] == "0.5"
    assert report.cells["t3.new.total"] == 11  # not mentioned: kept
    assert report.version == 2
    assert report.updated_by == clerk_a


def test_saving_texts_and_explanations_merges_and_an_empty_explanation_is_removed(draft_report, clerk_a):
    # Two warnings raised by the saved texts: TEXT-THIN (problems) and TEXT-LEFTOVER (part six).
    report = report_save(
        report_id=draft_report.pk,
        expected_version=1,
        texts={"other_matters": "本年度未收取信息处理费。注意事项\r\n", "problems": "无"},
        explanations={"TEXT-THIN||problems": "本年度确无问题", "TEXT-LEFTOVER||other_matters": "x"},
        by=clerk_a,
    )
    assert report.texts["other_matters"] == "本年度未收取信息处理费。注意事项\n"
    assert report.texts["overview"] == draft_report.texts["overview"]
    assert len(report.explanations) == 2
    report = report_save(
        report_id=draft_report.pk, expected_version=2, explanations={"TEXT-LEFTOVER||other_matters": "  "}, by=clerk_a
    )
    assert report.explanations == {"TEXT-THIN||problems": "本年度确无问题"}
    assert report.version == 3


def test_only_raised_warnings_keep_an_explanation(draft_report, clerk_a):
    # Issue 11: six saves of 1,000 made-up keys of 2,000 characters used to store 12 MB.
    version = 1
    for round_ in range(3):
        made_up = {f"XY-MADE-UP|{round_}-{n}|": "说" * 2000 for n in range(999)}
        report = report_save(
            report_id=draft_report.pk,
            expected_version=version,
            texts={"problems": "无"},
            explanations={**made_up, "TEXT-THIN||problems": "本年度确无问题"},
            by=clerk_a,
        )
        version = report.version
    assert report.explanations == {"TEXT-THIN||problems": "本年度确无问题"}
    # The warning is gone once the text says enough: its explanation goes with it.
    report = report_save(
        report_id=draft_report.pk,
        expected_version=version,
        texts={
            "problems": "本年度存在的主要问题是公开内容不够全面，解读形式较为单一，下一步将加强培训并丰富解读形式。"
        },
        by=clerk_a,
    )
    assert report.explanations == {}


def test_a_save_that_changes_nothing_keeps_the_version(draft_report, clerk_a):
    report = report_save(report_id=draft_report.pk, expected_version=1, cells={"t3.new.natural": "11"}, by=clerk_a)
    assert report.version == 1


def test_a_save_from_a_stale_version_is_refused_naming_who_changed_it_and_the_newer_data_is_kept(
    draft_report, clerk_a, agency_a
):
    from tests.factories import make_clerk

    colleague = make_clerk(agency_a, "colleague", full_name="王芳")
    report_save(report_id=draft_report.pk, expected_version=1, cells={"t3.new.natural": 12}, by=colleague)
    with pytest.raises(StaleVersionError) as caught:
        report_save(report_id=draft_report.pk, expected_version=1, cells={"t3.new.natural": 99}, by=clerk_a)
    error = caught.value
    assert error.current_version == 2
    assert error.changed_by == colleague
    assert "王芳" in str(error)
    assert "第 2 版" in str(error)
    assert error.as_dict()["changed_by"] == "王芳"
    report = Report.objects.get(pk=draft_report.pk)
    assert report.cells["t3.new.natural"] == 12
    assert report.version == 2
    assert report.updated_by == colleague


def test_unknown_cell_codes_and_text_keys_are_refused_and_nothing_changes(draft_report, clerk_a):
    before = report_state(draft_report)
    with pytest.raises(ReportInputError, match="未知的单元格"):
        report_save(report_id=draft_report.pk, expected_version=1, cells={"t9.nope": 1}, by=clerk_a)
    with pytest.raises(ReportInputError, match="未知的文字部分"):
        report_save(report_id=draft_report.pk, expected_version=1, texts={"preface": "x"}, by=clerk_a)
    with pytest.raises(ReportInputError):
        report_save(report_id=draft_report.pk, expected_version=1, cells={"t3.new.natural": [1]}, by=clerk_a)
    with pytest.raises(ReportInputError, match="过长"):
        report_save(report_id=draft_report.pk, expected_version=1, cells={"t3.new.natural": "9" * 41}, by=clerk_a)
    assert report_state(draft_report) == before


@pytest.mark.parametrize(
    "status",
    [s for s in Report.Status.values if s not in Report.EDITABLE_STATUSES],
)
def test_a_report_that_is_not_editable_is_refused(agency_a, clerk_a, status):
    report = make_report(agency_a, status=status, cells=complete_cells(), texts=complete_texts())
    before = report_state(report)
    with pytest.raises(ReportNotEditableError, match="不能再修改"):
        report_save(report_id=report.pk, expected_version=1, cells={"t3.new.natural": 1}, by=clerk_a)
    assert report_state(report) == before


def test_a_returned_report_is_editable(agency_a, clerk_a):
    report = make_report(agency_a, status=Report.Status.RETURNED, cells=complete_cells(), texts=complete_texts())
    report = report_save(report_id=report.pk, expected_version=1, cells={"t3.new.natural": 1}, by=clerk_a)
    assert report.version == 2


def test_only_a_clerk_of_the_agency_may_save(draft_report, clerk_b, reviewer):
    before = report_state(draft_report)
    for person in (clerk_b, reviewer):
        with pytest.raises(PermissionDenied):
            report_save(report_id=draft_report.pk, expected_version=1, cells={"t3.new.natural": 1}, by=person)
    assert report_state(draft_report) == before


def test_a_prefilled_cell_changed_by_the_clerk_is_no_longer_marked(agency_a, clerk_a):
    last_year(agency_a, Report.Status.APPROVED, **{"t2.normative.in_force": 4})
    report = report_create(agency=agency_a, year=2025, by=clerk_a)
    report = report_save(
        report_id=report.pk,
        expected_version=report.version,
        cells={"t2.normative.in_force": "5", "t2.regulation.in_force": "0"},
        by=clerk_a,
    )
    assert "t2.normative.in_force" not in report.prefilled
    assert "t2.regulation.in_force" in report.prefilled  # same value: still the pre-filled one


# ── report_apply_upload ─────────────────────────────────────────────────────────────────


def test_an_upload_applies_all_figures_and_the_texts_it_holds(agency_a, clerk_a):
    report = make_report(agency_a, texts={"overview": "网上写的总体情况", "problems": "", "other_matters": ""})
    document = sample_document()
    document.texts = {"overview": "", "problems": "文件里的问题", "other_matters": "无"}
    report = report_apply_upload(report_id=report.pk, expected_version=1, document=document, by=clerk_a)
    assert report.cells["t2.penalty.decisions"] == 510
    assert report.cells["t6.fee_notices"] is None
    assert report.texts == {"overview": "网上写的总体情况", "problems": "文件里的问题", "other_matters": "无"}
    assert report.version == 2


def test_an_upload_of_another_year_or_agency_changes_nothing(draft_report, clerk_a):
    before = report_state(draft_report)
    document = sample_document()
    document.year = 2023
    with pytest.raises(ReportInputError, match="2023 年度"):
        report_apply_upload(report_id=draft_report.pk, expected_version=1, document=document, by=clerk_a)
    document = sample_document()
    document.agency_name = "北京市朝阳区高碑店地区办事处"
    with pytest.raises(ReportInputError, match="高碑店"):
        report_apply_upload(report_id=draft_report.pk, expected_version=1, document=document, by=clerk_a)
    assert report_state(draft_report) == before


def test_an_upload_from_a_stale_page_is_refused(draft_report, clerk_a):
    report_save(report_id=draft_report.pk, expected_version=1, cells={"t6.fee_notices": 0}, by=clerk_a)
    with pytest.raises(StaleVersionError):
        report_apply_upload(report_id=draft_report.pk, expected_version=1, document=sample_document(), by=clerk_a)
    assert Report.objects.get(pk=draft_report.pk).cells["t6.fee_notices"] == 0
