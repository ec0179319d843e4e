"""The refund's timeline (``RefundEvent``), and the rows the refunds already made would have written: decided when
created, then paid back or failed when completed."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

BACKFILL = """
INSERT INTO payments_refundevent (refund_id, at, from_status, to_status, reason, details)
SELECT id, created_at, '', 'pending', reason, jsonb_build_object('cause', cause) FROM payments_refund;
INSERT INTO payments_refundevent (refund_id, at, from_status, to_status, reason, details)
SELECT id, greatest(completed_at, created_at), 'pending', status, 'provider answer', '{}'::jsonb
  FROM payments_refund WHERE status <> 'pending';
"""

class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0010_booking_amount_unapplied'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='RefundEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(default=django.utils.timezone.now)),
                ('from_status', models.CharField(blank=True, max_length=10)),
                ('to_status', models.CharField(choices=[('pending', 'Pending'), ('succeeded', 'Succeeded'), ('failed', 'Failed')], max_length=10)),
                ('reason', models.TextField(blank=True)),
                ('details', models.JSONField(blank=True, default=dict)),
                ('by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('refund', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='payments.refund')),
            ],
            options={
                'ordering': ['at', 'id'],
                'constraints': [models.CheckConstraint(condition=models.Q(('to_status__in', ['pending', 'succeeded', 'failed'])), name='refund_event_status_known')],
            },
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
