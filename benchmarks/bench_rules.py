"""How long the rules take on one full report: ``check()`` on the real Nanmofang 2024 report
with a previous year, so every rule runs, the cross-year ones and TEXT-REPEAT included.

Target: under 5 ms a call (the rules run on every save of the web form and for every row of
the district office's overview). Run with ``.venv/bin/pytest benchmarks --benchmark-only``.
"""

from reports.rules import ReportData, check
from reports.tests.samples import clean, sample

TARGET_SECONDS = 0.005


def _previous_year() -> ReportData:
    """Nanmofang 2023: it carried 1 request into 2024, and wrote much the same texts."""
    document = clean("nanmofang")
    document["cells"]["t3.carried_out.natural"] = 1
    document["cells"]["t3.carried_out.total"] = 1
    texts = {key: text.replace("2024", "2023") for key, text in document["texts"].items()}
    return ReportData(cells=document["cells"], texts=texts)


def test_check_a_full_report_with_its_previous_year(benchmark):
    document = sample("nanmofang")
    current = ReportData(cells=document["cells"], texts=document["texts"])
    previous = _previous_year()

    violations = benchmark(check, current, previous)

    # the published report's blank fee figures, and its texts repeated from "last year"
    assert [v.rule for v in violations] == ["CELL-REQUIRED"] * 3 + ["TEXT-REPEAT"] * 2
    if benchmark.stats is not None:  # None with --benchmark-disable
        assert benchmark.stats.stats.median < TARGET_SECONDS
