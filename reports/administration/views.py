"""The district administrator's pages. Thin: parse, call a service, show the answer.

Every view starts with ``_admin(request)``: anonymous visitors go to the sign-in page, anyone
but an active district administrator gets 403, and every object is looked up within the
administrator's own district (another district's id is a 404). The services check the
district again.
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User

from ..models import Agency, District
from ..spreadsheet import MAX_UPLOAD_BYTES
from . import onboarding, selectors, services, stash
from .forms import AgencyEditForm, AgencyForm, UploadForm, UserCreateForm, UserEditForm
from .services import AdministrationError


class _LoginRequired(Exception):
    pass


def _admin(request) -> District:
    user = request.user
    if not user.is_authenticated:
        raise _LoginRequired
    if not services.is_district_admin(user):
        raise PermissionDenied("只有区政务公开办管理员可以管理机关和账户。")
    return user.district


def admin_view(view):
    """The district administrator only (see the module docstring)."""

    def wrapped(request, *args, **kwargs):
        try:
            district = _admin(request)
        except _LoginRequired:
            return redirect_to_login(request.get_full_path())
        return view(request, district, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


# Ids beyond the database's integer range are simply not found (not a database error).
_MAX_ID = 2**31 - 1


def _agency(district: District, pk: int) -> Agency:
    if pk > _MAX_ID:
        raise Http404
    return get_object_or_404(Agency, pk=pk, district=district)


def _user(district: District, pk: int) -> User:
    if pk > _MAX_ID:
        raise Http404
    return get_object_or_404(services.district_users(district=district).select_related("agency", "district"), pk=pk)


def _submit(request, form, action):
    """A form's POST handed to its service: ``(the service's result, 200)`` when the form and
    the service accept it; ``(None, 400)`` when either refuses (the service's refusal becomes
    the form's error, shown above it); ``(None, 200)`` for a GET."""
    if request.method != "POST":
        return None, 200
    if form.is_valid():
        try:
            return action(form.cleaned_data), 200
        except AdministrationError as exc:
            form.add_error(None, str(exc))
    return None, 400


def _no_store(response: HttpResponse) -> HttpResponse:
    """A page showing a one-time password is never kept by the browser or a proxy."""
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, private"
    return response


# ── Agencies ────────────────────────────────────────────────────────────────────────────


@require_GET
@admin_view
def agencies(request, district):
    """Every agency of the district with its clerks and this reporting year's report."""
    year = selectors.reporting_year()
    lines = selectors.agency_overview(district=district, year=year)
    context = {"district": district, "year": year, "lines": lines, "form": AgencyForm()}
    return render(request, "administration/agencies.html", context)


@require_http_methods(["GET", "POST"])
@admin_view
def agency_create(request, district):
    form = AgencyForm(request.POST or None)
    agency, status = _submit(
        request,
        form,
        lambda data: services.agency_create(
            district=district, name=data["name"], kind=data["kind"], by=request.user, request=request
        ),
    )
    if agency is not None:
        messages.success(request, f"已新建机关“{agency.name}”。")
        return redirect("administration:agencies")
    return render(request, "administration/agency_form.html", {"form": form, "agency": None}, status=status)


@require_http_methods(["GET", "POST"])
@admin_view
def agency_edit(request, district, pk):
    agency = _agency(district, pk)
    initial = {"name": agency.name, "kind": agency.kind, "is_active": agency.is_active}
    form = AgencyEditForm(request.POST or None, initial=initial)
    saved, status = _submit(
        request,
        form,
        lambda data: services.agency_update(
            agency=agency,
            name=data["name"],
            kind=data["kind"],
            is_active=data["is_active"],
            by=request.user,
            request=request,
        ),
    )
    if saved is not None:
        messages.success(request, f"机关“{saved.name}”已保存。")
        return redirect("administration:agencies")
    published = agency.publications.filter(is_current=True).exclude(agency_name=agency.name).count()
    context = {"form": form, "agency": agency, "published_other_name": published}
    return render(request, "administration/agency_form.html", context, status=status)


# ── Accounts ────────────────────────────────────────────────────────────────────────────


@require_GET
@admin_view
def users(request, district):
    lines = selectors.user_overview(district=district)
    context = {"district": district, "lines": lines, "cooloff": services.cooloff_minutes()}
    return render(request, "administration/users.html", context)


def _password_page(request, user: User, password: str, *, created: bool) -> HttpResponse:
    context = {"target": user, "password": password, "created": created}
    return _no_store(render(request, "administration/password_shown.html", context))


@require_http_methods(["GET", "POST"])
@admin_view
def user_create(request, district):
    initial = {}
    agency_id = request.GET.get("agency", "")
    if agency_id.isdigit() and len(agency_id) < 12:
        initial["agency"] = Agency.objects.filter(pk=int(agency_id), district=district, is_active=True).first()
    form = UserCreateForm(request.POST or None, district=district, initial=initial)
    created, status = _submit(
        request,
        form,
        lambda data: services.user_create(
            district=district,
            username=data["username"],
            full_name=data["full_name"],
            email=data["email"],
            agency=data["agency"],
            roles=data["roles"] if data["agency"] is None else (),
            by=request.user,
            request=request,
        ),
    )
    if created is not None:
        user, password = created
        return _password_page(request, user, password, created=True)
    return render(request, "administration/user_create.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@admin_view
def user_edit(request, district, pk):
    target = _user(district, pk)
    initial = {
        "full_name": target.first_name,
        "email": target.email,
        "agency": target.agency,
        "roles": [role for role, flag in services.REVIEWER_ROLES.items() if getattr(target, flag)],
        "is_active": target.is_active,
    }
    form = UserEditForm(request.POST or None, district=district, target=target, initial=initial)
    saved, status = _submit(
        request,
        form,
        lambda data: services.user_update(
            user=target,
            full_name=data["full_name"],
            email=data["email"],
            is_active=data["is_active"],
            roles=data.get("roles") if "roles" in form.fields else None,
            agency=data.get("agency"),
            by=request.user,
            request=request,
        ),
    )
    if saved is not None:
        messages.success(request, f"账户“{saved.username}”已保存。")
        return redirect("administration:user_edit", pk=saved.pk)
    locked = target.username in services.locked_usernames([target.username])
    context = {"form": form, "target": target, "locked": locked, "is_self": target.pk == request.user.pk}
    return render(request, "administration/user_edit.html", context, status=status)


@require_POST
@admin_view
def user_unlock(request, district, pk):
    target = _user(district, pk)
    cleared = services.user_unlock(user=target, by=request.user, request=request)
    if cleared:
        messages.success(request, f"已解除“{target.username}”的登录锁定。")
    else:
        messages.info(request, f"“{target.username}”没有被锁定。")
    return redirect("administration:user_edit", pk=target.pk)


@require_POST
@admin_view
def user_reset_password(request, district, pk):
    target = _user(district, pk)
    try:
        password = services.user_reset_password(user=target, by=request.user, request=request)
    except AdministrationError as exc:
        messages.error(request, str(exc))
        return redirect("administration:user_edit", pk=target.pk)
    return _password_page(request, target, password, created=False)


# ── Bulk onboarding ─────────────────────────────────────────────────────────────────────


@require_GET
@admin_view
def onboarding_template(request, district):
    response = HttpResponse(
        onboarding.onboarding_template(district=district),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E6%9C%BA%E5%85%B3%E5%92%8C%E8%B4%A6%E6%88%B7.xlsx"
    return response


@require_http_methods(["GET", "POST"])
@admin_view
def onboarding_upload(request, district):
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read(MAX_UPLOAD_BYTES + 1)
            try:
                if len(data) > MAX_UPLOAD_BYTES:
                    raise onboarding.OnboardingRefused("文件太大，不能超过 2 MB。")
                # Read once now, so that an unreadable file is answered here and never stored.
                onboarding.onboarding_read(file=io.BytesIO(data))
            except onboarding.OnboardingRefused as exc:
                form.add_error("file", str(exc))
            else:
                token = stash.stash_put(user_id=request.user.pk, data=data)
                return redirect("administration:onboarding_preview", token=token)
        status = 400
    return render(request, "administration/onboarding_upload.html", {"form": form}, status=status)


def _stashed(request, token: str) -> bytes | None:
    data = stash.stash_get(user_id=request.user.pk, token=token)
    if data is None:
        messages.warning(request, "找不到上传的文件（可能已导入或已过期），请重新上传。")
    return data


@require_GET
@admin_view
def onboarding_preview(request, district, token):
    data = _stashed(request, token)
    if data is None:
        return redirect("administration:onboarding")
    try:
        plan = onboarding.onboarding_plan(district=district, file=io.BytesIO(data))
    except onboarding.OnboardingRefused as exc:
        stash.stash_drop(user_id=request.user.pk, token=token)
        messages.error(request, str(exc))
        return redirect("administration:onboarding")
    counts = {outcome: plan.count(outcome) for outcome in onboarding.OUTCOME_LABELS}
    sections = [
        (onboarding.AGENCY_SHEET, plan.agencies, onboarding.AGENCY_HEADERS),
        (onboarding.ACCOUNT_SHEET, plan.accounts, onboarding.ACCOUNT_HEADERS),
    ]
    context = {"plan": plan, "token": token, "counts": counts, "sections": sections}
    return render(request, "administration/onboarding_preview.html", context)


@require_POST
@admin_view
def onboarding_apply(request, district, token):
    data = _stashed(request, token)
    if data is None:
        return redirect("administration:onboarding")
    try:
        applied = onboarding.onboarding_apply(
            district=district, file=io.BytesIO(data), by=request.user, request=request
        )
    except onboarding.OnboardingRefused as exc:
        messages.error(request, str(exc))
        return redirect("administration:onboarding_preview", token=token)
    stash.stash_drop(user_id=request.user.pk, token=token)
    response = render(request, "administration/onboarding_done.html", {"applied": applied})
    return _no_store(response)
