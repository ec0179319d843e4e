from django.db import migrations

# A booking costs its quote plus the supplements its owner approved, and nothing else. The database refuses
# every other way to change that: the quote is fixed when the booking is made, a decided supplement is final,
# lines never change, lines cannot be added to or removed from a decided supplement, and a supplement's total is
# the sum of its lines when its transaction commits.
FORWARD = """
CREATE OR REPLACE FUNCTION chefu_booking_price_frozen() RETURNS trigger AS $$
BEGIN
    IF NEW.quote_total IS DISTINCT FROM OLD.quote_total
       OR NEW.quote IS DISTINCT FROM OLD.quote
       OR NEW.offering_version_id IS DISTINCT FROM OLD.offering_version_id
       OR NEW.service_id IS DISTINCT FROM OLD.service_id
       OR NEW.owner_id IS DISTINCT FROM OLD.owner_id
       OR NEW.store_id IS DISTINCT FROM OLD.store_id THEN
        RAISE EXCEPTION 'a booking''s quote is fixed when it is made; extra work is a supplement the owner approves'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER booking_price_frozen BEFORE UPDATE ON bookings_booking
    FOR EACH ROW EXECUTE FUNCTION chefu_booking_price_frozen();

CREATE OR REPLACE FUNCTION chefu_supplement_final() RETURNS trigger AS $$
BEGIN
    IF NEW.total IS DISTINCT FROM OLD.total OR NEW.booking_id IS DISTINCT FROM OLD.booking_id THEN
        RAISE EXCEPTION 'a supplement''s amount never changes: propose a new one'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    -- Once decided, nothing changes, except that a person who leaves (user deleted: SET_NULL) leaves no name.
    IF OLD.status <> 'proposed'
       AND ((to_jsonb(NEW) - 'proposed_by_id' - 'decided_by_id') IS DISTINCT FROM
            (to_jsonb(OLD) - 'proposed_by_id' - 'decided_by_id')
            OR NEW.proposed_by_id IS DISTINCT FROM OLD.proposed_by_id AND NEW.proposed_by_id IS NOT NULL
            OR NEW.decided_by_id IS DISTINCT FROM OLD.decided_by_id AND NEW.decided_by_id IS NOT NULL) THEN
        RAISE EXCEPTION 'a decided supplement is final'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER supplement_final BEFORE UPDATE ON bookings_supplement
    FOR EACH ROW EXECUTE FUNCTION chefu_supplement_final();

CREATE TRIGGER supplementline_immutable BEFORE UPDATE ON bookings_supplementline
    FOR EACH ROW EXECUTE FUNCTION chefu_refuse_update();

CREATE OR REPLACE FUNCTION chefu_supplement_lines_open() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM bookings_supplement WHERE id = NEW.supplement_id AND status <> 'proposed') THEN
        RAISE EXCEPTION 'the lines of a decided supplement are final'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- Deleting lines is left to the deferred total check below: removing lines of a supplement that stays fails at
-- commit, while deleting a whole booking (its supplements and their lines) goes through.
CREATE TRIGGER supplementline_open BEFORE INSERT ON bookings_supplementline
    FOR EACH ROW EXECUTE FUNCTION chefu_supplement_lines_open();

CREATE OR REPLACE FUNCTION chefu_supplement_total_matches() RETURNS trigger AS $$
DECLARE
    target bigint;
    expected numeric;
    actual numeric;
BEGIN
    -- One statement per table: an expression naming a column the row lacks fails even in a branch not taken.
    IF TG_TABLE_NAME = 'bookings_supplement' THEN
        target := NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        target := OLD.supplement_id;
    ELSE
        target := NEW.supplement_id;
    END IF;
    SELECT total INTO expected FROM bookings_supplement WHERE id = target;
    IF expected IS NULL THEN
        RETURN NULL;  -- the supplement itself was deleted
    END IF;
    SELECT COALESCE(SUM(amount), 0) INTO actual FROM bookings_supplementline WHERE supplement_id = target;
    IF actual <> expected THEN
        RAISE EXCEPTION 'supplement % total % is not the sum of its lines %', target, expected, actual
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER supplement_total_matches AFTER INSERT ON bookings_supplement
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION chefu_supplement_total_matches();
CREATE CONSTRAINT TRIGGER supplementline_total_matches AFTER INSERT OR DELETE ON bookings_supplementline
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION chefu_supplement_total_matches();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS supplementline_total_matches ON bookings_supplementline;
DROP TRIGGER IF EXISTS supplement_total_matches ON bookings_supplement;
DROP FUNCTION IF EXISTS chefu_supplement_total_matches();
DROP TRIGGER IF EXISTS supplementline_open ON bookings_supplementline;
DROP FUNCTION IF EXISTS chefu_supplement_lines_open();
DROP TRIGGER IF EXISTS supplementline_immutable ON bookings_supplementline;
DROP TRIGGER IF EXISTS supplement_final ON bookings_supplement;
DROP FUNCTION IF EXISTS chefu_supplement_final();
DROP TRIGGER IF EXISTS booking_price_frozen ON bookings_booking;
DROP FUNCTION IF EXISTS chefu_booking_price_frozen();
"""


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial"), ("catalog", "0007_versions_may_lose_their_author")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
