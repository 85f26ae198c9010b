"""Log lines: one per event, the request id on each, no traceback for an expected 403/404."""

import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.http import HttpResponse
from django.test import Client
from django.urls import path

from config import urls as project_urls
from config.logs import RequestIdFilter

ROOT = Path(__file__).resolve().parents[2]

MAKE_CLERK = """
from django.contrib.sessions.backends.db import SessionStore
from reports.models import Agency, District
from accounts.models import User
agency = Agency.objects.create(name="某机关", district=District.objects.create(name="某区"))
user = User(username="clerk", agency=agency)
user.set_password("Clerk-pass-2026")
user.save()
session = SessionStore()
session["_auth_user_id"] = str(user.pk)
session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
session["_auth_user_hash"] = user.get_session_auth_hash()
session.create()
print(session.session_key)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_demo_logs_a_forbidden_and_a_missing_page_on_one_line_each(tmp_path):
    """As `scripts/start.sh` runs it: DEBUG on, SQLite, runserver. A clerk opening the review
    queue (403) and anyone opening a missing page (404): one line each, no traceback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "DATABASE_", "GOVREPORT_"))}
    env.update({"DJANGO_DEBUG": "true", "GOVREPORT_DATA_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"})
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=120)
    made = subprocess.run(
        [*manage, "shell", "-c", MAKE_CLERK], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    session = made.stdout.strip().splitlines()[-1]
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    try:
        statuses = {}
        for path, cookie in (("/review/", f"sessionid={session}"), ("/no-such-page/", "")):
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Cookie": cookie})
            for _ in range(100):
                try:
                    urllib.request.urlopen(request, timeout=10)
                except urllib.error.HTTPError as exc:
                    statuses[path] = exc.code
                    break
                except OSError:
                    time.sleep(0.2)  # not listening yet
        time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert statuses == {"/review/": 403, "/no-such-page/": 404}
    output = log.read_text()
    assert "Traceback" not in output
    assert len(re.findall(r"GET /review/ HTTP/1.1\" 403", output)) == 1, output
    assert len([line for line in output.splitlines() if "/review/" in line]) == 1, output
    assert len([line for line in output.splitlines() if "/no-such-page/" in line]) == 1, output


def broken_view(request):
    raise RuntimeError("broken on purpose")


def logging_view(request):
    logging.getLogger("reports").warning("inside the request")
    return HttpResponse("ok")


# The project's URLs too: the error pages link to them.
urlpatterns = [path("broken/", broken_view), path("logs/", logging_view), *project_urls.urlpatterns]


def test_a_server_error_is_still_logged_with_its_traceback(settings, caplog):
    settings.ROOT_URLCONF = __name__
    with caplog.at_level(logging.INFO, logger="django.request"):
        assert Client(raise_request_exception=False).get("/broken/").status_code == 500
    errors = [r for r in caplog.records if r.name == "django.request"]
    assert len(errors) == 1 and errors[0].exc_info is not None and errors[0].status_code == 500


def test_an_expected_refusal_leaves_no_django_request_record(settings, caplog):
    settings.ROOT_URLCONF = __name__
    with caplog.at_level(logging.INFO):
        assert Client().get("/missing/").status_code == 404
    assert [r for r in caplog.records if r.name == "django.request"] == []


def test_lines_written_during_a_request_carry_its_id(settings):
    settings.ROOT_URLCONF = __name__
    seen = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(record.request_id)

    handler = Keep()
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("reports")
    logger.addHandler(handler)
    try:
        response = Client().get("/logs/", HTTP_X_REQUEST_ID="proxy-given-id-123")
        fresh = Client().get("/logs/")
        logger.warning("outside any request")
    finally:
        logger.removeHandler(handler)
    assert response["X-Request-ID"] == "proxy-given-id-123"
    assert re.fullmatch(r"[0-9a-f]{32}", fresh["X-Request-ID"])
    assert seen == ["proxy-given-id-123", fresh["X-Request-ID"], "-"]


def test_an_id_from_outside_is_kept_only_when_it_is_a_plain_token(settings):
    settings.ROOT_URLCONF = __name__
    replaced = Client().get("/logs/", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert re.fullmatch(r"[0-9a-f]{32}", replaced["X-Request-ID"])


def test_one_console_handler_on_stdout_and_django_does_not_print_again():
    from django.conf import settings

    config = settings.LOGGING
    assert config["root"]["handlers"] == ["console"]
    assert config["handlers"]["console"]["stream"] == "ext://sys.stdout"
    assert config["loggers"]["django"]["handlers"] == []
