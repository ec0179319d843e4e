from django.db import migrations

# Owners' earlier words and the moderation trail are history: never changed, never deleted (a review's deletion
# would cascade to them, and is refused unless the transaction sets chefu.purging, as the demo reset does). A review carries at most 9 photos, counted under a
# lock on the review's row so two uploads at once cannot both make the tenth.
FORWARD = """
CREATE OR REPLACE FUNCTION chefu_reviews_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('chefu.purging', true) = 'on' THEN
        RETURN OLD;  -- a demo reset deleting whole reviews (reviews.services.reviews_purge)
    END IF;
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER reviewrevision_append_only BEFORE UPDATE OR DELETE ON reviews_reviewrevision
    FOR EACH ROW EXECUTE FUNCTION chefu_reviews_append_only();
CREATE TRIGGER moderationaction_append_only BEFORE UPDATE OR DELETE ON reviews_moderationaction
    FOR EACH ROW EXECUTE FUNCTION chefu_reviews_append_only();

CREATE OR REPLACE FUNCTION chefu_review_photos_limit() RETURNS trigger AS $$
DECLARE
    photos integer;
BEGIN
    PERFORM 1 FROM reviews_review WHERE id = NEW.review_id FOR UPDATE;
    SELECT COUNT(*) INTO photos FROM reviews_reviewphoto WHERE review_id = NEW.review_id;
    IF photos > 9 THEN
        RAISE EXCEPTION 'review % would have % photos (at most 9)', NEW.review_id, photos
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER reviewphoto_limit AFTER INSERT OR UPDATE OF review_id ON reviews_reviewphoto
    FOR EACH ROW EXECUTE FUNCTION chefu_review_photos_limit();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS reviewphoto_limit ON reviews_reviewphoto;
DROP FUNCTION IF EXISTS chefu_review_photos_limit();
DROP TRIGGER IF EXISTS moderationaction_append_only ON reviews_moderationaction;
DROP TRIGGER IF EXISTS reviewrevision_append_only ON reviews_reviewrevision;
DROP FUNCTION IF EXISTS chefu_reviews_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
