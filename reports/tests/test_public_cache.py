"""The public site served from the shared cache (issue 13): a publication or a correction is
on the cached listing, the API and the report's page as soon as its job commits; a draft, a
queued job or a superseded version never is; a page costs at most three queries on a miss
and none on a hit; a version's page and files are immutable and revalidate to a 304; the
session is never read for an anonymous visitor."""

from __future__ import annotations

import os
import re
import uuid

import pytest
from django.template import engines
from django.test import Client, override_settings
from django.urls import reverse

from reports.models import Publication, Report
from reports.public_cache import public_cache_clear, public_generation, public_generation_bump
from reports.public_cache.redis import RedisCache
from reports.publishing import publication_build, publication_queue
from tests.factories import make_agency, make_report

from .publishing_fixtures import (
    approved_report,
    mark_published_directly,
    media_root_fixture,  # noqa: F401 - the fixture media_root
    publish,
    published_row,
    reopen_directly,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def listed(client, **query) -> list[str]:
    html = client.get(reverse("reports:public_list"), query).content.decode()
    return re.findall(r'<a href="/reports/\d+/">([^<]+)</a>', html)


def api_items(client, **query) -> list[tuple[str, int, int]]:
    data = client.get(reverse("reports:api_list"), query).json()
    return [(item["agency"], item["year"], item["version"]) for item in data["results"]]


def build(report: Report, *, correction_reason: str | None = None) -> Publication:
    """The publish job's service, as the worker runs it."""
    publication_queue(report_id=report.pk, correction_reason=correction_reason)
    publication = publication_build(
        report_id=report.pk, mark_published=mark_published_directly, correction_reason=correction_reason
    )
    assert publication is not None
    return publication


# ── At once, and only what is published ─────────────────────────────────────────────────


def test_a_new_report_is_on_the_cached_listing_and_api_as_soon_as_its_job_commits(
    anonymous_client, district, django_capture_on_commit_callbacks
):
    first = make_agency("北京市朝阳区一局", district=district)
    second = make_agency("北京市朝阳区二局", district=district)
    with django_capture_on_commit_callbacks(execute=True):
        build(approved_report(first))
    assert listed(anonymous_client) == ["北京市朝阳区一局2024年政府信息公开工作年度报告"]
    assert api_items(anonymous_client) == [("北京市朝阳区一局", 2024, 1)]
    assert listed(anonymous_client, q="局") == ["北京市朝阳区一局2024年政府信息公开工作年度报告"]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        build(approved_report(second))
        # Not committed yet: the cached pages are still served, as they must be.
        assert len(listed(anonymous_client)) == 1
    for callback in callbacks:  # the commit
        callback()

    expected = ["北京市朝阳区一局2024年政府信息公开工作年度报告", "北京市朝阳区二局2024年政府信息公开工作年度报告"]
    assert listed(anonymous_client) == expected
    assert listed(anonymous_client, q="局") == expected
    assert [name for name, _, _ in api_items(anonymous_client)] == ["北京市朝阳区一局", "北京市朝阳区二局"]
    assert anonymous_client.get(reverse("reports:api_list")).json()["count"] == 2
    open_data = anonymous_client.get(reverse("reports:open_data")).content.decode()
    assert "<td>2</td>" in open_data


def test_a_correction_replaces_the_cached_pages_at_once_and_the_old_version_is_not_listed(
    anonymous_client, agency_a, django_capture_on_commit_callbacks
):
    report = approved_report(agency_a)
    with django_capture_on_commit_callbacks(execute=True):
        build(report)
    detail_url = reverse("reports:public_detail", args=[report.pk])
    assert "更正说明" not in anonymous_client.get(detail_url).content.decode()
    assert api_items(anonymous_client) == [(agency_a.name, 2024, 1)]
    first_json = b"".join(anonymous_client.get(reverse("reports:api_detail", args=[report.pk])).streaming_content)

    reopen_directly(report)
    Report.objects.filter(pk=report.pk).update(cells={**report.cells, "t2.penalty.decisions": 41})
    with django_capture_on_commit_callbacks(execute=True):
        build(report, correction_reason="行政处罚件数更正为 41 件。")

    assert "更正说明（第 2 版）" in anonymous_client.get(detail_url).content.decode()
    assert api_items(anonymous_client) == [(agency_a.name, 2024, 2)]  # once, the current version
    html = anonymous_client.get(reverse("reports:public_list")).content.decode()
    assert "第 2 版（已更正）" in html
    assert html.count(f'href="{detail_url}"') == 1
    second_json = b"".join(anonymous_client.get(reverse("reports:api_detail", args=[report.pk])).streaming_content)
    assert second_json != first_json
    assert b'"t2.penalty.decisions": 41' in second_json
    assert Publication.objects.get(report=report, version=2).files.get(kind="json").size == len(second_json)


def test_a_draft_a_queued_or_failed_job_and_a_superseded_version_never_appear(anonymous_client, district):
    make_report(make_agency("北京市朝阳区草稿局", district=district), year=2024)
    publication_queue(report_id=approved_report(make_agency("北京市朝阳区排队局", district=district)).pk)
    failed = approved_report(make_agency("北京市朝阳区失败局", district=district))
    publication_queue(report_id=failed.pk)
    Publication.objects.filter(report=failed).update(status=Publication.Status.FAILED)
    corrected = approved_report(make_agency("北京市朝阳区更正局", district=district))
    publish(corrected)
    reopen_directly(corrected)
    publish(corrected, correction_reason="更正")

    for _ in range(2):  # a miss, then a hit
        assert listed(anonymous_client) == ["北京市朝阳区更正局2024年政府信息公开工作年度报告"]
        assert api_items(anonymous_client) == [("北京市朝阳区更正局", 2024, 2)]
    for report in Report.objects.exclude(pk=corrected.pk):
        assert anonymous_client.get(reverse("reports:public_detail", args=[report.pk])).status_code == 404
        assert anonymous_client.get(reverse("reports:api_detail", args=[report.pk])).status_code == 404


def test_a_publication_renews_the_pages_of_its_agencys_reports_and_keeps_the_others(
    anonymous_client, district, django_capture_on_commit_callbacks, django_assert_num_queries
):
    a, b = make_agency("北京市朝阳区甲局", district=district), make_agency("北京市朝阳区乙局", district=district)
    with django_capture_on_commit_callbacks(execute=True):
        a_2023 = build(approved_report(a, year=2023)).report
        b_2024 = build(approved_report(b)).report
    pages = {report: reverse("reports:public_detail", args=[report.pk]) for report in (a_2023, b_2024)}
    for url in pages.values():
        assert anonymous_client.get(url).status_code == 200  # kept now

    # 甲局 corrects its 2023 report: its page shows version 2 at once …
    reopen_directly(a_2023)
    with django_capture_on_commit_callbacks(execute=True):
        build(a_2023, correction_reason="更正数字")
    assert "第 2 版" in anonymous_client.get(pages[a_2023]).content.decode()
    # … and 乙局's page is still the kept one: no query.
    with django_assert_num_queries(0):
        assert anonymous_client.get(pages[b_2024]).status_code == 200
    # The listing, keyed by the generation, has the correction too.
    assert api_items(anonymous_client, year=2023) == [("北京市朝阳区甲局", 2023, 2)]


def test_a_report_page_without_a_token_of_its_own_is_kept_under_the_generation(
    anonymous_client, district, django_assert_num_queries, django_assert_max_num_queries
):
    # Reports published before the cache knew them (or whose token was evicted): the page is
    # as fresh as the listings — a publication anywhere renders it again; reading makes no token.
    from django.core.cache import cache

    report = published_row(approved_report(make_agency("北京市朝阳区丙局", district=district))).report
    url = reverse("reports:public_detail", args=[report.pk])
    assert anonymous_client.get(url).status_code == 200
    assert cache.get(f"public:report:{report.pk}") is None
    assert anonymous_client.get(reverse("reports:public_detail", args=[10**9])).status_code == 404
    assert cache.get(f"public:report:{10**9}") is None

    with django_assert_num_queries(0):
        assert anonymous_client.get(url).status_code == 200  # kept
    public_generation_bump()
    with django_assert_max_num_queries(3) as renewed:
        assert anonymous_client.get(url).status_code == 200
    assert len(renewed.captured_queries) > 0  # rendered again under the new generation


# ── Queries: at most three on a miss, none on a hit ─────────────────────────────────────


@pytest.fixture
def many(district):
    """45 published reports over two years and a corrected one with its files."""
    for index in range(45):
        agency = make_agency(f"北京市朝阳区第{index:02d}局", district=district)
        published_row(approved_report(agency, year=2023 + index % 2))
    corrected = approved_report(make_agency("北京市朝阳区更正局", district=district))
    publish(corrected)
    reopen_directly(corrected)
    publish(corrected, correction_reason="更正")
    publish(approved_report(corrected.agency, year=2023))
    return corrected


def public_pages(report: Report, district_id: int) -> dict[str, str]:
    pk = report.pk
    return {
        "listing": reverse("reports:public_list"),
        "listing filtered": f"{reverse('reports:public_list')}?year=2024&district={district_id}&kind=street&q=局",
        "listing deep page": f"{reverse('reports:public_list')}?page=3",
        "listing past the end": f"{reverse('reports:public_list')}?page=999",
        "report page": reverse("reports:public_detail", args=[pk]),
        "version page": reverse("reports:public_version", args=[pk, 1]),
        "download": reverse("reports:public_download", args=[pk, 2, "pdf"]),
        "api listing": reverse("reports:api_list"),
        "api filtered": f"{reverse('reports:api_list')}?year=2023&kind=street&q=局",
        "api document": reverse("reports:api_detail", args=[pk]),
        "open data": reverse("reports:open_data"),
        "data dictionary": reverse("reports:open_data_dictionary"),
    }


@pytest.mark.parametrize(
    "page",
    [
        "listing",
        "listing filtered",
        "listing deep page",
        "listing past the end",
        "report page",
        "version page",
        "download",
        "api listing",
        "api filtered",
        "api document",
        "open data",
        "data dictionary",
    ],
)
def test_a_public_page_costs_three_queries_at_most_on_a_miss_and_none_on_a_hit(
    many, district, page, django_assert_max_num_queries, django_assert_num_queries
):

    url = public_pages(many, district.pk)[page]
    public_cache_clear()  # everything cold: the generation, the filter choices, the counts, the page
    with django_assert_max_num_queries(3):
        miss = Client().get(url)
    with django_assert_num_queries(0):
        hit = Client().get(url)

    assert miss.status_code == hit.status_code == 200
    body = b"".join(miss.streaming_content) if miss.streaming else miss.content
    again = b"".join(hit.streaming_content) if hit.streaming else hit.content
    assert body == again


def test_the_next_api_page_costs_three_queries_at_most(many, django_assert_max_num_queries):

    following = Client().get(reverse("reports:api_list")).json()["next"]
    public_cache_clear()
    with django_assert_max_num_queries(3):  # crossing from 2024 into 2023: the count and two seeks
        data = Client().get(following).json()
    assert len(data["results"]) == 20


def test_the_year_csv_is_written_once_a_generation_and_then_read_without_a_query(
    many, settings, tmp_path, django_assert_max_num_queries, django_assert_num_queries
):
    settings.DATA_DIR = tmp_path / "data"
    url = reverse("reports:open_data_csv", args=[2024])
    with django_assert_max_num_queries(2):  # is there a report; the rows
        first = Client().get(url)
        body = b"".join(first.streaming_content)
    with django_assert_num_queries(0):
        again = Client().get(url)
        assert b"".join(again.streaming_content) == body
        assert Client().get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert len(list((tmp_path / "data" / "open-data").glob("2024-*.csv"))) == 1

    # A publication: a new generation, a new file with the new row, the old one removed.
    published_row(approved_report(make_agency("北京市朝阳区新发布局", district=many.agency.district)))
    public_generation_bump()
    fresh = Client().get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert fresh.status_code == 200
    assert fresh["ETag"] != first["ETag"]
    assert "新发布局" in b"".join(fresh.streaming_content).decode("utf-8-sig")
    assert "新发布局" not in body.decode("utf-8-sig")
    assert len(list((tmp_path / "data" / "open-data").glob("2024-*.csv"))) == 1


# ── HTTP caching ────────────────────────────────────────────────────────────────────────


def test_a_listing_revalidates_to_a_304(anonymous_client, many):
    first = anonymous_client.get(reverse("reports:public_list"))
    assert first["ETag"].startswith('"')
    assert first["Cache-Control"] in ("max-age=30, public", "public, max-age=30")

    again = anonymous_client.get(reverse("reports:public_list"), HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again.content == b""


def test_a_version_page_is_immutable_with_a_strong_etag_and_last_modified(anonymous_client, many):
    url = reverse("reports:public_version", args=[many.pk, 1])
    first = anonymous_client.get(url)

    assert "immutable" in first["Cache-Control"]
    assert "max-age=31536000" in first["Cache-Control"]
    assert not first["ETag"].startswith("W/")
    assert first.has_header("Last-Modified")
    assert anonymous_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert anonymous_client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304


def test_a_file_revalidates_to_a_304_without_being_read(anonymous_client, many, settings):
    record = Publication.objects.get(report=many, version=2).files.get(kind="pdf")
    url = reverse("reports:public_download", args=[many.pk, 2, "pdf"])
    first = anonymous_client.get(url)
    b"".join(first.streaming_content)
    assert first["ETag"] == f'"{record.sha256}"'
    assert first.has_header("Last-Modified")

    again = anonymous_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]


# ── The session is not touched for anonymous visitors ───────────────────────────────────


@pytest.mark.parametrize("which", ["listing", "report page", "version page", "api listing", "open data"])
def test_an_anonymous_page_does_not_vary_on_the_cookie_nor_set_one(many, district, which):
    url = public_pages(many, district.pk)[which]
    for _ in range(2):  # the miss and the hit
        response = Client().get(url)
        assert "Cookie" not in response.get("Vary", "")
        assert not response.cookies
        assert "public" in response["Cache-Control"]


def test_a_signed_in_visitor_gets_their_own_private_page(reviewer_client, reviewer, many, anonymous_client):
    anonymous_client.get(reverse("reports:public_list"))  # cached for anonymous visitors

    response = reviewer_client.get(reverse("reports:public_list"))

    assert "private" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]
    assert "退出" in response.content.decode()
    assert "退出" not in anonymous_client.get(reverse("reports:public_list")).content.decode()


def test_a_pending_message_is_never_cached_into_the_public_page(many):
    """A visitor with a message (the cookie storage) gets a page of their own."""
    client = Client()
    client.cookies["messages"] = "anything"
    response = client.get(reverse("reports:public_list"))
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]


@override_settings(
    CACHES={"default": {"BACKEND": "reports.public_cache.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
)
def test_a_cache_that_does_not_answer_does_not_take_the_site_down(many, district):
    assert public_generation() is None
    for name, url in public_pages(many, district.pk).items():
        assert Client().get(url).status_code == 200, name


@pytest.mark.skipif(not os.environ.get("GOVREPORT_TEST_REDIS_URL"), reason="GOVREPORT_TEST_REDIS_URL not set")
def test_the_redis_backend_keeps_values_with_one_client_per_pool():
    backend = RedisCache(os.environ["GOVREPORT_TEST_REDIS_URL"], {})
    key = f"test:public-cache:{uuid.uuid4().hex}"
    try:
        backend.set(key, {"页": "内容"}, 30)
        assert backend.get(key) == {"页": "内容"}
        assert backend.add(key, "other", 30) is False
        # Django's own client would build a new redis.Redis for each command.
        assert backend._cache.get_client(key) is backend._cache.get_client(key, write=True)
    finally:
        backend.delete(key)
    assert backend.get(key) is None


def test_the_template_loader_is_cached(settings):
    assert not settings.DEBUG
    loaders = engines["django"].engine.template_loaders
    assert [type(loader).__module__ for loader in loaders] == ["django.template.loaders.cached"]


def test_a_cached_page_keeps_nothing_of_its_first_visitors_other_parameters(anonymous_client, many):
    first = anonymous_client.get(reverse("reports:public_list"), {"year": "2024", "ref": "evil", "page": "1"})
    again = anonymous_client.get(reverse("reports:public_list"), {"year": "2024", "page": "1"})

    assert "evil" not in first.content.decode()
    assert first.content == again.content
    data = anonymous_client.get(reverse("reports:api_list"), {"ref": "evil"}).json()
    assert "evil" not in data["next"]
