"""The installation's first account (``manage.py bootstrap``)."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.audit import audit_record
from accounts.models import AuditEvent, User


class BootstrapError(Exception):
    """The first account cannot be created. ``str(exc)`` is a Chinese message."""


def installation_bootstrap(*, username: str, password: str, email: str = "") -> User | None:
    """Create the first administrator (a superuser, for installation only), who must choose a
    new password at the first sign-in. ``None`` when the installation already has a superuser:
    running it at every start is safe and never resets anyone's password."""
    username = (username or "").strip()
    if not username:
        raise BootstrapError("请设置 GOVREPORT_ADMIN_USERNAME（首个管理员的用户名）。")
    if not password:
        raise BootstrapError("请设置 GOVREPORT_ADMIN_PASSWORD（首个管理员的初始密码，首次登录后须修改）。")
    with transaction.atomic():
        if User.objects.select_for_update().filter(is_superuser=True).exists():
            return None
        if User.objects.filter(username=username).exists():
            raise BootstrapError(f"用户名 {username} 已被一个非管理员账户使用，请换一个用户名。")
        user = User(username=username, email=email, is_staff=True, is_superuser=True, must_change_password=True)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise BootstrapError("初始密码不符合密码规则：" + "".join(exc.messages)) from exc
        user.set_password(password)
        user.save()
        audit_record(
            kind=AuditEvent.Kind.ACCOUNT_CREATED,
            user=user,
            object=f"用户 {username}",
            detail="manage.py bootstrap：安装时创建的首个管理员（超级用户）",
        )
    return user
