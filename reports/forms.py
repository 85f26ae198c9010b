"""Forms of the agency's data entry. They only parse input; the services in
``reports/editing.py`` decide what is stored."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from . import standard
from .editing import FIRST_YEAR, MAX_RAW_LENGTH, MAX_TEXT_LENGTH
from .hardening import unsafe_character_message
from .models import Agency, Report


def safe_characters(where: str):
    """A validator refusing control and bidi-override characters, naming ``where`` (issue 11)."""

    def validate(value: str) -> None:
        message = unsafe_character_message(value or "", where)
        if message:
            raise ValidationError(message, code="unsafe_character")

    return validate


def cell_dom_id(code: str) -> str:
    """The HTML id of a cell's input: ``t3.new.natural`` → ``cell-t3-new-natural``."""
    return "cell-" + code.replace(".", "-")


def text_dom_id(key: str) -> str:
    return f"text-{key}"


class ReportCreateForm(forms.Form):
    year = forms.TypedChoiceField(label="年度", coerce=int)

    def __init__(self, *args, agency: Agency, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        taken = set(Report.objects.filter(agency=agency).values_list("year", flat=True))
        years = [year for year in range(this_year, FIRST_YEAR - 1, -1) if year not in taken]
        self.fields["year"].choices = [(year, f"{year}年度") for year in years]
        if this_year - 1 in years:
            self.fields["year"].initial = this_year - 1
        self.helper = FormHelper()
        self.helper.form_tag = False

    @property
    def has_choices(self) -> bool:
        return bool(self.fields["year"].choices)


class ReportDraftForm(forms.Form):
    """The whole editing page: the version it started from, every cell, the three texts and
    the explanations of warnings (fields named ``explain:<violation key>``).

    Only the fields present in the submitted data count, so a partial post changes nothing else.
    """

    EXPLANATION_PREFIX = "explain:"

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "text-%s")
        super().__init__(*args, **kwargs)
        for text in standard.STANDARD.texts:
            self.fields[text.key] = forms.CharField(
                label=f"“{text.title}”正文",
                help_text=text.guidance,
                required=False,
                strip=False,
                max_length=MAX_TEXT_LENGTH,
                validators=[safe_characters(text.title)],
                widget=forms.Textarea(
                    attrs={
                        "rows": 10,
                        "class": "report-text",
                        "data-text": text.key,
                        "aria-describedby": f"{text_dom_id(text.key)}_helptext msg-{text_dom_id(text.key)}",
                    }
                ),
            )
        for code in standard.CELL_CODES:
            self.fields[code] = forms.CharField(
                required=False,
                max_length=MAX_RAW_LENGTH,
                validators=[safe_characters(f"单元格“{standard.CELL_BY_CODE[code].label}”")],
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def text_fields(self):
        return [self[text.key] for text in standard.STANDARD.texts]

    def changes(self) -> dict:
        """Keyword arguments for ``report_save`` from the cleaned data."""
        data = self.cleaned_data
        cells = {code: data[code] for code in standard.CELL_CODES if code in self.data}
        texts = {key: data[key] for key in standard.TEXT_KEYS if key in self.data}
        explanations = {
            name[len(self.EXPLANATION_PREFIX) :]: self.data.get(name, "")
            for name in self.data
            if name.startswith(self.EXPLANATION_PREFIX)
        }
        return {"cells": cells, "texts": texts, "explanations": explanations}


class UploadForm(forms.Form):
    file = forms.FileField(
        label="填好的模板文件（.xlsx）",
        help_text="请上传从本页下载、填写后的 Excel 模板。文件有任何问题时，不会导入任何数据。",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
