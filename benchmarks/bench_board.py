"""The completeness board of a district with 300 agencies, through the whole request cycle.

Done-when 4 of issue 6: ``review:board`` (session, access check, the board with the rule
counts of every report, the January chart, the template) under 200 ms median. The rule counts
are cached per report version (``review/board.py``), so the benchmark reports two figures:
``warm`` — the board as the office reloads it (the budget) — and ``cold`` — the first view
after every report changed, each of the 270 reports checked by all rules (no budget; shown
for the README). Run: ``bash scripts/bench.sh -k board``.
"""

import datetime

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reports.models import Agency, Report
from review.models import ReportEvent
from review.tests.district_fixtures import TEXTS
from tests.factories import make_district, make_user
from tests.generated import generated_cells

pytestmark = pytest.mark.django_db

AGENCIES = 300
BUDGET_SECONDS = 0.200
Status = Report.Status
# One agency in ten has no report yet; the rest spread over the statuses as in late January.
STATUS_CYCLE = [None, Status.DRAFT, Status.DRAFT, Status.RETURNED, Status.SUBMITTED, Status.FIRST_REVIEW]
STATUS_CYCLE += [Status.SECOND_REVIEW, Status.FINAL_REVIEW, Status.APPROVED, Status.PUBLISHED]


@pytest.fixture
def office(db):
    district = make_district("大型测试区")
    agencies = Agency.objects.bulk_create(
        Agency(district=district, name=f"大型测试区第{index:03d}号机关", kind=Agency.Kind.DEPARTMENT)
        for index in range(AGENCIES)
    )
    figures = [generated_cells(seed) for seed in range(30)]
    reports = Report.objects.bulk_create(
        Report(
            agency=agency,
            year=2024,
            status=STATUS_CYCLE[index % len(STATUS_CYCLE)],
            cells=figures[index % len(figures)],
            texts=TEXTS,
        )
        for index, agency in enumerate(agencies)
        if STATUS_CYCLE[index % len(STATUS_CYCLE)] is not None
    )
    user = make_user("office", district=district, is_district_admin=True)
    start = timezone.make_aware(datetime.datetime(2025, 1, 2, 10))
    ReportEvent.objects.bulk_create(
        ReportEvent(
            report=report,
            action="submit",
            from_status=Status.DRAFT,
            to_status=Status.SUBMITTED,
            actor=user,
            at=start + datetime.timedelta(days=index % 28),
        )
        for index, report in enumerate(reports)
        if report.status not in (Status.DRAFT, Status.RETURNED)
    )
    client = Client()
    client.force_login(user)
    return client, len(reports)


def _get(client):
    response = client.get(reverse("review:board"), {"year": 2024})
    assert response.status_code == 200
    return response


def test_board_of_300_agencies_warm(benchmark, office):
    client, reports = office
    cache.clear()

    response = benchmark(_get, client)

    assert response.context["board"].total == AGENCIES and reports == 270
    median = benchmark.stats.stats.median
    assert median < BUDGET_SECONDS, f"median {median * 1000:.1f} ms is over the {BUDGET_SECONDS * 1000:.0f} ms budget"


def test_board_of_300_agencies_cold(benchmark, office):
    client, _reports = office

    def cold():
        cache.clear()  # every report's rule counts computed afresh
        return _get(client)

    response = benchmark.pedantic(cold, rounds=5, iterations=1)
    assert response.context["board"].total == AGENCIES
