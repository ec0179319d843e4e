"""Version 1 of the store standard of each category, published (quality.defaults)."""

from django.db import migrations

from quality.defaults import load_default_standards


def load(apps, schema_editor):
    load_default_standards(apps.get_model("quality", "Standard"), apps.get_model("quality", "StandardItem"))


class Migration(migrations.Migration):
    dependencies = [("quality", "0002_standard_immutable")]

    # The default standards are published, so the database keeps them: nothing to undo on the way back.
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
