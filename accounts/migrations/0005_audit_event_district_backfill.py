"""Give the existing security-log events their district (the actor's, as written since 0004).

The historical model has Django's plain manager (the append-only guard is the application's,
``AuditEvent.objects``), so this one-time backfill may update the rows. Events without a user
(a failed sign-in under an unknown name) and the superuser's stay installation-level.
"""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def backfill(apps, schema_editor):
    AuditEvent = apps.get_model("accounts", "AuditEvent")
    User = apps.get_model("accounts", "User")
    events = AuditEvent.objects.filter(district__isnull=True)
    # District people first, then agency clerks through their agency: two UPDATE statements.
    events.filter(user__district__isnull=False).update(
        district=Subquery(User.objects.filter(pk=OuterRef("user_id")).values("district_id")[:1])
    )
    events.filter(user__agency__isnull=False).update(
        district=Subquery(User.objects.filter(pk=OuterRef("user_id")).values("agency__district_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_password_history_audit_district_installation_auditor"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
