"""Password changes: never the current password nor one of the last five, a forced change
cannot keep the administrator's reset password, the expiry clock restarts only on a real
change, and every configured validator answers in Chinese."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth.password_validation import get_default_password_validators, validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.admin import ResetPasswordForm
from accounts.models import AuditEvent, PasswordHistory, User
from accounts.validators import PASSWORD_HISTORY
from reports.models import Agency, District

CHANGE = reverse("accounts:password_change")
FIRST = "Quiet-Harbor-2025"
# Six more distinct passwords, each valid on its own (8+ characters, 3 classes, not common).
LATER = [f"Blue-River-{n}{n}x{n}" for n in range(1, 7)]


@pytest.fixture
def clerk(db):
    district = District.objects.create(name="测试区")
    agency = Agency.objects.create(name="测试区民政局", district=district)
    user = User(username="clerk_a", agency=agency)
    user.set_password(FIRST)
    user.save()
    return user


def change(client, old, new):
    return client.post(CHANGE, {"old_password": old, "new_password1": new, "new_password2": new})


def form_errors(response) -> str:
    return " ".join(str(error) for error in response.context["form"].errors.get("new_password2", []))


def admin_reset(user, password="Reset-By-Admin-9"):
    form = ResetPasswordForm(user, {"password1": password, "password2": password})
    assert form.is_valid(), form.errors
    form.save()
    user.refresh_from_db()
    return password


def test_a_change_to_the_same_password_is_refused_and_changes_nothing(client, clerk):
    client.force_login(clerk)
    before = User.objects.get(pk=clerk.pk)
    response = change(client, FIRST, FIRST)
    assert response.status_code == 200
    assert "新密码不能与当前密码相同" in form_errors(response)
    after = User.objects.get(pk=clerk.pk)
    assert (after.password, after.password_changed_at) == (before.password, before.password_changed_at)
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.PASSWORD_CHANGED).exists()


def test_each_of_the_last_five_passwords_is_refused_the_sixth_back_is_allowed(client, clerk):
    client.force_login(clerk)
    current = FIRST
    for new in LATER[:PASSWORD_HISTORY]:
        assert change(client, current, new).status_code == 302
        current = new
    # Now: current LATER[4]; the five before it are FIRST, LATER[0..3].
    for old in [FIRST, *LATER[:4]]:
        response = change(client, current, old)
        assert response.status_code == 200, old
        assert f"最近 {PASSWORD_HISTORY} 次使用过的密码" in form_errors(response)
    assert change(client, current, LATER[5]).status_code == 302
    # FIRST is now six changes back: allowed again; only what the rule needs is kept.
    assert change(client, LATER[5], FIRST).status_code == 302
    assert PasswordHistory.objects.filter(user=clerk).count() == PASSWORD_HISTORY + 1


def test_the_forced_change_after_a_reset_refuses_the_reset_password_and_the_last_five(client, clerk):
    client.force_login(clerk)
    current = FIRST
    for new in LATER[:4]:
        change(client, current, new)
        current = new
    reset = admin_reset(clerk)
    assert clerk.must_change_password
    client.force_login(clerk)  # the reset ended the old session; the clerk signs in again
    assert client.get(reverse("reports:home")).url == CHANGE  # sent to the change page
    response = change(client, reset, reset)
    assert "新密码不能与当前密码相同" in form_errors(response)
    for old in [*LATER[:4], FIRST]:
        assert change(client, reset, old).status_code == 200, old
    clerk.refresh_from_db()
    assert clerk.must_change_password and clerk.check_password(reset)
    assert client.get(reverse("reports:home")).status_code == 302  # still forced
    assert change(client, reset, LATER[5]).status_code == 302
    clerk.refresh_from_db()
    assert not clerk.must_change_password and clerk.check_password(LATER[5])
    assert client.get(reverse("reports:home")).status_code == 200


def test_the_expiry_clock_restarts_only_on_a_real_change(clerk):
    long_ago = timezone.now() - datetime.timedelta(days=91)
    User.objects.filter(pk=clerk.pk).update(password_changed_at=long_ago)
    clerk.refresh_from_db()
    assert clerk.password_expired
    rows = PasswordHistory.objects.filter(user=clerk).count()
    clerk.set_password(FIRST)  # the same password: no change
    clerk.save()
    clerk.refresh_from_db()
    assert clerk.password_changed_at == long_ago and clerk.password_expired
    assert PasswordHistory.objects.filter(user=clerk).count() == rows
    clerk.set_password(LATER[0])
    clerk.save()
    clerk.refresh_from_db()
    assert not clerk.password_expired and clerk.password_changed_at > long_ago
    assert PasswordHistory.objects.filter(user=clerk).count() == rows + 1


def test_an_expired_password_cannot_be_renewed_by_changing_it_to_itself(client, clerk):
    User.objects.filter(pk=clerk.pk).update(password_changed_at=timezone.now() - datetime.timedelta(days=91))
    client.force_login(clerk)
    assert change(client, FIRST, FIRST).status_code == 200
    assert client.get(reverse("reports:home")).url == CHANGE


@pytest.mark.parametrize(
    "password, user_kwargs",
    [
        ("Ab1-xyz", {}),  # too short
        ("aaaaaaaaaaaa", {}),  # one class
        ("Password123", {}),  # too common
        ("Zhangwei-Clerk-1", {"username": "zhangwei-clerk", "email": "zw@example.com"}),  # like the user name
    ],
)
def test_every_password_message_is_chinese(password, user_kwargs, db):
    user = User(**{"username": "someone", **user_kwargs})
    with pytest.raises(ValidationError) as caught:
        validate_password(password, user=user)
    for message in caught.value.messages:
        assert re.search(r"[\u4e00-\u9fff]", message), message
        assert not re.search(r"[A-Za-z]{4,}", message.replace("%", "")), message


def test_every_configured_validator_has_chinese_help_text():
    for validator in get_default_password_validators():
        text = validator.get_help_text()
        assert re.search(r"[\u4e00-\u9fff]", text) and not re.search(r"[A-Za-z]{4,}", text), text


def test_the_minimum_length_message_is_chinese_and_names_the_length(db):
    with pytest.raises(ValidationError) as caught:
        validate_password("Ab1-xyz")
    assert "密码太短，至少需要 8 个字符。" in caught.value.messages
