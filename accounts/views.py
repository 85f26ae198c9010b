from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.urls import reverse_lazy

from .audit import audit_record
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
