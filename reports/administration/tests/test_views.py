"""The district administration pages through the request cycle: the flows, and — one test per
mutating endpoint — that district Y's administrator can change nothing of district X."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent, User
from reports.models import Agency

from .conftest import client_for
from .onboarding_files import ACCOUNTS, AGENCIES, filled_template

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(client, data: bytes, name: str = "开通.xlsx"):
    return client.post(reverse("administration:onboarding"), {"file": SimpleUploadedFile(name, data, XLSX)})


def agency_state(agency):
    agency = Agency.objects.get(pk=agency.pk)
    return (agency.name, agency.kind, agency.is_active)


def user_state(user):
    user = User.objects.get(pk=user.pk)
    return (user.first_name, user.email, user.is_active, user.password, user.must_change_password, user.agency_id)


def changes_logged() -> bool:
    kinds = [AuditEvent.Kind.ACCOUNT_CHANGED, AuditEvent.Kind.ACCOUNT_CREATED, AuditEvent.Kind.IMPORT]
    return AuditEvent.objects.filter(kind__in=kinds).exists()


# ── Another district's administrator: 404 and nothing changed, for every mutating endpoint ──


def test_another_district_cannot_edit_an_agency(admin_y_client, agency_a):
    before = agency_state(agency_a)
    url = reverse("administration:agency_edit", args=[agency_a.pk])
    response = admin_y_client.post(url, {"name": "被改名", "kind": "department", "is_active": ""})
    assert response.status_code == 404
    assert agency_state(agency_a) == before
    assert not changes_logged()


@pytest.mark.parametrize("name", ["user_edit", "user_unlock", "user_reset_password"])
def test_another_district_cannot_touch_an_account(admin_y_client, clerk_a, name):
    before = user_state(clerk_a)
    response = admin_y_client.post(
        reverse(f"administration:{name}", args=[clerk_a.pk]), {"full_name": "被改", "email": "", "is_active": ""}
    )
    assert response.status_code == 404
    assert user_state(clerk_a) == before
    assert not changes_logged()


def test_another_district_cannot_create_a_clerk_in_this_districts_agency(admin_y_client, agency_a):
    response = admin_y_client.post(
        reverse("administration:user_create"),
        {"username": "intruder", "account_kind": "clerk", "agency": agency_a.pk},
    )
    assert response.status_code == 400
    assert "选择一个有效的选项" in response.content.decode()
    assert not User.objects.filter(username="intruder").exists()


def test_agencies_created_by_an_administrator_go_to_their_own_district(admin_y_client, admin_y, x):
    response = admin_y_client.post(
        reverse("administration:agency_create"), {"name": "渝北区新机关", "kind": "department"}
    )
    assert response.status_code == 302
    assert Agency.objects.get(name="渝北区新机关").district == admin_y.district


def test_another_districts_upload_cannot_be_previewed_or_applied(admin_x_client, admin_y_client, x, agency_a):
    response = upload(admin_x_client, filled_template(x, agencies=AGENCIES, accounts=ACCOUNTS))
    preview = response.url
    token = preview.rstrip("/").rsplit("/", 1)[-1]
    # Y's administrator with X's token: not found (the file is the uploader's), nothing applied.
    assert admin_y_client.get(preview).url == reverse("administration:onboarding")
    applied = admin_y_client.post(reverse("administration:onboarding_apply", args=[token]))
    assert applied.url == reverse("administration:onboarding")
    assert Agency.objects.count() == 1 and not User.objects.filter(username="jiaowei01").exists()
    # X's own preview still works.
    assert admin_x_client.get(preview).status_code == 200


@pytest.mark.parametrize("who", ["clerk_a", "reviewer_x"])
def test_clerks_and_reviewers_are_refused(request, who, agency_a):
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("administration:agencies")).status_code == 403
    before = agency_state(agency_a)
    url = reverse("administration:agency_edit", args=[agency_a.pk])
    assert client.post(url, {"name": "x", "kind": "department"}).status_code == 403
    assert agency_state(agency_a) == before


def test_a_huge_id_is_not_found(admin_x_client):
    assert admin_x_client.get(reverse("administration:agency_edit", args=[10**20])).status_code == 404
    assert admin_x_client.get(reverse("administration:user_edit", args=[10**20])).status_code == 404


# ── The flows ───────────────────────────────────────────────────────────────────────────


def test_the_agency_list_shows_clerks_and_report_status(admin_x_client, agency_a, agency_b, clerk_a):
    from reports.administration.selectors import reporting_year
    from tests.factories import make_report

    make_report(agency_a, year=reporting_year())
    page = admin_x_client.get(reverse("administration:agencies")).content.decode()
    assert "北京市朝阳区南磨房地区办事处" in page and "张明" in page and "草稿" in page
    assert "北京市朝阳区民政局" in page and "未创建" in page


def test_an_agency_is_renamed_and_deactivated_through_the_page(admin_x_client, agency_a):
    url = reverse("administration:agency_edit", args=[agency_a.pk])
    response = admin_x_client.post(url, {"name": "南磨房乡", "kind": "township"})
    assert response.status_code == 302
    assert agency_state(agency_a) == ("南磨房乡", "township", False)


def test_a_refused_agency_edit_says_why(admin_x_client, agency_a, agency_b):
    url = reverse("administration:agency_edit", args=[agency_a.pk])
    response = admin_x_client.post(url, {"name": agency_b.name, "kind": "street", "is_active": "on"})
    assert response.status_code == 400
    assert "已被本区的机关使用" in response.content.decode()
    assert agency_state(agency_a)[0] == "北京市朝阳区南磨房地区办事处"


def test_creating_a_reviewer_shows_the_password_once_and_never_caches_it(admin_x_client, x):
    response = admin_x_client.post(
        reverse("administration:user_create"),
        {"username": "zhou", "full_name": "周审", "account_kind": "reviewer", "roles": ["first_reviewer"]},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    user = User.objects.get(username="zhou")
    password = response.context["password"]
    assert user.check_password(password) and user.is_first_reviewer and user.district == x
    assert password in response.content.decode()


def test_a_clerk_with_review_roles_is_refused_by_the_form(admin_x_client, agency_a):
    response = admin_x_client.post(
        reverse("administration:user_create"),
        {"username": "mixed", "account_kind": "clerk", "agency": agency_a.pk, "roles": ["first_reviewer"]},
    )
    assert response.status_code == 400
    assert "机关填报人员不能担任审核角色" in response.content.decode()
    assert not User.objects.filter(username="mixed").exists()


def test_reset_password_through_the_page(admin_x_client, clerk_a):
    response = admin_x_client.post(reverse("administration:user_reset_password", args=[clerk_a.pk]))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    clerk_a.refresh_from_db()
    assert clerk_a.must_change_password and clerk_a.check_password(response.context["password"])


def test_upload_preview_refresh_and_apply(admin_x_client, x, agency_a):
    bad = filled_template(x, agencies=AGENCIES, accounts=[*ACCOUNTS, ("wang", "王", None, "不存在的机关", None)])
    response = upload(admin_x_client, bad)
    assert response.status_code == 302
    preview = admin_x_client.get(response.url)
    page = preview.content.decode()
    assert "拒绝" in page and "未知机关" in page and 'id="apply-form"' not in page
    # Refreshing shows the same preview: the file is kept on the server.
    assert admin_x_client.get(response.url).content.decode().count("未知机关") == page.count("未知机关")
    # Applying it anyway (a forged post) is refused and writes nothing.
    token = response.url.rstrip("/").rsplit("/", 1)[-1]
    refused = admin_x_client.post(reverse("administration:onboarding_apply", args=[token]), follow=True)
    assert "整个文件未导入" in refused.content.decode()
    assert Agency.objects.count() == 1

    good = upload(admin_x_client, filled_template(x, agencies=AGENCIES, accounts=ACCOUNTS))
    token = good.url.rstrip("/").rsplit("/", 1)[-1]
    assert 'id="apply-form"' in admin_x_client.get(good.url).content.decode()
    done = admin_x_client.post(reverse("administration:onboarding_apply", args=[token]))
    assert done.status_code == 200 and "no-store" in done["Cache-Control"]
    assert Agency.objects.count() == 3 and User.objects.filter(username="reviewer_zhou").exists()
    # The file is gone once applied: a second apply (the back button) does nothing.
    again = admin_x_client.post(reverse("administration:onboarding_apply", args=[token]))
    assert again.url == reverse("administration:onboarding")
    assert User.objects.filter(username="jiaowei01").count() == 1


def test_an_unreadable_upload_is_answered_at_once_and_not_kept(admin_x_client, data_dir):
    response = upload(admin_x_client, b"PK\x03\x04 not really a zip")
    assert response.status_code == 400
    assert "不是有效的 Excel" in response.content.decode()
    assert not (data_dir / "onboarding").exists() or not any((data_dir / "onboarding").iterdir())


def test_the_template_downloads(admin_x_client):
    response = admin_x_client.get(reverse("administration:onboarding_template"))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert response.content.startswith(b"PK")


def test_the_administrator_sees_the_link_in_the_navigation(admin_x_client, reviewer_x):
    link = reverse("administration:agencies")
    assert link in admin_x_client.get(reverse("reports:home")).content.decode()
    assert link not in client_for(reviewer_x).get(reverse("reports:home")).content.decode()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("agency_create", {"name": "坏\x00名", "kind": "department"}),
        ("agency_create", {"name": "甲" * 5000, "kind": "department"}),
        ("agency_create", {"name": "甲局", "kind": "<script>"}),
        ("user_create", {"username": "ok_name", "account_kind": "clerk", "agency": str(10**20)}),
        ("user_create", {"username": "bad\x1bname", "account_kind": "reviewer", "roles": ["first_reviewer"]}),
        ("user_create", {"username": "ok_name", "account_kind": "reviewer", "roles": ["district_admin"]}),
        ("user_create", {"username": "ok_name", "account_kind": "nobody"}),
    ],
)
def test_hostile_input_is_a_400_with_a_message_and_changes_nothing(admin_x_client, agency_a, name, data):
    agencies, users = Agency.objects.count(), User.objects.count()
    response = admin_x_client.post(reverse(f"administration:{name}"), data)
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode() or "alert" in response.content.decode()
    assert (Agency.objects.count(), User.objects.count()) == (agencies, users)
