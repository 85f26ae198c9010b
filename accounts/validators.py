"""Password rules of 等级保护 level 2, with Chinese messages.

Django's own validators are subclassed only for their messages. Django 5.2 changed the
minimum-length message's msgid (``%d character`` instead of ``%(min_length)d character``)
and its ``zh_Hans`` catalogue still holds only the old one, so under ``LANGUAGE_CODE =
"zh-hans"`` that message came out in English while the others were translated. Writing the
messages here makes every configured validator speak Chinese whatever the catalogue's state
(``accounts/tests/test_passwords.py`` checks each one).
"""

from __future__ import annotations

import string

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password, identify_hasher
from django.core.exceptions import ValidationError

#: A new password may be neither the current one nor one of the last this many before it.
PASSWORD_HISTORY = 5

CLASSES = (
    ("大写字母", set(string.ascii_uppercase)),
    ("小写字母", set(string.ascii_lowercase)),
    ("数字", set(string.digits)),
)


def character_classes(password: str) -> int:
    """How many of: upper case, lower case, digits, other characters (symbols) ``password`` uses."""
    used = sum(1 for _, chars in CLASSES if any(c in chars for c in password))
    all_known = set().union(*(chars for _, chars in CLASSES))
    return used + (1 if any(c not in all_known for c in password) else 0)


class CharacterClassesValidator:
    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if character_classes(password) < self.min_classes:
            raise ValidationError(self.message(), code="password_too_simple")

    def message(self) -> str:
        return f"密码须包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类。"

    def get_help_text(self):
        return self.message()


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return f"密码太短，至少需要 {self.min_length} 个字符。"

    def get_help_text(self):
        return f"密码至少需要 {self.min_length} 个字符。"


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    def get_error_message(self):
        return "密码与%(verbose_name)s过于相似。"

    def get_help_text(self):
        return "密码不能与您的用户名、姓名、电子邮件地址等个人信息过于相似。"


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    def get_error_message(self):
        return "这个密码太常见，很容易被猜到。"

    def get_help_text(self):
        return "密码不能是常见密码。"


def _matches(raw: str, encoded: str) -> bool:
    try:
        identify_hasher(encoded)
    except ValueError:
        return False  # unusable or of a hasher no longer installed: no password matches it
    return check_password(raw, encoded)


class PasswordHistoryValidator:
    """The new password differs from the current one and from the last ``history`` before it.

    Covers the forced change after an administrator's reset: the reset password is the current
    one, so it cannot be kept. ``password_changed`` (Django calls it from ``User.save`` after a
    real ``set_password``) records the new hash in ``accounts.PasswordHistory``.
    """

    def __init__(self, history: int = PASSWORD_HISTORY):
        self.history = history

    def validate(self, password, user=None):
        if user is None or getattr(user, "pk", None) is None:
            return  # a new account has no past
        current = user.password or ""
        is_current = _matches(password, current)
        # Remembered for ``User.set_password``, which asks the same question right after.
        user._checked_against_current = (current, password, is_current)
        if is_current:
            raise ValidationError("新密码不能与当前密码相同，请设置一个新的密码。", code="password_unchanged")
        # The newest row is normally the current password (checked above): skip equal hashes.
        recent = user.password_history.order_by("-created_at", "-pk").values_list("password", flat=True)
        for encoded in recent[: self.history + 1]:
            if encoded != current and _matches(password, encoded):
                raise ValidationError(f"新密码不能与最近 {self.history} 次使用过的密码相同。", code="password_reused")

    def password_changed(self, password, user=None):
        if user is None or getattr(user, "pk", None) is None:
            return
        from .models import PasswordHistory

        PasswordHistory.objects.create(user=user, password=user.password)
        keep = user.password_history.order_by("-created_at", "-pk").values_list("pk", flat=True)[: self.history + 1]
        user.password_history.exclude(pk__in=list(keep)).delete()

    def get_help_text(self):
        return f"新密码不能与当前密码或最近 {self.history} 次使用过的密码相同。"
