"""A district with an agency in every state of its 2024 report, for the board, the reminders,
the district office's pages and their browser test.

The reports are written directly (with the log entries a real walk through the workflow
would have left: the submission, the moves between steps), so that the dates are the test's
choice: ``day(n)`` is the n-th of January 2025, the month of the deadline (31 January).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from reports.models import Agency, District, Report
from review.models import ReportEvent
from tests.factories import make_agency, make_clerk, make_report, make_user
from tests.generated import generated_cells

Status = Report.Status
YEAR = 2024

#: Texts that raise no error and no warning with any generated figures.
TEXTS = {
    "overview": "本年度，本机关认真贯彻落实《中华人民共和国政府信息公开条例》，依法做好主动公开和依申请公开工作。",
    "problems": "政府信息公开工作与公众期待相比仍有差距，下一步将加强培训、完善制度、提高答复质量。",
    "other_matters": "无",
}

#: The path of events that leads to each status: (action, from, to).
PATHS = {
    Status.SUBMITTED: [("submit", Status.DRAFT, Status.SUBMITTED)],
    Status.FIRST_REVIEW: [
        ("submit", Status.DRAFT, Status.SUBMITTED),
        ("start_review", Status.SUBMITTED, Status.FIRST_REVIEW),
    ],
    Status.SECOND_REVIEW: [
        ("submit", Status.DRAFT, Status.SUBMITTED),
        ("start_review", Status.SUBMITTED, Status.FIRST_REVIEW),
        ("first_approve", Status.FIRST_REVIEW, Status.SECOND_REVIEW),
    ],
    Status.FINAL_REVIEW: [
        ("submit", Status.DRAFT, Status.SUBMITTED),
        ("start_review", Status.SUBMITTED, Status.FIRST_REVIEW),
        ("first_approve", Status.FIRST_REVIEW, Status.SECOND_REVIEW),
        ("second_approve", Status.SECOND_REVIEW, Status.FINAL_REVIEW),
    ],
    Status.RETURNED: [
        ("submit", Status.DRAFT, Status.SUBMITTED),
        ("start_review", Status.SUBMITTED, Status.FIRST_REVIEW),
        ("return", Status.FIRST_REVIEW, Status.RETURNED),
    ],
}
PATHS[Status.APPROVED] = [*PATHS[Status.FINAL_REVIEW], ("approve", Status.FINAL_REVIEW, Status.APPROVED)]
PATHS[Status.PUBLISHED] = [*PATHS[Status.APPROVED], ("publish", Status.APPROVED, Status.PUBLISHED)]


def day(n: int, hour: int = 10) -> datetime.datetime:
    """10:00 (Beijing time) on the n-th of January 2025; n past 31 runs on into February."""
    moment = datetime.datetime(2025, 1, 1, hour) + datetime.timedelta(days=n - 1)
    return timezone.make_aware(moment)


def walk(report: Report, actor, dates: list[datetime.datetime]) -> None:
    """Write the log entries that lead to the report's status, at ``dates`` (one per step)."""
    steps = PATHS.get(report.status, [])
    for (action, from_status, to_status), at in zip(steps, dates, strict=False):
        ReportEvent.objects.create(
            report=report, action=action, from_status=from_status, to_status=to_status, actor=actor, at=at
        )


def clean_cells(seed: int) -> dict:
    return generated_cells(seed)


def cells_with_errors(seed: int) -> dict:
    """Two errors: 本年新收·自然人 one too many breaks its row total and its column's balance."""
    cells = generated_cells(seed)
    cells["t3.new.natural"] += 1
    return cells


def cells_with_warning(seed: int) -> dict:
    """One warning: T2-IN-FORCE (规章 in force fewer than issued − repealed)."""
    cells = generated_cells(seed)
    cells.update({"t2.regulation.issued": 10, "t2.regulation.repealed": 0, "t2.regulation.in_force": 5})
    return cells


T2_IN_FORCE_KEY = "T2-IN-FORCE|t2.regulation.issued,t2.regulation.repealed,t2.regulation.in_force|"
T6_FEE_NOTICES_KEY = "T6-FEE-NOTICES|t3.other_handling.unpaid_fee.total,t6.fee_notices|"


def with_explained_warning(cells: dict) -> dict:
    """Add a T6-FEE-NOTICES warning (a request dropped for an unpaid fee, no fee notice sent),
    keeping table 三 balanced."""
    for code in (
        "t3.other_handling.unpaid_fee.natural",
        "t3.other_handling.unpaid_fee.total",
        "t3.handled_total.natural",
        "t3.handled_total.total",
        "t3.new.natural",
        "t3.new.total",
    ):
        cells[code] += 1
    cells["t6.fee_notices"] = 0
    return cells


@dataclass
class EveryState:
    district: District
    agencies: dict[str, Agency] = field(default_factory=dict)  # by status, "missing" included
    reports: dict[str, Report] = field(default_factory=dict)
    clerks: dict[str, object] = field(default_factory=dict)
    office: object = None  # the actor of the review events


#: (status, agency name, first submitted on: day of January 2025)
STATES = (
    ("missing", "甲未建报告机关", None),
    (Status.DRAFT, "乙草稿机关", None),
    (Status.RETURNED, "丙已退回机关", 6),
    (Status.SUBMITTED, "丁已提交机关", 20),
    (Status.FIRST_REVIEW, "戊初审中机关", 10),
    (Status.SECOND_REVIEW, "己复审中机关", 8),
    (Status.FINAL_REVIEW, "庚终审中机关", 7),
    (Status.APPROVED, "辛已通过机关", 3),
    (Status.PUBLISHED, "壬已发布机关", 2),
)


def district_in_every_state(district: District, *, prefix: str = "") -> EveryState:
    """An agency per status (and one without a report), each with a clerk who has an e-mail.

    The draft has two errors; the returned report one warning without explanation and one
    with; every other report is clean. Each submitted report was first submitted on the day
    of January given in ``STATES``, and moved one step a day after that.
    """
    state = EveryState(district)
    state.office = make_user(
        f"office_{district.pk}", full_name="区办工作人员", district=district, is_district_admin=True
    )
    for index, (status, name, submitted_on) in enumerate(STATES):
        agency = make_agency(prefix + name, district=district)
        clerk = make_clerk(agency, f"clerk_{district.pk}_{index}")
        clerk.email = f"clerk{district.pk}-{index}@example.gov.cn"
        clerk.save()
        state.agencies[status] = agency
        state.clerks[status] = clerk
        if status == "missing":
            continue
        explanations = {}
        if status == Status.DRAFT:
            cells = cells_with_errors(index)
        elif status == Status.RETURNED:
            cells = with_explained_warning(cells_with_warning(index))
            explanations = {T6_FEE_NOTICES_KEY: "收费通知以电话方式告知，未发书面通知。"}
        else:
            cells = clean_cells(index)
        report = make_report(agency, year=YEAR, status=status, cells=cells, texts=TEXTS, explanations=explanations)
        if submitted_on is not None:
            walk(report, clerk, [day(submitted_on + offset) for offset in range(8)])
        state.reports[status] = report
    return state
