"""How long the reader of published reports takes, and that its time grows linearly.

- ``read`` of a complete real report (沭阳县 2025, page text): target under 100 ms.
- ``read`` of a page of text 10× and 40× the size of a report, made of real rows repeated
  (the shape a hostile or broken upload has): the 40× page must take under 6× the 10× one
  (linear gives ~4×, quadratic 16×). The ratio is in ``extra_info`` and printed with ``-s``.

Run with ``.venv/bin/pytest benchmarks/bench_reader.py --benchmark-only -s``.
"""

import time
from pathlib import Path

from django.conf import settings

from reports.importing import read_bytes_as

CORPUS = Path(settings.BASE_DIR) / "reports" / "fixtures" / "published"
REPORT = (CORPUS / "shuyang-county-2025" / "source.txt").read_bytes()
TARGET_SECONDS = 0.1


def test_read_a_complete_report(benchmark):
    reading = benchmark.pedantic(read_bytes_as, args=(REPORT, "text"), rounds=30, warmup_rounds=1)
    assert reading.cells["t3.new.total"] == 713
    assert benchmark.stats.stats.median < TARGET_SECONDS


def _page(times: int) -> bytes:
    rows = (CORPUS / "liwan-qiaozhong-2023" / "source.txt").read_text(encoding="utf-8")
    return ("三、收到和处理政府信息公开申请情况\n" + rows * times).encode("utf-8")


def _seconds(data: bytes) -> float:
    start = time.perf_counter()
    read_bytes_as(data, "text")
    return time.perf_counter() - start


def test_reading_time_grows_linearly(benchmark):
    small, large = _page(10 * 4), _page(40 * 4)
    _seconds(small)  # warm-up
    small_s = min(_seconds(small) for _ in range(3))
    large_s = benchmark.pedantic(_seconds, args=(large,), rounds=3)
    large_s = min(large_s, _seconds(large))
    ratio = large_s / small_s
    benchmark.extra_info["ratio_40x_over_10x"] = round(ratio, 2)
    sizes = f"{len(small):,} bytes {small_s * 1000:.0f} ms, {len(large):,} bytes {large_s * 1000:.0f} ms"
    print(f"\nreader: {sizes}, ratio {ratio:.1f}")
    assert ratio < 6
