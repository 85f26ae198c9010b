"""What changed between rounds: cells old → new, texts with the changed passages marked."""

from __future__ import annotations

import pytest

from review.selectors import anchor_label, anchor_valid, data_diff, report_diff, text_diff_html


def test_a_changed_figure_in_a_sentence_is_marked_character_by_character():
    html = text_diff_html("本年度共收到申请12件，办结10件。", "本年度共收到申请13件，办结10件。")
    assert html == "本年度共收到申请1<del>2</del><ins>3</ins>件，办结10件。"


def test_added_and_removed_paragraphs_are_marked_whole():
    html = text_diff_html("第一段。\n第二段。\n", "第一段。\n新的一段。\n第二段。\n")
    assert html == "第一段。\n<ins>新的一段。\n</ins>第二段。\n"
    assert text_diff_html("甲\n乙\n", "甲\n") == "甲\n<del>乙\n</del>"


def test_every_passage_is_escaped():
    html = text_diff_html("<b>旧</b>", "<b>新</b><script>")
    assert "<b>" not in html and "<script>" not in html
    assert "&lt;b&gt;<del>旧</del><ins>新</ins>&lt;/b&gt;<ins>&lt;script&gt;</ins>" == html


def test_a_long_unchanged_stretch_is_shortened_around_the_change():
    long = "甲" * 500
    html = text_diff_html(long + "旧" + long, long + "新" + long)
    assert "<del>旧</del><ins>新</ins>" in html
    assert html.count("甲") == 120  # 60 characters of context each side
    assert html.count("未改动的 440 字从略") == 2


def test_cells_texts_and_explanations_that_changed():
    diff = data_diff(
        {"t2.regulation.issued": 1, "t2.fees.amount": "1.5"},
        {"overview": "甲", "problems": "乙", "other_matters": "无"},
        {"T6-FEE-NOTICES||": "旧说明"},
        {"t2.regulation.issued": 2, "t2.fees.amount": "1.5000"},
        {"overview": "甲", "problems": "乙丙", "other_matters": "无"},
        {"T6-FEE-NOTICES||": "新说明"},
        base_round=1,
        round=2,
    )
    assert [(c.code, c.old, c.new) for c in diff.cells] == [("t2.regulation.issued", "1", "2")]
    assert diff.cells[0].label == "表二·规章·本年制发件数"
    assert [(t.key, str(t.html)) for t in diff.texts] == [("problems", "乙<ins>丙</ins>")]
    assert [(e.rule, e.old, e.new) for e in diff.explanations] == [("T6-FEE-NOTICES", "旧说明", "新说明")]
    assert diff.changed_cells == {"t2.regulation.issued"}
    assert not diff.empty


def test_a_blank_cell_reads_as_blank():
    diff = data_diff({"t6.fee_notices": None}, {}, {}, {"t6.fee_notices": 0}, {}, {}, base_round=1, round=2)
    assert [(c.old, c.new) for c in diff.cells] == [("（空）", "0")]


@pytest.mark.django_db
def test_there_is_no_diff_before_a_second_submission(report_in_review):
    assert report_diff(report_in_review) is None


@pytest.mark.parametrize(
    ("kind", "code", "label"),
    [
        ("cell", "t3.new.natural", "表三·一、本年新收政府信息公开申请数量·自然人"),
        ("table", "t4", "表四（政府信息公开行政复议、行政诉讼情况）"),
        ("text", "problems", "五、存在的主要问题及改进情况"),
    ],
)
def test_anchors_are_named_in_chinese(kind, code, label):
    assert anchor_valid(kind, code)
    assert anchor_label(kind, code) == label


def test_unknown_anchors_are_refused():
    assert not anchor_valid("cell", "t9.x")
    assert not anchor_valid("table", "t5")
    assert not anchor_valid("report", "t2")
