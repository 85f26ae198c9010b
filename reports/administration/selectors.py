"""Reads of the district administration pages: the district's agencies with their clerks and
this reporting year's report, and the district's people with their sign-in state."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone

from accounts.models import User

from ..models import Agency, District, Report
from .services import district_users, locked_usernames


def reporting_year() -> int:
    """The year whose reports are due now: last calendar year's (due by 31 January)."""
    return timezone.localdate().year - 1


@dataclass
class AgencyLine:
    agency: Agency
    clerks: list[User]
    report: Report | None


def agency_overview(*, district: District, year: int) -> list[AgencyLine]:
    clerks = Prefetch("clerks", queryset=User.objects.order_by("-is_active", "username"))
    agencies = Agency.objects.filter(district=district).prefetch_related(clerks)
    reports = {report.agency_id: report for report in Report.objects.filter(agency__district=district, year=year)}
    lines = [AgencyLine(agency, list(agency.clerks.all()), reports.get(agency.pk)) for agency in agencies]
    # Sorted here, not by the database, whose collation may order Chinese names otherwise;
    # inactive agencies last.
    return sorted(lines, key=lambda line: (not line.agency.is_active, line.agency.name, line.agency.pk))


@dataclass
class UserLine:
    user: User
    locked: bool


def user_overview(*, district: District) -> list[UserLine]:
    users = list(district_users(district=district).select_related("agency", "district"))
    locked = locked_usernames(user.username for user in users)
    lines = [UserLine(user, user.username in locked) for user in users]
    # District office first, then clerks by agency; inactive accounts last.
    return sorted(
        lines,
        key=lambda line: (
            not line.user.is_active,
            line.user.agency_id is not None,
            line.user.agency.name if line.user.agency_id else "",
            line.user.username,
        ),
    )
