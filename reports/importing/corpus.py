"""Measure the reader on a corpus of published reports with hand-transcribed answers.

A corpus folder holds one sub-folder per report: ``source.*`` (as published) and
``expected.json`` (the interchange document typed by hand, with the extra key ``corpus``:
``cells_in_scope`` is ``"all"`` or the cells an excerpt shows, ``texts_present`` the narrative
parts it holds). A cell is right when the reader's value equals the printed one exactly — a
blank printed cell must stay blank. Used by the tests and by ``scripts/measure_reader.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from reports import standard

from . import read_path


@dataclass
class ReportScore:
    name: str
    compared: int = 0
    right: int = 0
    wrong: list[tuple[str, object, object]] = field(default_factory=list)  # code, expected, read
    invented: list[str] = field(default_factory=list)  # out-of-scope cells the reader filled
    parts_missing: list[str] = field(default_factory=list)
    ambiguities: int = 0


def source_of(folder: Path) -> Path:
    for candidate in sorted(folder.glob("source.*")):
        return candidate
    raise FileNotFoundError(folder)


def score_report(folder: Path) -> ReportScore:
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    meta = expected.get("corpus", {})
    scope = meta.get("cells_in_scope", "all")
    codes = standard.CELL_CODES if scope == "all" else scope
    reading = read_path(source_of(folder))
    result = ReportScore(folder.name, ambiguities=len(reading.ambiguities))
    for code in codes:
        want = expected["cells"].get(code)
        got = reading.cells.get(code)
        result.compared += 1
        if want == got and type(want) is type(got):
            result.right += 1
        else:
            result.wrong.append((code, want, got))
    if scope != "all":
        in_scope = set(scope)
        result.invented = [c for c, v in reading.cells.items() if v is not None and c not in in_scope]
    text_parts = {"overview": "overview", "problems": "problems", "other_matters": "other_matters"}
    for key in meta.get("texts_present", []):
        if not reading.texts.get(text_parts[key]):
            result.parts_missing.append(key)
    return result


def score_corpus(root: Path) -> list[ReportScore]:
    return [score_report(folder) for folder in sorted(p for p in root.iterdir() if (p / "expected.json").exists())]
