"""The query plans of the public listing's queries at scale (issue 13), for
``docs/public-site-query-plans.md``.

Usage (a fresh, migrated PostgreSQL database of its own; it is filled here)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_x_explain DJANGO_DEBUG=true \\
        .venv/bin/python manage.py migrate -v0
    DATABASE_URL=… DJANGO_DEBUG=true .venv/bin/python scripts/loadtest/explain_plans.py 200000

Fills N current publications (20 districts, N/5 agencies, five years) with one SQL
statement per table (``generate_series``), ``ANALYZE``s, then prints ``EXPLAIN ANALYZE`` of
each query the listing page (rows and count in one), the filter choices and the API's keyset
seek run.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from reports.models import Publication  # noqa: E402
from reports.public_site.api import rows_after, with_district  # noqa: E402
from reports.public_site.listing import FACETS_SQL, listing, listing_rows, page_query  # noqa: E402

SAMPLE = ROOT / "reports" / "fixtures" / "samples" / "2024-nanmofang-area.json"


def fill(count: int) -> None:
    agencies = count // 5
    kinds = "ARRAY['department','township','street','district']"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reports_publication")
        if cursor.fetchone()[0]:
            return
        sample = SAMPLE.read_text(encoding="utf-8")
        cursor.execute(
            "INSERT INTO reports_district (name, send_reminders) "
            "SELECT '测试市第' || lpad(i::text, 2, '0') || '区', true FROM generate_series(0, 19) i"
        )
        cursor.execute(
            "INSERT INTO reports_agency (district_id, name, kind, is_active) "
            "SELECT d.id, d.name || '第' || lpad(i::text, 6, '0') || '号机关', "
            f"({kinds})[1 + i %% 4], true FROM generate_series(0, %s - 1) i "
            "JOIN reports_district d ON d.name = '测试市第' || lpad((i %% 20)::text, 2, '0') || '区'",
            [agencies],
        )
        cursor.execute(
            "INSERT INTO reports_report (agency_id, year, status, version, cells, texts, explanations, prefilled, "
            "signature_organ, created_at, updated_at) "
            "SELECT a.id, y, 'published', 1, '{}', '{}', '{}', '[]', '', now(), now() "
            "FROM reports_agency a CROSS JOIN generate_series(2020, 2024) y"
        )
        cursor.execute(
            "INSERT INTO reports_publication (report_id, agency_id, district_id, agency_kind, year, agency_name, "
            "version, status, is_current, snapshot, correction_reason, created_at, updated_at, published_at, "
            "attempts, error) "
            "SELECT r.id, a.id, a.district_id, a.kind, r.year, a.name, 1, 'published', true, %s::jsonb, '', "
            "now(), now(), now(), 1, '' FROM reports_report r JOIN reports_agency a ON a.id = r.agency_id",
            [sample],
        )
    with connection.cursor() as cursor:
        for table in ("reports_district", "reports_agency", "reports_report", "reports_publication"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def show(title: str, queryset) -> None:
    print(f"\n### {title}\n")
    print("```")
    print(queryset.explain(analyze=True, costs=False))
    print("```")


def show_sql(title: str, sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
    print(f"\n### {title}\n\n```\n{plan}\n```")


def main(count: int) -> None:
    fill(count)
    district = Publication.objects.values_list("district_id", flat=True).order_by("district_id").first()
    total = Publication.objects.current().count()
    print(f"## {total:,} current publications (PostgreSQL {connection.pg_version // 10000})")
    cases = {
        "the listing, first page": {},
        "year": {"year": 2023},
        "district": {"district": district},
        "kind": {"kind": "department"},
        "year + district + kind + name": {"year": 2023, "district": district, "kind": "department", "q": "机关"},
        "year + kind + name (the issue's URL)": {"year": 2023, "kind": "department", "q": "机关"},
    }
    for title, filters in cases.items():
        show_sql(f"page 1 and its count — {title}", *page_query(filters, 1))
    show_sql("the listing, page 900 (offset on the index, then 20 rows joined)", *page_query({}, 900))
    show_sql("a page past the end: the last page", *page_query({"year": 2023, "q": "机关"}, None))
    last = listing_rows(listing({}).values("pk")[count // 2 : count // 2 + 1])[0]
    cursor = (last.year, last.agency_name, last.pk)
    quote = connection.ops.quote_name
    table = quote(Publication._meta.db_table)
    after = f"({table}.{quote('agency_name')}, {table}.{quote('id')}) > (%s, %s)"
    seek = with_district(listing({}).filter(year=cursor[0]).extra(where=[after], params=list(cursor[1:])))[:21]
    show("API keyset: the page after the middle of the listing (seek on the index)", seek)
    assert len(rows_after({}, cursor, 21)) == 21
    show_sql("the filter choices (years and districts with reports), once per generation", FACETS_SQL)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
