"""What docker-compose.yml gives a service, read from the file itself, for scripts outside Docker.

``scripts/production-check.sh`` runs the services' own commands with the services' own
environment, on the local PostgreSQL and Redis instead of the ``db`` and ``redis``
containers; deriving both from docker-compose.yml (instead of keeping a second list) is
what makes the check prove the stack as shipped.

    python scripts/compose_env.py env SERVICE [--set NAME=VALUE ...]
        ``export NAME=VALUE`` lines for the service's environment, ``${VAR:-default}`` and
        ``${VAR:?message}`` substituted from this process's environment as compose does.
        ``--set`` replaces a value (only of a variable compose sets); afterwards no value may
        still name a compose service as its host (``@db:``, ``//redis:``) — the addresses are
        the only thing that differs from the containers.
    python scripts/compose_env.py command SERVICE
        the service's command, ``/app/`` (the image's working directory) made relative.
    python scripts/compose_env.py healthcheck SERVICE
        the same for the service's healthcheck (an exec-form ``CMD`` test).

Compose files are small and trusted; the substitution covers the forms compose documents
(``$VAR``, ``${VAR}``, ``${VAR:-x}``, ``${VAR-x}``, ``${VAR:?x}``, ``${VAR?x}``, ``$$``).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
IMAGE_WORKDIR = "/app/"
_VARIABLE = re.compile(r"\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


class ComposeError(Exception):
    pass


def load(path: Path = COMPOSE) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def substitute(value: str, environ: dict[str, str]) -> str:
    def one(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1) or match.group(4)
        operator, argument = match.group(2), match.group(3) or ""
        current = environ.get(name)
        unset = current is None or (current == "" and operator in (":-", ":?"))
        if operator in (":-", "-"):
            return argument if unset else current
        if operator in (":?", "?"):
            if unset:
                raise ComposeError(f"{name}: {argument or 'required'}")
            return current
        return current or ""

    return _VARIABLE.sub(one, value)


def service(compose: dict, name: str) -> dict:
    try:
        return compose["services"][name]
    except KeyError:
        raise ComposeError(f"docker-compose.yml has no service {name!r}") from None


def service_environment(compose: dict, name: str, environ: dict[str, str]) -> dict[str, str]:
    raw = service(compose, name).get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {key: substitute(str(value), environ) for key, value in raw.items()}


def _local(words: list[str]) -> list[str]:
    return [word.removeprefix(IMAGE_WORKDIR) if word.startswith(IMAGE_WORKDIR) else word for word in words]


def service_command(compose: dict, name: str) -> list[str]:
    command = service(compose, name).get("command")
    return _local(shlex.split(command) if isinstance(command, str) else list(command or []))


def service_healthcheck(compose: dict, name: str) -> list[str]:
    test = (service(compose, name).get("healthcheck") or {}).get("test") or []
    if not test or test[0] != "CMD":
        raise ComposeError(f"{name}: the healthcheck is not an exec-form CMD test")
    return _local(list(test[1:]))


def local_environment(compose: dict, name: str, environ: dict[str, str], overrides: dict[str, str]) -> dict[str, str]:
    env = service_environment(compose, name, environ)
    unknown = set(overrides) - set(env)
    if unknown:
        raise ComposeError(f"docker-compose.yml does not set {', '.join(sorted(unknown))} for {name}")
    env.update(overrides)
    hosts = [other for other in compose["services"] if other != name]
    for key, value in env.items():
        for host in hosts:
            if re.search(rf"(@|//){re.escape(host)}(:|/|$)", value):
                raise ComposeError(f"{key} still points at the compose service {host!r}: give it with --set")
    return env


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("env", "command", "healthcheck"))
    parser.add_argument("service")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    compose = load()
    try:
        if args.what in ("command", "healthcheck"):
            read = service_command if args.what == "command" else service_healthcheck
            print(shlex.join(read(compose, args.service)))
            return 0
        overrides = dict(item.split("=", 1) for item in args.set)
        env = local_environment(compose, args.service, dict(os.environ), overrides)
    except ComposeError as exc:
        print(f"compose_env: {exc}", file=sys.stderr)
        return 1
    for key, value in env.items():
        print(f"export {key}={shlex.quote(value)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
