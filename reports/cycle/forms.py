"""Forms of the yearly cycle: they parse; the services decide."""

from __future__ import annotations

from django import forms

from ..editing import FIRST_YEAR
from ..models import CalendarDay

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": "请输入有效的日期，例如 2027-01-31。"}


def default_year(today) -> int:
    """The year a district opens now: the past year until the summer, then the current one
    (December is when the offices prepare the coming January)."""
    return today.year if today.month >= 7 else today.year - 1


class YearOpenForm(forms.Form):
    year = forms.TypedChoiceField(label="报告年度", coerce=int, error_messages={"required": "请选择年度。"})
    agency_deadline = forms.DateField(
        label="机关报告截止日期",
        required=False,
        widget=DATE_WIDGET,
        error_messages=DATE_ERRORS,
        help_text="留空为次年 1 月 31 日（条例第四十九条）",
    )
    district_deadline = forms.DateField(
        label="区政府报告截止日期",
        required=False,
        widget=DATE_WIDGET,
        error_messages=DATE_ERRORS,
        help_text="留空为次年 3 月 31 日",
    )

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        years = range(today.year, FIRST_YEAR - 1, -1)
        self.fields["year"].choices = [(year, f"{year} 年度") for year in years]
        self.fields["year"].error_messages["invalid_choice"] = f"年度须在 {FIRST_YEAR} 年至 {today.year} 年之间。"
        self.initial.setdefault("year", default_year(today))


class DeadlinesForm(forms.Form):
    agency_deadline = forms.DateField(
        label="机关报告截止日期", widget=DATE_WIDGET, error_messages={**DATE_ERRORS, "required": "请填写日期。"}
    )
    district_deadline = forms.DateField(
        label="区政府报告截止日期", widget=DATE_WIDGET, error_messages={**DATE_ERRORS, "required": "请填写日期。"}
    )


class CalendarAddForm(forms.Form):
    kind = forms.ChoiceField(
        label="类型", choices=CalendarDay.Kind.choices, error_messages={"required": "请选择类型。"}
    )
    start = forms.DateField(
        label="日期（起）", widget=DATE_WIDGET, error_messages={**DATE_ERRORS, "required": "请填写日期。"}
    )
    end = forms.DateField(
        label="至（含，可留空）",
        required=False,
        widget=DATE_WIDGET,
        error_messages=DATE_ERRORS,
        help_text="节假日可填一段日期，只登记其中的工作日",
    )
    name = forms.CharField(
        label="名称",
        max_length=30,
        required=False,
        help_text="如：春节",
        error_messages={"max_length": "名称不能超过 30 个字。"},
    )
