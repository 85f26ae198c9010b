"""The live check of a full report, as the editing page asks it on every pause in typing.

Done-when 5 of issue 3: the server's answer (through Django's whole request cycle: session,
CSRF, access check, the rules on all 203 cells and three texts, with last year's report for
the cross-year rules) under 50 ms median. Run: ``.venv/bin/pytest benchmarks --benchmark-only``.
"""

import json

import pytest
from django.urls import reverse

from reports import standard
from reports.models import Report
from tests.factories import complete_cells, complete_texts, make_report

pytestmark = pytest.mark.django_db

BUDGET_SECONDS = 0.050


@pytest.fixture
def full_screen(agency_a, draft_report):
    """Everything the page sends: every cell (as typed, strings) and the three texts; last year's
    approved report exists, so the cross-year rules (XY-*, TEXT-REPEAT) run too."""
    make_report(agency_a, year=2023, status=Report.Status.APPROVED, cells=complete_cells(), texts=complete_texts())
    cells = {code: "" if value is None else str(value) for code, value in complete_cells().items()}
    cells["t3.new.natural"] = "12"  # one mistake, so the answer carries violations
    return json.dumps({"cells": cells, "texts": complete_texts()})


def test_live_check_of_a_full_report(benchmark, clerk_a_client, draft_report, full_screen):
    url = reverse("reports:check", args=[draft_report.pk])

    def ask():
        return clerk_a_client.post(url, data=full_screen, content_type="application/json")

    response = benchmark(ask)
    assert response.status_code == 200
    data = response.json()
    assert [item["rule"] for item in data["errors"]] == ["T3-ROW-TOTAL", "T3-BALANCE"]
    assert len(json.loads(full_screen)["cells"]) == len(standard.CELL_CODES)
    median = benchmark.stats.stats.median
    assert median < BUDGET_SECONDS, f"median {median * 1000:.1f} ms is over the {BUDGET_SECONDS * 1000:.0f} ms budget"
