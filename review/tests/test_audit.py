"""The audit log: every transition, comment, answer and sign-off in order, with who, when,
from which address and the opinion; shown as the report's history; and no page, admin or
other URL can change or delete it."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from reports.editing import report_save
from review import services
from review.models import Action, Comment, DistrictChecklist, ReportEvent, ReportRevision, SignOff
from review.tests.personas import approve
from review.workflow import report_return, report_start_review, report_submit, transition_apply_system
from tests.personas import client_for

pytestmark = pytest.mark.django_db

REVIEW_MODELS = (ReportEvent, ReportRevision, SignOff, Comment, DistrictChecklist)


@pytest.fixture
def walked_report(report_in_review, first_reviewer, second_reviewer, final_reviewer, clerk_a):
    """The walk of the browser test, through the services: a comment on a cell, a return,
    the agency's answer, resolve and correction, resubmission, three sign-offs."""
    report = report_in_review
    comment = services.comment_add(
        report_id=report.pk,
        by=first_reviewer,
        anchor_kind="cell",
        anchor_code="t2.coercion.decisions",
        body="行政强制数请核对。",
        ip_address="10.0.0.21",
    )
    report_return(report_id=report.pk, by=first_reviewer, note="请按批注核对。", ip_address="10.0.0.21")
    services.comment_reply(comment_id=comment.pk, by=clerk_a, body="已更正为 3。", ip_address="10.0.0.11")
    services.comment_resolve(comment_id=comment.pk, by=clerk_a, ip_address="10.0.0.11")
    report.refresh_from_db()
    report_save(report_id=report.pk, expected_version=report.version, cells={"t2.coercion.decisions": 3}, by=clerk_a)
    report_submit(report_id=report.pk, by=clerk_a, ip_address="10.0.0.11")
    report_start_review(report_id=report.pk, by=first_reviewer, ip_address="10.0.0.21")
    return approve(report, first_reviewer, second_reviewer, final_reviewer)


WALK = [
    ("submit", "draft", "submitted", "clerk_a"),
    ("start_review", "submitted", "first_review", "first_reviewer"),
    ("comment", "first_review", "first_review", "first_reviewer"),
    ("return", "first_review", "returned", "first_reviewer"),
    ("comment_reply", "returned", "returned", "clerk_a"),
    ("comment_resolve", "returned", "returned", "clerk_a"),
    ("submit", "returned", "submitted", "clerk_a"),
    ("start_review", "submitted", "first_review", "first_reviewer"),
    ("first_approve", "first_review", "second_review", "first_reviewer"),
    ("second_approve", "second_review", "final_review", "second_reviewer"),
    ("approve", "final_review", "approved", "final_reviewer"),
]


def test_the_log_of_the_walk_lists_every_step_in_order(walked_report):
    events = list(ReportEvent.objects.filter(report=walked_report).select_related("actor").order_by("pk"))
    assert [(e.action, e.from_status, e.to_status, e.actor.username) for e in events] == WALK
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert events[2].note == "表二·行政强制·本年处理决定数量：行政强制数请核对。"
    assert events[3].note == "请按批注核对。"
    assert events[2].ip_address == "10.0.0.21"
    assert events[4].ip_address == "10.0.0.11"
    assert events[-1].note == "终审同意，予以公开。"


def test_the_history_page_shows_the_log_in_order(walked_report, final_reviewer):
    html = client_for(final_reviewer).get(reverse("review:history", args=[walked_report.pk])).content.decode()
    table = html.split('id="audit-log"')[1].split("</table>")[0]
    assert re.findall(r'<tr data-action="([a-z_]+)">', table) == [step[0] for step in WALK]
    assert "共 11 条" in table
    assert "10.0.0.21" in table
    assert "请按批注核对。" in table
    assert "初审中 → 已退回" in table
    # The sign-off page shows the same history.
    page = client_for(final_reviewer).get(reverse("review:report", args=[walked_report.pk])).content.decode()
    assert re.findall(r'<tr data-action="([a-z_]+)">', page) == [step[0] for step in WALK]


def test_the_history_credits_the_publication_to_the_system_not_the_final_reviewer(walked_report, final_reviewer):
    transition_apply_system(report_id=walked_report.pk, action=Action.PUBLISH, note="系统自动发布")
    final_reviewer.first_name, final_reviewer.last_name = "终审", "王"
    final_reviewer.save()

    html = client_for(final_reviewer).get(reverse("review:history", args=[walked_report.pk])).content.decode()

    rows = html.split('id="audit-log"')[1].split("</table>")[0].split("<tr ")
    publish_row = next(row for row in rows if row.startswith('data-action="publish"'))
    approve_row = next(row for row in rows if row.startswith('data-action="approve"'))
    assert "系统" in publish_row
    assert final_reviewer.username not in publish_row
    assert final_reviewer.get_full_name() not in publish_row
    assert final_reviewer.username in approve_row  # who signed the approval is still named
    assert ReportEvent.objects.get(report=walked_report, action="publish").actor is None


def test_a_publication_logged_with_a_person_before_is_shown_as_the_system_too(walked_report, final_reviewer):
    # Rows written before the system was recorded as such name the final reviewer; the log is
    # append-only, so they stay as written and are shown as what they were.
    ReportEvent.objects.create(
        report=walked_report, action="publish", from_status="approved", to_status="published", actor=final_reviewer
    )
    event = ReportEvent.objects.get(report=walked_report, action="publish")
    assert (event.by_system, event.actor_name) == (True, "系统")


def test_a_clerk_cannot_open_the_history_page(walked_report, clerk_a):
    assert client_for(clerk_a).get(reverse("review:history", args=[walked_report.pk])).status_code == 403


# ── The admin cannot change it ──────────────────────────────────────────────────────────


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", "Root-pass-2025!")


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_the_admin_lists_and_shows_the_records_but_never_adds_changes_or_deletes(
    walked_report, superuser, district_admin
):
    services.checklist_update(district=walked_report.agency.district, aspects=["政治"], by=district_admin)
    client = client_for(superuser)
    for model in REVIEW_MODELS:
        obj = model.objects.first()
        changelist = client.get(admin_url(model, "changelist"))
        assert changelist.status_code == 200, model
        assert 'value="delete_selected"' not in changelist.content.decode(), model
        change = client.get(admin_url(model, "change", obj.pk))
        assert change.status_code == 200, model
        assert 'name="_save"' not in change.content.decode(), model
        assert client.post(admin_url(model, "change", obj.pk), {"note": "改写"}).status_code == 403, model
        assert client.get(admin_url(model, "add")).status_code == 403, model
        assert client.post(admin_url(model, "add"), {}).status_code == 403, model
        assert client.get(admin_url(model, "delete", obj.pk)).status_code == 403, model
        assert client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403, model
        response = client.post(
            admin_url(model, "changelist"), {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
        )
        assert response.status_code in (200, 302, 403), model
        assert model.objects.filter(pk=obj.pk).exists(), model


def test_the_admin_classes_refuse_every_write_permission(rf, superuser):
    from django.contrib import admin

    request = rf.get("/admin/")
    request.user = superuser
    for model in REVIEW_MODELS:
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request), model
        assert not model_admin.has_change_permission(request), model
        assert not model_admin.has_delete_permission(request), model
        assert model_admin.has_view_permission(request), model


# ── No URL changes it ───────────────────────────────────────────────────────────────────


def all_patterns(resolver=None, prefix: str = ""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from all_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
SKIP = ("accounts/logout/", "static/", "files/", "media/")


def fill(pattern: str, value: str) -> str | None:
    """A concrete path for a route pattern (``path()`` style only), every parameter ``value``."""
    if pattern.startswith("^") or any(pattern.startswith(skip) for skip in SKIP):
        return None
    path = pattern
    for converter, name in PARAM.findall(pattern):
        text = "review" if name == "app_label" else value
        path = path.replace(f"<{converter + ':' if converter else ''}{name}>", text)
    return "/" + path


def snapshot() -> dict[str, set[str]]:
    """Every row of the log's tables (and what a comment says), as canonical JSON."""
    rows = {model.__name__: model.objects.values() for model in (ReportEvent, ReportRevision, SignOff)} | {
        "Comment": Comment.objects.values("pk", "body", "author_id", "anchor_kind", "anchor_code", "round")
    }
    return {
        name: {json.dumps(row, sort_keys=True, default=str, ensure_ascii=False) for row in queryset}
        for name, queryset in rows.items()
    }


def test_no_url_changes_or_deletes_the_log(walked_report, superuser, final_reviewer, clerk_a):
    before = snapshot()
    ids = {
        str(walked_report.pk),
        str(ReportEvent.objects.first().pk),
        str(SignOff.objects.first().pk),
        str(Comment.objects.first().pk),
    }
    payload = {
        "note": "改写历史",
        "reason": "篡改",
        "body": "篡改",
        "opinion": "篡改",
        "decision": "return",
        "action": "delete_selected",
        "_selected_action": sorted(ids),
        "post": "yes",
    }
    paths = sorted({path for pattern in all_patterns() for value in ids if (path := fill(pattern, value))})
    assert any("/review/reports/" in path for path in paths)
    assert any("/admin/review/reportevent/" in path for path in paths)
    for user in (superuser, final_reviewer, clerk_a):
        client = client_for(user)
        for path in paths:
            for method in ("get", "post", "put", "patch", "delete"):
                getattr(client, method)(path, payload if method == "post" else None)
    after = snapshot()
    for name, rows in before.items():
        assert rows <= after[name], f"{name}: a row changed or disappeared"
