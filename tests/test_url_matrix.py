"""Every URL of the project × every persona → the expected answer (等级保护: access on the server).

``MATRIX`` lists each URL name once: the method to try, the state its report (agency A's,
district X) is in, and the personas that are *served*. Every other persona must be refused —
a 403 or 404, or the login page for the anonymous visitor — and a refused request must leave
the report as it was. A URL added to the project without an entry here fails
``test_every_url_has_an_entry``; the admin site has its own staff check and is left out.
"""

from __future__ import annotations

import types
from datetime import date

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from reports.models import CalendarDay, Report, ReportingYear
from reports.tests.publishing_fixtures import approved_report, media_root_fixture, publish  # noqa: F401
from review.models import Comment
from tests.factories import complete_cells, complete_texts, make_agency, make_district, make_report, make_user

S = Report.Status
ANON, CLERK_A, CLERK_B = "anonymous", "clerk_a", "clerk_b"
FIRST, SECOND, FINAL, ADMIN_X, AUDITOR = "first", "second", "final", "admin_x", "auditor"
REVIEWER_Y, ADMIN_Y = "reviewer_y", "admin_y"
INSTALLATION_AUDITOR = "installation_auditor"  # reads every district's security log, nothing else
PERSONAS = (ANON, CLERK_A, CLERK_B, FIRST, SECOND, FINAL, ADMIN_X, AUDITOR, REVIEWER_Y, ADMIN_Y, INSTALLATION_AUDITOR)
SIGNED_IN = frozenset(PERSONAS) - {ANON}
EVERYONE = frozenset(PERSONAS)
DISTRICT_X = frozenset({FIRST, SECOND, FINAL, ADMIN_X, AUDITOR})
REVIEWERS_X = frozenset({FIRST, SECOND, FINAL})


# name: (method, report state, personas served)
MATRIX: dict[str, tuple[str, str | None, frozenset[str]]] = {
    # the container's health probes (config/health.py)
    "healthz": ("GET", None, EVERYONE),
    "readyz": ("GET", None, EVERYONE),
    # accounts
    "accounts:login": ("GET", None, EVERYONE),
    "accounts:logout": ("POST", None, EVERYONE),
    "accounts:password_change": ("GET", None, SIGNED_IN),
    "accounts:audit_log": ("GET", None, frozenset({AUDITOR, INSTALLATION_AUDITOR})),
    # the public site and open data
    "reports:public_list": ("GET", None, EVERYONE),
    "reports:public_detail": ("GET", S.PUBLISHED, EVERYONE),
    "reports:public_version": ("GET", S.PUBLISHED, EVERYONE),
    "reports:public_download": ("GET", S.PUBLISHED, EVERYONE),
    "reports:api_list": ("GET", None, EVERYONE),
    "reports:api_detail": ("GET", S.PUBLISHED, EVERYONE),
    "reports:open_data": ("GET", None, EVERYONE),
    "reports:open_data_csv": ("GET", S.PUBLISHED, EVERYONE),
    "reports:open_data_dictionary": ("GET", None, EVERYONE),
    # the agency's data entry
    "reports:home": ("GET", None, SIGNED_IN),
    "reports:create": ("POST", None, frozenset({CLERK_A, CLERK_B})),
    "reports:edit": ("GET", S.DRAFT, frozenset({CLERK_A, *DISTRICT_X})),
    "reports:check": ("POST", S.DRAFT, frozenset({CLERK_A})),
    "reports:save": ("POST", S.DRAFT, frozenset({CLERK_A})),
    "reports:upload": ("POST", S.DRAFT, frozenset({CLERK_A})),
    # Reading a draft is open to its district office too (the board counts its problems).
    "reports:template": ("GET", S.DRAFT, frozenset({CLERK_A, *DISTRICT_X})),
    "reports:export_xlsx": ("GET", S.DRAFT, frozenset({CLERK_A, *DISTRICT_X})),
    "reports:export_json": ("GET", S.DRAFT, frozenset({CLERK_A, *DISTRICT_X})),
    "reports:publication_status": ("GET", S.PUBLISHED, frozenset({CLERK_A, *DISTRICT_X})),
    "reports:publication_retry": ("POST", S.PUBLISHED, frozenset({FINAL, ADMIN_X})),
    # the review
    "review:submit": ("POST", S.DRAFT, frozenset({CLERK_A})),
    "review:queue": ("GET", None, DISTRICT_X | {REVIEWER_Y, ADMIN_Y}),
    "review:district": ("GET", None, frozenset({*DISTRICT_X, REVIEWER_Y, ADMIN_Y})),
    "review:checklist": ("GET", None, frozenset({ADMIN_X, ADMIN_Y})),
    "review:report": ("GET", S.FIRST_REVIEW, DISTRICT_X),
    "review:start": ("POST", S.SUBMITTED, frozenset({FIRST})),
    # Reviewers of another step are told on the page why they cannot act now.
    "review:decide": ("POST", S.FIRST_REVIEW, REVIEWERS_X),
    "review:reopen": ("POST", S.PUBLISHED, frozenset({FINAL})),
    "review:comment": ("POST", S.FIRST_REVIEW, REVIEWERS_X),
    "review:diff": ("GET", S.FIRST_REVIEW, DISTRICT_X),
    "review:history": ("GET", S.FIRST_REVIEW, DISTRICT_X),
    "review:sheet": ("GET", S.APPROVED, DISTRICT_X),
    "review:sheet_pdf": ("GET", S.APPROVED, DISTRICT_X),
    "review:comment_reply": ("POST", S.RETURNED, frozenset({CLERK_A})),
    "review:comment_resolve": ("POST", S.RETURNED, frozenset({CLERK_A})),
    # the district office
    "review:board": ("GET", None, DISTRICT_X | {REVIEWER_Y, ADMIN_Y}),
    "review:board_xlsx": ("GET", None, DISTRICT_X | {REVIEWER_Y, ADMIN_Y}),
    "review:aggregate": ("GET", None, DISTRICT_X | {REVIEWER_Y, ADMIN_Y}),
    "review:aggregate_xlsx": ("GET", None, DISTRICT_X | {REVIEWER_Y, ADMIN_Y}),
    "review:aggregate_start": ("POST", None, frozenset({ADMIN_X, ADMIN_Y})),
    # district administration: each administrator their own district; agency A, clerk A and
    # the onboarding file are district X's (another district's ids are 404).
    "administration:agencies": ("GET", None, frozenset({ADMIN_X, ADMIN_Y})),
    "administration:agency_create": ("POST", None, frozenset({ADMIN_X, ADMIN_Y})),
    "administration:agency_edit": ("POST", None, frozenset({ADMIN_X})),
    "administration:users": ("GET", None, frozenset({ADMIN_X, ADMIN_Y})),
    "administration:user_create": ("POST", None, frozenset({ADMIN_X, ADMIN_Y})),
    "administration:user_edit": ("POST", None, frozenset({ADMIN_X})),
    "administration:user_unlock": ("POST", None, frozenset({ADMIN_X})),
    "administration:user_reset_password": ("POST", None, frozenset({ADMIN_X})),
    "administration:onboarding": ("POST", None, frozenset({ADMIN_X, ADMIN_Y})),
    "administration:onboarding_template": ("GET", None, frozenset({ADMIN_X, ADMIN_Y})),
    # A file another session uploaded is not found: the administrator is sent back to upload.
    "administration:onboarding_preview": ("GET", None, frozenset({ADMIN_X, ADMIN_Y})),
    "administration:onboarding_apply": ("POST", None, frozenset({ADMIN_X, ADMIN_Y})),
    # the yearly cycle: each district administrator their own district's; a year or a
    # calendar day of district X is "not found" for Y's administrator
    "cycle:index": ("GET", None, frozenset({ADMIN_X, ADMIN_Y})),
    "cycle:open": ("POST", None, frozenset({ADMIN_X, ADMIN_Y})),
    "cycle:year": ("GET", None, frozenset({ADMIN_X})),
    "cycle:calendar": ("GET", None, frozenset({ADMIN_X, ADMIN_Y})),
    "cycle:calendar_remove": ("POST", None, frozenset({ADMIN_X})),
    # past reports brought in (issue 15): administrators for their district's agencies, clerks
    # for their own; an import of agency A is "not found" for B's clerk and Y's administrator
    "history:index": ("GET", None, frozenset({CLERK_A, CLERK_B, ADMIN_X, ADMIN_Y})),
    "history:upload": ("POST", None, frozenset({CLERK_A, CLERK_B, ADMIN_X, ADMIN_Y})),
    "history:review": ("GET", None, frozenset({CLERK_A, ADMIN_X})),
    "history:resolve": ("POST", None, frozenset({CLERK_A, ADMIN_X})),
    "history:set_year": ("POST", None, frozenset({CLERK_A, ADMIN_X})),
    "history:confirm": ("POST", None, frozenset({CLERK_A, ADMIN_X})),
    "history:discard": ("POST", None, frozenset({CLERK_A, ADMIN_X})),
    "history:source": ("GET", None, frozenset({CLERK_A, ADMIN_X})),
    "review:past_years": ("GET", None, frozenset({*DISTRICT_X, REVIEWER_Y, ADMIN_Y})),
}


def url_names(resolver: URLResolver | None = None, namespace: str = "") -> set[str]:
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_url_has_an_entry():
    assert url_names() - set(MATRIX) == set(), "a URL without an access rule: add it to MATRIX"
    assert set(MATRIX) - url_names() == set(), "MATRIX names a URL that no longer exists"


def test_a_new_url_without_an_entry_is_caught():
    from django.http import HttpResponse
    from django.urls import path

    import config.urls

    urlconf = types.ModuleType("urlconf_with_a_new_url")
    urlconf.urlpatterns = [*config.urls.urlpatterns, path("new/", lambda request: HttpResponse(), name="new_page")]
    assert url_names(get_resolver(urlconf)) - set(MATRIX) == {"new_page"}


@pytest.fixture
def world(db, media_root):
    x, y = make_district("北京市朝阳区"), make_district("重庆市渝北区")
    agency_a = make_agency("北京市朝阳区南磨房地区办事处", district=x)
    agency_b = make_agency("北京市朝阳区高碑店地区办事处", district=x)
    people = {
        CLERK_A: make_user("clerk_a", agency=agency_a),
        CLERK_B: make_user("clerk_b", agency=agency_b),
        FIRST: make_user("first", district=x, is_first_reviewer=True),
        SECOND: make_user("second", district=x, is_second_reviewer=True),
        FINAL: make_user("final", district=x, is_final_reviewer=True),
        ADMIN_X: make_user("admin_x", district=x, is_district_admin=True),
        AUDITOR: make_user("auditor", district=x, is_audit_viewer=True),
        REVIEWER_Y: make_user(
            "reviewer_y", district=y, is_first_reviewer=True, is_second_reviewer=True, is_final_reviewer=True
        ),
        ADMIN_Y: make_user("admin_y", district=y, is_district_admin=True),
        INSTALLATION_AUDITOR: make_user("audit_all", is_installation_auditor=True),
    }
    return {"x": x, "agency_a": agency_a, "people": people}


def report_in(world, status: str) -> Report:
    if status == S.PUBLISHED:
        report = approved_report(world["agency_a"])
        publish(report)
        report.refresh_from_db()
        return report
    return make_report(world["agency_a"], status=status, cells=complete_cells(), texts=complete_texts())


def url_for(name: str, report: Report | None, world) -> str:
    if name in {"review:comment_reply", "review:comment_resolve"}:
        comment = Comment.objects.create(
            report=report,
            round=1,
            step="first",
            anchor_kind="cell",
            anchor_code="t3.new.total",
            author=world["people"][FIRST],
            body="请核对",
        )
        return reverse(name, args=[comment.pk])
    if name == "reports:public_version":
        return reverse(name, args=[report.pk, 1])
    if name == "reports:public_download":
        return reverse(name, kwargs={"pk": report.pk, "version": 1, "kind": "pdf"})
    if name == "administration:agency_edit":
        return reverse(name, args=[world["agency_a"].pk])
    if name in {"administration:user_edit", "administration:user_unlock", "administration:user_reset_password"}:
        return reverse(name, args=[world["people"][CLERK_A].pk])
    if name in {"administration:onboarding_preview", "administration:onboarding_apply"}:
        return reverse(name, args=["A" * 22])
    if name == "reports:open_data_csv":
        return reverse(name, args=[report.year])
    if name == "cycle:year":
        ReportingYear.objects.create(
            district=world["x"], year=2024, agency_deadline=date(2025, 1, 20), district_deadline=date(2025, 3, 31)
        )
        return reverse(name, args=[2024])
    if name.startswith("history:") and name not in {"history:index", "history:upload"}:
        from reports.history.tests.helpers import make_import

        return reverse(name, args=[make_import(world["agency_a"], by=world["people"][ADMIN_X]).pk])
    if name == "cycle:calendar_remove":
        day = CalendarDay.objects.create(district=world["x"], date=date(2027, 2, 8), kind=CalendarDay.Kind.HOLIDAY)
        return reverse(name, args=[day.pk])
    return reverse(name, args=[report.pk]) if report is not None else reverse(name)


def outcome(response) -> str:
    if response.status_code in (301, 302, 303) and response["Location"].startswith(reverse("accounts:login")):
        return "login"
    if response.status_code in (403, 404):
        return "refused"
    if response.status_code == 405:
        return "method"
    return "served"


def state(report: Report | None):
    if report is None:
        return None
    report = Report.objects.get(pk=report.pk)
    return (report.status, report.version, report.cells, report.texts, report.explanations)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_url_answers_each_persona_as_the_matrix_says(name, persona, world):
    method, status, served = MATRIX[name]
    report = report_in(world, status) if status is not None else None
    url = url_for(name, report, world)
    client = Client()
    if persona != ANON:
        client.force_login(world["people"][persona])
    before = state(report)
    response = client.get(url) if method == "GET" else client.post(url, {})
    got = outcome(response)
    if persona in served:
        assert got == "served", f"{persona} should be served by {name} ({url}): {response.status_code}"
    else:
        expected = {"login", "refused"} if persona == ANON else {"refused"}
        assert got in expected, f"{persona} should be refused by {name} ({url}): {response.status_code}"
        assert state(report) == before, f"a refused {method} {url} by {persona} changed the report"
