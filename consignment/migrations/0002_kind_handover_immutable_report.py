"""The consignment kind takes over ``consignment_inspection``; ``consignment_handover`` (30 minutes, with its
handover checklist) is created; a published inspection report, its items and its photos never change (issue 14,
item 1), enforced by PostgreSQL below every code path (SQLSTATE 23000, Django's IntegrityError)."""

from django.db import migrations

HANDOVER_CHECKLIST = [
    ("documents_checked", "核对行驶证、登记证书与身份证件", "Registration certificate, licence and ID checked", True),
    ("keys_handed_over", "交付全部车钥匙", "All keys handed over", True),
    ("transfer_papers_signed", "签署过户委托材料", "Transfer papers signed", True),
    ("condition_matches_report", "车况与检测报告一致", "Condition matches the inspection report", True),
]

SQL = """
CREATE FUNCTION consignment_report_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER consignment_report_immutable BEFORE UPDATE OR DELETE ON consignment_inspectionreport
    FOR EACH ROW EXECUTE FUNCTION consignment_report_immutable();

CREATE FUNCTION consignment_report_part_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER consignment_item_immutable BEFORE INSERT OR UPDATE OR DELETE ON consignment_inspectionitem
    FOR EACH ROW EXECUTE FUNCTION consignment_report_part_immutable();
CREATE TRIGGER consignment_photo_immutable BEFORE INSERT OR UPDATE OR DELETE ON consignment_inspectionphoto
    FOR EACH ROW EXECUTE FUNCTION consignment_report_part_immutable();
"""

REVERSE = """
DROP TRIGGER consignment_photo_immutable ON consignment_inspectionphoto;
DROP TRIGGER consignment_item_immutable ON consignment_inspectionitem;
DROP FUNCTION consignment_report_part_immutable();
DROP TRIGGER consignment_report_immutable ON consignment_inspectionreport;
DROP FUNCTION consignment_report_immutable();
"""


def services_forward(apps, schema_editor):
    Category = apps.get_model("catalog", "Category")
    Service = apps.get_model("catalog", "Service")
    ServiceChecklistItem = apps.get_model("catalog", "ServiceChecklistItem")
    Service.objects.filter(code="consignment_inspection").update(kind="consignment")
    if not Category.objects.filter(pk="consignment").exists():
        return  # a database without the standard catalogue (the catalog's own migration creates it)
    handover, _ = Service.objects.get_or_create(
        code="consignment_handover",
        defaults={
            "category_id": "consignment",
            "name_zh": "寄售车辆交接",
            "name_en": "Consignment handover",
            "description_zh": "半小时交接：核对证件、交付钥匙、签署过户材料。",
            "description_en": "A half-hour handover: documents checked, keys handed over, transfer papers signed.",
            "duration_min": 30,
            "kind": "consignment",
            "sort_order": 2,
        },
    )
    for position, (code, zh, en, required) in enumerate(HANDOVER_CHECKLIST):
        ServiceChecklistItem.objects.get_or_create(
            service=handover,
            code=code,
            defaults={"label_zh": zh, "label_en": en, "required": required, "position": position},
        )


def services_backward(apps, schema_editor):
    Service = apps.get_model("catalog", "Service")
    Service.objects.filter(code="consignment_inspection").update(kind="standard")


class Migration(migrations.Migration):
    dependencies = [
        ("consignment", "0001_initial"),
        ("catalog", "0009_service_needs_engine"),
    ]

    operations = [
        migrations.RunPython(services_forward, services_backward),
        migrations.RunSQL(SQL, REVERSE),
    ]
