"""The HTTP half of ``scripts/production-check.sh``: a real installation's first day, over HTTP.

Talks to the gunicorn the shell script started exactly as the TLS-terminating proxy would
(``Host`` one of ``DJANGO_ALLOWED_HOSTS``, ``X-Forwarded-Proto: https``); cookies are kept
by hand because they are ``Secure``. Any 5xx answer, any unexpected answer and any mismatch
stops the check with a message and exit status 1.

    python scripts/production_check.py flow STATE_FILE   bootstrap admin → district, agency,
        accounts → a clerk enters and submits a clean report → three sign-offs → the worker
        publishes → public page, hashed static files, PDF, JSON, XLSX, HTML; the files'
        SHA-256 written to STATE_FILE
    python scripts/production_check.py verify STATE_FILE  the restored site serves the same
        publication, byte for byte

Only the standard library: it is a client, and must not share anything with the server.
"""

from __future__ import annotations

import hashlib
import html.parser
import http.client
import http.cookies
import json
import os
import re
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "reports" / "fixtures" / "samples" / "2024-nanmofang-area.json"
# The sample's only errors: three fee cells it left blank (see ``manage.py demo_publish``).
FEE_CELLS = ("t6.fee_notices", "t6.fee_notice_amount", "t6.fee_collected")
KINDS = ("pdf", "docx", "json", "xlsx", "html")  # every file a publication has
PUBLISH_TIMEOUT = 90  # seconds; the target is a minute, and a job takes about one
DISTRICT = "生产检查区"
AGENCY = "生产检查区南磨房地区办事处"
NEW_PASSWORD = "Prod-Check-2026-new"
INITIAL_PASSWORD = "Prod-Check-2026-init"


class CheckFailed(Exception):
    pass


def step(message: str) -> None:
    print(f"[production-check] {message}", flush=True)


# ── A small browser ─────────────────────────────────────────────────────────────────────


class Response:
    def __init__(self, method: str, path: str, status: int, headers: list[tuple[str, str]], body: bytes):
        self.method, self.path, self.status, self.body = method, path, status, body
        self.headers = {k.lower(): v for k, v in headers}
        self.raw_headers = headers

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


class Browser:
    """One user's session: cookies, the CSRF token, the proxy's headers, redirects followed."""

    def __init__(self, base: str, host: str):
        parsed = urllib.parse.urlsplit(base)
        self.address = (parsed.hostname, parsed.port or 80)
        self.host = host
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str = "", follow=True):
        for _ in range(10):
            headers = {"Host": self.host, "X-Forwarded-Proto": "https", "User-Agent": "production-check"}
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            if method == "POST":
                headers["Origin"] = f"https://{self.host}"
                headers["Referer"] = f"https://{self.host}{path}"
                headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
                headers["Content-Type"] = content_type or "application/x-www-form-urlencoded"
            connection = http.client.HTTPConnection(*self.address, timeout=60)
            try:
                connection.request(method, path, body=body, headers=headers)
                answer = connection.getresponse()
                response = Response(method, path, answer.status, answer.getheaders(), answer.read())
            finally:
                connection.close()
            for name, value in response.raw_headers:
                if name.lower() == "set-cookie":
                    cookie = http.cookies.SimpleCookie(value)
                    for key, morsel in cookie.items():
                        if morsel["max-age"] == "0" or morsel.value == "":
                            self.cookies.pop(key, None)
                        else:
                            self.cookies[key] = morsel.value
            if response.status >= 500:
                raise CheckFailed(f"{method} {path} 答复 {response.status}：{response.text[:500]}")
            location = response.header("location")
            if follow and response.status in (301, 302, 303) and location:
                target = urllib.parse.urlsplit(location)
                if target.scheme == "https" and target.netloc == self.host and target.path.startswith("/"):
                    pass  # a redirect to our own https address: the proxy would follow it the same way
                elif target.scheme or target.netloc:
                    raise CheckFailed(f"{method} {path} 重定向到站外：{location}")
                path = urllib.parse.urljoin(path, target.path + (f"?{target.query}" if target.query else ""))
                method, body, content_type = "GET", None, ""
                continue
            return response
        raise CheckFailed(f"{path}：重定向次数过多")

    def get(self, path: str, expect: int = 200, **kwargs) -> Response:
        response = self.request("GET", path, **kwargs)
        if response.status != expect:
            raise CheckFailed(f"GET {path}：应为 {expect}，实为 {response.status}：{response.text[:300]}")
        return response

    def post_form(self, path: str, fields: list[tuple[str, str]], expect: int = 200) -> Response:
        body = urllib.parse.urlencode(fields).encode()
        response = self.request("POST", path, body=body)
        if response.status != expect:
            raise CheckFailed(f"POST {path}：应为 {expect}，实为 {response.status}：{response.text[:300]}")
        return response

    def post_json(self, path: str, payload: dict, expect: int = 200) -> dict:
        response = self.request("POST", path, body=json.dumps(payload).encode(), content_type="application/json")
        if response.status != expect:
            raise CheckFailed(f"POST {path}：应为 {expect}，实为 {response.status}：{response.text[:300]}")
        return json.loads(response.body)

    def submit(self, page: Response, overrides: dict[str, object], *, form_match: str = "", expect: int = 200):
        """Post a form of ``page`` as a browser would (its fields as shown, ``overrides``
        applied: a list value sets every value of a multiple field)."""
        form = find_form(page, form_match)
        fields = form.filled(overrides)
        action = form.action or page.path
        return self.post_form(urllib.parse.urljoin(page.path, action), fields, expect=expect)

    def sign_in(self, username: str, password: str, new_password: str | None = None) -> None:
        page = self.get("/accounts/login/")
        answer = self.submit(page, {"username": username, "password": password}, form_match="password")
        if "/accounts/login/" in answer.path:
            raise CheckFailed(f"{username} 无法登录：{answer.text[:300]}")
        if answer.path.startswith("/accounts/password/"):
            if new_password is None:
                raise CheckFailed(f"{username} 被要求修改密码")
            answer = self.submit(
                answer,
                {"old_password": password, "new_password1": new_password, "new_password2": new_password},
                form_match="new_password1",
            )
            if answer.path.startswith("/accounts/password/"):
                raise CheckFailed(f"{username} 修改密码未成功：{answer.text[:500]}")


class Form:
    def __init__(self, action: str):
        self.action = action
        self.fields: list[tuple[str, str]] = []  # as a browser would send them unchanged
        self.names: set[str] = set()
        self.options: dict[str, list[tuple[str, str]]] = {}  # select/checkbox: (value, label)

    def filled(self, overrides: dict[str, object]) -> list[tuple[str, str]]:
        fields = [(k, v) for k, v in self.fields if k not in overrides]
        for name, value in overrides.items():
            if value is None or value is False:
                continue
            values = value if isinstance(value, list) else [value]
            fields.extend((name, "on" if v is True else str(v)) for v in values)
        return fields

    def option(self, name: str, label: str) -> str:
        for value, text in self.options.get(name, []):
            if text.strip() == label:
                return value
        raise CheckFailed(f"表单字段 {name} 没有选项“{label}”：{self.options.get(name)}")


class FormParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[Form, str]] = []
        self.form: Form | None = None
        self.raw: list[str] = []
        self.select: tuple[str, bool] | None = None
        self.select_chosen: list[str] = []
        self.option: tuple[str, bool] | None = None
        self.option_text = ""
        self.textarea: str | None = None
        self.textarea_text = ""

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.form, self.raw = Form(a.get("action", "")), [self.get_starttag_text() or ""]
            return
        if self.form is None:
            return
        self.raw.append(self.get_starttag_text() or "")
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            self.form.names.add(name)
            if kind in ("checkbox", "radio"):
                self.form.options.setdefault(name, []).append((a.get("value", "on"), ""))
                if "checked" in a:
                    self.form.fields.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "image", "file", "reset"):
                self.form.fields.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self.select, self.select_chosen = (name, "multiple" in a), []
            self.form.names.add(name)
        elif tag == "option" and self.select:
            self.option, self.option_text = (a.get("value"), "selected" in a), ""
        elif tag == "textarea" and name:
            self.textarea, self.textarea_text = name, ""
            self.form.names.add(name)

    def handle_data(self, data):
        if self.option is not None:
            self.option_text += data
        if self.textarea is not None:
            self.textarea_text += data
        if self.form is not None:
            self.raw.append(data)

    def handle_endtag(self, tag):
        if self.form is None:
            return
        if tag == "option" and self.option is not None and self.select is not None:
            value, selected = self.option
            value = self.option_text.strip() if value is None else value
            self.form.options.setdefault(self.select[0], []).append((value, self.option_text))
            if selected:
                self.select_chosen.append(value)
            self.option = None
        elif tag == "select" and self.select is not None:
            name, multiple = self.select
            chosen = self.select_chosen
            if not chosen and not multiple and self.form.options.get(name):
                chosen = [self.form.options[name][0][0]]
            self.form.fields.extend((name, value) for value in chosen)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.form.fields.append((self.textarea, self.textarea_text.removeprefix("\n")))
            self.textarea = None
        elif tag == "form":
            self.forms.append((self.form, "".join(self.raw)))
            self.form = None


def find_form(page: Response, match: str) -> Form:
    parser = FormParser()
    parser.feed(page.text)
    for form, raw in parser.forms:
        if not match or match in raw or match in form.action:
            return form
    raise CheckFailed(f"{page.path} 上没有含 {match!r} 的表单")


# ── The first day ───────────────────────────────────────────────────────────────────────


def admin_add(browser: Browser, model_path: str, values: dict[str, object], selects: dict[str, str] = {}) -> str:  # noqa: B006
    """Add an object in the admin; returns the path the admin went on to."""
    page = browser.get(f"/admin/{model_path}/add/")
    match = f'id="{model_path.rsplit("/", 1)[1]}_form"'
    form = find_form(page, match)
    chosen = {name: form.option(name, label) for name, label in selects.items()}
    answer = browser.submit(page, {**values, **chosen, "_save": "保存"}, form_match=match)
    if answer.path.endswith("/add/"):
        errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', answer.text, re.S)
        raise CheckFailed(f"管理后台未能新建 {model_path}：{errors or answer.text[:500]}")
    return answer.path


def add_account(browser: Browser, username: str, *, agency: str = "", district: str = "", role: str = "") -> None:
    page = browser.get("/admin/accounts/user/add/")
    fields = {"username": username, "password1": INITIAL_PASSWORD, "password2": INITIAL_PASSWORD, "_continue": "1"}
    if "usable_password" in find_form(page, "password1").names:
        fields["usable_password"] = "true"
    change = browser.submit(page, fields, form_match="password1")
    if not re.search(r"/admin/accounts/user/\d+/change/", change.path):
        raise CheckFailed(f"未能新建账户 {username}：{change.text[:500]}")
    form = find_form(change, 'id="user_form"')
    overrides: dict[str, object] = {"_save": "保存"}
    if agency:
        overrides["agency"] = form.option("agency", agency)
    if district:
        overrides["district"] = form.option("district", district)
    if role:
        overrides[role] = True
    answer = browser.submit(change, overrides, form_match='id="user_form"')
    if "/change/" in answer.path:
        raise CheckFailed(f"未能设置账户 {username} 的角色：{answer.text[:800]}")


def first_day(base: str, host: str, state_file: Path, worker_log: Path, web_log: Path) -> None:
    anonymous = Browser(base, host)
    anonymous.get("/healthz")
    ready = anonymous.get("/readyz")
    step(f"/readyz：{ready.text}")

    admin_name = os.environ["GOVREPORT_ADMIN_USERNAME"]
    admin = Browser(base, host)
    admin.sign_in(admin_name, os.environ["GOVREPORT_ADMIN_PASSWORD"], NEW_PASSWORD)
    step(f"首个管理员 {admin_name} 已登录并按要求修改了初始密码")
    admin_add(admin, "reports/district", {"name": DISTRICT})
    admin_add(admin, "reports/agency", {"name": AGENCY}, selects={"district": DISTRICT})
    add_account(admin, "pc_clerk", agency=AGENCY)
    add_account(admin, "pc_district_admin", district=DISTRICT, role="is_district_admin")
    roles = {"pc_first": "is_first_reviewer", "pc_second": "is_second_reviewer", "pc_final": "is_final_reviewer"}
    for username, role in roles.items():
        add_account(admin, username, district=DISTRICT, role=role)
    step(f"已在管理后台建立 {DISTRICT}、{AGENCY}、区管理员、填报人员和三级审核人账户")

    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    cells = {**sample["cells"], **{code: 0 for code in FEE_CELLS}}
    clerk = Browser(base, host)
    clerk.sign_in("pc_clerk", INITIAL_PASSWORD, NEW_PASSWORD)
    created = clerk.submit(clerk.get("/my/"), {"year": sample["year"]}, form_match="/my/reports/new/")
    match = re.fullmatch(r"/my/reports/(\d+)/", created.path)
    if not match:
        raise CheckFailed(f"新建报告后应进入编辑页面，实为 {created.path}")
    pk = int(match.group(1))
    version = int(dict(find_form(created, 'name="version"').fields)["version"])
    saved = clerk.post_json(f"/my/reports/{pk}/save/", {"version": version, "cells": cells, "texts": sample["texts"]})
    checked = clerk.post_json(f"/my/reports/{pk}/check/", {})
    if checked["counts"] != {"errors": 0, "warnings": 0}:
        raise CheckFailed(f"报告应无错误和警告：{checked}")
    submitted = clerk.post_form(f"/review/reports/{pk}/submit/", [("version", str(saved["version"]))])
    if "已提交" not in submitted.text:
        raise CheckFailed(f"报告未能提交：{submitted.text[:500]}")
    step(f"填报人员录入并提交了 {sample['year']} 年度报告（报告 {pk}），无错误、无警告")

    for username in roles:
        reviewer = Browser(base, host)
        reviewer.sign_in(username, INITIAL_PASSWORD, NEW_PASSWORD)
        if username == "pc_first":
            reviewer.post_form(f"/review/reports/{pk}/start/", [])
        page = reviewer.get(f"/review/reports/{pk}/")
        form = find_form(page, "/decide/")
        aspects = [value for value, _label in form.options.get("aspects", [])]
        answer = reviewer.submit(
            page, {"decision": "sign", "aspects": aspects, "opinion": "同意。"}, form_match="/decide/"
        )
        if "已签署" not in answer.text:
            raise CheckFailed(f"{username} 未能签署：{answer.text[:800]}")
    step("初审、复审、终审已签署")

    deadline = time.monotonic() + PUBLISH_TIMEOUT
    while anonymous.request("GET", f"/reports/{pk}/").status != 200:
        if time.monotonic() > deadline:
            raise CheckFailed(f"终审后 {PUBLISH_TIMEOUT} 秒内报告 {pk} 没有发布（worker 是否在运行？）")
        time.sleep(0.5)
    job = re.compile(rf"publish job: report {pk}, publication \d+, [\d.]+ s \(pid (\d+)\)")
    worker_lines = job.findall(worker_log.read_text(encoding="utf-8", errors="replace"))
    if not worker_lines:
        raise CheckFailed(f"发布不是由单独的 Celery worker 进程完成的：{worker_log} 中没有报告 {pk} 的发布任务")
    if job.search(web_log.read_text(encoding="utf-8", errors="replace")):
        raise CheckFailed("发布任务在 web 进程中运行了（应由 worker 完成）")
    step(f"worker（pid {worker_lines[0]}）发布了报告 {pk}")

    state = {"report": pk, "agency": AGENCY, "files": {}, "page_sha256": ""}
    state.update(public_site(anonymous, pk, cells))
    state_file.write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")


def as_text(cells: dict) -> dict[str, str]:
    return {code: str(value) for code, value in cells.items()}


def public_site(browser: Browser, pk: int, cells: dict | None = None) -> dict:
    page = browser.get(f"/reports/{pk}/")
    if AGENCY not in page.text:
        raise CheckFailed("公开页面上没有机关名称")
    assets = sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+\.[0-9a-f]{12}\.(?:css|js))"', page.text)))
    if not any(asset.endswith(".css") for asset in assets):
        raise CheckFailed("公开页面没有引用带哈希的静态文件（静态文件是否按生产设置收集？）")
    for asset in assets:
        answer = browser.get(asset)
        if "max-age" not in answer.header("cache-control") or not answer.body:
            raise CheckFailed(f"{asset} 应是可长期缓存的非空文件：{answer.header('cache-control')}")
    files = {}
    for kind in KINDS:
        answer = browser.get(f"/reports/{pk}/v1.{kind}")
        digest = hashlib.sha256(answer.body).hexdigest()
        if digest not in answer.header("etag"):
            raise CheckFailed(f"v1.{kind} 的 SHA-256 {digest} 与 ETag {answer.header('etag')} 不符")
        files[kind] = digest
        if kind == "pdf" and not answer.body.startswith(b"%PDF-"):
            raise CheckFailed("PDF 文件内容不是 PDF")
        if kind in ("docx", "xlsx") and not answer.body.startswith(b"PK\x03\x04"):
            raise CheckFailed(f"{kind} 文件内容不是 Office 文件")
        if kind == "json":
            document = json.loads(answer.body)
            # Amounts are written as decimal strings ("0"), counts as numbers: compare as text.
            if document["agency"]["name"] != AGENCY or (
                cells is not None and as_text(document["cells"]) != as_text(cells)
            ):
                raise CheckFailed("发布的 JSON 与录入的数据不一致")
    api = json.loads(browser.get(f"/api/reports/{pk}.json").body)
    if api["agency"]["name"] != AGENCY:
        raise CheckFailed("/api/ 的 JSON 与发布的报告不一致")
    # The year's open data: written by the web process into the data folder, then served from it.
    year = json.loads(SAMPLE.read_text(encoding="utf-8"))["year"]
    for _ in range(2):
        table = browser.get(f"/open-data/{year}.csv")
        if AGENCY not in table.body.decode("utf-8-sig") or not table.header("etag"):
            raise CheckFailed(f"{year} 年的开放数据 CSV 中没有这份报告（或没有 ETag）")
    step(
        f"公开页面、{len(assets)} 个带哈希的静态文件、PDF、Word、JSON、XLSX、HTML 均为 200，SHA-256 与 ETag 一致；"
        f"{year} 年开放数据 CSV 可下载"
    )
    return {"files": files, "assets": assets}


def verify(base: str, host: str, state_file: Path) -> None:
    state = json.loads(state_file.read_text(encoding="utf-8"))
    browser = Browser(base, host)
    browser.get("/readyz")
    again = public_site(browser, state["report"])
    if again["files"] != state["files"]:
        raise CheckFailed(f"恢复后的文件与备份前不同：{again['files']} ≠ {state['files']}")
    step(f"恢复后的站点提供同一份发布，{len(KINDS)} 个文件的 SHA-256 相同")


def main(argv: list[str]) -> int:
    what, state_file = argv[0], Path(argv[1])
    base, host = os.environ["CHECK_BASE_URL"], os.environ["CHECK_HOST"]
    try:
        if what == "flow":
            first_day(base, host, state_file, Path(os.environ["CHECK_WORKER_LOG"]), Path(os.environ["CHECK_WEB_LOG"]))
        else:
            verify(base, host, state_file)
    except (CheckFailed, OSError, KeyError, ValueError) as exc:
        print(f"[production-check] 失败：{type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
