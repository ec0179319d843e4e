from django.db import migrations

# A journal entry deleted by such a purge in the transaction that wrote it has nothing left to balance.
# The journal and issued statements stay append-only, except for a transaction that sets chefu.purging = 'on': the
# demo reset (``demo.payments.demo_money_reset``), which deletes every booking and so every money record with it.
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
    IF NOT EXISTS (SELECT 1 FROM payments_journalentry WHERE id = target) THEN
        RETURN NULL;  -- purged in the same transaction (a demo reset): nothing left to balance
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

CREATE OR REPLACE FUNCTION chefu_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('chefu.purging', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only: post a correcting entry instead', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""

BACKWARD = """
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

CREATE OR REPLACE FUNCTION chefu_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: post a correcting entry instead', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("payments", "0008_coupon_limit_on_new_use")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
