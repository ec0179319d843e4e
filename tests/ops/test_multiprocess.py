"""Under gunicorn with several workers, /metrics reports what all of them counted, whichever worker answers the
scrape: prometheus_client's multiprocess mode, PROMETHEUS_MULTIPROC_DIR as scripts/serve.sh sets it."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from prometheus_client import Gauge, multiprocess, values

from tests.ops.scraping import parse, total

REQUESTS = 40
GET = "django_http_requests_total_by_method_total"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict  # the test database, once django_db_setup has made it
    return f"postgis://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


@pytest.fixture
def gunicorn(django_db_setup, tmp_path):
    """gunicorn with two workers on the test database, counting into its own multiprocess directory, with the
    deployed hooks."""
    port = _free_port()
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "chefu.settings.test",
        "DATABASE_URL": _database_url(),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    gunicorn_bin = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [
            str(gunicorn_bin),
            "chefu.wsgi:application",
            "--config",
            "deploy/gunicorn.conf.py",  # as deploy/chefu-web.service and scripts/serve.sh start it
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        # Ready when both workers have loaded the app (each opens its own files there as it imports the metrics).
        while len(list(metrics_dir.glob("counter_*.db"))) < 2:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start: {process.stderr.read().decode()[-3000:]}")
            time.sleep(0.2)
        assert _get(f"{base}/api/v1/health")[0] == 200
        yield base, metrics_dir
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        process.stderr.close()


def _per_process_gets(metrics_dir: Path) -> dict[str, float]:
    """GET requests counted by each worker, from its own file."""
    counts = {}
    for path in metrics_dir.glob("counter_*.db"):
        families = multiprocess.MultiProcessCollector._read_metrics([str(path)])
        counts[path.stem] = sum(s.value for family in families.values() for s in family.samples if s.name == GET)
    return counts


def test_a_scrape_adds_up_every_worker(gunicorn):
    base, metrics_dir = gunicorn
    before = total(parse(_get(f"{base}/metrics")[1].decode()), GET)

    # when: requests in parallel, so both workers take some
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: _get(f"{base}/api/v1/health")[0], range(REQUESTS)))
    assert statuses == [200] * REQUESTS

    # then: both workers counted some, and every scrape, whichever worker answers it, sees them all
    served = {pid: n for pid, n in _per_process_gets(metrics_dir).items() if n}
    assert len(served) == 2, served
    for n in range(4):
        # (a scrape is counted once it has answered: the ones before it count, itself not yet)
        assert total(parse(_get(f"{base}/metrics")[1].decode()), GET) == before + REQUESTS + 1 + n


def _live_gauge_of(pid: int, metrics_dir: Path, monkeypatch) -> None:
    """The file a gauge with multiprocess_mode="livesum" would write in process ``pid``."""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))
    monkeypatch.setattr(values, "ValueClass", values.MultiProcessValue(process_identifier=lambda: pid))
    Gauge("chefu_test_live", "A live gauge.", multiprocess_mode="livesum", registry=None).set(1)


def test_a_dead_worker_keeps_its_counts_and_loses_its_live_gauges(gunicorn, monkeypatch):
    # given: what both workers counted, and a live gauge's file (multiprocess_mode="livesum") beside each worker's
    # counters, as any such gauge would write it
    base, metrics_dir = gunicorn
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(lambda _: _get(f"{base}/api/v1/health")[0], range(REQUESTS))) == {200}
    counted = total(parse(_get(f"{base}/metrics")[1].decode()), GET)
    pids = [int(path.stem.rpartition("_")[2]) for path in metrics_dir.glob("counter_*.db")]
    for pid in pids:
        _live_gauge_of(pid, metrics_dir, monkeypatch)

    # when: one worker dies (gunicorn starts another in its place)
    os.kill(pids[0], signal.SIGKILL)

    # then: gunicorn's child_exit hook drops that worker's live gauge, not the other's, and no count is lost
    dead_gauge = metrics_dir / f"gauge_livesum_{pids[0]}.db"
    deadline = time.monotonic() + 20
    while dead_gauge.exists():
        assert time.monotonic() < deadline, "child_exit did not mark the worker dead"
        time.sleep(0.1)
    assert (metrics_dir / f"gauge_livesum_{pids[1]}.db").exists()
    assert (metrics_dir / f"counter_{pids[0]}.db").exists()
    while True:  # a scrape may reach the new worker, which only counts once it has loaded the app
        try:
            after = total(parse(_get(f"{base}/metrics")[1].decode()), GET)
            break
        except OSError:
            assert time.monotonic() < deadline, "no worker answers after the other died"
            time.sleep(0.1)
    assert after >= counted + 1
