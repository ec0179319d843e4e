from django.db import migrations

# A statement is what the store was told it is paid: never rewritten, never deleted. A mistake is corrected on a
# later statement. chefu_append_only() comes from 0002.
FORWARD = """
CREATE TRIGGER statement_immutable BEFORE UPDATE OR DELETE ON payments_statement
    FOR EACH ROW EXECUTE FUNCTION chefu_append_only();
"""

BACKWARD = "DROP TRIGGER IF EXISTS statement_immutable ON payments_statement;"


class Migration(migrations.Migration):
    dependencies = [("payments", "0003_commissionrate_statement")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
