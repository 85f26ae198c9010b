"""The district office's charts, as geometry for server-rendered inline SVG.

Everything is computed here; the templates ``review/district/_chart_*.html`` only place
``<rect>``, ``<line>`` and ``<text>`` at the coordinates given, coloured with SVG presentation
attributes (``fill=``), never ``style=`` — the Content-Security-Policy forbids inline styles —
and no external chart service is involved.

* :func:`progress_chart` — the board: how many agencies had submitted by each day of January
  (the deadline month), against the number of agencies.
* :func:`outcomes_chart` — the aggregate: the mix of handling outcomes of table 三 (（一）予以公开
  … （六）其他处理, each group summed over its rows), the 总计 column of the sums.
* :func:`trend_chart` — the aggregate: requests received, reconsiderations and lawsuits across
  the district, year by year; one small panel per series with its own scale, since requests
  are counted in hundreds and lawsuits in ones.

The outcome groups come from ``reports/standard.py`` (table 三's row paths), not from a list
typed here. (``reports/charts.py`` draws the public site's charts of one report.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from reports import standard
from reports.aggregate import TrendPoint
from reports.charts import BLUE, GREEN, GREY, ORANGE, TEAL
from reports.charts import handling_groups as outcome_groups

from .board import ProgressDay

RED = "#b3261e"
LIGHT = "#dfe3e8"


def nice_top(value: int, ticks: int = 4) -> tuple[int, int]:
    """A round axis top ≥ ``value`` and its step (1, 2 or 5 × 10ⁿ), about ``ticks`` steps."""
    if value <= 0:
        return ticks, 1
    raw = value / ticks
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(int(f * magnitude) for f in (1, 2, 5, 10) if f * magnitude >= raw)
    step = max(step, 1)
    return math.ceil(value / step) * step, step


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str  # the tooltip and the accessible text


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass(frozen=True)
class Rule:
    x1: float
    y1: float
    x2: float
    y2: float
    kind: str  # a CSS class suffix: "grid", "target", "today", "deadline"


@dataclass(frozen=True)
class Chart:
    title: str
    width: int
    height: int
    bars: tuple[Bar, ...]
    labels: tuple[Label, ...]
    rules: tuple[Rule, ...]
    description: str  # the chart said in words, for screen readers and as a caption
    legend: tuple[tuple[str, str], ...] = ()  # (fill, text)


# ── Submission progress over January ──────────────────────────────────────────────────


def progress_chart(progress: list[ProgressDay], *, total: int, year: int) -> Chart:
    """One bar per day of January: the agencies that had submitted by the end of that day."""
    width, height = 640, 230
    left, right, top, bottom = 40, width - 12, 18, height - 34
    axis_top, step = nice_top(max(total, 1))
    plot_height = bottom - top

    def y_of(value: int) -> float:
        return round(bottom - plot_height * value / axis_top, 1)

    slot = (right - left) / len(progress)
    bars, labels, rules = [], [], []
    for value in range(0, axis_top + 1, step):
        rules.append(Rule(left, y_of(value), right, y_of(value), "grid"))
        labels.append(Label(left - 6, y_of(value) + 4, str(value), "end"))
    rules.append(Rule(left, y_of(total), right, y_of(total), "target"))
    labels.append(Label(right, y_of(total) - 4, f"机关总数 {total}", "end"))
    today_index = None
    for index, day in enumerate(progress):
        x = left + index * slot
        fill = LIGHT if day.is_future else (RED if day.day.day == 31 and day.submitted < total else BLUE)
        if not day.is_future:
            today_index = index
        bars.append(
            Bar(
                x=round(x + 1, 1),
                y=y_of(day.submitted),
                width=round(slot - 2, 1),
                height=round(bottom - y_of(day.submitted), 1),
                fill=fill,
                title=f"1月{day.day.day}日：已提交 {day.submitted} 个（共 {total} 个）",
            )
        )
        if day.day.day in (1, 5, 10, 15, 20, 25, 31):
            labels.append(Label(round(x + slot / 2, 1), bottom + 14, f"{day.day.day}日"))
    deadline_x = round(left + (len(progress) - 0.5) * slot, 1)
    rules.append(Rule(deadline_x, top, deadline_x, bottom, "deadline"))
    labels.append(Label(deadline_x, bottom + 28, "截止", "middle"))
    if today_index is not None and today_index < len(progress) - 1:
        today_x = round(left + (today_index + 1) * slot, 1)
        rules.append(Rule(today_x, top, today_x, bottom, "today"))
        labels.append(Label(today_x, top - 5, "今天", "middle"))
    last = progress[today_index] if today_index is not None else None
    description = f"{year + 1}年1月各日累计提交情况：共 {total} 个机关，" + (
        f"截至1月{last.day.day}日已提交 {last.submitted} 个。" if last else "1月尚未开始。"
    )
    return Chart(
        title=f"{year}年度报告 1月提交进度",
        width=width,
        height=height,
        bars=tuple(bars),
        labels=tuple(labels),
        rules=tuple(rules),
        description=description,
        legend=((BLUE, "累计已提交"), (RED, "截止日仍未全部提交"), (LIGHT, "尚未到来")),
    )


# ── The mix of handling outcomes ────────────────────────────────────────────────────────


OUTCOME_FILLS = (GREEN, TEAL, ORANGE, RED, GREY, BLUE)


def outcomes_chart(totals: dict, *, year: int) -> Chart | None:
    """Horizontal bars, one per outcome group, with its share of all handled requests."""
    items = []
    for (label, codes), fill in zip(outcome_groups(), OUTCOME_FILLS, strict=True):
        items.append((label, sum(int(totals.get(standard.t3(code, "total")) or 0) for code in codes), fill))
    handled = sum(value for _, value, _ in items)
    if not handled:
        return None
    width, label_width, bar_height, gap, room = 640, 110, 20, 10, 150
    largest = max(value for _, value, _ in items)
    scale = width - label_width - room
    bars, labels = [], []
    for index, (label, value, fill) in enumerate(items):
        y = 6 + index * (bar_height + gap)
        bar_width = round(scale * value / largest, 1)
        share = value / handled
        title = f"{label}：{value} 件，占 {share:.1%}"
        bars.append(Bar(label_width, y, max(bar_width, 1.0 if value else 0.0), bar_height, fill, title))
        labels.append(Label(label_width - 8, y + bar_height * 0.72, label, "end"))
        labels.append(Label(label_width + bar_width + 6, y + bar_height * 0.72, f"{value} 件（{share:.1%}）", "start"))
    height = 6 + len(items) * (bar_height + gap)
    description = f"{year}年度全区办理结果（共 {handled} 件）：" + "；".join(bar.title for bar in bars)
    return Chart(f"{year}年度全区申请办理结果构成", width, height, tuple(bars), tuple(labels), (), description)


# ── The trend across years ──────────────────────────────────────────────────────────────

TREND_SERIES = (
    ("requests", "新收政府信息公开申请", BLUE),
    ("reconsiderations", "行政复议", ORANGE),
    ("lawsuits", "行政诉讼", RED),
)


def trend_chart(points: list[TrendPoint]) -> Chart | None:
    """Three small panels side by side, one per series, a bar per year; ``None`` without data."""
    if not points:
        return None
    panel_width, gap, height = 200, 20, 210
    top, bottom = 34, height - 24
    width = len(TREND_SERIES) * panel_width + (len(TREND_SERIES) - 1) * gap
    bars, labels, rules = [], [], []
    sentences = []
    for panel, (key, title, fill) in enumerate(TREND_SERIES):
        left = panel * (panel_width + gap)
        values = [getattr(point, key) for point in points]
        axis_top, _step = nice_top(max(values))
        labels.append(Label(left + panel_width / 2, 14, title))
        rules.append(Rule(left, bottom, left + panel_width, bottom, "grid"))
        slot = panel_width / len(points)
        bar_width = min(36.0, slot * 0.6)
        for index, (point, value) in enumerate(zip(points, values, strict=True)):
            x = left + index * slot + (slot - bar_width) / 2
            bar_height = round((bottom - top) * value / axis_top, 1)
            bars.append(
                Bar(
                    round(x, 1),
                    round(bottom - bar_height, 1),
                    round(bar_width, 1),
                    bar_height,
                    fill,
                    f"{point.year}年{title} {value} 件",
                )
            )
            labels.append(Label(round(x + bar_width / 2, 1), round(bottom - bar_height - 4, 1), str(value)))
            labels.append(Label(round(x + bar_width / 2, 1), bottom + 16, str(point.year)))
        sentences.append(title + "：" + "，".join(f"{p.year}年 {v} 件" for p, v in zip(points, values, strict=True)))
    return Chart(
        title="全区历年申请、行政复议和行政诉讼",
        width=width,
        height=height,
        bars=tuple(bars),
        labels=tuple(labels),
        rules=tuple(rules),
        description="；".join(sentences) + "。（各年度仅计已通过审核或已发布的机关报告）",
        legend=tuple((fill, title) for _key, title, fill in TREND_SERIES),
    )
