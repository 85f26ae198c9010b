"""Forms of the district office's board and aggregate: they only parse the query string or a POST."""

from __future__ import annotations

import datetime

from django import forms

from reports import standard
from reports.editing import FIRST_YEAR
from reports.models import Agency

from .board import FLAGS, board_statuses


def year_choices(today: datetime.date) -> list[tuple[int, str]]:
    return [(year, f"{year}年度") for year in range(today.year, FIRST_YEAR - 1, -1)]


def default_year(today: datetime.date) -> int:
    """Last year's reports: the ones due on 31 January of this year."""
    return max(FIRST_YEAR, today.year - 1)


class YearForm(forms.Form):
    year = forms.TypedChoiceField(label="年度", coerce=int, required=False)

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["year"].choices = year_choices(today)
        self.fields["year"].initial = default_year(today)
        # Bootstrap's classes, so the filters look like the site's other forms (issue 14).
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select form-select-sm"
            elif isinstance(widget, forms.TextInput):
                widget.attrs.update({"class": "form-control form-control-sm", "type": "search"})

    def selected_year(self) -> int:
        if self.is_bound and self.is_valid() and self.cleaned_data.get("year"):
            return self.cleaned_data["year"]
        return default_year(self.today)


class BoardFilterForm(YearForm):
    status = forms.MultipleChoiceField(
        label="状态", required=False, choices=board_statuses(), widget=forms.CheckboxSelectMultiple
    )
    flag = forms.ChoiceField(label="筛选", required=False, choices=[("", "全部机关"), *FLAGS])
    kind = forms.ChoiceField(label="机关类型", required=False, choices=[("", "全部类型"), *Agency.Kind.choices])
    q = forms.CharField(label="机关名称", required=False, max_length=50)

    def filters(self) -> dict:
        """The keyword arguments of ``board.filter_rows``; an invalid field filters nothing."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "statuses": data.get("status") or [],
            "flag": data.get("flag") or "",
            "kind": data.get("kind") or "",
            "query": data.get("q") or "",
        }


class AggregateForm(YearForm):
    cell = forms.ChoiceField(label="单元格", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cell"].choices = [("", ""), *((cell.code, cell.label) for cell in standard.CELLS)]

    def selected_cell(self) -> str | None:
        if self.is_bound and self.is_valid():
            return self.cleaned_data.get("cell") or None
        return None


class StartForm(forms.Form):
    year = forms.IntegerField(min_value=FIRST_YEAR, max_value=9999)
