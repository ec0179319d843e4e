from django.db import migrations

# A published inspection report stays immutable, except for a transaction that sets chefu.purging = 'on': the demo
# reset (``demo.consignment.demo_consignment_reset``), which deletes every booking and so every report with it.
FORWARD = """
CREATE OR REPLACE FUNCTION consignment_report_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('chefu.purging', true) = 'on' THEN
        RETURN OLD;
    END IF;
    IF OLD.published_at IS NOT NULL THEN
        RAISE EXCEPTION 'inspection report % is published and cannot change', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION consignment_report_part_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('chefu.purging', true) = 'on' THEN
        RETURN OLD;
    END IF;
    IF TG_OP <> 'INSERT' AND EXISTS (
        SELECT 1 FROM consignment_inspectionreport WHERE id = OLD.report_id AND published_at IS NOT NULL
    ) THEN
        RAISE EXCEPTION 'a published inspection report (%) cannot change', OLD.report_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF EXISTS (SELECT 1 FROM consignment_inspectionreport WHERE id = NEW.report_id AND published_at IS NOT NULL) THEN
        RAISE EXCEPTION 'a published inspection report (%) takes nothing new', NEW.report_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
"""

BACKWARD = """
CREATE OR REPLACE FUNCTION consignment_report_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.published_at IS NOT NULL THEN
        RAISE EXCEPTION 'inspection report % is published and cannot change', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION consignment_report_part_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND EXISTS (
        SELECT 1 FROM consignment_inspectionreport WHERE id = OLD.report_id AND published_at IS NOT NULL
    ) THEN
        RAISE EXCEPTION 'a published inspection report (%) cannot change', OLD.report_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF EXISTS (SELECT 1 FROM consignment_inspectionreport WHERE id = NEW.report_id AND published_at IS NOT NULL) THEN
        RAISE EXCEPTION 'a published inspection report (%) takes nothing new', NEW.report_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("consignment", "0002_kind_handover_immutable_report")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
