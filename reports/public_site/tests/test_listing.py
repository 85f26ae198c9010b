"""The public listing's filters and queries (``reports/public_site/listing.py``): how the
filters are read, what the hand-written query matches (literal ``%`` and ``_``, case-blind
Latin letters), the filters' choices, and the same query on the demo's SQLite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.http import QueryDict
from django.urls import reverse

from reports.models import Agency
from reports.public_cache import public_cache_clear
from reports.public_site.listing import facets, read_filters
from reports.tests.publishing_fixtures import approved_report, published_row, titles
from tests.factories import make_agency, make_district

CHOICES = {"year_set": frozenset({2023, 2024}), "district_set": frozenset({7})}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"year": None, "district": None, "kind": "", "q": ""}),
        ("year=2024&district=7&kind=street&q=+南磨房+", {"year": 2024, "district": 7, "kind": "street", "q": "南磨房"}),
        # Not a year the page offers, not a number, a district elsewhere, an unknown kind: ignored …
        ("year=1999&district=8&kind=ministry", {"year": None, "district": None, "kind": "", "q": ""}),
        ("year=２０２４&district=7.0", {"year": None, "district": None, "kind": "", "q": ""}),
        # … and the other filters kept.
        ("year=abc&q=局", {"year": None, "district": None, "kind": "", "q": "局"}),
        ("q=" + "局" * 51, {"year": None, "district": None, "kind": "", "q": ""}),
        ("q=%00局", {"year": None, "district": None, "kind": "", "q": ""}),
    ],
)
def test_the_page_reads_its_filters_among_its_choices(query, expected):
    assert read_filters(QueryDict(query), choices=CHOICES) == expected


def test_the_api_reads_years_and_districts_as_numbers_only():
    assert read_filters(QueryDict("year=1999&district=8")) == {"year": 1999, "district": 8, "kind": "", "q": ""}
    assert read_filters(QueryDict("year=0&district=" + "9" * 20))["district"] is None
    assert read_filters(QueryDict("year=10000"))["year"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("%", ["北京市100%局"]),  # a literal percent sign, not "anything"
        ("_", ["北京市a_b局"]),  # a literal underscore, not "any character"
        ("abc", ["北京市ABC局"]),  # Latin letters: either case
        ("ABC", ["北京市ABC局"]),
        ("\\", ["北京市c\\d局"]),  # a backslash, not the escape character
        ("市", ["北京市100%局", "北京市ABC局", "北京市a_b局", "北京市ab局", "北京市c\\d局"]),
    ],
)
def test_the_name_search_matches_the_words_as_written(anonymous_client, district, q, expected):
    for name in ("北京市100%局", "北京市ABC局", "北京市a_b局", "北京市ab局", "北京市c\\d局"):
        published_row(approved_report(make_agency(name, district=district)))

    found = titles(anonymous_client.get(reverse("reports:public_list"), {"q": q}))

    assert found == [f"{name}2024年政府信息公开工作年度报告" for name in expected]


@pytest.mark.django_db
def test_the_choices_are_the_years_and_districts_with_current_publications(district):
    haidian, empty = make_district("北京市海淀区"), make_district("北京市空白区")
    published_row(approved_report(make_agency("北京市朝阳区甲局", district=district), year=2022))
    published_row(approved_report(make_agency("北京市海淀区乙局", district=haidian), year=2024))
    superseded = published_row(approved_report(make_agency("北京市空白区丙局", district=empty), year=2019))
    superseded.is_current = False
    superseded.save(update_fields=["is_current"])
    public_cache_clear()

    found = facets(generation=None)

    assert found["years"] == [2024, 2022]
    assert found["districts"] == sorted(
        [(district.pk, district.name), (haidian.pk, "北京市海淀区")], key=lambda d: d[1]
    )
    assert found["district_set"] == {district.pk, haidian.pk}
    assert Agency.objects.filter(district=empty).exists()


def test_the_listing_reads_the_same_on_the_demos_sqlite(tmp_path):
    probe = Path(__file__).with_name("sqlite_listing_probe.py")
    root = Path(__file__).resolve().parents[3]
    result = subprocess.run(
        [sys.executable, str(probe), str(tmp_path / "demo.sqlite3")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split("\n")[:4] == ["200", "共 5 份报告", "date", "2024,2023,2022,2021,2020"]


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "year=2024&q=局", "page=2", "q=<script>"])
def test_an_anonymous_listing_is_the_whole_page_with_its_frame_kept(rf, district, query):
    # The frame around the content is rendered once per process for anonymous visitors: the
    # page must be the same bytes as the page rendered whole.
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.shortcuts import render

    from reports.public_site import views

    for index in range(23):
        published_row(approved_report(make_agency(f"北京市朝阳区第{index:02d}局", district=district)))
    request = rf.get(f"/?{query}")
    request.user, request._messages = AnonymousUser(), CookieStorage(request)

    for _ in range(2):  # the frame made, then reused (a context each: its page range is read once)
        framed = views.render_public(
            request, "reports/public_list.html", "reports/public_list_content.html", views.listing_context(request)
        )
        whole = render(request, "reports/public_list.html", views.listing_context(request))
        assert framed.content.decode() == whole.content.decode()
    assert views._frames  # the anonymous page went through the kept frame
    assert "&lt;script&gt;" in framed.content.decode() or "script" not in query


def test_a_signed_in_visitor_gets_the_page_rendered_whole(client, district):
    from tests.factories import make_user

    user = make_user("first_x", district=district, is_first_reviewer=True)
    client.force_login(user)
    published_row(approved_report(make_agency("北京市朝阳区甲局", district=district)))

    html = client.get(reverse("reports:public_list")).content.decode()

    assert 'id="user-menu"' in html  # the signed-in navbar, not the anonymous frame's 登录 link
    assert ">登录</a>" not in html
    assert "北京市朝阳区甲局2024年政府信息公开工作年度报告" in html
