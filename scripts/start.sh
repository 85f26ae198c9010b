#!/usr/bin/env bash
# One command for a fresh machine: install into .venv, migrate, load the demo data and serve
# the app at http://127.0.0.1:8000 on the embedded defaults (SQLite, tasks in-process).
# No database server or broker is needed. Ctrl-C stops the server.
# HOST and PORT choose another address (HOST=0.0.0.0 PORT=8080 bash scripts/start.sh); a
# HOST other than 127.0.0.1/localhost must also be in DJANGO_ALLOWED_HOSTS.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "需要 Python 3.11 或更高版本（当前：$("$PYTHON" --version 2>&1)）。" >&2
  exit 1
fi
if ! "$PYTHON" -m venv --help >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
  else
    echo "请先安装 python3-venv（Debian/Ubuntu: sudo apt-get install python3-venv）。" >&2
    exit 1
  fi
fi

bash scripts/system-packages.sh runtime || echo "（未能安装可选的系统软件包，继续）" >&2

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -r requirements.txt

export DJANGO_DEBUG="${DJANGO_DEBUG:-true}"
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py load_demo
# One demo report walked through submission, the three sign-offs and publication, so the
# public site has a report to show (does nothing once that report has left draft).
.venv/bin/python manage.py demo_publish
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
echo
echo "应用已启动：http://$HOST:$PORT/  （按 Ctrl-C 停止）"
exec .venv/bin/python manage.py runserver "$HOST:$PORT"
