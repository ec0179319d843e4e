from django.db import migrations

# A version stays immutable, but its author may leave: deleting a user sets ``created_by`` to NULL
# (on_delete=SET_NULL), which is an UPDATE. Allow exactly that change, nothing else.
FORWARD = """
CREATE OR REPLACE FUNCTION chefu_refuse_update() RETURNS trigger AS $$
BEGIN
    IF TG_NARGS = 1
       AND (to_jsonb(NEW) ->> TG_ARGV[0]) IS NULL
       AND (to_jsonb(NEW) - TG_ARGV[0]) = (to_jsonb(OLD) - TG_ARGV[0]) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% rows are immutable: write a new version instead', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS offeringversion_immutable ON catalog_offeringversion;
CREATE TRIGGER offeringversion_immutable BEFORE UPDATE ON catalog_offeringversion
    FOR EACH ROW EXECUTE FUNCTION chefu_refuse_update('created_by_id');
"""

BACKWARD = """
DROP TRIGGER IF EXISTS offeringversion_immutable ON catalog_offeringversion;
CREATE TRIGGER offeringversion_immutable BEFORE UPDATE ON catalog_offeringversion
    FOR EACH ROW EXECUTE FUNCTION chefu_refuse_update();
"""


class Migration(migrations.Migration):
    dependencies = [("catalog", "0006_offering_current_restrict")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
