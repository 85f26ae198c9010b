"""Forms of the district administration pages. They only parse input; ``services.py`` and
``onboarding.py`` decide what is stored."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms

from accounts.models import User

from ..models import Agency, District
from ..spreadsheet import MAX_UPLOAD_BYTES
from .services import REVIEWER_ROLES

KIND_CHOICES = [
    (Agency.Kind.DEPARTMENT, "部门"),
    (Agency.Kind.TOWNSHIP, "乡镇"),
    (Agency.Kind.STREET, "街道"),
    (Agency.Kind.DISTRICT, "区政府"),
]
ROLE_CHOICES = [(role, User.Role(role).label) for role in REVIEWER_ROLES]


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    return helper


class AgencyForm(forms.Form):
    name = forms.CharField(label="机关名称", max_length=100, help_text="全称，例：某某区民政局")
    kind = forms.ChoiceField(label="类型", choices=KIND_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class AgencyEditForm(AgencyForm):
    is_active = forms.BooleanField(
        label="在用",
        required=False,
        help_text="停用后该机关的报告和账户都保留，但不能再新建报告；已发布的报告仍以发布时的名称公开。",
    )


def _active_agencies(district: District):
    return Agency.objects.filter(district=district, is_active=True).order_by("name")


class UserCreateForm(forms.Form):
    CLERK, REVIEWER = "clerk", "reviewer"

    username = forms.CharField(label="用户名", max_length=150, help_text="登录用：英文字母、数字或 _ . @ + -")
    full_name = forms.CharField(label="姓名", max_length=150, required=False)
    email = forms.EmailField(label="电子邮箱", required=False, help_text="用于接收报送提醒，可留空")
    account_kind = forms.ChoiceField(
        label="账户类型",
        choices=[(CLERK, "机关填报人员"), (REVIEWER, "区政务公开办审核人")],
        widget=forms.RadioSelect,
        initial=CLERK,
    )
    agency = forms.ModelChoiceField(
        label="所属机关", queryset=Agency.objects.none(), required=False, help_text="填报人员必选"
    )
    roles = forms.MultipleChoiceField(
        label="审核角色",
        choices=ROLE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="审核人至少选一个；同一份报告的两个环节不能由同一人签署",
    )

    def __init__(self, *args, district: District, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = _active_agencies(district)
        self.helper = _helper()

    def clean(self):
        data = super().clean()
        if data.get("account_kind") == self.CLERK:
            if not data.get("agency"):
                self.add_error("agency", "请选择填报人员所属的机关。")
            if data.get("roles"):
                self.add_error("roles", "机关填报人员不能担任审核角色。")
        elif data.get("account_kind") == self.REVIEWER:
            if not data.get("roles"):
                self.add_error("roles", "请至少选择一个审核角色。")
            data["agency"] = None
        return data


class UserEditForm(forms.Form):
    full_name = forms.CharField(label="姓名", max_length=150, required=False)
    email = forms.EmailField(label="电子邮箱", required=False)
    agency = forms.ModelChoiceField(label="所属机关", queryset=Agency.objects.none(), required=False)
    roles = forms.MultipleChoiceField(
        label="审核角色", choices=ROLE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(
        label="在用",
        required=False,
        help_text="停用（如人员离职）后该账户立即不能再使用，已登录的会话在下一次操作时失效。",
    )

    def __init__(self, *args, district: District, target: User, **kwargs):
        super().__init__(*args, **kwargs)
        if target.agency_id:
            self.fields["agency"].queryset = _active_agencies(district) | Agency.objects.filter(pk=target.agency_id)
            self.fields["agency"].required = True
            del self.fields["roles"]
        else:
            del self.fields["agency"]
            if target.is_district_admin:
                del self.fields["roles"]
        self.helper = _helper()


class UploadForm(forms.Form):
    file = forms.FileField(label="填好的模板（.xlsx）")

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"文件太大，不能超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB。")
        return file

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()
