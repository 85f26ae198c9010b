from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse_lazy

from .audit import audit_events_visible_to, audit_record
from .forms import GENERIC_LOGIN_ERROR, LoginForm
from .models import AuditEvent


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True


def locked_out(request, original_response=None, credentials=None, *args, **kwargs):
    """django-axes' lockout answer: the login page with the same generic message."""
    username = (credentials or {}).get("username", "")
    form = LoginForm(request, initial={"username": username})
    context = {"form": form, "login_error": GENERIC_LOGIN_ERROR}
    return render(request, "accounts/login.html", context, status=429)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("reports:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
        audit_record(kind=AuditEvent.Kind.PASSWORD_CHANGED, request=self.request, user=user)
        messages.success(self.request, "密码已修改。")
        return response


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


def audit_log(request):
    """The security audit log, read-only, for audit viewers (and the installation superuser)."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not (user.is_audit_viewer or user.audit_scope_all):
        raise PermissionDenied("只有审计查看员可以查看安全审计日志。")
    # A district's audit viewer reads their district's events only (``audit_events_visible_to``).
    events = audit_events_visible_to(user).select_related("user", "district")
    kind = request.GET.get("kind", "")
    if kind in AuditEvent.Kind.values:
        events = events.filter(kind=kind)
    # NUL cannot be sent to PostgreSQL (a 500, issue 11); no user name holds a control character.
    username = "".join(char for char in request.GET.get("username", "")[:150] if char.isprintable()).strip()
    if username:
        events = events.filter(username__icontains=username)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "kinds": AuditEvent.Kind.choices,
        "kind": kind,
        "username": username,
        "scope": "全部区" if user.audit_scope_all else user.district.name,
    }
    return render(request, "accounts/audit_log.html", context)
