"""Rules that compare with the same agency's report of the year before: XY-CARRY, XY-IN-FORCE,
TEXT-REPEAT. Last year's report here is the same sample's, with another sample's texts
standing in for words written afresh."""

import pytest

from reports import narrative
from reports.rules import WARNING, ReportData, check
from reports.standard import T3_COLUMNS, t3
from reports.tests.samples import clean, data

OTHER = {"nanmofang": "dasheng", "dasheng": "jiulongpo", "jiulongpo": "nanmofang"}


def last_year(name: str = "nanmofang", cells: dict | None = None, texts: dict | None = None) -> ReportData:
    """The sample agency's 2023 report: it carried into 2024 what the 2024 report says it
    carried in (Nanmofang: 1 natural person's request); its words are another sample's."""
    document = clean(name)
    for column in T3_COLUMNS:
        document["cells"][t3("carried_out", column.code)] = document["cells"][t3("carried_in", column.code)]
    document["cells"].update(cells or {})
    document["texts"] = {**clean(OTHER[name])["texts"], **(texts or {})}
    return ReportData(cells=document["cells"], texts=document["texts"])


def rules(violations):
    return [v.rule for v in violations]


def test_a_consistent_previous_year_gives_nothing():
    assert check(data(), last_year()) == []


def test_without_a_previous_year_no_cross_year_rule_runs():
    assert check(data()) == []  # although last_year() would disagree on carry-over in every way below


# ── XY-CARRY ────────────────────────────────────────────────────────────────────────────


def test_carried_in_must_be_last_years_carried_out_one_warning_per_column():
    violations = check(data(), last_year(cells={"t3.carried_out.natural": 3, "t3.carried_out.total": 3}))
    assert [(v.rule, v.level, v.cells) for v in violations] == [
        ("XY-CARRY", WARNING, ("t3.carried_in.natural", "t3.carried_out.natural")),
        ("XY-CARRY", WARNING, ("t3.carried_in.total", "t3.carried_out.total")),
    ]
    assert violations[0].message == (
        "二、上年结转政府信息公开申请数量·自然人 为 1，但上一年度报告的四、结转下年度继续办理·自然人 为 3"
    )


@pytest.mark.parametrize("column", [column.code for column in T3_COLUMNS])
def test_every_column_is_compared(column):
    violations = check(data(), last_year(cells={t3("carried_out", column): 7}))
    assert [v.cells[0] for v in violations if v.rule == "XY-CARRY"] == [t3("carried_in", column)]


def test_a_blank_cell_last_year_is_not_compared():
    assert check(data(), last_year(cells={"t3.carried_out.natural": None, "t3.carried_out.total": ""})) == []


def test_an_invalid_cell_last_year_is_not_compared_nor_reported():
    assert check(data(), last_year(cells={"t3.carried_out.natural": "一"})) == []


# ── XY-IN-FORCE ─────────────────────────────────────────────────────────────────────────


def test_documents_in_force_follow_from_last_year():
    # Dasheng had 2 normative documents in force; say it had 5 last year, repealed none.
    previous = last_year("dasheng", cells={"t2.normative.in_force": 5})
    violations = check(data("dasheng"), previous)
    assert [(v.rule, v.level, v.cells) for v in violations] == [
        ("XY-IN-FORCE", WARNING, ("t2.normative.issued", "t2.normative.repealed", "t2.normative.in_force"))
    ]
    assert violations[0].message.startswith(
        "行政规范性文件·现行有效件数 为 2，但上一年度的现行有效件数 5 加本年制发 0 减本年废止 0 为 5"
    )


def test_issued_and_repealed_documents_explain_the_change():
    # 5 last year, 1 issued and 4 repealed this year: 5 + 1 - 4 = 2.
    previous = last_year("dasheng", cells={"t2.normative.in_force": 5})
    current = data("dasheng", cells={"t2.normative.issued": 1, "t2.normative.repealed": 4})
    assert check(current, previous) == []


def test_regulations_follow_from_last_year_too():
    violations = check(data(), last_year(cells={"t2.regulation.in_force": 1}))
    assert [v.cells[-1] for v in violations] == ["t2.regulation.in_force"]


# ── TEXT-REPEAT ─────────────────────────────────────────────────────────────────────────


def test_last_years_text_with_new_figures_is_still_a_repeat():
    this_year = data()
    problems = this_year.texts["problems"]
    previous = last_year(texts={"problems": problems.replace("2024", "2023")})
    violations = check(this_year, previous)
    assert [(v.rule, v.level, v.text) for v in violations] == [("TEXT-REPEAT", WARNING, "problems")]
    assert (
        violations[0].message
        == "五、存在的主要问题及改进情况 约 100% 与上一年度报告相同（内容雷同），请按本年度的实际情况撰写"
    )


def test_more_than_half_copied_is_a_repeat():
    # Two of the three paragraphs of Nanmofang's problems were there last year (65%).
    paragraphs = data().texts["problems"].split("\n\n")
    previous = last_year(texts={"problems": "\n\n".join(paragraphs[:2])})
    assert rules(check(data(), previous)) == ["TEXT-REPEAT"]


def test_less_than_half_copied_is_not_a_repeat():
    # One paragraph of three (25%), or three of six overview paragraphs (40%).
    texts = data().texts
    previous = last_year(
        texts={
            "problems": texts["problems"].split("\n\n")[0],
            "overview": "\n\n".join(texts["overview"].split("\n\n")[:3]),
        }
    )
    assert check(data(), previous) == []


def test_another_reports_words_are_not_a_repeat():
    # Another sample's texts as "last year": the same subject, different words.
    assert check(data("jiulongpo"), last_year("jiulongpo")) == []
    assert check(data("dasheng"), last_year("dasheng")) == []


def test_a_short_other_matters_repeated_is_fine():
    # "无" both years, as Jiulongpo and Nanmofang write.
    violations = check(data(), last_year(texts={"other_matters": "无"}))
    assert violations == []
    assert narrative.copied_share("无", "无") == 0.0
    assert narrative.copied_share("2024年没有其他需要报告的事项。", "2023年没有其他需要报告的事项。") == 0.0


def test_every_text_part_is_compared():
    this_year = data()
    violations = check(this_year, last_year(texts=dict(this_year.texts)))
    # other_matters is "无": too short to compare
    assert [v.text for v in violations] == ["overview", "problems"]


def test_the_share_is_about_this_years_text():
    current = data().texts["problems"]
    # Last year's shingles are taken every STRIDE characters (linear time, issue 11): the end
    # of a copied run may lose up to STRIDE - 1 characters, never more.
    share = narrative.copied_share(current, current + "\n\n" + data("jiulongpo").texts["problems"])
    assert share >= 1 - (narrative.STRIDE - 1) / len(current)
    longer = current + "\n\n" + data("jiulongpo").texts["overview"]
    assert narrative.copied_share(longer, current) < 0.5
