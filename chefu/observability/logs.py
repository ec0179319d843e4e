"""Log records carry the request id; the console writes them as text (development) or one JSON object a line
(production: ``LOG_FORMAT=json``)."""

import logging

from chefu.observability.context import request_id_get
from chefu.observability.tasks import task_current

FORMATS = ("plain", "json")

# Plain: for a person at a terminal. JSON: what a log shipper reads; every ``extra`` a call passes becomes a field.
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# ``time``: the record's instant in UTC, ISO 8601.
JSON_FIELDS = ["levelname", "name", "message"]
JSON_RENAMED = {"levelname": "level", "name": "logger"}


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record ("-" outside a request or a task queued by one), and in a task
    ``task_id`` and ``task_name``. On the handlers, so records from every logger get it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_get() or "-"
        task = task_current()
        if task is not None:
            record.task_id, record.task_name = task
        return True


def logging_config(*, log_format: str, level: str) -> dict:
    """The ``LOGGING`` dict for Django (and, through ``chefu.observability.tasks``, the Celery worker)."""
    if log_format not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {log_format!r}")
    formatters = {
        "plain": {"format": PLAIN_FORMAT},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": JSON_RENAMED,
            "timestamp": "time",
            "json_ensure_ascii": False,
        },
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "chefu.observability.logs.RequestIdFilter"}},
        "formatters": {log_format: formatters[log_format]},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": log_format, "filters": ["request_id"]},
        },
        "root": {"handlers": ["console"], "level": level},
    }
