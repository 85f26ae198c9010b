"""The report's own facts: its deadline under Regulation art. 49."""

import datetime

import pytest

from reports.models import Agency, Report
from tests.factories import make_agency, make_district, make_report

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", [Agency.Kind.DEPARTMENT, Agency.Kind.TOWNSHIP, Agency.Kind.STREET])
def test_an_agency_report_is_due_on_31_january_of_the_next_year(kind):
    agency = make_agency("某机关", district=make_district())
    Agency.objects.filter(pk=agency.pk).update(kind=kind)
    report = make_report(Agency.objects.get(pk=agency.pk), year=2024)
    assert report.deadline == datetime.date(2025, 1, 31)


def test_the_district_governments_report_is_due_on_31_march():
    district = make_district()
    government = Agency.objects.create(name="北京市朝阳区人民政府", district=district, kind=Agency.Kind.DISTRICT)
    report = Report.objects.create(agency=government, year=2024)
    assert report.deadline == datetime.date(2025, 3, 31)
