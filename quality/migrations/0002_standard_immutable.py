"""A published standard version and its items never change (issue 13): audits scored against a version must keep
meaning what they meant. Enforced by PostgreSQL, below every code path: an UPDATE or DELETE of a published standard,
and an INSERT, UPDATE or DELETE of an item of one, fail with SQLSTATE 23000 (Django's IntegrityError)."""

from django.db import migrations

SQL = """
CREATE FUNCTION quality_standard_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.published_at IS NOT NULL THEN
        RAISE EXCEPTION 'standard % version % is published and cannot change', OLD.code, OLD.version
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER quality_standard_immutable BEFORE UPDATE OR DELETE ON quality_standard
    FOR EACH ROW EXECUTE FUNCTION quality_standard_immutable();

CREATE FUNCTION quality_standarditem_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND EXISTS (
        SELECT 1 FROM quality_standard WHERE id = OLD.standard_id AND published_at IS NOT NULL
    ) THEN
        RAISE EXCEPTION 'item % belongs to a published standard and cannot change', OLD.code
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF EXISTS (SELECT 1 FROM quality_standard WHERE id = NEW.standard_id AND published_at IS NOT NULL) THEN
        RAISE EXCEPTION 'a published standard takes no new or changed item (%)', NEW.code
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER quality_standarditem_immutable BEFORE INSERT OR UPDATE OR DELETE ON quality_standarditem
    FOR EACH ROW EXECUTE FUNCTION quality_standarditem_immutable();
"""

REVERSE = """
DROP TRIGGER quality_standarditem_immutable ON quality_standarditem;
DROP FUNCTION quality_standarditem_immutable();
DROP TRIGGER quality_standard_immutable ON quality_standard;
DROP FUNCTION quality_standard_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("quality", "0001_initial")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
