"""Run by ``tests/test_sqlite_demo.py`` in a process of its own: the demo as
``scripts/start.sh`` makes it — the embedded defaults (a SQLite file, tasks in-process), the
demo data and one report published — then every demo account (and an anonymous visitor)
follows the links of the pages it can reach, GET only, and a clerk runs the live check. Prints
one line per page that answered 5xx or raised (``FAIL <status> <who> <url>``), then
``pages <n> shown <m>`` (how many answered 200). The suite itself runs on PostgreSQL: this
is what keeps the newcomer's first start working."""

import os
import re
import sys
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["DATABASE_URL"] = f"sqlite:///{sys.argv[1]}"
os.environ["GOVREPORT_DATA_DIR"] = str(Path(sys.argv[1]).parent / "data")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
for name in ("CELERY_BROKER_URL", "GOVREPORT_CACHE_URL"):
    os.environ.pop(name, None)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

setup_test_environment()
settings.MEDIA_ROOT = Path(os.environ["GOVREPORT_DATA_DIR"]) / "files"

from accounts.models import User  # noqa: E402
from reports.models import Report  # noqa: E402

call_command("migrate", verbosity=0)
call_command("load_demo", stdout=open(os.devnull, "w"))
call_command("demo_publish", stdout=open(os.devnull, "w"))

PAGES_PER_VISITOR = int(sys.argv[2]) if len(sys.argv) > 2 else 60
LINK = re.compile(r'href="(/[^"#]*)"')
SKIP = ("/accounts/logout", "/admin/", "/static/", "/_")
failures, pages, shown = [], 0, 0


def crawl(who: str, client: Client, start: list[str]) -> None:
    """Breadth first from ``start``, at most PAGES_PER_VISITOR pages."""
    global pages, shown
    seen, queue, fetched = set(start), deque(start), 0
    while queue and fetched < PAGES_PER_VISITOR:
        url = queue.popleft()
        fetched += 1
        try:
            response = client.get(url)
        except Exception as exc:  # a traceback is a failure like a 500
            failures.append(f"FAIL {type(exc).__name__} {who} {url}")
            continue
        if response.status_code >= 500:
            failures.append(f"FAIL {response.status_code} {who} {url}")
        shown += response.status_code == 200
        if response.streaming or "text/html" not in response.get("Content-Type", ""):
            continue
        for link in LINK.findall(response.content.decode("utf-8", "replace")):
            link = link.replace("&amp;", "&")
            if link not in seen and not link.startswith(SKIP):
                seen.add(link)
                queue.append(link)
    pages += fetched


START = ["/", "/open-data/", "/api/reports/", "/my/", "/review/", "/review/district/", "/review/district/board/"]
crawl("anonymous", Client(raise_request_exception=False), START[:3])
for user in User.objects.filter(is_active=True).order_by("username"):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    crawl(user.username, client, START)

# A clerk's live check (the editor's most frequent request) and a save.
draft = Report.objects.filter(status=Report.Status.DRAFT).select_related("agency").first()
clerk = User.objects.filter(agency=draft.agency).first()
client = Client(raise_request_exception=False)
client.force_login(clerk)
for path, body in ((f"/my/reports/{draft.pk}/check/", {"cells": {"t3.new.natural": "1"}, "texts": {}}),):
    response = client.post(path, body, content_type="application/json")
    pages += 1
    if response.status_code != 200:
        failures.append(f"FAIL {response.status_code} {clerk.username} POST {path}")

print("\n".join(failures))
print(f"pages {pages} shown {shown}")
