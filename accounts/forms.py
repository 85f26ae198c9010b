from django.contrib.auth.forms import AuthenticationForm

# One message for every failed sign-in: it tells nobody whether the account exists or is locked.
GENERIC_LOGIN_ERROR = "用户名或密码不正确。连续失败 5 次后账户将被锁定 30 分钟。"


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": GENERIC_LOGIN_ERROR,
        "inactive": GENERIC_LOGIN_ERROR,
    }
