"""What an upload costs at the limits (issue 11): an .xlsx with the most shared strings
the reader accepts (``MAX_SHARED_TEXTS``, each about 80 characters, registered so openpyxl
parses them) is read in well under a second; the issue's file — shared strings unpacking
to megabytes — is refused before parsing, in milliseconds.

Run with ``.venv/bin/pytest benchmarks/bench_hostile_upload.py --benchmark-only``.
The timer is CPU time (see ``bench_hostile_texts.py``).
"""

import io
import time

import pytest

from reports.interchange import parse_document
from reports.spreadsheet import MAX_SHARED_TEXTS, SpreadsheetError, build_workbook, read_workbook
from reports.tests import hostile_files
from reports.tests.samples import sample

TARGET_SECONDS = 0.5


@pytest.fixture(scope="module")
def template() -> bytes:
    return build_workbook(parse_document(sample("nanmofang")))


@pytest.mark.benchmark(timer=time.process_time)
def test_read_an_upload_with_the_most_shared_strings_accepted(benchmark, template):
    content = hostile_files.registered_shared_strings(template, count=MAX_SHARED_TEXTS - 10)

    document = benchmark(read_workbook, io.BytesIO(content))

    assert document.year == 2024
    if benchmark.stats is not None:
        assert benchmark.stats.stats.median < TARGET_SECONDS


@pytest.mark.benchmark(timer=time.process_time)
def test_refuse_the_shared_strings_bomb(benchmark, template):
    content = hostile_files.shared_strings_bomb(template, size=4 * 1024 * 1024)

    def refuse():
        with pytest.raises(SpreadsheetError):
            read_workbook(io.BytesIO(content))

    benchmark(refuse)
    if benchmark.stats is not None:
        assert benchmark.stats.stats.median < TARGET_SECONDS
