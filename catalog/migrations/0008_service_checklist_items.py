import django.db.models.deletion
from django.db import migrations, models

from catalog.defaults import load_standard_checklists


def load(apps, schema_editor):
    load_standard_checklists(apps.get_model("catalog", "Service"), apps.get_model("catalog", "ServiceChecklistItem"))


class Migration(migrations.Migration):
    dependencies = [("catalog", "0007_versions_may_lose_their_author")]

    operations = [
        migrations.CreateModel(
            name="ServiceChecklistItem",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.SlugField(max_length=60, verbose_name="code")),
                ("label_zh", models.CharField(max_length=120, verbose_name="label (Chinese)")),
                ("label_en", models.CharField(max_length=120, verbose_name="label (English)")),
                (
                    "required",
                    models.BooleanField(
                        default=True,
                        help_text="A booking is completed only once every required item is answered.",
                        verbose_name="required",
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="position")),
                (
                    "service",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="checklist_items",
                        to="catalog.service",
                    ),
                ),
            ],
            options={
                "verbose_name": "checklist item",
                "verbose_name_plural": "checklist items",
                "ordering": ["service_id", "position", "code"],
                "constraints": [models.UniqueConstraint(fields=("service", "code"), name="checklist_item_unique_code")],
            },
        ),
        # Dropping the table on the way back takes the rows with it.
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
