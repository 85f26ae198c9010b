"""The cost of listing misses in one process (issue 13): N of the mix's URLs (``mix.txt``
written by ``fill_public.py``) asked for with Django's test client after the public cache is
emptied, so every one is a miss. Prints the wall time and the process's CPU time per miss,
and the queries per miss; with ``--profile``, cProfile's 45 most expensive calls instead.

Usage (the load test's settings and database; EMPTIES the cache it is given):
  DJANGO_SETTINGS_MODULE=config.settings_loadtest DJANGO_DEBUG=false DJANGO_SECRET_KEY=… \\
  DATABASE_URL=postgres://…/govreport_loadtest GOVREPORT_CACHE_URL=redis://127.0.0.1:6379/3 \\
  python scripts/loadtest/profile_misses.py MIX_FILE [N] [--profile]
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_loadtest")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from reports.public_cache import public_cache_clear  # noqa: E402


def main(mix: Path, count: int, *, profile: bool) -> None:
    paths = [line.strip() for line in mix.read_text(encoding="utf-8").splitlines() if line.strip()]
    client = Client(HTTP_HOST="127.0.0.1")
    public_cache_clear()
    client.get("/")  # the connection, the generation and the filter choices: not part of a miss
    chosen = paths[:count]
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for path in chosen:
            client.get(path)
        profiler.disable()
        pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(45)
        return
    wall, cpu = time.perf_counter(), time.process_time()
    with CaptureQueriesContext(connection) as queries:
        for path in chosen:
            assert client.get(path).status_code == 200, path
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"{len(chosen)} misses: {wall / len(chosen) * 1000:.1f} ms each (wall), "
        f"{cpu / len(chosen) * 1000:.1f} ms CPU of this process each, "
        f"{len(queries.captured_queries) / len(chosen):.2f} queries each"
    )


if __name__ == "__main__":
    args = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
    main(Path(args[0]), int(args[1]) if len(args) > 1 else 400, profile="--profile" in sys.argv)
