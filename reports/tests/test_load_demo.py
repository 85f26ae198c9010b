"""``load_demo``: the demonstration data, loaded once or many times."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command

from reports.management.commands.load_demo import DEMO_PASSWORD
from reports.models import Agency, District, Report

User = get_user_model()

DISTRICTS = ["北京市朝阳区", "重庆市九龙坡区", "重庆市渝北区"]
AGENCIES = {
    "重庆市九龙坡区民政局": "clerk_jlp_minzheng",
    "重庆市渝北区大盛镇人民政府": "clerk_dasheng",
    "北京市朝阳区南磨房地区办事处": "clerk_nanmofang",
}
ROLE_FLAGS = ("is_first_reviewer", "is_second_reviewer", "is_final_reviewer", "is_district_admin", "is_audit_viewer")


def load_demo(*args) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (District, Agency, Report, User))


@pytest.mark.django_db
def test_load_demo_creates_districts_agencies_and_draft_reports():
    load_demo()

    assert list(District.objects.values_list("name", flat=True)) == DISTRICTS
    assert set(Agency.objects.values_list("name", flat=True)) == set(AGENCIES)
    assert Agency.objects.get(name="重庆市渝北区大盛镇人民政府").kind == Agency.Kind.TOWNSHIP
    reports = Report.objects.all()
    assert len(reports) == 3
    assert {(r.year, r.status, r.version) for r in reports} == {(2024, Report.Status.DRAFT, 1)}


@pytest.mark.django_db
def test_load_demo_twice_changes_nothing():
    load_demo()
    before = counts()
    versions = sorted(Report.objects.values_list("agency__name", "version"))

    out = load_demo()

    assert counts() == before
    assert sorted(Report.objects.values_list("agency__name", "version")) == versions
    assert out.count("未改动") == 3


@pytest.mark.django_db
def test_every_sample_agency_has_its_clerk():
    load_demo()

    for agency, username in AGENCIES.items():
        clerk = User.objects.get(username=username)
        assert clerk.agency.name == agency
        assert clerk.roles == [User.Role.CLERK]


@pytest.mark.django_db
@pytest.mark.parametrize("district", DISTRICTS)
def test_every_district_has_three_different_reviewers_and_an_administrator(district):
    load_demo()

    people = User.objects.filter(district__name=district)
    for flag in ROLE_FLAGS:
        holders = [user for user in people if getattr(user, flag)]
        assert len(holders) == 1, flag
    reviewers = {
        user.pk for user in people if user.is_first_reviewer or user.is_second_reviewer or user.is_final_reviewer
    }
    assert len(reviewers) == 3
    for user in people:
        user.full_clean()


@pytest.mark.django_db
def test_the_jiulongpo_people_have_the_documented_names():
    load_demo()

    assert User.objects.get(username="jlp_first").is_first_reviewer
    assert User.objects.get(username="jlp_second").is_second_reviewer
    assert User.objects.get(username="jlp_final").is_final_reviewer
    assert User.objects.get(username="jlp_admin").is_district_admin


@pytest.mark.django_db
def test_there_is_an_admin_superuser():
    load_demo()

    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.is_active


@pytest.mark.django_db
def test_there_is_an_installation_auditor_with_no_district_role():
    load_demo()

    auditor = User.objects.get(username="audit_all")
    assert auditor.is_installation_auditor and not auditor.district_roles and not auditor.is_superuser


@pytest.mark.django_db
def test_every_demo_user_signs_in_with_the_printed_password():
    out = load_demo()

    assert DEMO_PASSWORD in out
    for user in User.objects.all():
        assert user.check_password(DEMO_PASSWORD), user.username
        # ≥ 8 characters, not common, not like the name (checked as for a new account: for the
        # stored one it is the current password, which a *change* may not keep).
        validate_password(DEMO_PASSWORD, User(username=user.username, first_name=user.first_name, email=user.email))
    classes = [str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum()]
    assert sum(any(test(c) for c in DEMO_PASSWORD) for test in classes) >= 3


@pytest.mark.django_db
def test_the_table_lists_every_user_with_role_and_place():
    out = load_demo()

    assert "用户名" in out and "角色" in out and "密码" in out
    for user in User.objects.all():
        assert user.username in out
    line = next(line for line in out.splitlines() if line.startswith("jlp_final "))
    assert "终审人" in line and "重庆市九龙坡区" in line and DEMO_PASSWORD in line


@pytest.mark.django_db
def test_a_second_run_resets_a_changed_password_and_role():
    load_demo()
    user = User.objects.get(username="jlp_first")
    user.set_password("Something-else-2025")
    user.is_first_reviewer = False
    user.save()

    load_demo()

    user.refresh_from_db()
    assert user.check_password(DEMO_PASSWORD)
    assert user.is_first_reviewer


@pytest.mark.django_db
def test_a_second_run_leaves_a_report_in_review_alone():
    load_demo()
    Report.objects.filter(agency__name="重庆市九龙坡区民政局").update(status=Report.Status.SUBMITTED)

    load_demo()

    assert Report.objects.get(agency__name="重庆市九龙坡区民政局").status == Report.Status.SUBMITTED


@pytest.mark.django_db
def test_reset_brings_the_reports_back_to_the_samples():
    load_demo()
    before = counts()
    report = Report.objects.get(agency__name="重庆市九龙坡区民政局")
    Report.objects.filter(pk=report.pk).update(status=Report.Status.PUBLISHED, version=7, cells={})

    out = load_demo("--reset")

    assert counts() == before
    report = Report.objects.get(agency__name="重庆市九龙坡区民政局")
    assert (report.status, report.version) == (Report.Status.DRAFT, 1)
    assert report.cells["t2.licensing.decisions"] == 102
    assert "已删除" in out


@pytest.mark.django_db
def test_reset_refuses_when_a_demo_report_has_an_audit_trail_and_changes_nothing(capsys):
    from review.workflow import report_submit

    call_command("load_demo")
    report = Report.objects.get(agency__name="北京市朝阳区南磨房地区办事处")
    cells = {**report.cells, "t6.fee_notices": 0, "t6.fee_notice_amount": "0", "t6.fee_collected": "0"}
    Report.objects.filter(pk=report.pk).update(cells=cells)
    clerk = report.agency.clerks.first()
    report_submit(report_id=report.pk, by=clerk)
    with pytest.raises(SystemExit) as exit_info:
        call_command("load_demo", reset=True)
    assert exit_info.value.code == 1
    assert "审计日志不可删除" in capsys.readouterr().err
    assert Report.objects.get(pk=report.pk).status == Report.Status.SUBMITTED
