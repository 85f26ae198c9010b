#!/usr/bin/env bash
# Load test at scale (issue 13). gunicorn (2 sync workers, production settings plus the
# trivial view /_floor/ of config/settings_loadtest.py) on PostgreSQL with 20,000 published
# reports (the benchmark's fixture) and the demo data, Redis as the shared cache. wrk (50
# clients, DURATION seconds per URL) measures the trivial view (the floor, first and last),
# a static file, each public URL and a mix of at least 1,000 distinct filter combinations (cache
# emptied before it), and prints each one's requests/s as a share of the floor; then the
# data-entry mix (a signed-in clerk's editing page and live checks) with 20 clients.
# Keeps everything in test-artifacts/loadtest.txt; fails on any error.
# Usage: bash scripts/loadtest.sh [SECONDS]   (default 10)
# Environment: LOADTEST_PORT (8765), LOADTEST_DB (govreport_loadtest), LOADTEST_WORKERS (2),
#              LOADTEST_MIX (how many distinct filter combinations the mix cycles through; by
#              default 600 a second of the run, at least 1,000: every request a miss up to
#              600 requests/s),
#              LOADTEST_REDIS (redis://127.0.0.1:6379/3: a database of its own, emptied),
#              LOADTEST_REUSE=1 (keep the database an earlier run filled).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10}"
MIX_DEFAULT=$((600 * DURATION)); [ "$MIX_DEFAULT" -ge 1000 ] || MIX_DEFAULT=1000; [ "$MIX_DEFAULT" -le 20000 ] || MIX_DEFAULT=20000
export LOADTEST_MIX="${LOADTEST_MIX:-$MIX_DEFAULT}"
PORT="${LOADTEST_PORT:-8765}"
DB="${LOADTEST_DB:-govreport_loadtest}"
WORKERS="${LOADTEST_WORKERS:-2}"
REDIS="${LOADTEST_REDIS:-redis://127.0.0.1:6379/3}"
REDIS_DB="${REDIS##*/}"

command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || {
  echo "需要 wrk（sudo apt-get install wrk）" >&2; exit 1; }
bash scripts/services.sh
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q -r requirements.txt

export DJANGO_SETTINGS_MODULE=config.settings_loadtest
export DJANGO_DEBUG=false
export DJANGO_SECRET_KEY="loadtest-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export DJANGO_ALLOWED_HOSTS=127.0.0.1
export DJANGO_SECURE_SSL_REDIRECT=false DJANGO_SECURE_COOKIES=false DJANGO_SECURE_HSTS_SECONDS=0
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
export DATABASE_CONN_MAX_AGE=60
export GOVREPORT_CACHE_URL="$REDIS"
export GOVREPORT_DATA_DIR="$(mktemp -d)"
export DJANGO_STATIC_ROOT="$GOVREPORT_DATA_DIR/static"
export DJANGO_LOG_LEVEL=WARNING
WORK="$GOVREPORT_DATA_DIR/loadtest"
mkdir -p "$WORK" test-artifacts

filled="$(psql -h 127.0.0.1 -U postgres -d "$DB" -Atc "SELECT count(*) FROM reports_publication" 2>/dev/null || echo 0)"
if [ "${LOADTEST_REUSE:-}" = 1 ] && [ "$filled" -ge 20000 ]; then
  # A database filled by an earlier run (filling takes minutes on a busy machine).
  .venv/bin/python manage.py migrate --noinput -v 0
  .venv/bin/python manage.py collectstatic --noinput -v 0
  .venv/bin/python scripts/loadtest/fill_public.py "$WORK" --paths-only
else
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
  .venv/bin/python manage.py migrate --noinput -v 0
  .venv/bin/python manage.py collectstatic --noinput -v 0
  .venv/bin/python manage.py load_demo >/dev/null
  echo "填充 20,000 份已发布的报告…" >&2
  .venv/bin/python scripts/loadtest/fill_public.py "$WORK"
fi
CSS="$(.venv/bin/python -c 'import json,sys; print(json.load(open(sys.argv[1]))["paths"]["css/app.css"])' "$DJANGO_STATIC_ROOT/staticfiles.json")"
redis-cli -n "$REDIS_DB" flushdb >/dev/null

.venv/bin/gunicorn config.wsgi:application --bind "127.0.0.1:$PORT" --workers "$WORKERS" --log-level warning &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null; wait $GUNICORN 2>/dev/null; rm -rf "$GOVREPORT_DATA_DIR"' EXIT
for _ in $(seq 30); do curl -fs "http://127.0.0.1:$PORT/_floor/" >/dev/null && break; sleep 1; done
BASE="http://127.0.0.1:$PORT"

RESULTS="$WORK/results.tsv"
: >"$RESULTS"
# measure NAME PATH [PATHS_FILE]: one wrk run; appends "name, requests/s, p50 ms, p99 ms, errors".
measure() {
  local name="$1" path="$2" paths="${3:-}" out
  [ -n "$paths" ] || curl -fsS -o /dev/null "$BASE$path"  # the first request may fill the cache
  out="$(PATHS="$paths" wrk -t2 -c50 -d"${DURATION}s" --timeout 10s -s scripts/loadtest/paths.lua "$BASE$path")"
  echo "$out" >&2
  echo "$out" | awk -v name="$name" '/^RESULT/ {
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      printf "%s\t%.1f\t%.1f\t%.1f\t%d\n", name, v["requests"] / (v["duration_us"] / 1e6),
        v["p50_us"] / 1000, v["p99_us"] / 1000, v["status_errors"] + v["socket_errors"] }' >>"$RESULTS"
}

measure "trivial view (floor)" /_floor/
measure "static CSS (WhiteNoise)" "/static/$CSS"
while IFS=$'\t' read -r name path; do
  [ "$path" = /_floor/ ] || measure "$name" "$path"
done <"$WORK/urls.txt"
redis-cli -n "$REDIS_DB" flushdb >/dev/null  # the mix starts cold
MIX="$(wc -l <"$WORK/mix.txt")"
measure "$MIX distinct filters (cold cache)" / "$WORK/mix.txt"
# How many of the mix's requests were misses: each rendered a page that is now in the cache
# (less the filter choices' entry). Past $MIX requests the list comes round again: hits.
MISSES="$(( $(redis-cli -n "$REDIS_DB" --scan --pattern '*public:g:*' | wc -l) - 1 ))"
# Not a target of issue 13, shown for what it tells: distinct report pages with the cache
# emptied, as after a publication (every page rendered again, each document too).
redis-cli -n "$REDIS_DB" flushdb >/dev/null
REPORTS_MIX="$(wc -l <"$WORK/reports-mix.txt")"
measure "$REPORTS_MIX distinct report pages (cold cache)" / "$WORK/reports-mix.txt"
REPORT_MISSES="$(redis-cli -n "$REDIS_DB" --scan --pattern '*public:g:*' | wc -l)"
measure "trivial view (floor), again" /_floor/

{
  echo "# 公开站点负载测试 $(date -u +%Y-%m-%dT%H:%MZ)（$(nproc) 核；gunicorn $WORKERS 个 sync worker；PostgreSQL，20,000 份已发布的报告；Redis 缓存；wrk 50 个连接，每个 URL ${DURATION} 秒；机器上同时运行的其他负载：load average $(cut -d' ' -f1-3 /proc/loadavg)）"
  awk -F'\t' '
    NR == FNR { if ($1 ~ /^trivial view/) { floor += $2; n++ } next }
    FNR == 1 { floor /= n; printf "| URL | requests/s | p50 ms | p99 ms | errors | share of the floor (%.0f/s, mean of the two runs) |\n|---|---|---|---|---|---|\n", floor }
    { share = ($1 ~ /^trivial view|^static/) ? "—" : sprintf("1/%.1f", floor / $2)
      printf "| %s | %.0f | %.1f | %.1f | %d | %s |\n", $1, $2, $3, $4, $5, share }' "$RESULTS" "$RESULTS"
  awk -F'\t' -v misses="$MISSES" '/distinct filters/ { printf "\nThe mix: %d requests, %d of them misses (pages rendered).\n", $2 * '"$DURATION"', misses }' "$RESULTS"
  awk -F'\t' -v misses="$REPORT_MISSES" '/distinct report pages/ { printf "The report pages: %d requests, %d of them misses (pages rendered).\n", $2 * '"$DURATION"', misses }' "$RESULTS"
} | tee test-artifacts/loadtest.txt

eval "$(.venv/bin/python scripts/loadtest/session.py "$BASE" clerk_nanmofang Demo-2025-pass)"
export SESSION CSRF REPORT BODY_FILE
{
  echo
  echo "## 填报（编辑页面 + 实时检查）：20 个并发客户端，${DURATION} 秒"
  wrk -t2 -c20 -d"${DURATION}s" --timeout 10s --latency -s scripts/loadtest/data_entry.lua "$BASE"
} | tee -a test-artifacts/loadtest.txt

errors="$(awk -F'\t' '{ s += $5 } END { print s + 0 }' "$RESULTS")"
grep -q "non-2xx/3xx: 0, socket errors: 0" test-artifacts/loadtest.txt || errors=$((errors + 1))
[ "$errors" = 0 ] || { echo "负载测试出现错误（$errors）" >&2; exit 1; }
