"""Hostile input is refused with a message and changes nothing (issue 11): control and
bidi-override characters on every entry path, JSON that would crash the parser, ids beyond
the database's range, request bodies over the limit (refused before they are read), and
the SQLite demo's concurrent writes."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.urls.converters import IntConverter

from reports import rules
from reports.interchange import InterchangeError, loads, report_to_document
from reports.models import Report
from reports.spreadsheet import build_workbook, cell_address
from reports.tests.publishing_fixtures import media_root_fixture  # noqa: F401
from tests.test_url_matrix import ADMIN_X, AUDITOR, CLERK_A, S, report_in, url_for, world  # noqa: F401 - the fixture

HUGE = 99999999999999999999
UNSAFE = {
    "NUL": "\x00",
    "ESC": "\x1b",
    "DEL": "\x7f",
    "right-to-left override": "\u202e",
    "left-to-right isolate": "\u2066",
}


def state(report: Report):
    report = Report.objects.get(pk=report.pk)
    return (report.version, report.cells, report.texts, report.explanations)


def save(client, report, body: str | bytes):
    return client.post(reverse("reports:save", args=[report.pk]), data=body, content_type="application/json")


# ── Characters no text may hold ─────────────────────────────────────────────────────────


@pytest.mark.parametrize("char", UNSAFE.values(), ids=UNSAFE.keys())
@pytest.mark.parametrize("where", ["texts", "cells", "explanations"])
def test_the_json_save_refuses_control_and_bidi_characters(clerk_a_client, draft_report, char, where):
    before = state(draft_report)
    payload = {
        "texts": {"version": 1, "texts": {"overview": f"收到申请{char}1件"}},
        "cells": {"version": 1, "cells": {"t6.fee_notices": f"1{char}"}},
        "explanations": {"version": 1, "explanations": {f"TEXT-THIN||problems{char}": "说明"}},
    }[where]

    response = save(clerk_a_client, draft_report, json.dumps(payload))

    assert response.status_code == 400
    assert "不允许的" in response.json()["message"] and "U+" in response.json()["message"]
    assert state(draft_report) == before


def test_a_lone_surrogate_is_refused_not_a_500(clerk_a_client, draft_report):
    before = state(draft_report)
    response = save(clerk_a_client, draft_report, '{"version": 1, "texts": {"overview": "a\\ud800b"}}')
    assert response.status_code == 400
    assert state(draft_report) == before


@pytest.mark.parametrize("char", ["\x00", "\u202e", "\x1b", "\x7f"])
def test_the_form_refuses_control_and_bidi_characters(clerk_a_client, draft_report, char):
    before = state(draft_report)
    data = {"version": "1", "overview": f"{draft_report.texts['overview']}{char}"}

    response = clerk_a_client.post(reverse("reports:edit", args=[draft_report.pk]), data)

    assert response.status_code == 400
    assert f"U+{ord(char):04X}" in response.content.decode()  # the message names the character
    assert state(draft_report) == before


def test_a_spreadsheet_upload_with_a_bidi_override_is_refused(clerk_a_client, draft_report):
    before = state(draft_report)
    workbook = openpyxl.load_workbook(io.BytesIO(build_workbook(report_to_document(draft_report))))
    sheet, coordinate = cell_address("t6.fee_notices").split("!")
    workbook[sheet][coordinate] = "1\u202e0"
    content = io.BytesIO()
    workbook.save(content)

    response = clerk_a_client.post(
        reverse("reports:upload", args=[draft_report.pk]),
        {"file": SimpleUploadedFile("模板.xlsx", content.getvalue()), "version": 1},
    )

    assert response.status_code == 400
    assert "U+202E" in response.content.decode()
    assert state(draft_report) == before


@pytest.mark.parametrize("char", UNSAFE.values(), ids=UNSAFE.keys())
def test_an_imported_document_with_control_characters_is_refused(char):
    document = json.loads(Path(settings.BASE_DIR, "reports/fixtures/samples/2024-nanmofang-area.json").read_text())
    document["texts"]["overview"] += char
    with pytest.raises(InterchangeError, match="不允许的"):
        loads(json.dumps(document), source="x.json")


# ── JSON that would crash the parser ────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "body",
    [
        '{"version": 1, "cells": {"t3.new.total": ' + "9" * 5000 + "}}",
        '{"version": ' + "9" * 5000 + "}",
        "[" * 100_000 + "]" * 100_000,
        '{"a": ' * 100_000 + "1" + "}" * 100_000,
        '{"version": 1, "cells": {"t3.new.total": NaN}}',
        '{"version": 1, "cells": {"t3.new.total": Infinity}}',
        '{"version": 1, "cells": {"t3.new.total": 1e999}}',
        b'{"version": 1, "texts": {"overview": "\xff\xfe"}}',
    ],
    ids=[
        "5000-digit cell",
        "5000-digit version",
        "nested arrays",
        "nested objects",
        "NaN",
        "Infinity",
        "1e999",
        "bytes",
    ],
)
@pytest.mark.parametrize("endpoint", ["reports:save", "reports:check"])
def test_json_that_would_crash_the_parser_is_a_400_with_a_message(clerk_a_client, draft_report, body, endpoint):
    before = state(draft_report)
    response = clerk_a_client.post(
        reverse(endpoint, args=[draft_report.pk]), data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["message"]
    assert state(draft_report) == before


def test_an_imported_file_with_a_huge_integer_or_deep_nesting_is_refused():
    for text in ('{"year": ' + "9" * 5000 + "}", "[" * 100_000, '{"year": 1e999}'):
        with pytest.raises(InterchangeError, match="不是有效的 JSON"):
            loads(text)


# ── Ids beyond the database's range ─────────────────────────────────────────────────────


def test_every_url_with_an_int_id_answers_404_for_an_id_beyond_the_database(world, media_root):  # noqa: F811
    """Every URL pattern of the project with an integer in it, each integer replaced by a
    number no table can hold; as the anonymous visitor and as a signed-in administrator."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def patterns(resolver, prefix=""):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace != "admin":
                    yield from patterns(pattern, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern.pattern.converters

    with_ids = [
        (route, converters)
        for route, converters in patterns(get_resolver())
        if any(isinstance(converter, IntConverter) for converter in converters.values())
    ]
    assert len(with_ids) >= 20  # the reports, the review, the comments, the public versions …
    admin = Client()
    admin.force_login(world["people"][ADMIN_X])
    for route, converters in with_ids:
        # Each <converter:name> becomes the huge number, or "pdf" for the file kind.
        url = "/" + re.sub(
            r"<\w+:(\w+)>",
            lambda match, converters=converters: (
                str(HUGE) if isinstance(converters[match.group(1)], IntConverter) else "pdf"
            ),
            route,
        )
        for client in (Client(), admin):
            for method in (client.get, client.post):
                response = method(url)
                assert response.status_code == 404, f"{method.__name__.upper()} {url}: {response.status_code}"


def test_the_audit_log_search_with_a_nul_is_no_500(world):  # noqa: F811
    client = Client()
    client.force_login(world["people"][AUDITOR])
    response = client.get(reverse("accounts:audit_log") + "?username=%00")
    assert response.status_code == 200


# ── Request bodies over the limit, refused before they are read ─────────────────────────


class UnreadableBody(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = readinto = read


def post_unread(client: Client, url: str, length: int, content_type: str):
    # No data: the test client then sets neither the type nor the length, these do.
    extra = {"CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(length), "wsgi.input": UnreadableBody()}
    return client.generic("POST", url, b"", **extra)


def test_a_50_mb_body_to_the_login_page_is_refused_before_it_is_read(db):
    response = post_unread(Client(), reverse("accounts:login"), 50 * 1024 * 1024, "multipart/form-data; boundary=x")
    assert response.status_code == 413
    assert "提交的内容过大" in response.content.decode()


def test_an_upload_over_2_mb_is_refused_before_it_is_received(clerk_a_client, draft_report):
    before = state(draft_report)
    url = reverse("reports:upload", args=[draft_report.pk])
    response = post_unread(clerk_a_client, url, 3 * 1024 * 1024, "multipart/form-data; boundary=x")
    assert response.status_code == 413
    assert state(draft_report) == before


def test_a_json_save_over_the_limit_is_refused_in_json(clerk_a_client, draft_report):
    url = reverse("reports:save", args=[draft_report.pk])
    response = post_unread(clerk_a_client, url, settings.GOVREPORT_MAX_REQUEST_BYTES + 1, "application/json")
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"


def test_django_limits_are_set_for_every_view():
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= settings.GOVREPORT_MAX_REQUEST_BYTES
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= settings.GOVREPORT_MAX_REQUEST_BYTES


# ── The refusal page runs no rule on an over-limit text ─────────────────────────────────


def test_an_over_limit_text_reaches_no_rule_on_the_refusal_page(clerk_a_client, draft_report, monkeypatch):
    seen = []
    check = rules.check

    def recording_check(data, previous=None):
        seen.append(max(len(text or "") for text in data.texts.values()))
        return check(data, previous)

    monkeypatch.setattr(rules, "check", recording_check)
    data = {"version": "1", "other_matters": "A" * 200_000}

    response = clerk_a_client.post(reverse("reports:edit", args=[draft_report.pk]), data)

    assert response.status_code == 400
    assert "A" * 200_000 in response.content.decode()  # nothing typed is lost …
    assert seen and max(seen) <= 50_000  # … and no rule saw it


# ── The SQLite demo: concurrent writes wait ─────────────────────────────────────────────


def test_concurrent_writes_on_the_sqlite_demo_wait_instead_of_failing(tmp_path):
    probe = Path(settings.BASE_DIR, "tests", "sqlite_concurrency_probe.py")
    result = subprocess.run(
        [sys.executable, str(probe), str(tmp_path / "demo.sqlite3")],
        cwd=settings.BASE_DIR,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(settings.BASE_DIR),
            "DJANGO_SETTINGS_MODULE": "config.settings_test",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "rows=2" in result.stdout


# ── Review comments: bounded too ────────────────────────────────────────────────────────


def test_a_comment_with_a_bidi_override_is_refused(world):  # noqa: F811
    from review.models import Comment
    from review.services import WorkflowError, comment_add
    from tests.test_url_matrix import FIRST

    report = report_in(world, S.FIRST_REVIEW)
    with pytest.raises(WorkflowError, match="U\\+202E"):
        comment_add(
            report_id=report.pk,
            by=world["people"][FIRST],
            anchor_kind="cell",
            anchor_code="t3.new.total",
            body="请核对\u202e",
        )
    assert not Comment.objects.filter(report=report).exists()


def test_a_report_holds_at_most_so_many_comments(world):  # noqa: F811
    from review.models import Comment
    from review.services import MAX_COMMENTS_PER_REPORT, WorkflowError, comment_add
    from tests.test_url_matrix import FIRST

    report = report_in(world, S.FIRST_REVIEW)
    first = world["people"][FIRST]
    Comment.objects.bulk_create(
        Comment(
            report=report, round=1, step="first", anchor_kind="cell", anchor_code="t3.new.total", author=first, body="x"
        )
        for _ in range(MAX_COMMENTS_PER_REPORT)
    )
    with pytest.raises(WorkflowError, match="上限"):
        comment_add(report_id=report.pk, by=first, anchor_kind="cell", anchor_code="t3.new.total", body="再一条")
    assert Comment.objects.filter(report=report).count() == MAX_COMMENTS_PER_REPORT
