#!/usr/bin/env bash
# Load test: gunicorn on 127.0.0.1 with production settings on PostgreSQL and the demo data;
# wrk drives the public pages with 50 clients for 60 s, then a data-entry mix (editing page +
# live checks as a signed-in clerk) with 20 clients for 60 s. Prints throughput, latency
# percentiles and errors; keeps them in test-artifacts/loadtest.txt.
# Usage: bash scripts/loadtest.sh [SECONDS]   (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-60}"
PORT="${LOADTEST_PORT:-8765}"
DB="govreport_loadtest"

command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || {
  echo "需要 wrk（sudo apt-get install wrk）" >&2; exit 1; }
bash scripts/services.sh
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q -r requirements.txt

export DJANGO_DEBUG=false
export DJANGO_SECRET_KEY="loadtest-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export DJANGO_ALLOWED_HOSTS=127.0.0.1
export DJANGO_SECURE_SSL_REDIRECT=false DJANGO_SECURE_COOKIES=false DJANGO_SECURE_HSTS_SECONDS=0
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
export DATABASE_CONN_MAX_AGE=60
export GOVREPORT_DATA_DIR="$(mktemp -d)"
export DJANGO_STATIC_ROOT="$GOVREPORT_DATA_DIR/static"
export DJANGO_LOG_LEVEL=WARNING

psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py collectstatic --noinput -v 0
.venv/bin/python manage.py load_demo >/dev/null

.venv/bin/gunicorn config.wsgi:application --bind "127.0.0.1:$PORT" --workers 4 --log-level warning &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null; wait $GUNICORN 2>/dev/null; rm -rf "$GOVREPORT_DATA_DIR"' EXIT
for _ in $(seq 30); do curl -fs "http://127.0.0.1:$PORT/" >/dev/null && break; sleep 1; done

BASE="http://127.0.0.1:$PORT"
mkdir -p test-artifacts
{
  echo "# 负载测试 $(date -Iseconds)  ($(nproc) 核, gunicorn 4 workers, PostgreSQL)"
  echo "## 公开页面：50 个并发客户端，${DURATION} 秒"
  wrk -t2 -c50 -d"${DURATION}s" --latency -s scripts/loadtest/public.lua "$BASE"
  eval "$(.venv/bin/python scripts/loadtest/session.py "$BASE" clerk_nanmofang Demo-2025-pass)"
  export SESSION CSRF REPORT BODY_FILE
  echo "## 填报（编辑页面 + 实时检查）：20 个并发客户端，${DURATION} 秒"
  wrk -t2 -c20 -d"${DURATION}s" --latency -s scripts/loadtest/data_entry.lua "$BASE"
} | tee test-artifacts/loadtest.txt
grep -q "non-2xx/3xx: 0, socket errors: 0" test-artifacts/loadtest.txt
[ "$(grep -c 'non-2xx/3xx: 0, socket errors: 0' test-artifacts/loadtest.txt)" = 2 ] || { echo "负载测试出现错误" >&2; exit 1; }
