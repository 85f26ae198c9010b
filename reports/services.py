"""Writes to reports: each a keyword-only function named ``<thing>_<action>``.

Services that change a report lock its row (``select_for_update``), re-check its state and
raise a domain error when the state forbids the change.
"""

from __future__ import annotations

import re

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction

from . import interchange
from .interchange import InterchangeError, ReportDocument
from .models import Agency, District, Report

# ── Import and export ───────────────────────────────────────────────────────────────────


class ReportLockedError(InterchangeError):
    """The report is under review or published; its data may not be replaced."""


_TOWNSHIP = re.compile(r"[镇乡](人民政府)?$")
_STREET = re.compile(r"(街道|地区)(办事处)?$|办事处$")
_DISTRICT = re.compile(r"[区县旗]人民政府$")


def agency_kind_guess(name: str) -> str:
    """The kind of agency its name suggests: 镇/乡 government, street or area office,
    district or county government, else a department.

    Only the *end* of the name counts: 住房和城乡建设委员会 holds 乡 but is a department.
    """
    if _TOWNSHIP.search(name):
        return Agency.Kind.TOWNSHIP
    if _STREET.search(name):
        return Agency.Kind.STREET
    if _DISTRICT.search(name):
        return Agency.Kind.DISTRICT
    return Agency.Kind.DEPARTMENT


def _clean(instance, **kwargs) -> None:
    """``full_clean``, its complaints as one Chinese line naming the fields."""
    try:
        instance.full_clean(**kwargs)
    except ValidationError as exc:
        parts = []
        for name, messages in exc.message_dict.items():
            label = "" if name == NON_FIELD_ERRORS else f"{instance._meta.get_field(name).verbose_name}："
            parts.extend(label + " ".join(str(message).split()) for message in messages)
        raise InterchangeError("；".join(parts)) from None


def _district_for(name: str) -> District:
    district = District.objects.filter(name=name).first()
    if district is not None:
        return district
    district = District(name=name)
    _clean(district, validate_unique=False)
    district, _ = District.objects.get_or_create(name=name)
    return district


def _agency_for(document: ReportDocument) -> Agency:
    """The agency the document names, created (with its district) when new."""
    agency = Agency.objects.select_related("district").filter(name=document.agency_name).first()
    if agency is not None:
        if document.district_name and document.district_name != agency.district.name:
            raise InterchangeError(
                f"机关“{agency.name}”属于“{agency.district.name}”，"
                f"但文件中的 agency.district 为“{document.district_name}”"
            )
        return agency
    if not document.district_name:
        raise InterchangeError("缺少 agency.district，无法确定所属区")
    district = _district_for(document.district_name)
    agency = Agency(district=district, name=document.agency_name, kind=agency_kind_guess(document.agency_name))
    _clean(agency, validate_unique=False)
    agency, _ = Agency.objects.get_or_create(
        name=document.agency_name, defaults={"district": district, "kind": agency.kind}
    )
    return agency


def report_import(*, document: ReportDocument, by=None) -> Report:
    """Create the agency's report for the document's year, or replace a draft's data.

    Creates the district and the agency when they are new (the agency's kind guessed from its
    name). An existing report is replaced only while it is editable (draft or returned); its
    ``version`` goes up by one. A report under review or published raises
    ``ReportLockedError`` and nothing is written. Warning explanations are kept; the list of
    prefilled cells is cleared, since every figure now comes from the file.
    """
    with transaction.atomic():
        agency = _agency_for(document)
        report = Report.objects.select_for_update().filter(agency=agency, year=document.year).first()
        created = report is None
        if created:
            report = Report(agency=agency, year=document.year, status=Report.Status.DRAFT, version=1)
        elif not report.is_editable:
            raise ReportLockedError(f"{report.title}{_status_note(report)}，该报告已提交审核或已发布，不能再导入覆盖")
        else:
            report.version += 1
        interchange.apply_document(report, document)
        report.prefilled = []
        report.updated_by = by
        _clean(report, validate_unique=False, validate_constraints=False)
        if created:
            try:
                # A concurrent import of the same report wins the insert: ours then fails
                # cleanly instead of overwriting it unseen.
                with transaction.atomic():
                    report.save(force_insert=True)
            except IntegrityError:
                raise InterchangeError(f"{report.title}正由他人同时导入，请稍后重试") from None
        else:
            report.save()
    return report


def _status_note(report: Report) -> str:
    return f"（状态：{report.get_status_display()}）"


def report_export(report: Report) -> dict:
    """The report as a JSON interchange document (a dict ready for ``json.dumps``)."""
    return interchange.document_to_json(interchange.report_to_document(report))
