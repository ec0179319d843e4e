"""Helpers shared by the notification tests and the outbox's integration test: a sender that records what it is
asked to send (in-process, so a worker thread's sends are seen too) and a broker outage."""

import base64
import contextlib
import json
import threading
import time
from collections.abc import Iterator

import redis
from django.conf import settings

from chefu.celery import app as celery_app
from notifications.models import Message
from notifications.senders import Sender, SmsProvider

RECORDING = "tests.notifications.support.RecordingSender"
DELIVER_TASK = "notifications.tasks.message_deliver_task"
SWEEP_TASK = "notifications.tasks.messages_deliver_due_task"
# Nothing listens there: connections are refused at once.
DEAD_BROKER_URL = "redis://127.0.0.1:1/0"

BOOKING_PARAMS = {
    "store_name": "人民广场店",
    "service_name": "小保养",
    "start": "11月25日 09:30",
    "booking_id": "12",
    "address": "上海市黄浦区人民大道100号",
}


class RecordingSender(Sender):
    """Records the id of every message it sends. ``failures``: errors raised by the next calls, one each;
    ``fail_always``: raised by every call; ``delay_s``: time each send takes."""

    sent: list[int] = []
    calls: list[int] = []
    failures: list[Exception] = []
    fail_always: Exception | None = None
    delay_s: float = 0.0
    _lock = threading.Lock()

    @classmethod
    def reset(cls) -> None:
        with cls._lock:
            cls.sent, cls.calls, cls.failures = [], [], []
            cls.fail_always, cls.delay_s = None, 0.0

    def send(self, message: Message) -> str:
        cls = type(self)
        with cls._lock:
            cls.calls.append(message.pk)
            error = cls.fail_always or (cls.failures.pop(0) if cls.failures else None)
        if cls.delay_s:
            time.sleep(cls.delay_s)
        if error is not None:
            raise error
        with cls._lock:
            cls.sent.append(message.pk)
        return f"rec-{message.pk}"


def record_every_channel(settings_fixture) -> type[RecordingSender]:
    """Route every channel to RecordingSender (through pytest-django's ``settings`` fixture) and return it."""
    RecordingSender.reset()
    settings_fixture.NOTIFICATION_SENDERS = {"sms": RECORDING, "email": RECORDING, "in_app": RECORDING}
    return RecordingSender


@contextlib.contextmanager
def broker_down() -> Iterator[None]:
    """Point the Celery app at a port where nothing listens, with fresh (empty) connection and producer pools;
    put everything back afterwards. A worker already consuming keeps its own connection to the real broker."""
    saved = celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool
    celery_app.conf.broker_url = DEAD_BROKER_URL
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool = saved


class Queue:
    """The test broker's queue of deliveries (Redis DB TEST_REDIS_DB + 1), read without consuming."""

    def __init__(self):
        assert celery_app.conf.broker_url == settings.CELERY_BROKER_URL  # the test broker, never the demo's
        self.name = settings.CELERY_TASK_ROUTES[DELIVER_TASK]["queue"]
        self.redis = redis.Redis.from_url(settings.CELERY_BROKER_URL)

    def purge(self) -> None:
        self.redis.delete(self.name)

    def deliveries(self) -> list[int]:
        """Message ids of the queued delivery tasks, oldest first (kombu's Redis envelope; body is base64 JSON)."""
        out = []
        for raw in reversed(self.redis.lrange(self.name, 0, -1)):
            envelope = json.loads(raw)
            if envelope["headers"]["task"] == DELIVER_TASK:
                args, _kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
                out.extend(args)
        return out


class FakeSmsProvider(SmsProvider):
    """Stands in for a gateway such as Aliyun's: keeps the requests and answers with its own id."""

    requests: list[dict] = []

    def send_sms(self, *, phone: str, text: str, out_id: str) -> str:
        type(self).requests.append({"phone": phone, "text": text, "out_id": out_id})
        return f"aliyun-{out_id}"
