"""The yearly cycle's pages: the district administrator opens a year, sets its deadlines and
keeps the calendar; another district's administrator reaches nothing of it (404, nothing
changed); wrong input gets a Chinese message and changes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reports.models import CalendarDay, Report, ReportingYear
from tests.factories import make_agency, make_district, make_user

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def world():
    x, y = make_district("北京市朝阳区"), make_district("重庆市渝北区")
    make_agency("北京市朝阳区南磨房地区办事处", district=x)
    make_agency("北京市朝阳区高碑店地区办事处", district=x)
    make_agency("重庆市渝北区大盛镇人民政府", district=y)
    return {
        "x": x,
        "y": y,
        "admin_x": make_user("admin_x", district=x, is_district_admin=True),
        "admin_y": make_user("admin_y", district=y, is_district_admin=True),
        "first_x": make_user("first_x", district=x, is_first_reviewer=True),
    }


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def snapshot():
    return (
        list(ReportingYear.objects.order_by("pk").values()),
        list(CalendarDay.objects.order_by("pk").values()),
        list(Report.objects.order_by("pk").values("pk", "agency_id", "year", "version")),
    )


def test_the_administrator_opens_a_year_and_sees_its_drafts(world):
    client = client_of(world["admin_x"])
    year = timezone.localdate().year - 1
    page = client.get(reverse("cycle:index"))
    assert page.status_code == 200 and "开启报告年度" in page.content.decode()
    response = client.post(reverse("cycle:open"), {"year": year, "agency_deadline": f"{year + 1}-01-20"})
    assert response.status_code == 302 and response.url == reverse("cycle:year", args=[year])
    assert Report.objects.filter(agency__district=world["x"], year=year).count() == 2
    assert not Report.objects.filter(agency__district=world["y"]).exists()
    detail = client.get(response.url)
    body = detail.content.decode()
    assert "新建草稿 2 份" in body and f"{year + 1}-01-20" in body
    assert ReportingYear.objects.get(district=world["x"], year=year).district_deadline == D(year + 1, 3, 31)


def test_a_bad_date_or_year_is_a_chinese_message_and_changes_nothing(world):
    client = client_of(world["admin_x"])
    year = timezone.localdate().year - 1
    before = snapshot()
    bad_date = client.post(reverse("cycle:open"), {"year": year, "agency_deadline": "31/01/2026"})
    assert bad_date.status_code == 400 and "请输入有效的日期" in bad_date.content.decode()
    late = client.post(reverse("cycle:open"), {"year": year, "agency_deadline": f"{year + 1}-02-15"})
    assert late.status_code == 400 and "条例第四十九条" in late.content.decode()
    future = client.post(reverse("cycle:open"), {"year": year + 5})
    assert future.status_code == 400 and "年度须在" in future.content.decode()
    markup = client.post(reverse("cycle:calendar"), {"kind": "holiday", "start": "2027-02-08", "name": "<b>x</b>" * 10})
    assert markup.status_code == 400 and "<b>x</b>" not in markup.content.decode()
    assert snapshot() == before


def test_the_administrator_changes_the_deadlines(world):
    client = client_of(world["admin_x"])
    year = timezone.localdate().year - 1
    client.post(reverse("cycle:open"), {"year": year})
    url = reverse("cycle:year", args=[year])
    response = client.post(url, {"agency_deadline": f"{year + 1}-01-25", "district_deadline": f"{year + 1}-03-15"})
    assert response.status_code == 302
    saved = ReportingYear.objects.get(district=world["x"], year=year)
    assert (saved.agency_deadline, saved.district_deadline) == (D(year + 1, 1, 25), D(year + 1, 3, 15))
    wrong = client.post(url, {"agency_deadline": f"{year + 1}-03-20", "district_deadline": f"{year + 1}-03-15"})
    assert wrong.status_code == 400 and "截止日期须在" in wrong.content.decode()


def test_the_administrator_keeps_the_calendar(world):
    client = client_of(world["admin_x"])
    response = client.post(
        reverse("cycle:calendar"), {"kind": "holiday", "start": "2027-02-05", "end": "2027-02-13", "name": "春节"}
    )
    assert response.status_code == 302
    assert CalendarDay.objects.filter(district=world["x"]).count() == 6
    page = client.get(reverse("cycle:calendar")).content.decode()
    assert "2027-02-08" in page and "春节" in page
    day = CalendarDay.objects.get(date=D(2027, 2, 8))
    assert client.post(reverse("cycle:calendar_remove", args=[day.pk])).status_code == 302
    assert not CalendarDay.objects.filter(pk=day.pk).exists()


def test_another_districts_administrator_touches_nothing_of_this_district(world):
    year = timezone.localdate().year - 1
    client_of(world["admin_x"]).post(reverse("cycle:open"), {"year": year})
    day = CalendarDay.objects.create(district=world["x"], date=D(2027, 2, 8), kind=CalendarDay.Kind.HOLIDAY)
    before = snapshot()
    intruder = client_of(world["admin_y"])
    url = reverse("cycle:year", args=[year])
    assert intruder.get(url).status_code == 404
    assert (
        intruder.post(
            url, {"agency_deadline": f"{year + 1}-01-02", "district_deadline": f"{year + 1}-03-02"}
        ).status_code
        == 404
    )
    assert intruder.post(reverse("cycle:calendar_remove", args=[day.pk])).status_code == 404
    # Their own pages show their own district only.
    assert "北京市朝阳区" not in intruder.get(reverse("cycle:index")).content.decode()
    assert "2027-02-08" not in intruder.get(reverse("cycle:calendar")).content.decode()
    assert snapshot() == before
    # Opening "the same year" opens it for their own district, never for X.
    intruder.post(reverse("cycle:open"), {"year": year})
    assert Report.objects.filter(agency__district=world["x"], year=year).count() == 2
    assert ReportingYear.objects.get(district=world["x"], year=year).opened_by == world["admin_x"]


def test_a_reviewer_of_the_district_is_refused_every_page(world):
    client = client_of(world["first_x"])
    before = snapshot()
    assert client.get(reverse("cycle:index")).status_code == 403
    assert client.post(reverse("cycle:open"), {"year": 2024}).status_code == 403
    assert client.post(reverse("cycle:calendar"), {"kind": "holiday", "start": "2027-02-08"}).status_code == 403
    assert snapshot() == before
