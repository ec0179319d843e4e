"""The Celery app, configured from Django settings (the ``CELERY_`` names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chefu.settings.dev")

app = Celery("chefu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
