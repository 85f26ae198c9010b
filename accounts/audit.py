"""Writing the security audit log (``AuditEvent``).

Sign-in events come from Django's and django-axes' signals (connected in ``apps.py``): they
are the only hook into the login machinery. Everything else calls :func:`audit_record`.
"""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import AuditEvent, User


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def user_district_id(user: User) -> int | None:
    """The district a person belongs to: a district office's, or their agency's."""
    if user.district_id:
        return user.district_id
    return user.agency.district_id if user.agency_id else None


def audit_events_visible_to(user: User):
    """The security log ``user`` may read: every event for an installation auditor (and the
    superuser), their own district's for an audit viewer, nothing for anyone else."""
    if not user.is_authenticated or not user.is_active:
        return AuditEvent.objects.none()
    if user.audit_scope_all:
        return AuditEvent.objects.all()
    if user.is_audit_viewer and user.district_id:
        return AuditEvent.objects.filter(district_id=user.district_id)
    return AuditEvent.objects.none()


def audit_record(
    *,
    kind: str,
    request=None,
    user: User | None = None,
    username: str = "",
    object: str = "",
    result: str = AuditEvent.Result.SUCCESS,
    detail: str = "",
    district_id: int | None = None,
) -> AuditEvent:
    """Write one event. ``district_id``: the district of the object (a report's when a report is
    exported or imported); without it the event belongs to the actor's district."""
    if user is None and request is not None and getattr(request, "user", None) is not None:
        user = request.user if request.user.is_authenticated else None
    agency = ""
    if user is not None:
        agency = user.agency.name if user.agency_id else (user.district.name if user.district_id else "")
    if district_id is None and user is not None:
        district_id = user_district_id(user)
    return AuditEvent.objects.create(
        kind=kind,
        user=user,
        district_id=district_id,
        username=(user.get_username() if user is not None else username)[:150],
        agency=agency[:100],
        object=object[:200],
        result=result,
        ip_address=client_ip(request),
        detail=detail,
    )


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_record(kind=AuditEvent.Kind.LOGIN, request=request, user=user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(kind=AuditEvent.Kind.LOGOUT, request=request, user=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str((credentials or {}).get("username", ""))
    user = User.objects.filter(username=username).first()
    audit_record(
        kind=AuditEvent.Kind.LOGIN_FAILED,
        request=request,
        user=user,
        username=username,
        result=AuditEvent.Result.FAILURE,
    )


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    user = User.objects.filter(username=username).first()
    audit_record(
        kind=AuditEvent.Kind.LOCKED_OUT,
        request=request,
        user=user,
        username=username or "",
        result=AuditEvent.Result.FAILURE,
    )
