"""``manage.py bootstrap``: the installation's first administrator, from the environment."""

import pytest
from django.core.management import CommandError, call_command

from accounts.installation import BootstrapError, installation_bootstrap
from accounts.models import AuditEvent, User

pytestmark = pytest.mark.django_db

PASSWORD = "First-Admin-2026"


def test_creates_a_superuser_who_must_change_the_password(monkeypatch, capsys):
    monkeypatch.setenv("GOVREPORT_ADMIN_USERNAME", "admin")
    monkeypatch.setenv("GOVREPORT_ADMIN_PASSWORD", PASSWORD)
    monkeypatch.setenv("GOVREPORT_ADMIN_EMAIL", "admin@example.gov.cn")
    call_command("bootstrap")
    user = User.objects.get(username="admin")
    assert user.is_superuser and user.is_staff and user.must_change_password
    assert user.check_password(PASSWORD) and user.email == "admin@example.gov.cn"
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.ACCOUNT_CREATED, username="admin").count() == 1
    assert "已创建首个管理员 admin" in capsys.readouterr().out


def test_running_it_again_changes_nobody(monkeypatch, capsys):
    installation_bootstrap(username="admin", password=PASSWORD)
    admin = User.objects.get(username="admin")
    admin.set_password("Changed-by-owner-2026")
    admin.must_change_password = False
    admin.save()
    monkeypatch.setenv("GOVREPORT_ADMIN_USERNAME", "someone_else")
    monkeypatch.setenv("GOVREPORT_ADMIN_PASSWORD", PASSWORD)
    call_command("bootstrap")
    assert "已有管理员账户" in capsys.readouterr().out
    assert list(User.objects.values_list("username", flat=True)) == ["admin"]
    admin.refresh_from_db()
    assert admin.check_password("Changed-by-owner-2026") and not admin.must_change_password


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("", PASSWORD, "GOVREPORT_ADMIN_USERNAME"),
        ("admin", "", "GOVREPORT_ADMIN_PASSWORD"),
        ("admin", "password", "初始密码不符合密码规则"),
    ],
)
def test_refuses_missing_or_weak_input_and_creates_nothing(monkeypatch, username, password, message):
    monkeypatch.setenv("GOVREPORT_ADMIN_USERNAME", username)
    monkeypatch.setenv("GOVREPORT_ADMIN_PASSWORD", password)
    with pytest.raises(CommandError, match=message):
        call_command("bootstrap")
    assert not User.objects.exists()


def test_refuses_the_name_of_an_existing_ordinary_account():
    User.objects.create_user("admin", password=PASSWORD)
    with pytest.raises(BootstrapError, match="已被一个非管理员账户使用"):
        installation_bootstrap(username="admin", password=PASSWORD)
    assert not User.objects.filter(is_superuser=True).exists()
