"""The embedded default (a newcomer's first start, ``scripts/start.sh``): the demo on SQLite
with tasks in-process. The suite runs on PostgreSQL, so a query only SQLite refuses would
pass it and still break the demo — as the public listing's did (a 500 on ``/`` once a report
was published). ``sqlite_demo_probe.py`` builds the demo in a process of its own and walks
every account's pages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_every_demo_account_reaches_its_pages_on_sqlite_without_a_server_error(tmp_path):
    probe = Path(__file__).with_name("sqlite_demo_probe.py")
    result = subprocess.run(
        [sys.executable, str(probe), str(tmp_path / "demo.sqlite3")],
        cwd=probe.parents[1],
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    assert [line for line in lines if line.startswith("FAIL")] == []
    pages, shown = (int(value) for value in lines[-1].removeprefix("pages ").split(" shown "))
    assert shown >= 300  # the walk read the accounts' own pages, not only redirects to a sign-in page
    assert pages >= shown
