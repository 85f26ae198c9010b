"""Hostile narrative texts (issue 11): 50,000 characters — the longest text a part may hold —
built to make a pattern with overlapping repetition, a reader that looks back over the whole
sentence, or a quadratic text comparison take seconds or minutes. Used by the budget test
(``test_rules_budget.py``) and the benchmark (``benchmarks/bench_hostile_texts.py``)."""

from reports.editing import MAX_TEXT_LENGTH


def fill(unit: str, length: int = MAX_TEXT_LENGTH) -> str:
    return (unit * (length // len(unit) + 1))[:length]


HOSTILE_TEXTS = {
    # the e-mail pattern used to try every start in a run of letters
    "letters": fill("A"),
    "at_signs": fill("a@"),
    "dots": fill("a."),
    "digits": fill("1"),
    # one sentence of 7,000 clauses, each a figure: the reader looked back over the sentence
    "figures": fill("收到申请1件，"),
    "figures_one_clause": fill("收到申请1件、"),
    "cases": fill("政府信息公开行政复议1件、"),
    "carried": fill("办结1件结转1件"),
    "spaces": "收到政府信息公开申请" + " " * (MAX_TEXT_LENGTH - 11) + "x",
    "numerals": fill("一"),
    "titles": fill("《"),
    "crosses": fill("×"),
    "mixed": fill("aaaa@b.cn 收到政府信息公开申请12件，行政复议1件、行政诉讼 0件 结转下年度2件。2023年 《x×× \t"),
}

# The three text parts of one report, each a hostile text: every kind appears in some report.
HOSTILE_REPORTS = {
    "letters/at_signs/dots": ("letters", "at_signs", "dots"),
    "digits/figures/mixed": ("digits", "figures", "mixed"),
    "figures x3": ("figures", "figures", "figures"),
    "one_clause/cases/carried": ("figures_one_clause", "cases", "carried"),
    "spaces/numerals/titles": ("spaces", "numerals", "titles"),
    "crosses/mixed/letters": ("crosses", "mixed", "letters"),
}


def hostile_texts(name: str) -> dict[str, str]:
    overview, problems, other_matters = (HOSTILE_TEXTS[kind] for kind in HOSTILE_REPORTS[name])
    return {"overview": overview, "problems": problems, "other_matters": other_matters}
