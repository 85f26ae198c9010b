"""``bootstrap``: the installation's first administrator, from the environment.

``GOVREPORT_ADMIN_USERNAME``, ``GOVREPORT_ADMIN_PASSWORD`` (an initial password: it must be
changed at the first sign-in) and optionally ``GOVREPORT_ADMIN_EMAIL``. The password is read
from the environment only, never from the command line (where ``ps`` shows it). Does nothing
once the installation has a superuser, so it is safe to run at every start.
"""

import os

from django.core.management.base import BaseCommand, CommandError

from accounts.installation import BootstrapError, installation_bootstrap


class Command(BaseCommand):
    help = "创建安装后的首个管理员（读取环境变量 GOVREPORT_ADMIN_USERNAME、GOVREPORT_ADMIN_PASSWORD）。"

    def handle(self, *args, **options):
        try:
            user = installation_bootstrap(
                username=os.environ.get("GOVREPORT_ADMIN_USERNAME", ""),
                password=os.environ.get("GOVREPORT_ADMIN_PASSWORD", ""),
                email=os.environ.get("GOVREPORT_ADMIN_EMAIL", ""),
            )
        except BootstrapError as exc:
            raise CommandError(str(exc)) from exc
        if user is None:
            self.stdout.write("已有管理员账户，未创建新账户。")
        else:
            self.stdout.write(
                f"已创建首个管理员 {user.username}。请用初始密码登录 /admin/，首次登录须设置新密码；"
                "随后在管理后台建立区、机关和区政务公开办管理员账户。"
            )
