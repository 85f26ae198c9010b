"""20,000 published reports, for the public site's benchmark (``bench_public.py``) and its
load test (``scripts/loadtest.sh``): 20 districts, 4,000 agencies and their reports and
current publications for the five years 2020–2024, each with a full snapshot (the 南磨房
sample), bulk-created, then ``ANALYZE``d, and ``VACUUM``ed by :func:`settle` as autovacuum
would. No pytest here: the load test runs it from a plain script.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from django.db import connection
from django.utils import timezone

from reports.models import Agency, District, Publication, Report

REPORTS = 20_000
YEARS = (2020, 2021, 2022, 2023, 2024)
DISTRICTS = 20

SAMPLE = Path(__file__).resolve().parent.parent / "reports" / "fixtures" / "samples" / "2024-nanmofang-area.json"
KINDS = list(Agency.Kind.values)


def create_published(*, reports: int = REPORTS, prefix: str = "测试市") -> list[District]:
    """Create ``reports`` published reports (a multiple of the five years); the districts."""
    agencies_count = reports // len(YEARS)
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    for code, value in sample["cells"].items():
        if value is None:
            sample["cells"][code] = "0" if code.startswith("t6.fee_") and code != "t6.fee_notices" else 0
    districts = District.objects.bulk_create(District(name=f"{prefix}第{index:02d}区") for index in range(DISTRICTS))
    agencies = Agency.objects.bulk_create(
        (
            Agency(
                district=districts[index % DISTRICTS],
                name=f"{districts[index % DISTRICTS].name}第{index:04d}号机关",
                kind=KINDS[index % len(KINDS)],
            )
            for index in range(agencies_count)
        ),
        batch_size=1000,
    )
    created = Report.objects.bulk_create(
        (
            Report(
                agency=agency, year=year, status=Report.Status.PUBLISHED, cells=sample["cells"], texts=sample["texts"]
            )
            for agency in agencies
            for year in YEARS
        ),
        batch_size=1000,
    )
    now = timezone.now()
    by_agency = {agency.pk: agency for agency in agencies}

    def publication(report: Report) -> Publication:
        agency = by_agency[report.agency_id]
        snapshot = copy.copy(sample)
        snapshot["year"] = report.year
        snapshot["agency"] = {"name": agency.name, "district": agency.district.name}
        return Publication(
            report=report,
            agency=agency,
            year=report.year,
            agency_name=agency.name,
            district_id=agency.district_id,
            agency_kind=agency.kind,
            version=1,
            status=Publication.Status.PUBLISHED,
            is_current=True,
            snapshot=snapshot,
            published_at=now,
            attempts=1,
        )

    Publication.objects.bulk_create((publication(report) for report in created), batch_size=1000)
    if connection.vendor == "postgresql":
        # Inside a transaction only ANALYZE can run: the caller vacuums (settle()) after it.
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"ANALYZE {table}")
    return districts


TABLES = ("reports_publication", "reports_agency", "reports_district", "reports_report")


def settle() -> None:
    """``VACUUM ANALYZE`` the tables, as autovacuum does within a minute of a bulk insert
    (PostgreSQL 13 and later vacuum after inserts, too): the visibility map is then set and
    the listing's index-only scans read no heap page. Call outside a transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"VACUUM ANALYZE {table}")
