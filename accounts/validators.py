"""Password rules of 等级保护 level 2 that Django does not ship."""

import string

from django.core.exceptions import ValidationError

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
