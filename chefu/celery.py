"""The Celery app, configured from Django settings (the ``CELERY_`` names)."""

from celery import Celery

from chefu.environment import settings_module_configure
from chefu.observability import tasks as observability_tasks

settings_module_configure()

app = Celery("chefu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The request id from the request into its tasks, and the worker's logs as the web's.
observability_tasks.connect()
