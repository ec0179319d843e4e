from django.db import migrations

# An owner's live redemptions of a coupon never exceed its per_user_limit. Checked under a lock on the coupon's row,
# so two payments at once cannot both slip under the limit (the budget is a check constraint on the row itself).
FORWARD = """
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

CREATE TRIGGER couponredemption_per_user_limit AFTER INSERT OR UPDATE OF status, owner_id, coupon_id
    ON payments_couponredemption FOR EACH ROW EXECUTE FUNCTION chefu_coupon_per_user_limit();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS couponredemption_per_user_limit ON payments_couponredemption;
DROP FUNCTION IF EXISTS chefu_coupon_per_user_limit();
"""


class Migration(migrations.Migration):
    dependencies = [("payments", "0006_coupons")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
