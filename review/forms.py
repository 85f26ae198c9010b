"""Forms of the review pages: they parse input; the services decide."""

from __future__ import annotations

from django import forms

from .models import SignOff
from .selectors import anchor_choices
from .services import MAX_ASPECTS, MAX_COMMENT, MAX_OPINION
from .workflow import STEP_BY_STATUS

VERDICT_PREFIX = "verdict:"


class DecisionForm(forms.Form):
    """Sign or return one step. The verdicts on the warnings' explanations are posted as
    ``verdict:<warning key>`` fields (their keys come from the rules, not from this form)."""

    SIGN = "sign"
    RETURN = "return"

    step = forms.ChoiceField(choices=[(status, status) for status in STEP_BY_STATUS], widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=[(SIGN, "签署"), (RETURN, "退回")])
    aspects = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple, label="审核要点")
    opinion = forms.CharField(
        label="审核意见",
        required=False,
        max_length=MAX_OPINION,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_OPINION}),
    )

    def __init__(self, *args, aspects: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["aspects"].choices = [(aspect, aspect) for aspect in aspects]

    def verdicts(self) -> dict[str, str]:
        allowed = set(SignOff.Verdict.values)
        return {
            name.removeprefix(VERDICT_PREFIX): value
            for name, value in self.data.items()
            if name.startswith(VERDICT_PREFIX) and value in allowed
        }


class CommentForm(forms.Form):
    anchor = forms.ChoiceField(label="批注位置")
    body = forms.CharField(
        label="批注内容", max_length=MAX_COMMENT, widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_COMMENT})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["anchor"].choices = [("", "（请选择，或点击报告中的单元格、表格、文字）"), *anchor_choices()]

    def anchor_parts(self) -> tuple[str, str]:
        kind, _, code = self.cleaned_data["anchor"].partition(":")
        return kind, code


class ReplyForm(forms.Form):
    body = forms.CharField(label="答复", max_length=MAX_COMMENT)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=MAX_OPINION)


class ChecklistForm(forms.Form):
    aspects = forms.CharField(
        label="审核要点（每行一项）",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=f"每项签署时审核人须逐项确认；最多 {MAX_ASPECTS} 项。",
    )

    def aspect_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["aspects"].splitlines() if line.strip()]


class YearFilterForm(forms.Form):
    year = forms.TypedChoiceField(
        label="年度",
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, years: list[int] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", "全部年度"), *[(year, f"{year}年度") for year in years]]
