"""The 审核表: generated from the sign-off records, as a print page and as a PDF."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from review.models import SignOff
from review.selectors import signoff_sheet
from review.tests.personas import approve, sign
from review.workflow import report_return, report_start_review, report_submit
from tests.personas import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved_report(report_in_review, first_reviewer, second_reviewer, final_reviewer):
    return approve(report_in_review, first_reviewer, second_reviewer, final_reviewer)


def chinese_time(value) -> str:
    value = timezone.localtime(value)
    return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"


def test_the_sheet_of_an_approved_report_shows_the_three_signatures(approved_report, final_reviewer):
    response = client_for(final_reviewer).get(reverse("review:sheet", args=[approved_report.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "政府信息公开工作年度报告审核表" in html
    assert '<td id="sheet-agency">北京市朝阳区南磨房地区办事处</td>' in html
    assert '<td id="sheet-year">2024年度</td>' in html
    rows = {step: html.split(f'<tr data-step="{step}">')[1].split("</tr>")[0] for step in ("first", "second", "final")}
    for step, (label, name, opinion) in {
        "first": ("初审", "王初审", "初审同意。"),
        "second": ("复审", "赵复审", "复审同意。"),
        "final": ("终审", "孙终审", "终审同意，予以公开。"),
    }.items():
        signoff = SignOff.objects.get(report=approved_report, step=step)
        row = rows[step]
        assert f'<th scope="row">{label}</th>' in row
        assert name in row and "（电子签署）" in row
        assert chinese_time(signoff.at) in row
        assert opinion in row
        for aspect in ("政治", "法律", "政策", "保密", "文字", "舆情"):
            assert f"<span>√{aspect}</span>" in row
    assert "初审、复审、终审已由三名审核人分别签署" in html
    assert SignOff.objects.get(report=approved_report, step="first").data_digest in html
    assert "（未签署）" not in html


def test_the_sheet_is_a_print_page_without_inline_script_or_style(approved_report, final_reviewer):
    html = client_for(final_reviewer).get(reverse("review:sheet", args=[approved_report.pk])).content.decode()
    assert "css/signoff-sheet.css" in html
    assert '<script src="/static/js/print.js"></script>' in html
    assert "style=" not in html
    assert " onclick=" not in html


def test_a_sheet_in_progress_leaves_the_unsigned_steps_blank(report_in_review, first_reviewer):
    sign(report_in_review, first_reviewer)
    sheet = signoff_sheet(report_in_review)
    assert [step.signoff is not None for step in sheet.steps] == [True, False, False]
    assert not sheet.complete
    html = client_for(first_reviewer).get(reverse("review:sheet", args=[report_in_review.pk])).content.decode()
    assert html.count("（未签署）") == 2
    assert "审核尚未完成" in html


def test_each_round_has_its_own_sheet(report_in_review, first_reviewer, second_reviewer, final_reviewer, clerk_a):
    sign(report_in_review, first_reviewer)
    report_return(report_id=report_in_review.pk, by=second_reviewer, note="请修改。")
    report_submit(report_id=report_in_review.pk, by=clerk_a)
    report_start_review(report_id=report_in_review.pk, by=first_reviewer)
    approve(report_in_review, first_reviewer, second_reviewer, final_reviewer)
    assert signoff_sheet(report_in_review).round == 2
    assert signoff_sheet(report_in_review).complete
    first_round = signoff_sheet(report_in_review, round=1)
    assert [step.signoff is not None for step in first_round.steps] == [True, False, False]
    html = client_for(final_reviewer).get(reverse("review:sheet", args=[report_in_review.pk]) + "?round=1").content
    assert "第 1 轮" in html.decode()


def test_the_pdf_sheet_shows_the_three_signatures(approved_report, final_reviewer, tmp_path):
    response = client_for(final_reviewer).get(reverse("review:sheet_pdf", args=[approved_report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "sheet.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    compact = "".join(text.split())
    assert "政府信息公开工作年度报告审核表" in compact
    assert "北京市朝阳区南磨房地区办事处" in compact
    assert "2024年度" in compact
    for name in ("王初审", "赵复审", "孙终审"):
        assert name in compact
    for opinion in ("初审同意。", "复审同意。", "终审同意，予以公开。"):
        assert opinion in compact
    assert "√政治" in compact
    assert "三名审核人分别签署" in compact


def test_a_clerk_gets_no_sheet(approved_report, clerk_a):
    assert client_for(clerk_a).get(reverse("review:sheet", args=[approved_report.pk])).status_code == 403
    assert client_for(clerk_a).get(reverse("review:sheet_pdf", args=[approved_report.pk])).status_code == 403


def test_the_pdf_sheet_draws_digits_in_the_chinese_font(approved_report, final_reviewer, tmp_path):
    # Dates, years and the digest are Latin digits: they are drawn in the embedded CJK font,
    # like the Chinese beside them, never in a base-14 face (Times, Helvetica) of the reader.
    response = client_for(final_reviewer).get(reverse("review:sheet_pdf", args=[approved_report.pk]))
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    path = tmp_path / "sheet.pdf"
    path.write_bytes(response.content)
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
    fonts = [line.split()[0] for line in lines[2:]]
    assert fonts
    embedded = [line.split()[-5] for line in lines[2:]]
    assert set(embedded) == {"yes"}
    assert all("+" in name for name in fonts), fonts  # subsets of the one embedded TrueType font
    assert len({name.split("+", 1)[1].rsplit("-", 1)[0] for name in fonts}) == 1, fonts
