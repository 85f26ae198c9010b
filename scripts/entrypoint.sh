#!/usr/bin/env bash
# The one entrypoint of the image: the Dockerfile builds with it, every service of
# docker-compose.yml runs it, and scripts/production-check.sh runs the very same steps on the
# local PostgreSQL and Redis (no container engine is needed to prove them).
#
#   build-static      collect the static files under the production settings (DJANGO_DEBUG=false),
#                     so the hashed names and their manifest exist; fails without the manifest
#   migrate           apply the database migrations
#   web               migrate (unless GOVREPORT_MIGRATE_ON_START=false), then gunicorn on
#                     $HOST:$PORT (0.0.0.0:8000), $GUNICORN_WORKERS workers (3); the access log
#                     on stdout, one line per request with its request id
#   worker            the Celery worker (publication jobs), $CELERY_CONCURRENCY processes (2),
#                     named $GOVREPORT_WORKER_NAME (worker@<host name>)
#   beat              Celery beat (the daily reminders), touching DATA_DIR/beat.heartbeat
#   bootstrap         the first administrator, from GOVREPORT_ADMIN_USERNAME/_PASSWORD/_EMAIL
#   backup            a backup folder under $GOVREPORT_BACKUP_DIR (/backups), named by the time
#   restore FOLDER    restore a backup into the empty database and data folder
#   health web|worker|beat   the container healthchecks (exit 0 when healthy)
set -euo pipefail
cd "$(dirname "$0")/.."

DATA_DIR="${GOVREPORT_DATA_DIR:-var}"
STATIC_ROOT="${DJANGO_STATIC_ROOT:-staticfiles}"
MANIFEST="$STATIC_ROOT/staticfiles.json"
WORKER_NAME="${GOVREPORT_WORKER_NAME:-worker@${HOSTNAME:-localhost}}"

die() { echo "entrypoint: $*" >&2; exit 1; }

manifest_present() {
  [ -s "$MANIFEST" ] || die "缺少静态文件清单 $MANIFEST：静态文件没有按生产设置收集（请运行 scripts/entrypoint.sh build-static）。"
}

case "${1:-}" in
  build-static)
    # Production settings: with DEBUG on, Django's plain storage writes no manifest and every
    # page of the production site would answer 500. A build has no secret; it signs nothing.
    DJANGO_DEBUG=false \
    DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(40))')}" \
      python manage.py collectstatic --noinput --clear -v 0
    manifest_present
    echo "静态文件已收集到 $STATIC_ROOT（含清单 staticfiles.json）。"
    ;;
  migrate)
    exec python manage.py migrate --noinput
    ;;
  web)
    manifest_present
    if [ "${GOVREPORT_MIGRATE_ON_START:-true}" != false ]; then
      python manage.py migrate --noinput
    fi
    exec gunicorn config.wsgi:application \
      --bind "${HOST:-0.0.0.0}:${PORT:-8000}" \
      --workers "${GUNICORN_WORKERS:-3}" \
      --access-logfile - \
      --access-logformat '%(t)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s' \
      --error-logfile -
    ;;
  worker)
    exec celery -A config worker --loglevel=INFO --concurrency "${CELERY_CONCURRENCY:-2}" -n "$WORKER_NAME"
    ;;
  beat)
    mkdir -p "$DATA_DIR"
    exec celery -A config beat --loglevel=INFO --schedule "$DATA_DIR/celerybeat-schedule" \
      --scheduler config.celery:HeartbeatScheduler --max-interval 60
    ;;
  bootstrap)
    exec python manage.py bootstrap
    ;;
  backup)
    exec python manage.py backup --output "${GOVREPORT_BACKUP_DIR:-/backups}/$(date -u +%Y%m%dT%H%M%SZ)"
    ;;
  restore)
    [ -n "${2:-}" ] || die "用法：entrypoint.sh restore 备份目录"
    exec python manage.py restore "$2"
    ;;
  health)
    case "${2:-}" in
      web)
        exec python - "${PORT:-8000}" <<'PY'
import sys, urllib.request
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/readyz", timeout=10) as answer:
        sys.exit(0 if answer.status == 200 else 1)
except Exception as exc:
    print(f"readyz: {exc}", file=sys.stderr)
    sys.exit(1)
PY
        ;;
      worker)
        exec celery -A config inspect ping --destination "$WORKER_NAME" --timeout 10
        ;;
      beat)
        # Beat ticks at least every minute (--max-interval 60) and touches the file each time.
        [ -n "$(find "$DATA_DIR/beat.heartbeat" -mmin -3 2>/dev/null)" ] || die "beat 已超过 3 分钟没有心跳"
        ;;
      *) die "用法：entrypoint.sh health web|worker|beat" ;;
    esac
    ;;
  *)
    die "用法：entrypoint.sh build-static|migrate|web|worker|beat|bootstrap|backup|restore|health"
    ;;
esac
