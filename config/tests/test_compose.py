"""docker-compose.yml is valid YAML with the services, environment and volumes we promise."""

from pathlib import Path

import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def load():
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_compose_defines_web_worker_database_and_broker():
    services = load()["services"]
    assert {"web", "worker", "db", "redis"} <= set(services)
    assert "gunicorn config.wsgi:application" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A config worker")
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")


def test_app_services_get_their_settings_from_the_environment():
    services = load()["services"]
    for name in ("web", "worker"):
        env = services[name]["environment"]
        assert env["DJANGO_DEBUG"] == "false"
        assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
        assert env["CELERY_BROKER_URL"].startswith("redis://redis:6379")
        # No secret has a default: compose refuses to start without it.
        assert ":?" in env["DJANGO_SECRET_KEY"]
        assert env["GOVREPORT_DATA_DIR"] == "/data"
        assert "files:/data" in services[name]["volumes"]
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"


def test_named_volumes_hold_the_database_and_the_published_files():
    compose = load()
    assert {"db-data", "files"} <= set(compose["volumes"])
    assert "db-data:/var/lib/postgresql/data" in compose["services"]["db"]["volumes"]


def test_a_beat_process_runs_the_scheduled_reminders_and_caches_are_shared():
    services = load()["services"]
    assert services["beat"]["command"].startswith("celery -A config beat")
    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["GOVREPORT_CACHE_URL"].startswith("redis://redis:6379/")
