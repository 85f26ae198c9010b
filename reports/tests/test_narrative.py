"""Reading the figures a narrative states (TEXT-FIGURE), from real report sentences.

The first sentences are the samples' own; the others are written the way 2024 reports
published on government sites write them. Each reading names the kind and the number; every
near miss must read as nothing at all.
"""

import pytest

from reports.narrative import (
    CARRIED_IN,
    CARRIED_OUT,
    FIGURE_KINDS,
    HANDLED,
    LICENSING,
    LITIGATION,
    PENALTY,
    RECEIVED,
    RECONSIDERATION,
    chinese_to_int,
    figure_disagreements,
    main_year,
    stated_figures,
)
from reports.tests.samples import sample


def read(text, year=2024):
    return [(figure.kind, figure.value) for figure in stated_figures(text, year)]


# ── Numbers ─────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("〇", 0),
        ("零", 0),
        ("一", 1),
        ("两", 2),
        ("十", 10),
        ("十一", 11),
        ("二十", 20),
        ("二十三", 23),
        ("一百", 100),
        ("一百零五", 105),
        ("一百二十", 120),
        ("三千零一十", 3010),
        ("一万二千", 12000),
        ("二〇二四", 2024),
    ],
)
def test_chinese_numerals(text, value):
    assert chinese_to_int(text) == value


def test_every_kind_points_at_real_cells():
    assert [kind.cells for kind in FIGURE_KINDS.values()] == [
        ("t3.new.total",),
        ("t3.carried_in.total",),
        ("t3.carried_out.total",),
        ("t3.handled_total.total",),
        ("t4.reconsideration.total",),
        ("t4.litigation_direct.total", "t4.litigation_after.total"),
        ("t2.penalty.decisions",),
        ("t2.licensing.decisions",),
    ]


# ── The samples ─────────────────────────────────────────────────────────────────────────


def test_nanmofang_states_its_requests_and_its_penalties():
    overview = sample("nanmofang")["texts"]["overview"]
    assert read(overview) == [(PENALTY, 510), (RECEIVED, 11)]


def test_jiulongpo_states_its_one_request_and_not_its_360_items():
    # "…行政许可等各类政府信息360余条" is no licence figure.
    overview = sample("jiulongpo")["texts"]["overview"]
    assert read(overview) == [(RECEIVED, 1)]


def test_dasheng_states_no_request_no_reconsideration_no_lawsuit():
    overview = sample("dasheng")["texts"]["overview"]
    assert read(overview) == [(RECEIVED, 0), (RECONSIDERATION, 0), (LITIGATION, 0)]


@pytest.mark.parametrize("name", ["jiulongpo", "dasheng", "nanmofang"])
def test_the_other_parts_of_the_samples_state_no_figure(name):
    texts = sample(name)["texts"]
    assert read(texts["problems"]) == [] and read(texts["other_matters"]) == []


def test_the_report_year_is_the_year_the_texts_speak_of_most():
    texts = sample("dasheng")["texts"]
    assert main_year(*texts.values()) == 2024  # 2025 appears once, in the plans
    assert main_year("无") is None
    assert main_year("2023 年和2024年") == 2024  # a tie goes to the later year


# ── How reports state figures ───────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("text", "figures"),
    [
        # the samples' sentences
        ("2024年共收到依申请公开信息1件，在规定时限内完成答复，答复率100%。", [(RECEIVED, 1)]),
        ("行政处罚510条；依申请公开11件。", [(PENALTY, 510), (RECEIVED, 11)]),
        (
            "2024年我镇未收到政府信息公开申请，无政府信息公开行政复议和提起行政诉讼情况。",
            [(RECEIVED, 0), (RECONSIDERATION, 0), (LITIGATION, 0)],
        ),
        # requests received
        ("2024年，我局共收到政府信息公开申请5件，均在规定时限内完成答复。", [(RECEIVED, 5)]),
        ("本年度，共受理政府信息公开申请2件，都在法定期限内予以答复。", [(RECEIVED, 2)]),
        ("2024年，全区受理依申请公开件255件，办结255件。", [(RECEIVED, 255)]),
        ("本年度新收政府信息公开申请数量为8件。", [(RECEIVED, 8)]),
        ("收到政府信息公开申请共计35件。", [(RECEIVED, 35)]),
        ("共收到政府信息公开申请1,234件。", [(RECEIVED, 1234)]),
        ("共收到政府信息公开申请１２件。", [(RECEIVED, 12)]),
        ("共收到政府信息公开申请 12 件。", [(RECEIVED, 12)]),
        ("收到政府信息公开申请二十三件。", [(RECEIVED, 23)]),
        ("收到政府信息公开申请两件。", [(RECEIVED, 2)]),
        ("收到政府信息公开申请〇件。", [(RECEIVED, 0)]),
        ("收到12封申请，已按流程处理。", [(RECEIVED, 12)]),
        ("我地区依申请公开11件。", [(RECEIVED, 11)]),
        ("依申请公开数量为零。", [(RECEIVED, 0)]),
        ("本年度无政府信息公开申请。", [(RECEIVED, 0)]),
        ("本年度无依申请公开事项。", [(RECEIVED, 0)]),
        ("2024年，本机关没有收到政府信息公开申请。", [(RECEIVED, 0)]),
        # carried over
        ("上年结转政府信息公开申请数量2件。", [(CARRIED_IN, 2)]),
        ("上年度结转至本年度办理的申请2件。", [(CARRIED_IN, 2)]),
        ("上年无结转申请。", [(CARRIED_IN, 0)]),
        ("上年结转的2件申请已全部办结。", [(CARRIED_IN, 2)]),
        ("结转下年度继续办理3件。", [(CARRIED_OUT, 3)]),
        ("另有2件结转下年度办理。", [(CARRIED_OUT, 2)]),
        ("共收到申请35件，办结33件，结转2件。", [(RECEIVED, 35), (CARRIED_OUT, 2)]),
        ("所有申请均已办结，无结转。", [(CARRIED_OUT, 0)]),
        # handled: this year's and last year's requests (compared with any of those)
        ("全年共办理依申请公开11件。", [(HANDLED, 11)]),
        ("全年共答复依申请公开11件。", [(HANDLED, 11)]),
        (
            "全年新收政府信息公开申请三十五件，上年结转三件，结转下年度两件。",
            [(RECEIVED, 35), (CARRIED_IN, 3), (CARRIED_OUT, 2)],
        ),
        # reconsiderations and lawsuits
        (
            "2024年，我局政府信息公开行政复议1件（申请人撤回结案）、行政诉讼0件。",
            [(RECONSIDERATION, 1), (LITIGATION, 0)],
        ),
        ("因政府信息公开被申请行政复议2件，被提起行政诉讼1件。", [(RECONSIDERATION, 2), (LITIGATION, 1)]),
        ("因政府信息公开被申请行政复议一件。", [(RECONSIDERATION, 1)]),
        ("全年因政府信息公开被提起行政诉讼二起，均尚未审结。", [(LITIGATION, 2)]),
        ("政府信息公开行政复议、行政诉讼案件分别为2件、1件。", [(RECONSIDERATION, 2), (LITIGATION, 1)]),
        ("政府信息公开行政诉讼、行政复议案件分别为2件、1件。", [(RECONSIDERATION, 1), (LITIGATION, 2)]),
        ("政府信息公开行政复议和行政诉讼各1件。", [(RECONSIDERATION, 1), (LITIGATION, 1)]),
        ("政府信息公开行政复议、行政诉讼均为0。", [(RECONSIDERATION, 0), (LITIGATION, 0)]),
        ("政府信息公开行政复议、行政诉讼案件0件。", [(RECONSIDERATION, 0), (LITIGATION, 0)]),
        ("政府信息公开方面，行政复议和行政诉讼均未发生。", [(RECONSIDERATION, 0), (LITIGATION, 0)]),
        (
            "我局未收到政府信息公开申请，未发生因政府信息公开申请行政复议和提起行政诉讼的案件。",
            [(RECEIVED, 0), (RECONSIDERATION, 0), (LITIGATION, 0)],
        ),
        ("没有关于政府信息公开的行政诉讼和行政复议情况。", [(RECONSIDERATION, 0), (LITIGATION, 0)]),
        ("本年度政府信息公开工作未被申请行政复议，未被提起行政诉讼。", [(RECONSIDERATION, 0), (LITIGATION, 0)]),
        ("全年未发生政府信息公开行政复议案件。", [(RECONSIDERATION, 0)]),
        # penalties and licences
        ("公示行政许可信息102条、行政处罚信息5条。", [(LICENSING, 102), (PENALTY, 5)]),
        ("作出行政处罚决定5件，行政许可决定102件。", [(PENALTY, 5), (LICENSING, 102)]),
        ("全年公开各类信息658条，其中执法公示18条、行政处罚510条。", [(PENALTY, 510)]),
    ],
)
def test_a_stated_figure_is_read(text, figures):
    assert read(text) == figures


# ── Near misses: numbers nearby that are not these figures ──────────────────────────────


@pytest.mark.parametrize(
    "text",
    [
        # other numbers in the same sentences as the figures
        "全年共办理人大代表建议12件、政协提案23件，建议提案35件。",
        "全年共办理人大代表建议和政协提案 35 件。",
        "发布信息550篇，全年公开各类信息658条，答复率100%。",
        "2024年全年主动公开政府信息516条。",
        "通过本单位门户网站公开机构职能、社会救助、养老服务、预算决算、行政许可等各类政府信息360余条。",
        "在规定时限内完成答复，答复率100%。",
        "2024年未发生泄密情况。",
        "本年内未发生因政府信息未及时公开而造成的事故或群众投诉案件。",
        # categories joined, subsets, catalogue items
        "公示行政许可、行政处罚信息620条。",
        "涉企行政处罚5件。",
        "我局2024年主动公开行政许可33项，行政处罚36项。",
        "公开行政许可事项清单23项。",
        # the agency decides reconsiderations itself
        "全年办理政府信息公开类行政复议案件120件。",
        "全年收到行政复议申请35件，其中涉及政府信息公开的2件。",
        # time limits, people, approximations
        "收到申请后20个工作日内答复。",
        "受理政府信息公开申请的时限为20个工作日。",
        "收到申请人补正材料2件。",
        "全年共收到政府信息公开申请约30件。",
        "收到政府信息公开申请十余件。",
        "收到政府信息公开申请30件以上。",
        "收到政府信息公开申请较上年增加5件。",
        "本局2024年度收到4件针对本部门有关政府信息公开事务的申请。",
        # a subset, not the year's requests
        "其中依申请公开11件。",
        # other years
        "去年收到政府信息公开申请30件。",
        "2023年，收到政府信息公开申请30件。",
        "2023年依申请公开11件。",
        "2023年全年收到政府信息公开申请30件。",
        "同比多收到3件申请。",
        "比上年多收到政府信息公开申请3件。",
        "与2023年相比，收到政府信息公开申请数量有所下降。",
        # words that look like a statement and are not
        "进一步完善依申请公开的申请、受理、答复机制。",
        "并及时传达《关于落实新修订的<行政复议法>复议前置问题建议的函》，确保政策准确无误落实。",
        "认真学习《中华人民共和国行政诉讼法》等2部法律。",
        "无论行政复议还是行政诉讼，均依法应诉。",
        "未发生因政府信息公开引起的行政复议被纠错的情况。",
        "结转2件。",  # in or out? nothing says
    ],
)
def test_a_near_miss_reads_as_nothing(text):
    assert read(text) == []


def test_reconsideration_figures_need_the_disclosure_context():
    # A justice bureau's overview may speak of reconsiderations that are its business.
    assert read("全年行政复议案件1件。") == []
    assert read("全年政府信息公开行政复议案件1件。") == [(RECONSIDERATION, 1)]
    # the paragraph is about disclosure requests: the context holds
    assert read("依申请公开情况。全年行政复议案件1件。") == [(RECONSIDERATION, 1)]


# ── One clause at a time ────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "text",
    [
        "共收到政府信息公开申请。5件已办结。",
        "共收到政府信息公开申请；5件已办结。",
        "共收到政府信息公开申请！5件已办结。",
        "共收到政府信息公开申请\n5件已办结。",
        "共收到政府信息公开申请，5件已办结。",
        "依申请公开情况：\n11件",
        "未收到政府信息公开申请的行政复议。",
        "行政处罚。510条信息已公开。",
    ],
)
def test_a_pattern_never_runs_on_into_the_next_sentence_or_clause(text):
    assert [figure for figure in read(text) if figure[1] != 0] == []


def test_a_year_said_before_in_the_sentence_applies_to_its_clauses():
    text = "2023年收到政府信息公开申请30件，2024年收到政府信息公开申请35件。"
    assert read(text) == [(RECEIVED, 35)]
    assert read("与去年相比，今年收到政府信息公开申请5件。") == [(RECEIVED, 5)]
    assert read("上年结转2件，本年收到政府信息公开申请5件。") == [(CARRIED_IN, 2), (RECEIVED, 5)]


def test_without_a_report_year_any_year_counts():
    assert read("2023年，收到政府信息公开申请30件。", year=None) == [(RECEIVED, 30)]


# ── Disagreements ───────────────────────────────────────────────────────────────────────


def _table(**values):
    table = {"t3.new.total": 11, "t3.carried_in.total": 1, "t3.carried_out.total": 0, "t3.handled_total.total": 12}
    table |= {"t4.reconsideration.total": 0, "t4.litigation_direct.total": 0, "t4.litigation_after.total": 0}
    table |= {"t2.penalty.decisions": 510, "t2.licensing.decisions": 0}
    table |= {key.replace("__", "."): value for key, value in values.items()}
    return table


def test_agreeing_figures_give_no_disagreement():
    assert figure_disagreements(sample("nanmofang")["texts"]["overview"], _table(), 2024) == []


def test_a_disagreement_names_the_kind_the_words_and_the_table_value():
    [disagreement] = figure_disagreements("行政处罚510条；依申请公开12件。", _table(), 2024)
    assert disagreement.kind.code == RECEIVED
    assert [figure.quote for figure in disagreement.figures] == ["依申请公开12件"]
    assert disagreement.table_value == 11


def test_lawsuits_are_compared_with_both_kinds_together():
    text = "因政府信息公开被提起行政诉讼3件。"
    table = _table(t4__litigation_direct__total=1, t4__litigation_after__total=2)
    assert figure_disagreements(text, table, 2024) == []
    [disagreement] = figure_disagreements(text, _table(t4__litigation_direct__total=1), 2024)
    assert disagreement.table_value == 1


def test_received_may_count_carried_in_requests_when_the_sentence_says_so():
    # 11 new + 1 carried in = 12 "accepted" this year.
    assert figure_disagreements("共受理政府信息公开申请12件（含上年结转1件）。", _table(), 2024) == []
    assert figure_disagreements("共受理政府信息公开申请12件。", _table(), 2024) == []  # 受理 may count both
    assert len(figure_disagreements("共收到政府信息公开申请12件。", _table(), 2024)) == 1


def test_one_agreeing_statement_of_a_kind_is_enough():
    # 受理35件，其中新收32件: the second is the table's figure.
    table = _table(t3__new__total=32, t3__carried_in__total=0)
    assert figure_disagreements("共受理政府信息公开申请35件，其中本年新收32件。", table, 2024) == []


def test_a_kind_whose_cells_are_blank_is_not_compared():
    table = _table()
    del table["t3.new.total"]
    assert figure_disagreements("共收到政府信息公开申请99件。", table, 2024) == []


# ── Every real phrasing (issue 15) ──────────────────────────────────────────────────────

# (sentence with the figure as {n}, the kind it states, the table value it must equal)
PHRASINGS = [
    ("办理依申请公开{n}件。", HANDLED, 19),
    ("全年受理向我局提出的信息公开申请{n}件。", RECEIVED, 2),
    ("本年度收到依申请公开事项{n}项。", RECEIVED, 1),
    ("我局收到相关政府信息公开申请{n}件。", RECEIVED, 3),
    ("另有 {n} 件顺延到下年度答复。", CARRIED_OUT, 103),
    ("结转上年度政府信息公开申请{n}件。", CARRIED_IN, 1),
    ("本年新收{n}件。", RECEIVED, 32),
    ("2024年共收到政府信息公开申请{n}件。", RECEIVED, 35),
    ("上年度结转{n}件。", CARRIED_IN, 4),
    ("结转下年度继续办理{n}件。", CARRIED_OUT, 2),
    ("全年办结政府信息公开申请{n}件。", HANDLED, 40),
]
_CELL_OF = {
    RECEIVED: "t3.new.total",
    CARRIED_IN: "t3.carried_in.total",
    CARRIED_OUT: "t3.carried_out.total",
    HANDLED: "t3.handled_total.total",
}


def _phrasing_table(kind, value):
    # Every other figure is far from ``value``, so only the phrasing's own cell can agree.
    table = _table(t3__new__total=500, t3__carried_in__total=300, t3__carried_out__total=200)
    table["t3.handled_total.total"] = 600
    table[_CELL_OF[kind]] = value
    return table


@pytest.mark.parametrize(("sentence", "kind", "value"), PHRASINGS)
def test_each_phrasing_is_read_with_its_kind(sentence, kind, value):
    assert read(sentence.format(n=value)) == [(kind, value)]


@pytest.mark.parametrize(("sentence", "kind", "value"), PHRASINGS)
def test_each_phrasing_with_the_right_figure_agrees(sentence, kind, value):
    assert figure_disagreements(sentence.format(n=value), _phrasing_table(kind, value), 2024) == []


@pytest.mark.parametrize(("sentence", "kind", "value"), PHRASINGS)
def test_each_phrasing_with_a_wrong_figure_disagrees(sentence, kind, value):
    [disagreement] = figure_disagreements(sentence.format(n=value + 7), _phrasing_table(kind, value), 2024)
    assert (disagreement.kind.code, disagreement.table_value) == (kind, value)


def test_handled_agrees_with_the_new_requests_or_with_new_and_carried_in():
    table = _table()  # 11 new, 1 carried in, 12 handled
    assert figure_disagreements("办理依申请公开11件。", table, 2024) == []
    assert figure_disagreements("办理依申请公开12件。", table, 2024) == []
    assert len(figure_disagreements("办理依申请公开13件。", table, 2024)) == 1


@pytest.mark.parametrize(
    ("sentence", "figures"),
    [
        ("收到政府信息公开申请两件。", [(RECEIVED, 2)]),
        ("收到政府信息公开申请十二件。", [(RECEIVED, 12)]),
        ("我局收到相关政府信息公开申请一百零三件。", [(RECEIVED, 103)]),
        ("另有两件顺延到下年度答复。", [(CARRIED_OUT, 2)]),
        ("结转上年度政府信息公开申请十件。", [(CARRIED_IN, 10)]),
    ],
)
def test_chinese_numeral_phrasings(sentence, figures):
    assert read(sentence) == figures


@pytest.mark.parametrize(
    "sentence",
    [
        # 12345 hotline cases
        "受理12345热线工单3000件。",
        "全年收到12345热线诉求申请100件。",
        "办理12345政务服务便民热线转办件1200件。",
        # 审批事项 and other business
        "办理审批事项320项。",
        "全年共受理行政审批申请1200件。",
        "全年受理政务服务申请事项5000件。",
        "受理行政许可申请86件，办结86件。",
        # documents
        "共收到文件200份。",
        "收到上级来文申请120件。",
        "全年办理公文1500件。",
        "答复人大代表建议和政协提案35件。",
    ],
)
def test_a_sentence_about_something_else_is_silent(sentence):
    assert read(sentence) == []
