"""docker-compose.yml and the Dockerfile, read as the production check reads them.

The image cannot be run here (no container engine), so these tests hold the files to what
``scripts/production-check.sh`` proves on the real services: it runs each service's command
as ``scripts/compose_env.py`` reads it from docker-compose.yml, with the environment compose
gives the service. Here: every service has a healthcheck, each app service runs the
entrypoint subcommand the check ran, and every setting a deployer may need reaches the
containers.
"""

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import compose_env  # noqa: E402

APP_SERVICES = ("web", "worker", "beat")
DEPLOYER_INPUT = {"DJANGO_SECRET_KEY": "s" * 50, "POSTGRES_PASSWORD": "pw", "DJANGO_ALLOWED_HOSTS": "example.org"}
ENTRYPOINT = ROOT / "scripts" / "entrypoint.sh"
CHECK = ROOT / "scripts" / "production-check.sh"


@pytest.fixture(scope="module")
def compose():
    return compose_env.load()


def entrypoint_subcommands() -> set[str]:
    text = ENTRYPOINT.read_text(encoding="utf-8")
    return set(re.findall(r"^  ([a-z-]+)\)", text, re.M))


def test_every_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_each_app_service_runs_the_entrypoint_step_the_production_check_ran(compose):
    check = CHECK.read_text(encoding="utf-8")
    for name in APP_SERVICES:
        command = compose_env.service_command(compose, name)
        assert command == ["scripts/entrypoint.sh", name]
        assert name in entrypoint_subcommands()
        # The check runs the command it reads from the compose file, not a copy of it.
        assert f"compose_env.py command {name})" in check
        assert compose_env.service_healthcheck(compose, name) == ["scripts/entrypoint.sh", "health", name]
        assert f"compose_env.py healthcheck {name})" in check
    assert {"build-static", "migrate", "bootstrap", "backup", "restore", "health"} <= entrypoint_subcommands()


def test_the_app_services_share_one_environment_read_with_compose_substitution(compose):
    envs = [compose_env.service_environment(compose, name, DEPLOYER_INPUT) for name in APP_SERVICES]
    assert envs[0] == envs[1] == envs[2]
    env = envs[0]
    assert env["DJANGO_DEBUG"] == "false"
    assert env["DJANGO_SECRET_KEY"] == "s" * 50
    assert env["DATABASE_URL"] == "postgres://govreport:pw@db:5432/govreport"
    assert env["CELERY_BROKER_URL"].startswith("redis://redis:6379/")
    assert env["GOVREPORT_CACHE_URL"].startswith("redis://redis:6379/")
    assert env["GOVREPORT_DATA_DIR"] == "/data"
    # Optional settings pass through empty, which the settings read as "use the default".
    assert env["GOVREPORT_PDF_FONT"] == ""
    for name in APP_SERVICES:
        assert "files:/data" in compose["services"][name]["volumes"]
        assert compose["services"][name]["depends_on"]["db"]["condition"] == "service_healthy"


def test_compose_refuses_to_start_without_the_secrets(compose):
    for missing in DEPLOYER_INPUT:
        given = {k: v for k, v in DEPLOYER_INPUT.items() if k != missing}
        with pytest.raises(compose_env.ComposeError, match=missing):
            compose_env.service_environment(compose, "web", given)


def test_the_local_environment_replaces_only_addresses_and_every_one_of_them(compose):
    addresses = {
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/4",
        "GOVREPORT_CACHE_URL": "redis://127.0.0.1:6379/5",
        "GOVREPORT_DATA_DIR": "/tmp/data",
        "GOVREPORT_BACKUP_DIR": "/tmp/backups",
    }
    env = compose_env.local_environment(compose, "web", DEPLOYER_INPUT, addresses)
    assert env["DATABASE_URL"] == addresses["DATABASE_URL"]
    assert env["DJANGO_SECURE_PROXY_SSL_HEADER"] == "true"
    with pytest.raises(compose_env.ComposeError, match="still points at the compose service 'redis'"):
        compose_env.local_environment(compose, "web", DEPLOYER_INPUT, {"DATABASE_URL": addresses["DATABASE_URL"]})
    with pytest.raises(compose_env.ComposeError, match="does not set NOT_IN_COMPOSE"):
        compose_env.local_environment(compose, "web", DEPLOYER_INPUT, {**addresses, "NOT_IN_COMPOSE": "1"})
    # The production check sets exactly these (its --set lines).
    check = CHECK.read_text(encoding="utf-8")
    assert set(re.findall(r"--set ([A-Z_]+)=", check)) == set(addresses)


def test_substitution_follows_compose(compose):
    sub = compose_env.substitute
    assert sub("${A:-x}", {}) == "x"
    assert sub("${A:-x}", {"A": ""}) == "x"
    assert sub("${A-x}", {"A": ""}) == ""
    assert sub("a$${B}", {"B": "no"}) == "a${B}"
    assert sub("$A/${A}", {"A": "v"}) == "v/v"
    with pytest.raises(compose_env.ComposeError, match="A: needed"):
        sub("${A:?needed}", {"A": ""})


def test_every_setting_the_readme_lists_reaches_the_containers(compose):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([A-Z_]+)`(?:, `([A-Z_]+)`)?", table, re.M))
    names = {name for pair in listed for name in pair if name}
    assert len(names) > 15
    env = compose["services"]["web"]["environment"]
    assert names - set(env) == set(), "a setting the README lists is not passed through docker-compose.yml"


def test_the_image_uses_the_same_scripts_and_the_database_client_of_the_compose_server(compose):
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    server_major = compose["services"]["db"]["image"].split(":")[1].split(".")[0]
    assert re.search(rf"^ARG PG_MAJOR={server_major}$", dockerfile, re.M)
    assert "bash scripts/system-packages.sh image" in dockerfile
    assert "RUN scripts/entrypoint.sh build-static" in dockerfile
    assert re.search(r"^USER govreport$", dockerfile, re.M)
    assert 'CMD ["/app/scripts/entrypoint.sh", "web"]' in dockerfile
    # postgresql-client-$PG_MAJOR comes from system-packages.sh's "image" set.
    packages = (ROOT / "scripts" / "system-packages.sh").read_text(encoding="utf-8")
    assert re.search(r"image\).*postgresql-client-\$\{PG_MAJOR", packages)


def test_named_volumes_hold_the_database_the_files_and_the_backups(compose):
    assert {"db-data", "files", "backups"} <= set(compose["volumes"])
    assert "db-data:/var/lib/postgresql/data" in compose["services"]["db"]["volumes"]
    assert "backups:/backups" in compose["services"]["web"]["volumes"]


def test_web_listens_on_the_host_only_behind_the_proxy_by_default(compose):
    ports = compose["services"]["web"]["ports"]
    assert ports == ["${GOVREPORT_HTTP_BIND:-127.0.0.1:8000}:8000"]
    env = compose_env.service_environment(compose, "web", DEPLOYER_INPUT)
    assert env["GOVREPORT_PLAIN_HTTP"] == "false"
