"""Infrastructure faults on real services of the test's own: a private redis-server stopped while an owner books and
pays (the requests succeed; once Redis is back the sweeps send the messages and expire the unpaid booking, each
once), and a private PostgreSQL cluster stopped and started again under a gunicorn's traffic (503 while it is down,
answers again without restarting the web)."""

import collections
import datetime as dt
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from bookings.models import Booking, BookingEvent, BookingStatus
from chefu.models import EventDelivery
from chefu.queue import send_now
from notifications.models import Message, MessageStatus
from payments.models import Payment, PaymentStatus
from payments.providers import provider_get
from tests.bookings.conftest import booking_body, make_shop
from tests.celery_process import on_broker
from tests.conftest import ApiClient, issue_token
from tests.factories import PASSWORD, UserFactory, VehicleFactory
from tests.integration import sms_standin
from tests.notifications.support import SWEEP_TASK

pytestmark = pytest.mark.infra

ROOT = Path(settings.BASE_DIR)

EXPIRE_SWEEP_TASK = "bookings.tasks.bookings_expire_due_task"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        if time.monotonic() > deadline:
            pytest.fail(f"not true after {timeout} s: {what}")
        time.sleep(0.1)
    return result


# --- Redis stopped during booking and paying ----------------------------------------------------------------------


class RedisServer:
    """Debian's redis-server on 127.0.0.1:``port``, without persistence (a restart comes back empty, as a Redis
    that lost its memory does), working in ``directory``; :meth:`stop` and :meth:`start` keep the port."""

    def __init__(self, directory: Path, port: int):
        self.directory = directory
        self.port = port
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        command = [
            binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
            "--dir", str(self.directory), "--daemonize", "no", "--logfile", str(self.directory / "redis.log"),
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)

        def answers() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"redis-server exited: {(self.directory / 'redis.log').read_text()[-2000:]}")
            try:
                return client.ping()
            except redis.ConnectionError:
                return False

        wait_for(answers, timeout=10, what=f"redis-server answers on {self.port}")

    def stop(self) -> None:
        """SIGTERM, as systemd stops it; gone once this returns."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def private_redis(tmp_path, settings):
    """A redis-server of the test's own that the cache (throttles, stickiness, secrets) and the Celery broker of this
    process use; the URLs a worker process needs for it. The server is stopped afterwards."""
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisServer(directory, free_port())
    server.start()
    base = f"redis://127.0.0.1:{server.port}"
    # The databases the test settings would pick on the shared Redis (TEST_REDIS_DB, and the one above for the broker)
    cache_db = int(settings.CACHES["default"]["LOCATION"].rpartition("/")[2])
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": f"{base}/{cache_db}"}}
    broker_url = f"{base}/{cache_db + 1}"
    try:
        with on_broker(broker_url, {"visibility_timeout": 3600}):
            settings.CELERY_BROKER_URL = broker_url  # the health probes' (after on_broker saved the app's own)
            # A worker's test settings put its cache on REDIS_URL's server, database TEST_REDIS_DB (as here).
            yield server, {"REDIS_URL": f"{base}/0", "TEST_CELERY_BROKER_URL": broker_url}
    finally:
        server.stop()


def _runs(worker, task: str) -> int:
    """How many times the worker process has finished ``task``."""
    return len(re.findall(rf"{re.escape(task)}\[[-0-9a-f]+\] succeeded", worker.output()))


@pytest.mark.django_db(transaction=True)
def test_redis_stopped_while_an_owner_books_and_pays_delays_the_messages_and_the_expiry_and_loses_none(
    worker_processes, private_redis, tmp_path, settings
):
    server, redis_env = private_redis
    settings.SESSION_ENGINE = "chefu.sessions"  # production's
    standin = tmp_path / "sms"
    worker = worker_processes({**redis_env, **sms_standin.standin_dir(standin)})
    # given: an owner signed in (a token) before Redis went away, and a shop
    owner = UserFactory(roles=["owner"], phone="13800138000")
    api = ApiClient(issue_token(owner))
    browser = Client()
    browser.force_login(owner)  # a session, in the database and in Redis
    car = VehicleFactory(owner=owner)
    shop = make_shop(bays=2)

    # when: Redis stops (cache, throttles, broker), and the owner books twice and pays for the first booking
    server.stop()
    paid = api.post("bookings", booking_body(shop, car, hour=10))
    unpaid = api.post("bookings", booking_body(shop, car, hour=14))
    assert (paid.status_code, unpaid.status_code) == (201, 201), (paid.json(), unpaid.json())
    paid_id, unpaid_id = paid.json()["id"], unpaid.json()["id"]
    pay = api.post(f"bookings/{paid_id}/pay", {"provider": "sandbox"})
    assert pay.status_code == 201, pay.json()
    payment = Payment.objects.get(pk=pay.json()["payment_id"])
    # the provider's notification of the payment reaches us while Redis is still down
    params = provider_get("sandbox").build_notification(
        out_trade_no=payment.out_trade_no, amount=payment.amount, trade_status="TRADE_SUCCESS"
    )
    notified = Client().post(
        "/api/v1/payments/notify/sandbox", urlencode(params), content_type="application/x-www-form-urlencoded"
    )
    health = Client().get("/api/v1/health")
    # a signed-in browser's session is read from the database
    signed_in = browser.get("/api/v1/me/vehicles")
    # signing in and asking for an SMS code are refused (503, said plainly), not let through uncounted
    sign_in = ApiClient().post("auth/token", {"phone": owner.phone, "password": PASSWORD})
    code = ApiClient().post("auth/sms-code", {"phone": "13900139000", "purpose": "register"})

    # then: every request succeeded; the booking is paid and its messages wait in the outbox, unsent
    assert (notified.status_code, notified.content) == (200, b"success")
    assert (health.status_code, health.json()["broker"]) == (200, "down")
    assert (signed_in.status_code, signed_in.json()["count"]) == (200, 1)
    for refused in (sign_in, code):
        assert (refused.status_code, refused.json()["error"]["code"]) == (503, "service_unavailable"), refused.json()
    assert not Message.objects.filter(template__startswith="sms_code").exists()
    assert Booking.objects.get(pk=paid_id).status == BookingStatus.CONFIRMED
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.SUCCEEDED
    messages = Message.objects.filter(ref__in=[f"booking:{paid_id}", f"booking:{unpaid_id}"])
    written = {(m.ref, m.template, m.channel): m.status for m in messages}
    assert (f"booking:{paid_id}", "booking_confirmed", "sms") in written
    assert set(written.values()) == {MessageStatus.PENDING}, written
    assert sms_standin.requests(standin) == []
    # and the unpaid booking's time to pay runs out during the outage (its expiry task, if any, never got queued)
    Booking.objects.filter(pk=unpaid_id).update(pay_before=timezone.now() - dt.timedelta(seconds=1))

    # when: Redis comes back, empty, on the same port, and beat's sweeps come due
    server.start()
    for task in (EXPIRE_SWEEP_TASK, SWEEP_TASK):
        assert send_now(task, [((), {})], what=task)

    # then: the unpaid booking expired, and every message due was sent once (the phone got each SMS once)
    wait_for(
        lambda: Booking.objects.get(pk=unpaid_id).status == BookingStatus.EXPIRED,
        timeout=60,
        what=f"the unpaid booking expired; worker:\n{worker.output()[-3000:]}",
    )
    send_now(SWEEP_TASK, [((), {})], what="the sweep")
    due = messages.filter(send_after__lte=timezone.now())
    wait_for(
        lambda: set(due.values_list("status", flat=True)) == {MessageStatus.SENT},
        timeout=30,
        what=f"messages sent: {list(due.values_list('pk', 'template', 'channel', 'status'))}; "
        f"worker:\n{worker.output()[-3000:]}",
    )
    sms = list(due.filter(channel="sms").values_list("pk", flat=True))
    assert sms and sorted(sms_standin.accepted(standin)) == sorted(str(pk) for pk in sms)
    # a second beat changes nothing: no message sent again, no second expiry
    events = BookingEvent.objects.filter(booking_id=unpaid_id).count()
    runs = {task: _runs(worker, task) for task in (EXPIRE_SWEEP_TASK, SWEEP_TASK)}
    for task in runs:
        assert send_now(task, [((), {})], what=task)
    wait_for(
        lambda: all(_runs(worker, task) > before for task, before in runs.items()),
        timeout=30,
        what=f"the second beat's sweeps ran; worker:\n{worker.output()[-3000:]}",
    )
    assert sorted(sms_standin.requests(standin)) == sorted(str(pk) for pk in sms)
    assert all(m.attempts == 1 for m in due)
    assert BookingEvent.objects.filter(booking_id=unpaid_id).count() == events
    assert not EventDelivery.objects.exists()
    print(f"\nsent once each after the outage: {list(due.values_list('ref', 'template', 'channel'))}")
    worker.stop()


# --- PostgreSQL restarted under traffic ---------------------------------------------------------------------------

HOST = "chefu.example.com"
PROXY_HEADERS = {"Host": HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}
NEARBY = "/api/v1/stores/nearby?lat=31.2304&lng=121.4737&radius_km=5"
PATHS = ("/api/v1/ready", "/api/v1/health", NEARBY)


class PostgresCluster:
    """A PostgreSQL cluster of the test's own (scripts/replica.sh ``primary``: PostGIS available, trust on
    127.0.0.1, superuser ``postgres``) holding a copy of the test database: its schema, its migrations' rows."""

    script = ROOT / "scripts" / "replica.sh"

    def __init__(self, directory: Path, port: int):
        self.directory = directory
        self.port = port
        self.url = f"postgis://postgres@127.0.0.1:{port}/chefu"

    def _run(self, *command: str | Path, **env: str) -> None:
        done = subprocess.run(
            [str(c) for c in command], capture_output=True, text=True, timeout=120, env={**os.environ, **env}
        )
        if done.returncode:
            pytest.fail(f"{' '.join(map(str, command))} failed: {done.stderr[-3000:]}")

    def start(self) -> None:
        self._run(self.script, "primary", self.directory, str(self.port))

    def stop(self) -> None:
        """``pg_ctl stop -m fast``: every session is cut off, the cluster is down once this returns."""
        self._run(self.script, "stop", self.directory)

    def destroy(self) -> None:
        subprocess.run([self.script, "destroy", self.directory], capture_output=True, timeout=120)

    def copy_test_database(self, dump: Path) -> None:
        """``pg_dump`` of the test database (every migration applied: migrating afresh takes minutes), restored as
        ``chefu`` here."""
        db = connection.settings_dict
        self._run(
            "pg_dump", "-Fc", "--no-owner", "--no-privileges", "-f", dump,
            "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"], db["NAME"],
            PGPASSWORD=db["PASSWORD"] or "",
        )  # fmt: skip
        here = ("-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres")
        self._run("createdb", *here, "chefu")
        self._run("pg_restore", *here, "--no-owner", "--no-privileges", "--exit-on-error", "-d", "chefu", dump)


class Gunicorn:
    """``gunicorn chefu.wsgi:application`` with the production settings and deploy/gunicorn.conf.py, as
    deploy/chefu-web.service runs it (two workers: this machine's cores are shared with the test)."""

    def __init__(self, *, database_url: str, log: Path, workers: int = 2):
        self.port = free_port()
        self.log = log
        self.workers = workers
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "chefu.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": HOST,
            "WAGTAILADMIN_BASE_URL": f"https://{HOST}",
            "TRUSTED_PROXY_COUNT": "1",
            "DATABASE_URL": database_url,
            "REDIS_URL": settings.CACHES["default"]["LOCATION"],
            "CACHE_URL": settings.CACHES["default"]["LOCATION"],
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "LOG_FORMAT": "plain",
            "GUNICORN_CMD_ARGS": "",
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [
            sys.executable, "-m", "gunicorn", "chefu.wsgi:application", "-c", "deploy/gunicorn.conf.py",
            "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "5",
        ]  # fmt: skip
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

        def up() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited:\n{self.output()[-3000:]}")
            try:
                return self.get("/api/v1/health")[0] == 200
            except OSError:
                return False

        wait_for(up, timeout=90, what="gunicorn answers")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def get(self, path: str, *, timeout: float = 10) -> tuple[int, dict | None]:
        """A GET as nginx passes it on (deploy/nginx/chefu.conf); the status and the JSON body (None if not JSON)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path, headers=PROXY_HEADERS)
            response = conn.getresponse()
            body = response.read()
        finally:
            conn.close()
        try:
            return response.status, json.loads(body)
        except ValueError:
            return response.status, None

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()


class Traffic:
    """A few threads GETting ``PATHS`` round and round; each answer is kept with the phase it was asked and answered
    in (``"up->stopping"`` when the phase changed meanwhile)."""

    def __init__(self, web: Gunicorn, *, threads: int = 3):
        self.web = web
        self.phase = "up"
        self.answers: list[tuple[str, str, int, str, float]] = []  # phase, path, status, error code, seconds
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)]

    def _run(self, offset: int) -> None:
        i = offset
        while not self._stop.is_set():
            path, phase, started = PATHS[i % len(PATHS)], self.phase, time.monotonic()
            i += 1
            try:
                status, body = self.web.get(path)
                error = (body or {}).get("error") or {}
                # /ready names the checks that failed
                code = ":".join([error.get("code", ""), *error.get("details", {}).get("failed", [])]).strip(":")
            except OSError as exc:  # refused, reset or timed out: the web itself did not answer
                status, code = 0, type(exc).__name__
            if self.phase != phase:  # asked in one phase, answered in the next: counted apart
                phase = f"{phase}->{self.phase}"
            self.answers.append((phase, path, status, code, time.monotonic() - started))
            time.sleep(0.02)

    def __enter__(self) -> "Traffic":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(15)

    def of(self, phase: str, path: str | None = None) -> list[tuple[str, str, int, str, float]]:
        return [a for a in list(self.answers) if a[0] == phase and (path is None or a[1] == path)]

    def enter(self, phase: str, *, at_least: int) -> None:
        """Move to ``phase`` and wait until each path has ``at_least`` answers asked in it."""
        self.phase = phase
        wait_for(
            lambda: all(len(self.of(phase, path)) >= at_least for path in PATHS),
            timeout=30,
            what=f"{at_least} answers per path in phase {phase}: {self.counts()}",
        )

    def counts(self) -> dict[str, dict[str, dict[str, int]]]:
        """{phase: {path: {"status code": n}}}, for the assertions' messages and the note."""
        out: dict[str, dict[str, collections.Counter]] = {}
        for phase, path, status, code, _seconds in list(self.answers):
            out.setdefault(phase, {}).setdefault(path.split("?")[0], collections.Counter())[
                f"{status} {code}".strip()
            ] += 1
        return {phase: {path: dict(c) for path, c in paths.items()} for phase, paths in out.items()}


@pytest.fixture
def private_postgres(db, tmp_path):
    """A private cluster (under /tmp: the ``postgres`` OS user runs it when we are root) with a copy of the test
    database; destroyed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="chefu-pgfault-"))
    base.chmod(0o755)
    cluster = PostgresCluster(base / "cluster", free_port())
    try:
        cluster.start()
        cluster.copy_test_database(tmp_path / "test.dump")
        yield cluster
    finally:
        cluster.destroy()
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.django_db  # the test database, for its copy (without the mark, connection names the development one)
def test_postgresql_restarted_under_traffic_answers_503_while_down_and_recovers_without_restarting_the_web(
    private_postgres, tmp_path
):
    # given: a gunicorn of two workers (production settings, persistent connections with health checks) on the
    # private cluster, and three clients asking for readiness, liveness and a search
    web = Gunicorn(database_url=private_postgres.url, log=tmp_path / "gunicorn.log")
    web.start()
    try:
        with Traffic(web) as traffic:
            traffic.enter("up", at_least=3)
            # when: the cluster stops (fast: every session cut off) and stays down for a while
            traffic.phase = "stopping"
            private_postgres.stop()
            traffic.enter("down", at_least=5)
            # and comes back
            traffic.phase = "starting"
            private_postgres.start()
            back_at = time.monotonic()
            traffic.phase = "back"
            wait_for(
                lambda: all([a[2] for a in traffic.of("back", path)][-3:] == [200] * 3 for path in PATHS),
                timeout=30,
                what=f"three 200s in a row on each path: {traffic.counts()}",
            )
            recovered_in = time.monotonic() - back_at
        counts = traffic.counts()
        print(f"\nanswers by phase (status code: count): {json.dumps(counts, indent=1)}")
        print(f"every path answered 200 again {recovered_in:.2f} s after the cluster was back")

        # then: up, everything answered 200
        assert {a[2] for a in traffic.of("up")} == {200}, counts
        # down: /ready and /health (API.md: 503 "degraded" without the database) said 503 and the search a clean
        # error envelope, each at once: none hung on the dead database, and gunicorn itself always answered
        down = traffic.of("down")
        assert {(a[2], a[3]) for a in traffic.of("down", "/api/v1/health")} == {(503, "service_unavailable")}, counts
        assert {(a[2], *a[3].split(":")[:2]) for a in traffic.of("down", "/api/v1/ready")} == {
            (503, "service_unavailable", "database")
        }, counts
        assert {(a[2], a[3]) for a in traffic.of("down", NEARBY)} <= {(503, "service_unavailable")}, counts
        assert max(a[4] for a in down) < 5, counts
        # back: the same workers answered 200 again on fresh connections within a few seconds of the restart
        assert recovered_in < 10, counts
        assert web.process.poll() is None
        assert web.output().count("Booting worker") == web.workers, web.output()[-3000:]
    finally:
        web.stop()
