from __future__ import annotations

from django import forms

from . import services


class UploadForm(forms.Form):
    agency = forms.ModelChoiceField(label="机关", queryset=None, empty_label=None)
    year = forms.IntegerField(
        label="年度",
        required=False,
        help_text="上传单个文件时为该报告的年度（不填则按原文识别）；压缩包内各文件的年度按原文或文件名识别，识别不出的用此年度，确认前均可修改。",
    )
    file = forms.FileField(
        label="报告文件",
        help_text="已发布的年度报告：.txt .html .pdf .docx，或把多份报告打包为 .zip"
        f"（最多 {services.MAX_ZIP_ENTRIES} 个文件，"
        f"不超过 {services.MAX_UPLOAD_BYTES // 1024 // 1024} MB）。",
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,.html,.htm,.pdf,.docx,.zip"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = services.import_agencies(user).order_by("name")
        first, last = services.year_range()
        self.fields["year"].widget.attrs.update({"min": first, "max": last, "inputmode": "numeric"})

    def clean_year(self):
        year = self.cleaned_data.get("year")
        first, last = services.year_range()
        if year is not None and not first <= year <= last:
            raise forms.ValidationError(f"年度须在 {first} 年至 {last} 年之间。")
        return year


class YearForm(forms.Form):
    year = forms.IntegerField(label="年度")
