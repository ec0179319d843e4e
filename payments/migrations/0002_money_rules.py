from django.db import migrations

# Rules no code path may break: a journal entry balances when its transaction commits and is never rewritten,
# and a payment's refunds never add up to more than the owner was charged (checked under a lock on the payment,
# so two refunds at once cannot both slip under the limit).
FORWARD = """
CREATE OR REPLACE FUNCTION chefu_journal_balanced() RETURNS trigger AS $$
DECLARE
    target bigint;
    total numeric;
    line_count integer;
BEGIN
    IF TG_TABLE_NAME = 'payments_journalentry' THEN
        target := NEW.id;
    ELSE
        target := NEW.entry_id;
    END IF;
    SELECT COALESCE(SUM(amount), 0), COUNT(*) INTO total, line_count
      FROM payments_journalline WHERE entry_id = target;
    IF total <> 0 OR line_count < 2 THEN
        RAISE EXCEPTION 'journal entry % does not balance (% over % lines)', target, total, line_count
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER journalentry_balanced AFTER INSERT ON payments_journalentry
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION chefu_journal_balanced();
CREATE CONSTRAINT TRIGGER journalline_balanced AFTER INSERT ON payments_journalline
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION chefu_journal_balanced();

CREATE OR REPLACE FUNCTION chefu_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: post a correcting entry instead', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER journalentry_append_only BEFORE UPDATE OR DELETE ON payments_journalentry
    FOR EACH ROW EXECUTE FUNCTION chefu_append_only();
CREATE TRIGGER journalline_append_only BEFORE UPDATE OR DELETE ON payments_journalline
    FOR EACH ROW EXECUTE FUNCTION chefu_append_only();

CREATE OR REPLACE FUNCTION chefu_refunds_within_payment() RETURNS trigger AS $$
DECLARE
    charged numeric;
    refunded numeric;
BEGIN
    SELECT amount INTO charged FROM payments_payment WHERE id = NEW.payment_id FOR UPDATE;
    SELECT COALESCE(SUM(amount), 0) INTO refunded
      FROM payments_refund WHERE payment_id = NEW.payment_id AND status <> 'failed';
    IF refunded > charged THEN
        RAISE EXCEPTION 'refunds of payment % (%) exceed what was charged (%)', NEW.payment_id, refunded, charged
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER refund_within_payment AFTER INSERT OR UPDATE OF amount, status ON payments_refund
    FOR EACH ROW EXECUTE FUNCTION chefu_refunds_within_payment();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS refund_within_payment ON payments_refund;
DROP FUNCTION IF EXISTS chefu_refunds_within_payment();
DROP TRIGGER IF EXISTS journalline_append_only ON payments_journalline;
DROP TRIGGER IF EXISTS journalentry_append_only ON payments_journalentry;
DROP FUNCTION IF EXISTS chefu_append_only();
DROP TRIGGER IF EXISTS journalline_balanced ON payments_journalline;
DROP TRIGGER IF EXISTS journalentry_balanced ON payments_journalentry;
DROP FUNCTION IF EXISTS chefu_journal_balanced();
"""


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
