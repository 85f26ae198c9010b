from django.contrib.auth.forms import AuthenticationForm

# One message for every failed sign-in: it tells nobody whether the account exists or is locked.
GENERIC_LOGIN_ERROR = "用户名或密码不正确。连续失败 5 次后账户将被锁定 30 分钟。"


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": GENERIC_LOGIN_ERROR,
        "inactive": GENERIC_LOGIN_ERROR,
    }

    def clean_username(self):
        # AuthenticationForm sets the field's max_length for the HTML only, without a
        # validator: a 60,000-character name reached authenticate() and django-axes' log of
        # failed sign-ins, a varchar(255) — a 500 (issue 11). No user name is that long or
        # holds a control character; refused here, the sign-in is not even attempted.
        username = self.cleaned_data.get("username") or ""
        if len(username) > 150 or not username.isprintable():
            raise self.get_invalid_login_error()
        return username
