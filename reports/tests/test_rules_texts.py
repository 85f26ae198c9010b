"""The narrative parts: TEXT-REQUIRED, TEXT-PLACEHOLDER, TEXT-LEFTOVER, TEXT-THIN, TEXT-FIGURE."""

import pytest

from reports.rules import ERROR, WARNING, check
from reports.tests.samples import data, sample


def found(violations, rule):
    return [v for v in violations if v.rule == rule]


# ── TEXT-REQUIRED ───────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("key", ["overview", "problems", "other_matters"])
@pytest.mark.parametrize("empty", ["", "   ", "\n\n", "\u3000"])
def test_every_text_part_must_be_written(key, empty):
    violations = check(data(texts={key: empty}))
    assert [(v.rule, v.level, v.text, v.cells) for v in violations] == [("TEXT-REQUIRED", ERROR, key, ())]


def test_the_message_names_the_part_and_allows_wu_for_other_matters():
    [violation] = check(data(texts={"other_matters": ""}))
    assert violation.message == "六、其他需要报告的事项 未填写，没有可写“无”"
    [violation] = check(data(texts={"overview": ""}))
    assert violation.message == "一、总体情况 未填写"


def test_a_missing_text_key_is_an_empty_text():
    report = data()
    texts = {key: value for key, value in report.texts.items() if key != "problems"}
    violations = check(type(report)(cells=report.cells, texts=texts))
    assert [(v.rule, v.text) for v in violations] == [("TEXT-REQUIRED", "problems")]


def test_wu_is_enough_for_other_matters():
    assert check(data(texts={"other_matters": "无"})) == []


# ── TEXT-PLACEHOLDER ────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("text", "placeholder"),
    [
        ("2024年，XX局共收到政府信息公开申请5件。", "XX"),
        ("本报告统计期限为20xx年1月1日至12月31日。", "xx"),
        ("联系人：×××，电话：12345678。", "×××"),
        ("本机关＊＊科负责。", "＊＊"),
        ("全年主动公开政府信息***条。", "***"),
        ("全年共收到申请X件，均按时答复。", "X"),
        ("于2024年X月X日召开专题会议。", "X"),
        ("（此处填写本单位政府信息公开平台建设情况）", "（此处填写本单位政府信息公开平台建设情况）"),
        ("平台建设情况：此处填写。", "此处填写"),
        ("【】", "【】"),
        ("负责人：【 】", "【 】"),
        ("本单位（ ）科室负责。", "（ ）"),
        ("共收到申请＿＿件。", "＿＿"),
        ("共收到申请____件。", "____"),
        ("（填写主动公开情况）", "（填写主动公开情况）"),
    ],
)
def test_a_placeholder_left_in_a_text_is_an_error(text, placeholder):
    violations = check(data(texts={"problems": data().texts["problems"] + "\n\n" + text}))
    [violation] = found(violations, "TEXT-PLACEHOLDER")
    assert (violation.level, violation.text, violation.cells) == (ERROR, "problems", ())
    assert f"“{placeholder}”" in violation.message
    assert violation.message.startswith("五、存在的主要问题及改进情况 中仍有待填写的占位符")


def test_several_placeholders_make_one_violation_naming_each():
    text = "XX局于20XX年收到申请＿＿件，XX局均已答复。"
    violations = check(data(texts={"overview": data().texts["overview"] + text}))
    [violation] = found(violations, "TEXT-PLACEHOLDER")
    assert "“XX”、“＿＿”" in violation.message


@pytest.mark.parametrize(
    "text",
    [
        "计算公式为 3×4。",  # a single ×
        "注*：数据截至12月31日。",  # a single * as a note mark
        "详见 www.example.gov.cn 及电子邮箱联系方式。",
        "联系邮箱为 xxgk 专用邮箱。",  # xx inside a Latin word
        "与埃克森美孚（ExxonMobil）合作项目的信息已公开。",
        "全面落实（一）主动公开、（二）依申请公开的要求。",
        "坚持“以公开为常态、不公开为例外”——这是原则。",
        "根据《中华人民共和国政府信息公开条例》（国务院令第711号）。",
    ],
)
def test_ordinary_writing_is_not_a_placeholder(text):
    violations = check(data(texts={"problems": data().texts["problems"] + text}))
    assert found(violations, "TEXT-PLACEHOLDER") == []


def test_the_samples_have_no_placeholder():
    for name in ("jiulongpo", "dasheng", "nanmofang"):
        assert found(check(data(name, raw=True)), "TEXT-PLACEHOLDER") == []


# ── TEXT-LEFTOVER ───────────────────────────────────────────────────────────────────────


def test_dasheng_left_the_district_offices_notes_in_part_six():
    violations = check(data("dasheng", raw=True))
    [violation] = found(violations, "TEXT-LEFTOVER")
    assert (violation.level, violation.text) == (WARNING, "other_matters")
    assert violation.message == (
        "六、其他需要报告的事项 中似有未删除的填报说明或联系方式：“注意事项”、“审核表”、“195483577@qq.com”，请删除"
    )


@pytest.mark.parametrize(
    "text",
    [
        "注意事项：报告须经主要负责人审定。",
        "填报说明：本表数据截至12月31日。",
        "请将审核表一并报送。",
        "如有疑问请联系 gongkai@example.gov.cn。",
        "请于2025年1月20日前报送区政务公开办。",
    ],
)
def test_drafting_instructions_are_leftovers(text):
    violations = check(data(texts={"other_matters": text}))
    assert [(v.rule, v.text) for v in violations] == [("TEXT-LEFTOVER", "other_matters")]


@pytest.mark.parametrize(
    "text",
    [
        "无",
        "2024年没有其他需要报告的事项。",
        "本年度办理人大代表建议12件、政协提案23件，均按时办结。",
        "请群众于工作日前往便民服务中心查阅。",  # 请…于…前往, not 请于…前
    ],
)
def test_ordinary_part_six_texts_are_not_leftovers(text):
    assert check(data(texts={"other_matters": text})) == []


def test_a_leftover_is_reported_once_per_text_part():
    text = "注意事项：请于1月20日前报送。注意事项：审核表一并报送。"
    violations = check(data(texts={"other_matters": text, "problems": data().texts["problems"] + "填报说明"}))
    assert [(v.rule, v.text) for v in found(violations, "TEXT-LEFTOVER")] == [
        ("TEXT-LEFTOVER", "problems"),
        ("TEXT-LEFTOVER", "other_matters"),
    ]


# ── TEXT-THIN ───────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("text", ["无", "无。", "没有", "暂无", " 无 ", "存在问题较少，将继续努力。"])
def test_a_problems_part_that_says_nothing_warns(text):
    violations = check(data(texts={"problems": text}))
    assert [(v.rule, v.level, v.text) for v in violations] == [("TEXT-THIN", WARNING, "problems")]
    assert "不少于 30 字" in violations[0].message


def test_thirty_characters_are_enough_and_whitespace_does_not_count():
    text = "一是信息更新不够及时。二是解读形式单一。下一步将建立定期检查机制。"
    assert len(text) >= 30
    assert check(data(texts={"problems": text})) == []
    spaced = "　".join("信息更新不够及时，将加强检查")  # 14 characters padded with spaces
    assert [v.rule for v in check(data(texts={"problems": spaced}))] == ["TEXT-THIN"]


def test_the_real_problems_texts_are_not_thin():
    for name in ("jiulongpo", "dasheng", "nanmofang"):
        assert found(check(data(name, raw=True)), "TEXT-THIN") == []


def test_thin_concerns_only_part_five():
    # "无" is a fine part 六 and an empty part 五 is TEXT-REQUIRED, not also TEXT-THIN.
    assert check(data(texts={"other_matters": "无"})) == []
    assert [v.rule for v in check(data(texts={"problems": ""}))] == ["TEXT-REQUIRED"]


# ── TEXT-FIGURE (the reading itself is tested in test_narrative.py) ─────────────────────


def test_the_real_overviews_agree_with_their_tables():
    for name in ("jiulongpo", "dasheng", "nanmofang"):
        assert found(check(data(name, raw=True)), "TEXT-FIGURE") == [], name


def test_nanmofang_stating_a_wrong_request_count_warns():
    overview = sample("nanmofang")["texts"]["overview"].replace("依申请公开11件", "依申请公开12件")
    violations = check(data(texts={"overview": overview}))
    assert [(v.rule, v.level, v.text, v.cells) for v in violations] == [
        ("TEXT-FIGURE", WARNING, "overview", ("t3.new.total",))
    ]
    assert violations[0].message == (
        "一、总体情况 中的数字与表格不一致：文中“依申请公开12件”，但表格中“一、本年新收政府信息公开申请数量·总计”为 11"
    )


def test_nanmofang_table_changed_under_its_text_warns():
    # The text says 行政处罚510条; the table now says 500.
    violations = check(data(cells={"t2.penalty.decisions": 500}))
    [violation] = violations
    assert (violation.rule, violation.cells) == ("TEXT-FIGURE", ("t2.penalty.decisions",))
    assert "“行政处罚510条”" in violation.message and "“行政处罚·本年处理决定数量”为 500" in violation.message


def test_every_disagreement_of_a_part_is_in_one_violation():
    overview = (
        sample("nanmofang")["texts"]["overview"]
        .replace("依申请公开11件", "依申请公开9件")
        .replace("行政处罚510条", "行政处罚501条")
    )
    violations = check(data(texts={"overview": overview}))
    [violation] = violations
    assert violation.cells == ("t2.penalty.decisions", "t3.new.total")  # in the format's order
    assert "“依申请公开9件”" in violation.message and "“行政处罚501条”" in violation.message


def test_dasheng_saying_it_received_no_request_while_the_table_has_one_warns():
    cells = {"t3.new.natural": 1, "t3.new.total": 1, "t3.disclosed.natural": 1, "t3.disclosed.total": 1}
    cells |= {"t3.handled_total.natural": 1, "t3.handled_total.total": 1}
    violations = check(data("dasheng", cells=cells))
    [violation] = violations
    assert violation.cells == ("t3.new.total",)
    assert "“未收到政府信息公开申请”" in violation.message


def test_dasheng_saying_no_reconsideration_while_the_table_has_one_warns():
    cells = {"t4.reconsideration.upheld": 1, "t4.reconsideration.total": 1}
    [violation] = check(data("dasheng", cells=cells))
    assert violation.cells == ("t4.reconsideration.total",)
    assert "“无政府信息公开行政复议和提起行政诉讼”" in violation.message


def test_dasheng_saying_no_lawsuit_compares_both_kinds_of_lawsuit():
    cells = {"t4.litigation_after.pending": 1, "t4.litigation_after.total": 1}
    [violation] = check(data("dasheng", cells=cells))
    assert violation.cells == ("t4.litigation_direct.total", "t4.litigation_after.total")
    assert "之和为 1" in violation.message


def test_jiulongpo_stated_figure_against_its_table():
    overview = sample("jiulongpo")["texts"]["overview"]
    assert check(data("jiulongpo", texts={"overview": overview})) == []
    wrong = overview.replace("共收到依申请公开信息1件", "共收到依申请公开信息3件")
    assert [v.rule for v in check(data("jiulongpo", texts={"overview": wrong}))] == ["TEXT-FIGURE"]


def test_a_blank_cell_is_not_compared_with_the_text():
    # Nanmofang with t3.new.total blank: CELL-REQUIRED only, no TEXT-FIGURE about it.
    violations = check(data(cells={"t3.new.total": None}))
    assert [v.rule for v in violations] == ["CELL-REQUIRED"]


def test_figures_in_part_five_and_six_are_compared_too():
    text = "本年度因政府信息公开被申请行政复议2件，均已审结。"
    violations = check(data(texts={"other_matters": text}))
    assert [(v.rule, v.text) for v in violations] == [("TEXT-FIGURE", "other_matters")]


def test_the_key_of_a_figure_warning_follows_the_cells_not_the_numbers():
    def key(number):
        overview = sample("nanmofang")["texts"]["overview"].replace("依申请公开11件", f"依申请公开{number}件")
        [violation] = check(data(texts={"overview": overview}))
        return violation.key

    assert key(12) == key(13) == "TEXT-FIGURE|t3.new.total|overview"
