"""Issue 13: the publication copies its agency's district and kind (as it copies the agency's
name), so that the public listing's filters are served by partial indexes of the one table."""

import django.db.models.deletion
from django.db import migrations, models


def copy_from_agency(apps, schema_editor):
    Publication = apps.get_model("reports", "Publication")
    Agency = apps.get_model("reports", "Agency")
    for agency_id, district_id, kind in Agency.objects.values_list("pk", "district_id", "kind").iterator():
        Publication.objects.filter(agency_id=agency_id).update(district_id=district_id, agency_kind=kind)
    if schema_editor.connection.vendor == "postgresql":
        # Check the new foreign keys now: PostgreSQL refuses the ALTER TABLE below while
        # deferred checks of these updates are pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_publication_listing_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="publication",
            name="district",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="reports.district",
                verbose_name="所属区（发布时）",
            ),
        ),
        migrations.AddField(
            model_name="publication",
            name="agency_kind",
            field=models.CharField(
                choices=[
                    ("department", "区级部门"),
                    ("township", "乡镇人民政府"),
                    ("street", "街道（地区）办事处"),
                    ("district", "区（县）人民政府"),
                ],
                default="",
                max_length=20,
                verbose_name="机关类型（发布时）",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(copy_from_agency, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="publication",
            name="district",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="reports.district",
                verbose_name="所属区（发布时）",
            ),
        ),
        migrations.AddIndex(
            model_name="publication",
            index=models.Index(
                condition=models.Q(("is_current", True)),
                fields=["district", "-year", "agency_name", "id"],
                name="publication_listing_district",
            ),
        ),
        migrations.AddIndex(
            model_name="publication",
            index=models.Index(
                condition=models.Q(("is_current", True)),
                fields=["agency_kind", "-year", "agency_name", "id"],
                name="publication_listing_kind",
            ),
        ),
    ]
