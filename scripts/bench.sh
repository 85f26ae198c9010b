#!/usr/bin/env bash
# The benchmarks (pytest-benchmark) kept in benchmarks/. They are not part of the test suite:
# figures go into the README. Uses PostgreSQL when DATABASE_URL points at it, else SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q -r requirements-dev.txt
exec .venv/bin/pytest benchmarks -p no:cacheprovider --benchmark-only --benchmark-columns=min,median,mean,max,rounds "$@"
