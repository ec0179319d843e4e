"""The Celery app, configured from Django settings (the ``CELERY_`` names)."""

from celery import Celery

from chefu.environment import settings_module_configure

settings_module_configure()

app = Celery("chefu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
