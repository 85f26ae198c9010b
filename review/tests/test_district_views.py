"""The district office's pages: the board, the aggregate, their spreadsheets and starting the
district government's report — who may see them, and what they show.

The people: an anonymous visitor (→ login), an agency clerk (403), a signed-in person of no
district office (403), each district role of district X (their own district only), and a
reviewer of district Y (sees district Y, never X's agencies).
"""

import io

import openpyxl
import pytest
from django.core.cache import cache
from django.urls import get_resolver, reverse

import review.district_views
from accounts.models import AuditEvent
from reports import standard
from reports.aggregate import district_aggregate
from reports.models import Agency, Report
from review.tests.district_fixtures import STATES, YEAR, district_in_every_state
from tests.factories import make_district, make_report, make_user
from tests.generated import generated_cells

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


LOGIN = reverse("accounts:login")
GET_URLS = ["review:board", "review:board_xlsx", "review:aggregate", "review:aggregate_xlsx", "review:past_years"]
POST_URLS = ["review:aggregate_start"]
ROLES = ["is_first_reviewer", "is_second_reviewer", "is_final_reviewer", "is_district_admin", "is_audit_viewer"]


@pytest.fixture
def every_state(district):
    return district_in_every_state(district)


@pytest.fixture
def office_client(client, district):
    user = make_user("office_admin", full_name="区办管理员", district=district, is_district_admin=True)
    client.force_login(user)
    return client


@pytest.fixture
def other_district_client(client):
    other = make_district("重庆市九龙坡区")
    make_report(
        Agency.objects.create(district=other, name="九龙坡区某局"),
        status=Report.Status.APPROVED,
        cells=generated_cells(9),
    )
    client.force_login(make_user("y_admin", district=other, is_district_admin=True, is_first_reviewer=False))
    return client


def url(name: str, **query) -> str:
    path = reverse(name)
    return path + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def test_every_url_of_the_district_office_pages_is_covered_here():
    resolver = get_resolver().namespace_dict["review"][1]
    names = {
        f"review:{pattern.name}"
        for pattern in resolver.url_patterns
        if getattr(pattern.callback, "__module__", "") == review.district_views.__name__
    }
    assert names == set(GET_URLS + POST_URLS)


# ── Access ──────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("name", GET_URLS + POST_URLS)
def test_an_anonymous_visitor_is_sent_to_login(anonymous_client, every_state, name):
    response = (anonymous_client.post if name in POST_URLS else anonymous_client.get)(reverse(name), {"year": YEAR})
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize("name", GET_URLS + POST_URLS)
def test_an_agency_clerk_is_refused(clerk_a_client, every_state, name):
    response = (clerk_a_client.post if name in POST_URLS else clerk_a_client.get)(reverse(name), {"year": YEAR})
    assert response.status_code == 403
    assert "甲未建报告机关" not in response.content.decode()
    assert not Report.objects.filter(agency__kind=Agency.Kind.DISTRICT).exists()


@pytest.mark.parametrize("name", GET_URLS)
def test_a_person_of_no_district_office_is_refused(client, every_state, name):
    client.force_login(make_user("nobody"))
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_every_district_role_sees_its_districts_board_and_aggregate(client, district, every_state, role):
    client.force_login(make_user("someone", district=district, **{role: True}))
    for name in GET_URLS:
        response = client.get(url(name, year=YEAR))
        assert response.status_code == 200, name


@pytest.mark.parametrize("name", GET_URLS)
def test_another_districts_office_sees_its_own_district_only(other_district_client, every_state, name):
    response = other_district_client.get(url(name, year=YEAR))
    assert response.status_code == 200
    text = _text_of(response) if name.endswith("xlsx") else response.content.decode()
    assert "九龙坡区某局" in text
    for agency in every_state.agencies.values():
        assert agency.name not in text


def test_another_districts_administrator_starts_only_their_own_districts_report(other_district_client, every_state):
    response = other_district_client.post(reverse("review:aggregate_start"), {"year": YEAR})
    assert response.status_code == 302
    report = Report.objects.get(agency__kind=Agency.Kind.DISTRICT)
    assert report.agency.name == "重庆市九龙坡区人民政府"
    assert not Report.objects.filter(agency__district=every_state.district, agency__kind=Agency.Kind.DISTRICT).exists()


def test_a_reviewer_may_look_but_not_start_the_district_report(reviewer_client, every_state):
    page = reviewer_client.get(url("review:aggregate", year=YEAR)).content.decode()
    assert 'id="start-form"' not in page
    assert reviewer_client.post(reverse("review:aggregate_start"), {"year": YEAR}).status_code == 403
    assert not Report.objects.filter(agency__kind=Agency.Kind.DISTRICT).exists()


def test_a_reviewer_is_refused_before_the_input_is_even_read(reviewer_client, every_state):
    assert reviewer_client.post(reverse("review:aggregate_start"), {}).status_code == 403


def test_start_is_post_only(office_client, every_state):
    assert office_client.get(reverse("review:aggregate_start")).status_code == 405


# ── The board ───────────────────────────────────────────────────────────────────────────


def test_the_board_lists_every_agency_with_totals_and_marks_the_overdue(office_client, every_state):
    response = office_client.get(url("review:board", year=YEAR))
    page = response.content.decode()

    board = response.context["board"]
    assert board.total == 9 and board.today.year >= 2025  # today's date: long past 31 January 2025
    assert page.count('class="row-overdue"') == 3  # 未创建, 草稿, 已退回
    for agency in every_state.agencies.values():
        assert agency.name in page
    assert 'id="progress-chart"' in page and "<svg" in page
    assert 'style="' not in page and "<script>" not in page  # the Content-Security-Policy


def test_the_board_dates_the_first_submissions_with_their_year(office_client, every_state):
    response = office_client.get(url("review:board", year=YEAR))
    page = response.content.decode()

    dates = {row.first_submitted_on for row in response.context["board"].rows if row.first_submitted_on}
    assert dates and all(day.year == YEAR + 1 for day in dates)
    for day in dates:
        # "2025年1月20日", not "1月20日": a board of an earlier year is read years later.
        assert f"<td>{day.year}年{day.month}月{day.day}日" in page
    assert f"<td>{min(dates).month}月{min(dates).day}日" not in page


def test_the_board_filters(office_client, every_state):
    response = office_client.get(url("review:board", year=YEAR, flag="not_submitted"))
    assert {row.status for row in response.context["rows"]} == {"missing", "draft", "returned"}
    response = office_client.get(url("review:board", year=YEAR, status="approved"))
    assert [row.agency_name for row in response.context["rows"]] == ["辛已通过机关"]
    response = office_client.get(url("review:board", year=YEAR, q="复审"))
    assert [row.agency_name for row in response.context["rows"]] == ["己复审中机关"]
    # Nonsense in the query filters nothing rather than failing.
    assert office_client.get(url("review:board", year="abc", flag="zzz")).status_code == 200


def test_the_board_spreadsheet_has_a_row_per_agency_and_the_totals(office_client, every_state):
    response = office_client.get(url("review:board_xlsx", year=YEAR, flag="not_submitted"))

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook["报送进度"]
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert sorted(row[0] for row in rows) == sorted(["甲未建报告机关", "乙草稿机关", "丙已退回机关"])
    draft = next(row for row in rows if row[0] == "乙草稿机关")
    assert draft[2] == "草稿" and draft[3] == "本机关填报人员" and draft[9] == 2
    totals = {row[0]: row[1] for row in workbook["按状态统计"].iter_rows(min_row=2, values_only=True)}
    assert totals["未创建"] == 1 and totals["合计"] == 9
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.EXPORT, object__contains="报送进度").exists()


# ── The aggregate ───────────────────────────────────────────────────────────────────────


def test_the_aggregate_shows_the_sums_the_excluded_and_the_charts(office_client, district, every_state):
    response = office_client.get(url("review:aggregate", year=YEAR))
    page = response.content.decode()

    aggregate = response.context["aggregate"]
    assert [source.agency_name for source in aggregate.sources] == ["壬已发布机关", "辛已通过机关"]
    assert aggregate.totals == district_aggregate(district=district, year=YEAR).totals
    assert f'id="sum-cell-t3-new-total" href="?year={YEAR}&amp;cell=t3.new.total#breakdown"' in page
    assert f">{aggregate.cells['t3.new.total']}</a>" in page
    excluded = page[page.index('id="excluded"') :]
    assert "甲未建报告机关" in excluded and "未创建" in excluded and "庚终审中机关" in excluded
    assert 'id="outcomes-chart"' in page and 'id="trend-chart"' in page
    assert 'id="start-form"' in page  # the district administrator may start it
    assert 'style="' not in page and "<script>" not in page


def test_an_aggregate_of_a_year_with_no_reports_lists_the_agencies_not_the_cells(office_client, district, every_state):
    page = office_client.get(url("review:aggregate", year=YEAR - 3)).content.decode()

    agencies = Agency.objects.filter(district=district).exclude(kind=Agency.Kind.DISTRICT).count()
    shortfalls = page[page.index('id="aggregate-shortfalls"') :].split("</section>")[0]
    assert "尚无可汇总的报告" in shortfalls
    assert shortfalls.count("<li>") == agencies == len(STATES)  # one line per agency
    assert shortfalls.count(f"尚未建立{YEAR - 3}年度报告") == agencies
    assert "CELL-REQUIRED" not in page and "未填写，没有的请填 0" not in page
    assert 'id="aggregate-checks"' not in page


def test_a_sum_opens_its_breakdown(office_client, every_state):
    response = office_client.get(url("review:aggregate", year=YEAR, cell="t3.new.total"))
    page = response.content.decode()

    breakdown = response.context["breakdown"]
    assert {item.agency_name for item in breakdown} == {"壬已发布机关", "辛已通过机关"}
    assert sum(item.value for item in breakdown) == response.context["aggregate"].totals["t3.new.total"]
    assert 'id="breakdown"' in page and "各机关构成" in page
    assert office_client.get(url("review:aggregate", year=YEAR, cell="t9.nonsense")).context["breakdown"] is None


def test_the_aggregate_spreadsheet_has_a_sheet_per_table_a_row_per_agency_and_a_total(office_client, every_state):
    response = office_client.get(url("review:aggregate_xlsx", year=YEAR))

    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[:4] == ["表二", "表三", "表四", "表六"]
    assert {"未纳入汇总的机关", "数据缺失", "合计数检查结果"} <= set(workbook.sheetnames)
    sheet = workbook["表三"]
    codes = [cell.value for cell in sheet[3]][2:]
    assert codes == [cell.code for cell in standard.TABLE_3.cells]
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert [row[0] for row in rows] == ["壬已发布机关", "辛已通过机关", "合计"]
    column = codes.index("t3.new.total") + 2
    assert rows[-1][column] == rows[0][column] + rows[1][column]
    fees = workbook["表六"]
    amounts = list(fees.iter_rows(min_row=4, values_only=True))
    assert amounts[-1][3] == pytest.approx(float(amounts[0][3]) + float(amounts[1][3]))
    excluded = [row[0] for row in workbook["未纳入汇总的机关"].iter_rows(min_row=2, values_only=True)]
    assert len(excluded) == 7


def test_the_district_administrator_starts_the_governments_report_from_the_sums(office_client, every_state):
    response = office_client.post(reverse("review:aggregate_start"), {"year": YEAR}, follow=True)

    report = Report.objects.get(agency__kind=Agency.Kind.DISTRICT)
    assert report.agency.name == "北京市朝阳区人民政府" and report.status == Report.Status.DRAFT
    assert report.cells == response.context["aggregate"].cells
    assert len(report.prefilled) == len(standard.CELL_CODES)
    page = response.content.decode()
    assert "已新建" in page and "尚无填报人员账户" in page
    assert 'id="start-form"' not in page and report.title in page
    # A second start is refused with a message; nothing changes.
    again = office_client.post(reverse("review:aggregate_start"), {"year": YEAR}, follow=True)
    assert "已经存在" in again.content.decode()
    assert Report.objects.filter(agency__kind=Agency.Kind.DISTRICT).count() == 1


def test_nothing_approved_yet_refuses_the_start_with_a_message(office_client, district):
    make_report(Agency.objects.create(district=district, name="某草稿局"), cells=generated_cells(1))
    response = office_client.post(reverse("review:aggregate_start"), {"year": YEAR}, follow=True)
    assert "无法汇总" in response.content.decode()
    assert not Report.objects.filter(agency__kind=Agency.Kind.DISTRICT).exists()


def _text_of(response) -> str:
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return "\n".join(
        str(value) for sheet in workbook for row in sheet.iter_rows(values_only=True) for value in row if value
    )
