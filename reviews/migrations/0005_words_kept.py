from django.db import migrations

# Nobody's words change without a trace, whatever code runs:
# - a review's text, ratings or tags change only in the transaction that kept the previous ones as a revision stamped
#   with the edit's time (reviews.services.review_edit);
# - a reply's or a follow-up's text never changes;
# - none of them is deleted (a demo reset sets chefu.purging, see 0002).
FORWARD = """
CREATE OR REPLACE FUNCTION chefu_review_words_kept() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF current_setting('chefu.purging', true) = 'on' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION '% rows are never deleted', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_TABLE_NAME = 'reviews_review' THEN
        IF (OLD.text, OLD.tags, OLD.quality, OLD.attitude, OLD.timeliness, OLD.price_transparency, OLD.environment)
           IS DISTINCT FROM
           (NEW.text, NEW.tags, NEW.quality, NEW.attitude, NEW.timeliness, NEW.price_transparency, NEW.environment)
        THEN
            IF NEW.edited_at IS NOT DISTINCT FROM OLD.edited_at OR NOT EXISTS (
                SELECT 1 FROM reviews_reviewrevision
                 WHERE review_id = NEW.id AND replaced_at = NEW.edited_at AND text = OLD.text
            ) THEN
                RAISE EXCEPTION 'review % changed without keeping its previous words', NEW.id
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
        END IF;
    ELSIF NEW.text IS DISTINCT FROM OLD.text THEN
        RAISE EXCEPTION '% text never changes', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER review_words_kept BEFORE UPDATE OR DELETE ON reviews_review
    FOR EACH ROW EXECUTE FUNCTION chefu_review_words_kept();
CREATE TRIGGER reply_words_kept BEFORE UPDATE OR DELETE ON reviews_reply
    FOR EACH ROW EXECUTE FUNCTION chefu_review_words_kept();
CREATE TRIGGER followup_words_kept BEFORE UPDATE OR DELETE ON reviews_followup
    FOR EACH ROW EXECUTE FUNCTION chefu_review_words_kept();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS followup_words_kept ON reviews_followup;
DROP TRIGGER IF EXISTS reply_words_kept ON reviews_reply;
DROP TRIGGER IF EXISTS review_words_kept ON reviews_review;
DROP FUNCTION IF EXISTS chefu_review_words_kept();
"""


class Migration(migrations.Migration):
    dependencies = [("reviews", "0004_reply_moderation")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
