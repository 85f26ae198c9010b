"""The district's aggregate: the cell-by-cell sums of its approved and published agency reports.

Done-when 2 of issue 6: the aggregate of the three samples plus two generated agencies equals
the cell-by-cell sum, lists the agencies not included, and runs the rules on the sums.
"""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

from reports import rules, standard
from reports.aggregate import (
    AggregateStartError,
    district_aggregate,
    district_report,
    district_report_start,
    district_trend,
)
from reports.editing import ReportExistsError
from reports.models import Agency, Report
from reports.tests.samples import NAMES, clean
from reports.values import format_cell, parse_cell
from tests.factories import make_agency, make_district, make_report, make_user
from tests.generated import generated_cells

pytestmark = pytest.mark.django_db

APPROVED, PUBLISHED = Report.Status.APPROVED, Report.Status.PUBLISHED


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def independent_sum(documents: list[dict]) -> dict:
    """The expected sums, computed without the module under test: parse every value, add."""
    result = {}
    for code in standard.CELL_CODES:
        values = [parse_cell(code, cells[code]) for cells in documents]
        result[code] = sum(values, Decimal(0) if standard.CELL_BY_CODE[code].kind.is_amount else 0)
    return result


@pytest.fixture
def five(district):
    """The three samples (blank cells typed 0) and two generated agencies, approved or published;
    beside them a draft, a report under review, an agency with no report (this year), and an
    agency of another district, none of which may be summed."""
    documents = {name: clean(name)["cells"] for name in NAMES}
    documents["generated-1"] = generated_cells(1)
    documents["generated-2"] = generated_cells(2)
    for index, (name, cells) in enumerate(documents.items()):
        agency = make_agency(f"朝阳区测试机关{index + 1}（{name}）", district=district)
        make_report(agency, status=PUBLISHED if index % 2 else APPROVED, cells=cells)
    draft = make_agency("朝阳区草稿机关", district=district)
    make_report(draft, cells=generated_cells(3))
    in_review = make_agency("朝阳区审核中机关", district=district)
    make_report(in_review, status=Report.Status.SECOND_REVIEW, cells=generated_cells(4))
    make_agency("朝阳区未建报告机关", district=district)
    other_district = make_agency("海淀区某机关", district=make_district("北京市海淀区"))
    make_report(other_district, status=APPROVED, cells=generated_cells(6))
    make_report(make_agency("朝阳区上年机关", district=district), year=2023, status=APPROVED, cells=generated_cells(7))
    return list(documents.values())


def test_the_aggregate_of_the_samples_and_two_generated_agencies_is_the_cell_by_cell_sum(district, five):
    aggregate = district_aggregate(district=district, year=2024)

    expected = independent_sum(five)
    assert aggregate.totals == expected
    assert aggregate.cells == {code: format_cell(code, value) for code, value in expected.items()}
    assert len(aggregate.sources) == 5
    assert aggregate.gaps == []
    assert aggregate.incomplete_cells == frozenset()
    # Spot checks, so that a wrong "expected" cannot hide a wrong sum.
    assert aggregate.totals["t3.new.total"] == sum(cells["t3.new.total"] for cells in five)
    assert isinstance(aggregate.totals["t6.fee_collected"], Decimal)
    assert aggregate.totals["t6.fee_collected"] == sum(Decimal(str(cells["t6.fee_collected"])) for cells in five)


def test_the_agencies_not_included_are_listed_with_their_status(district, five):
    government = Agency.objects.create(district=district, name="北京市朝阳区人民政府", kind=Agency.Kind.DISTRICT)
    make_report(government, status=APPROVED, cells=generated_cells(5))

    aggregate = district_aggregate(district=district, year=2024)

    excluded = {item.agency_name: item.status_label for item in aggregate.excluded}
    assert excluded == {
        "朝阳区草稿机关": "草稿",
        "朝阳区审核中机关": "复审中",
        "朝阳区未建报告机关": "未创建",
        "朝阳区上年机关": "未创建",  # it has 2023's report only
    }
    names = {source.agency_name for source in aggregate.sources} | set(excluded)
    assert "北京市朝阳区人民政府" not in names  # its report IS the aggregate: never summed in
    assert "海淀区某机关" not in names
    assert aggregate.totals == independent_sum(five)


def test_the_rules_run_on_the_sums(district, five):
    aggregate = district_aggregate(district=district, year=2024)
    expected = rules.check(rules.ReportData(aggregate.cells, standard.empty_texts()))
    assert aggregate.violations == [violation for violation in expected if violation.text is None]
    assert aggregate.errors == []  # consistent reports add up to consistent sums
    assert not any(violation.rule.startswith("TEXT-") for violation in aggregate.violations)


def test_an_inconsistent_report_makes_the_sums_inconsistent_and_the_rules_say_so(district, five):
    agency = make_agency("朝阳区有误机关", district=district)
    cells = generated_cells(8)
    cells["t3.new.natural"] += 1  # row total and balance no longer hold
    make_report(agency, status=APPROVED, cells=cells)

    aggregate = district_aggregate(district=district, year=2024)

    assert {violation.rule for violation in aggregate.errors} == {"T3-ROW-TOTAL", "T3-BALANCE"}
    assert aggregate.totals["t3.new.natural"] == sum(c["t3.new.natural"] for c in [*five, cells])


def test_a_blank_or_invalid_cell_is_a_gap_not_a_zero(district):
    first, second = generated_cells(1), generated_cells(2)
    first["t2.penalty.decisions"] = None
    second["t2.penalty.decisions"] = None
    first["t3.new.natural"] = "十二"
    make_report(make_agency("一号机关", district=district), status=APPROVED, cells=first)
    make_report(make_agency("二号机关", district=district), status=PUBLISHED, cells=second)

    aggregate = district_aggregate(district=district, year=2024)

    assert [(gap.agency_name, gap.code, gap.reason) for gap in aggregate.gaps] == [
        ("一号机关", "t2.penalty.decisions", "未填写"),
        ("二号机关", "t2.penalty.decisions", "未填写"),
        ("一号机关", "t3.new.natural", "须为不小于 0 的整数"),
    ]
    assert aggregate.totals["t2.penalty.decisions"] is None  # nobody gave a figure: no sum
    assert aggregate.totals["t3.new.natural"] == second["t3.new.natural"]  # the valid one only
    assert aggregate.incomplete_cells == {"t2.penalty.decisions", "t3.new.natural"}
    assert "t3.new.natural" not in aggregate.complete_cells
    # Said once per agency, not as the rules' verdicts on each incomplete sum.
    assert [line.message for line in aggregate.shortfalls] == [
        "一号机关：2 个单元格未填写或无效（表二 1 格、表三 1 格），未计入合计。",
        "二号机关：1 个单元格未填写或无效（表二 1 格），未计入合计。",
    ]
    assert not any(set(violation.cells) & aggregate.incomplete_cells for violation in aggregate.violations)
    assert not aggregate.is_complete


def test_a_year_with_no_approved_report_says_what_is_missing_once_per_agency(district):
    make_agency("甲未建报告机关", district=district)
    make_report(make_agency("乙草稿机关", district=district), status=Report.Status.DRAFT, cells={})
    make_report(make_agency("丙审核中机关", district=district), status=Report.Status.FIRST_REVIEW, cells={})

    aggregate = district_aggregate(district=district, year=2024)

    # Not 203 CELL-REQUIRED errors about sums of nothing: no rule runs on nothing.
    assert aggregate.violations == [] and aggregate.errors == []
    assert [line.message for line in aggregate.shortfalls] == [
        "丙审核中机关：报告为“初审中”，尚未通过审核，未纳入汇总。",
        "乙草稿机关：报告为“草稿”，尚未通过审核，未纳入汇总。",
        "甲未建报告机关：尚未建立2024年度报告，未纳入汇总。",
    ]


def test_an_empty_approved_report_is_one_line_not_one_per_cell(district, five):
    make_report(make_agency("空白机关", district=district), status=APPROVED, cells={})

    aggregate = district_aggregate(district=district, year=2024)

    assert len(aggregate.gaps) == len(standard.CELL_CODES)
    assert len(aggregate.shortfalls) == len(aggregate.excluded) + 1  # one line per agency
    assert [line.message for line in aggregate.shortfalls if line.included] == [
        "空白机关：203 个单元格未填写或无效（表二 10 格、表三 175 格、表四 15 格、信息处理费 3 格），未计入合计。"
    ]
    assert aggregate.errors == []  # the five others add up; the blank one is named above


def test_a_complete_aggregate_has_no_shortfall(district):
    for index in range(2):
        make_report(make_agency(f"完整机关{index}", district=district), status=APPROVED, cells=generated_cells(index))
    aggregate = district_aggregate(district=district, year=2024)
    assert aggregate.shortfalls == [] and aggregate.is_complete


def test_a_report_stored_without_some_cell_codes_is_read_whole_and_the_missing_cell_is_a_gap(district):
    # On PostgreSQL the values are read in jsonb's key order; a report lacking a code must not
    # shift every value into the wrong cell.
    complete = generated_cells(3)
    partial = {code: value for code, value in generated_cells(4).items() if code != "t3.new.natural"}
    make_report(make_agency("完整机关", district=district), status=APPROVED, cells=complete)
    make_report(make_agency("缺项机关", district=district), status=APPROVED, cells=partial)

    aggregate = district_aggregate(district=district, year=2024)

    for code in standard.CELL_CODES:
        if code == "t3.new.natural":
            assert aggregate.totals[code] == parse_cell(code, complete[code])
        else:
            assert aggregate.totals[code] == parse_cell(code, complete[code]) + parse_cell(code, partial[code]), code
    assert [(gap.agency_name, gap.code) for gap in aggregate.gaps] == [("缺项机关", "t3.new.natural")]


def test_amounts_are_summed_as_decimals(district):
    for index, (notified, collected) in enumerate((("0.1", "0.1"), ("0.2", "0.2"))):
        cells = generated_cells(index)
        cells.update({"t6.fee_notice_amount": notified, "t6.fee_collected": collected, "t2.fees.amount": "0.0001"})
        make_report(make_agency(f"金额机关{index}", district=district), status=APPROVED, cells=cells)

    aggregate = district_aggregate(district=district, year=2024)

    assert aggregate.totals["t6.fee_notice_amount"] == Decimal("0.3")
    assert aggregate.cells["t6.fee_notice_amount"] == "0.3"
    assert aggregate.cells["t2.fees.amount"] == "0.0002"


def test_the_breakdown_shows_each_agencys_contribution_to_a_cell(district, five):
    aggregate = district_aggregate(district=district, year=2024)

    breakdown = aggregate.breakdown("t3.new.total")

    assert len(breakdown) == 5
    assert sum(item.value for item in breakdown) == aggregate.totals["t3.new.total"]
    assert [item.value for item in breakdown] == sorted((item.value for item in breakdown), reverse=True)
    assert sum(item.share for item in breakdown) == pytest.approx(1)
    with pytest.raises(KeyError):
        aggregate.breakdown("t9.nothing")


def test_the_sums_are_cached_until_an_included_report_changes(district, five, django_assert_max_num_queries):
    first = district_aggregate(district=district, year=2024)
    with django_assert_max_num_queries(3):  # agencies, included versions, the others: no cells
        again = district_aggregate(district=district, year=2024)
    assert again.totals == first.totals and all(source.cells is None for source in again.sources)
    assert again.breakdown("t3.new.total") == first.breakdown("t3.new.total")  # one cell read from the database

    report = Report.objects.get(pk=first.sources[0].report_id)
    report.cells = {**report.cells, "t3.new.natural": report.cells["t3.new.natural"] + 10}
    report.save()  # (approved reports are read-only in the workflow; a save still moves the key)
    assert (
        district_aggregate(district=district, year=2024).totals["t3.new.natural"] == first.totals["t3.new.natural"] + 10
    )

    newly = make_agency("朝阳区新通过机关", district=district)
    make_report(newly, status=APPROVED, cells=generated_cells(11))
    assert len(district_aggregate(district=district, year=2024).sources) == 6


def test_with_cells_every_source_carries_its_cells(district, five):
    district_aggregate(district=district, year=2024)  # cached
    aggregate = district_aggregate(district=district, year=2024, with_cells=True)
    assert all(isinstance(source.cells, dict) for source in aggregate.sources)
    assert aggregate.totals == independent_sum(five)


def test_a_district_without_agencies_has_an_empty_aggregate(district):
    aggregate = district_aggregate(district=district, year=2024)
    assert aggregate.sources == [] and aggregate.excluded == []
    assert set(aggregate.totals.values()) == {None}


def test_the_trend_sums_requests_reconsiderations_and_lawsuits_per_year(district, five):
    points = district_trend(district=district, until=2024)

    assert [point.year for point in points] == [2023, 2024]
    last = points[-1]
    assert last.reports == 5
    assert last.requests == sum(cells["t3.new.total"] for cells in five)
    assert last.reconsiderations == sum(cells["t4.reconsideration.total"] for cells in five)
    assert last.lawsuits == sum(
        cells["t4.litigation_direct.total"] + cells["t4.litigation_after.total"] for cells in five
    )


# ── Starting the district government's report ──────────────────────────────────────────


@pytest.fixture
def district_admin_x(district):
    return make_user("admin_x", district=district, is_district_admin=True)


def test_the_district_office_starts_its_governments_report_prefilled_from_the_sums(district, five, district_admin_x):
    registered = Agency.objects.create(district=district, name="朝阳区人民政府", kind=Agency.Kind.DISTRICT)

    report = district_report_start(district=district, year=2024, by=district_admin_x)

    assert report.agency == registered  # the district government already registered, whatever its name
    assert report.status == Report.Status.DRAFT
    aggregate = district_aggregate(district=district, year=2024)
    assert report.cells == aggregate.cells
    assert set(report.prefilled) == set(standard.CELL_CODES)
    assert district_report(district=district, year=2024) == report


def test_starting_creates_the_district_government_when_it_is_missing(district, district_admin_x):
    make_report(make_agency("一号机关", district=district), status=APPROVED, cells=generated_cells(1))
    blank = generated_cells(2)
    blank["t2.penalty.decisions"] = None
    make_report(make_agency("二号机关", district=district), status=APPROVED, cells=blank)

    report = district_report_start(district=district, year=2024, by=district_admin_x)

    assert report.agency.name == "北京市朝阳区人民政府"
    assert report.agency.district == district
    assert report.cells["t2.penalty.decisions"] is None  # a partial sum is never pre-filled
    assert "t2.penalty.decisions" not in report.prefilled
    assert len(report.prefilled) == len(standard.CELL_CODES) - 1
    # Once approved, the district's own report does not count itself in.
    Report.objects.filter(pk=report.pk).update(status=APPROVED)
    assert len(district_aggregate(district=district, year=2024).sources) == 2


def test_the_district_report_is_started_once(district, five, district_admin_x):
    district_report_start(district=district, year=2024, by=district_admin_x)
    with pytest.raises(ReportExistsError):
        district_report_start(district=district, year=2024, by=district_admin_x)


def test_nothing_to_sum_is_refused(district, district_admin_x):
    make_report(make_agency("一号机关", district=district), cells=generated_cells(1))  # a draft only
    with pytest.raises(AggregateStartError):
        district_report_start(district=district, year=2024, by=district_admin_x)
    assert not Report.objects.filter(agency__kind=Agency.Kind.DISTRICT).exists()


@pytest.mark.parametrize("who", ["reviewer", "other_admin", "clerk"])
def test_only_the_districts_administrator_starts_it(district, five, who, reviewer, clerk_a):
    users = {
        "reviewer": reviewer,
        "other_admin": make_user("admin_y", district=make_district("北京市海淀区"), is_district_admin=True),
        "clerk": clerk_a,
    }
    with pytest.raises(PermissionDenied):
        district_report_start(district=district, year=2024, by=users[who])
    assert district_report(district=district, year=2024) is None


def test_a_name_taken_in_another_district_is_refused(district, five, district_admin_x):
    make_agency("北京市朝阳区人民政府", district=make_district("北京市海淀区"))
    with pytest.raises(AggregateStartError):
        district_report_start(district=district, year=2024, by=district_admin_x)
    assert district_report(district=district, year=2024) is None
