"""The public listing with 20,000 published reports.

Done-when 5 of issue 5: with 20,000 published reports in PostgreSQL, the public listing page
(``/``) and the JSON listing (``/api/reports/``) answer in under 100 ms median each, through
the whole request cycle (middleware, the query, the template or the JSON). Also measured:
a filtered listing (year, kind and a word of the name) and a report's page.

Every round is a **cold miss**: the public cache (``reports/public_cache``) is emptied before
it, so the round also reads the filter choices and, for a report's page, renders the document.
A hit costs no query; what hits and misses do to throughput under 50 concurrent clients is
measured by ``scripts/loadtest.sh``, not here.

The fixture bulk-creates 20 districts, 4,000 agencies and their reports and publications for
the five years 2020–2024, each with a full snapshot (the 南磨房 sample), then ``ANALYZE``s
the tables (inside the module's transaction, so not vacuumed). Run::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres bash scripts/bench.sh -k public
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test import Client

from benchmarks import public_fixture
from reports.models import Publication
from reports.public_cache import public_cache_clear

pytestmark = pytest.mark.django_db

REPORTS = public_fixture.REPORTS
BUDGET_SECONDS = 0.100


@pytest.fixture(scope="module")
def published_20000(django_db_setup, django_db_blocker):
    """Created once for the module, inside a transaction rolled back at its end (each test's
    own transaction is a savepoint in it, as with Django's ``setUpTestData``)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            districts = public_fixture.create_published()
            assert Publication.objects.current().count() == REPORTS
            yield districts
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def empty_cache():
    public_cache_clear()


def check_budget(benchmark) -> None:
    if benchmark.stats is None:  # --benchmark-disable
        return
    median = benchmark.stats.stats.median
    benchmark.extra_info["database"] = connection.vendor
    assert median < BUDGET_SECONDS, f"median {median * 1000:.1f} ms is over the {BUDGET_SECONDS * 1000:.0f} ms budget"


def get(client: Client, url: str, **query):
    response = client.get(url, query)
    assert response.status_code == 200
    return response


def test_public_listing_page_with_20000_reports(benchmark, published_20000):
    client = Client()

    response = benchmark.pedantic(get, args=(client, "/"), setup=public_cache_clear, rounds=30, warmup_rounds=2)

    assert f"共 {REPORTS} 份报告".encode() in response.content
    check_budget(benchmark)


def test_public_listing_page_filtered(benchmark, published_20000):
    client = Client()
    district = published_20000[3]
    query = {"year": 2023, "district": district.pk, "kind": "department", "q": "机关"}

    response = benchmark.pedantic(
        get, args=(client, "/"), kwargs=query, setup=public_cache_clear, rounds=30, warmup_rounds=2
    )

    assert "共 " in response.content.decode()
    check_budget(benchmark)


def test_public_listing_page_deep_in_the_pages(benchmark, published_20000):
    client = Client()

    response = benchmark.pedantic(
        get, args=(client, "/"), kwargs={"page": 900}, setup=public_cache_clear, rounds=30, warmup_rounds=2
    )

    assert "第 900/1000 页" in response.content.decode()
    check_budget(benchmark)


def test_json_listing_with_20000_reports(benchmark, published_20000):
    client = Client()

    response = benchmark.pedantic(
        get, args=(client, "/api/reports/"), setup=public_cache_clear, rounds=30, warmup_rounds=2
    )

    data = response.json()
    assert data["count"] == REPORTS
    assert len(data["results"]) == 20
    check_budget(benchmark)


def test_json_listing_filtered(benchmark, published_20000):
    client = Client()
    query = {"year": 2024, "kind": "township", "q": "第00"}

    response = benchmark.pedantic(
        get, args=(client, "/api/reports/"), kwargs=query, setup=public_cache_clear, rounds=30, warmup_rounds=2
    )

    assert response.json()["count"] > 0
    check_budget(benchmark)


def test_report_page_among_20000(benchmark, published_20000):
    client = Client()
    report_id = Publication.objects.filter(year=2024).order_by("pk").values_list("report_id", flat=True)[500]

    response = benchmark.pedantic(
        get, args=(client, f"/reports/{report_id}/"), setup=public_cache_clear, rounds=30, warmup_rounds=2
    )

    assert b"gov-report" in response.content
    check_budget(benchmark)
