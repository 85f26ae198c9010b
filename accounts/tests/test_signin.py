"""Sign-in, lockout, password rules and sessions (等级保护 level 2)."""

import datetime
from io import StringIO

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.appendonly import AppendOnlyError
from accounts.forms import GENERIC_LOGIN_ERROR
from accounts.models import AuditEvent, User
from reports.models import Agency, District

PASSWORD = "Quiet-Harbor-2025"
LOGIN = reverse("accounts:login")


@pytest.fixture
def clerk(db):
    district = District.objects.create(name="测试区")
    agency = Agency.objects.create(name="测试区民政局", district=district)
    user = User(username="clerk_a", agency=agency)
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_right_password_signs_in_and_is_logged(client, clerk):
    response = sign_in(client, "clerk_a", PASSWORD)
    assert response.status_code == 302
    assert AuditEvent.objects.filter(kind="login", user=clerk, result="success").count() == 1


def test_wrong_password_gets_one_generic_message_and_is_logged(client, clerk):
    response = sign_in(client, "clerk_a", "wrong")
    assert GENERIC_LOGIN_ERROR in response.content.decode()
    unknown = sign_in(client, "nobody", "wrong")
    assert GENERIC_LOGIN_ERROR in unknown.content.decode()
    assert AuditEvent.objects.filter(kind="login_failed", result="failure").count() == 2


def test_five_failures_lock_the_account_even_for_the_right_password(client, clerk):
    for _ in range(5):
        sign_in(client, "clerk_a", "wrong")
    response = sign_in(client, "clerk_a", PASSWORD)
    assert response.status_code == 429
    assert GENERIC_LOGIN_ERROR in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(kind="locked_out", username="clerk_a").exists()


def test_four_failures_do_not_lock(client, clerk):
    for _ in range(4):
        sign_in(client, "clerk_a", "wrong")
    assert sign_in(client, "clerk_a", PASSWORD).status_code == 302


def test_lockout_is_per_account_not_per_address(client, clerk, django_user_model):
    other = django_user_model(username="clerk_b", agency=clerk.agency)
    other.set_password(PASSWORD)
    other.save()
    for _ in range(5):
        sign_in(client, "clerk_a", "wrong")
    # Same office address, another account: not locked.
    assert sign_in(client, "clerk_b", PASSWORD).status_code == 302


def test_lock_ends_after_thirty_minutes(client, clerk, settings):
    from axes.models import AccessAttempt

    for _ in range(5):
        sign_in(client, "clerk_a", "wrong")
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=31))
    assert sign_in(client, "clerk_a", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Quiet-Harbor-2025", True),
        ("harbor-quiet-7", True),  # lower, digit, symbol
        ("HarborQuiet7", True),  # upper, lower, digit
        ("harborquiet", False),  # one class
        ("harborquiet77", False),  # two classes
        ("Ab1!", False),  # too short
        ("Password123", True),  # three classes, but…
    ],
)
def test_password_rules(password, ok, db):
    if password == "Password123":
        # …a common password is refused whatever its classes.
        with pytest.raises(ValidationError):
            validate_password(password)
        return
    if ok:
        validate_password(password)
    else:
        with pytest.raises(ValidationError):
            validate_password(password)


def test_user_created_by_admin_must_change_password_first(client, clerk, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "new_clerk",
            "password1": "Initial-Pass-2025",
            "password2": "Initial-Pass-2025",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    new = User.objects.get(username="new_clerk")
    assert new.must_change_password
    client.logout()
    assert sign_in(client, "new_clerk", "Initial-Pass-2025").status_code == 302
    home = client.get(reverse("reports:home"))
    assert home.status_code == 302 and home.url == reverse("accounts:password_change")
    changed = client.post(
        reverse("accounts:password_change"),
        {"old_password": "Initial-Pass-2025", "new_password1": "My-Own-Secret-77", "new_password2": "My-Own-Secret-77"},
    )
    assert changed.status_code == 302
    new.refresh_from_db()
    assert not new.must_change_password
    assert client.get(reverse("reports:home")).status_code == 200
    assert AuditEvent.objects.filter(kind="password_changed", user=new).exists()
    assert AuditEvent.objects.filter(kind="account_created", object__contains="new_clerk").exists()


def test_expired_password_must_be_changed(client, clerk, settings):
    settings.GOVREPORT_PASSWORD_MAX_AGE_DAYS = 90
    User.objects.filter(pk=clerk.pk).update(password_changed_at=timezone.now() - datetime.timedelta(days=91))
    client.force_login(clerk)
    response = client.get(reverse("reports:home"))
    assert response.status_code == 302 and response.url == reverse("accounts:password_change")
    User.objects.filter(pk=clerk.pk).update(password_changed_at=timezone.now() - datetime.timedelta(days=89))
    assert client.get(reverse("reports:home")).status_code == 200


def test_sign_in_gets_a_new_session_id(client, clerk):
    anonymous = client.session
    anonymous["marker"] = 1
    anonymous.save()
    client.cookies["sessionid"] = anonymous.session_key
    sign_in(client, "clerk_a", PASSWORD)
    signed_in = client.cookies["sessionid"].value
    assert signed_in != anonymous.session_key
    assert not Session.objects.filter(session_key=anonymous.session_key).exists()
    assert Session.objects.get(session_key=signed_in).get_decoded()["_auth_user_id"] == str(clerk.pk)


def test_signed_out_session_cookie_no_longer_works(client, clerk):
    sign_in(client, "clerk_a", PASSWORD)
    old_cookie = client.cookies["sessionid"].value
    assert client.get(reverse("reports:home")).status_code == 200
    client.post(reverse("accounts:logout"))
    assert not Session.objects.filter(session_key=old_cookie).exists()
    client.cookies["sessionid"] = old_cookie
    response = client.get(reverse("reports:home"))
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert AuditEvent.objects.filter(kind="logout", user=clerk).exists()


def test_idle_session_ends_on_the_server(client, clerk, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    sign_in(client, "clerk_a", PASSWORD)
    key = client.cookies["sessionid"].value
    # Activity pushes the expiry 30 minutes ahead…
    client.get(reverse("reports:home"))
    expiry = Session.objects.get(session_key=key).expire_date
    assert expiry > timezone.now() + datetime.timedelta(minutes=29)
    # …and 30 idle minutes later the server no longer knows the session.
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(reverse("reports:home"))
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_district_admin_cannot_also_be_a_reviewer(db):
    district = District.objects.create(name="乙区")
    user = User(username="adm", district=district, is_district_admin=True, is_final_reviewer=True)
    with pytest.raises(ValidationError):
        user.full_clean()


def test_audit_log_cannot_be_changed_or_deleted(clerk):
    event = AuditEvent.objects.create(kind="login", user=clerk, username="clerk_a")
    event.detail = "forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().update(detail="forged")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def test_admin_offers_no_change_or_delete_of_the_audit_log(client, clerk, admin_user):
    event = AuditEvent.objects.create(kind="login", user=clerk, username="clerk_a")
    client.force_login(admin_user)
    change = reverse("admin:accounts_auditevent_change", args=[event.pk])
    assert client.post(change, {"detail": "forged"}).status_code == 403
    assert client.post(reverse("admin:accounts_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.detail == ""


def test_purge_keeps_everything_younger_than_184_days(clerk):
    now = timezone.now()
    old = AuditEvent.objects.create(kind="login", user=clerk, at=now - datetime.timedelta(days=185))
    young = AuditEvent.objects.create(kind="login", user=clerk, at=now - datetime.timedelta(days=183))
    call_command("purge_audit_log")
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=young.pk).exists()


def test_purge_refuses_a_shorter_retention(clerk):
    AuditEvent.objects.create(kind="login", user=clerk, at=timezone.now() - datetime.timedelta(days=100))
    with pytest.raises(CommandError):
        call_command("purge_audit_log", days=90)
    assert AuditEvent.objects.count() == 1


def test_only_an_audit_viewer_reads_the_security_log(client, clerk):
    district = clerk.agency.district
    viewer = User.objects.create(username="auditor", district=district, is_audit_viewer=True)
    admin = User.objects.create(username="district_admin", district=district, is_district_admin=True)
    # An event of the viewer's district (events are scoped by district: test_audit_scope.py).
    AuditEvent.objects.create(kind="login_failed", username="clerk_a", result="failure", district=district)
    url = reverse("accounts:audit_log")
    assert client.get(url).status_code == 302
    for user in (clerk, admin):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(viewer)
    response = client.get(url, {"kind": "login_failed"})
    assert response.status_code == 200
    assert "登录失败" in response.content.decode() and "clerk_a" in response.content.decode()


def test_exports_and_imports_join_the_audit_log(client, clerk, tmp_path):
    from django.core.management import call_command

    from reports.models import Report
    from tests.factories import complete_cells, complete_texts

    report = Report.objects.create(
        agency=clerk.agency, year=2024, cells=complete_cells(), texts=complete_texts(), signature_organ="x"
    )
    client.force_login(clerk)
    assert client.get(reverse("reports:export_json", args=[report.pk])).status_code == 200
    assert client.get(reverse("reports:export_xlsx", args=[report.pk])).status_code == 200
    exports = AuditEvent.objects.filter(kind="export", user=clerk)
    assert exports.count() == 2 and all(e.object.startswith(clerk.agency.name) for e in exports)

    refused = client.post(
        reverse("reports:upload", args=[report.pk]),
        {"version": report.version, "file": SimpleUploadedFile("a.xlsx", b"not a workbook")},
    )
    assert refused.status_code == 400
    assert AuditEvent.objects.filter(kind="import", user=clerk, result="failure").exists()

    sample = tmp_path / "sample.json"
    sample.write_text(client.get(reverse("reports:export_json", args=[report.pk])).content.decode(), encoding="utf-8")
    call_command("import_report", str(sample), stdout=StringIO())
    assert AuditEvent.objects.filter(kind="import", username="manage.py import_report", result="success").exists()
