"""Reading the narrative parts (一 总体情况, 五 问题, 六 其他事项) for the TEXT-* rules.

The hard part is ``stated_figures``: the figures a narrative states in the words real reports
use (收到政府信息公开申请35件, 依申请公开11件, 未收到政府信息公开申请, 行政处罚510条,
无政府信息公开行政复议和提起行政诉讼情况 …), in Arabic digits or Chinese numerals. It reads
one clause at a time (a sentence cut at ，：; a sentence ends at 。！？； or a line break), so a
pattern never runs on into the next clause, and it prefers silence to a guess: approximate
figures (360余条, 约20件), figures of another year (2023年…, 去年…), subsets (自然人申请…),
lists of categories (行政许可、行政处罚信息120条) and clauses where the agency is the
reconsideration body (办理行政复议案件…) give nothing.

The other helpers find placeholders, drafting instructions, thin texts and text copied from
last year. All functions are pure and work on plain strings.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .standard import CELL_BY_CODE, t3, t4

# ── Figures stated in the narrative ─────────────────────────────────────────────────────

RECEIVED = "received"
CARRIED_IN = "carried_in"
CARRIED_OUT = "carried_out"
RECONSIDERATION = "reconsideration"
LITIGATION = "litigation"
PENALTY = "penalty"
LICENSING = "licensing"


@dataclass(frozen=True)
class FigureKind:
    code: str
    name: str  # what the figure is, in Chinese, for messages
    cells: tuple[str, ...]  # the table cells whose sum the figure must equal


FIGURE_KINDS: dict[str, FigureKind] = {
    kind.code: kind
    for kind in (
        FigureKind(RECEIVED, "收到的申请数", (t3("new", "total"),)),
        FigureKind(CARRIED_IN, "上年结转的申请数", (t3("carried_in", "total"),)),
        FigureKind(CARRIED_OUT, "结转下年度的申请数", (t3("carried_out", "total"),)),
        FigureKind(RECONSIDERATION, "行政复议件数", (t4("reconsideration", "total"),)),
        FigureKind(LITIGATION, "行政诉讼件数", (t4("litigation_direct", "total"), t4("litigation_after", "total"))),
        FigureKind(PENALTY, "行政处罚件数", ("t2.penalty.decisions",)),
        FigureKind(LICENSING, "行政许可件数", ("t2.licensing.decisions",)),
    )
}
for _kind in FIGURE_KINDS.values():  # fail at import, not in a report, if a code goes wrong
    for _code in _kind.cells:
        assert _code in CELL_BY_CODE, _code


@dataclass(frozen=True)
class Figure:
    """One figure a text states: its kind, the number, and the words that state it."""

    kind: str
    value: int
    quote: str
    # True when the words may count last year's carried-over requests too (受理…申请35件
    # in a sentence that also speaks of 结转): then new + carried_in is an acceptable reading.
    may_include_carried: bool = False


_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_CN_DIGITS.update({"五": 5, "六": 6, "七": 7, "八": 8, "九": 9})
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10_000, "亿": 100_000_000}
_CN_CHARS = "".join(_CN_DIGITS) + "".join(_CN_UNITS) + "".join(_CN_BIG)


def chinese_to_int(text: str) -> int:
    """``"二十三"`` → 23, ``"十一"`` → 11, ``"一百零五"`` → 105, ``"两"`` → 2, ``"二〇二四"`` → 2024."""
    if not any(char in _CN_UNITS or char in _CN_BIG for char in text):
        return int("".join(str(_CN_DIGITS[char]) for char in text))
    total = section = number = 0
    for char in text:
        if char in _CN_DIGITS:
            number = _CN_DIGITS[char]
        elif char in _CN_UNITS:
            section += (number or 1) * _CN_UNITS[char]
            number = 0
        else:
            total = (total + section + number) * _CN_BIG[char]
            section = number = 0
    return total + section + number


def parse_number(text: str) -> int:
    """An Arabic (``"1,234"``) or Chinese (``"一百二十"``) whole number."""
    text = text.replace(",", "")
    return int(text) if text.isdigit() else chinese_to_int(text)


_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_ANY_FULLWIDTH_DIGIT = re.compile("[０-９]")


def _ascii_digits(text: str) -> str:
    # str.translate is slow on long texts; most texts have no full-width digit at all.
    return text.translate(_FULLWIDTH_DIGITS) if _ANY_FULLWIDTH_DIGIT.search(text) else text


# The number and what may stand around it. The look-behind keeps a match from starting in the
# middle of a number; "余/多/来" after it or "约/近/超过…" before it make it approximate.
_NUM = (
    rf"(?<![\d,.{_CN_CHARS}])(?P<pre>约|近|超过|逾|将近|接近|不足|不到|大约|多达)?"
    rf"(?P<n>\d{{1,3}}(?:,\d{{3}})+|\d+|[{_CN_CHARS}]+)(?P<post>余|多|来)?\s*"
)
_TOTAL = r"\s*(?:共计|共|合计|总计|累计|总数|数量|总量)?\s*(?:为|达到|达|是)?\s*"
# A measure word directly before another noun (20个工作日, 一次性) is not a count of requests,
# and 以上/左右 after it make the figure approximate.
_UNIT_END = r"(?!以上|左右|以内|以下|工作日|日内|天|小时|月|性|例|部门|单位|科室|方面|人)"
_COUNT_UNIT = rf"(?:件|个|宗|份|条|封|例|次){_UNIT_END}"
_CASE_UNIT = rf"(?:件|起|宗|个|例|次){_UNIT_END}"
_ACT_UNIT = rf"(?:件|条|个|宗|起|份|次){_UNIT_END}"  # not 项: "行政许可33项" counts catalogue items
# 多收到3件 / 少受理2件 state a difference, not a count.
_VERB = r"(?<![多少])(?:收到|受理|新收|接收|接到|收悉)"
# What the requests are called. "申请人" is a person, not a request.
_REQUEST = r"(?:(?:政府信息公开|信息公开|公开)?申请(?!人)(?:公开)?|(?:政府信息)?依申请公开(?:政府信息)?(?:申请(?!人))?)"
# Standing alone at the start of a clause, "申请" could be anything; these names cannot.
_NAMED_REQUEST = r"(?:(?:政府)?信息公开申请(?!人)|(?:政府信息)?依申请公开(?:政府信息)?(?:申请(?!人))?)"
_REQUEST_TAIL = r"(?:信息|事项|案件|件)?"
_SUBJECT = (
    r"(?:我(?:局|委|办|镇|街道|乡|区|县|市|厅|部|署|院|馆|中心|单位|机关|地区|街|司|所|队)"
    r"|本(?:机关|单位|部门|局|委|镇|街道|乡))"
)
_WHEN = r"(?:\d{4}年度?|本年度?|今年|全年|年内|本年内|本年度内|共|累计|合计|总计)"

_RECEIVED_PATTERNS = (
    # 共收到政府信息公开申请35件 / 收到依申请公开信息1件 / 新收政府信息公开申请数量为8件
    re.compile(rf"(?P<verb>{_VERB})了?(?:各类)?{_REQUEST}{_REQUEST_TAIL}{_TOTAL}{_NUM}{_COUNT_UNIT}"),
    # 收到12封申请 / 受理3件政府信息公开申请
    re.compile(rf"(?P<verb>{_VERB})了?{_NUM}{_COUNT_UNIT}(?:政府信息公开|信息公开|公开)?的?申请(?!人)"),
    # 依申请公开11件 — only at the start of a clause, where nothing like 办结/答复 precedes it
    re.compile(rf"^(?:{_WHEN}|{_SUBJECT}|\s)*{_NAMED_REQUEST}{_REQUEST_TAIL}{_TOTAL}{_NUM}{_COUNT_UNIT}"),
    # 本年新收32件
    re.compile(rf"(?P<verb>新收){_TOTAL}{_NUM}{_COUNT_UNIT}"),
)
_RECEIVED_ZERO = (
    # 未收到政府信息公开申请 / 没有受理依申请公开事项
    re.compile(
        rf"(?:未|没有|并未|均未|尚未|暂未)(?:{_VERB}|发生|产生)过?(?:任何)?{_REQUEST}{_REQUEST_TAIL}"
        r"(?=$|\s|的情况|情况|事项)"
    ),
    # 本年度无政府信息公开申请 / 无依申请公开事项
    re.compile(rf"(?<![并毫])无(?:任何)?{_REQUEST}{_REQUEST_TAIL}(?:的?情况)?\s*$"),
    # 依申请公开数量为零
    re.compile(rf"^(?:{_WHEN}|{_SUBJECT}|\s)*{_NAMED_REQUEST}{_REQUEST_TAIL}\s*(?:数量|总数)?\s*(?:为|是)\s*零\s*$"),
)

_LAST_YEAR = r"上一?年度?(?:未办结)?"
_CARRY_OBJ = r"(?:的)?(?:政府信息公开|信息公开|依申请公开)?(?:申请(?!人))?(?:件|事项)?"
_CARRIED_IN_PATTERNS = (
    # 上年结转3件 / 上年度结转至本年度办理的申请2件 / 上年结转政府信息公开申请数量2件
    re.compile(rf"{_LAST_YEAR}结转(?:至本年度?(?:继续)?(?:办理)?)?{_CARRY_OBJ}{_TOTAL}{_NUM}{_COUNT_UNIT}"),
)
_CARRIED_IN_ZERO = (re.compile(rf"(?:无|没有){_LAST_YEAR}结转|上一?年度?无结转"),)
_NEXT_YEAR = r"(?:至|到|入)?下一?年度?(?:继续)?(?:办理|处理)?"
_CARRIED_OUT_PATTERNS = (
    # 结转下年度继续办理2件
    re.compile(rf"结转{_NEXT_YEAR}{_CARRY_OBJ}{_TOTAL}{_NUM}{_COUNT_UNIT}"),
    # 2件结转下年度办理
    re.compile(rf"{_NUM}{_COUNT_UNIT}(?:申请)?(?:结转|转入|转至|顺延至?){_NEXT_YEAR}"),
)
_CARRIED_OUT_ZERO = (re.compile(r"(?:无|没有|不存在)(?:需要?)?结转(?:至|到)?下一?年度?"),)
# 结转2件 with no year said: the carried-out figure only after 办结/答复 in the same sentence.
_CARRIED_BARE = re.compile(rf"(?<![年度])结转(?:申请(?!人))?{_TOTAL}{_NUM}{_COUNT_UNIT}")
_CARRIED_BARE_ZERO = re.compile(r"(?:无|没有)结转(?:申请|件)?\s*$")
_HANDLED_BEFORE = re.compile(r"办结|办理完毕|答复|已办|完成")

_RECON = "行政复议"
_LITIG = r"(?:行政诉讼|行政应诉)"
_AND = r"(?:和|及|与|、|或|以及|或者)"
_BOTH_RL = rf"{_RECON}(?:案件)?{_AND}(?:被?提起)?{_LITIG}"
_BOTH_LR = rf"{_LITIG}(?:案件)?{_AND}(?:被?申请)?{_RECON}"
_CASE_TAIL = r"(?:的)?(?:案件|申请|情况|事项)?(?:数量|数)?"
_CASE_PATTERNS = (
    # 行政复议和行政诉讼各1件 / 均为0件
    re.compile(rf"(?P<both>{_BOTH_RL}|{_BOTH_LR}){_CASE_TAIL}(?:均为|均是|均|各为|各|都为|都是|都){_NUM}{_CASE_UNIT}?"),
    # 行政复议、行政诉讼案件分别为2件、1件
    re.compile(
        rf"(?P<first>{_RECON}|{_LITIG})(?:案件)?{_AND}(?:被?提起|被?申请)?(?:{_RECON}|{_LITIG}){_CASE_TAIL}"
        rf"分别(?:为|是)?(?P<n1>\d+|[{_CN_CHARS}]+){_CASE_UNIT}?\s*[、和及与]\s*(?P<n2>\d+|[{_CN_CHARS}]+){_CASE_UNIT}"
    ),
    # 行政复议1件 / 被申请行政复议2件 / 行政诉讼案件0件
    re.compile(rf"(?P<kw>{_RECON}|{_LITIG}){_CASE_TAIL}{_TOTAL}{_NUM}{_CASE_UNIT}"),
)
_CASE_NEGATION = re.compile(
    r"(?P<neg>未发生|未出现|未产生|没有发生|没有出现|没有产生|没有|未有|未被|未因|均未|不存在|无(?![法论需须疑]))"
    rf"(?P<fill>[^\d，,。；;]{{0,25}}?)(?P<kws>{_BOTH_RL}|{_BOTH_LR}|{_RECON}|{_LITIG})"
    r"(?!(?:案件)?的?(?:被|败诉|纠错|纠正|撤销|确认违法|结果|决定|机关|法|条例))"
)
# 行政复议、行政诉讼均未发生 / 行政复议和行政诉讼情况均为0
_CASE_NEGATION_AFTER = re.compile(
    rf"(?P<kws>{_BOTH_RL}|{_BOTH_LR}|{_RECON}|{_LITIG}){_CASE_TAIL}"
    r"(?:均|都|皆)?(?:未发生|无|没有|为零|为0|是零)(?:件|起)?\s*$"
)
# Words by which the agency is the reconsideration body or court, not the respondent.
_CASE_ORGAN = re.compile(r"办理|审理|受理|收到|接收|审结|办结|作出|做出|化解|审查|代理|复议机关|法院")
_DISCLOSURE = re.compile(r"信息公开|依申请|公开申请")

_ACT_FILL = r"(?:决定书|决定|案件信息|信息|结果|公示|办件){0,3}"
_ACT_PATTERNS = (
    (PENALTY, re.compile(rf"行政处罚{_ACT_FILL}{_TOTAL}{_NUM}{_ACT_UNIT}")),
    (LICENSING, re.compile(rf"行政许可{_ACT_FILL}{_TOTAL}{_NUM}{_ACT_UNIT}")),
)
# What may stand before 行政处罚/行政许可: the clause start, a verb of publishing, a time, or a
# list separator after a figure (…18条、行政处罚510条). A qualifier (涉企, 简易程序) makes the
# figure a subset, and "和/及/、" after a word joins categories: both give nothing.
_ACT_BEFORE = re.compile(
    r"(?:^|\s|公开|公示|发布|作出|做出|共|其中|全年|年度|年|年内|了|依法|[\d件条个起宗次份篇]、|[:：])$"
)

# Time words before a figure. A year other than the report's, or last year, makes it silent.
_TIME = re.compile(
    r"(?P<year>\d{4})\s*年|(?P<last>去年|前年|同比|同期|上一?年(?!度?(?:未办结)?结转)度?)"
    r"|(?P<this>今年|本年)"
)
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")

_SENTENCE_SPLIT = re.compile(r"[。！？；!?;\n]+")
# A clause ends at a comma or colon, but a comma between digits is a thousands separator.
_CLAUSE_SPLIT = re.compile(r"[，：:]|,(?!\d{3}(?!\d))")
_BOOK_TITLE = re.compile(r"《[^》]*》")


def main_year(*texts: str) -> int | None:
    """The year a report's texts speak of most (``2024年`` …); ties go to the later year."""
    counts = Counter(int(year) for text in texts for year in _YEAR.findall(text or ""))
    if not counts:
        return None
    return max(counts, key=lambda year: (counts[year], year))


def _mask_titles(text: str) -> str:
    # 《…行政复议法…》 is a document title, not a statement; keep the length so slices line up.
    return _BOOK_TITLE.sub(lambda m: "《" + "·" * (len(m.group()) - 2) + "》", text)


def _sentences(text: str):
    """Yield ``(paragraph, sentence, clauses)`` with the clauses as ``(start, clause)``."""
    for paragraph in text.split("\n"):
        for sentence in _SENTENCE_SPLIT.split(paragraph):
            if not sentence.strip():
                continue
            clauses, start = [], 0
            for cut in _CLAUSE_SPLIT.finditer(sentence):
                clauses.append((start, sentence[start : cut.start()]))
                start = cut.end()
            clauses.append((start, sentence[start:]))
            yield paragraph, sentence, clauses


def _other_time(before: str, year: int | None) -> bool:
    """Whether the last time word in ``before`` points away from the report year."""
    last = None
    for match in _TIME.finditer(before):
        last = match
    if last is None:
        return False
    if last.group("last"):
        return True
    if last.group("year"):
        return year is not None and int(last.group("year")) != year
    return False


def _number(match: re.Match) -> int | None:
    if match.group("pre") or match.group("post"):
        return None
    try:
        return parse_number(match.group("n"))
    except (ValueError, KeyError):
        return None


@dataclass
class _Clause:
    """One clause being read, and the figures found in it (with their place, for the order)."""

    sentence: str
    start: int  # where the clause starts in the sentence
    text: str
    year: int | None
    found: list[tuple[int, Figure]] = field(default_factory=list)

    def add(self, kind: str, value: int | None, match: re.Match, carried: bool = False) -> None:
        if value is None:
            return
        # The time that counts is the last one said before the number (2023年依申请公开11件).
        number_at = match.start("n") if match.groupdict().get("n") else match.start()
        if _other_time(self.sentence[: self.start + number_at], self.year):
            return
        self.found.append((match.start(), Figure(kind, value, match.group().strip(), carried)))


def stated_figures(text: str, year: int | None = None) -> list[Figure]:
    """Every figure the text states, in text order.

    ``year`` is the report year (see ``main_year``): a figure said of another year is skipped.
    """
    text = _mask_titles(_ascii_digits(text or ""))
    figures: list[Figure] = []
    for paragraph, sentence, clauses in _sentences(text):
        has_disclosure = bool(_DISCLOSURE.search(sentence) or _DISCLOSURE.search(paragraph))
        mentions_carry = "结转" in sentence
        for start, words in clauses:
            clause = _Clause(sentence, start, words, year)
            # Cheap substring tests first: most clauses state none of these figures.
            if "申请" in words or "新收" in words:
                _read_requests(clause, mentions_carry)
            if "结转" in words:
                _read_carried(clause)
            if has_disclosure and ("行政复议" in words or "行政诉讼" in words or "行政应诉" in words):
                _read_cases(clause)
            if "行政处罚" in words or "行政许可" in words:
                _read_acts(clause)
            clause.found.sort(key=lambda item: item[0])
            figures.extend(figure for _, figure in clause.found)
    return figures


def _overlaps(match: re.Match, taken: list[tuple[int, int]]) -> bool:
    """Whether ``match`` overlaps a statement already read; if not, it is taken now."""
    if any(match.start() < end and start < match.end() for start, end in taken):
        return True
    taken.append(match.span())
    return False


def _read_requests(clause: _Clause, mentions_carry: bool) -> None:
    taken: list[tuple[int, int]] = []
    for pattern in _RECEIVED_PATTERNS:
        for match in pattern.finditer(clause.text):
            if _overlaps(match, taken):
                continue  # one statement read by two patterns counts once
            verb = match.groupdict().get("verb") or ""
            clause.add(RECEIVED, _number(match), match, carried=mentions_carry or verb == "受理")
    for pattern in _RECEIVED_ZERO:
        for match in pattern.finditer(clause.text):
            clause.add(RECEIVED, 0, match)


def _read_carried(clause: _Clause) -> None:
    text, sentence_before = clause.text, clause.sentence[: clause.start]
    for pattern in _CARRIED_IN_PATTERNS:
        for match in pattern.finditer(text):
            clause.add(CARRIED_IN, _number(match), match)
    for pattern in _CARRIED_IN_ZERO:
        for match in pattern.finditer(text):
            clause.add(CARRIED_IN, 0, match)
    for pattern in _CARRIED_OUT_PATTERNS:
        for match in pattern.finditer(text):
            clause.add(CARRIED_OUT, _number(match), match)
    for pattern in _CARRIED_OUT_ZERO:
        for match in pattern.finditer(text):
            clause.add(CARRIED_OUT, 0, match)
    for match in _CARRIED_BARE.finditer(text):
        before = text[: match.start()]
        if re.search(r"上一?年度?|下一?年度?", before + text[match.end() :]):
            continue
        if _HANDLED_BEFORE.search(sentence_before + before):
            clause.add(CARRIED_OUT, _number(match), match)
    match = _CARRIED_BARE_ZERO.search(text)
    if match and _HANDLED_BEFORE.search(sentence_before + text[: match.start()]):
        clause.add(CARRIED_OUT, 0, match)


def _case_kind(words: str) -> str:
    return RECONSIDERATION if words.startswith(_RECON) else LITIGATION


def _read_cases(clause: _Clause) -> None:
    text = clause.text
    if _CASE_ORGAN.search(text):
        return  # 办理行政复议案件120件: the agency decides reconsiderations, table 四 is not about that
    taken: list[tuple[int, int]] = []
    both, split, single = _CASE_PATTERNS
    for match in both.finditer(text):
        if not _overlaps(match, taken):
            value = _number(match)
            clause.add(RECONSIDERATION, value, match)
            clause.add(LITIGATION, value, match)
    for match in split.finditer(text):
        if not _overlaps(match, taken):
            first, second = parse_number(match.group("n1")), parse_number(match.group("n2"))
            if _case_kind(match.group("first")) == LITIGATION:
                first, second = second, first
            clause.add(RECONSIDERATION, first, match)
            clause.add(LITIGATION, second, match)
    for match in single.finditer(text):
        # "行政复议、行政诉讼案件3件" counts both together: only its 0 can be read.
        joined = re.search(rf"(?:{_RECON}|{_LITIG}){_AND}(?:被?提起|被?申请)?$", text[: match.start()])
        if joined:
            if _number(match) == 0 and not _overlaps(match, taken):
                clause.add(RECONSIDERATION, 0, match)
                clause.add(LITIGATION, 0, match)
            continue
        if not _overlaps(match, taken):
            clause.add(_case_kind(match.group("kw")), _number(match), match)
    for pattern in (_CASE_NEGATION, _CASE_NEGATION_AFTER):
        for match in pattern.finditer(text):
            if re.search(r"\d|但|而|仅|只", match.groupdict().get("fill") or "") or _overlaps(match, taken):
                continue
            words = match.group("kws")
            both_named = re.search(_AND, words) is not None
            for kind in (RECONSIDERATION, LITIGATION):
                if both_named or _case_kind(words) == kind:
                    clause.add(kind, 0, match)


def _read_acts(clause: _Clause) -> None:
    for kind, pattern in _ACT_PATTERNS:
        for match in pattern.finditer(clause.text):
            if _ACT_BEFORE.search(clause.text[: match.start()]):
                clause.add(kind, _number(match), match)


@dataclass(frozen=True)
class Disagreement:
    kind: FigureKind
    figures: tuple[Figure, ...]  # what the text says (each differs from the table)
    table_value: int


def figure_disagreements(text: str, table: dict, year: int | None = None) -> list[Disagreement]:
    """The figures of ``text`` that disagree with ``table`` (cell code → parsed value).

    A kind is compared only when all its cells hold a value. When a text states one kind of
    figure several times (受理35件，其中新收32件) it agrees if any statement does.
    """
    by_kind: dict[str, list[Figure]] = {}
    for figure in stated_figures(text, year):
        by_kind.setdefault(figure.kind, []).append(figure)
    result = []
    for code, kind in FIGURE_KINDS.items():
        figures = by_kind.get(code)
        if not figures:
            continue
        values = [table.get(cell) for cell in kind.cells]
        if any(value is None for value in values):
            continue
        expected = int(sum(values))
        carried_in = table.get(t3("carried_in", "total"))

        def agrees(figure: Figure, expected: int = expected, carried_in=carried_in) -> bool:
            if figure.value == expected:
                return True
            return figure.may_include_carried and carried_in is not None and figure.value == expected + carried_in

        if any(agrees(figure) for figure in figures):
            continue
        unique = tuple({figure.quote: figure for figure in figures}.values())
        result.append(Disagreement(kind, unique, expected))
    return result


# ── Other text checks ───────────────────────────────────────────────────────────────────

# A run of two or more x/X/×/＊/* (XX局, 20XX年, ＊＊), not inside a Latin word (Exxon); a
# single one only where it stands for a digit before a unit (X月X日, 收到申请X件).
_PLACEHOLDERS = re.compile(
    r"(?<![A-Za-z])[xX×＊*ｘＸ]{2,}(?![A-Za-z])"
    r"|(?<![A-Za-z0-9])[xX×＊*ｘＸ](?=[年月日号件条个项次篇人名家])"
    r"|[（(【\[［〔][^）)】\]］〕]{0,20}?(?:填写|填报|待补充|待填|请输入)[^）)】\]］〕]{0,20}[）)】\]］〕]"
    r"|此处填写|在此填写|请填写|待填写"
    r"|【\s*】|（\s*）|\(\s*\)|［\s*］|〔\s*〕"
    r"|[＿_]{2,}"
)

_LEFTOVERS = re.compile(
    r"注意事项|填报说明|填写说明|审核表"
    r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
    r"|请于[^。；;\n]{0,30}?前"
)

_NOTHING = re.compile(r"[无没有暂无。．.、，,！!\s]*")
THIN_LENGTH = 30


def placeholders(text: str) -> list[str]:
    """The placeholders a text still holds, in order, each once."""
    return list(dict.fromkeys(match.group() for match in _PLACEHOLDERS.finditer(text or "")))


def leftovers(text: str) -> list[str]:
    """The drafting instructions left in a text (注意事项, an e-mail address …), each once."""
    return list(dict.fromkeys(match.group() for match in _LEFTOVERS.finditer(text or "")))


def visible_length(text: str) -> int:
    return len("".join((text or "").split()))


def is_thin(text: str) -> bool:
    """Whether a non-empty text says nothing but 无/没有 or is shorter than 30 characters."""
    if not (text or "").strip():
        return False
    return bool(_NOTHING.fullmatch(text)) or visible_length(text) < THIN_LENGTH


# ── Text copied from last year ──────────────────────────────────────────────────────────

SHINGLE = 8  # characters: long enough that shared set phrases alone stay well below half
REPEAT_MIN_LENGTH = 30  # shorter texts ("无", "2024年没有其他需要报告的事项。") are not compared
_DIGIT_RUN = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


def _normalised(text: str) -> str:
    # Updating the year and the figures does not make a copied text new.
    return _DIGIT_RUN.sub("#", _SPACE.sub("", _ascii_digits(text or "")))


def copied_share(text: str, previous: str) -> float:
    """The share of ``text``'s characters that lie in a run of at least ``SHINGLE`` characters
    also found in ``previous`` (after whitespace is dropped and every number reads the same).
    0.0 when ``text`` is shorter than ``REPEAT_MIN_LENGTH``."""
    current, before = _normalised(text), _normalised(previous)
    if len(current) < REPEAT_MIN_LENGTH or len(before) < SHINGLE:
        return 0.0
    known = {before[i : i + SHINGLE] for i in range(len(before) - SHINGLE + 1)}
    covered = bytearray(len(current))
    for i in range(len(current) - SHINGLE + 1):
        if current[i : i + SHINGLE] in known:
            covered[i : i + SHINGLE] = b"\x01" * SHINGLE
    return sum(covered) / len(current)
