"""Opening a reporting year for a district of 100 agencies.

Done-when 3 of issue 12: under 2 s. 60 of the agencies have last year's approved report, so
their drafts are pre-filled from it. Each round starts from the same state (the year's
drafts and settings removed in the untimed setup). Two figures: the service
(``reports.cycle.services.year_open``) and the whole request (``cycle:open``: session, access
check, form, service, redirect). Run: ``bash scripts/bench.sh -k cycle``.
"""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reports.cycle.services import year_open
from reports.models import Agency, Report, ReportingYear
from tests.factories import make_district, make_user
from tests.generated import generated_cells

pytestmark = pytest.mark.django_db

AGENCIES = 100
BUDGET_SECONDS = 2.0


@pytest.fixture
def district_office(db):
    district = make_district("百机关测试区")
    agencies = Agency.objects.bulk_create(
        Agency(district=district, name=f"百机关测试区第{index:03d}号机关", kind=Agency.Kind.DEPARTMENT)
        for index in range(AGENCIES)
    )
    year = timezone.localdate().year - 1
    Report.objects.bulk_create(
        Report(agency=agency, year=year - 1, status=Report.Status.APPROVED, cells=generated_cells(index))
        for index, agency in enumerate(agencies[:60])
    )
    admin = make_user("office_admin", district=district, is_district_admin=True)
    return district, admin, year


def _reset(district, year):
    Report.objects.filter(agency__district=district, year=year).delete()
    ReportingYear.objects.filter(district=district, year=year).delete()


def test_open_a_year_of_100_agencies_service(benchmark, district_office):
    district, admin, year = district_office

    def setup():
        _reset(district, year)

    result = benchmark.pedantic(
        lambda: year_open(district=district, year=year, by=admin), setup=setup, rounds=10, iterations=1
    )
    assert (result.created, result.prefilled) == (AGENCIES, 60)
    assert benchmark.stats.stats.median < BUDGET_SECONDS


def test_open_a_year_of_100_agencies_request(benchmark, district_office):
    district, admin, year = district_office
    client = Client()
    client.force_login(admin)

    def post():
        response = client.post(reverse("cycle:open"), {"year": year})
        assert response.status_code == 302
        return response

    benchmark.pedantic(post, setup=lambda: _reset(district, year), rounds=10, iterations=1)
    assert Report.objects.filter(agency__district=district, year=year).count() == AGENCIES
    assert benchmark.stats.stats.median < BUDGET_SECONDS
