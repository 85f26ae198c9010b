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
from bisect import bisect_right
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
HANDLED = "handled"


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
        FigureKind(HANDLED, "办理的申请数", (t3("handled_total", "total"),)),
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
    rf"(?P<n>\d{{1,3}}(?:,\d{{3}}){{1,3}}|\d{{1,9}}|[{_CN_CHARS}]{{1,12}})(?P<post>余|多|来)?\s?"
)
# Whitespace is bounded ({0,2}, \s?) everywhere: two unbounded \s* side by side backtrack
# quadratically on a long run of spaces (issue 11).
_TOTAL = r"\s?(?:共计|共|合计|总计|累计|总数|数量|总量)?\s?(?:为|达到|达|是)?\s?"
# A measure word directly before another noun (20个工作日, 一次性) is not a count of requests,
# and 以上/左右 after it make the figure approximate.
_UNIT_END = r"(?!以上|左右|以内|以下|工作日|日内|天|小时|月|性|例|部门|单位|科室|方面|人)"
_COUNT_UNIT = rf"(?:件|个|宗|份|条|封|例|次){_UNIT_END}"
_CASE_UNIT = rf"(?:件|起|宗|个|例|次){_UNIT_END}"
_ACT_UNIT = rf"(?:件|条|个|宗|起|份|次){_UNIT_END}"  # not 项: "行政许可33项" counts catalogue items
# 多收到3件 / 少受理2件 state a difference, not a count.
_VERB = r"(?<![多少])(?:收到|受理|新收|接收|接到|收悉)"
# Words between the verb and the requests: 收到相关政府信息公开申请, 受理向我局提出的信息公开申请.
_FILL = r"了?(?:各类|相关|有关)?(?:向(?:我|本)[^\d，。；]{0,6}?提出的?)?(?:各类|相关|有关)?"
# 办理/办结/答复 count what was handled (this year's and last year's requests): only with
# the requests named (办理审批事项, 办理12345热线工单 are other business).
_HANDLE_VERB = r"(?<![多少])(?:办理|办结|答复|处理)"
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
    re.compile(rf"(?P<verb>{_VERB}){_FILL}{_REQUEST}{_REQUEST_TAIL}{_TOTAL}{_NUM}{_COUNT_UNIT}"),
    # 本年度收到依申请公开事项1项 (项 only after 事项: 行政许可33项 counts catalogue items)
    re.compile(rf"(?P<verb>{_VERB}){_FILL}{_REQUEST}事项{_TOTAL}{_NUM}项{_UNIT_END}"),
    # 收到12封申请 / 受理3件政府信息公开申请
    re.compile(rf"(?P<verb>{_VERB})了?{_NUM}{_COUNT_UNIT}(?:政府信息公开|信息公开|公开)?的?申请(?!人)"),
    # 依申请公开11件 — only at the start of a clause, where nothing like 办结/答复 precedes it
    re.compile(rf"^(?:{_WHEN}|{_SUBJECT}|\s)*{_NAMED_REQUEST}{_REQUEST_TAIL}{_TOTAL}{_NUM}{_COUNT_UNIT}"),
    # 本年新收32件
    re.compile(rf"(?P<verb>新收){_TOTAL}{_NUM}{_COUNT_UNIT}"),
)
_HANDLED_PATTERNS = (
    # 办理依申请公开19件 / 全年共答复政府信息公开申请12件
    re.compile(rf"(?P<verb>{_HANDLE_VERB}){_FILL}{_NAMED_REQUEST}{_REQUEST_TAIL}{_TOTAL}{_NUM}{_COUNT_UNIT}"),
    re.compile(rf"(?P<verb>{_HANDLE_VERB}){_FILL}{_NAMED_REQUEST}事项{_TOTAL}{_NUM}项{_UNIT_END}"),
)
# A bare 申请 in a clause about other business (审批, 12345 hotline, 政务服务 …) is no
# disclosure request.
_OTHER_BUSINESS = re.compile(r"审批|许可|热线|12345|工单|政务服务|办件|诉求|信访|投诉|举报|文件|公文|来文|建议|提案")
_NAMED = re.compile(r"信息公开|依申请")
_RECEIVED_ZERO = (
    # 未收到政府信息公开申请 / 没有受理依申请公开事项
    re.compile(
        rf"(?:未|没有|并未|均未|尚未|暂未)(?:{_VERB}|发生|产生)过?(?:任何)?{_REQUEST}{_REQUEST_TAIL}"
        r"(?=$|\s|的情况|情况|事项)"
    ),
    # 本年度无政府信息公开申请 / 无依申请公开事项
    re.compile(rf"(?<![并毫])无(?:任何)?{_REQUEST}{_REQUEST_TAIL}(?:的?情况)?\s*$"),
    # 依申请公开数量为零
    re.compile(rf"^(?:{_WHEN}|{_SUBJECT}|\s)*{_NAMED_REQUEST}{_REQUEST_TAIL}\s?(?:数量|总数)?\s?(?:为|是)\s?零\s*$"),
)

_LAST_YEAR = r"上一?年度?(?:未办结)?"
_CARRY_OBJ = r"(?:的)?(?:政府信息公开|信息公开|依申请公开)?(?:申请(?!人))?(?:件|事项)?"
_CARRIED_IN_PATTERNS = (
    # 上年结转3件 / 上年度结转至本年度办理的申请2件 / 上年结转政府信息公开申请数量2件
    re.compile(rf"{_LAST_YEAR}结转(?:至本年度?(?:继续)?(?:办理)?)?{_CARRY_OBJ}{_TOTAL}{_NUM}{_COUNT_UNIT}"),
    # 结转上年度政府信息公开申请1件
    re.compile(
        rf"结转{_LAST_YEAR}(?:的)?(?:政府信息公开|信息公开|依申请公开)?(?:申请(?!人))?(?:件|事项)?{_TOTAL}{_NUM}{_COUNT_UNIT}"
    ),
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
        rf"分别(?:为|是)?(?P<n1>\d{{1,9}}|[{_CN_CHARS}]{{1,12}}){_CASE_UNIT}?\s?[、和及与]\s?(?P<n2>\d{{1,9}}|[{_CN_CHARS}]{{1,12}}){_CASE_UNIT}"
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
    r"(?P<year>\d{4})\s?年|(?P<last>去年|前年|同比|同期|(?<!结转)上一?年(?!度?(?:未办结)?结转)度?)"
    r"|(?P<this>今年|本年)"
)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s?年")

_SENTENCE_SPLIT = re.compile(r"[。！？；!?;\n]+")
# A clause ends at a comma or colon, but a comma between digits is a thousands separator.
_CLAUSE_SPLIT = re.compile(r"[，：:]|,(?!\d{3}(?!\d))")
# [^《》]: a run of 《《《… without 》 costs one pass, not one pass per 《.
_BOOK_TITLE = re.compile(r"《[^《》]{0,200}》")


def main_year(*texts: str) -> int | None:
    """The year a report's texts speak of most (``2024年`` …); ties go to the later year."""
    counts = Counter(int(year) for text in texts for year in _YEAR.findall(text or ""))
    if not counts:
        return None
    return max(counts, key=lambda year: (counts[year], year))


def _mask_titles(text: str) -> str:
    # 《…行政复议法…》 is a document title, not a statement; keep the length so slices line up.
    return _BOOK_TITLE.sub(lambda m: "《" + "·" * (len(m.group()) - 2) + "》", text)


# Bounded windows (issue 11): a figure statement is short, so a clause is read only up to
# MAX_CLAUSE characters and for at most MAX_FIGURES figures, and every look-back uses
# positions found once per sentence. Reading stays linear in the text's length, whatever
# the text is (a run of letters, 收到申请1件，收到申请1件，… 50,000 characters long).
MAX_CLAUSE = 400
MAX_FIGURES = 20
# and a text is read for at most MAX_TEXT_FIGURES figures, in at most MAX_READ_CLAUSES clauses
# that hold one of the words a figure needs: a real report states a few dozen figures in a
# few hundred such clauses; 收到申请1件 repeated 7,000 times is no report to read to the end.
MAX_TEXT_FIGURES = 60
MAX_READ_CLAUSES = 400


class _Sentence:
    """One sentence, with the positions every clause looks back at, found once."""

    def __init__(self, text: str):
        self.text = text
        self._times: tuple[list[int], list[re.Match]] | None = None
        self._handled_at: int | None = None

    def time_before(self, at: int) -> re.Match | None:
        """The last time word (2023年, 去年 …) that ends at or before ``at``."""
        if self._times is None:
            matches = list(_TIME.finditer(self.text))
            self._times = ([match.end() for match in matches], matches)
        ends, matches = self._times
        index = bisect_right(ends, at)
        return matches[index - 1] if index else None

    def handled_before(self, at: int) -> bool:
        """Whether 办结/答复 … is said before ``at``."""
        if self._handled_at is None:
            match = _HANDLED_BEFORE.search(self.text)
            self._handled_at = match.end() if match else len(self.text) + 1
        return self._handled_at <= at


def _clauses(words: str):
    """``(start, clause)`` for each clause of a sentence, lazily: reading may stop early."""
    start = 0
    for cut in _CLAUSE_SPLIT.finditer(words):
        yield start, words[start : min(cut.start(), start + MAX_CLAUSE)].rstrip()
        start = cut.end()
    yield start, words[start : start + MAX_CLAUSE].rstrip()


def _sentences(text: str):
    """Yield ``(has_disclosure, sentence, clauses)`` with the clauses as ``(start, clause)``;
    ``has_disclosure``: the sentence's paragraph speaks of disclosure requests."""
    for paragraph in text.split("\n"):
        has_disclosure = _DISCLOSURE.search(paragraph) is not None
        for words in _SENTENCE_SPLIT.split(paragraph):
            if words.strip():
                yield has_disclosure, _Sentence(words), _clauses(words)


def _other_time(last: re.Match | None, year: int | None) -> bool:
    """Whether the time word ``last`` points away from the report year."""
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

    sentence: _Sentence
    start: int  # where the clause starts in the sentence
    text: str
    year: int | None
    found: list[tuple[int, Figure]] = field(default_factory=list)
    taken: list[tuple[int, int]] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return len(self.found) >= MAX_FIGURES

    def add(self, kind: str, value: int | None, match: re.Match, carried: bool = False) -> None:
        if value is None or self.full:
            return
        # The time that counts is the last one said before the number (2023年依申请公开11件).
        number_at = match.start("n") if match.groupdict().get("n") else match.start()
        if _other_time(self.sentence.time_before(self.start + number_at), self.year):
            return
        self.found.append((match.start(), Figure(kind, value, match.group().strip(), carried)))

    def overlaps(self, match: re.Match) -> bool:
        """Whether ``match`` overlaps a statement already read; if not, it is taken now."""
        if any(match.start() < end and start < match.end() for start, end in self.taken):
            return True
        if len(self.taken) < MAX_FIGURES:
            self.taken.append(match.span())
        return False

    def matches(self, pattern: re.Pattern):
        """``pattern``'s matches in the clause, at most MAX_FIGURES of them."""
        for count, match in enumerate(pattern.finditer(self.text)):
            if count >= MAX_FIGURES or self.full:
                return
            yield match


def stated_figures(text: str, year: int | None = None) -> list[Figure]:
    """Every figure the text states, in text order.

    ``year`` is the report year (see ``main_year``): a figure said of another year is skipped.
    """
    text = _mask_titles(_ascii_digits(text or ""))
    figures: list[Figure] = []
    read = 0
    for has_disclosure, sentence, clauses in _sentences(text):
        mentions_carry = "结转" in sentence.text
        for start, words in clauses:
            # Cheap substring tests first: most clauses state none of these figures.
            requests = "申请" in words or "新收" in words
            carried = "结转" in words or "顺延" in words
            cases = has_disclosure and ("行政复议" in words or "行政诉讼" in words or "行政应诉" in words)
            acts = "行政处罚" in words or "行政许可" in words
            if not (requests or carried or cases or acts):
                continue
            read += 1
            if read > MAX_READ_CLAUSES or len(figures) >= MAX_TEXT_FIGURES:
                return figures
            clause = _Clause(sentence, start, words, year)
            if requests:
                _read_requests(clause, mentions_carry)
            if carried:
                _read_carried(clause)
            if cases:
                _read_cases(clause)
            if acts:
                _read_acts(clause)
            clause.found.sort(key=lambda item: item[0])
            figures.extend(figure for _, figure in clause.found)
    return figures


def _read_requests(clause: _Clause, mentions_carry: bool) -> None:
    other_business = _OTHER_BUSINESS.search(clause.text) is not None
    for pattern in _RECEIVED_PATTERNS:
        for match in clause.matches(pattern):
            if other_business and not _NAMED.search(match.group()):
                continue  # 受理审批申请1200件: a bare 申请 among other business
            if clause.overlaps(match):
                continue  # one statement read by two patterns counts once
            verb = match.groupdict().get("verb") or ""
            clause.add(RECEIVED, _number(match), match, carried=mentions_carry or verb == "受理")
    for pattern in _HANDLED_PATTERNS:
        for match in clause.matches(pattern):
            if not clause.overlaps(match):
                clause.add(HANDLED, _number(match), match)
    for pattern in _RECEIVED_ZERO:
        for match in clause.matches(pattern):
            if other_business and not _NAMED.search(match.group()):
                continue
            clause.add(RECEIVED, 0, match)


_YEAR_WORD = re.compile(r"上一?年度?|下一?年度?")


def _read_carried(clause: _Clause) -> None:
    text = clause.text
    for pattern in _CARRIED_IN_PATTERNS:
        for match in clause.matches(pattern):
            if not clause.overlaps(match):
                clause.add(CARRIED_IN, _number(match), match)
    for pattern in _CARRIED_IN_ZERO:
        for match in clause.matches(pattern):
            clause.add(CARRIED_IN, 0, match)
    for pattern in _CARRIED_OUT_PATTERNS:
        for match in clause.matches(pattern):
            if not clause.overlaps(match):
                clause.add(CARRIED_OUT, _number(match), match)
    for pattern in _CARRIED_OUT_ZERO:
        for match in clause.matches(pattern):
            clause.add(CARRIED_OUT, 0, match)
    # 结转2件 with no year said: the carried-out figure, after 办结/答复 in the same sentence.
    # (The bare match holds no 上年/下年 itself, so one look at the clause is enough.)
    if _YEAR_WORD.search(text) is None:
        for match in clause.matches(_CARRIED_BARE):
            if clause.sentence.handled_before(clause.start + match.start()):
                clause.add(CARRIED_OUT, _number(match), match)
    match = _CARRIED_BARE_ZERO.search(text)
    if match and clause.sentence.handled_before(clause.start + match.start()):
        clause.add(CARRIED_OUT, 0, match)


def _case_kind(words: str) -> str:
    return RECONSIDERATION if words.startswith(_RECON) else LITIGATION


_JOINED_BEFORE = re.compile(rf"(?:{_RECON}|{_LITIG}){_AND}(?:被?提起|被?申请)?$")
_NEGATION_FILL = re.compile(r"\d|但|而|仅|只")
_AND_RE = re.compile(_AND)
LOOK_BEHIND = 12  # characters: the longest word a look-behind below needs to see


def _read_cases(clause: _Clause) -> None:
    text = clause.text
    if _CASE_ORGAN.search(text):
        return  # 办理行政复议案件120件: the agency decides reconsiderations, table 四 is not about that
    both, split, single = _CASE_PATTERNS
    for match in clause.matches(both):
        if not clause.overlaps(match):
            value = _number(match)
            clause.add(RECONSIDERATION, value, match)
            clause.add(LITIGATION, value, match)
    for match in clause.matches(split):
        if not clause.overlaps(match):
            first, second = parse_number(match.group("n1")), parse_number(match.group("n2"))
            if _case_kind(match.group("first")) == LITIGATION:
                first, second = second, first
            clause.add(RECONSIDERATION, first, match)
            clause.add(LITIGATION, second, match)
    for match in clause.matches(single):
        # "行政复议、行政诉讼案件3件" counts both together: only its 0 can be read. (A window
        # ending at the match: ``$`` matches at endpos, and the search never rescans the clause.)
        joined = _JOINED_BEFORE.search(text, max(0, match.start() - LOOK_BEHIND), match.start())
        if joined:
            if _number(match) == 0 and not clause.overlaps(match):
                clause.add(RECONSIDERATION, 0, match)
                clause.add(LITIGATION, 0, match)
            continue
        if not clause.overlaps(match):
            clause.add(_case_kind(match.group("kw")), _number(match), match)
    for pattern in (_CASE_NEGATION, _CASE_NEGATION_AFTER):
        for match in clause.matches(pattern):
            if _NEGATION_FILL.search(match.groupdict().get("fill") or "") or clause.overlaps(match):
                continue
            words = match.group("kws")
            both_named = _AND_RE.search(words) is not None
            for kind in (RECONSIDERATION, LITIGATION):
                if both_named or _case_kind(words) == kind:
                    clause.add(kind, 0, match)


def _read_acts(clause: _Clause) -> None:
    for kind, pattern in _ACT_PATTERNS:
        for match in clause.matches(pattern):
            start = match.start()
            # ``^`` of _ACT_BEFORE matches only at the real start of the clause, not at the
            # window's start, so the window changes nothing but the cost.
            if start == 0 or _ACT_BEFORE.search(clause.text, max(0, start - LOOK_BEHIND), start):
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

        new = table.get(t3("new", "total"))
        # 办理19件 may count what was handled (the results' total), this year's requests, or
        # this year's and last year's together: any of them agrees.
        handled_readings = {new, None if new is None or carried_in is None else new + carried_in}

        def agrees(
            figure: Figure, expected: int = expected, carried_in=carried_in, code=code, handled=handled_readings
        ) -> bool:
            if figure.value == expected:
                return True
            if code == HANDLED and figure.value in handled:
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
    # (the look-behind refuses a start inside a run, so a run of ×××… is scanned once)
    r"(?<![A-Za-z×＊*ｘＸ])[xX×＊*ｘＸ]{2,}(?![A-Za-z])"
    r"|(?<![A-Za-z0-9])[xX×＊*ｘＸ](?=[年月日号件条个项次篇人名家])"
    r"|[（(【\[［〔][^）)】\]］〕]{0,20}?(?:填写|填报|待补充|待填|请输入)[^）)】\]］〕]{0,20}[）)】\]］〕]"
    r"|此处填写|在此填写|请填写|待填写"
    r"|【\s*】|（\s*）|\(\s*\)|［\s*］|〔\s*〕"
    r"|[＿_]{2,}"
)

_LEFTOVERS = re.compile(r"注意事项|填报说明|填写说明|审核表|请于[^。；;\n]{0,30}?前")
# An e-mail address is found by scanning, not by one regex: ``[…]+@[…]+\.[…]{2,}`` tries
# every start in a run of letters and is quadratic on one (issue 11). A run of the
# characters an address may hold is cut at each @; the part before is the local part (its
# last 64 characters), the part after must start with a domain ending in .xx.
_NOT_LOCAL = re.compile(r"[^A-Za-z0-9._%+-]")
_DOMAIN = re.compile(r"[A-Za-z0-9.-]{1,253}")
_TOP_LEVEL = re.compile(r"\.[A-Za-z]{2,63}")
MAX_AT_SIGNS = 200  # a text is searched for addresses around its first 200 @ only


def _addresses(text: str):
    """``(start, address)`` for every e-mail address in ``text`` (around its first
    MAX_AT_SIGNS @), each @ looked at in a window of 64 characters before and 253 after."""
    at = -1
    for _ in range(MAX_AT_SIGNS):
        at = text.find("@", at + 1)
        if at < 0:
            return
        window = text[max(0, at - 64) : at][::-1]
        cut = _NOT_LOCAL.search(window)
        local = window[: cut.start() if cut else len(window)][::-1]
        domain = _DOMAIN.match(text, at + 1)
        if not local or domain is None:
            continue
        endings = list(_TOP_LEVEL.finditer(domain.group()))  # the last .xx ends the domain
        ending = endings[-1] if endings else None
        if ending is not None and ending.start() > 0:
            yield at - len(local), f"{local}@{domain.group()[: ending.end()]}"


_NOTHING = re.compile(r"[无没有暂无。．.、，,！!\s]*")
THIN_LENGTH = 30


def placeholders(text: str) -> list[str]:
    """The placeholders a text still holds, in order, each once."""
    return list(dict.fromkeys(match.group() for match in _PLACEHOLDERS.finditer(text or "")))


def leftovers(text: str) -> list[str]:
    """The drafting instructions left in a text (注意事项, an e-mail address …), each once."""
    text = text or ""
    found = [(match.start(), match.group()) for match in _LEFTOVERS.finditer(text)]
    found += list(_addresses(text))
    return list(dict.fromkeys(words for _, words in sorted(found, key=lambda item: item[0])))


def visible_length(text: str) -> int:
    return len("".join((text or "").split()))


def is_thin(text: str) -> bool:
    """Whether a non-empty text says nothing but 无/没有 or is shorter than 30 characters."""
    if not (text or "").strip():
        return False
    return bool(_NOTHING.fullmatch(text)) or visible_length(text) < THIN_LENGTH


# ── Text copied from last year ──────────────────────────────────────────────────────────

SHINGLE = 8  # characters: long enough that shared set phrases alone stay well below half
STRIDE = 4  # last year's shingles are taken every STRIDE characters (see copied_share)
REPEAT_MIN_LENGTH = 30  # shorter texts ("无", "2024年没有其他需要报告的事项。") are not compared
_DIGIT_RUN = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


def _normalised(text: str) -> str:
    # Updating the year and the figures does not make a copied text new.
    return _DIGIT_RUN.sub("#", _SPACE.sub("", _ascii_digits(text or "")))


def copied_share(text: str, previous: str) -> float:
    """The share of ``text``'s characters that lie in a run of at least ``SHINGLE`` characters
    also found in ``previous`` (after whitespace is dropped and every number reads the same).
    0.0 when ``text`` is shorter than ``REPEAT_MIN_LENGTH``.

    Linear, and cheap on a 50,000-character text (issue 11): last year's shingles are taken
    every ``STRIDE`` characters only, this year's at every position, so a copied run still
    shows a known shingle every ``STRIDE`` characters, and each known shingle covers its
    ``SHINGLE`` characters. It may miss up to ``STRIDE - 1`` characters at each end of a
    copied run, never counts a new one. The covered characters are counted with bit
    operations: bit i is set when the shingle at i is known."""
    current, before = _normalised(text), _normalised(previous)
    if len(current) < REPEAT_MIN_LENGTH or len(before) < SHINGLE:
        return 0.0
    known = {before[i : i + SHINGLE] for i in range(0, len(before) - SHINGLE + 1, STRIDE)}
    known.add(before[-SHINGLE:])  # the last shingle, so a run copied to the very end counts whole
    hits = "".join("1" if current[i : i + SHINGLE] in known else "0" for i in range(len(current) - SHINGLE + 1))
    starts = int(hits[::-1] or "0", 2)
    covered = 0
    for shift in range(SHINGLE):
        covered |= starts << shift
    return covered.bit_count() / len(current)
