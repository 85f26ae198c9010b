"""The review's personas and a few steps to move a report along, for the review tests.

District X (``district``, 北京市朝阳区) holds agencies A and B (``tests.personas``); its
office has a first, a second and a final reviewer, a second first reviewer, one person who
holds all three reviewer roles, and an administrator. District Y has one reviewer with all
roles. ``own_agency_reviewer`` holds the three roles in X but also belongs to agency A —
the user model forbids that combination, so it is written past ``clean()`` to show that the
workflow refuses it anyway.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from reports import rules
from review import services
from review.models import SignOff
from review.workflow import report_check, report_start_review, report_submit
from tests.factories import complete_cells, complete_texts, make_district, make_report, make_user

ALL_ROLES = {"is_first_reviewer": True, "is_second_reviewer": True, "is_final_reviewer": True}

__all__ = [
    "all_roles_reviewer",
    "district_admin",
    "district_y",
    "final_reviewer",
    "first_reviewer",
    "other_first_reviewer",
    "own_agency_reviewer",
    "report_in_review",
    "reviewer_y",
    "second_reviewer",
]


@pytest.fixture
def first_reviewer(reviewer):
    """The first reviewer of district X (the ``reviewer`` persona of ``tests.personas``)."""
    reviewer.first_name = "王初审"
    reviewer.save()
    return reviewer


@pytest.fixture
def second_reviewer(district):
    return make_user("second_reviewer", full_name="赵复审", district=district, is_second_reviewer=True)


@pytest.fixture
def final_reviewer(district):
    return make_user("final_reviewer", full_name="孙终审", district=district, is_final_reviewer=True)


@pytest.fixture
def other_first_reviewer(district):
    return make_user("first_reviewer_2", full_name="周初审", district=district, is_first_reviewer=True)


@pytest.fixture
def all_roles_reviewer(district):
    return make_user("all_roles", full_name="吴全能", district=district, **ALL_ROLES)


@pytest.fixture
def district_admin(district):
    return make_user("district_admin", full_name="郑管理", district=district, is_district_admin=True)


@pytest.fixture
def district_y(db):
    return make_district("重庆市九龙坡区")


@pytest.fixture
def reviewer_y(district_y):
    return make_user("reviewer_y", full_name="九龙坡审核人", district=district_y, **ALL_ROLES)


@pytest.fixture
def own_agency_reviewer(district, agency_a):
    user = make_user("own_agency", full_name="南磨房兼审核", district=district, **ALL_ROLES)
    get_user_model().objects.filter(pk=user.pk).update(agency=agency_a)  # past User.clean()
    user.refresh_from_db()
    return user


@pytest.fixture
def report_in_review(agency_a, clerk_a, first_reviewer):
    """Agency A's clean 2024 report, submitted and taken into first review."""
    report = make_report(agency_a, cells=complete_cells(), texts=complete_texts(), by=clerk_a)
    report_submit(report_id=report.pk, by=clerk_a)
    return report_start_review(report_id=report.pk, by=first_reviewer)


# ── Steps ───────────────────────────────────────────────────────────────────────────────


def accept_all(report) -> dict[str, str]:
    return {w.key: SignOff.Verdict.ACCEPTED for w in rules.warnings(report_check(report))}


def sign(report, reviewer, *, opinion: str = "同意。", ip_address: str = "10.1.2.3", **kwargs) -> SignOff:
    """Sign the step the report is in, with every aspect confirmed and every explanation accepted."""
    report.refresh_from_db()
    kwargs.setdefault("checked_aspects", services.checklist_aspects(report.agency.district))
    kwargs.setdefault("verdicts", accept_all(report))
    return services.signoff_sign(
        report_id=report.pk,
        step_status=kwargs.pop("step_status", report.status),
        by=reviewer,
        opinion=opinion,
        ip_address=ip_address,
        **kwargs,
    )


def new_submitted_report(agency, clerk, **kwargs):
    report = make_report(agency, cells=complete_cells(), texts=complete_texts(), by=clerk, **kwargs)
    return report_submit(report_id=report.pk, by=clerk)


def approve(report, first, second, final):
    """Sign the three steps of a report in first review; the report as approved."""
    sign(report, first, opinion="初审同意。")
    sign(report, second, opinion="复审同意。")
    sign(report, final, opinion="终审同意，予以公开。")
    report.refresh_from_db()
    return report
