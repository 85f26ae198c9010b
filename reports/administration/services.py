"""The district administrator's writes: the district's agencies and accounts.

Every service takes the acting administrator (``by``) and refuses — ``PermissionDenied`` —
anything outside their own district, whatever the view did before: a view is thin, and a
test calls these directly. Every change is written to the security audit log
(``accounts.AuditEvent``) with who (``by``), what (``object``) and the fields before and after
(``detail``). A refused change raises ``AdministrationError`` (one line of Chinese) and
changes nothing.

Separation of duties is the model's (``accounts.User.clean``): an administrator holds no
reviewer role, and a clerk (an agency's account) holds no district role, so nobody reviews
their own agency's report — the reviewers are district people without an agency.
"""

from __future__ import annotations

import datetime
import re
import secrets
from collections.abc import Iterable

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from accounts.audit import audit_record, user_district_id
from accounts.models import AuditEvent, User

from ..models import Agency, District


class AdministrationError(Exception):
    """A refused change; ``str()`` is one line of Chinese for the administrator."""


# ── Who may administer what ─────────────────────────────────────────────────────────────


def is_district_admin(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active and user.is_district_admin and user.district_id
    )


def require_admin_of(by, district_id: int | None) -> None:
    if not is_district_admin(by) or district_id is None or by.district_id != district_id:
        raise PermissionDenied("只有本区的区政务公开办管理员可以管理本区的机关和账户。")


def district_agencies(*, district: District) -> QuerySet[Agency]:
    return Agency.objects.filter(district=district)


def district_users(*, district: District) -> QuerySet[User]:
    """The district's people: its office's staff and the clerks of its agencies. The
    installation's superusers are not the district's to manage."""
    return User.objects.filter(Q(district=district) | Q(agency__district=district)).exclude(is_superuser=True)


def managed_district_id(user: User) -> int | None:
    """The district whose administrator manages ``user``; none for the installation's superusers."""
    return None if user.is_superuser else user_district_id(user)


# ── Agencies ────────────────────────────────────────────────────────────────────────────

# What the administrator types (the onboarding sheet, the forms): the short words of the
# issue, and the full labels of ``Agency.Kind``.
KIND_WORDS: dict[str, str] = {
    "部门": Agency.Kind.DEPARTMENT,
    "乡镇": Agency.Kind.TOWNSHIP,
    "街道": Agency.Kind.STREET,
    "区政府": Agency.Kind.DISTRICT,
    **{str(label): value for value, label in Agency.Kind.choices},
}
KIND_SHORT = {value: word for word, value in list(KIND_WORDS.items())[:4]}
NAME_MAX = Agency._meta.get_field("name").max_length


def kind_label(kind: str) -> str:
    return str(Agency.Kind(kind).label)


def _describe(values: dict[str, object]) -> str:
    return "；".join(f"{field}：{value}" for field, value in values.items())


def _changes(before: dict[str, object], after: dict[str, object]) -> str:
    """``字段：旧 → 新`` for each field that changed (the audit log's before and after)."""
    changed = [field for field in after if before.get(field) != after[field]]
    return "；".join(f"{field}：{before[field]} → {after[field]}" for field in changed)


def _agency_values(agency: Agency) -> dict[str, object]:
    return {"名称": agency.name, "类型": kind_label(agency.kind), "状态": "在用" if agency.is_active else "已停用"}


def clean_agency_name(name: str) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise AdministrationError("请填写机关名称。")
    if len(name) > NAME_MAX:
        raise AdministrationError(f"机关名称不能超过 {NAME_MAX} 个字。")
    if _has_control(name):
        raise AdministrationError("机关名称含有不可见的控制字符，请重新输入。")
    return name


def _check_agency_fields(*, district: District, name: str, kind: str, exclude_pk: int | None = None) -> None:
    if kind not in Agency.Kind.values:
        raise AdministrationError("机关类型须为部门、乡镇、街道或区政府。")
    clash = Agency.objects.filter(name=name).exclude(pk=exclude_pk).select_related("district").first()
    if clash is not None:
        where = "本区" if clash.district_id == district.pk else "其他区"
        raise AdministrationError(f"机关名称“{name}”已被{where}的机关使用，机关名称不能重复。")
    if kind == Agency.Kind.DISTRICT:
        # The district government's report aggregates the district's: one per district.
        other = Agency.objects.filter(district=district, kind=Agency.Kind.DISTRICT).exclude(pk=exclude_pk).first()
        if other is not None:
            raise AdministrationError(f"本区已有区人民政府（{other.name}），一个区只能有一个。")


def agency_create(*, district: District, name: str, kind: str, by, request=None) -> Agency:
    require_admin_of(by, district.pk)
    name = clean_agency_name(name)
    _check_agency_fields(district=district, name=name, kind=kind)
    agency = Agency(district=district, name=name, kind=kind, is_active=True)
    agency.full_clean()
    try:
        with transaction.atomic():
            agency.save()
            audit_record(
                kind=AuditEvent.Kind.ACCOUNT_CHANGED,
                request=request,
                user=by,
                object=f"机关 {agency.name}",
                detail="新建机关：" + _describe(_agency_values(agency)),
            )
    except IntegrityError:
        raise AdministrationError(f"机关名称“{name}”已被使用，机关名称不能重复。") from None
    return agency


def agency_update(*, agency: Agency, name: str, kind: str, is_active: bool, by, request=None) -> Agency:
    """Rename, set the type, deactivate or reactivate an agency of the administrator's district.

    A rename changes the name on everything not yet published; every publication keeps the
    name it was published under (``Publication.agency_name`` and its snapshot are frozen).
    A deactivated agency keeps its reports and accounts; it cannot start a new report.
    """
    require_admin_of(by, agency.district_id)
    name = clean_agency_name(name)
    with transaction.atomic():
        agency = Agency.objects.select_for_update().get(pk=agency.pk)
        before = _agency_values(agency)
        _check_agency_fields(district=agency.district, name=name, kind=kind, exclude_pk=agency.pk)
        agency.name, agency.kind, agency.is_active = name, kind, bool(is_active)
        agency.full_clean()
        after = _agency_values(agency)
        if after == before:
            return agency
        try:
            with transaction.atomic():
                agency.save(update_fields=["name", "kind", "is_active"])
        except IntegrityError:
            raise AdministrationError(f"机关名称“{name}”已被使用，机关名称不能重复。") from None
        audit_record(
            kind=AuditEvent.Kind.ACCOUNT_CHANGED,
            request=request,
            user=by,
            object=f"机关 {before['名称']}",
            detail="修改机关：" + _changes(before, after),
        )
    return agency


# ── Accounts ────────────────────────────────────────────────────────────────────────────

REVIEWER_ROLES: dict[str, str] = {
    User.Role.FIRST_REVIEWER: "is_first_reviewer",
    User.Role.SECOND_REVIEWER: "is_second_reviewer",
    User.Role.FINAL_REVIEWER: "is_final_reviewer",
}
ROLE_WORDS: dict[str, str] = {
    "初审": User.Role.FIRST_REVIEWER,
    "复审": User.Role.SECOND_REVIEWER,
    "终审": User.Role.FINAL_REVIEWER,
    "初审人": User.Role.FIRST_REVIEWER,
    "复审人": User.Role.SECOND_REVIEWER,
    "终审人": User.Role.FINAL_REVIEWER,
}
# Linear: one character class, no nesting.
USERNAME_PATTERN = re.compile(r"[A-Za-z0-9_.@+-]{3,150}")
USERNAME_RULE = "用户名须为 3 至 150 个英文字母、数字或 _ . @ + - 符号"
# Control characters and the bidi overrides that make a name read otherwise than it is.
_CONTROL = frozenset(chr(code) for code in (*range(0, 32), 127)) | frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def _has_control(text: str) -> bool:
    return any(char in _CONTROL for char in text)


def check_username(username: str) -> str:
    username = str(username or "").strip()
    if not USERNAME_PATTERN.fullmatch(username):
        raise AdministrationError(f"用户名“{username[:40]}”不合规：{USERNAME_RULE}。")
    return username


def clean_text(value: str, what: str, limit: int) -> str:
    value = " ".join(str(value or "").split())
    if len(value) > limit:
        raise AdministrationError(f"{what}不能超过 {limit} 个字符。")
    if _has_control(value):
        raise AdministrationError(f"{what}含有不可见的控制字符，请重新输入。")
    return value


def _role_labels(user: User) -> str:
    return user.role_labels() or "无"


def _user_values(user: User) -> dict[str, object]:
    return {
        "姓名": user.first_name or "（空）",
        "电子邮箱": user.email or "（空）",
        "所属": user.agency.name if user.agency_id else (user.district.name if user.district_id else "（无）"),
        "角色": _role_labels(user),
        "状态": "在用" if user.is_active else "已停用",
    }


def _validation_message(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        parts = []
        for name, messages in exc.message_dict.items():
            label = "" if name == NON_FIELD_ERRORS else f"{User._meta.get_field(name).verbose_name}："
            parts.extend(label + " ".join(str(message).split()) for message in messages)
        return "；".join(parts)
    return "；".join(" ".join(str(message).split()) for message in exc.messages)


def _full_clean(user: User) -> None:
    try:
        # The password is set after the checks (a new account has none yet).
        user.full_clean(exclude=["password"], validate_unique=False)
    except ValidationError as exc:
        raise AdministrationError(_validation_message(exc)) from None


def one_time_password(user: User | None = None) -> str:
    """A random password that passes the password rules, e.g. ``Kp7m-x3Qa-9Rtz``: shown once
    to the administrator, to be replaced by the owner at the first sign-in. No 0/O, 1/l/I."""
    lower, upper, digits = "abcdefghjkmnpqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789"
    alphabet = lower + upper + digits
    while True:
        groups = ["".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3)]
        password = "-".join(groups)
        if not (any(c in lower for c in password) and any(c in upper for c in password)):
            continue
        try:
            validate_password(password, user)
        except ValidationError:
            continue
        return password


def _check_roles(roles: Iterable[str]) -> set[str]:
    roles = set(roles)
    unknown = roles - set(REVIEWER_ROLES)
    if unknown:
        raise AdministrationError("只能设置初审、复审、终审角色。")
    return roles


def _username_taken(username: str, exclude_pk: int | None = None) -> bool:
    # Case-insensitive: "Zhang" and "zhang" are one person to whoever types them.
    return User.objects.filter(username__iexact=username).exclude(pk=exclude_pk).exists()


def user_create(
    *,
    district: District,
    username: str,
    full_name: str = "",
    email: str = "",
    agency: Agency | None = None,
    roles: Iterable[str] = (),
    by,
    request=None,
) -> tuple[User, str]:
    """A clerk of ``agency`` (an active agency of the district), or — without ``agency`` — a
    reviewer of the district with ``roles`` (初审/复审/终审, at least one). The account must
    change its one-time password (returned, shown once) at the first sign-in."""
    require_admin_of(by, district.pk)
    user = _new_user(district=district, username=username, full_name=full_name, email=email, agency=agency, roles=roles)
    password = one_time_password(user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            _audit_created(user, by=by, request=request)
    except IntegrityError:
        raise AdministrationError(f"用户名“{user.username}”已被使用。") from None
    return user, password


def _new_user(
    *, district: District, username: str, full_name: str, email: str, agency: Agency | None, roles: Iterable[str]
) -> User:
    username = check_username(username)
    if _username_taken(username):
        raise AdministrationError(f"用户名“{username}”已被使用。")
    roles = _check_roles(roles)
    user = User(
        username=username,
        first_name=clean_text(full_name, "姓名", 150),
        email=clean_text(email, "电子邮箱", 254),
        must_change_password=True,
        is_active=True,
    )
    if agency is not None:
        if agency.district_id != district.pk:
            raise AdministrationError("只能为本区的机关开通填报账户。")
        if not agency.is_active:
            raise AdministrationError(f"{agency.name}已停用，不能开通新账户。")
        if roles:
            raise AdministrationError("机关填报人员不能担任审核角色：审核人须是区政务公开办人员。")
        user.agency = agency
    else:
        if not roles:
            raise AdministrationError("请选择所属机关（填报人员），或至少一个审核角色（审核人）。")
        user.district = district
        for role in roles:
            setattr(user, REVIEWER_ROLES[role], True)
    _full_clean(user)
    return user


def _audit_created(user: User, *, by, request) -> None:
    audit_record(
        kind=AuditEvent.Kind.ACCOUNT_CREATED,
        request=request,
        user=by,
        object=f"用户 {user.username}",
        detail="开通账户：" + _describe(_user_values(user)) + "；须在首次登录时修改密码",
    )


def _locked_user(by, user: User) -> User:
    """``user`` again, locked for update, after checking it is the administrator's to change."""
    require_admin_of(by, managed_district_id(user))
    return User.objects.select_for_update(of=("self",)).select_related("agency", "district").get(pk=user.pk)


def user_update(
    *,
    user: User,
    full_name: str,
    email: str,
    is_active: bool,
    roles: Iterable[str] | None = None,
    agency: Agency | None = None,
    by,
    request=None,
) -> User:
    """Name, e-mail, active or not, and — for a reviewer — the review roles, for a clerk the
    agency (another active agency of the district). A deactivated account's sessions are
    refused from its next request on: Django's ``ModelBackend.get_user`` answers no user for
    an inactive account."""
    with transaction.atomic():
        user = _locked_user(by, user)
        before = _user_values(user)
        user.first_name = clean_text(full_name, "姓名", 150)
        user.email = clean_text(email, "电子邮箱", 254)
        if user.pk == by.pk and not is_active:
            raise AdministrationError("不能停用自己的账户。")
        user.is_active = bool(is_active)
        if roles is not None:
            roles = _check_roles(roles)
            if user.agency_id and roles:
                raise AdministrationError("机关填报人员不能担任审核角色：审核人须是区政务公开办人员。")
            if user.is_district_admin and roles:
                raise AdministrationError("区政务公开办管理员不能同时担任审核人（管理与审核职责分离）。")
            if user.district_id and not user.is_district_admin:
                for role, flag in REVIEWER_ROLES.items():
                    setattr(user, flag, role in roles)
        if agency is not None and user.agency_id and agency.pk != user.agency_id:
            if agency.district_id != user.agency.district_id:
                raise AdministrationError("只能调到本区的机关。")
            if not agency.is_active:
                raise AdministrationError(f"{agency.name}已停用，不能调入。")
            user.agency = agency
        _full_clean(user)
        after = _user_values(user)
        if after == before:
            return user
        user.save()
        if not user.is_active:
            _end_sessions(user)
        audit_record(
            kind=AuditEvent.Kind.ACCOUNT_CHANGED,
            request=request,
            user=by,
            object=f"用户 {user.username}",
            detail="修改账户：" + _changes(before, after),
        )
    return user


def _end_sessions(user: User) -> int:
    """Delete the open sessions of ``user``. An inactive account's session is already refused
    (``ModelBackend.get_user``), but would come back to life if the account were reactivated
    within its idle time; deleted, it cannot. Only unexpired sessions are read: with the 30-minute
    idle timeout those are the people active in the last half hour."""
    ended = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get(SESSION_KEY) == str(user.pk):
            ended.append(session.pk)
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


def user_reset_password(*, user: User, by, request=None) -> str:
    """A new one-time password (returned, to be shown once); the owner must change it at the
    next sign-in. The owner's open sessions end (Django checks the password hash with every
    request), and a lockout of the account is lifted."""
    with transaction.atomic():
        user = _locked_user(by, user)
        if user.pk == by.pk:
            raise AdministrationError("请在“修改密码”页面修改自己的密码。")
        password = one_time_password(user)
        user.set_password(password)
        user.must_change_password = True
        user.save(update_fields=["password", "password_changed_at", "must_change_password"])
        cleared = axes_reset(username=user.username)
        audit_record(
            kind=AuditEvent.Kind.ACCOUNT_CHANGED,
            request=request,
            user=by,
            object=f"用户 {user.username}",
            detail="重置密码：生成一次性密码，须在下次登录时修改" + ("；解除登录锁定" if cleared else ""),
        )
    return password


def locked_usernames(usernames: Iterable[str]) -> set[str]:
    """Which of ``usernames`` django-axes locks out now (failures within the cool-off time)."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    rows = (
        AccessAttempt.objects.filter(username__in=list(usernames), attempt_time__gte=since)
        .values("username")
        .annotate(failures=Sum("failures_since_start"))
    )
    return {row["username"] for row in rows if row["failures"] >= settings.AXES_FAILURE_LIMIT}


def user_unlock(*, user: User, by, request=None) -> int:
    """Lift the sign-in lockout of ``user`` (django-axes' records for that username)."""
    require_admin_of(by, managed_district_id(user))
    with transaction.atomic():
        cleared = axes_reset(username=user.username)
        audit_record(
            kind=AuditEvent.Kind.ACCOUNT_CHANGED,
            request=request,
            user=by,
            object=f"用户 {user.username}",
            detail=f"解除登录锁定：清除 {cleared} 条失败记录" if cleared else "解除登录锁定：该账户未被锁定",
        )
    return cleared


def cooloff_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME / datetime.timedelta(minutes=1))
