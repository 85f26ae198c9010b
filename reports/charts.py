"""Small charts of the public detail page, as geometry for inline SVG (no external service).

Everything is computed here, in Python: the templates ``reports/public_chart_*.html`` only
place ``<rect>`` and ``<text>`` elements at the coordinates given, with SVG presentation
attributes (``fill=``), never ``style=`` — the Content-Security-Policy forbids inline styles.

The categories come from ``reports/standard.py`` (table 三's rows and their paths), not from
a list typed here.

* :func:`handling_chart` — how the year's requests were handled: one bar per outcome of
  三、本年度办理结果 (（一）予以公开 … （六）其他处理, a group summed over its rows), and the
  requests carried over to next year; the 总计 column.
* :func:`years_chart` — the agency's requests and outcomes over the years: for each
  published year, the new requests, those disclosed, partly disclosed, and the rest.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from . import standard, values

TOTAL = "total"

# Colours (SVG fill attributes), distinguishable in greyscale too.
BLUE = "#1f5fa8"
GREEN = "#2e7d32"
TEAL = "#4f9d8f"
ORANGE = "#c46a1b"
GREY = "#8c959f"
LIGHT = "#c9d1d9"

_NUMBERED = re.compile(r"^[（(][一二三四五六七八九十]+[）)]|^[一二三四五六七八九十]+、")
_REMARK = re.compile(r"（[^（）]*）$")


def short_label(label: str) -> str:
    """``（二）部分公开（区分处理的，…）`` → ``部分公开``; ``四、结转下年度继续办理`` → ``结转下年度继续办理``."""
    label = _NUMBERED.sub("", label)
    return _REMARK.sub("", label).strip()


def count(cells: dict, code: str) -> int:
    """A count as a number for a chart: 0 when blank or not a valid count."""
    try:
        value = values.parse_cell(code, cells.get(code))
    except (values.CellValueError, KeyError):
        return 0
    return int(value or 0)


def handling_groups() -> list[tuple[str, tuple[str, ...]]]:
    """The outcomes of 三、本年度办理结果 in the format's order: (label, row codes)."""
    groups: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    handling = set(standard.T3_HANDLING_ROWS)
    for row in standard.T3_ROWS:
        if row.code not in handling:
            continue
        key = row.path[1]
        groups.setdefault(key, []).append(row.code)
        labels[key] = short_label(key)
    return [(labels[key], tuple(codes)) for key, codes in groups.items()]


def _row(code: str) -> standard.Row:
    return next(row for row in standard.T3_ROWS if row.code == code)


# ── Geometry ────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class HBar:
    label: str
    value: int
    fill: str
    y: float
    width: float
    label_y: float
    value_x: float


@dataclass(frozen=True)
class HBarChart:
    title: str
    total: int
    width: int
    height: int
    label_width: int
    bar_height: int
    bars: tuple[HBar, ...]

    @property
    def description(self) -> str:
        return "；".join(f"{bar.label} {bar.value} 件" for bar in self.bars)


def nice_step(maximum: int, ticks: int = 4) -> int:
    """A round step (1, 2 or 5 × 10ⁿ) giving about ``ticks`` grid lines up to ``maximum``."""
    if maximum <= 0:
        return 1
    raw = maximum / ticks
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return max(1, int(factor * magnitude))
    return int(10 * magnitude)  # pragma: no cover - the loop always returns


def handling_chart(cells: dict, year: int) -> HBarChart | None:
    """How the year's requests were handled; ``None`` when the table holds no request."""
    items = [
        (label, sum(count(cells, standard.t3(code, TOTAL)) for code in codes), fill)
        for (label, codes), fill in zip(handling_groups(), (GREEN, TEAL, ORANGE, GREY, GREY, GREY), strict=False)
    ]
    carried = _row("carried_out")
    items.append((short_label(carried.path[-1]), count(cells, standard.t3(carried.code, TOTAL)), LIGHT))
    total = count(cells, standard.t3("handled_total", TOTAL))
    if not total and not any(value for _, value, _ in items):
        return None
    width, label_width, bar_height, gap, value_room = 440, 130, 18, 8, 44
    scale_width = width - label_width - value_room
    largest = max(value for _, value, _ in items) or 1
    bars = []
    for index, (label, value, fill) in enumerate(items):
        y = 4 + index * (bar_height + gap)
        bar_width = round(scale_width * value / largest, 1)
        bars.append(
            HBar(
                label=label,
                value=value,
                fill=fill,
                y=y,
                width=max(bar_width, 1.0 if value else 0.0),
                label_y=y + bar_height * 0.75,
                value_x=label_width + bar_width + 6,
            )
        )
    height = 4 + len(items) * (bar_height + gap)
    return HBarChart(
        title=f"{year}年政府信息公开申请办理结果",
        total=total,
        width=width,
        height=height,
        label_width=label_width,
        bar_height=bar_height,
        bars=tuple(bars),
    )


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    fill: str


@dataclass(frozen=True)
class VBar:
    x: float
    y: float
    width: float
    height: float
    fill: str
    label: str  # for the tooltip: "2024年 新收申请 12"


@dataclass(frozen=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True)
class YearGroup:
    year: int
    values: tuple[int, ...]
    label_x: float
    current: bool


@dataclass(frozen=True)
class YearsChart:
    title: str
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    series: tuple[Series, ...]
    bars: tuple[VBar, ...]
    ticks: tuple[Tick, ...]
    years: tuple[YearGroup, ...]
    legend: tuple[tuple[Series, float, float], ...]  # each series with its swatch's and text's x

    @property
    def description(self) -> str:
        return "；".join(
            f"{group.year}年：" + "，".join(f"{s.label} {v} 件" for s, v in zip(self.series, group.values, strict=True))
            for group in self.years
        )


YEARS_SERIES = (
    Series("new", "", BLUE),
    Series("disclosed", "", GREEN),
    Series("partial", "", TEAL),
    Series("rest", "其他结果", GREY),
)


def _year_values(cells: dict) -> tuple[int, ...]:
    new = count(cells, standard.t3("new", TOTAL))
    disclosed = count(cells, standard.t3("disclosed", TOTAL))
    partial = count(cells, standard.t3("partial", TOTAL))
    handled = count(cells, standard.t3("handled_total", TOTAL))
    return new, disclosed, partial, max(0, handled - disclosed - partial)


def years_series() -> tuple[Series, ...]:
    labels = {
        "new": "新收申请",
        "disclosed": short_label(_row("disclosed").path[-1]),
        "partial": short_label(_row("partial").path[-1]),
    }
    return tuple(Series(s.key, labels.get(s.key, s.label), s.fill) for s in YEARS_SERIES)


def years_chart(points: list[tuple[int, dict]], *, current_year: int) -> YearsChart | None:
    """The agency's requests and outcomes, one group of bars per year; ``None`` unless at
    least two years are published."""
    points = sorted(points)
    if len(points) < 2:
        return None
    series = years_series()
    data = [(year, _year_values(cells)) for year, cells in points]
    width, height = 440, 220
    left, right, top, bottom = 40, width - 6, 30, height - 26
    largest = max((max(v) for _, v in data), default=0)
    step = nice_step(largest)
    top_value = max(step, math.ceil(largest / step) * step)
    plot_height = bottom - top

    def y_of(value: int) -> float:
        return round(bottom - plot_height * value / top_value, 1)

    ticks = tuple(Tick(value, y_of(value)) for value in range(0, top_value + 1, step))
    group_width = (right - left) / len(data)
    bar_width = min(18.0, (group_width - 12) / len(series))
    bars, years = [], []
    for index, (year, numbers) in enumerate(data):
        start = left + index * group_width + (group_width - bar_width * len(series)) / 2
        for offset, (item, value) in enumerate(zip(series, numbers, strict=True)):
            y = y_of(value)
            bars.append(
                VBar(
                    x=round(start + offset * bar_width, 1),
                    y=y,
                    width=round(bar_width - 2, 1),
                    height=round(bottom - y, 1),
                    fill=item.fill,
                    label=f"{year}年 {item.label} {value}",
                )
            )
        years.append(
            YearGroup(year, numbers, round(left + index * group_width + group_width / 2, 1), year == current_year)
        )
    legend, x = [], float(left)
    for item in series:
        legend.append((item, x, x + 16))
        x += 16 + 13 * len(item.label) + 12
    return YearsChart(
        title="历年政府信息公开申请及办理结果",
        width=width,
        height=height,
        plot_left=left,
        plot_right=right,
        plot_top=top,
        plot_bottom=bottom,
        series=series,
        bars=tuple(bars),
        ticks=ticks,
        years=tuple(years),
        legend=tuple(legend),
    )
