"""/healthz and /readyz: answered to the container's probe whatever the Host and scheme,
and /readyz names the part that fails."""

import json

import pytest
from django.db import OperationalError
from django.test import Client

from config import health


@pytest.fixture
def probe(settings, tmp_path):
    # Production's answer to anything else: a wrong Host is refused, plain HTTP is redirected.
    settings.ALLOWED_HOSTS = ["reports.example.gov.cn"]
    settings.SECURE_SSL_REDIRECT = True
    settings.MEDIA_ROOT = tmp_path / "files"
    return Client(HTTP_HOST="127.0.0.1:8000")


def test_healthz_answers_without_the_database(probe):
    # No django_db mark: any database access in this test raises.
    response = probe.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_the_site_itself_still_refuses_that_host_and_scheme(probe):
    assert probe.get("/").status_code == 400


@pytest.mark.django_db
def test_readyz_checks_database_broker_cache_and_data_folder(probe):
    response = probe.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok", "cache": "ok", "data_folder": "ok"}


@pytest.mark.django_db
def test_readyz_names_the_failing_part_with_503(probe, monkeypatch, settings, tmp_path):
    def broken():
        raise OperationalError("connection refused")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    settings.MEDIA_ROOT = blocker / "files"  # cannot be created: its parent is a file
    response = probe.get("/readyz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["failing"] == ["database", "data_folder"]
    assert body["checks"]["database"] == "OperationalError: connection refused"
    assert body["checks"]["cache"] == "ok"
    assert "不可用：database、data_folder" == body["message"]


@pytest.mark.django_db
def test_readyz_with_an_unreachable_broker_fails_on_the_broker(probe, settings):
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    previous = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = probe.get("/readyz")
    finally:
        app.conf.broker_url = previous
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]


def test_only_get_and_head(probe):
    assert probe.post("/healthz").status_code == 405
