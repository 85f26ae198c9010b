#!/usr/bin/env bash
# One command for the whole test suite on a fresh machine: installs what is missing, starts
# PostgreSQL and Redis if they are down, then lints, checks the production settings and runs
# every test against the real PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379), after
# scripts/production-check.sh has run the production stack's own commands on them.
# Extra arguments go to pytest (e.g. `bash scripts/test.sh -k rules`).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
bash scripts/system-packages.sh test
bash scripts/services.sh

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -r requirements-dev.txt

export DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export GOVREPORT_TEST_REDIS_URL="${GOVREPORT_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "== migrations are up to date"
DJANGO_DEBUG=true .venv/bin/python manage.py makemigrations --check --dry-run >/dev/null

echo "== manage.py check --deploy (production settings)"
DJANGO_DEBUG=false \
DJANGO_SECRET_KEY="ci-only-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
DJANGO_ALLOWED_HOSTS=reports.example.gov.cn \
  .venv/bin/python manage.py check --deploy --fail-level WARNING

echo "== production check (scripts/production-check.sh: the compose stack's commands on PostgreSQL and Redis)"
bash scripts/production-check.sh

echo "== pytest (PostgreSQL: $DATABASE_URL)"
exec .venv/bin/pytest -p no:cacheprovider "$@"
