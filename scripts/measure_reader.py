"""Accuracy of the reader of published reports on a corpus with hand-transcribed answers.

    python scripts/measure_reader.py [reports/fixtures/published ...]

Prints, per report, the cells compared and right (a blank printed cell must stay blank), the
ambiguities listed and the narrative parts missed, then the total. Needs no database.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reports.importing.corpus import score_corpus

DEFAULT = ["reports/fixtures/published", "reports/fixtures/published-holdout"]


def main(roots: list[str]) -> None:
    for root in roots:
        scores = score_corpus(Path(root))
        compared = sum(s.compared for s in scores)
        right = sum(s.right for s in scores)
        print(f"== {root}: {len(scores)} reports")
        for s in scores:
            extra = ""
            if s.wrong:
                extra += f"  wrong: {s.wrong}"
            if s.invented:
                extra += f"  invented: {s.invented}"
            if s.parts_missing:
                extra += f"  parts missed: {s.parts_missing}"
            print(f"  {s.name:30} {s.right:4}/{s.compared:<4} ambiguities {s.ambiguities}{extra}")
        parts = sum(len(s.parts_missing) for s in scores)
        print(f"  TOTAL {right}/{compared} cells = {100 * right / compared:.2f} %, narrative parts missed: {parts}")


if __name__ == "__main__":
    main(sys.argv[1:] or DEFAULT)
