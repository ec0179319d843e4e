"""Benchmark of the dealer auction over HTTP through gunicorn, in its own database.

    .venv/bin/python bench/consignment.py [--case bids|pollers|all] [--dealers 50] [--bids 20] [--think-ms 1000]
                                          [--pollers 300] [--poll-seconds 20] [--workers 5] [--port 8765] [--seed 1]

The dev database is never touched: the script drops and recreates ``chefu_bench_consignment`` (its name derived from
DATABASE_URL), migrates it, writes the dealers through the dealer services (applied, verified, deposit held) and the
seller's inspected car through the ORM (the inspection services' result, as the tests write it), then starts gunicorn
on it (``--workers`` sync workers, Celery on an in-memory broker) and drives it with one client per dealer, each with
its own bearer token: a thread per bidder, a coroutine of one event loop per poller.

- **bids.** ``--dealers`` dealers each send ``--bids`` bids on one auction (a third with a proxy maximum), each bid at
  the minimum the last answer named plus 0-5 increments. Two runs: *saturated* (every dealer sends its next bid as
  soon as the last is answered: accepted bids per second, the server's ceiling) and *paced* (a dealer waits
  ``--think-ms`` ± 50 % between bids, about what people do: the latency dealers see, judged against p99 ≤ 50 ms).
  Then the books: every request answered (201 or 409, nothing else), every bid recorded with the id its answer names,
  accepted amounts rising strictly in the order they were taken, the auction's price the last accepted amount.
- **pollers.** ``--pollers`` dealers follow a quiet auction for ``--poll-seconds``, each polling every 2 s with
  ``If-None-Match``: the share of 304s, their latency, and the in-process cost of one 304 (Django's test client, no
  network) with its SQL count.

The machine is shared and small (the clients run on it too): the script prints the load average and the CPU count.
"""

import argparse
import asyncio
import datetime as dt
import itertools
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402
from bench.harness import describe, pct, step, verdict  # noqa: E402

BENCH_DB = "chefu_bench_consignment"
GOAL_P99_MS = 50.0
POLL_EVERY_S = 2.0
PASSWORD = "bench-dealer-pass-42"
# gunicorn's own output (its 4xx warnings, any error), kept out of the figures.
GUNICORN_LOG = ROOT / "bench" / "consignment-gunicorn.out"


@dataclass
class Context:
    args: argparse.Namespace
    url: str
    dealers: list = field(default_factory=list)  # (dealer, token)
    base: str = ""


# --- Data -------------------------------------------------------------------------------------------------------------


def _phones(prefix: str):
    from accounts.models import User

    taken = User.objects.filter(phone__startswith=prefix).order_by("-phone").values_list("phone", flat=True).first()
    n = int(taken[len(prefix) :]) + 1 if taken else 0
    while True:
        yield f"{prefix}{n:0{11 - len(prefix)}d}"
        n += 1


def make_dealers(n: int) -> list[tuple]:
    """``n`` dealers who may bid, through the services (user, application, QA's verification, the deposit held),
    each with a bearer token: ``[(dealer, token)]``. Passwords are hashed with MD5 here only to save minutes."""
    from django.test import override_settings

    from accounts.services import token_issue, user_create
    from consignment.dealers import services as dealers

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        phones = _phones("1390")
        qa = user_create(phone=next(phones), password=PASSWORD, name="压测质检", roles=["qa"])
        out = []
        for i in range(n):
            user = user_create(
                phone=next(phones), password=PASSWORD, name=f"压测车商{i}", validate_password_strength=False
            )
            dealer = dealers.dealer_apply(user=user, company=f"压测车行{i}", license_no=f"91310000MA{user.phone[-8:]}")
            dealers.dealer_verify(dealer_id=dealer.pk, by=qa)
            dealers.dealer_deposit_held(dealer_id=dealer.pk, amount=Decimal("5000.00"))
            # one address each: the sign-in throttle counts per address
            token = token_issue(phone=user.phone, password=PASSWORD, ip=f"10.{i // 250}.{i % 250}.1").token
            out.append((dealer, token))
    return out


def make_listing(tag: str):
    """A seller's inspected car: a completed inspection booking, its published report and the draft listing, written
    through the ORM as the inspection services would leave them (they are not part of this benchmark)."""
    from django.contrib.gis.geos import Point
    from django.utils import timezone

    from accounts.models import User, Vehicle
    from bookings.models import Booking
    from catalog.models import Offering, OfferingVersion, Service
    from consignment.models import InspectionItem, InspectionReport, Listing
    from stores.models import Bay, Store

    seller = User.objects.create(phone=next(_phones("1391")), name=f"压测卖家{tag}", roles=["owner"])
    store = Store.objects.create(
        name=f"压测检测中心{tag}",
        address="上海市徐汇区漕宝路1号",
        city="上海",
        location=Point(121.43, 31.17, srid=4326),
        phone="021-60000000",
        status="active",
    )
    store.categories.set(["consignment"])
    bay = Bay.objects.create(store=store, name="检测工位")
    offering = Offering.objects.create(store=store, service_id="consignment_inspection", is_active=False)
    version = OfferingVersion.objects.create(offering=offering, number=1, labour=300, total=300, duration_min=30)
    offering.current, offering.total, offering.is_active = version, version.total, True
    offering.save()
    start = timezone.now() - dt.timedelta(days=1)
    booking = Booking.objects.create(
        owner=seller,
        store=store,
        bay=bay,
        service=Service.objects.get(code="consignment_inspection"),
        vehicle=Vehicle.objects.create(owner=seller, plate="沪C12345", make="大众", model="朗逸", year=2019),
        offering_version=version,
        status="completed",
        start=start,
        end=start + dt.timedelta(minutes=30),
        blocks_until=start + dt.timedelta(minutes=30),
        quote={"lines": [], "total": "300.00"},
        quote_total=300,
        amount_paid=300,
        cancel_free_until=start,
        cancel_fee_pct=0,
    )
    report = InspectionReport.objects.create(
        booking=booking,
        store=store,
        template_version="bench",
        vin="LSVAU2A37N2183456",
        make="大众",
        model="朗逸",
        year=2019,
        mileage_km=42_000,
        first_registered=dt.date(2019, 6, 1),
        transfers=1,
        grade_computed="B",
        grade="B",
    )
    InspectionItem.objects.create(report=report, code="paint_front_bumper", result="minor", note="划痕")
    InspectionReport.objects.filter(pk=report.pk).update(published_at=timezone.now())
    return Listing.objects.create(report=report, seller=seller, make="大众", model="朗逸", year=2019, mileage_km=42_000)


def start_auction(tag: str):
    from consignment.auctions.services import auction_start

    listing = make_listing(tag)
    return auction_start(
        listing_id=listing.pk, seller=listing.seller, reserve_price=Decimal("80000.00"), duration_min=1440
    )


# --- gunicorn ---------------------------------------------------------------------------------------------------------


def gunicorn_start(ctx: Context):
    import requests

    env = {
        **os.environ,
        "DATABASE_URL": ctx.url,
        "DJANGO_SETTINGS_MODULE": "chefu.settings.dev",
        "DEBUG": "false",
        "CELERY_BROKER_URL": "memory://",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "ERROR",
        "PYTHONWARNINGS": "ignore::UserWarning",
    }
    log = open(GUNICORN_LOG, "w")  # noqa: SIM115  (closed with the process, by gunicorn_stop's caller)
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "chefu.wsgi:application",
            "--bind",
            f"127.0.0.1:{ctx.args.port}",
            "--workers",
            str(ctx.args.workers),
            "--backlog",
            "2048",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    ctx.base = f"http://127.0.0.1:{ctx.args.port}/api/v1"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{ctx.base}/health", timeout=1).status_code in (200, 503):
                return process
        except requests.RequestException:
            time.sleep(0.2)
    gunicorn_stop(process)
    sys.exit("gunicorn did not answer within 30 s")


def gunicorn_stop(process) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def warm_up(ctx: Context) -> None:
    """Every worker's first requests build what Django makes lazily (url resolvers, the API's operations,
    translations): sent before anything is measured, on an auction of their own, from several threads at once so
    that each worker gets some."""
    import requests

    auction = start_auction("warm-up")
    url = f"{ctx.base}/consignment/auctions/{auction.pk}"

    def hit(token: str) -> None:
        session = requests.Session()
        session.headers.update({"Authorization": f"Bearer {token}"})
        for _ in range(10):
            session.get(url, timeout=30)
            session.post(f"{url}/bids", json={"amount": "1.00"}, timeout=30)

    _run_threads([lambda token=token: hit(token) for _dealer, token in ctx.dealers[: ctx.args.workers * 4]])


def _run_threads(targets) -> float:
    """Start every target behind a barrier; the seconds from the release to the last one's end."""
    barrier = threading.Barrier(len(targets) + 1)
    threads = [threading.Thread(target=lambda t=t: (barrier.wait(), t())) for t in targets]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


# --- bids -------------------------------------------------------------------------------------------------------------


@dataclass
class BidRun:
    latencies: list = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    ids: dict = field(default_factory=dict)  # bid id -> accepted
    failures: list = field(default_factory=list)


def _bidder(ctx: Context, auction_id: int, token: str, run: BidRun, lock, rng: random.Random, think_ms: int):
    import requests

    from consignment.auctions import rules

    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    minimum = rules.OPENING_BID
    url = f"{ctx.base}/consignment/auctions/{auction_id}/bids"
    for _ in range(ctx.args.bids):
        if think_ms:
            time.sleep(rng.uniform(0.5, 1.5) * think_ms / 1000)
        amount = minimum + rules.increment(minimum) * rng.randrange(0, 6)
        body = {"amount": str(amount)}
        if rng.random() < 1 / 3:
            body["max_amount"] = str(amount + rules.increment(amount) * rng.randrange(1, 6))
        started = time.perf_counter()
        try:
            response = session.post(url, json=body, timeout=30)
        except requests.RequestException as error:
            with lock:
                run.failures.append(repr(error))
            continue
        elapsed = time.perf_counter() - started
        data = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else {}
        with lock:
            run.latencies.append(elapsed)
            run.statuses[response.status_code] += 1
            if response.status_code == 201:
                run.ids[data["id"]] = True
                minimum = Decimal(data["min_next_bid"])
            elif response.status_code == 409 and data["error"]["code"] == "bid_too_low":
                run.ids[data["error"]["details"]["bid_id"]] = False
                minimum = Decimal(data["error"]["details"]["min_next_bid"])
            else:
                run.failures.append(f"{response.status_code} {response.text[:200]}")


def _books(auction_id: int, run: BidRun, sent: int) -> list[str]:
    """What the database holds after a run, against what the clients were told."""
    from consignment.models import Auction, Bid

    bids = Bid.objects.filter(auction_id=auction_id)
    mine = dict(bids.filter(by_proxy=False).values_list("id", "accepted"))
    amounts = list(bids.filter(accepted=True).order_by("id").values_list("amount", flat=True))
    auction = Auction.objects.get(pk=auction_id)
    answered = sum(run.statuses.values())
    rising = all(a < b for a, b in itertools.pairwise(amounts))
    checks = {
        "every request answered (201/409)": answered == sent and set(run.statuses) <= {201, 409} and not run.failures,
        "every bid recorded as answered": mine == run.ids and len(mine) == sent,
        "accepted amounts rise strictly": rising,
        "price = last accepted amount": bool(amounts) and auction.highest_amount == amounts[-1],
    }
    lines = [f"  {name}: {verdict(ok)}" for name, ok in checks.items()]
    lines.append(
        f"  bids recorded {len(mine)} (accepted {sum(mine.values())}, refused {len(mine) - sum(mine.values())}), "
        f"proxy bids {bids.filter(by_proxy=True).count()}, final price {auction.highest_amount}"
    )
    if run.failures:
        lines.append(f"  failures: {run.failures[:3]}")
    return lines


def _bid_run(ctx: Context, label: str, think_ms: int) -> tuple[BidRun, float, int, list[str]]:
    auction = start_auction(label)
    run, lock = BidRun(), threading.Lock()
    dealers = ctx.dealers[: ctx.args.dealers]
    targets = [
        lambda token=token, i=i: _bidder(
            ctx, auction.pk, token, run, lock, random.Random(f"{ctx.args.seed}-{i}"), think_ms
        )
        for i, (_dealer, token) in enumerate(dealers)
    ]
    wall = _run_threads(targets)
    sent = len(dealers) * ctx.args.bids
    return run, wall, auction.pk, _books(auction.pk, run, sent)


def case_bids(ctx: Context) -> list[str]:
    """Saturated, then paced: throughput, latency, the books."""
    lines = []
    for label, think in (("saturated", 0), ("paced", ctx.args.think_ms)):
        with step(f"{label}: {ctx.args.dealers} dealers x {ctx.args.bids} bids"):
            run, wall, _auction_id, books = _bid_run(ctx, label, think)
        accepted = sum(run.ids.values())
        print(f"  latency {describe(run.latencies)}")
        lines += [
            f"{label} (think {think} ms): {sum(run.statuses.values())} bids in {wall:.1f} s = "
            f"{sum(run.statuses.values()) / wall:.0f} bids/s judged and recorded; accepted {accepted} = "
            f"{accepted / wall:.1f} accepted bids/s (the rest came too late: below the minimum by then)",
            f"  latency p50 {pct(run.latencies, 50):.1f} ms, p90 {pct(run.latencies, 90):.1f} ms, "
            f"p99 {pct(run.latencies, 99):.1f} ms, max {max(run.latencies) * 1000:.1f} ms "
            f"(goal p99 <= {GOAL_P99_MS:.0f} ms: {verdict(pct(run.latencies, 99) <= GOAL_P99_MS)})",
            f"  statuses {dict(run.statuses)}",
            *books,
        ]
    return lines


# --- pollers ----------------------------------------------------------------------------------------------------------


async def _get(port: int, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
    """One GET over a fresh connection (gunicorn's sync workers close each one): the status and the headers."""

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *(f"{k}: {v}" for k, v in headers.items())]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    answer = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        answer[name.strip().lower()] = value.strip()
    await reader.read()  # the body, to the end of the connection
    writer.close()
    return status, answer


async def _pollers(ctx: Context, auction_id: int, tokens: list[str], seconds: float) -> list[tuple[int, float]]:
    """Every poller a coroutine of one event loop (300 client threads would eat the CPUs the server needs)."""

    path = f"/api/v1/consignment/auctions/{auction_id}"
    results: list[tuple[int, float]] = []
    loop = asyncio.get_running_loop()
    until = loop.time() + seconds

    async def poll(token: str, rng: random.Random) -> None:
        etag = None
        await asyncio.sleep(rng.uniform(0, POLL_EVERY_S))  # pollers do not all start on the same tick
        while loop.time() < until:
            next_at = loop.time() + POLL_EVERY_S
            headers = {"Authorization": f"Bearer {token}"} | ({"If-None-Match": etag} if etag else {})
            started = time.perf_counter()
            try:
                status, answer = await _get(ctx.args.port, path, headers)
                etag = answer.get("etag", etag)
            except OSError:
                status = 0
            results.append((status, time.perf_counter() - started))
            await asyncio.sleep(max(0.0, next_at - loop.time()))

    await asyncio.gather(*(poll(token, random.Random(i)) for i, token in enumerate(tokens)))
    return results


def _in_process_304(auction_id: int, token: str) -> tuple[list[float], int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
    path = f"/api/v1/consignment/auctions/{auction_id}"
    etag = client.get(path)["ETag"]
    timings = []
    for _ in range(300):
        started = time.perf_counter()
        response = client.get(path, HTTP_IF_NONE_MATCH=etag)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 304
    with CaptureQueriesContext(connection) as queries:
        client.get(path, HTTP_IF_NONE_MATCH=etag)
    return timings, len(queries)


def case_pollers(ctx: Context) -> list[str]:
    auction = start_auction("quiet")
    pollers = ctx.dealers[: ctx.args.pollers]
    tokens = [token for _dealer, token in pollers]
    with step(f"{len(pollers)} pollers for {ctx.args.poll_seconds} s, every {POLL_EVERY_S:.0f} s"):
        started = time.perf_counter()
        results = asyncio.run(_pollers(ctx, auction.pk, tokens, ctx.args.poll_seconds + POLL_EVERY_S))
        wall = time.perf_counter() - started
    statuses = Counter(status for status, _ in results)
    not_modified = [elapsed for status, elapsed in results if status == 304]
    full = [elapsed for status, elapsed in results if status == 200]
    in_process, queries = _in_process_304(auction.pk, pollers[0][1])
    share = statuses[304] / len(results) if results else 0.0
    expected = 1 - len(pollers) / len(results) if results else 0.0
    return [
        f"{len(results)} polls in {wall:.1f} s = {len(results) / wall:.0f} req/s; statuses {dict(statuses)}",
        f"  share of 304: {share:.1%} (every poll after each poller's first: {expected:.1%})",
        f"  304 over HTTP: {describe(not_modified) if not_modified else '-'}",
        f"  200 over HTTP: {describe(full) if full else '-'}",
        f"  304 in process: p50 {pct(in_process, 50):.2f} ms, p99 {pct(in_process, 99):.2f} ms, {queries} SQL queries "
        "(the token and one indexed read)",
    ]


CASES = {"bids": case_bids, "pollers": case_pollers}


def case_all(ctx: Context) -> list[str]:
    return harness.every_case(CASES, ctx)


CASES["all"] = case_all


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", choices=sorted(CASES), default="all")
    parser.add_argument("--dealers", type=int, default=50)
    parser.add_argument("--bids", type=int, default=20, help="bids each dealer sends")
    parser.add_argument("--think-ms", type=int, default=1000, help="paced run: a dealer's mean pause between bids")
    parser.add_argument("--pollers", type=int, default=300)
    parser.add_argument("--poll-seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=5, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    url = harness.bench_database_url(BENCH_DB)
    started = time.perf_counter()
    harness.prepare_database(url, name=BENCH_DB, label="", keep=False)
    harness.setup_django(url, name=BENCH_DB, env={"CELERY_BROKER_URL": "memory://"}, quiet=True)
    print(f"load average {harness.load_average()}, {os.cpu_count()} CPUs")
    harness.migrate(BENCH_DB)
    ctx = Context(args=args, url=url)
    with step(f"{max(args.dealers, args.pollers)} dealers through the services, with tokens"):
        ctx.dealers = make_dealers(max(args.dealers, args.pollers))
    process = gunicorn_start(ctx)
    try:
        with step("warming the workers up"):
            warm_up(ctx)
        lines = CASES[args.case](ctx)
    finally:
        gunicorn_stop(process)
    errors = sum(" ERROR " in line for line in GUNICORN_LOG.read_text(errors="replace").splitlines())
    lines.append(f"gunicorn: {args.workers} sync workers on {os.cpu_count()} CPUs, clients on the same machine")
    lines.append(f"  errors logged by the server: {errors} (its log: {GUNICORN_LOG.relative_to(ROOT)})")
    harness.print_summary(args.case, lines, started=started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
