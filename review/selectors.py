"""Reads of the review that are reused: anchors, queues, the diff between rounds, comments,
the sign-off sheet, the report laid out by part. Each a function named ``<thing>_<what>``."""

from __future__ import annotations

import datetime
import difflib
import functools
import hashlib
import json
from dataclasses import dataclass, field

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from reports import standard
from reports.forms import cell_dom_id, text_dom_id
from reports.grid import GridTable, grid_tables
from reports.models import Agency, Report
from reports.rendering.documents import display_value

from .models import LOG_ONLY_ACTIONS, Action, Comment, ReportEvent, ReportRevision, SignOff, Step
from .workflow import STEP_BY_STATUS, acts_as, current_round, signed_step_this_round

Status = Report.Status

# ── Anchors of comments ─────────────────────────────────────────────────────────────────

_TABLES = {table.code: table for table in standard.STANDARD.tables}


def anchor_valid(kind: str, code: str) -> bool:
    if kind == Comment.Anchor.CELL:
        return code in standard.CELL_BY_CODE
    if kind == Comment.Anchor.TABLE:
        return code in _TABLES
    if kind == Comment.Anchor.TEXT:
        return code in standard.STANDARD.text_by_key
    return False


def anchor_label(kind: str, code: str) -> str:
    """Where a comment sits, in Chinese: ``表三·（七）总计·自然人``, ``表三（…）``, ``五、存在的主要问题…``."""
    if kind == Comment.Anchor.CELL and code in standard.CELL_BY_CODE:
        cell = standard.CELL_BY_CODE[code]
        return f"表{_TABLES[cell.table].part}·{cell.label}"
    if kind == Comment.Anchor.TABLE and code in _TABLES:
        table = _TABLES[code]
        return f"表{table.part}（{table.title}）"
    if kind == Comment.Anchor.TEXT and code in standard.STANDARD.text_by_key:
        text = standard.STANDARD.text_by_key[code]
        return f"{text.part}、{text.title}"
    return f"{kind}:{code}"


def anchor_dom_id(kind: str, code: str) -> str:
    """The id of the element the anchor names, on the editing page and on the review page."""
    if kind == Comment.Anchor.CELL:
        return cell_dom_id(code)
    if kind == Comment.Anchor.TABLE:
        return f"table-{code}"
    return text_dom_id(code)


@functools.cache
def anchor_choices() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """The places a comment can be attached, grouped for a ``<select>``: ``kind:code`` → label."""
    groups = [
        ("文字部分", tuple((f"text:{t.key}", anchor_label("text", t.key)) for t in standard.STANDARD.texts)),
        ("整张表格", tuple((f"table:{code}", anchor_label("table", code)) for code in _TABLES)),
    ]
    for table in standard.STANDARD.tables:
        cells = tuple((f"cell:{cell.code}", anchor_label("cell", cell.code)) for cell in table.cells)
        groups.append((f"表{table.part}的单元格", cells))
    return tuple(groups)


# ── Queues ──────────────────────────────────────────────────────────────────────────────

#: The statuses in which a report waits for a holder of each role.
WAITING_FOR = {
    "first_reviewer": (Status.SUBMITTED, Status.FIRST_REVIEW),
    "second_reviewer": (Status.SECOND_REVIEW,),
    "final_reviewer": (Status.FINAL_REVIEW,),
}


def with_entered_at(queryset):
    """Annotate ``entered_at``: when the report entered its current status (comments do not count)."""
    latest = (
        ReportEvent.objects.filter(report=OuterRef("pk"), to_status=OuterRef("status"))
        .exclude(action__in=LOG_ONLY_ACTIONS)
        .order_by("-at", "-pk")
        .values("at")[:1]
    )
    return queryset.annotate(entered_at=Subquery(latest))


#: The statuses in which a report is still with its agency: only these can be overdue.
WITH_AGENCY = (Status.DRAFT, Status.RETURNED)


def with_first_submitted_at(queryset):
    """Annotate ``first_submitted_at``: the report's first submission (its ``submit`` event)."""
    first = (
        ReportEvent.objects.filter(report=OuterRef("pk"), action=Action.SUBMIT).order_by("at", "pk").values("at")[:1]
    )
    return queryset.annotate(first_submitted_at=Subquery(first))


@dataclass
class QueueItem:
    """A report on a reviewer's or the district office's list, with where it stands against
    its deadline. Only a report still with its agency (a draft, or returned) can be overdue:
    one submitted, in review, approved or published has left the agency's hands, and says
    whether it was submitted in time instead."""

    report: Report
    entered_at: datetime.datetime | None
    today: datetime.date
    first_submitted_at: datetime.datetime | None = None

    @property
    def age_days(self) -> int | None:
        if self.entered_at is None:
            return None
        return (self.today - timezone.localtime(self.entered_at).date()).days

    @property
    def days_left(self) -> int:
        return (self.report.deadline - self.today).days

    @property
    def with_agency(self) -> bool:
        return self.report.status in WITH_AGENCY

    @property
    def overdue(self) -> bool:
        return self.with_agency and self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left if self.overdue else 0

    @property
    def submitted_on(self) -> datetime.date | None:
        if self.first_submitted_at is None:
            return None
        return timezone.localtime(self.first_submitted_at).date()

    @property
    def days_late(self) -> int:
        """Days between the deadline and the first submission (0: in time, or unknown)."""
        submitted = self.submitted_on
        return max(0, (submitted - self.report.deadline).days) if submitted is not None else 0

    @property
    def deadline_text(self) -> str:
        if self.with_agency:
            if self.overdue:
                return f"已逾期 {self.days_overdue} 天"
            return "今天截止" if self.days_left == 0 else f"还有 {self.days_left} 天"
        if self.days_late:
            return f"逾期 {self.days_late} 天提交"
        return "已按期提交" if self.submitted_on is not None else "已提交"

    @property
    def deadline_class(self) -> str:
        """The text's class: red only for an overdue report still with its agency."""
        if self.overdue:
            return "text-danger fw-semibold"
        if self.with_agency and self.days_left <= 7:
            return "text-warning-emphasis"
        return "text-body-secondary"


def _items(reports, today: datetime.date | None) -> list[QueueItem]:
    today = today or timezone.localdate()
    return [
        QueueItem(report, report.entered_at, today, getattr(report, "first_submitted_at", None)) for report in reports
    ]


def queue_for(user, *, today: datetime.date | None = None) -> list[QueueItem]:
    """The reports waiting for a step ``user`` may take now, longest-waiting first within a deadline.

    Left out: reports of the user's own agency, and reports whose step the user may not sign
    because they signed another step of the same round.
    """
    if not user.is_authenticated or not user.district_id:
        return []
    statuses = sorted({status for role in user.district_roles for status in WAITING_FOR.get(role, ())})
    if not statuses:
        return []
    reports = with_entered_at(
        with_first_submitted_at(
            Report.objects.filter(agency__district_id=user.district_id, status__in=statuses).with_deadlines()
        )
        .exclude(agency_id=user.agency_id)
        .select_related("agency", "agency__district")
    ).order_by("year", "entered_at", "agency__name")
    waiting = []
    for report in reports:
        step = STEP_BY_STATUS.get(report.status)
        role = step.role if step else "first_reviewer"
        if not acts_as(user, role, report):
            continue
        if step is not None and signed_step_this_round(report, user):
            continue
        waiting.append(report)
    return _items(waiting, today)


@dataclass
class StatusGroup:
    status: str
    label: str
    items: list[QueueItem]


@dataclass
class DistrictOverview:
    year: int | None
    years: list[int]
    groups: list[StatusGroup]
    missing: list[Agency] = field(default_factory=list)  # agencies with no report for ``year``

    @property
    def total(self) -> int:
        return sum(len(group.items) for group in self.groups)


def district_overview(district_id: int, *, year: int | None = None, today=None) -> DistrictOverview:
    """Every report of the district, grouped by status in the workflow's order."""
    reports = Report.objects.filter(agency__district_id=district_id)
    years = sorted(set(reports.values_list("year", flat=True)), reverse=True)
    if year is not None:
        reports = reports.filter(year=year)
    reports = with_entered_at(with_first_submitted_at(reports.with_deadlines().select_related("agency"))).order_by(
        "agency__name", "-year"
    )
    items = _items(list(reports), today)
    groups = [
        StatusGroup(status, label, [item for item in items if item.report.status == status])
        for status, label in Status.choices
    ]
    missing = []
    if year is not None:
        missing = list(Agency.objects.filter(district_id=district_id).exclude(reports__year=year).order_by("name"))
    return DistrictOverview(year=year, years=years, groups=groups, missing=missing)


# ── What changed between rounds ─────────────────────────────────────────────────────────


@dataclass(frozen=True)
class CellChange:
    code: str
    label: str
    old: str
    new: str

    @property
    def dom_id(self) -> str:
        return cell_dom_id(self.code)


@dataclass(frozen=True)
class TextChange:
    key: str
    title: str
    html: SafeString


@dataclass(frozen=True)
class ExplanationChange:
    key: str
    rule: str
    old: str
    new: str


@dataclass
class ReportDiff:
    base_round: int
    round: int
    cells: list[CellChange]
    texts: list[TextChange]
    explanations: list[ExplanationChange]

    @property
    def empty(self) -> bool:
        return not (self.cells or self.texts or self.explanations)

    @property
    def changed_cells(self) -> set[str]:
        return {change.code for change in self.cells}


def report_diff(report: Report) -> ReportDiff | None:
    """The changes since the round that was returned: its frozen revision against the report's
    data now (in review that is what was resubmitted). ``None`` before a second submission."""
    revisions = list(ReportRevision.objects.filter(report_id=report.pk).order_by("-round")[:2])
    if len(revisions) < 2:
        return None
    current, base = revisions
    return data_diff(
        base.cells,
        base.texts,
        base.explanations,
        report.cells,
        report.texts,
        report.explanations or {},
        base_round=base.round,
        round=current.round,
    )


def data_diff(old_cells, old_texts, old_explanations, cells, texts, explanations, *, base_round, round) -> ReportDiff:
    cell_changes = []
    for code in standard.CELL_CODES:
        old = display_value(code, old_cells.get(code))
        new = display_value(code, cells.get(code))
        if old != new:
            cell_changes.append(CellChange(code, anchor_label("cell", code), old or "（空）", new or "（空）"))
    text_changes = []
    for part in standard.STANDARD.texts:
        old = old_texts.get(part.key) or ""
        new = texts.get(part.key) or ""
        if old != new:
            text_changes.append(TextChange(part.key, f"{part.part}、{part.title}", text_diff_html(old, new)))
    explanation_changes = []
    for key in sorted(set(old_explanations) | set(explanations)):
        old = str(old_explanations.get(key, "") or "")
        new = str(explanations.get(key, "") or "")
        if old != new and new:
            explanation_changes.append(ExplanationChange(key, key.split("|", 1)[0], old, new))
    return ReportDiff(base_round, round, cell_changes, text_changes, explanation_changes)


DIFF_CONTEXT = 60  # characters of unchanged text kept around a change


def _equal_html(segment: str, *, first: bool, last: bool) -> str:
    """Unchanged text, with a long stretch shortened to its ends around the changes."""
    keep = DIFF_CONTEXT
    if len(segment) <= 2 * keep + 20:
        return escape(segment)
    head = "" if first else segment[:keep]
    tail = "" if last else segment[-keep:]
    skipped = len(segment) - len(head) - len(tail)
    return f'{escape(head)}<span class="diff-skip">……（未改动的 {skipped} 字从略）……</span>{escape(tail)}'


def text_diff_html(old: str, new: str) -> SafeString:
    """``new`` against ``old`` with deleted passages in ``<del>`` and inserted ones in ``<ins>``.

    Lines are matched first, then characters within the changed lines (Chinese has no spaces
    to split words at): fast on long texts, and precise where it matters. Every piece of text
    is escaped.
    """
    old_lines = old.replace("\r\n", "\n").splitlines(keepends=True)
    new_lines = new.replace("\r\n", "\n").splitlines(keepends=True)
    pieces: list[tuple[str, str]] = []  # (tag, text) with tag in equal/delete/insert
    lines = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in lines.get_opcodes():
        a, b = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        if tag == "equal":
            pieces.append(("equal", a))
        elif tag == "delete":
            pieces.append(("delete", a))
        elif tag == "insert":
            pieces.append(("insert", b))
        else:
            chars = difflib.SequenceMatcher(None, a, b, autojunk=False)
            for ctag, k1, k2, l1, l2 in chars.get_opcodes():
                if ctag == "equal":
                    pieces.append(("equal", a[k1:k2]))
                if ctag in ("delete", "replace"):
                    pieces.append(("delete", a[k1:k2]))
                if ctag in ("insert", "replace"):
                    pieces.append(("insert", b[l1:l2]))
    merged: list[list[str]] = []
    for tag, text in pieces:
        if not text:
            continue
        if merged and merged[-1][0] == tag:
            merged[-1][1] += text
        else:
            merged.append([tag, text])
    html = []
    for index, (tag, text) in enumerate(merged):
        if tag == "equal":
            html.append(_equal_html(text, first=index == 0, last=index == len(merged) - 1))
        elif tag == "delete":
            html.append(f"<del>{escape(text)}</del>")
        else:
            html.append(f"<ins>{escape(text)}</ins>")
    return mark_safe("".join(html))  # every piece above is escaped


# ── Comments as the pages show them ─────────────────────────────────────────────────────


@dataclass
class CommentGroup:
    kind: str
    code: str
    label: str
    comments: list[Comment]

    @property
    def target(self) -> str:
        return anchor_dom_id(self.kind, self.code)

    @property
    def dom_id(self) -> str:
        return "comments-" + self.target

    @property
    def open_count(self) -> int:
        return sum(1 for comment in self.comments if not comment.is_resolved)


@dataclass
class ReportComments:
    all: list[Comment]
    texts: dict[str, CommentGroup]
    tables: dict[str, list[CommentGroup]]  # per table: the table's own group, then its cells'
    cells: set[str]
    open_count: int
    returned: ReportEvent | None  # the latest return or reopen, for the agency's banner
    can_answer: bool = False  # the viewer may answer and resolve (the agency, report returned)

    @property
    def count(self) -> int:
        return len(self.all)


def review_comments(report: Report, *, for_agency: bool = False) -> ReportComments:
    """The report's comments grouped by where they sit.

    The agency sees the comments of the latest round and any older one still unresolved;
    reviewers see all of them.
    """
    comments = Comment.objects.filter(report_id=report.pk).select_related("author", "replied_by", "resolved_by")
    if for_agency:
        comments = comments.filter(Q(round=current_round(report)) | Q(resolved_at__isnull=True))
    comments = list(comments)
    by_anchor: dict[tuple[str, str], list[Comment]] = {}
    for comment in comments:
        by_anchor.setdefault((comment.anchor_kind, comment.anchor_code), []).append(comment)

    def group(kind: str, code: str) -> CommentGroup | None:
        found = by_anchor.get((kind, code))
        return CommentGroup(kind, code, anchor_label(kind, code), found) if found else None

    texts = {key: g for key in standard.TEXT_KEYS if (g := group("text", key))}
    tables: dict[str, list[CommentGroup]] = {}
    for table in standard.STANDARD.tables:
        groups = [g for g in [group("table", table.code)] if g]
        groups += [g for cell in table.cells if (g := group("cell", cell.code))]
        if groups:
            tables[table.code] = groups
    returned = (
        ReportEvent.objects.filter(report_id=report.pk, action__in=(Action.RETURN, Action.REOPEN))
        .select_related("actor")
        .order_by("-pk")
        .first()
    )
    return ReportComments(
        all=comments,
        texts=texts,
        tables=tables,
        cells={code for kind, code in by_anchor if kind == Comment.Anchor.CELL},
        open_count=sum(1 for comment in comments if not comment.is_resolved),
        returned=returned,
    )


# ── The report by part, for the review page ─────────────────────────────────────────────


@dataclass
class TextView:
    key: str
    title: str
    value: str
    comments: CommentGroup | None = None

    @property
    def dom_id(self) -> str:
        return text_dom_id(self.key)

    @property
    def anchor(self) -> str:
        return f"text:{self.key}"


@dataclass
class TableView:
    table: GridTable
    comments: list[CommentGroup]

    @property
    def anchor(self) -> str:
        return f"table:{self.table.code}"


@dataclass
class PartView:
    number: str
    title: str
    texts: list[TextView]
    tables: list[TableView]

    @property
    def heading(self) -> str:
        return f"{self.number}、{self.title}"


def report_parts(report: Report, comments: ReportComments | None = None) -> list[PartView]:
    """The six parts in the format's order, each with its texts and its tables (laid out by
    ``reports.grid`` from ``standard.py``, as the editing page does), and their comments."""
    tables = grid_tables(report.cells)
    texts = report.texts or {}
    text_comments = comments.texts if comments else {}
    table_comments = comments.tables if comments else {}
    return [
        PartView(
            number,
            title,
            [
                TextView(t.key, t.title, texts.get(t.key) or "", text_comments.get(t.key))
                for t in standard.STANDARD.texts
                if t.part == number
            ],
            [TableView(table, table_comments.get(table.code, [])) for table in tables if table.part == number],
        )
        for number, title in standard.STANDARD.parts
    ]


# ── The sign-off sheet (审核表) ─────────────────────────────────────────────────────────


def revision_digest(revision: ReportRevision | None) -> str:
    """SHA-256 of a submitted revision's figures and texts: what a signature vouches for."""
    if revision is None:
        return ""
    payload = json.dumps(
        {"cells": revision.cells, "texts": revision.texts}, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass
class SheetStep:
    step: str
    label: str
    signoff: SignOff | None


@dataclass
class SignoffSheet:
    report: Report
    round: int
    revision: ReportRevision | None
    submitted_by: object | None
    steps: list[SheetStep]
    rounds: list[int]
    generated_at: datetime.datetime

    @property
    def complete(self) -> bool:
        return all(step.signoff is not None for step in self.steps)

    @property
    def digest(self) -> str:
        return revision_digest(self.revision)


def signoff_sheet(report: Report, *, round: int | None = None) -> SignoffSheet:
    """The 审核表 of one round (by default the latest): who signed each step, when, what."""
    rounds = list(ReportRevision.objects.filter(report_id=report.pk).order_by("round").values_list("round", flat=True))
    if round is None or round not in rounds:
        round = rounds[-1] if rounds else 0
    revision = (
        ReportRevision.objects.filter(report_id=report.pk, round=round).select_related("event__actor").first()
        if round
        else None
    )
    signoffs = {
        signoff.step: signoff
        for signoff in SignOff.objects.filter(report_id=report.pk, round=round).select_related("reviewer")
    }
    steps = [SheetStep(step, label, signoffs.get(step)) for step, label in Step.choices]
    return SignoffSheet(
        report=report,
        round=round,
        revision=revision,
        submitted_by=revision.event.actor if revision else None,
        steps=steps,
        rounds=rounds,
        generated_at=timezone.now(),
    )


def report_history(report: Report):
    """The report's whole log, oldest first: the audit trail as the history page shows it."""
    return ReportEvent.objects.filter(report_id=report.pk).select_related("actor").order_by("at", "pk")
