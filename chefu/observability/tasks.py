"""The request id travels with the tasks a request queues: a header of the task message, set when it is published
and bound again while the worker runs it, so the task's logs (and the tasks it queues in turn) carry the id of the
request that started it all. Connected by ``chefu.celery``, so the web processes and the workers both have it.

A task published with no request id bound (beat, a command) runs with none."""

import logging.config
from contextvars import ContextVar, Token

from celery import current_app, signals
from django.conf import settings

from chefu.observability.context import request_id_clean, request_id_get, request_id_reset, request_id_set

# The message header, beside Celery's own (``id``, ``root_id``, ``parent_id``...).
HEADER = "chefu_request_id"

_task: ContextVar[tuple[str, str] | None] = ContextVar("chefu_task", default=None)
# What the prerun signal bound, per task id, for postrun to undo.
_tokens: dict[str, tuple[Token, Token]] = {}


def task_current() -> tuple[str, str] | None:
    """``(task id, task name)`` of the task running in this thread, if any."""
    return _task.get()


def _on_publish(headers: dict | None = None, **_) -> None:
    request_id = request_id_get()
    if headers is not None and request_id and HEADER not in headers:
        headers[HEADER] = request_id


def _on_prerun(task_id: str | None = None, task=None, **_) -> None:
    if task_id is None or task is None:
        return
    request_id = request_id_clean(getattr(task.request, HEADER, None))
    _tokens[task_id] = (request_id_set(request_id), _task.set((task_id, task.name)))


def _on_postrun(task_id: str | None = None, **_) -> None:
    tokens = _tokens.pop(task_id, None)
    if tokens is not None:
        request_token, task_token = tokens
        _task.reset(task_token)
        request_id_reset(request_token)


def _logging_setup(**_) -> None:
    """The worker's and beat's logs as the web's (``settings.LOGGING``, ``LOG_LEVEL`` included): a receiver of
    ``setup_logging`` keeps Celery from installing its own handlers and format. ``worker_hijack_root_logger`` off
    (the tests' in-process worker) leaves the process's logging alone."""
    if current_app.conf.worker_hijack_root_logger:
        logging.config.dictConfig(settings.LOGGING)


def connect() -> None:
    """Connect the signals (``chefu.celery``). Idempotent: the handlers are module functions, held strongly."""
    signals.before_task_publish.connect(_on_publish, weak=False, dispatch_uid="chefu.request_id.publish")
    signals.task_prerun.connect(_on_prerun, weak=False, dispatch_uid="chefu.request_id.prerun")
    signals.task_postrun.connect(_on_postrun, weak=False, dispatch_uid="chefu.request_id.postrun")
    signals.setup_logging.connect(_logging_setup, weak=False, dispatch_uid="chefu.logging")
