from django.db import migrations, models

from catalog.defaults import mark_engine_services


def mark(apps, schema_editor):
    mark_engine_services(apps.get_model("catalog", "Service"))


class Migration(migrations.Migration):
    dependencies = [("catalog", "0008_service_checklist_items")]

    operations = [
        migrations.AddField(
            model_name="service",
            name="needs_engine",
            field=models.BooleanField(
                default=False,
                help_text="Work on the engine (oil changes): not offered for a vehicle known to be electric.",
                verbose_name="needs a combustion engine",
            ),
        ),
        migrations.RunPython(mark, migrations.RunPython.noop),
    ]
