"""Fill ``Booking.amount_unapplied`` (bookings 0005) for the payments already made: the cash of each booking's
succeeded payments that settled nothing (refunded in full as paid twice, too late or superseded)."""

from django.db import migrations

FORWARD = """
UPDATE bookings_booking AS b
   SET amount_unapplied = p.total
  FROM (SELECT booking_id, sum(amount) AS total FROM payments_payment
         WHERE status = 'succeeded' AND NOT applied GROUP BY booking_id) AS p
 WHERE p.booking_id = b.id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0005_amount_unapplied"),
        ("payments", "0009_demo_purge"),
    ]

    operations = [migrations.RunSQL(FORWARD, migrations.RunSQL.noop)]
