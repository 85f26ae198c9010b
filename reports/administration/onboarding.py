"""Bulk onboarding: the district's agencies and accounts from one spreadsheet.

The administrator downloads ``onboarding_template()`` (sheets 机关, 账户 and 说明), fills it,
uploads it. ``onboarding_plan`` reads it with the report template's defences
(``reports.spreadsheet.read_untrusted_rows``) and judges every row against the database:
新建 (created), 无变化 (already there, as written) or 拒绝 with the reason. Nothing is written
until ``onboarding_apply``, which reads the same bytes again, judges them again (the database
may have changed since the preview) and applies only a file without a refused row, in one
transaction: all of it or nothing.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from accounts.audit import audit_record
from accounts.models import AuditEvent, User

from ..models import Agency, District
from ..spreadsheet import SpreadsheetError, read_untrusted_rows
from . import services
from .services import KIND_SHORT, KIND_WORDS, ROLE_WORDS, AdministrationError

AGENCY_SHEET, ACCOUNT_SHEET, GUIDE_SHEET = "机关", "账户", "说明"
AGENCY_HEADERS = ("机关名称", "类型")
ACCOUNT_HEADERS = ("用户名", "姓名", "电子邮箱", "所属机关", "审核角色")
# A district has 40–150 agencies and a few hundred people; the limit bounds the work.
MAX_ROWS = 1000

CREATED, UNCHANGED, REFUSED = "created", "unchanged", "refused"
OUTCOME_LABELS = {CREATED: "新建", UNCHANGED: "无变化", REFUSED: "拒绝"}
# Linear: one character class.
_ROLE_SEPARATORS = re.compile(r"[、,，;；/\s]+")


class OnboardingRefused(AdministrationError):
    """The file has refused rows (or could not be read): nothing was applied."""


@dataclass
class Row:
    sheet: str
    number: int  # the row number in the sheet, as Excel shows it
    key: str  # the agency name or the username
    outcome: str = CREATED
    reason: str = ""
    values: dict[str, str] = field(default_factory=dict)

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]

    def refuse(self, reason: str) -> None:
        if self.outcome != REFUSED:
            self.outcome, self.reason = REFUSED, reason


@dataclass
class AgencyRow(Row):
    kind: str = ""


@dataclass
class AccountRow(Row):
    agency_name: str = ""
    roles: frozenset[str] = frozenset()


@dataclass
class Plan:
    agencies: list[AgencyRow]
    accounts: list[AccountRow]

    @property
    def rows(self) -> list[Row]:
        return [*self.agencies, *self.accounts]

    @property
    def refused(self) -> list[Row]:
        return [row for row in self.rows if row.outcome == REFUSED]

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def is_clean(self) -> bool:
        return not self.refused


# ── The template ────────────────────────────────────────────────────────────────────────

GUIDE = (
    ("区政务公开办 · 机关和账户批量开通模板", True),
    ("", False),
    ("“机关”表：每行一个机关。", True),
    ("机关名称：全称，不能与任何已有机关重名（例：某某区民政局）。", False),
    ("类型：部门、乡镇、街道、区政府 四者之一；每个区只能有一个区政府。", False),
    ("本区已有的机关可以列出，结果为“无变化”；要改名称、类型或停用，请在“机关”页面操作。", False),
    ("", False),
    ("“账户”表：每行一个账户。", True),
    ("用户名：登录用，3 至 150 个英文字母、数字或 _ . @ + - 符号，不能与已有账户重复（不区分大小写）。", False),
    ("姓名、电子邮箱：可留空；电子邮箱用于接收报送提醒。", False),
    ("所属机关：填报人员填写其机关的全称（本区已有的机关，或“机关”表中列出的机关）。", False),
    ("审核角色：审核人填写 初审、复审、终审 中的一个或几个（用顿号分隔），所属机关留空。", False),
    ("机关填报人员不能担任审核角色；管理员和审计查看员不能通过本表开通。", False),
    ("", False),
    ("上传后系统逐行给出结果：新建、无变化或拒绝（附原因）。有任何一行被拒绝时，整个文件都不会导入；", False),
    ("修改后重新上传即可。确认导入后，系统一次性显示新账户的初始密码，用户首次登录时须修改密码。", False),
)


def onboarding_template(*, district: District) -> bytes:
    """The empty template (with one example row per sheet, to be overwritten)."""
    book = Workbook()
    guide = book.active
    guide.title = GUIDE_SHEET
    for index, (text, bold) in enumerate(GUIDE, start=1):
        cell = guide.cell(row=index, column=1, value=text)
        cell.font = Font(name="宋体", size=14 if index == 1 else 11, bold=bold)
        cell.alignment = Alignment(wrap_text=False)
    guide.column_dimensions["A"].width = 110
    guide.cell(row=len(GUIDE) + 2, column=1, value=f"本模板用于：{district.name}").font = Font(name="宋体", size=11)

    header_font = Font(name="宋体", size=11, bold=True)
    header_fill = PatternFill("solid", fgColor="F2F2F2")
    agencies = book.create_sheet(AGENCY_SHEET)
    accounts = book.create_sheet(ACCOUNT_SHEET)
    for ws, headers, widths in (
        (agencies, AGENCY_HEADERS, (40, 12)),
        (accounts, ACCOUNT_HEADERS, (20, 12, 28, 40, 20)),
    ):
        for column, (header, width) in enumerate(zip(headers, widths, strict=True), start=1):
            cell = ws.cell(row=1, column=column, value=header)
            cell.font, cell.fill = header_font, header_fill
            ws.column_dimensions[cell.column_letter].width = width
        ws.freeze_panes = "A2"
    kinds = DataValidation(type="list", formula1='"部门,乡镇,街道,区政府"', allow_blank=True)
    kinds.error, kinds.errorTitle = "请从列表中选择：部门、乡镇、街道、区政府", "机关类型"
    agencies.add_data_validation(kinds)
    kinds.add(f"B2:B{MAX_ROWS}")
    # Text cells: a username such as 0123 must not become the number 123.
    for row in range(2, 201):
        for column in range(1, len(ACCOUNT_HEADERS) + 1):
            accounts.cell(row=row, column=column).number_format = "@"
    book.active = 1
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ── Reading and judging ─────────────────────────────────────────────────────────────────


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _check_headers(rows: list[tuple], headers: tuple[str, ...], sheet: str) -> None:
    found = tuple(_text(value) for value in (rows[0] if rows else ())[: len(headers)])
    if found != headers:
        raise OnboardingRefused(f"“{sheet}”表的第 1 行应为：{'、'.join(headers)}。请使用本页下载的模板，不要改动表头。")


def onboarding_read(*, file) -> tuple[list[AgencyRow], list[AccountRow]]:
    """The rows of an upload, not yet judged. Raises ``OnboardingRefused`` (one line of
    Chinese) for a file that is unreadable, unsafe or not the template."""
    try:
        sheets = read_untrusted_rows(
            file,
            sheets=(AGENCY_SHEET, ACCOUNT_SHEET),
            max_rows=MAX_ROWS + 1,
            max_columns=max(len(AGENCY_HEADERS), len(ACCOUNT_HEADERS)) + 5,
        )
    except SpreadsheetError as exc:
        raise OnboardingRefused(str(exc)) from None
    agency_rows, account_rows = sheets[AGENCY_SHEET], sheets[ACCOUNT_SHEET]
    _check_headers(agency_rows, AGENCY_HEADERS, AGENCY_SHEET)
    _check_headers(account_rows, ACCOUNT_HEADERS, ACCOUNT_SHEET)

    agencies = []
    for number, values in enumerate(agency_rows[1:], start=2):
        name, kind = (_text(value) for value in (*values, None, None)[:2])
        if not (name or kind):
            continue
        row = AgencyRow(AGENCY_SHEET, number, name, values={"机关名称": name, "类型": kind})
        row.kind = KIND_WORDS.get(kind, "")
        agencies.append(row)
    accounts = []
    for number, values in enumerate(account_rows[1:], start=2):
        username, full_name, email, agency_name, roles = (_text(value) for value in (*values, *([None] * 5))[:5])
        if not (username or full_name or email or agency_name or roles):
            continue
        row = AccountRow(
            ACCOUNT_SHEET,
            number,
            username,
            values=dict(zip(ACCOUNT_HEADERS, (username, full_name, email, agency_name, roles), strict=True)),
        )
        row.agency_name = agency_name
        accounts.append(row)
    return agencies, accounts


def onboarding_plan(*, district: District, file) -> Plan:
    """Every row of the upload with what applying it would do (nothing is written)."""
    agencies, accounts = onboarding_read(file=file)
    plan = Plan(agencies, accounts)
    _judge_agencies(district, agencies)
    _judge_accounts(district, agencies, accounts)
    return plan


def _judge_agencies(district: District, rows: list[AgencyRow]) -> None:
    names = [row.key for row in rows if row.key]
    existing = {agency.name: agency for agency in Agency.objects.filter(name__in=names).select_related("district")}
    government = Agency.objects.filter(district=district, kind=Agency.Kind.DISTRICT).first()
    seen: dict[str, int] = {}
    for row in rows:
        kind_text = row.values["类型"]
        try:
            services.clean_agency_name(row.key)
        except AdministrationError as exc:
            row.refuse(str(exc).rstrip("。"))
            continue
        if row.key in seen:
            row.refuse(f"机关名称与第 {seen[row.key]} 行重复")
            continue
        seen[row.key] = row.number
        if not row.kind:
            row.refuse(f"类型“{kind_text}”无效，须为部门、乡镇、街道、区政府之一" if kind_text else "未填写类型")
            continue
        agency = existing.get(row.key)
        if agency is not None:
            if agency.district_id != district.pk:
                row.refuse("机关名称已被其他区的机关使用")
            elif not agency.is_active:
                row.refuse("本区已有该机关但已停用，请先在“机关”页面启用")
            elif agency.kind != row.kind:
                row.refuse(f"本区已有该机关，类型为“{KIND_SHORT[agency.kind]}”，与表中不同；改类型请在“机关”页面操作")
            else:
                row.outcome = UNCHANGED
            continue
        if row.kind == Agency.Kind.DISTRICT:
            if government is not None:
                row.refuse(f"本区已有区人民政府（{government.name}），一个区只能有一个")
                continue
            government = Agency(name=row.key)  # a second 区政府 row is refused in turn


def _parse_roles(text: str) -> tuple[frozenset[str], str]:
    """The reviewer roles named in ``text``, or a reason to refuse."""
    roles = set()
    for word in _ROLE_SEPARATORS.split(text):
        if not word:
            continue
        if word in ROLE_WORDS:
            roles.add(ROLE_WORDS[word])
        elif "管理" in word or "审计" in word:
            return frozenset(), f"“{word}”不能通过本表开通，请在“账户”页面或联系系统管理员"
        else:
            return frozenset(), f"审核角色“{word[:20]}”无效，须为初审、复审、终审"
    return frozenset(roles), ""


def _judge_accounts(district: District, agency_rows: list[AgencyRow], rows: list[AccountRow]) -> None:
    sheet_agencies = {row.key: row for row in agency_rows if row.key}
    district_agencies = {agency.name: agency for agency in Agency.objects.filter(district=district)}
    # Case-insensitive: "Zhang" and "zhang" are one person to whoever types them.
    lowered = {row.key.lower() for row in rows if row.key}
    existing = {
        user.username.lower(): user
        for user in User.objects.select_related("agency", "district")
        .annotate(lowered=Lower("username"))
        .filter(lowered__in=lowered)
    }
    seen: dict[str, int] = {}
    for row in rows:
        values = row.values
        try:
            services.check_username(row.key)
            services.clean_text(values["姓名"], "姓名", 150)
            services.clean_text(values["电子邮箱"], "电子邮箱", 254)
        except AdministrationError as exc:
            row.refuse(str(exc).rstrip("。"))
            continue
        if values["电子邮箱"]:
            try:
                validate_email(values["电子邮箱"])
            except ValidationError:
                row.refuse(f"电子邮箱“{values['电子邮箱'][:60]}”格式不正确")
                continue
        key = row.key.lower()
        if key in seen:
            row.refuse(f"用户名与第 {seen[key]} 行重复")
            continue
        seen[key] = row.number
        roles, reason = _parse_roles(values["审核角色"])
        if reason:
            row.refuse(reason)
            continue
        row.roles = roles
        if row.agency_name and roles:
            row.refuse("角色冲突：机关填报人员不能担任审核角色（审核人属于区政务公开办，不填所属机关）")
            continue
        if not row.agency_name and not roles:
            row.refuse("请填写所属机关（填报人员）或审核角色（审核人）")
            continue
        if row.agency_name:
            reason = _agency_reason(row.agency_name, district_agencies, sheet_agencies)
            if reason:
                row.refuse(reason)
                continue
        user = existing.get(key)
        if user is not None:
            if user.username == row.key and _same_account(user, district, row):
                row.outcome = UNCHANGED
            else:
                row.refuse("用户名已被使用（与已有账户不同，不能修改已有账户；请在“账户”页面操作）")


def _agency_reason(name: str, district_agencies: dict[str, Agency], sheet_agencies: dict[str, AgencyRow]) -> str:
    agency = district_agencies.get(name)
    if agency is not None:
        return "" if agency.is_active else f"所属机关“{name}”已停用"
    row = sheet_agencies.get(name)
    if row is None:
        return f"未知机关：“{name[:60]}”既不是本区已有的机关，也不在“机关”表中"
    if row.outcome == REFUSED:
        return f"所属机关“{name[:60]}”在“机关”表第 {row.number} 行被拒绝"
    return ""


def _same_account(user: User, district: District, row: AccountRow) -> bool:
    if row.agency_name:
        return bool(user.agency_id and user.agency.name == row.agency_name)
    return user.district_id == district.pk and not user.agency_id and set(user.district_roles) == set(row.roles)


# ── Applying ────────────────────────────────────────────────────────────────────────────


@dataclass
class Applied:
    agencies: list[Agency]
    accounts: list[tuple[User, str]]  # (user, one-time password), shown once
    unchanged: int


def onboarding_apply(*, district: District, file, by, request=None) -> Applied:
    """Judge the file again and, when no row is refused, create its new agencies and accounts
    in one transaction. Raises ``OnboardingRefused`` and writes nothing otherwise."""
    services.require_admin_of(by, district.pk)
    try:
        with transaction.atomic():
            # One administrator's apply at a time per district: a second waits, then judges
            # the database as the first left it.
            District.objects.select_for_update().get(pk=district.pk)
            plan = onboarding_plan(district=district, file=file)
            if not plan.is_clean:
                first = plan.refused[0]
                raise OnboardingRefused(
                    f"有 {len(plan.refused)} 行被拒绝（例如“{first.sheet}”表第 {first.number} 行：{first.reason}），"
                    "整个文件未导入"
                )
            applied = Applied([], [], plan.count(UNCHANGED))
            for row in plan.agencies:
                if row.outcome == CREATED:
                    applied.agencies.append(
                        services.agency_create(district=district, name=row.key, kind=row.kind, by=by, request=request)
                    )
            agencies = {agency.name: agency for agency in Agency.objects.filter(district=district)}
            for row in plan.accounts:
                if row.outcome != CREATED:
                    continue
                applied.accounts.append(
                    services.user_create(
                        district=district,
                        username=row.key,
                        full_name=row.values["姓名"],
                        email=row.values["电子邮箱"],
                        agency=agencies[row.agency_name] if row.agency_name else None,
                        roles=row.roles,
                        by=by,
                        request=request,
                    )
                )
            audit_record(
                kind=AuditEvent.Kind.IMPORT,
                request=request,
                user=by,
                object="机关和账户批量开通",
                detail=f"新建机关 {len(applied.agencies)} 个、账户 {len(applied.accounts)} 个，"
                f"无变化 {applied.unchanged} 行",
            )
    except AdministrationError as exc:
        if isinstance(exc, OnboardingRefused):
            raise
        raise OnboardingRefused(f"{exc}整个文件未导入。") from None
    except IntegrityError:
        raise OnboardingRefused("导入时数据已被他人修改，整个文件未导入，请重新上传预览。") from None
    return applied
