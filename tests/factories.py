"""Object graphs for tests: districts, agencies, people and reports, with the samples' data.

Plain functions rather than a factory library: the graphs are small, and each argument a
test cares about is a keyword.
"""

from __future__ import annotations

import copy
from pathlib import Path

from django.contrib.auth import get_user_model

from reports import standard
from reports.interchange import ReportDocument, load_json_file
from reports.models import Agency, District, Report

SAMPLES = Path(__file__).resolve().parent.parent / "reports" / "fixtures" / "samples"
NANMOFANG = SAMPLES / "2024-nanmofang-area.json"
PASSWORD = "Test-pass-2025!"


def sample_document(path: Path = NANMOFANG) -> ReportDocument:
    return load_json_file(path)


def complete_cells(path: Path = NANMOFANG) -> dict[str, object]:
    """The sample's figures with its blank fee figures (not stated in the report) as 0: no errors."""
    cells = dict(sample_document(path).cells)
    for code, value in cells.items():
        if value is None:
            cells[code] = "0" if standard.CELL_BY_CODE[code].kind.is_amount else 0
    return cells


def complete_texts(path: Path = NANMOFANG) -> dict[str, str]:
    return dict(sample_document(path).texts)


def make_district(name: str = "北京市朝阳区") -> District:
    return District.objects.get_or_create(name=name)[0]


def make_agency(name: str = "北京市朝阳区南磨房地区办事处", *, district: District | None = None) -> Agency:
    district = district or make_district()
    return Agency.objects.get_or_create(name=name, defaults={"district": district, "kind": Agency.Kind.STREET})[0]


def make_user(username: str, *, full_name: str = "", **fields):
    user = get_user_model().objects.create_user(username, password=PASSWORD, first_name=full_name, **fields)
    return user


def make_clerk(agency: Agency, username: str | None = None, *, full_name: str = ""):
    return make_user(username or f"clerk{agency.pk}", full_name=full_name or f"{agency.name}填报人", agency=agency)


def make_reviewer(district: District, username: str = "first_reviewer", **roles):
    roles = roles or {"is_first_reviewer": True}
    return make_user(username, full_name="初审人", district=district, **roles)


def make_report(
    agency: Agency,
    *,
    year: int = 2024,
    status: str = Report.Status.DRAFT,
    cells: dict | None = None,
    texts: dict | None = None,
    explanations: dict | None = None,
    by=None,
) -> Report:
    return Report.objects.create(
        agency=agency,
        year=year,
        status=status,
        cells=copy.deepcopy(cells) if cells is not None else standard.empty_cells(),
        texts=dict(texts) if texts is not None else standard.empty_texts(),
        explanations=dict(explanations or {}),
        updated_by=by,
        signature_organ=agency.name,
    )


def report_state(report: Report) -> tuple:
    """What a refused request must leave unchanged."""
    report = Report.objects.get(pk=report.pk)
    return (report.status, report.version, report.cells, report.texts, report.explanations, report.prefilled)
