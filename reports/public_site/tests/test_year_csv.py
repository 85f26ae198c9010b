"""The year CSV's file, written once per publication generation: a process that finds another
one writing it waits and serves that file instead of writing its own; a failed write leaves
nothing behind."""

from __future__ import annotations

import fcntl
import os
import threading
import time

import pytest

from reports.public_site import api
from reports.tests.publishing_fixtures import approved_report, published_row
from tests.factories import make_agency


@pytest.fixture
def one_published(settings, tmp_path, district):
    settings.DATA_DIR = tmp_path
    published_row(approved_report(make_agency("北京市朝阳区甲局", district=district)))
    return tmp_path / "open-data"


def test_a_process_that_finds_the_file_being_written_waits_for_it(one_published, monkeypatch):
    folder = one_published
    folder.mkdir(parents=True)
    target = folder / "2024-abc.csv"
    writes = []
    monkeypatch.setattr(api, "csv_text", lambda year: writes.append(year) or iter(["x\n"]))
    holding = threading.Event()

    def other_process_writes():
        with open(folder / "2024.lock", "w") as lock:  # a second open file: flock blocks across them
            fcntl.flock(lock, fcntl.LOCK_EX)
            holding.set()
            time.sleep(0.3)
            target.write_text("written by the other\n", encoding="utf-8")

    other = threading.Thread(target=other_process_writes)
    other.start()
    holding.wait(5)
    path = api.year_csv_file(2024, "abc")
    other.join()

    assert path == target
    assert path.read_text(encoding="utf-8") == "written by the other\n"
    assert writes == []  # it waited, then served the other's file


def test_a_failed_write_leaves_no_file(one_published, monkeypatch):
    def failing(year):
        yield "report_id\n"
        raise OSError("磁盘已满")

    monkeypatch.setattr(api, "csv_text", failing)
    with pytest.raises(OSError):
        api.year_csv_file(2024, "abc")

    assert sorted(p.name for p in one_published.iterdir()) == ["2024.lock"]


def test_a_new_generation_replaces_the_years_file(one_published):
    first = api.year_csv_file(2024, "first")
    cut_short, in_progress = one_published / "tmpcut", one_published / "tmpnow"
    cut_short.write_text("half a file", encoding="utf-8")
    in_progress.write_text("being written", encoding="utf-8")
    os.utime(cut_short, (time.time() - 7200, time.time() - 7200))
    second = api.year_csv_file(2024, "second")

    assert not first.exists()
    assert second.read_text(encoding="utf-8").startswith("\ufeffreport_id,")
    assert not cut_short.exists()  # a temporary file an hour old: a write that was cut short
    assert in_progress.exists()  # a recent one may be another year's file being written
    assert api.year_csv_file(2019, "second") is None
