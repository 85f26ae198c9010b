"""Run by ``test_listing.py`` in a process of its own, on a SQLite file (the demo's
database): migrate, publish a few reports, then print what the public listing shows —
its status, its count line and the first row's publication date. The listing's own SQL
must read the same on SQLite as on PostgreSQL (the demo runs it)."""

import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
os.environ["DATABASE_URL"] = f"sqlite:///{sys.argv[1]}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
os.environ.pop("GOVREPORT_CACHE_URL", None)  # the process's own memory cache, not a shared one

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from benchmarks import public_fixture  # noqa: E402

call_command("migrate", verbosity=0)
public_fixture.create_published(reports=10)
response = Client().get("/?q=%E7%AC%AC0001")  # 第0001: one agency, its five years
body = response.content.decode()
today = timezone.localdate()
print(response.status_code)
print(re.search(r"共 \d+ 份报告", body).group(0))
print("date" if f"{today.year}年{today.month}月{today.day}日发布" in body else "no date")
print(",".join(re.findall(r'<option value="(\d{4})"', body)))
