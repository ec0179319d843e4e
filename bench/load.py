"""Load on the served platform: gunicorn, a Celery worker and locust on 127.0.0.1, then a check of the books.

    .venv/bin/python bench/load.py [--case nearby|nearby_price|availability|mix|all] [--users 16] [--time 30]
                                   [--workers N] [--worker-class sync|gthread] [--threads N] [--access-log]
                                   [--server-env KEY=VALUE ...] [--owners 200] [--port 8123] [--keep]

The dev database is never touched: the script drops and recreates ``chefu_load`` (its name derived from
DATABASE_URL), migrates it, loads the demo (``seed_demo``: 300 stores around Shanghai) and adds ``--owners`` car
owners with a car and a bearer token each (issued by ``accounts.services.token_issue``, one address each, as real
phones would have). ``--keep`` reuses the database when it holds the same demo and owners; the bookings of earlier
runs stay (the checks hold for them too). Cache, throttles and the Celery broker use Redis database ``--redis-db``,
emptied first.

The platform is served as ``make run`` serves it (``chefu.settings.demo``, gunicorn with deploy/gunicorn.conf.py,
one Celery worker on every queue, which delivers the sandbox's payment notifications back to gunicorn); the serving
model can be changed from the command line (``--workers``, ``--worker-class``, ``--threads``, ``--access-log``) or
the server's environment (``--server-env SLOTS_CACHE_TTL_S=1``, say) to compare. Each case runs locust headless with
``--users`` users for ``--time`` seconds (``bench/locustfile.py`` holds the users) and prints requests per second,
p50/p95/p99 and failures per endpoint. Then, after the worker has emptied its queues, the database is checked: no two
live bookings overlap on a bay, every succeeded payment was applied once (one "succeeded" event, one journal entry),
every confirmed booking is paid, and ``payments.reconciliation.mismatches()`` (``manage.py reconcile``) is empty.

The load generator shares the machine's cores with gunicorn, PostgreSQL and Redis: the load average is printed at the
start and the end.
"""

import argparse
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402
from bench.harness import step, verdict  # noqa: E402

LOAD_DB = "chefu_load"
BIN = ROOT / ".venv" / "bin"
STORES = 300
# Searches fall over central Shanghai, where the demo's stores are.
CENTER = (31.2304, 121.4737)
SPREAD_DEG = 0.08
DAYS_AHEAD = 6
OWNER_PHONE_PREFIX = "147"  # the bench's car owners: 14700000000, 14700000001, ...
# The issue's goals on a 2-core machine: (case, requests per second, p99 ms or None, endpoint the goal is about).
GOALS = {
    "nearby": (600, 100, "GET /stores/nearby"),
    "nearby_price": (300, None, "GET /stores/nearby?service&sort=price"),
    "availability": (600, None, "GET /stores/{id}/availability"),
    "mix": (250, None, "Aggregated"),
}
# The bench's owners sign in by password only here, in this process: a cheap hasher spares minutes of hashing (the
# server never checks these passwords; it reads the bearer tokens issued with them).
FAST_HASHING = None  # set in main(), once Django is set up
USERS = {
    "nearby": "NearbyUser",
    "nearby_price": "NearbyPriceUser",
    "availability": "AvailabilityUser",
    "mix": "MixUser",
}


# --- The database -----------------------------------------------------------------------------------


def _label(args: argparse.Namespace) -> str:
    return f"chefu-load demo stores={STORES} owners={args.owners}"


def load_data(args: argparse.Namespace) -> None:
    """The demo and the bench's car owners (their cars and tokens are made again on every run)."""
    import logging

    from django.core.management import call_command

    from accounts.services import user_create, vehicle_create

    logging.disable(logging.INFO)  # the demo's pages and tasks say what they do, line by line
    with step(f"loading the demo ({STORES} stores)"), open(os.devnull, "w") as quiet:
        call_command("seed_demo", stores=STORES, stdout=quiet)
    with step(f"creating {args.owners} car owners with a car each"), FAST_HASHING:
        for i in range(args.owners):
            owner = user_create(
                phone=f"{OWNER_PHONE_PREFIX}{i:08d}",
                password="chefu-load-2026",
                name=f"车主{i}",
                validate_password_strength=False,
            )
            vehicle_create(
                owner=owner, plate=f"沪C{i:05d}", make="丰田", model="凯美瑞", year=2020, mileage_km=30000 + i
            )


def data_file(args: argparse.Namespace, path: Path) -> None:
    """What the locust users need: tokens, cars, the manager's store, every bookable store with its services."""
    from accounts.models import User, Vehicle
    from accounts.services import token_issue
    from catalog.models import Offering
    from demo.accounts import MANAGER
    from stores.models import StoreMembership, StoreStatus

    owners = []
    with FAST_HASHING:
        for i in range(args.owners):
            phone = f"{OWNER_PHONE_PREFIX}{i:08d}"
            # One address per owner (10.x.y.z), as phones would have: the sign-in throttle counts per address.
            ip = f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"
            token = token_issue(phone=phone, password="chefu-load-2026", ip=ip).token
            vehicle_id = Vehicle.objects.filter(owner__phone=phone).values_list("pk", flat=True).get()
            owners.append({"token": token, "vehicle_id": vehicle_id})
    manager = User.objects.get(phone=MANAGER.phone)
    store_id = StoreMembership.objects.filter(user=manager).values_list("store_id", flat=True).first()
    manager_token = token_issue(phone=MANAGER.phone, password="chefu-demo-2026", ip="10.255.0.1").token
    offered: dict[int, list[str]] = {}
    rows = Offering.objects.filter(
        is_active=True,
        current__isnull=False,
        service__is_active=True,
        service__kind="standard",
        store__status__in=(StoreStatus.ACTIVE, StoreStatus.PROBATION),
    ).values_list("store_id", "service_id")
    for store, service in rows:
        offered.setdefault(store, []).append(service)
    services = sorted({s for codes in offered.values() for s in codes})
    path.write_text(
        json.dumps(
            {
                "owners": owners,
                "manager": {"token": manager_token, "store_id": store_id},
                "stores": [{"id": store, "services": codes} for store, codes in sorted(offered.items())],
                "services": services,
                "center": CENTER,
                "spread_deg": SPREAD_DEG,
                "days": DAYS_AHEAD,
            }
        ),
        encoding="utf-8",
    )
    print(f"{len(owners)} owners, {len(offered)} bookable stores, {len(services)} services")


# --- Serving ----------------------------------------------------------------------------------------


class Served:
    """gunicorn and one Celery worker on the load database, each in its own process group."""

    def __init__(self, args: argparse.Namespace, url: str, workdir: Path) -> None:
        self.args = args
        self.base = f"http://127.0.0.1:{args.port}"
        metrics = workdir / "prometheus"
        metrics.mkdir()
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "chefu.settings.demo",
            "DATABASE_URL": url,
            "REDIS_URL": f"redis://127.0.0.1:6379/{args.redis_db}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PAYMENT_NOTIFY_BASE_URL": self.base,
            "WAGTAILADMIN_BASE_URL": self.base,
            "PROMETHEUS_MULTIPROC_DIR": str(metrics),
        }
        for pair in args.server_env:
            key, _, value = pair.partition("=")
            self.env[key] = value
        self.workdir = workdir
        self.processes: list[subprocess.Popen] = []

    def _start(self, name: str, command: list[str]) -> None:
        with open(self.workdir / f"{name}.log", "w") as log:  # the child keeps its own copy
            self.processes.append(
                subprocess.Popen(
                    command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            )

    def start(self) -> None:
        from chefu.broker import QUEUES

        gunicorn = [str(BIN / "gunicorn"), "chefu.wsgi:application", "-c", "deploy/gunicorn.conf.py"]
        gunicorn += ["--bind", f"127.0.0.1:{self.args.port}"]
        if self.args.workers:
            gunicorn += ["--workers", str(self.args.workers)]
        if self.args.worker_class:
            gunicorn += ["--worker-class", self.args.worker_class]
        # gunicorn runs threads whenever threads > 1, whatever the class: sync means one (the conf's default is 4)
        threads = self.args.threads or (1 if self.args.worker_class == "sync" else None)
        if threads:
            gunicorn += ["--threads", str(threads)]
        if self.args.access_log:
            gunicorn += ["--access-logfile", "-"]
        self._start("gunicorn", gunicorn)
        self._start(
            "worker",
            [str(BIN / "celery"), "-A", "chefu", "worker", "-l", "warning", "-Q", ",".join(QUEUES), "-c", "2"],
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base}/api/v1/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if any(p.poll() is not None for p in self.processes):
                break
            time.sleep(0.5)
        self.stop()
        sys.exit(f"the platform did not come up: see {self.workdir}/gunicorn.log")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def queues_empty(redis_db: int) -> bool:
    import redis

    from chefu.broker import QUEUES

    client = redis.Redis(host="127.0.0.1", port=6379, db=redis_db)
    return sum(client.llen(queue) for queue in QUEUES) == 0 and not client.hlen("unacked")


# --- Load -------------------------------------------------------------------------------------------


def run_case(case: str, args: argparse.Namespace, served: Served, data: Path) -> tuple[list[str], bool]:
    prefix = served.workdir / case
    command = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--host",
        served.base,
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.users),
        "--run-time",
        f"{args.time}s",
        "--stop-timeout",
        "5",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "ERROR",
        USERS[case],
    ]
    print(f"\n-- {case}: {args.users} users for {args.time} s (load average {harness.load_average()})", flush=True)
    subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, "LOAD_DATA": str(data)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    print(f"{'endpoint':44} {'req/s':>8} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>7} {'n':>7} {'fail':>5}")
    found = {}
    for row in rows:
        name = row["Name"] if row["Type"] else "Aggregated"
        found[name] = row
        print(
            f"{name:44} {float(row['Requests/s']):8.1f} {row['50%']:>6} {row['95%']:>6} {row['99%']:>6}"
            f" {float(row['Max Response Time']):7.0f} {row['Request Count']:>7} {row['Failure Count']:>5}"
        )
    failures_file = Path(f"{prefix}_failures.csv")
    if failures_file.exists():
        for row in list(csv.DictReader(failures_file.open(encoding="utf-8")))[:10]:
            print(f"   failure: {row['Method']} {row['Name']}: {row['Error'][:150]} (x{row['Occurrences']})")
    rate_goal, p99_goal, endpoint = GOALS[case]
    row = found.get(endpoint) or found["Aggregated"]
    rate, p99 = float(row["Requests/s"]), float(row["99%"])
    failures = int(found["Aggregated"]["Failure Count"])
    ok = rate >= rate_goal and (p99_goal is None or p99 <= p99_goal) and failures == 0
    goal = f"≥ {rate_goal} req/s" + (f", p99 ≤ {p99_goal} ms" if p99_goal else "") + ", 0 failures"
    line = f"{case}: {endpoint} {rate:.0f} req/s, p99 {p99:.0f} ms, {failures} failures (goal {goal}) {verdict(ok)}"
    return [line], ok


# --- After: the books -------------------------------------------------------------------------------


def check_books() -> tuple[list[str], bool]:
    from django.db import connection
    from django.db.models import Count, Q

    from bookings.models import LIVE_STATUSES, Booking, BookingStatus
    from payments.models import JournalEntry, Payment, PaymentEvent, PaymentStatus
    from payments.reconciliation import mismatches

    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT count(*) FROM {Booking._meta.db_table} a JOIN {Booking._meta.db_table} b
                ON a.bay_id = b.bay_id AND a.id < b.id
               AND tstzrange(a.start, a.blocks_until) && tstzrange(b.start, b.blocks_until)
             WHERE a.status = ANY(%(live)s) AND b.status = ANY(%(live)s)""",
            {"live": list(LIVE_STATUSES)},
        )
        overlaps = cursor.fetchone()[0]
    succeeded = Payment.objects.filter(status=PaymentStatus.SUCCEEDED)
    twice = succeeded.annotate(
        n=Count("events", filter=Q(events__to_status=PaymentStatus.SUCCEEDED), distinct=True)
    ).exclude(n=1)
    entries = (
        JournalEntry.objects.filter(payment__in=succeeded, kind="payment")
        .values("payment")
        .annotate(n=Count("pk"))
        .exclude(n=1)
    )
    unentered = succeeded.exclude(entries__kind="payment")
    confirmed = Booking.objects.filter(status=BookingStatus.CONFIRMED)
    # The demo's seed confirms some of its own bookings without a payment: only the bench owners' are checked here.
    unpaid = confirmed.filter(owner__phone__startswith=OWNER_PHONE_PREFIX).exclude(
        payments__status=PaymentStatus.SUCCEEDED
    )
    problems = mismatches()
    lines = [
        f"bookings: {Booking.objects.count()} ({confirmed.count()} confirmed, "
        f"{Booking.objects.filter(status=BookingStatus.PENDING_PAYMENT).count()} awaiting payment);"
        f" overlapping live bookings on a bay: {overlaps}",
        f"payments: {succeeded.count()} succeeded, {Payment.objects.filter(status=PaymentStatus.PENDING).count()}"
        f" pending; with other than one 'succeeded' event: {twice.count()}; with other than one journal entry:"
        f" {entries.count() + unentered.count()}; confirmed bookings without a succeeded payment: {unpaid.count()}",
        f"reconcile: {len(problems)} mismatches" + "".join(f"\n   {p}" for p in problems[:10]),
        f"payment events in all: {PaymentEvent.objects.count()}",
    ]
    ok = not (overlaps or twice.exists() or entries.exists() or unentered.exists() or unpaid.exists() or problems)
    return lines, ok


# --- Main -------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", choices=[*USERS, "all"], default="all")
    parser.add_argument("--users", type=int, default=16, help="concurrent locust users (16, as wrk's connections)")
    parser.add_argument("--time", type=int, default=30, help="seconds of load per case")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: deploy/gunicorn.conf.py's)")
    parser.add_argument("--worker-class", help="gunicorn worker class (sync, gthread)")
    parser.add_argument("--threads", type=int, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--access-log", action="store_true", help="gunicorn's access log on (as before issue 16)")
    parser.add_argument("--server-env", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--owners", type=int, default=200)
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--redis-db", type=int, default=11)
    parser.add_argument("--keep", action="store_true", help=f"reuse {LOAD_DB} if it holds the same data")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    print(f"load average at the start: {harness.load_average()}")

    url = harness.bench_database_url(LOAD_DB)
    label = _label(args)
    reuse = harness.prepare_database(url, name=LOAD_DB, label=label, keep=args.keep)
    harness.setup_django(
        url,
        name=LOAD_DB,
        env={"REDIS_URL": f"redis://127.0.0.1:6379/{args.redis_db}", "PAYMENT_SANDBOX_ENABLED": "true"},
        quiet=True,
    )
    harness.migrate(LOAD_DB)
    global FAST_HASHING
    from django.test import override_settings

    FAST_HASHING = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    if not reuse:
        load_data(args)
        harness.mark_dataset(url, name=LOAD_DB, label=label)
    from django.core.cache import cache

    cache.clear()
    import redis

    redis.Redis(host="127.0.0.1", port=6379, db=args.redis_db).flushdb()

    workdir = Path(tempfile.mkdtemp(prefix="chefu-load-"))
    data = workdir / "data.json"
    with step("tokens and the stores' offers"):
        data_file(args, data)
    served = Served(args, url, workdir)
    lines: list[str] = []
    ok = True
    with step("starting gunicorn and a Celery worker"):
        served.start()
    try:
        for case in USERS if args.case == "all" else [args.case]:
            case_lines, case_ok = run_case(case, args, served, data)
            lines += case_lines
            ok = ok and case_ok
        with step("waiting for the worker to empty its queues"):
            deadline = time.monotonic() + 120
            while not queues_empty(args.redis_db) and time.monotonic() < deadline:
                time.sleep(1)
            time.sleep(3)  # the last notifications in flight
    finally:
        served.stop()
    from django.db import connection

    connection.close()
    book_lines, books_ok = check_books()
    print("\n-- the books")
    for line in book_lines:
        print(line)
    lines += [f"books: {verdict(books_ok)}"]
    ok = ok and books_ok
    harness.print_summary(f"load ({args.case})", lines, started=started)
    print(f"logs and locust's CSV files: {workdir}")
    if ok:
        shutil.rmtree(workdir / "prometheus", ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
