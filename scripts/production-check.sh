#!/usr/bin/env bash
# The production stack as shipped, proven without a container engine: the services' own
# commands (scripts/entrypoint.sh, read from docker-compose.yml) with the services' own
# environment (read from docker-compose.yml by scripts/compose_env.py; only the addresses of
# PostgreSQL, Redis and the volumes differ) on the local PostgreSQL and Redis, with
# DJANGO_DEBUG=false and a generated secret:
#   build-static → web (gunicorn; migrates a fresh database) → bootstrap → worker → beat, each
#   its own process; the three healthchecks; then the first day over HTTP
#   (scripts/production_check.py: first administrator, district, agency, accounts, a clean
#   report entered and submitted, three sign-offs, published by the worker, public page +
#   hashed static files + PDF/JSON/XLSX/HTML); then `backup`, everything stopped, `restore`
#   into an empty database and data folder, and the restored site serves the same files
#   (same SHA-256). Any 5xx, mismatch or failed step: exit 1. Stops everything it started.
#
# Run by scripts/test.sh (so by CI). Alone: bash scripts/production-check.sh
# Environment: PRODUCTION_CHECK_DATABASE_URL (else DATABASE_URL; its database name is the
#   prefix of the two databases made and dropped here: <name>_prodcheck, <name>_prodrestore),
#   PRODUCTION_CHECK_REDIS_DBS ("13 14": broker and cache, flushed), PRODUCTION_CHECK_PORT
#   (a free port), PRODUCTION_CHECK_KEEP=1 keeps the work folder and its logs.
# Showing that it catches what it must (each run must then FAIL):
#   PRODUCTION_CHECK_BREAK=static-debug   static files collected with DJANGO_DEBUG=true
#   PRODUCTION_CHECK_BREAK=no-pg-dump     no pg_dump on the PATH of `backup`
#   PRODUCTION_CHECK_BREAK=server-error   a page answers 500 (an entry cut from the manifest)
#   PRODUCTION_CHECK_BREAK=eager-publish  web runs without the broker: it publishes in-process
set -euo pipefail
cd "$(dirname "$0")/.."
STARTED=$SECONDS
BREAK="${PRODUCTION_CHECK_BREAK:-}"
case "$BREAK" in ""|static-debug|no-pg-dump|server-error|eager-publish) ;; *)
  echo "未知的 PRODUCTION_CHECK_BREAK=$BREAK" >&2; exit 2 ;; esac

say() { echo "[production-check] $((SECONDS - STARTED)) s: $*"; }
fail() { echo "[production-check] 失败：$*" >&2; exit 1; }

bash scripts/services.sh
# The image's Debian packages (the PDF font, poppler, pg_dump of compose's PostgreSQL major),
# installed by the same script and set as the Dockerfile's RUN step.
PG_MAJOR="$(sed -n 's/^ARG PG_MAJOR=//p' Dockerfile)" bash scripts/system-packages.sh image
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv && .venv/bin/python -m pip install -q -r requirements-dev.txt
fi
export PATH="$PWD/.venv/bin:$PATH"

SOURCE_URL="${PRODUCTION_CHECK_DATABASE_URL:-${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"
SERVER_URL="${SOURCE_URL%/*}"
PREFIX="${SOURCE_URL##*/}"
DB="${PREFIX}_prodcheck"
RESTORE_DB="${PREFIX}_prodrestore"
read -r BROKER_DB CACHE_DB <<<"${PRODUCTION_CHECK_REDIS_DBS:-13 14}"
REDIS_URL=redis://127.0.0.1:6379
# Two checks at once on one machine would share these Redis databases (one's worker could take
# the other's job): the second waits for the first.
exec 9>"${TMPDIR:-/tmp}/govreport-production-check-redis-$BROKER_DB-$CACHE_DB.lock"
flock -w 900 9 || fail "另一个生产检查占用 Redis 数据库 $BROKER_DB/$CACHE_DB 超过 15 分钟"
PORT="${PRODUCTION_CHECK_PORT:-$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
WORK="$(mktemp -d -t production-check.XXXXXX)"
PIDS=()

psql_admin() { psql "$SERVER_URL/postgres" -v ON_ERROR_STOP=1 -qc "$1" >/dev/null; }

stop_all() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}

cleanup() {
  local status=$?
  stop_all
  if [ "$status" != 0 ]; then
    for log in "$WORK"/*.log; do
      [ -f "$log" ] && { echo "── $(basename "$log")（最后 25 行）" >&2; tail -n 25 "$log" >&2; }
    done
  fi
  psql_admin "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true
  psql_admin "DROP DATABASE IF EXISTS $RESTORE_DB WITH (FORCE)" || true
  redis-cli -n "$BROKER_DB" flushdb >/dev/null 2>&1 || true
  redis-cli -n "$CACHE_DB" flushdb >/dev/null 2>&1 || true
  if [ -n "${PRODUCTION_CHECK_KEEP:-}" ]; then say "日志保留在 $WORK"; else rm -rf "$WORK"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ── The environment of compose's app services, on the local services ───────────────────
export DJANGO_SECRET_KEY="prodcheck-$(python -c 'import secrets; print(secrets.token_urlsafe(40))')"
export POSTGRES_PASSWORD="not-used-here"  # compose's DATABASE_URL needs it; ours replaces the URL
export DJANGO_ALLOWED_HOSTS=reports.example.gov.cn
export GOVREPORT_ADMIN_USERNAME=admin
export GOVREPORT_ADMIN_PASSWORD="First-Admin-$(python -c 'import secrets; print(secrets.token_hex(6))')"
env_lines="$(python scripts/compose_env.py env web \
  --set DATABASE_URL="$SERVER_URL/$DB" \
  --set CELERY_BROKER_URL="$REDIS_URL/$BROKER_DB" \
  --set GOVREPORT_CACHE_URL="$REDIS_URL/$CACHE_DB" \
  --set GOVREPORT_DATA_DIR="$WORK/data" \
  --set GOVREPORT_BACKUP_DIR="$WORK/backups")"
eval "$env_lines"
[ "$DJANGO_DEBUG" = false ] || fail "docker-compose.yml 应设置 DJANGO_DEBUG=false"
# What the image sets (Dockerfile ENV) rather than compose: where the static files go.
export DJANGO_STATIC_ROOT="$WORK/static"
export HOST=127.0.0.1 PORT
export GOVREPORT_WORKER_NAME="prodcheck-$$@localhost"
export CHECK_BASE_URL="http://127.0.0.1:$PORT" CHECK_HOST="$DJANGO_ALLOWED_HOSTS"
export CHECK_WEB_LOG="$WORK/web.log" CHECK_WORKER_LOG="$WORK/worker.log"
WEB_CMD="$(python scripts/compose_env.py command web)"
WORKER_CMD="$(python scripts/compose_env.py command worker)"
BEAT_CMD="$(python scripts/compose_env.py command beat)"
WEB_HEALTH="$(python scripts/compose_env.py healthcheck web)"
WORKER_HEALTH="$(python scripts/compose_env.py healthcheck worker)"
BEAT_HEALTH="$(python scripts/compose_env.py healthcheck beat)"
say "compose 的环境（$(echo "$env_lines" | wc -l) 个变量），数据库 $DB，Redis $BROKER_DB/$CACHE_DB，端口 $PORT"

psql_admin "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
psql_admin "CREATE DATABASE $DB"
redis-cli -n "$BROKER_DB" flushdb >/dev/null
redis-cli -n "$CACHE_DB" flushdb >/dev/null

# ── The image's build step ──────────────────────────────────────────────────────────────
if [ "$BREAK" = static-debug ]; then
  say "（故意）在 DJANGO_DEBUG=true 下收集静态文件"
  DJANGO_DEBUG=true python manage.py collectstatic --noinput --clear -v 0
else
  scripts/entrypoint.sh build-static
fi
if [ "$BREAK" = server-error ]; then
  say "（故意）从静态文件清单中删去 bootstrap.min.css"
  python - "$DJANGO_STATIC_ROOT/staticfiles.json" <<'PY'
import json, sys
manifest = json.load(open(sys.argv[1]))
del manifest["paths"]["vendor/bootstrap/bootstrap.min.css"]
json.dump(manifest, open(sys.argv[1], "w"))
PY
fi

# ── The services, each its own process ─────────────────────────────────────────────────
wait_for() {  # wait_for WHAT PID COMMAND...: until COMMAND succeeds, while PID lives (3 minutes at most)
  local what="$1" pid="$2" deadline=$((SECONDS + 180)); shift 2
  until "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || fail "$what 已退出"
    [ "$SECONDS" -lt "$deadline" ] || fail "$what 3 分钟内未就绪"
    sleep 0.5
  done
}

if [ "$BREAK" = eager-publish ]; then
  say "（故意）web 不连接 broker：发布任务在 web 进程内运行"
  env -u CELERY_BROKER_URL $WEB_CMD >"$WORK/web.log" 2>&1 &
else
  $WEB_CMD >"$WORK/web.log" 2>&1 &
fi
WEB=$!; PIDS+=("$WEB")
# As `docker compose up` does: the three start together.
$WORKER_CMD >"$WORK/worker.log" 2>&1 &
WORKER=$!; PIDS+=("$WORKER")
$BEAT_CMD >"$WORK/beat.log" 2>&1 &
BEAT=$!; PIDS+=("$BEAT")
wait_for "web（$WEB_CMD）" "$WEB" $WEB_HEALTH
say "web 已就绪：$WEB_CMD（gunicorn，pid $WEB，已迁移新数据库）"

scripts/entrypoint.sh bootstrap
wait_for "worker（$WORKER_CMD）" "$WORKER" $WORKER_HEALTH
wait_for "beat（$BEAT_CMD）" "$BEAT" $BEAT_HEALTH
say "worker（pid $WORKER）和 beat（pid $BEAT）已运行，compose 的三个健康检查均通过"

# ── The first day, over HTTP ───────────────────────────────────────────────────────────
python scripts/production_check.py flow "$WORK/state.json"

# ── Backup, then restore into an empty database and data folder ───────────────────────
if [ "$BREAK" = no-pg-dump ]; then
  say "（故意）backup 的 PATH 中没有 pg_dump"
  mkdir "$WORK/bin"
  for tool in bash date dirname env; do ln -s "$(command -v "$tool")" "$WORK/bin/$tool"; done
  PATH="$PWD/.venv/bin:$WORK/bin" scripts/entrypoint.sh backup
else
  scripts/entrypoint.sh backup
fi
BACKUP="$(find "$WORK/backups" -mindepth 1 -maxdepth 1 -type d | head -1)"
[ -f "$BACKUP/manifest.json" ] || fail "备份目录中没有 manifest.json"
say "已备份到 $BACKUP"
stop_all
grep -E '" 5[0-9]{2} ' "$WORK/web.log" && fail "web 的访问日志中有 5xx 答复"

psql_admin "DROP DATABASE IF EXISTS $RESTORE_DB WITH (FORCE)"
psql_admin "CREATE DATABASE $RESTORE_DB"
export DATABASE_URL="$SERVER_URL/$RESTORE_DB" GOVREPORT_DATA_DIR="$WORK/restored"
scripts/entrypoint.sh restore "$BACKUP"
$WEB_CMD >"$WORK/web-restored.log" 2>&1 &
WEB=$!; PIDS+=("$WEB")
wait_for "恢复后的 web" "$WEB" $WEB_HEALTH
python scripts/production_check.py verify "$WORK/state.json"
stop_all
grep -E '" 5[0-9]{2} ' "$WORK/web-restored.log" && fail "恢复后 web 的访问日志中有 5xx 答复"

say "通过（$((SECONDS - STARTED)) 秒）"
