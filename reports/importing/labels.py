"""The labels a published report prints, as the reader matches them.

Every row and column comes from ``reports.standard`` (the only list of cells): the match key of
a row is its printed label without the numbering (``（二）部分公开（区分处理的…）`` →
``部分公开``). The only hand-written words here are the *aliases* — real variants met in
published reports (the 2019 layout's ``规范性文件``) — and the part headings' variants, kept
next to the keys they extend so there is one place to add the next variant.

``normalize`` makes printed text comparable: NFKC (full-width digits and brackets), the
traditional characters of these labels to simplified, pinyin debris such as ``數(shù)`` removed,
whitespace removed. It is one linear pass.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from reports import standard

# Traditional → simplified for the characters of the labels, headings and fee sentences
# (not a general converter: enough to recognise the format in a traditional-script page).
_T2S = str.maketrans(
    "總體況動報條項發廢現數規處罰強執費額萬結轉辦區開請議訴審問題與據計組織構關於為"
    "收權決復議訟維糾認屬國務機當補無現實單業轉處證說類內舊進續繼內須際應許產經辦訊錄統時間們個這門戶網從稱東廣蘇隊會誤範圍項目",
    "总体况动报条项发废现数规处罚强执费额万结转办区开请议讼审问题与据计组织构关于为"
    "收权决复议讼维纠认属国务机当补无现实单业转处证说类内旧进续继内须际应许产经办讯录统时间们个这门户网从称东广苏队会误范围项目",
)
# Pinyin glosses that some mirrors inject after characters: 數(shù), 規(guī).
_PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,8}\)")
_SPACE = re.compile(r"\s+")
# Numbering in front of a label: 一、 （一） (一) 1. 1、 1． ## 一、
_CN = "一二三四五六七八九十"
_NUMBERING = re.compile(rf"^[#\s]*(?:[{_CN}]{{1,3}}[、.．]|\([{_CN}]{{1,3}}\)|\d{{1,2}}[.、．](?!\d))")
_PARENTHETICAL = re.compile(r"\([^()]{0,40}\)")
# Punctuation and symbols as printed in labels (after NFKC): one class, one pass.
_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~、。，；：？！“”‘’《》〈〉「」『』【】〔〕·•…—–～￥]")


def normalize(text: str) -> str:
    """Printed text made comparable: NFKC, simplified, no pinyin debris, no whitespace."""
    text = unicodedata.normalize("NFKC", text).translate(_T2S)
    text = _PINYIN.sub("", text)
    return _SPACE.sub("", text)


def core(text: str) -> str:
    """A normalised label without its numbering, parenthetical notes and punctuation
    (``、`` and ``,`` and quotes vary from page to page)."""
    text = _NUMBERING.sub("", normalize(text), count=1)
    text = _PARENTHETICAL.sub("", text)
    return _PUNCTUATION.sub("", text)


@dataclass(frozen=True)
class RowLabel:
    """How one printed row is recognised: its cells (in column order) and its match keys."""

    table: str
    code: str  # the row code in standard ("new", "withheld.state_secret", "licensing", …)
    label: str  # the official printed label
    keys: tuple[str, ...]  # normalised keys, the first is the official one
    exact: bool  # a short key (其他, 总计) must match with its numbering, exactly
    cells: tuple[str, ...]  # the cell codes of the row, in printed column order

    def matches(self, token: str, *, normalized: str | None = None, cored: str | None = None) -> bool:
        """Whether a printed cell is this row's label (or a wrapped start of it). A caller that
        tries many rows passes the token's ``normalize``/``core`` once (they are the costly part)."""
        if self.exact:
            text = normalize(token) if normalized is None else normalized
            return any(text == key for key in self.keys)
        text = core(token) if cored is None else cored
        if not text or len(text) > len(self.keys[0]) + 14:
            return False
        for key in self.keys:
            if text.startswith(key):
                return True
            # A label wrapped over two lines: its first half is still distinctive.
            if len(text) >= 6 and key.startswith(text):
                return True
        return False


# Real variants of row labels, by (table, row code). Add the next one here.
ROW_ALIASES: dict[tuple[str, str], tuple[str, ...]] = {
    ("t2", "normative"): ("规范性文件",),  # the 2019 layout
}


_COLUMN_WORDS = frozenset(
    core(label)
    for table in standard.STANDARD.tables
    for section in table.sections
    for column in section.columns
    for label in column.path
)


def _row_labels(table: standard.Table) -> list[RowLabel]:
    result = []
    for section in table.sections:
        for row in section.rows:
            if not row.code:
                continue
            label = row.path[-1]
            key = core(label)
            exact = key in _COLUMN_WORDS  # 3.其他, （七）总计: only the numbering tells them from columns
            if exact:
                keys = (normalize(label),)
            else:
                keys = (key, *(core(alias) for alias in ROW_ALIASES.get((table.code, row.code), ())))
            cells = tuple(section.cell_code(row, column) for column in section.columns)
            result.append(RowLabel(table.code, row.code, label, keys, exact, cells))
    return result


T2_ROWS = _row_labels(standard.TABLE_2)
T3_ROWS = _row_labels(standard.TABLE_3)
T6_ROWS = _row_labels(standard.TABLE_6)

# Group labels of table 三 (三、本年度办理结果, （三）不予公开 …): recognised so that they end the
# previous row's figures, but they hold no figures themselves.
T3_GROUPS = tuple(sorted({core(part) for row in standard.T3_ROWS for part in row.path[:-1]}, key=len, reverse=True))

# The 2019 layout of table 二: its column headers. Met in real reports of 2021–2023.
LAYOUT_2019_MARKERS = tuple(normalize(w) for w in ("本年新制作数量", "对外公开总数量", "上一年项目数量", "本年增/减"))

T4_GROUP_CODES = tuple(group for group, _path, _label in standard.T4_GROUPS)
T4_COLUMN_CODES = tuple(code for code, _label in standard.T4_RESULT_COLUMNS)


@dataclass(frozen=True)
class PartHeading:
    key: str  # "overview", "t2", "t3", "t4", "problems", "other_matters"
    number: str  # 一 … 六
    phrases: tuple[str, ...]  # any of these (normalised) in the heading line


# Part titles come from standard.STANDARD.parts; the extra phrases are real variants.
_PART_KEYS = ("overview", "t2", "t3", "t4", "problems", "other_matters")
_PART_VARIANTS = {
    "overview": ("总体情况", "总体工作情况", "概述"),
    "t2": ("主动公开政府信息情况", "主动公开政府信息"),
    "t3": ("收到和处理政府信息公开申请情况", "收到和处理政府信息公开申请", "处理政府信息公开申请情况"),
    "t4": (
        "行政复议、行政诉讼情况",
        "行政复议和行政诉讼",
        "行政复议、提起行政诉讼",
        "行政复议及行政诉讼",
        "行政复议,行政诉讼",
    ),
    "problems": (
        "存在的主要问题及改进情况",
        "存在的主要问题",
        "主要问题及改进",
        "存在问题及改进",
        "存在的问题及改进",
        "存在不足",
    ),
    "other_matters": ("其他需要报告的事项", "其他需要报告事项", "其它需要报告的事项", "其他需要报告"),
}
PART_HEADINGS = tuple(
    PartHeading(key, number, tuple(normalize(p) for p in (title, *_PART_VARIANTS[key])))
    for key, (number, title) in zip(_PART_KEYS, standard.STANDARD.parts, strict=True)
)
# A heading printed without its number must be the title itself (主动公开政府信息情况).
_BARE_TITLES = {part.key: frozenset(core(p) for p in part.phrases[:2]) for part in PART_HEADINGS}
_ARABIC = {"一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6"}
_HEADING_START = re.compile(r"^[#\s]*(?:第?([一二三四五六1-6])(?:部分)?[、.．,，:：\s]|\(([一二三四五六])\))")


def heading_part(line: str) -> PartHeading | None:
    """The part whose heading ``line`` is (``一、总体情况``, ``1、 总体情况``, ``## 五、…``), or None."""
    if len(line) > 60:
        return None
    match = _HEADING_START.match(unicodedata.normalize("NFKC", line))
    if not match:
        # A heading printed without its number (主动公开政府信息情况): the whole line is a title.
        text = core(line)
        for part in PART_HEADINGS:
            if text and text in _BARE_TITLES[part.key]:
                return part
        return None
    number = match.group(1) or match.group(2)
    text = normalize(line)
    for part in PART_HEADINGS:
        if number in (part.number, _ARABIC[part.number]) and any(p in text for p in part.phrases):
            return part
    return None
