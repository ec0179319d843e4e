"""The read replica (chefu/db_router.py, scripts/replica.sh): nothing changes without one; with one, a lagging
replica never shows users a state older than their own writes (tests/chefu/replica_scenarios.py, run here against a
private primary and its streaming replica made by the script)."""

import os
import re
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from bookings.engine import calendars_load
from chefu.backups import Connection
from chefu.db_router import ReplicaRouter, read_alias
from stores.models import Store
from tests.bookings.conftest import booking_body, local, make_shop, tomorrow

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "replica.sh"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def replica_pair():
    """A private primary and its streaming replica, on free ports, gone afterwards: the machine's own cluster is
    never touched. Under /tmp, which the ``postgres`` OS user (the clusters' owner when we run as root) can enter."""
    base = Path(tempfile.mkdtemp(prefix="chefu-replica-"))
    base.chmod(0o755)
    primary, replica = base / "primary", base / "replica"
    ports = _free_port(), _free_port()
    try:
        subprocess.run([SCRIPT, "primary", primary, str(ports[0])], check=True, capture_output=True, text=True)
        subprocess.run(
            [SCRIPT, "replica", replica, str(ports[1]), str(ports[0])], check=True, capture_output=True, text=True
        )
        yield ports
    except subprocess.CalledProcessError as error:
        pytest.fail(f"scripts/replica.sh failed: {error.stderr}")
    finally:
        for cluster in (replica, primary):
            subprocess.run([SCRIPT, "destroy", cluster], capture_output=True)
        base.rmdir()


@pytest.mark.django_db
def test_without_a_replica_everything_stays_on_the_default_database(owner_client, owner):
    assert "replica" not in settings.DATABASES
    router = ReplicaRouter()
    assert router.db_for_read(Store) is None and router.db_for_write(Store) is None
    assert router.allow_migrate("default", "stores") is None
    assert read_alias(Store) == "default"
    # a user's write and their read work as before, and nothing is recorded for stickiness
    shop = make_shop()
    car = owner_client.post("me/vehicles", {"plate": "沪A12345", "make": "大众", "model": "朗逸", "year": 2019})
    assert car.status_code == 201
    assert owner_client.post("bookings", booking_body(shop, owner.vehicles.get())).status_code == 201
    assert owner_client.get("me/vehicles").json()["count"] == 1
    assert cache.keys("replica:*") == []
    assert set(calendars_load(stores=[shop], start=local(tomorrow(), 0), end=local(tomorrow(), 23))) == {shop.pk}


def _copy_the_test_database(*, port: int, name: str) -> None:
    """The suite's test database, as the migrations left it, into ``name`` on the private primary: a transactional
    test starts from the migrations' rows (serialized rollback), so a dump taken then is what a fresh migrate writes,
    in seconds where migrating the whole chain again took minutes."""
    source = Connection.of(connection.settings_dict)
    target = Connection.of({"HOST": "127.0.0.1", "PORT": port, "USER": "postgres"}, name=name)

    def run(command: list[str], conn: Connection) -> None:
        done = subprocess.run(command, env=conn.env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"{command[0]} failed: {done.stderr[-3000:]}"

    with tempfile.TemporaryDirectory() as folder:
        dump = str(Path(folder) / "test.dump")
        run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", *source.args, f"--file={dump}",
             source.name], source)  # fmt: skip
        run(["createdb", "--template=template0", "--encoding=UTF8", *target.args, name], target)
        run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", *target.args, f"--dbname={name}", dump],
            target)  # fmt: skip


# Transactional, so that it starts from the migrations' rows, which it copies to the private primary for the run of
# the scenarios (tests/chefu/replica_scenarios.py); the run itself reuses that database (--reuse-db).
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(900)
def test_a_lagging_replica_never_shows_a_user_a_state_older_than_their_own_write(replica_pair):
    primary_port, replica_port = replica_pair
    _copy_the_test_database(port=primary_port, name="test_chefu_replica")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgis://postgres@127.0.0.1:{primary_port}/postgres",
        "DATABASE_REPLICA_URL": f"postgis://postgres@127.0.0.1:{replica_port}/postgres",
        "TEST_REPLICA": "1",
        "TEST_DATABASE_NAME": "test_chefu_replica",
    }
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--reuse-db", "tests/chefu/replica_scenarios.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
    assert re.fullmatch(r"5 passed in .*", summary), summary
