from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "账户"

    def ready(self):
        from . import audit  # noqa: F401 - connects the sign-in signal receivers
