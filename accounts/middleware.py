"""Send a signed-in user whose password must change (first sign-in, expiry) to the change page."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse


class PasswordPolicyMiddleware:
    EXEMPT_URL_NAMES = ("accounts:password_change", "accounts:logout", "accounts:login")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            # Nobody is signed in without a session: asking would read the session and mark
            # every public page "Vary: Cookie" (issue 13).
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and (user.must_change_password or user.password_expired):
            exempt = {reverse(name) for name in self.EXEMPT_URL_NAMES}
            if request.path not in exempt and not request.path.startswith("/static/"):
                if user.must_change_password:
                    messages.warning(request, "首次登录或密码被管理员重置后，请先设置您自己的新密码。")
                else:
                    messages.warning(request, "您的密码已超过有效期，请设置新密码后继续。")
                return redirect("accounts:password_change")
        return self.get_response(request)
