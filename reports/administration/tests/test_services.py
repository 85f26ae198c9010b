"""The district administrator's services, called directly: agencies, accounts, the audit log,
and the rules that keep one district's administrator out of another district."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import AuditEvent, User
from reports.administration import services
from reports.administration.services import AdministrationError
from reports.editing import ReportInputError, report_create
from reports.models import Agency, Publication, Report
from reports.tests.publishing_fixtures import approved_report, publish
from tests.factories import PASSWORD, make_agency, make_user

LOGIN = reverse("accounts:login")


def sign_in(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def last_event(**filters) -> AuditEvent:
    return AuditEvent.objects.filter(**filters).order_by("-pk").first()


# ── Agencies ────────────────────────────────────────────────────────────────────────────


def test_an_agency_is_created_in_the_administrators_district_and_logged(x, admin_x):
    agency = services.agency_create(
        district=x, name=" 北京市朝阳区 教育委员会 ", kind=Agency.Kind.DEPARTMENT, by=admin_x
    )
    assert (agency.district, agency.name, agency.kind, agency.is_active) == (
        x,
        "北京市朝阳区 教育委员会",
        Agency.Kind.DEPARTMENT,
        True,
    )
    event = last_event(user=admin_x)
    assert event.kind == AuditEvent.Kind.ACCOUNT_CHANGED
    assert event.object == "机关 北京市朝阳区 教育委员会"
    assert "新建机关" in event.detail and "类型：区级部门" in event.detail


@pytest.mark.parametrize(
    ("name", "kind", "message"),
    [
        ("北京市朝阳区南磨房地区办事处", Agency.Kind.STREET, "已被本区的机关使用"),
        ("重庆市渝北区民政局", Agency.Kind.DEPARTMENT, "已被其他区的机关使用"),
        ("", Agency.Kind.DEPARTMENT, "请填写机关名称"),
        ("甲" * 101, Agency.Kind.DEPARTMENT, "不能超过 100 个字"),
        ("坏\u202e名称", Agency.Kind.DEPARTMENT, "控制字符"),
        ("某机关", "ministry", "机关类型须为"),
    ],
)
def test_a_bad_agency_is_refused_and_nothing_is_written(x, admin_x, agency_a, agency_y, name, kind, message):
    before = Agency.objects.count()
    with pytest.raises(AdministrationError, match=message):
        services.agency_create(district=x, name=name, kind=kind, by=admin_x)
    assert Agency.objects.count() == before
    assert not AuditEvent.objects.filter(user=admin_x).exists()


def test_one_district_government_per_district(x, admin_x):
    services.agency_create(district=x, name="北京市朝阳区人民政府", kind=Agency.Kind.DISTRICT, by=admin_x)
    with pytest.raises(AdministrationError, match="本区已有区人民政府"):
        services.agency_create(district=x, name="朝阳区政府（重复）", kind=Agency.Kind.DISTRICT, by=admin_x)


def test_rename_and_kind_are_logged_with_before_and_after(agency_a, admin_x):
    services.agency_update(
        agency=agency_a, name="北京市朝阳区南磨房乡", kind=Agency.Kind.TOWNSHIP, is_active=True, by=admin_x
    )
    agency_a.refresh_from_db()
    assert (agency_a.name, agency_a.kind) == ("北京市朝阳区南磨房乡", Agency.Kind.TOWNSHIP)
    event = last_event(user=admin_x)
    assert event.object == "机关 北京市朝阳区南磨房地区办事处"
    assert "名称：北京市朝阳区南磨房地区办事处 → 北京市朝阳区南磨房乡" in event.detail
    assert "类型：街道（地区）办事处 → 乡镇人民政府" in event.detail
    assert "状态" not in event.detail  # unchanged fields are not listed


def test_saving_an_agency_unchanged_logs_nothing(agency_a, admin_x):
    services.agency_update(agency=agency_a, name=agency_a.name, kind=agency_a.kind, is_active=True, by=admin_x)
    assert not AuditEvent.objects.filter(user=admin_x).exists()


def test_a_renamed_agency_keeps_its_published_name(agency_a, admin_x, media_root):
    """The public sees a past year under the name it was published with: the publication's
    ``agency_name`` and its snapshot are frozen; the unpublished reports take the new name."""
    report = approved_report(agency_a, year=2023)
    publication = publish(report)
    draft = Report.objects.create(agency=agency_a, year=2024)
    services.agency_update(
        agency=agency_a, name="北京市朝阳区南磨房乡人民政府", kind=agency_a.kind, is_active=True, by=admin_x
    )

    publication = Publication.objects.get(pk=publication.pk)
    assert publication.agency_name == "北京市朝阳区南磨房地区办事处"
    assert publication.snapshot["agency"]["name"] == "北京市朝阳区南磨房地区办事处"
    assert publication.title.startswith("北京市朝阳区南磨房地区办事处2023年")
    assert Report.objects.get(pk=draft.pk).title.startswith("北京市朝阳区南磨房乡人民政府2024年")
    from django.test import Client

    public = Client().get(reverse("reports:public_detail", args=[report.pk]))
    assert public.status_code == 200
    page = public.content.decode()
    assert "北京市朝阳区南磨房地区办事处" in page and "南磨房乡人民政府" not in page


def test_a_deactivated_agency_keeps_its_reports_and_starts_no_new_one(agency_a, clerk_a, admin_x):
    old = Report.objects.create(agency=agency_a, year=2023)
    services.agency_update(agency=agency_a, name=agency_a.name, kind=agency_a.kind, is_active=False, by=admin_x)
    agency_a.refresh_from_db()
    assert not agency_a.is_active
    assert Report.objects.filter(pk=old.pk).exists()
    with pytest.raises(ReportInputError, match="已停用"):
        report_create(agency=agency_a, year=2024, by=clerk_a)
    assert "状态：在用 → 已停用" in last_event(user=admin_x).detail
    # The clerk's home page no longer offers the form.
    from django.test import Client

    client = Client()
    client.force_login(clerk_a)
    assert 'action="/my/reports/new/"' not in client.get(reverse("reports:home")).content.decode()


def test_an_administrator_cannot_touch_another_districts_agency(agency_y, admin_x, x):
    with pytest.raises(PermissionDenied):
        services.agency_update(agency=agency_y, name="改名", kind=agency_y.kind, is_active=False, by=admin_x)
    agency_y.refresh_from_db()
    assert (agency_y.name, agency_y.is_active) == ("重庆市渝北区民政局", True)


@pytest.mark.parametrize("who", ["reviewer_x", "clerk_a"])
def test_only_an_administrator_creates_agencies(request, x, who):
    with pytest.raises(PermissionDenied):
        services.agency_create(district=x, name="新机关", kind=Agency.Kind.DEPARTMENT, by=request.getfixturevalue(who))
    assert not Agency.objects.filter(name="新机关").exists()


def test_an_administrator_cannot_create_in_another_district(y, admin_x):
    with pytest.raises(PermissionDenied):
        services.agency_create(district=y, name="新机关", kind=Agency.Kind.DEPARTMENT, by=admin_x)


# ── Accounts ────────────────────────────────────────────────────────────────────────────


def test_a_clerk_is_created_with_a_one_time_password_to_change(x, agency_a, admin_x, client):
    user, password = services.user_create(
        district=x, username="wang.li", full_name="王丽", email="wl@example.cn", agency=agency_a, by=admin_x
    )
    assert (user.agency, user.district, user.district_roles, user.must_change_password) == (agency_a, None, [], True)
    event = last_event(kind=AuditEvent.Kind.ACCOUNT_CREATED)
    assert (event.user, event.object) == (admin_x, "用户 wang.li")
    assert "所属：北京市朝阳区南磨房地区办事处" in event.detail and password not in event.detail
    # The one-time password signs in, and the forced change comes first.
    assert sign_in(client, "wang.li", password).status_code == 302
    assert client.get(reverse("reports:home")).url == reverse("accounts:password_change")


def test_a_reviewer_is_created_with_roles(x, admin_x):
    user, _ = services.user_create(
        district=x,
        username="reviewer2",
        roles=[User.Role.SECOND_REVIEWER, User.Role.FINAL_REVIEWER],
        by=admin_x,
    )
    assert (user.district, user.agency, user.is_first_reviewer, user.is_second_reviewer, user.is_final_reviewer) == (
        x,
        None,
        False,
        True,
        True,
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"username": "x y"}, "不合规"),
        ({"username": "张三"}, "不合规"),
        ({"username": "ab"}, "不合规"),
        ({"username": "CLERK_A"}, "已被使用"),  # case-insensitive
        ({"roles": [User.Role.FIRST_REVIEWER], "agency": "a"}, "机关填报人员不能担任审核角色"),
        ({"roles": [User.Role.DISTRICT_ADMIN]}, "只能设置初审、复审、终审"),
        ({"roles": []}, "请选择所属机关"),
        ({"agency": "y"}, "只能为本区的机关"),
        ({"agency": "a", "email": "not-an-address"}, "电子邮件地址"),
    ],
)
def test_a_bad_account_is_refused_and_nothing_is_written(x, agency_a, agency_y, admin_x, clerk_a, fields, message):
    agencies = {"a": agency_a, "y": agency_y}
    arguments = {"username": "newbie", "roles": [], **fields}
    if "agency" in arguments:
        arguments["agency"] = agencies[arguments["agency"]]
    before = User.objects.count()
    with pytest.raises(AdministrationError, match=message):
        services.user_create(district=x, by=admin_x, **arguments)
    assert User.objects.count() == before
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.ACCOUNT_CREATED).exists()


def test_no_account_for_an_inactive_agency(x, agency_a, admin_x):
    Agency.objects.filter(pk=agency_a.pk).update(is_active=False)
    agency_a.refresh_from_db()
    with pytest.raises(AdministrationError, match="已停用"):
        services.user_create(district=x, username="late", agency=agency_a, by=admin_x)


def test_reviewer_roles_are_set_and_logged(reviewer_x, admin_x):
    services.user_update(
        user=reviewer_x,
        full_name="王审",
        email="",
        is_active=True,
        roles=[User.Role.SECOND_REVIEWER],
        by=admin_x,
    )
    reviewer_x.refresh_from_db()
    assert (reviewer_x.is_first_reviewer, reviewer_x.is_second_reviewer) == (False, True)
    assert "角色：初审人 → 复审人" in last_event(user=admin_x).detail


def test_separation_of_duties_holds_when_roles_are_set(admin_x, clerk_a, x):
    other_admin = make_user("admin_x2", district=x, is_district_admin=True)
    with pytest.raises(AdministrationError, match="管理员不能同时担任审核人"):
        services.user_update(
            user=other_admin, full_name="", email="", is_active=True, roles=[User.Role.FINAL_REVIEWER], by=admin_x
        )
    with pytest.raises(AdministrationError, match="机关填报人员不能担任审核角色"):
        services.user_update(
            user=clerk_a, full_name="", email="", is_active=True, roles=[User.Role.FIRST_REVIEWER], by=admin_x
        )
    other_admin.refresh_from_db()
    clerk_a.refresh_from_db()
    assert other_admin.district_roles == [User.Role.DISTRICT_ADMIN] and clerk_a.district_roles == []


def test_a_deactivated_leavers_open_session_is_refused_on_the_next_request(clerk_a, admin_x, client):
    """Signed in through the real sign-in (the project's backends: django-axes, then Django's
    ModelBackend, whose ``get_user`` answers no user for an inactive account)."""
    assert sign_in(client, "clerk_a", PASSWORD).status_code == 302
    assert client.get(reverse("reports:home")).status_code == 200
    services.user_update(user=clerk_a, full_name="张明", email="", is_active=False, by=admin_x)
    response = client.get(reverse("reports:home"))
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    # …and cannot sign in again.
    assert sign_in(client, "clerk_a", PASSWORD).status_code == 200
    assert "状态：在用 → 已停用" in last_event(user=admin_x).detail


def test_a_reactivated_account_does_not_get_its_old_session_back(clerk_a, admin_x, client):
    from django.test import Client

    other = Client()
    assert sign_in(client, "clerk_a", PASSWORD).status_code == 302
    assert sign_in(other, "admin_x", PASSWORD).status_code == 302  # another person's session stays
    services.user_update(user=clerk_a, full_name="张明", email="", is_active=False, by=admin_x)
    services.user_update(user=clerk_a, full_name="张明", email="", is_active=True, by=admin_x)
    response = client.get(reverse("reports:home"))
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert other.get(reverse("reports:home")).status_code == 200


def test_an_administrator_cannot_deactivate_themself(admin_x):
    with pytest.raises(AdministrationError, match="不能停用自己的账户"):
        services.user_update(user=admin_x, full_name="", email="", is_active=False, by=admin_x)
    admin_x.refresh_from_db()
    assert admin_x.is_active


def test_a_password_reset_forces_a_change_and_ends_the_old_session(clerk_a, admin_x, client):
    assert sign_in(client, "clerk_a", PASSWORD).status_code == 302
    password = services.user_reset_password(user=clerk_a, by=admin_x)
    clerk_a.refresh_from_db()
    assert clerk_a.must_change_password and clerk_a.check_password(password) and not clerk_a.check_password(PASSWORD)
    # The session opened with the old password is over (Django checks the password hash).
    response = client.get(reverse("reports:home"))
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    # The one-time password signs in, straight to the forced change.
    assert sign_in(client, "clerk_a", password).status_code == 302
    assert client.get(reverse("reports:home")).url == reverse("accounts:password_change")
    event = last_event(user=admin_x)
    assert event.object == "用户 clerk_a" and "重置密码" in event.detail and password not in event.detail


def test_one_time_passwords_pass_the_rules_and_differ(clerk_a):
    from django.contrib.auth.password_validation import validate_password

    passwords = {services.one_time_password(clerk_a) for _ in range(20)}
    assert len(passwords) == 20
    for password in passwords:
        validate_password(password, clerk_a)


def test_unlock_lifts_a_lockout(clerk_a, admin_x, client):
    for _ in range(5):
        sign_in(client, "clerk_a", "wrong")
    assert sign_in(client, "clerk_a", PASSWORD).status_code == 429
    assert services.locked_usernames(["clerk_a"]) == {"clerk_a"}
    assert services.user_unlock(user=clerk_a, by=admin_x) > 0
    assert services.locked_usernames(["clerk_a"]) == set()
    assert sign_in(client, "clerk_a", PASSWORD).status_code == 302
    assert "解除登录锁定" in last_event(user=admin_x).detail


@pytest.mark.parametrize("action", ["update", "reset", "unlock"])
def test_an_administrator_cannot_touch_another_districts_people(y, admin_x, action):
    stranger = make_user("clerk_y", agency=make_agency("重庆市渝北区民政局", district=y))
    password_before = stranger.password
    with pytest.raises(PermissionDenied):
        if action == "update":
            services.user_update(user=stranger, full_name="改", email="", is_active=False, by=admin_x)
        elif action == "reset":
            services.user_reset_password(user=stranger, by=admin_x)
        else:
            services.user_unlock(user=stranger, by=admin_x)
    stranger.refresh_from_db()
    assert (stranger.is_active, stranger.first_name, stranger.password) == (True, "", password_before)
    assert not AuditEvent.objects.filter(user=admin_x).exists()


def test_the_superuser_is_not_a_districts_to_manage(x, admin_x, django_user_model):
    root = django_user_model.objects.create_superuser("root", password=PASSWORD, district=x)
    assert root not in services.district_users(district=x)
    with pytest.raises(PermissionDenied):
        services.user_reset_password(user=root, by=admin_x)
