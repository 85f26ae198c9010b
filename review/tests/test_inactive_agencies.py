"""A deactivated agency (merged, abolished — reports/administration) is no longer expected to
report: the board, the aggregate's "not yet included" and the deadline reminders leave it out
unless it has a report for the year, which still counts."""

import datetime

import pytest
from django.core.cache import cache

from reports.aggregate import district_aggregate
from reports.models import Agency, Report
from review.board import district_board
from review.reminders import reminders_send
from review.tests.district_fixtures import YEAR, district_in_every_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def every_state(district):
    cache.clear()
    state = district_in_every_state(district)
    # The agency without a report, and the one with a draft, are deactivated.
    Agency.objects.filter(pk__in=[state.agencies["missing"].pk, state.agencies[Report.Status.DRAFT].pk]).update(
        is_active=False
    )
    yield state
    cache.clear()


def test_the_board_leaves_out_an_inactive_agency_without_a_report(every_state):
    board = district_board(district=every_state.district, year=YEAR, today=datetime.date(2025, 1, 20))
    names = {row.agency_name for row in board.rows}
    assert "甲未建报告机关" not in names
    assert "乙草稿机关" in names  # it has a report for the year: still shown
    assert "丙已退回机关" in names


def test_the_aggregate_does_not_wait_for_an_inactive_agency(every_state):
    aggregate = district_aggregate(district=every_state.district, year=YEAR)
    waiting = {item.agency_name for item in aggregate.excluded}
    assert "甲未建报告机关" not in waiting and "乙草稿机关" in waiting


def test_no_deadline_reminder_for_an_inactive_agency(every_state):
    sent = {record.email for record in reminders_send(today=datetime.date(2025, 1, 17))}
    assert every_state.clerks["missing"].email not in sent
    assert every_state.clerks[Report.Status.DRAFT].email in sent  # its draft is still due
    assert every_state.clerks[Report.Status.RETURNED].email in sent
