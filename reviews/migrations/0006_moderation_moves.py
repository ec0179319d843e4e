"""Moderation rows say which status a step moved the review (or its part) from and to; the rows already written
keep both blank (the table is append-only, and what they moved from was never recorded)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reviews', '0005_words_kept'),
    ]

    operations = [
        migrations.AddField(
            model_name='moderationaction',
            name='from_status',
            field=models.CharField(blank=True, default='', max_length=10),
        ),
        migrations.AddField(
            model_name='moderationaction',
            name='to_status',
            field=models.CharField(blank=True, default='', max_length=10),
        ),
    ]
