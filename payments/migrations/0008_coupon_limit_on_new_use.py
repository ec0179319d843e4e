from django.db import migrations

# The per-owner limit is checked when a use is taken (a redemption inserted, or a released one made live again), not
# when a live one moves from reserved to used: lowering a coupon's limit must never stop a payment from landing.
FORWARD = """
CREATE OR REPLACE FUNCTION chefu_coupon_per_user_limit() RETURNS trigger AS $$
DECLARE
    allowed integer;
    live integer;
BEGIN
    IF NEW.status = 'released' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status <> 'released' AND OLD.owner_id = NEW.owner_id
       AND OLD.coupon_id = NEW.coupon_id THEN
        RETURN NULL;
    END IF;
    SELECT per_user_limit INTO allowed FROM payments_coupon WHERE id = NEW.coupon_id FOR UPDATE;
    SELECT COUNT(*) INTO live FROM payments_couponredemption
     WHERE coupon_id = NEW.coupon_id AND owner_id = NEW.owner_id AND status <> 'released';
    IF live > allowed THEN
        RAISE EXCEPTION 'owner % would hold % redemptions of coupon % (limit %)',
            NEW.owner_id, live, NEW.coupon_id, allowed USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

BACKWARD = """
CREATE OR REPLACE FUNCTION chefu_coupon_per_user_limit() RETURNS trigger AS $$
DECLARE
    allowed integer;
    live integer;
BEGIN
    IF NEW.status = 'released' THEN
        RETURN NULL;
    END IF;
    SELECT per_user_limit INTO allowed FROM payments_coupon WHERE id = NEW.coupon_id FOR UPDATE;
    SELECT COUNT(*) INTO live FROM payments_couponredemption
     WHERE coupon_id = NEW.coupon_id AND owner_id = NEW.owner_id AND status <> 'released';
    IF live > allowed THEN
        RAISE EXCEPTION 'owner % would hold % redemptions of coupon % (limit %)',
            NEW.owner_id, live, NEW.coupon_id, allowed USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("payments", "0007_coupon_limits")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
