"""A Celery worker in a process of its own, for the fault tests: one that can be killed (SIGKILL) mid-task and
replaced, or that runs against RabbitMQ. It runs ``celery -A chefu worker`` with the test settings on the test
database and consumes every queue of the test run (under its prefix, chefu.settings.test).

Unlike ``celery_worker`` (a thread of the test process), it shares nothing with the test but the database and the
broker: settings reach it through the environment (``env=``), and what it did is read from the database, or from
files a stand-in provider writes (tests/integration/sms_standin.py).
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from kombu import Connection

from chefu.celery import app as celery_app
from tests.celery_worker import queues_purge

ROOT = Path(__file__).resolve().parent.parent
RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")


def _database_url() -> str:
    """The test database (the one pytest-django made) as the worker's DATABASE_URL."""
    s = connection.settings_dict
    auth = f"{quote(s['USER'], safe='')}:{quote(s['PASSWORD'] or '', safe='')}@" if s["USER"] else ""
    return f"postgis://{auth}{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def queue_names() -> list[str]:
    return [queue.name for queue in celery_app.conf.task_queues]


class WorkerProcess:
    def __init__(self, *, log_dir: Path, env: dict[str, str]):
        self.name = f"fault-{uuid.uuid4().hex[:8]}"
        self.log = log_dir / f"{self.name}.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "chefu.settings.test",
            "DATABASE_URL": _database_url(),
            "CELERY_SKIP_CHECKS": "1",
            **env,
        }
        self.process: subprocess.Popen | None = None

    def start(self, *, timeout: float = 60.0) -> "WorkerProcess":
        command = [
            sys.executable, "-m", "celery", "-A", "chefu", "worker",
            "--pool=solo", "-Q", ",".join(queue_names()), "-n", f"{self.name}@%h", "-l", "info",
            "--without-heartbeat", "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while " ready." not in self.output():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                pytest.fail(f"worker {self.name} did not start:\n{self.output()[-3000:]}")
            time.sleep(0.2)
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL: the worker dies where it stands, acknowledging nothing."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker_processes(tmp_path):
    """``start(env)`` starts a worker process; all of them are stopped when the test ends."""
    started: list[WorkerProcess] = []

    def start(env: dict[str, str] | None = None) -> WorkerProcess:
        worker = WorkerProcess(log_dir=tmp_path, env=env or {})
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.stop()
    if celery_app.conf.broker_url.startswith("redis"):
        queues_purge()  # and the task a killed worker held, which Redis would give out again in an hour


def rabbitmq_connection() -> Connection:
    """A connection to the tests' RabbitMQ, or a failure that says how to get one (never a skip: CI has it)."""
    conn = Connection(RABBITMQ_URL, connect_timeout=3)
    try:
        conn.ensure_connection(max_retries=0)
    except Exception as exc:
        pytest.fail(
            f"RabbitMQ is not reachable at {RABBITMQ_URL} ({exc}). `scripts/setup.sh --dev` (make setup-dev) installs "
            "and starts rabbitmq-server; or point TEST_RABBITMQ_URL at one."
        )
    return conn


def _queues_clear(conn: Connection, *, delete: bool) -> None:
    channel = conn.default_channel
    for name in queue_names():
        try:
            channel.queue_purge(name)
            if delete:
                channel.queue_delete(name)
        except Exception:  # not declared yet (404 closes the channel): nothing to clear
            channel = conn.channel()


@contextmanager
def on_broker(url: str, transport_options: dict):
    """Point the test process's Celery app at the broker ``url``, with fresh connection and producer pools; put the
    test broker back afterwards."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.broker_transport_options, celery_app._pool, celery_app.amqp._producer_pool
    conf.broker_url = url
    conf.broker_transport_options = transport_options
    celery_app._pool = celery_app.amqp._producer_pool = None
    try:
        yield url
    finally:
        celery_app.close()
        conf.broker_url, conf.broker_transport_options, celery_app._pool, celery_app.amqp._producer_pool = saved


@contextmanager
def on_rabbitmq():
    """Point the test process's Celery app at RabbitMQ (as production's CELERY_BROKER_URL=amqp://... does), with the
    run's own queues empty; afterwards delete them and put the test broker back."""
    conn = rabbitmq_connection()
    _queues_clear(conn, delete=False)
    try:
        with on_broker(RABBITMQ_URL, {"confirm_publish": True}) as url:
            yield url
    finally:
        _queues_clear(conn, delete=True)
        conn.release()
