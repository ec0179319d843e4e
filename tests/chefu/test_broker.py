"""The queue layout (chefu.broker): every task routed to the queue of its concern, the broker's options per kind of
broker, and no task queued with an ETA a worker would hold for long (chefu.queue.send_now)."""

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from chefu import broker
from chefu.celery import app as celery_app
from chefu.queue import send_now

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".venv", "tests", "node_modules", "staticfiles", "media", "var", ".git"}


def _registered_tasks() -> set[str]:
    celery_app.loader.import_default_modules()  # what a worker imports at start-up (autodiscovered tasks modules)
    return {name for name in celery_app.tasks if not name.startswith("celery.")}


def _declared_tasks() -> set[str]:
    """The names of the tasks defined in the project's source, imported or not."""
    found = set()
    for path in ROOT.rglob("*.py"):
        if SKIP_DIRS & set(path.relative_to(ROOT).parts):
            continue
        text = path.read_text(encoding="utf-8")
        for decorator in re.finditer(r"@(?:shared_task|app\.task)\b(.*?)\n(?:async )?def ", text, re.DOTALL):
            name = re.search(r"\bname=\"([^\"]+)\"", decorator.group(1))
            assert name, f"{path}: a task without name=: name every task, and route it in chefu/broker.py"
            found.add(name.group(1))
    return found


def test_every_registered_task_is_routed_to_a_queue_of_its_concern():
    routes = broker.task_routes()
    missing = sorted(_registered_tasks() - routes.keys())
    assert not missing, f"tasks without a queue (add them to chefu.broker.TASKS_BY_QUEUE): {missing}"


def test_every_task_in_the_source_is_routed_and_every_route_names_a_task():
    declared = _declared_tasks()
    assert declared >= _registered_tasks()
    assert set(broker.task_routes()) == declared


def test_the_app_sends_each_task_to_its_queue():
    # given the test settings' queues (under the run's prefix)
    prefix = settings.QUEUE_PREFIX
    for queue, tasks in broker.TASKS_BY_QUEUE.items():
        for task in tasks:
            # when the app routes the task by name, as send_now does
            route = celery_app.amqp.router.route({}, task)
            # then it goes to the queue of its concern, which a worker consumes
            assert route["queue"].name == prefix + queue, task
    assert {q.name for q in celery_app.conf.task_queues} == set(broker.queue_names(prefix))
    assert celery_app.conf.task_default_queue == prefix + broker.DEFAULT


def test_queues_are_durable_each_on_its_own_direct_exchange():
    for queue in broker.task_queues():
        assert queue.durable and queue.exchange.durable
        assert (queue.exchange.name, queue.exchange.type, queue.routing_key) == (queue.name, "direct", queue.name)


def test_rabbitmq_gets_publisher_confirms_and_redis_a_visibility_timeout_above_the_longest_eta():
    assert broker.transport_options("amqp://guest:guest@127.0.0.1:5672//", visibility_timeout=3600) == {
        "confirm_publish": True
    }
    redis_options = broker.transport_options("redis://127.0.0.1:6379/1", visibility_timeout=3600)
    assert redis_options["visibility_timeout"] > settings.CELERY_ETA_MAX_S
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1


# --- ETAs: short ones only, on the real test broker ---------------------------------------------------------------

TASK = "bookings.tasks.booking_expire_task"


class Queued:
    """The test broker's queue of ``TASK`` (Redis DB TEST_REDIS_DB + 1), read without consuming."""

    def __init__(self):
        assert celery_app.conf.broker_url == settings.CELERY_BROKER_URL  # the test broker, never the demo's
        self.name = settings.CELERY_TASK_ROUTES[TASK]["queue"]
        self.redis = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        self.redis.delete(self.name)

    def etas(self) -> list[str | None]:
        return [json.loads(raw)["headers"]["eta"] for raw in reversed(self.redis.lrange(self.name, 0, -1))]


@pytest.fixture
def queued():
    q = Queued()
    yield q
    q.redis.delete(q.name)


def test_a_call_due_within_the_limit_is_queued_with_its_eta(queued):
    eta = timezone.now() + dt.timedelta(seconds=settings.CELERY_ETA_MAX_S - 5)
    assert send_now(TASK, [((1,), {"eta": eta})], what="a test")
    assert queued.etas() == [eta.isoformat()]


def test_a_call_due_in_24_hours_is_left_to_the_sweep(queued):
    later = timezone.now() + dt.timedelta(hours=24)
    assert send_now(TASK, [((1,), {"eta": later}), ((2,), {"countdown": 86400}), ((3,), {})], what="a test")
    assert queued.etas() == [None]  # only the call without a delay


# --- the switch: CELERY_BROKER_URL --------------------------------------------------------------------------------


def test_production_on_rabbitmq_publishes_with_confirms_into_durable_queues():
    from tests.chefu.test_settings import PRODUCTION_ENV, _read

    names = ("CELERY_BROKER_URL", "CELERY_BROKER_TRANSPORT_OPTIONS", "CELERY_TASK_ACKS_LATE")
    amqp = _read(
        "chefu.settings.production", *names, **PRODUCTION_ENV, CELERY_BROKER_URL="amqp://chefu:pw@rabbit:5672/chefu"
    )
    assert amqp == {
        "CELERY_BROKER_URL": "amqp://chefu:pw@rabbit:5672/chefu",
        "CELERY_BROKER_TRANSPORT_OPTIONS": {"confirm_publish": True},
        "CELERY_TASK_ACKS_LATE": True,
    }
    on_redis = _read("chefu.settings.production", *names, **PRODUCTION_ENV, REDIS_URL="redis://cache:6379/0")
    assert on_redis["CELERY_BROKER_URL"] == "redis://cache:6379/0"
    assert on_redis["CELERY_BROKER_TRANSPORT_OPTIONS"] == {"visibility_timeout": 3600}
