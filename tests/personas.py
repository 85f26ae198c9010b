"""The named people of the permission tests, as pytest fixtures.

An agency clerk (agency A, 南磨房), a clerk of another agency in the same district (B), a
first reviewer of that district, and an anonymous visitor; each with a signed-in client.
Test packages import these with ``from tests.personas import *`` in their conftest.
"""

from __future__ import annotations

import pytest
from django.test import Client

from reports.models import Report

from .factories import (
    complete_cells,
    complete_texts,
    make_agency,
    make_clerk,
    make_district,
    make_report,
    make_reviewer,
)

__all__ = [
    "agency_a",
    "agency_b",
    "anonymous_client",
    "clerk_a",
    "clerk_a_client",
    "clerk_b",
    "clerk_b_client",
    "complete_report",
    "district",
    "draft_report",
    "public_cache_starts_empty",
    "reviewer",
    "reviewer_client",
    "submitted_report",
]


@pytest.fixture
def district(db):
    return make_district()


@pytest.fixture
def agency_a(district):
    return make_agency("北京市朝阳区南磨房地区办事处", district=district)


@pytest.fixture
def agency_b(district):
    return make_agency("北京市朝阳区高碑店地区办事处", district=district)


@pytest.fixture
def clerk_a(agency_a):
    return make_clerk(agency_a, "clerk_a", full_name="张明")


@pytest.fixture
def clerk_b(agency_b):
    return make_clerk(agency_b, "clerk_b", full_name="李华")


@pytest.fixture
def reviewer(district):
    return make_reviewer(district)


def client_for(user) -> Client:
    """A test client signed in as ``user``."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def clerk_a_client(clerk_a):
    return client_for(clerk_a)


@pytest.fixture
def clerk_b_client(clerk_b):
    return client_for(clerk_b)


@pytest.fixture
def reviewer_client(reviewer):
    return client_for(reviewer)


@pytest.fixture
def anonymous_client(db):
    return Client()


@pytest.fixture
def draft_report(agency_a, clerk_a):
    """Agency A's 2024 draft, holding the 南磨房 sample as published (fee figures blank)."""
    from .factories import sample_document

    document = sample_document()
    return make_report(agency_a, cells=document.cells, texts=document.texts, by=clerk_a)


@pytest.fixture
def complete_report(agency_a, clerk_a):
    """Agency A's 2024 draft with no error and no warning: ready to submit."""
    return make_report(agency_a, cells=complete_cells(), texts=complete_texts(), by=clerk_a)


@pytest.fixture
def submitted_report(agency_a, clerk_a):
    return make_report(
        agency_a, status=Report.Status.SUBMITTED, cells=complete_cells(), texts=complete_texts(), by=clerk_a
    )


@pytest.fixture(autouse=True)
def public_cache_starts_empty():
    """Public pages are kept in the cache (``reports/public_cache``), some for good: a page kept
    by an earlier test (whose rows, rolled back, may have had the same ids) must not answer
    for this one."""
    from reports.public_cache import public_cache_clear

    public_cache_clear()
