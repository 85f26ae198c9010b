"""The settings module refuses unsafe production starts and serves a newcomer with no services."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "a-production-secret-key-that-is-long-and-random-0123456789-abcdef",
    "DJANGO_ALLOWED_HOSTS": "reports.example.gov.cn",
}


def run_manage(*args, env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "DATABASE_"))}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    result = run_manage("check", env_overrides={"DJANGO_DEBUG": "false"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_check_deploy_is_clean_under_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_embedded_defaults_use_sqlite_and_run_tasks_in_process(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.LANGUAGE_CODE, s.TIME_ZONE)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "DATABASE_"))}
    env.update(
        {"DJANGO_DEBUG": "true", "DJANGO_SETTINGS_MODULE": "config.settings", "GOVREPORT_DATA_DIR": str(tmp_path)}
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "zh-hans", "Asia/Shanghai"]


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_malformed_boolean_is_refused_loudly(value):
    result = run_manage("check", env_overrides={"DJANGO_DEBUG": value})
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be a boolean" in result.stderr


def security_settings(**overrides):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "DATABASE_", "GOVREPORT_"))}
    env.update({**PRODUCTION, "DJANGO_SETTINGS_MODULE": "config.settings", **overrides})
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_production_is_https_only_unless_plain_http_is_asked_for_by_name():
    assert security_settings() == ["True", "True", "31536000"]
    assert security_settings(GOVREPORT_PLAIN_HTTP="true") == ["False", "False", "0"]
    # Each one can still be set on its own.
    assert security_settings(GOVREPORT_PLAIN_HTTP="true", DJANGO_SECURE_COOKIES="true") == ["False", "True", "0"]
