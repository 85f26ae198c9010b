"""Write services for the agency's data entry: create a report, save a draft, apply an upload.

Contracts the views rely on:

* Values are kept *raw*: a blank cell is ``None`` (never 0), a value that parses is stored
  in its canonical form (``int`` for counts, ``str`` for amounts, as the interchange format
  does), and a value that does not parse is stored as typed so the rules report it
  (``CELL-INVALID``) instead of the input being lost.
* Every save is optimistic-locked on ``Report.version``: the caller says which version its
  screen started from, and a save from an older screen is refused with
  :class:`StaleVersionError`, which names who saved the newer version and when.
* Only a clerk of the report's agency may write, and only while the report is editable
  (draft or returned); anything else raises before a row is touched.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import rules, standard
from .hardening import text as hardening_text
from .hardening import unsafe_character_message
from .interchange import ReportDocument
from .models import Agency, Report
from .selectors import report_previous
from .values import CellValueError, format_cell, parse_cell

FIRST_YEAR = 2021  # the 2021 edition of the format applies from the 2021 reports on
MAX_RAW_LENGTH = 40
MAX_TEXT_LENGTH = hardening_text.MAX_TEXT_LENGTH
MAX_EXPLANATION_LENGTH = 2_000
MAX_EXPLANATIONS = 1_000
# The whole stored report (cells, texts, explanations) as JSON: three texts at their limit
# and an explanation for every warning fit well below it (issue 11: bounded storage).
MAX_REPORT_BYTES = 2 * 1024 * 1024
# A historical report (imported from its published copy, reports/history/) counts too: its
# figures are the ones the agency published, and its confirmation was the check.
PREFILL_SOURCE_STATUSES = (Report.Status.APPROVED, Report.Status.PUBLISHED, Report.Status.HISTORICAL)


class EditingError(Exception):
    """Base of the editing errors; ``str(exc)`` is a Chinese message for the user."""


class ReportInputError(EditingError, ValueError):
    """Input that is not part of the format (unknown cell code, text key) or not a value at all."""


class ReportExistsError(EditingError):
    pass


class ReportNotEditableError(EditingError):
    def __init__(self, report: Report):
        self.report = report
        super().__init__(
            f"报告当前状态为“{report.get_status_display()}”，机关不能再修改。如需更正，请联系区政务公开办退回后再修改。"
        )


class StaleVersionError(EditingError):
    """A save from a screen that started before someone else's save."""

    def __init__(self, *, report: Report, expected_version: int):
        self.report_id = report.pk
        self.expected_version = expected_version
        self.current_version = report.version
        self.changed_by = report.updated_by
        self.changed_at = report.updated_at
        super().__init__(
            f"保存被拒绝：此报告已由{self.changed_by_name}于{self.changed_at_display}修改"
            f"（当前为第 {self.current_version} 版，您的页面是第 {expected_version} 版）。"
            "您输入的内容没有丢失，仍保留在页面上；请载入最新版本后重新应用您的修改。"
        )

    @property
    def changed_by_name(self) -> str:
        user = self.changed_by
        if user is None:
            return "其他人"
        return f"“{user.get_full_name() or user.username}”"

    @property
    def changed_at_display(self) -> str:
        if self.changed_at is None:
            return ""
        return timezone.localtime(self.changed_at).strftime("%Y年%m月%d日 %H:%M:%S")

    def as_dict(self) -> dict:
        return {
            "error": "stale",
            "message": str(self),
            "current_version": self.current_version,
            "changed_by": self.changed_by_name.strip("“”"),
            "changed_at": self.changed_at.isoformat() if self.changed_at else None,
        }


def user_is_clerk_of(user, report_or_agency: Report | Agency) -> bool:
    agency_id = report_or_agency.agency_id if isinstance(report_or_agency, Report) else report_or_agency.pk
    return bool(user.is_authenticated and user.is_active and user.agency_id and user.agency_id == agency_id)


def _refuse_unsafe(text: str, where: str) -> None:
    message = unsafe_character_message(text, where)
    if message:
        raise ReportInputError(message)


def normalise_cell(code: str, raw: object) -> object:
    """The value to store for what the user typed in cell ``code`` (see the module contract)."""
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
        raise ReportInputError(f"单元格 {code} 的值不是数字或文本。")
    text = raw.strip() if isinstance(raw, str) else str(raw)
    if text == "":
        return None
    if len(text) > MAX_RAW_LENGTH:
        raise ReportInputError(f"单元格“{standard.CELL_BY_CODE[code].label}”的内容过长。")
    _refuse_unsafe(text, f"单元格“{standard.CELL_BY_CODE[code].label}”")
    try:
        value = parse_cell(code, text)
    except CellValueError:
        return text
    return format_cell(code, value) if value is not None else None


def normalise_cells(cells: Mapping[str, object]) -> dict[str, object]:
    unknown = [code for code in cells if code not in standard.CELL_BY_CODE]
    if unknown:
        raise ReportInputError(f"未知的单元格：{'、'.join(sorted(map(str, unknown))[:5])}。")
    return {code: normalise_cell(code, raw) for code, raw in cells.items()}


def normalise_texts(texts: Mapping[str, object]) -> dict[str, str]:
    result = {}
    for key, value in texts.items():
        if key not in standard.TEXT_KEYS:
            raise ReportInputError(f"未知的文字部分：{key}。")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise ReportInputError(f"文字部分 {key} 不是文本。")
        if len(value) > MAX_TEXT_LENGTH:
            raise ReportInputError(f"“{standard.STANDARD.text_by_key[key].title}”超过 {MAX_TEXT_LENGTH} 字。")
        _refuse_unsafe(value, standard.STANDARD.text_by_key[key].title)
        result[key] = value.replace("\r\n", "\n").replace("\r", "\n")
    return result


def normalise_explanations(explanations: Mapping[str, object]) -> dict[str, str]:
    if len(explanations) > MAX_EXPLANATIONS:
        raise ReportInputError("警告说明过多。")
    result = {}
    for key, value in explanations.items():
        if not isinstance(key, str) or not key or len(key) > 300:
            raise ReportInputError("警告说明的编号无效。")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise ReportInputError("警告说明不是文本。")
        if len(value) > MAX_EXPLANATION_LENGTH:
            raise ReportInputError(f"一条警告说明不能超过 {MAX_EXPLANATION_LENGTH} 字。")
        _refuse_unsafe(key, "警告说明的编号")
        _refuse_unsafe(value, "警告说明")
        result[key] = value.replace("\r\n", "\n").strip()
    return result


def report_create(*, agency: Agency, year: int, by) -> Report:
    """A new draft for ``agency`` and ``year``, pre-filled from last year's approved report.

    From the previous year's report — only once it is approved or published, so that the
    figures are the checked ones — this year's ``t3.carried_in.*`` take last year's
    ``t3.carried_out.*``, and the two "in force" document counts are carried forward. Those
    cells are listed in ``Report.prefilled`` so the page marks them 预填.
    """
    if not user_is_clerk_of(by, agency):
        raise PermissionDenied("只有本机关的填报人员可以新建本机关的报告。")
    if not agency.is_active:
        raise ReportInputError(f"{agency.name}已停用，不能新建报告；如有疑问请联系区政务公开办。")
    this_year = timezone.localdate().year
    if not isinstance(year, int) or not FIRST_YEAR <= year <= this_year:
        raise ReportInputError(f"年度须在 {FIRST_YEAR} 年至 {this_year} 年之间。")
    if Report.objects.filter(agency=agency, year=year).exists():
        raise ReportExistsError(f"{agency.name}{year}年度的报告已经存在。")
    try:
        with transaction.atomic():
            report = Report(
                agency=agency,
                year=year,
                status=Report.Status.DRAFT,
                updated_by=by,
                signature_organ=agency.name,
            )
            report.full_clean()
            report.save()
            previous = report_previous(report)
            if previous is not None and previous.status in PREFILL_SOURCE_STATUSES:
                _prefill(report, previous)
    except IntegrityError as exc:
        raise ReportExistsError(f"{agency.name}{year}年度的报告已经存在。") from exc
    return report


def prefill_pairs() -> list[tuple[str, str]]:
    """(this year's cell, last year's cell) for every cell that is carried forward."""
    pairs = [
        (standard.t3("carried_in", column.code), standard.t3("carried_out", column.code))
        for column in standard.T3_COLUMNS
    ]
    pairs += [(f"t2.{row}.in_force", f"t2.{row}.in_force") for row in ("regulation", "normative")]
    return pairs


def prefilled_cells(cells: Mapping[str, object], previous_cells: Mapping[str, object] | None):
    """``cells`` with last year's carried-forward figures filled in, and the codes filled.

    Pure, so that opening a year for a whole district (``reports.cycle.services.year_open``)
    pre-fills a hundred drafts in memory and writes them in one statement."""
    cells = dict(cells)
    prefilled = []
    for target, source in prefill_pairs():
        raw = (previous_cells or {}).get(source)
        try:
            value = parse_cell(source, raw)
        except CellValueError:
            continue  # an invalid figure last year is not worth carrying
        if value is None:
            continue
        cells[target] = format_cell(target, value)
        prefilled.append(target)
    return cells, prefilled


def _prefill(report: Report, previous: Report) -> None:
    report.cells, report.prefilled = prefilled_cells(report.cells, previous.cells)
    report.save(update_fields=["cells", "prefilled", "updated_at"])


def _lock_for_edit(report_id: int, expected_version: int, by) -> Report:
    report = Report.objects.select_for_update(of=("self",)).select_related("agency", "updated_by").get(pk=report_id)
    if not user_is_clerk_of(by, report):
        raise PermissionDenied("只有本机关的填报人员可以修改本机关的报告。")
    if not report.is_editable:
        raise ReportNotEditableError(report)
    if expected_version != report.version:
        raise StaleVersionError(report=report, expected_version=expected_version)
    return report


def report_save(
    *,
    report_id: int,
    expected_version: int,
    cells: Mapping[str, object] | None = None,
    texts: Mapping[str, object] | None = None,
    explanations: Mapping[str, object] | None = None,
    by,
) -> Report:
    """Save the given cells, texts and warning explanations into the draft.

    Each mapping may hold only the entries that changed; what it does not mention is kept.
    An explanation saved empty is removed. A pre-filled cell that gets another value is no
    longer marked pre-filled. The version goes up by one when anything changed (a save that
    changes nothing leaves the version, so it cannot make another screen stale).
    """
    new_cells = normalise_cells(cells or {})
    new_texts = normalise_texts(texts or {})
    new_explanations = normalise_explanations(explanations or {})
    with transaction.atomic():
        report = _lock_for_edit(report_id, expected_version, by)
        merged_cells = {**standard.empty_cells(), **(report.cells or {}), **new_cells}
        merged_texts = {**standard.empty_texts(), **(report.texts or {}), **new_texts}
        merged_explanations = dict(report.explanations or {})
        for key, text in new_explanations.items():
            if text:
                merged_explanations[key] = text
            else:
                merged_explanations.pop(key, None)
        merged_explanations = _raised_only(report, merged_cells, merged_texts, merged_explanations)
        prefilled = [
            code for code in (report.prefilled or []) if merged_cells.get(code) == (report.cells or {}).get(code)
        ]
        if (
            merged_cells == report.cells
            and merged_texts == report.texts
            and merged_explanations == (report.explanations or {})
        ):
            return report
        _refuse_oversized(merged_cells, merged_texts, merged_explanations)
        report.cells = merged_cells
        report.texts = merged_texts
        report.explanations = merged_explanations
        report.prefilled = prefilled
        report.version += 1
        report.updated_by = by
        report.full_clean()
        report.save()
    return report


def _raised_only(report: Report, cells: dict, texts: dict, explanations: dict) -> dict[str, str]:
    """The explanations of the warnings the saved data raises, no others: at most one per
    raised warning, so made-up keys cannot pile up (issue 11), and an explanation of a
    warning that is gone goes with it."""
    if not explanations:
        return explanations
    previous = report_previous(report)
    last = rules.ReportData(previous.cells, previous.texts) if previous is not None else None
    raised = {violation.key for violation in rules.warnings(rules.check(rules.ReportData(cells, texts), last))}
    return {key: text for key, text in explanations.items() if key in raised}


def _refuse_oversized(cells: dict, texts: dict, explanations: dict) -> None:
    size = len(json.dumps([cells, texts, explanations], ensure_ascii=False, default=str).encode("utf-8"))
    if size > MAX_REPORT_BYTES:
        raise ReportInputError(
            f"报告内容过大（{size / 1024 / 1024:.1f} MB，上限 {MAX_REPORT_BYTES // 1024 // 1024} MB），未保存。"
        )


def report_apply_upload(*, report_id: int, expected_version: int, document: ReportDocument, by) -> Report:
    """Apply a parsed spreadsheet (or JSON) document to the draft, with the version check.

    The file must be this report's: same year and, when the file names one, same agency;
    otherwise nothing changes. All figures are applied (a blank in the file is a blank in the
    draft); a text is applied only when the file holds one, so an upload of figures never
    wipes the narrative typed on the web.
    """
    report = Report.objects.select_related("agency").get(pk=report_id)
    if document.year != report.year:
        raise ReportInputError(
            f"文件是 {document.year} 年度的报告，与本报告（{report.year} 年度）不符，未导入任何数据。"
        )
    if document.agency_name and document.agency_name.strip() != report.agency.name:
        raise ReportInputError(f"文件属于“{document.agency_name}”，不是“{report.agency.name}”的报告，未导入任何数据。")
    texts = {key: text for key, text in (document.texts or {}).items() if isinstance(text, str) and text.strip()}
    return report_save(
        report_id=report_id,
        expected_version=expected_version,
        cells=dict(document.cells or {}),
        texts=texts,
        by=by,
    )


def deadline_passed(report: Report, today: datetime.date | None = None) -> bool:
    return (today or timezone.localdate()) > report.deadline
