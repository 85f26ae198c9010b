"""How long every rule takes on hostile texts (issue 11): ``check()`` on a report whose three
text parts are 50,000-character hostile texts (``reports/tests/hostile_texts.py``), with last
year's texts the same, so TEXT-REPEAT compares everything.

Target: well under the 250 ms budget of ``reports/tests/test_rules_budget.py`` (before the
rules were made linear: 8.5 s for a run of letters, 33 s for 收到申请1件， repeated).
Run with ``.venv/bin/pytest benchmarks/bench_hostile_texts.py --benchmark-only``.

The timer is the process's CPU time: on a box shared with other jobs, wall-clock time would
measure the neighbours as much as the rules.
"""

import time

import pytest

from reports.rules import ReportData, check
from reports.tests.hostile_texts import HOSTILE_REPORTS, hostile_texts
from reports.tests.samples import sample

BUDGET_SECONDS = 0.250


@pytest.mark.benchmark(timer=time.process_time)
@pytest.mark.parametrize("name", HOSTILE_REPORTS)
def test_check_three_hostile_texts(benchmark, name):
    cells = sample("nanmofang")["cells"]
    current, previous = ReportData(cells, hostile_texts(name)), ReportData(cells, hostile_texts(name))

    violations = benchmark(check, current, previous)

    assert any(violation.rule == "TEXT-REPEAT" for violation in violations)
    if benchmark.stats is not None:  # None with --benchmark-disable
        assert benchmark.stats.stats.median < BUDGET_SECONDS
