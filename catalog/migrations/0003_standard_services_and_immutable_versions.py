from django.db import migrations

from catalog.defaults import load_standard_services

# Price versions and their lines are history: a change is a new version, never an edit. Refuse UPDATE
# in the database itself, so no code path (admin, shell, bulk update) can rewrite a price.
IMMUTABLE_SQL = """
CREATE OR REPLACE FUNCTION chefu_refuse_update() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are immutable: write a new version instead', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER offeringversion_immutable BEFORE UPDATE ON catalog_offeringversion
    FOR EACH ROW EXECUTE FUNCTION chefu_refuse_update();
CREATE TRIGGER offeringpartline_immutable BEFORE UPDATE ON catalog_offeringpartline
    FOR EACH ROW EXECUTE FUNCTION chefu_refuse_update();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS offeringpartline_immutable ON catalog_offeringpartline;
DROP TRIGGER IF EXISTS offeringversion_immutable ON catalog_offeringversion;
DROP FUNCTION IF EXISTS chefu_refuse_update();
"""


def load(apps, schema_editor):
    load_standard_services(apps.get_model("catalog", "Category"), apps.get_model("catalog", "Service"))


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_services_parts_offerings")]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
        migrations.RunSQL(IMMUTABLE_SQL, DROP_SQL),
    ]
