"""Who reads which security-log events: an audit viewer their own district's (its people, its
agencies' clerks, its reports), an installation auditor every district's."""

from __future__ import annotations

import importlib
import types

import pytest
from django.apps import apps as django_apps
from django.contrib.admin.sites import site
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse

from accounts.audit import audit_events_visible_to, audit_record
from accounts.models import AuditEvent, User
from tests.factories import make_agency, make_district, make_report, make_user

LOG = reverse("accounts:audit_log")


@pytest.fixture
def two_districts(db):
    jlp, yubei = make_district("重庆市九龙坡区"), make_district("重庆市渝北区")
    minzheng = make_agency("重庆市九龙坡区民政局", district=jlp)
    dasheng = make_agency("重庆市渝北区大盛镇人民政府", district=yubei)
    people = types.SimpleNamespace(
        jlp_clerk=make_user("clerk_jlp_minzheng", agency=minzheng),
        jlp_first=make_user("jlp_first", district=jlp, is_first_reviewer=True),
        jlp_auditor=make_user("jlp_auditor", district=jlp, is_audit_viewer=True),
        dasheng_clerk=make_user("clerk_dasheng", agency=dasheng),
        yubei_first=make_user("yubei_first", district=yubei, is_first_reviewer=True),
        yubei_auditor=make_user("yubei_auditor", district=yubei, is_audit_viewer=True),
        installation=make_user("audit_all", is_installation_auditor=True),
        superuser=User.objects.create_superuser("root", password="Root-pass-2025!"),
    )
    return types.SimpleNamespace(jlp=jlp, yubei=yubei, minzheng=minzheng, dasheng=dasheng, people=people)


def record_some(world):
    p = world.people
    yubei_report = make_report(world.dasheng)
    events = {
        "jlp_clerk": audit_record(kind=AuditEvent.Kind.LOGIN, user=p.jlp_clerk),
        "jlp_first": audit_record(kind=AuditEvent.Kind.EXPORT, user=p.jlp_first, object="x.xlsx"),
        "dasheng_login": audit_record(kind=AuditEvent.Kind.LOGIN, user=p.dasheng_clerk),
        "dasheng_locked": audit_record(
            kind=AuditEvent.Kind.LOCKED_OUT, user=p.dasheng_clerk, result=AuditEvent.Result.FAILURE
        ),
        "yubei_first": audit_record(kind=AuditEvent.Kind.LOGOUT, user=p.yubei_first),
        # The superuser exports a 渝北 report: the event belongs to the report's district.
        "yubei_report": audit_record(
            kind=AuditEvent.Kind.EXPORT,
            user=p.superuser,
            object=yubei_report.title,
            district_id=yubei_report.agency.district_id,
        ),
        "unknown_name": audit_record(
            kind=AuditEvent.Kind.LOGIN_FAILED, username="nobody", result=AuditEvent.Result.FAILURE
        ),
    }
    return {name: event.pk for name, event in events.items()}


JLP = {"jlp_clerk", "jlp_first"}
YUBEI = {"dasheng_login", "dasheng_locked", "yubei_first", "yubei_report"}


def visible(user, events) -> set[str]:
    pks = set(audit_events_visible_to(user).values_list("pk", flat=True))
    return {name for name, pk in events.items() if pk in pks}


def test_each_district_viewer_reads_their_district_only_the_installation_auditor_all(two_districts):
    events = record_some(two_districts)
    p = two_districts.people
    assert visible(p.jlp_auditor, events) == JLP
    assert visible(p.yubei_auditor, events) == YUBEI
    assert visible(p.installation, events) == set(events)
    assert visible(p.superuser, events) == set(events)
    for other in (p.jlp_clerk, p.jlp_first, p.dasheng_clerk):
        assert visible(other, events) == set()


def test_jlp_auditor_searching_for_a_yubei_clerk_finds_nothing_of_yubei(client, two_districts):
    record_some(two_districts)
    client.force_login(two_districts.people.jlp_auditor)
    response = client.get(LOG, {"username": "clerk_dasheng"})
    assert response.status_code == 200
    page = response.context["page"]
    assert list(page) == []
    body = response.content.decode()
    assert "渝北" not in body and "账户锁定" not in body.split("<tbody>")[1]


def test_the_installation_auditor_sees_both_districts_on_the_page(client, two_districts):
    record_some(two_districts)
    client.force_login(two_districts.people.installation)
    response = client.get(LOG, {"username": "clerk_"})
    names = {event.username for event in response.context["page"]}
    assert names == {"clerk_jlp_minzheng", "clerk_dasheng"}
    assert "全部区" in response.content.decode()


def test_an_event_stays_with_the_district_where_it_happened(two_districts):
    """A clerk who moves to another district's agency takes no history along."""
    p = two_districts.people
    event = audit_record(kind=AuditEvent.Kind.LOGIN, user=p.dasheng_clerk)
    p.dasheng_clerk.agency = two_districts.minzheng
    p.dasheng_clerk.save()
    assert audit_events_visible_to(p.yubei_auditor).filter(pk=event.pk).exists()
    assert not audit_events_visible_to(p.jlp_auditor).filter(pk=event.pk).exists()


def test_an_installation_auditor_holds_no_other_role(two_districts):
    user = User(username="x", is_installation_auditor=True, district=two_districts.jlp, is_district_admin=True)
    with pytest.raises(ValidationError, match="全系统审计查看员"):
        user.clean()
    user = User(username="y", is_installation_auditor=True, agency=two_districts.minzheng)
    with pytest.raises(ValidationError):
        user.clean()


def test_only_the_superuser_may_grant_the_installation_auditor_flag(two_districts):
    admin = site._registry[User]
    staff = make_user("staff_helper", is_staff=True)
    request = RequestFactory().get("/admin/")
    request.user = staff
    assert "is_installation_auditor" in admin.get_readonly_fields(request, two_districts.people.jlp_auditor)
    request.user = two_districts.people.superuser
    assert "is_installation_auditor" not in admin.get_readonly_fields(request, two_districts.people.jlp_auditor)


class _MigrationApps:
    """``apps`` as a data migration sees it: models whose manager is Django's plain one."""

    def get_model(self, app_label, name):
        model = django_apps.get_model(app_label, name)
        return types.SimpleNamespace(objects=model._base_manager)


def test_the_backfill_gives_old_events_their_actors_district(two_districts):
    p = two_districts.people
    old = {
        "clerk": AuditEvent.objects.create(kind="login", user=p.dasheng_clerk, username="clerk_dasheng"),
        "district": AuditEvent.objects.create(kind="login", user=p.jlp_first, username="jlp_first"),
        "nobody": AuditEvent.objects.create(kind="login_failed", username="nobody"),
    }
    migration = importlib.import_module("accounts.migrations.0005_audit_event_district_backfill")
    migration.backfill(_MigrationApps(), None)
    districts = {name: AuditEvent.objects.get(pk=event.pk).district_id for name, event in old.items()}
    assert districts == {"clerk": two_districts.yubei.pk, "district": two_districts.jlp.pk, "nobody": None}


def test_an_account_change_by_the_superuser_belongs_to_the_accounts_district(two_districts):
    p = two_districts.people
    request = RequestFactory().post("/admin/")
    request.user = p.superuser
    p.dasheng_clerk.first_name = "张三"
    site._registry[User].save_model(request, p.dasheng_clerk, types.SimpleNamespace(changed_data=["first_name"]), True)
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.ACCOUNT_CHANGED)
    assert event.user == p.superuser and event.district == two_districts.yubei
    assert audit_events_visible_to(p.yubei_auditor).filter(pk=event.pk).exists()
    assert not audit_events_visible_to(p.jlp_auditor).filter(pk=event.pk).exists()
