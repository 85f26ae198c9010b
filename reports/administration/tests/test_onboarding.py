"""Bulk onboarding from the spreadsheet: the template, the row-by-row preview, and the apply
that writes all of it or nothing."""

import io

import openpyxl
import pytest

from accounts.models import AuditEvent, User
from reports.administration import onboarding
from reports.administration.onboarding import (
    CREATED,
    REFUSED,
    UNCHANGED,
    OnboardingRefused,
    onboarding_apply,
    onboarding_plan,
    onboarding_template,
)
from reports.models import Agency
from reports.tests import hostile_files
from tests.factories import make_user

from .onboarding_files import ACCOUNTS, AGENCIES, filled_template


def plan_of(district, **rows):
    return onboarding_plan(district=district, file=io.BytesIO(filled_template(district, **rows)))


def outcomes(rows):
    return [(row.key, row.outcome, row.reason) for row in rows]


def test_the_template_has_chinese_headers_and_a_guide(x):
    book = openpyxl.load_workbook(io.BytesIO(onboarding_template(district=x)))
    assert book.sheetnames == ["说明", "机关", "账户"]
    assert [cell.value for cell in book["机关"][1]] == ["机关名称", "类型"]
    assert [cell.value for cell in book["账户"][1]] == ["用户名", "姓名", "电子邮箱", "所属机关", "审核角色"]
    guide = "\n".join(str(cell.value or "") for cell in book["说明"]["A"])
    assert "部门、乡镇、街道、区政府" in guide and "初审、复审、终审" in guide and x.name in guide


def test_a_clean_file_previews_each_row_and_writes_nothing(x, agency_a):
    plan = plan_of(x, agencies=AGENCIES, accounts=ACCOUNTS)
    assert [(row.key, row.outcome) for row in plan.agencies] == [
        ("北京市朝阳区教育委员会", CREATED),
        ("北京市朝阳区南磨房地区办事处", UNCHANGED),
        ("北京市朝阳区黑庄户乡人民政府", CREATED),
    ]
    assert [(row.key, row.outcome) for row in plan.accounts] == [
        ("jiaowei01", CREATED),
        ("heizhuanghu", CREATED),
        ("nmf02", CREATED),
        ("reviewer_zhou", CREATED),
    ]
    assert plan.is_clean
    assert Agency.objects.count() == 1 and not User.objects.filter(username="jiaowei01").exists()


def test_apply_creates_everything_in_one_go_with_one_time_passwords(x, agency_a, admin_x):
    data = filled_template(x, agencies=AGENCIES, accounts=ACCOUNTS)
    applied = onboarding_apply(district=x, file=io.BytesIO(data), by=admin_x)
    assert sorted(agency.name for agency in applied.agencies) == [
        "北京市朝阳区教育委员会",
        "北京市朝阳区黑庄户乡人民政府",
    ]
    assert Agency.objects.get(name="北京市朝阳区黑庄户乡人民政府").kind == Agency.Kind.TOWNSHIP
    created = {user.username: (user, password) for user, password in applied.accounts}
    assert set(created) == {"jiaowei01", "heizhuanghu", "nmf02", "reviewer_zhou"}
    clerk = User.objects.get(username="jiaowei01")
    assert (clerk.agency.name, clerk.email, clerk.first_name, clerk.must_change_password) == (
        "北京市朝阳区教育委员会",
        "zhao@example.cn",
        "赵老师",
        True,
    )
    assert clerk.check_password(created["jiaowei01"][1])
    reviewer = User.objects.get(username="reviewer_zhou")
    assert (reviewer.district, reviewer.agency, reviewer.district_roles) == (
        x,
        None,
        [User.Role.SECOND_REVIEWER, User.Role.FINAL_REVIEWER],
    )
    assert applied.unchanged == 1
    assert AuditEvent.objects.filter(user=admin_x, kind=AuditEvent.Kind.ACCOUNT_CREATED).count() == 4
    assert AuditEvent.objects.filter(user=admin_x, kind=AuditEvent.Kind.IMPORT).count() == 1
    # The same file again: every row unchanged, nothing new.
    again = onboarding_plan(district=x, file=io.BytesIO(data))
    assert {row.outcome for row in again.rows} == {UNCHANGED}


@pytest.mark.parametrize(
    ("agencies", "accounts", "sheet", "reason"),
    [
        ([("甲局", "部门"), ("甲局", "部门")], [], "agencies", "机关名称与第 2 行重复"),
        ([("甲局", "委员会")], [], "agencies", "类型“委员会”无效"),
        ([("甲局", None)], [], "agencies", "未填写类型"),
        ([("重庆市渝北区民政局", "部门")], [], "agencies", "已被其他区的机关使用"),
        ([("北京市朝阳区南磨房地区办事处", "部门")], [], "agencies", "类型为“街道”"),
        ([("朝阳区政府", "区政府"), ("朝阳区人民政府", "区政府")], [], "agencies", "本区已有区人民政府"),
        ([], [("wang", "王", None, "不存在的机关", None)], "accounts", "未知机关"),
        ([], [("wang", "王", None, "重庆市渝北区民政局", None)], "accounts", "未知机关"),
        ([], [("wang", "王", None, "北京市朝阳区南磨房地区办事处", "初审")], "accounts", "角色冲突"),
        ([], [("wang", "王", None, None, "管理员")], "accounts", "不能通过本表开通"),
        ([], [("wang", "王", None, None, "签发")], "accounts", "审核角色“签发”无效"),
        ([], [("wang", "王", None, None, None)], "accounts", "请填写所属机关"),
        ([], [("王 五", "王", None, None, "初审")], "accounts", "用户名“王 五”不合规"),
        ([], [("CLERK_A", "王", None, None, "初审")], "accounts", "用户名已被使用"),
        ([], [("wang", "王", "wang@", None, "初审")], "accounts", "电子邮箱“wang@”格式不正确"),
        ([], [("wang", "王", None, None, "初审"), ("Wang", "王", None, None, "初审")], "accounts", "与第 2 行重复"),
        ([("乙局", "坏")], [("wang", "王", None, "乙局", None)], "accounts", "在“机关”表第 2 行被拒绝"),
    ],
)
def test_a_bad_row_is_refused_with_its_reason(x, agency_a, agency_y, clerk_a, agencies, accounts, sheet, reason):
    plan = plan_of(x, agencies=agencies, accounts=accounts)
    refused = [row for row in getattr(plan, sheet) if row.outcome == REFUSED]
    assert len(refused) == 1, outcomes(plan.rows)
    assert reason in refused[0].reason
    assert not plan.is_clean


def test_a_file_with_a_refused_row_applies_nothing(x, agency_a, admin_x):
    accounts = [*ACCOUNTS, ("bad name", "坏", None, None, "初审")]
    data = filled_template(x, agencies=AGENCIES, accounts=accounts)
    with pytest.raises(OnboardingRefused, match=r"有 1 行被拒绝.*“账户”表第 6 行.*整个文件未导入"):
        onboarding_apply(district=x, file=io.BytesIO(data), by=admin_x)
    assert Agency.objects.count() == 1
    assert not User.objects.filter(username__in=["jiaowei01", "reviewer_zhou"]).exists()
    assert not AuditEvent.objects.filter(user=admin_x).exists()


def test_apply_judges_the_file_again(x, agency_a, admin_x):
    """Between preview and apply someone took a username: the apply refuses the whole file."""
    data = filled_template(x, agencies=AGENCIES, accounts=ACCOUNTS)
    assert onboarding_plan(district=x, file=io.BytesIO(data)).is_clean
    make_user("reviewer_zhou", district=x, is_first_reviewer=True)
    with pytest.raises(OnboardingRefused, match="“账户”表第 5 行：用户名已被使用"):
        onboarding_apply(district=x, file=io.BytesIO(data), by=admin_x)
    assert not Agency.objects.filter(name="北京市朝阳区教育委员会").exists()
    assert not User.objects.filter(username="jiaowei01").exists()


def test_a_failure_in_the_middle_rolls_everything_back(x, agency_a, admin_x, monkeypatch):
    """Nothing partial: the last account failing undoes the agencies and accounts before it."""
    real = onboarding.services.user_create

    def failing(**kwargs):
        if kwargs["username"] == "reviewer_zhou":
            raise onboarding.AdministrationError("模拟的失败。")
        return real(**kwargs)

    monkeypatch.setattr(onboarding.services, "user_create", failing)
    data = filled_template(x, agencies=AGENCIES, accounts=ACCOUNTS)
    with pytest.raises(OnboardingRefused, match="模拟的失败。整个文件未导入"):
        onboarding_apply(district=x, file=io.BytesIO(data), by=admin_x)
    assert Agency.objects.count() == 1
    assert not User.objects.filter(username="jiaowei01").exists()
    assert not AuditEvent.objects.exists()


def test_only_the_districts_administrator_applies(x, y, admin_y, agency_a):
    data = filled_template(x, agencies=AGENCIES, accounts=ACCOUNTS)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        onboarding_apply(district=x, file=io.BytesIO(data), by=admin_y)
    assert Agency.objects.count() == 1


def test_changed_headers_are_refused(x):
    data = filled_template(x, agencies=[("甲局", "部门")])
    book = openpyxl.load_workbook(io.BytesIO(data))
    book["机关"]["B1"] = "种类"
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(OnboardingRefused, match="“机关”表的第 1 行应为：机关名称、类型"):
        onboarding_plan(district=x, file=io.BytesIO(buffer.getvalue()))


def test_a_missing_sheet_is_refused(x):
    book = openpyxl.Workbook()
    book.active.title = "机关"
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(OnboardingRefused, match="缺少工作表：账户"):
        onboarding_plan(district=x, file=io.BytesIO(buffer.getvalue()))


def test_too_many_rows_are_refused_before_reading_them(x):
    rows = [(f"机关{index}", "部门") for index in range(onboarding.MAX_ROWS + 5)]
    with pytest.raises(OnboardingRefused, match="超出了允许的范围"):
        plan_of(x, agencies=rows)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda template: b"name,kind\n", "不是有效的 Excel"),
        (lambda template: hostile_files.old_xls(), "旧版 .xls"),
        (lambda template: hostile_files.zip_bomb(template), "解压后过大|压缩比异常"),
        (lambda template: hostile_files.billion_laughs(template, "机关"), "不安全的 XML"),
        (lambda template: hostile_files.external_entity(template, "账户"), "不安全的 XML"),
        (lambda template: hostile_files.with_macros(template), "宏"),
        (lambda template: hostile_files.oversized(template, 3 * 1024 * 1024), "文件太大"),
    ],
)
def test_hostile_files_get_the_report_readers_answers(x, make, message):
    """The same hardened reader as the report template (reports/spreadsheet.py)."""
    template = filled_template(x, agencies=[("甲局", "部门")])
    with pytest.raises(OnboardingRefused, match=message):
        onboarding_plan(district=x, file=io.BytesIO(make(template)))
    assert not Agency.objects.exists()
