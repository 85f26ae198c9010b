"""The three real 2024 sample reports (``reports/fixtures/samples``) for the rule tests.

``sample(name)`` is the JSON document as published, mistakes included; ``clean(name)`` the same
with the blank cells typed as 0, so that a test can break exactly one thing and see exactly
one violation; ``data(...)`` turns either into the ``ReportData`` the rules read.
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path

from reports import standard
from reports.rules import ReportData

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "samples"

FILES = {
    "jiulongpo": "2024-jiulongpo-minzheng.json",
    "dasheng": "2024-dasheng-town.json",
    "nanmofang": "2024-nanmofang-area.json",
}
NAMES = tuple(FILES)


@functools.cache
def _read(name: str) -> dict:
    return json.loads((SAMPLES_DIR / FILES[name]).read_text(encoding="utf-8"))


def sample(name: str) -> dict:
    """The sample document as published (a fresh copy the caller may change)."""
    return copy.deepcopy(_read(name))


def clean(name: str) -> dict:
    """The sample with its blank cells filled with 0 (and its leftover notes removed)."""
    document = sample(name)
    for code in standard.CELL_CODES:
        if document["cells"].get(code) is None:
            document["cells"][code] = "0" if standard.CELL_BY_CODE[code].kind.is_amount else 0
    if name == "dasheng":
        document["texts"]["other_matters"] = "2024年没有其他需要报告的事项。"
    return document


def data(name: str = "nanmofang", *, cells: dict | None = None, texts: dict | None = None, raw: bool = False):
    """``ReportData`` of a sample (clean unless ``raw``) with some cells or texts changed."""
    document = sample(name) if raw else clean(name)
    document["cells"].update(cells or {})
    document["texts"].update(texts or {})
    return ReportData(cells=document["cells"], texts=document["texts"])
