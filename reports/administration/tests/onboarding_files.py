"""Filled-in onboarding templates for the tests (the browser test uploads them too)."""

from __future__ import annotations

import io

import openpyxl

from reports.administration.onboarding import ACCOUNT_SHEET, AGENCY_SHEET, onboarding_template


def filled_template(district, *, agencies=(), accounts=()) -> bytes:
    """The downloaded template with ``agencies`` (name, kind) and ``accounts`` (username,
    name, e-mail, agency, roles) written from row 2, as an administrator would in Excel."""
    book = openpyxl.load_workbook(io.BytesIO(onboarding_template(district=district)))
    for sheet, rows in ((AGENCY_SHEET, agencies), (ACCOUNT_SHEET, accounts)):
        for number, values in enumerate(rows, start=2):
            for column, value in enumerate(values, start=1):
                book[sheet].cell(row=number, column=column, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


AGENCIES = [
    ("北京市朝阳区教育委员会", "部门"),
    ("北京市朝阳区南磨房地区办事处", "街道"),  # already there, same kind: unchanged
    ("北京市朝阳区黑庄户乡人民政府", "乡镇"),
]
ACCOUNTS = [
    ("jiaowei01", "赵老师", "zhao@example.cn", "北京市朝阳区教育委员会", None),
    ("heizhuanghu", "钱乡", None, "北京市朝阳区黑庄户乡人民政府", None),
    ("nmf02", "孙街", None, "北京市朝阳区南磨房地区办事处", None),
    ("reviewer_zhou", "周审", None, None, "复审、终审"),
]
