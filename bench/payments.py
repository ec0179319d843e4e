"""Benchmark of payments (pay, provider notifications, coupons, statements, reconcile), in its own database.

    .venv/bin/python bench/payments.py [--case pay|notify|notify_storm|coupon_rush|statements|all] [--runs 200]
                                       [--threads 8] [--payments 200] [--owners-per-thread 10] [--uses 25]
                                       [--stores 500] [--bookings-per-store 2] [--seed 1] [--keep]

The dev database is never touched: the script drops and recreates ``chefu_bench_payments`` (its name derived from
DATABASE_URL), migrates it and measures against it. ``--keep`` reuses it (the migrations still run); every case
builds its own stores, owners, bookings and payments through the services on every run (they depend on today's
date and a payment is never deleted), so a kept database grows from run to run and ``mismatches()`` reads all of
it. Nothing leaves the machine: the sandbox provider signs and checks with a key pair made for this run in a
temporary directory, and Celery goes to an in-memory broker, so the tasks the services queue on commit (booking
expiry, messages, refunds) reach no real queue and never run.

A case is one ``case_<name>(ctx) -> list[str]`` function registered in ``CASES``, as in ``bench/bookings.py``: it
prints its own details and returns the lines of the final summary.
"""

import argparse
import json
import random
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402
from bench.bookings import SERVICE, ZONE, local_today, make_owners  # noqa: E402
from bench.harness import describe, pct, step, timed, verdict  # noqa: E402

BENCH_DB = "chefu_bench_payments"
DATASET_LABEL = "chefu-bench-payments v1"  # the rows are rebuilt every run: any earlier bench database will do
PRICE = Decimal("299.00")  # the SERVICE's price at every bench shop, 60 minutes
COUPON_OFF = Decimal("30.00")
GOAL_PAY_MS = 50.0
GOAL_NOTIFY_MS = 50.0
GOAL_RECONCILE_S = 10.0
OPENS, CLOSES = 8, 20  # every shop is open 08:00-20:00 every day: 12 one-hour jobs a bay a day
HANGZHOU = (30.2741, 120.1551)
RUN = secrets.token_hex(3).upper()  # names this run's shops and coupons (a kept database holds earlier runs' too)


# --- Database and Django ------------------------------------------------------------------------------


def sandbox_env(keys_dir: Path) -> dict[str, str]:
    """Services queue tasks on commit (booking expiry, messages, refunds): an in-memory broker keeps them in this
    process. The sandbox provider reads its keys from ``keys_dir``."""
    return {"CELERY_BROKER_URL": "memory://", "PAYMENT_SANDBOX_ENABLED": "true", "PAYMENT_KEYS_DIR": str(keys_dir)}


def write_sandbox_keys() -> None:
    """The sandbox's merchant and platform key pairs, fresh, where ``settings.PAYMENT_SANDBOX`` looks for them."""
    from payments.providers import signing
    from payments.providers.sandbox import key_paths

    for private_path, public_path in key_paths().values():
        private_pem, public_pem = signing.generate_key_pair()
        private_path.write_text(private_pem)
        public_path.write_text(public_pem)


# --- Shared set-up ------------------------------------------------------------------------------------


_shop_seq = iter(range(1, 10**9))


def make_stores(n: int, *, bays: int, label: str) -> list:
    """``n`` maintenance shops with ``bays`` bays each, open 08:00-20:00 every day, pricing ``SERVICE`` at
    ``PRICE`` for 60 minutes; written in bulk, named for this run."""
    from django.contrib.gis.geos import Point

    from catalog.models import Offering, OfferingVersion
    from stores.models import Bay, OpeningHours, Store

    first = next(_shop_seq)
    for _ in range(n - 1):
        next(_shop_seq)
    stores = Store.objects.bulk_create(
        Store(
            name=f"压测门店-{label}-{RUN}-{first + i}",
            address="杭州市西湖区文三路1号",
            city="杭州",
            location=Point(HANGZHOU[1] + (i % 100) * 0.001, HANGZHOU[0] + (i // 100) * 0.001, srid=4326),
            phone="0571-88880000",
            timezone=ZONE,
            status="active",
        )
        for i in range(n)
    )
    Store.categories.through.objects.bulk_create(
        Store.categories.through(store_id=s.pk, category_id="maintenance") for s in stores
    )
    bay_rows = Bay.objects.bulk_create(Bay(store=s, name=f"{k}号工位") for s in stores for k in range(1, bays + 1))
    Bay.categories.through.objects.bulk_create(
        Bay.categories.through(bay_id=b.pk, category_id="maintenance") for b in bay_rows
    )
    OpeningHours.objects.bulk_create(
        OpeningHours(store=s, weekday=d, opens=clock(OPENS), closes=clock(CLOSES)) for s in stores for d in range(7)
    )
    offerings = Offering.objects.bulk_create(Offering(store=s, service_id=SERVICE, is_active=False) for s in stores)
    versions = OfferingVersion.objects.bulk_create(
        OfferingVersion(offering=o, number=1, labour=PRICE, total=PRICE, duration_min=60) for o in offerings
    )
    for offering, version in zip(offerings, versions, strict=True):
        offering.current, offering.total, offering.is_active = version, version.total, True
    Offering.objects.bulk_update(offerings, ["current", "total", "is_active"])
    return stores


def starts(bays: int, n: int, *, first_day: int = 1) -> list[datetime]:
    """``n`` one-hour starts that fill a ``bays``-bay shop hour by hour from 08:00 tomorrow (local)."""
    tz = ZoneInfo(ZONE)
    out: list[datetime] = []
    day = local_today() + timedelta(days=first_day)
    while len(out) < n:
        for hour in range(OPENS, CLOSES):
            out += [datetime.combine(day, clock(hour), tzinfo=tz)] * bays
        day += timedelta(days=1)
    return out[:n]


def book(store, owners: list[tuple], *, bays: int) -> list:
    """One pending booking of ``SERVICE`` for each ``(owner, vehicle)`` at ``store``, through ``booking_create``."""
    from bookings.services import booking_create
    from catalog.models import Service

    service = Service.objects.get(code=SERVICE)
    return [
        booking_create(owner=user, store=store, service=service, vehicle=vehicle, start=start)
        for (user, vehicle), start in zip(owners, starts(bays, len(owners)), strict=True)
    ]


def pending_bookings(n: int, *, label: str, prefix: str) -> list:
    """``n`` bookings awaiting payment, each its own owner's, at one fresh 10-bay shop."""
    store = make_stores(1, bays=10, label=label)[0]
    return book(store, make_owners(n, prefix), bays=10)


def issue_tokens(users) -> dict[int, str]:
    """A bearer token for each user, ``{user id: token}``. Written as ``token_issue`` writes them, without its
    password check (no hashing, no login throttle): what the API checks is the digest (``accounts.services``)."""
    from django.utils import timezone

    from accounts.models import AuthToken
    from accounts.services import _digest

    now = timezone.now()
    tokens = {u.pk: secrets.token_urlsafe(32) for u in users}
    AuthToken.objects.bulk_create(
        AuthToken(user_id=pk, digest=_digest(t), prefix=t[:8], created_at=now, expires_at=now + timedelta(days=1))
        for pk, t in tokens.items()
    )
    return tokens


def make_coupon(code: str, *, budget: Decimal):
    """A ¥30-off coupon from ¥100 spent, one use per owner, valid now, with ``budget``."""
    from django.utils import timezone

    from payments.models import Coupon, CouponKind

    now = timezone.now()
    return Coupon.objects.create(
        code=code,
        name="压测立减",
        kind=CouponKind.AMOUNT,
        value=COUPON_OFF,
        min_spend=Decimal("100.00"),
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=30),
        per_user_limit=1,
        budget=budget,
    )


def open_payment(booking):
    """A pending sandbox payment with its pay URL, as the pay endpoint opens it: ``payment_open`` (committed), then
    ``payment_checkout``."""
    from payments.services import payment_checkout, payment_open

    return payment_checkout(payment=payment_open(booking_id=booking.pk, owner=booking.owner, provider="sandbox"))


def open_payments(bookings: list) -> list:
    """A pending sandbox payment on each booking (:func:`open_payment`)."""
    return [open_payment(b) for b in bookings]


def success_notification(payment) -> dict[str, str]:
    """The TRADE_SUCCESS notification the provider would send for ``payment``, signed with the platform key."""
    from payments.providers.base import provider_get

    return provider_get("sandbox").build_notification(
        out_trade_no=payment.out_trade_no, amount=payment.amount, trade_status="TRADE_SUCCESS"
    )


def http_client():
    """Django's test client on a host ALLOWED_HOSTS accepts (CSRF is not enforced, as for the API)."""
    from django.conf import settings
    from django.test import Client

    host = next((h for h in settings.ALLOWED_HOSTS if h and "*" not in h), "localhost").lstrip(".")
    return Client(HTTP_HOST=host)


def post_pay(client, booking_id: int, token: str, coupon: str | None = None):
    body = {"provider": "sandbox"} | ({"coupon": coupon} if coupon else {})
    return client.post(
        f"/api/v1/bookings/{booking_id}/pay",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def post_notify(client, params: dict[str, str]):
    """The provider's POST: form-encoded, as Alipay sends it."""
    return client.post(
        "/api/v1/payments/notify/sandbox", urlencode(params), content_type="application/x-www-form-urlencoded"
    )


def error_code(response) -> str:
    try:
        return response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return f"http_{response.status_code}"


def payment_entry_counts(payment_ids: list[int]) -> Counter:
    """PAYMENT journal entries per payment: ``Counter({entries: payments})`` over ``payment_ids``."""
    from django.db.models import Count

    from payments.models import EntryKind, JournalEntry

    per = dict(
        JournalEntry.objects.filter(kind=EntryKind.PAYMENT, payment_id__in=payment_ids)
        .values("payment")
        .annotate(n=Count("pk"))
        .values_list("payment", "n")
    )
    return Counter(per.get(pk, 0) for pk in payment_ids)


@dataclass
class Context:
    args: argparse.Namespace


# --- pay: POST /bookings/{id}/pay ---------------------------------------------------------------------


def case_pay(ctx: Context) -> list[str]:
    """``POST /api/v1/bookings/{id}/pay`` through Django's test client with a bearer token, each on a fresh booking
    awaiting payment (its own owner), without and with a coupon code, alternately. Beside it: ``payment_open`` then
    ``payment_checkout`` alone (the services the handler runs) and the RSA2 signature of the pay URL (the sandbox
    signs it as Alipay's page-pay request is signed)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from payments.models import Coupon, CouponRedemption, Payment
    from payments.providers import signing
    from payments.providers.sandbox import key_paths

    runs, warm = ctx.args.runs, 10
    with step(f"{3 * runs + warm} bookings awaiting payment, tokens, a coupon"):
        bookings = pending_bookings(3 * runs + warm, label="支付", prefix="1380")
        tokens = issue_tokens(b.owner for b in bookings)
        code = f"PAY{RUN}"
        coupon = make_coupon(code, budget=COUPON_OFF * 2 * (runs + warm))  # never the limit here
    client = http_client()
    plain, coupons, service = bookings[:runs], bookings[runs : 2 * runs], bookings[2 * runs : 3 * runs]
    warmup = bookings[3 * runs :]
    warm_coupons, queries = 0, {}
    for i, b in enumerate(warmup):
        with CaptureQueriesContext(connection) as captured:
            response = post_pay(client, b.pk, tokens[b.owner_id], code if i % 2 else None)
        warm_coupons += bool(i % 2) and response.status_code == 201
        queries["coupon" if i % 2 else "plain"] = len(captured)

    times: dict[str, list[float]] = {"plain": [], "coupon": [], "service": []}
    bad: Counter = Counter()
    amounts: Counter = Counter()
    for i in range(runs):
        order = [("plain", plain[i], None), ("coupon", coupons[i], code), ("service", service[i], None)]
        for name, b, c in order[i % 3 :] + order[: i % 3]:
            if name == "service":
                elapsed, _ = timed(open_payment, b)
            else:
                elapsed, response = timed(post_pay, client, b.pk, tokens[b.owner_id], c)
                if response.status_code != 201:
                    bad[f"{name}:{response.status_code}:{error_code(response)}"] += 1
                else:
                    body = response.json()
                    amounts[(name, body["amount"], body["discount"])] += 1
            times[name].append(elapsed)

    # The pay URL's signature: the string the sandbox signed for one of these payments, signed again.
    merchant_key = key_paths()["merchant"][0].read_text()
    pay_url = Payment.objects.filter(booking=plain[0]).values_list("pay_url", flat=True).first() or ""
    content = signing.unsigned_string(dict(parse_qsl(urlsplit(pay_url).query)), keep_sign_type=True)
    sign_times = [timed(signing.sign_string, content, merchant_key)[0] for _ in range(200)]

    coupon.refresh_from_db()
    reserved = CouponRedemption.objects.filter(coupon=coupon).count()
    expected_amounts = {("plain", "299.00", "0.00"): runs, ("coupon", "269.00", "30.00"): runs}
    ok_rows = (
        not bad
        and dict(amounts) == expected_amounts
        and reserved == runs + warm_coupons
        and Coupon.objects.filter(pk=coupon.pk, spent=COUPON_OFF * reserved).exists()
    )
    print(f"\n[pay] {runs} payments each way, each on its own pending booking (¥{PRICE}), 10 warm-up requests first")
    print(f"  POST /bookings/{{id}}/pay, no coupon       : {describe(times['plain'])}")
    print(f"  POST /bookings/{{id}}/pay, coupon {code}: {describe(times['coupon'])}")
    print(f"  payment_open + payment_checkout alone     : {describe(times['service'])}")
    print(f"  of which RSA2 signing of the pay URL      : {describe(sign_times)}")
    print(f"  SQL statements a request: {queries['plain']} without a coupon, {queries['coupon']} with one")
    print(f"  answers: {dict(amounts)}; refused: {dict(bad) or 'none'}")
    print(f"  coupon: {reserved} reservations, spent ¥{coupon.spent} of ¥{coupon.budget}")
    p50, c50 = pct(times["plain"], 50), pct(times["coupon"], 50)
    return [
        f"pay p50={p50:.1f} p90={pct(times['plain'], 90):.1f} p99={pct(times['plain'], 99):.1f} ms"
        f" | with coupon p50={c50:.1f} p90={pct(times['coupon'], 90):.1f} p99={pct(times['coupon'], 99):.1f} ms"
        f" | services p50={pct(times['service'], 50):.1f} ms | RSA2 sign p50={pct(sign_times, 50):.2f} ms"
        f" (n={runs})",
        f"every answer 201 with the right amount ({2 * runs}), {reserved} coupon reservations: {verdict(ok_rows)}",
        f"goal p50 <= {GOAL_PAY_MS:g} ms, no coupon: {verdict(p50 <= GOAL_PAY_MS)}"
        f" | with coupon: {verdict(c50 <= GOAL_PAY_MS)}",
    ]


# --- notify: POST /payments/notify/sandbox ------------------------------------------------------------


def case_notify(ctx: Context) -> list[str]:
    """``POST /api/v1/payments/notify/sandbox``, form-encoded and signed, once for each of ``--runs`` pending payments
    (the payment succeeds, the booking is confirmed, the PAYMENT entry posted). Beside it: ``notification_receive``
    alone on as many other payments, the same POST delivered again (a repeat changes nothing), and the RSA2 check
    alone (``signing.verify`` with the platform's public key, the key already parsed)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bookings.models import Booking, BookingStatus
    from payments.models import Payment, PaymentStatus
    from payments.providers import signing
    from payments.providers.sandbox import key_paths
    from payments.services import notification_receive

    runs, warm = ctx.args.runs, 10
    with step(f"{2 * runs + warm} pending payments and their signed notifications"):
        bookings = pending_bookings(2 * runs + warm, label="通知", prefix="1381")
        payments = open_payments(bookings)
        notes = [success_notification(p) for p in payments]
    client = http_client()
    http_notes, service_notes, warm_notes = notes[:runs], notes[runs : 2 * runs], notes[2 * runs :]
    for params in warm_notes:
        with CaptureQueriesContext(connection) as captured:
            post_notify(client, params)
    with CaptureQueriesContext(connection) as again:
        post_notify(client, warm_notes[-1])
    queries = {"applied": len(captured), "repeat": len(again)}

    times: dict[str, list[float]] = {"http": [], "service": [], "repeat": [], "verify": []}
    bad: Counter = Counter()
    for i in range(runs):
        calls = [("http", http_notes[i]), ("service", service_notes[i])]
        for name, params in calls if i % 2 else calls[::-1]:
            if name == "http":
                elapsed, response = timed(post_notify, client, params)
                if response.status_code != 200 or response.content != b"success":
                    bad[f"{response.status_code}:{error_code(response)}"] += 1
            else:
                elapsed, _ = timed(lambda p=params: notification_receive(provider="sandbox", params=p))
            times[name].append(elapsed)
    for params in http_notes:
        elapsed, response = timed(post_notify, client, params)
        if response.content != b"success":
            bad[f"repeat:{response.status_code}:{error_code(response)}"] += 1
        times["repeat"].append(elapsed)
    public = key_paths()["platform"][1].read_text()
    for _ in range(2):
        for params in http_notes:
            elapsed, good = timed(signing.verify, params, public)
            times["verify"].append(elapsed)
            if not good:
                bad["verify_false"] += 1

    ids = [p.pk for p in payments]
    succeeded = Payment.objects.filter(pk__in=ids, status=PaymentStatus.SUCCEEDED, applied=True).count()
    confirmed = Booking.objects.filter(pk__in=[b.pk for b in bookings], status=BookingStatus.CONFIRMED).count()
    entries = payment_entry_counts(ids)
    ok = not bad and succeeded == confirmed == len(ids) and entries == Counter({1: len(ids)})
    p50, v50 = pct(times["http"], 50), pct(times["verify"], 50)
    print(f"\n[notify] {runs} notifications through HTTP and {runs} through the service, 10 warm-up requests first")
    print(f"  POST /payments/notify/sandbox (applied)   : {describe(times['http'])}")
    print(f"  notification_receive alone (applied)      : {describe(times['service'])}")
    print(f"  the same POST again (a repeat)            : {describe(times['repeat'])}")
    print(f"  signing.verify alone (RSA2)               : {describe(times['verify'])}")
    print(f"  SQL statements a request: {queries['applied']} applied, {queries['repeat']} for a repeat")
    print(f"  payments succeeded and applied {succeeded}/{len(ids)}, bookings confirmed {confirmed}/{len(ids)},"
          f" PAYMENT entries per payment {dict(entries)}; refused: {dict(bad) or 'none'}")  # fmt: skip
    return [
        f"notify p50={p50:.1f} p90={pct(times['http'], 90):.1f} p99={pct(times['http'], 99):.1f} ms"
        f" | service p50={pct(times['service'], 50):.1f} | repeat p50={pct(times['repeat'], 50):.1f} ms"
        f" | RSA2 verify p50={v50:.3f} ms, request/verify = {p50 / v50:.0f}x (n={runs})",
        f"every notification applied once, booking confirmed, one PAYMENT entry: {verdict(ok)}",
        f"goal p50 <= {GOAL_NOTIFY_MS:g} ms: {verdict(p50 <= GOAL_NOTIFY_MS)}",
    ]


# --- notify_storm: every notification three times, from many threads -----------------------------------


def run_threads(threads: int, work, items: list) -> tuple[float, list[list[float]], list[list]]:
    """``work(client, item) -> outcome`` over ``items`` split round-robin among ``threads`` threads (each with its
    own test client and database connection, closed at the end), released together; ``(wall, latencies, outcomes)``
    per thread."""
    from django.db import connections

    barrier = threading.Barrier(threads + 1)
    latencies: list[list[float]] = [[] for _ in range(threads)]
    outcomes: list[list] = [[] for _ in range(threads)]

    def worker(k: int) -> None:
        try:
            client = http_client()
            barrier.wait()
            for item in items[k::threads]:
                t0 = time.perf_counter()
                try:
                    outcome = work(client, item)
                except Exception as error:  # a benchmark reports, it does not stop
                    outcome = f"exception {type(error).__name__}: {error}"
                latencies[k].append(time.perf_counter() - t0)
                outcomes[k].append(outcome)
        finally:
            connections.close_all()  # this thread's connections

    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in pool:
        t.join()
    return time.perf_counter() - t0, latencies, outcomes


def case_notify_storm(ctx: Context) -> list[str]:
    """``--threads`` threads delivering every notification of ``--payments`` pending payments three times each (the
    same signed parameters, as a provider redelivers), all shuffled: duplicates arrive at once on different
    connections. Then the books: each payment applied once, its booking confirmed, one PAYMENT entry, trial
    balance zero, and ``payments.reconciliation.mismatches()`` empty."""
    from bookings.models import Booking, BookingStatus
    from payments import ledger
    from payments.models import Payment, PaymentStatus, Refund
    from payments.reconciliation import mismatches

    m, threads = ctx.args.payments, ctx.args.threads
    with step(f"{m} pending payments and their signed notifications"):
        bookings = pending_bookings(m, label="通知风暴", prefix="1382")
        payments = open_payments(bookings)
        notes = [success_notification(p) for p in payments]
    deliveries = [params for params in notes for _ in range(3)]
    random.Random(f"storm-{ctx.args.seed}").shuffle(deliveries)

    def deliver(client, params):
        response = post_notify(client, params)
        return "success" if response.status_code == 200 and response.content == b"success" else (
            f"{response.status_code}:{error_code(response)}"
        )  # fmt: skip

    with step(f"{threads} threads x {len(deliveries) // threads} deliveries"):
        wall, latencies, outcomes = run_threads(threads, deliver, deliveries)
    answers = Counter(o for os_ in outcomes for o in os_)
    flat = [x for xs in latencies for x in xs]
    ids = [p.pk for p in payments]
    applied = Payment.objects.filter(pk__in=ids, status=PaymentStatus.SUCCEEDED, applied=True).count()
    confirmed = Booking.objects.filter(pk__in=[b.pk for b in bookings], status=BookingStatus.CONFIRMED).count()
    entries = payment_entry_counts(ids)
    refunds = Refund.objects.filter(payment_id__in=ids).count()
    balance = ledger.trial_balance()
    elapsed, problems = timed(mismatches)
    ok = (
        answers == Counter({"success": len(deliveries)})
        and applied == confirmed == m
        and entries == Counter({1: m})
        and refunds == 0
        and balance == 0
        and not problems
    )
    print(f"\n[notify_storm] {m} payments x 3 deliveries = {len(deliveries)} POSTs from {threads} threads")
    print(f"  answers: {dict(answers)}")
    print(f"  wall {wall:.2f} s | notifications/s {len(deliveries) / wall:.1f} | latency {describe(flat)}")
    print(f"  applied payments {applied}/{m}, confirmed bookings {confirmed}/{m}, PAYMENT entries per payment"
          f" {dict(entries)}, refunds {refunds}, trial balance {balance}")  # fmt: skip
    print(f"  mismatches(): {len(problems)} in {elapsed:.2f} s")
    for problem in problems[:10]:
        print(f"    - {problem}")
    return [
        f"threads={threads} deliveries={len(deliveries)} notifications/s={len(deliveries) / wall:.1f}"
        f" latency p50={pct(flat, 50):.1f} p90={pct(flat, 90):.1f} p99={pct(flat, 99):.1f} ms",
        f"applied={applied}/{m} confirmed={confirmed}/{m} entries={dict(entries)} refunds={refunds}"
        f" trial balance={balance} mismatches={len(problems)}: {verdict(ok)}",
    ]


# --- coupon_rush: one coupon, many owners at once --------------------------------------------------------


def case_coupon_rush(ctx: Context) -> list[str]:
    """``--threads`` threads x ``--owners-per-thread`` owners, each paying for their own booking with the same code,
    released together; the coupon's budget covers exactly ``--uses`` discounts. Exactly that many reservations,
    ``spent == budget``, and every other answer 409 ``coupon_unavailable``."""
    from payments.models import CouponRedemption, RedemptionStatus

    threads, per, uses = ctx.args.threads, ctx.args.owners_per_thread, ctx.args.uses
    n = threads * per
    with step(f"{n} owners with a booking each, tokens, a coupon for {uses} uses"):
        bookings = pending_bookings(n, label="抢券", prefix="1383")
        tokens = issue_tokens(b.owner for b in bookings)
        code = f"RUSH{RUN}"
        coupon = make_coupon(code, budget=COUPON_OFF * uses)

    def attempt(client, booking):
        response = post_pay(client, booking.pk, tokens[booking.owner_id], code)
        if response.status_code == 201:
            body = response.json()
            return "201" if (body["discount"], body["coupon"]) == (str(COUPON_OFF), code) else f"201 {body}"
        reason = ""
        if response.status_code == 409:
            reason = response.json()["error"].get("details", {}).get("reason", "")
        return f"{response.status_code} {error_code(response)} {reason}".strip()

    with step(f"{threads} threads x {per} attempts"):
        wall, latencies, outcomes = run_threads(threads, attempt, bookings)
    answers = Counter(o for os_ in outcomes for o in os_)
    flat = [x for xs in latencies for x in xs]
    coupon.refresh_from_db()
    live = CouponRedemption.objects.filter(coupon=coupon).exclude(status=RedemptionStatus.RELEASED).count()
    refused = sum(v for k, v in answers.items() if k.startswith("409 coupon_unavailable"))
    ok = answers["201"] == uses == live and coupon.spent == coupon.budget and answers["201"] + refused == n
    print(f"\n[coupon_rush] {n} owners from {threads} threads; coupon {code}: ¥{COUPON_OFF} off, {uses} uses")
    print(f"  answers: {dict(answers)}")
    print(f"  wall {wall:.2f} s | attempts/s {n / wall:.1f} | latency {describe(flat)}")
    print(f"  live reservations {live}, spent ¥{coupon.spent} of ¥{coupon.budget}")
    return [
        f"threads={threads} attempts={n} attempts/s={n / wall:.1f} latency p50={pct(flat, 50):.1f}"
        f" p90={pct(flat, 90):.1f} p99={pct(flat, 99):.1f} ms",
        f"reservations={live} (must be {uses}) spent={coupon.spent} budget={coupon.budget} other answers all 409"
        f" coupon_unavailable ({refused}): {verdict(ok)}",
    ]


# --- statements: a day's statements for every store, then reconcile everything -----------------------------


def _complete_paid(bookings: list) -> None:
    """Pay each booking (:func:`open_payment`, the signed notification, notification_receive), then check it in, start
    and complete it (``SERVICE``'s checklist cleared first, as the tests do): the store earns."""
    from bookings import services as booking_services
    from bookings.models import Booking
    from payments.services import notification_receive

    for booking, payment in zip(bookings, open_payments(bookings), strict=True):
        notification_receive(provider="sandbox", params=success_notification(payment))
        Booking.objects.filter(pk=booking.pk).update(checklist=[])
        for move in ("booking_check_in", "booking_start", "booking_complete"):
            getattr(booking_services, move)(booking_id=booking.pk, by=None)


def case_statements(ctx: Context) -> list[str]:
    """``--stores`` one-bay shops, each with ``--bookings-per-store`` bookings made, paid and completed through the
    services (by ``--threads`` threads, one database connection each). ``statements_issue`` meant for yesterday
    runs for the day the EARNED entries are dated: today. Timed: all the statements, then a re-run (writes none),
    then ``mismatches()`` over the whole database."""
    from django.conf import settings
    from django.db import connections
    from django.db.models import Count, Sum

    from bookings.models import Booking
    from payments import ledger
    from payments.models import EntryKind, JournalEntry, JournalLine, Payment, Refund, Statement
    from payments.reconciliation import mismatches
    from payments.settlements import statements_issue

    s, per, threads = ctx.args.stores, ctx.args.bookings_per_store, ctx.args.threads
    with step(f"{s} shops, {s * per} owners"):
        stores = make_stores(s, bays=1, label="结算")
        owners = make_owners(s * per, "1384")
    with step(f"{s * per} bookings booked, paid and completed by {threads} threads"):
        errors: list[str] = []

        def worker(k: int) -> None:
            try:
                for i in range(k, s, threads):
                    _complete_paid(book(stores[i], owners[i * per : (i + 1) * per], bays=1))
            except Exception as error:
                errors.append(f"{type(error).__name__}: {error}")
            finally:
                connections.close_all()

        pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
    if errors:
        print(f"  set-up errors: {errors[:3]}")
    ids = [st.pk for st in stores]
    tz = ZoneInfo(settings.SETTLEMENT_TIME_ZONE)
    earned = JournalEntry.objects.filter(kind=EntryKind.EARNED, booking__store_id__in=ids)
    days = sorted({at.astimezone(tz).date() for at in earned.values_list("at", flat=True)})
    if len(days) > 1:
        print(f"  the EARNED entries span {days} (midnight in {tz}): issuing each day")
    visited = 0  # every shop that earned on the day gets a statement (a kept database: earlier runs' shops too)
    for day in days:
        lo = datetime.combine(day, clock(0), tzinfo=tz)
        hi = datetime.combine(day + timedelta(days=1), clock(0), tzinfo=tz)
        on_day = JournalEntry.objects.filter(kind=EntryKind.EARNED, at__gte=lo, at__lt=hi)
        visited += on_day.values("booking__store").distinct().count()
    issue_s, written = 0.0, 0
    for day in days:
        elapsed, n = timed(lambda d=day: statements_issue(day=d))
        issue_s, written = issue_s + elapsed, written + n
    rerun_s, rerun = 0.0, 0
    for day in days:
        elapsed, n = timed(lambda d=day: statements_issue(day=d))
        rerun_s, rerun = rerun_s + elapsed, rerun + n

    gross, commission = PRICE * per, (PRICE * settings.PAYMENT_COMMISSION_RATE).quantize(Decimal("0.01")) * per
    statements = Statement.objects.filter(store_id__in=ids)
    right = statements.filter(gross=gross, commission=commission, net=gross - commission, refunds=0).count()
    per_store = Counter(statements.values("store").annotate(n=Count("pk")).values_list("n", flat=True))
    balance = ledger.trial_balance()
    reconcile_s, problems = timed(mismatches)
    counts = {
        "bookings": Booking.objects.count(),
        "payments": Payment.objects.count(),
        "refunds": Refund.objects.count(),
        "journal entries": JournalEntry.objects.count(),
        "journal lines": JournalLine.objects.count(),
    }
    held = ledger.balance(ledger.account(ledger.OWNER_FUNDS_HELD), entry__booking__store_id__in=ids)
    paid = Statement.objects.filter(store_id__in=ids).aggregate(t=Sum("net"))["t"]
    ok = (
        not errors
        and written >= s  # a kept database may hold an interrupted run's shops that earned today too
        and rerun == 0
        and right == s
        and per_store == Counter({1: s})
        and balance == 0
        and held == 0
        and not problems
    )
    print(f"\n[statements] {s} shops x {per} completed bookings of ¥{PRICE}; day(s) {[str(d) for d in days]}")
    print(f"  statements_issue: {written} statements written ({s} for this run's shops, {visited} shops earned on the"
          f" day) in {issue_s:.2f} s = {written / issue_s:.0f} stores/s ({issue_s / max(1, written) * 1000:.1f} ms"
          f" a store); re-run wrote {rerun} in {rerun_s:.2f} s")  # fmt: skip
    print(f"  statements with gross {gross}, commission {commission}, net {gross - commission}: {right}/{s};"
          f" owner funds held for these shops {held}; paid out ¥{paid}")  # fmt: skip
    print(f"  whole database: {counts}")
    print(f"  mismatches(): {len(problems)} in {reconcile_s:.2f} s")
    for problem in problems[:10]:
        print(f"    - {problem}")
    return [
        f"statements_issue: {written} stores in {issue_s:.2f} s = {written / issue_s:.0f} stores/s"
        f" | re-run {rerun_s:.2f} s, wrote {rerun}",
        f"one right statement a store, trial balance {balance}, held {held}, mismatches={len(problems)}: {verdict(ok)}",
        f"mismatches() over {counts['payments']} payments, {counts['journal entries']} journal entries:"
        f" {reconcile_s:.2f} s; goal < {GOAL_RECONCILE_S:g} s: {verdict(reconcile_s < GOAL_RECONCILE_S)}",
    ]


def case_all(ctx: Context) -> list[str]:
    return harness.every_case(CASES, ctx)


CASES = {
    "pay": case_pay,
    "notify": case_notify,
    "notify_storm": case_notify_storm,
    "coupon_rush": case_coupon_rush,
    "statements": case_statements,
    "all": case_all,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", choices=list(CASES), default="all")
    parser.add_argument("--runs", type=int, default=200, help="pay, notify: timed requests of each kind")
    parser.add_argument("--threads", type=int, default=8, help="notify_storm, coupon_rush, statements set-up")
    parser.add_argument("--payments", type=int, default=200, help="notify_storm: payments, 3 deliveries each")
    parser.add_argument("--owners-per-thread", type=int, default=10, help="coupon_rush: owners a thread pays for")
    parser.add_argument("--uses", type=int, default=25, help="coupon_rush: discounts the coupon's budget covers")
    parser.add_argument("--stores", type=int, default=500, help="statements: shops")
    parser.add_argument("--bookings-per-store", type=int, default=2, help="statements: completed bookings a shop")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help=f"reuse {BENCH_DB} (the cases add fresh rows)")
    args = parser.parse_args(argv)

    url = harness.bench_database_url(BENCH_DB)
    started = time.perf_counter()
    reuse = harness.prepare_database(url, name=BENCH_DB, label=DATASET_LABEL, keep=args.keep)
    keys_dir = Path(tempfile.mkdtemp(prefix="chefu-bench-keys-"))
    try:
        harness.setup_django(url, name=BENCH_DB, env=sandbox_env(keys_dir), quiet=True)
        print(f"load average {harness.load_average()}; run {RUN}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
        harness.migrate(BENCH_DB)
        if reuse:
            print(f"reusing {BENCH_DB}")
        else:
            harness.mark_dataset(url, name=BENCH_DB, label=DATASET_LABEL)
        write_sandbox_keys()
        summary = CASES[args.case](Context(args=args))
    finally:
        shutil.rmtree(keys_dir, ignore_errors=True)
    harness.print_summary(args.case, summary, started=started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
