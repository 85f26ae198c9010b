"""The 审核表 (sign-off sheet) as an A4 PDF, drawn with reportlab from ``selectors.signoff_sheet``.

The font is the published document's (``reports.rendering.pdf.font_name``: a TrueType CJK font that
reportlab can embed), so the sheet prints the same on a machine without Chinese fonts.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from reports.rendering.pdf import font_name

from .selectors import SignoffSheet

MARGIN = 2 * cm
WIDTH = A4[0] - 2 * MARGIN


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("sheet", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "title": ParagraphStyle(
            "sheet-title", parent=base, fontSize=18, leading=28, alignment=TA_CENTER, spaceAfter=14
        ),
        "cell": base,
        "head": ParagraphStyle("sheet-head", parent=base, alignment=TA_CENTER),
        "small": ParagraphStyle("sheet-small", parent=base, fontSize=8.5, leading=12),
        "foot": ParagraphStyle("sheet-foot", parent=base, fontSize=8.5, leading=13, spaceBefore=8),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _when(value) -> str:
    if value is None:
        return "—"
    value = timezone.localtime(value)
    return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"


def _grid(data, widths, font: str, extra=()) -> Table:
    return Table(
        data,
        colWidths=widths,
        style=TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 10.5),
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                *extra,
            ]
        ),
        hAlign="CENTER",
    )


def build_signoff_sheet_pdf(sheet: SignoffSheet) -> bytes:
    font = font_name()
    styles = _styles(font)
    report = sheet.report
    cell, head, small = styles["cell"], styles["head"], styles["small"]
    submitter = sheet.submitted_by
    meta = [
        [_p("报送机关", head), _p(report.agency.name, cell), _p("报告年度", head), _p(f"{report.year}年度", cell)],
        [_p("报告名称", head), _p(report.title, cell), "", ""],
        [
            _p("审核单位", head),
            _p(f"{report.agency.district.name}政务公开办", cell),
            _p("审核轮次", head),
            _p(f"第 {sheet.round} 轮", cell),
        ],
        [
            _p("提交人", head),
            _p((submitter.get_full_name() or submitter.username) if submitter else "—", cell),
            _p("提交时间", head),
            _p(_when(sheet.revision.created_at) if sheet.revision else "—", cell),
        ],
        [_p("数据摘要", head), _p(sheet.digest or "—", small), "", ""],
    ]
    meta_table = _grid(
        meta,
        [2.2 * cm, WIDTH / 2 - 2.2 * cm, 2.2 * cm, WIDTH / 2 - 2.2 * cm],
        font,
        [("SPAN", (1, 1), (3, 1)), ("SPAN", (1, 4), (3, 4))],
    )

    rows = [[_p(text, head) for text in ("审核环节", "审核人", "签署时间", "审核要点", "审核意见")]]
    spans = []
    for index, step in enumerate(sheet.steps, start=1):
        signoff = step.signoff
        if signoff is None:
            rows.append([_p(step.label, head), _p("（未签署）", head), "", "", ""])
            spans.append(("SPAN", (1, index), (4, index)))
            continue
        reviewer = signoff.reviewer.get_full_name() or signoff.reviewer.username
        checklist = "  ".join(
            ("√" if item.get("checked") else "×") + item.get("aspect", "") for item in signoff.checklist
        )
        opinion = signoff.opinion
        if signoff.explanation_verdicts:
            opinion += f"\n（警告说明 {len(signoff.explanation_verdicts)} 条，均已审核接受。）"
        rows.append(
            [
                _p(step.label, head),
                _p(f"{reviewer}\n（电子签署）", cell),
                _p(_when(signoff.at), cell),
                _p(checklist, cell),
                _p(opinion, cell),
            ]
        )
    steps_table = _grid(rows, [2 * cm, 2.8 * cm, 3.2 * cm, 3.8 * cm, WIDTH - 11.8 * cm], font, spans)

    result = (
        "审核结论：初审、复审、终审已由三名审核人分别签署，同意公开。" if sheet.complete else "审核结论：审核尚未完成。"
    )
    story = [
        _p("政府信息公开工作年度报告审核表", styles["title"]),
        meta_table,
        Spacer(1, 12),
        steps_table,
        Spacer(1, 10),
        _p(result, cell),
        _p(
            f"本表由政府信息公开工作年度报告系统根据签署记录生成，生成时间 {_when(sheet.generated_at)}。"
            "数据摘要为所签署的提交版本（表格与文字）的 SHA-256，可用于核对签署的内容。",
            styles["foot"],
        ),
    ]
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{report.title}审核表",
        author=f"{report.agency.district.name}政务公开办",
        creator="政府信息公开工作年度报告系统",
        lang="zh-CN",
        initialFontName=font,
    ).build(story)
    return buffer.getvalue()
