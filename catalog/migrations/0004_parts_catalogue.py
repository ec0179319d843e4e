from django.db import migrations

from catalog.catalogue import load_catalogue


def load(apps, schema_editor):
    load_catalogue(
        apps.get_model("catalog", "Category"),
        apps.get_model("catalog", "Part"),
        apps.get_model("catalog", "PartFitment"),
        apps.get_model("catalog", "VehicleSpec"),
    )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_standard_services_and_immutable_versions")]

    # Reversing keeps the rows: offerings may already point at the parts (PROTECT).
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
