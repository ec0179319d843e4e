"""Benchmark of the booking engine (availability, concurrent booking, the soonest-slot search), in its own database.

    .venv/bin/python bench/bookings.py [--case availability|create|nearby_soonest|all] [--runs 500] [--threads 8]
                                       [--attempts 50] [--stores 3000] [--queries 200] [--radius-km 5] [--seed 1]
                                       [--keep]

The dev database is never touched: the script drops and recreates ``chefu_bench_bookings`` (its name derived from
DATABASE_URL), migrates it and measures against it. ``--keep`` reuses it when it already holds the same city of
stores from the same seed; each case still reloads the rows that depend on today's date. Celery goes to an
in-memory broker, so the expiry tasks booking queues reach no real queue.

A case is one ``case_<name>(ctx) -> list[str]`` function registered in ``CASES``, as in ``bench/nearby.py``: it
prints its own details and returns the lines of the final summary.
"""

import argparse
import io
import math
import random
import statistics
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402
from bench.harness import describe, pct, rank, step, timed, verdict  # noqa: E402
from bench.nearby import STATUSES  # noqa: E402

BENCH_DB = "chefu_bench_bookings"
SERVICE = "minor_service"  # maintenance, 60 minutes here
GOAL_AVAILABILITY_MS = 5.0
PAGE = 20

# The soonest-search city: Shanghai, stores in a Gaussian around People's Square.
CITY = ("上海", 31.2304, 121.4737, "021")
CITY_SPREAD_KM = 10
# The availability and create cases' shops sit in Hangzhou, away from the search city.
HANGZHOU = (30.2741, 120.1551)
KM_PER_DEGREE = 111.32
ZONE = "Asia/Shanghai"


# --- Database ---------------------------------------------------------------------------------------


def _dataset_label(args: argparse.Namespace) -> str:
    return f"chefu-bench-bookings stores={args.stores} seed={args.seed}"


# --- Shared set-up ----------------------------------------------------------------------------------


def _phone_counter(prefix: str):
    """Fresh mainland mobile numbers ``<prefix>########`` not yet taken in this database."""
    from accounts.models import User

    taken = User.objects.filter(phone__startswith=prefix).order_by("-phone").values_list("phone", flat=True).first()
    n = int(taken[len(prefix) :]) + 1 if taken else 0
    while True:
        yield f"{prefix}{n:0{11 - len(prefix)}d}"
        n += 1


def make_owners(n: int, prefix: str) -> list[tuple]:
    """``n`` owners with one car each, written in bulk (no password hashing): ``[(user, vehicle)]``."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import User, Vehicle

    phones = _phone_counter(prefix)
    unusable = make_password(None)
    users = User.objects.bulk_create(
        User(phone=next(phones), name=f"压测车主{i}", roles=["owner"], password=unusable) for i in range(n)
    )
    vehicles = Vehicle.objects.bulk_create(
        Vehicle(owner=u, plate=f"沪B{i % 100000:05d}", make="大众", model="朗逸", year=2020, mileage_km=30000)
        for i, u in enumerate(users)
    )
    return list(zip(users, vehicles, strict=True))


def make_shop(name: str, *, bays: int, lat: float, lng: float, washing_bays: int = 0):
    """A maintenance shop (the ``SERVICE`` priced at 60 minutes), 08:30-12:00 and 13:30-19:00 every day. Any earlier
    shop of that name is removed with its bookings first."""
    from django.contrib.gis.geos import Point

    from bookings.models import Booking
    from catalog.models import Offering, OfferingVersion
    from stores.models import Bay, OpeningHours, Store

    old = Store.objects.filter(name=name)
    Booking.objects.filter(store__in=old).delete()
    old.delete()
    store = Store.objects.create(
        name=name,
        address="杭州市西湖区文三路1号",
        city="杭州",
        location=Point(lng, lat, srid=4326),
        phone="0571-88880000",
        timezone=ZONE,
        status="active",
    )
    store.categories.set(["maintenance", "washing"])
    for k in range(1, bays + 1):
        bay = Bay.objects.create(store=store, name=f"{k}号工位")
        bay.categories.set(["maintenance", "washing"] if k > bays - washing_bays else ["maintenance"])
    OpeningHours.objects.bulk_create(
        OpeningHours(store=store, weekday=d, opens=opens, closes=closes)
        for d in range(7)
        for opens, closes in ((clock(8, 30), clock(12)), (clock(13, 30), clock(19)))
    )
    offering = Offering.objects.create(store=store, service_id=SERVICE, is_active=False)
    version = OfferingVersion.objects.create(offering=offering, number=1, labour=299, total=299, duration_min=60)
    offering.current, offering.total, offering.is_active = version, version.total, True
    offering.save()
    return store


def local_today() -> date:
    from zoneinfo import ZoneInfo

    return datetime.now(UTC).astimezone(ZoneInfo(ZONE)).date()


@dataclass
class Context:
    args: argparse.Namespace


# --- availability: one store, one day ---------------------------------------------------------------


def case_availability(ctx: Context) -> list[str]:
    """``GET /stores/{id}/availability`` for one busy day. Judged: the selector path the API runs,
    ``calendar_for_day`` + ``slots``. Beside it: the pure function alone (inputs loaded), the handler's body (plus
    the store, service and price lookups), the whole HTTP request through Django's test client, and the floor: the
    engine's own statement run raw, its rows unconverted."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from bookings import engine as engine_module
    from bookings.api import store_availability
    from bookings.engine import Job, calendar_for_day
    from bookings.exceptions import SlotUnavailable
    from bookings.models import LIVE_STATUSES
    from bookings.schemas import AvailabilityParams
    from bookings.services import booking_create
    from catalog.models import Service
    from stores.models import Closure

    runs = ctx.args.runs
    rng = random.Random(f"availability-{ctx.args.seed}")
    with step("shop with 6 bays, 30 bookings on the day and a closure"):
        store = make_shop("压测门店-可约时段", bays=6, washing_bays=2, lat=HANGZHOU[0], lng=HANGZHOU[1])
        service = Service.objects.get(code=SERVICE)
        day = local_today() + timedelta(days=3)
        job = Job(category=service.category_id, duration=timedelta(minutes=60))
        offered = [s.start for s in calendar_for_day(store=store, day=day).slots(day=day, job=job, now=timezone.now())]
        owners = make_owners(200, "1370")
        made = 0
        for user, vehicle in owners:
            if made == 30:
                break
            try:
                booking_create(owner=user, store=store, service=service, vehicle=vehicle, start=rng.choice(offered))
                made += 1
            except SlotUnavailable:
                continue
        lo = datetime.combine(day, clock(15), tzinfo=offered[0].tzinfo)
        Closure.objects.create(store=store, bay=store.bays.order_by("id").first(), starts_at=lo,
                               ends_at=lo + timedelta(hours=2), reason="举升机检修")  # fmt: skip

    params = AvailabilityParams(service=SERVICE, date=day)
    host = next((h for h in settings.ALLOWED_HOSTS if h and "*" not in h), "localhost").lstrip(".")
    client = Client(HTTP_HOST=host)
    url = f"/api/v1/stores/{store.pk}/availability?service={SERVICE}&date={day}"

    def handler():
        return store_availability(None, store.pk, params)

    def engine():
        return calendar_for_day(store=store, day=day).slots(day=day, job=job, now=timezone.now())

    calendar = calendar_for_day(store=store, day=day)
    now = timezone.now()

    def pure():
        return calendar.slots(day=day, job=job, now=now)

    def http():
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        return response

    cursor = connection.cursor()
    midnight = datetime.combine(day, clock(0), tzinfo=offered[0].tzinfo)  # the window calendar_for_day reads
    window = {"lo": midnight - timedelta(days=2), "hi": midnight + timedelta(days=3)}
    floor_params = {"ids": [store.pk], **window, "live": list(LIVE_STATUSES), "exclude": 0}
    calendar_sql = engine_module.calendar_sql()

    def floor():
        cursor.execute(calendar_sql, floor_params)
        return cursor.fetchone()

    calls = {"engine": engine, "pure": pure, "handler": handler, "http": http, "floor": floor}
    for fn in calls.values():
        for _ in range(20):
            fn()
    times: dict[str, list[float]] = {name: [] for name in calls}
    order = list(calls)
    for i in range(runs):
        for name in order[i % len(order) :] + order[: i % len(order)]:
            elapsed, _ = timed(calls[name])
            times[name].append(elapsed)
    cursor.close()

    result = handler()
    slots, busy = result["slots"], len(calendar.busy)
    print(f"\n[availability] store {store.pk}, {day} (local), 6 bays (4 maintenance-only, 2 also washing)")
    print(f"  bookings on the day: {made}; busy rows in the calendar: {busy}; slots offered: {len(slots)}"
          f" (free bays at the first: {slots[0]['free_bays'] if slots else '-'})")  # fmt: skip
    print(f"  calendar_for_day + slots (judged)         : {describe(times['engine'])}")
    print(f"  pure available_slots (inputs loaded)      : {describe(times['pure'])}")
    print(f"  handler body (lookups + calendar + slots) : {describe(times['handler'])}")
    print(f"  HTTP GET through Django + ninja           : {describe(times['http'])}")
    print(f"  floor: the engine's SQL alone, raw   : {describe(times['floor'])}")
    p50 = pct(times["engine"], 50)
    return [
        f"calendar_for_day + slots p50={p50:.2f} p90={pct(times['engine'], 90):.2f}"
        f" p99={pct(times['engine'], 99):.2f} ms | pure p50={pct(times['pure'], 50):.2f}"
        f" p99={pct(times['pure'], 99):.2f} ms (n={runs})",
        f"handler p50={pct(times['handler'], 50):.2f} | HTTP p50={pct(times['http'], 50):.2f}"
        f" | one-statement SQL floor p50={pct(times['floor'], 50):.2f} ms",
        f"slots={len(slots)} bookings={made} busy rows={busy}",
        f"goal p50 <= {GOAL_AVAILABILITY_MS:g} ms (calendar_for_day + slots): {verdict(p50 <= GOAL_AVAILABILITY_MS)}",
    ]


# What calendars_load reads for one store, in one statement (policy, hours, bays and their categories, closures,
# live bookings): the database's share of the availability list, without the ORM.
# --- create: concurrent booking of a small shop -----------------------------------------------------


OVERLAP_SQL = """
SELECT count(*) FROM bookings_booking a
JOIN bookings_booking b
  ON a.bay_id = b.bay_id AND a.id < b.id
 AND tstzrange(a.start, a.blocks_until) && tstzrange(b.start, b.blocks_until)
WHERE a.store_id = %(store)s AND a.status = ANY(%(live)s) AND b.status = ANY(%(live)s)
"""


@dataclass
class Hammered:
    threads: int
    attempts: int
    outcomes: Counter
    latencies: list[float]
    wall: float
    overlaps: int
    live: int
    starts: int
    errors: list[str]


def hammer(*, name: str, threads: int, per_thread: int, seed: int, owner_prefix: str) -> Hammered:
    """``threads`` clients each attempting ``per_thread`` bookings at random offered starts over three days of a fresh
    4-bay shop, released together; then the overlapping live bookings counted in SQL."""
    from django.db import connection, connections
    from django.utils import timezone

    from bookings.engine import Job, calendar_load
    from bookings.exceptions import SlotUnavailable
    from bookings.models import LIVE_STATUSES, Booking
    from bookings.services import booking_create
    from catalog.models import Service
    from chefu.errors import ValidationFailed

    store = make_shop(name, bays=4, lat=HANGZHOU[0] + 0.01, lng=HANGZHOU[1])
    service = Service.objects.get(code=SERVICE)
    owners = make_owners(threads * per_thread, owner_prefix)
    job = Job(category=service.category_id, duration=timedelta(minutes=60))
    now = timezone.now()
    calendar = calendar_load(store=store, start=now, end=now + timedelta(days=5))
    starts = [
        s.start for k in (1, 2, 3) for s in calendar.slots(day=local_today() + timedelta(days=k), job=job, now=now)
    ]

    outcomes: list[Counter] = [Counter() for _ in range(threads)]
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors: list[str] = []
    barrier = threading.Barrier(threads + 1)

    def worker(k: int) -> None:
        rng = random.Random(f"create-{seed}-{k}")
        try:
            barrier.wait()
            for user, vehicle in owners[k * per_thread : (k + 1) * per_thread]:
                start = rng.choice(starts)
                t0 = time.perf_counter()
                try:
                    booking_create(owner=user, store=store, service=service, vehicle=vehicle, start=start)
                    outcomes[k]["created"] += 1
                except SlotUnavailable:
                    outcomes[k]["slot_unavailable"] += 1
                except ValidationFailed:
                    outcomes[k]["refused_422"] += 1
                except Exception as error:  # a benchmark reports, it does not stop
                    outcomes[k]["error"] += 1
                    errors.append(f"{type(error).__name__}: {error}")
                latencies[k].append(time.perf_counter() - t0)
        finally:
            connections.close_all()  # this thread's connections

    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in pool:
        t.join()
    wall = time.perf_counter() - t0

    with connection.cursor() as cur:
        cur.execute(OVERLAP_SQL, {"store": store.pk, "live": list(LIVE_STATUSES)})
        overlaps = cur.fetchone()[0]
    total = sum(outcomes, Counter())
    return Hammered(
        threads=threads,
        attempts=sum(total.values()),
        outcomes=total,
        latencies=[x for xs in latencies for x in xs],
        wall=wall,
        overlaps=overlaps,
        live=Booking.objects.filter(store=store, status__in=LIVE_STATUSES).count(),
        starts=len(starts),
        errors=errors,
    )


def case_create(ctx: Context) -> list[str]:
    """``booking_create`` from ``--threads`` threads at once (each its own connection), as different owners, at
    random offered starts over three days of a 4-bay shop: many collide on purpose. Then the overlaps in SQL. A
    one-thread run on another shop first gives the cost of one attempt without contention."""
    threads, per_thread = ctx.args.threads, ctx.args.attempts
    capacity = 4 * 8 * 3  # a bay fits 3 one-hour jobs in 08:30-12:00 and 5 in 13:30-19:00, for three days
    with step(f"1 thread x {per_thread} attempts (baseline)"):
        alone = hammer(
            name="压测门店-单线程", threads=1, per_thread=per_thread, seed=ctx.args.seed, owner_prefix="1373"
        )
    with step(f"{threads} threads x {per_thread} attempts"):
        run = hammer(
            name="压测门店-并发预约", threads=threads, per_thread=per_thread, seed=ctx.args.seed, owner_prefix="1371"
        )
    print(f"\n[create] {run.starts} offered starts over 3 days, 4 bays (at most ~{capacity} one-hour jobs fit)")
    for label, r in (("1 thread", alone), (f"{threads} threads", run)):
        print(f"  {label}: outcomes {dict(r.outcomes)}; live bookings {r.live}; overlaps {r.overlaps}")
        print(
            f"    wall {r.wall:.2f} s | created/s {r.outcomes['created'] / r.wall:.1f}"
            f" | attempts/s {r.attempts / r.wall:.1f} | latency {describe(r.latencies)}"
        )
        if r.errors:
            print(f"    first errors: {r.errors[:3]}")
    ok = run.overlaps == 0 and alone.overlaps == 0 and run.live == run.outcomes["created"] and not run.errors
    return [
        f"threads={threads} attempts={run.attempts} created={run.outcomes['created']}"
        f" slot_unavailable={run.outcomes['slot_unavailable']} refused_422={run.outcomes['refused_422']}"
        f" errors={run.outcomes['error']}",
        f"created/s={run.outcomes['created'] / run.wall:.1f} attempts/s={run.attempts / run.wall:.1f}"
        f" latency p50={pct(run.latencies, 50):.1f} p90={pct(run.latencies, 90):.1f}"
        f" p99={pct(run.latencies, 99):.1f} ms | 1 thread: attempts/s={alone.attempts / alone.wall:.1f}"
        f" p50={pct(alone.latencies, 50):.1f} ms",
        f"overlaps={run.overlaps} (must be 0), live bookings = created: {verdict(ok)}",
    ]


# --- nearby_soonest: GET /stores/nearby?sort=soonest in one busy city ------------------------------


def _city_store_rows(n: int, seed: int) -> io.StringIO:
    rng = random.Random(f"soonest-stores-{seed}")
    name, lat0, lng0, area = CITY
    now = datetime.now(UTC).isoformat()
    buf = io.StringIO()
    for i in range(1, n + 1):
        lat = lat0 + rng.gauss(0, CITY_SPREAD_KM) / KM_PER_DEGREE
        lng = lng0 + rng.gauss(0, CITY_SPREAD_KM) / (KM_PER_DEGREE * math.cos(math.radians(lat0)))
        r = rng.random()
        status = next(s for s, share in STATUSES if r < share)
        rating = f"{min(5.0, max(1.0, rng.gauss(4.3, 0.4))):.2f}"
        phone = f"{area}-{rng.randrange(20000000, 99999999)}"
        point = f"SRID=4326;POINT({lng:.7f} {lat:.7f})"
        reviews = str(rng.randrange(1, 300))
        row = (
            f"速修{name}{i}号店",
            f"{name}市人民路{i}号",
            name,
            point,
            phone,
            ZONE,
            status,
            rating,
            reviews,
            now,
            now,
        )
        buf.write("\t".join(row) + "\n")
    buf.seek(0)
    return buf


def load_city(args: argparse.Namespace) -> None:
    """The stores of one city with bays, hours and a price for ``SERVICE`` (dates play no part: ``--keep`` reuses)."""
    from django.db import connection, transaction

    from bookings.models import Booking
    from stores.models import Store

    with step(f"{args.stores} stores in {CITY[0]} with bays, hours, categories, prices"), transaction.atomic():
        Booking.objects.filter(store__city=CITY[0]).delete()
        Store.objects.filter(city=CITY[0]).delete()  # a partial load from an interrupted run
        with connection.cursor() as cur:
            cur.copy_expert(
                "COPY stores_store (name, address, city, location, phone, timezone, status, rating,"
                " review_count, created_at, updated_at) FROM STDIN",
                _city_store_rows(args.stores, args.seed),
            )
            # Everything below is for the stores just copied, never the other cases' shops.
            cur.execute(
                "CREATE TEMP TABLE city ON COMMIT DROP AS SELECT id FROM stores_store WHERE city = %s", [CITY[0]]
            )
            cur.execute(
                "INSERT INTO stores_store_categories (store_id, category_id) SELECT id, 'maintenance' FROM city"
                " UNION ALL SELECT id, 'washing' FROM city WHERE abs(hashtext(id::text || 'w')) % 100 < 60"
            )
            # 1-4 bays, every one serving maintenance, the first also washing.
            cur.execute(
                "INSERT INTO stores_bay (store_id, name, is_active) SELECT s.id, k || '号工位', true"
                " FROM city s CROSS JOIN generate_series(1, 4) k WHERE k <= 1 + abs(hashtext(s.id::text)) % 4"
            )
            cur.execute(
                "CREATE TEMP TABLE city_bay ON COMMIT DROP AS"
                " SELECT b.id, b.name FROM stores_bay b JOIN city s ON s.id = b.store_id"
            )
            cur.execute(
                "INSERT INTO stores_bay_categories (bay_id, category_id) SELECT id, 'maintenance' FROM city_bay"
                " UNION ALL SELECT id, 'washing' FROM city_bay WHERE name = '1号工位'"
            )
            # 70% open 08:30-19:00 every day; 30% with a lunch break; one in ten closed on Sundays.
            cur.execute(
                """
                INSERT INTO stores_openinghours (store_id, weekday, opens, closes)
                SELECT s.id, d, r.opens, r.closes
                FROM city s CROSS JOIN generate_series(0, 6) d
                CROSS JOIN LATERAL (
                    SELECT * FROM (VALUES ('08:30'::time, '19:00'::time, false), ('08:30', '12:00', true),
                                          ('13:30', '19:00', true)) AS v(opens, closes, lunch)
                    WHERE v.lunch = (abs(hashtext(s.id::text || 'l')) % 100 < 30)
                ) r
                WHERE NOT (d = 6 AND abs(hashtext(s.id::text || 'sun')) % 10 = 0)
                """
            )
            # 90% price the service (45-90 minutes), one version each. Offering and version ids are allotted
            # together, past both tables' highest, so each offering points at its version on insert (see nearby.py).
            cur.execute(
                """
                CREATE TEMP TABLE bench_offer ON COMMIT DROP AS
                SELECT (SELECT greatest(coalesce(max(o.id), 0), coalesce(max(v.id), 0))
                        FROM catalog_offering o FULL JOIN catalog_offeringversion v ON false)
                       + row_number() OVER (ORDER BY id) AS id,
                       id AS store_id,
                       (300 + abs(hashtext(id::text || 'p')) % 300)::numeric(12, 2) AS total,
                       45 + 15 * (abs(hashtext(id::text || 'd')) % 4) AS minutes
                FROM city WHERE abs(hashtext(id::text || 'o')) % 100 < 90
                """
            )
            cur.execute(
                "INSERT INTO catalog_offering (id, store_id, service_id, current_id, is_active, total, updated_at)"
                f" SELECT id, store_id, '{SERVICE}', id, true, total, now() FROM bench_offer"
            )
            cur.execute(
                "INSERT INTO catalog_offeringversion (id, offering_id, number, labour, total, duration_min, created_at)"
                " SELECT id, id, 1, total, total, minutes, now() FROM bench_offer"
            )
            for table in ("catalog_offering", "catalog_offeringversion"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def load_city_calendar() -> tuple[int, int]:
    """Today's and tomorrow's bookings and closures in the city (reloaded every run: they depend on the date).

    30% of stores are fully booked today on every bay (hourly jobs from 08:30), another 30% have their mornings
    booked tomorrow, 5% are closed for one to three days from now, and one bay in ten is under repair today."""
    from django.db import connection, transaction

    from accounts.models import User, Vehicle
    from bookings.models import Booking
    from stores.models import Closure

    with step("bookings and closures for today and tomorrow"), transaction.atomic():
        Booking.objects.filter(store__city=CITY[0]).delete()
        Closure.objects.filter(store__city=CITY[0]).delete()
        owner, _ = User.objects.get_or_create(
            phone="13720000000", defaults={"name": "压测车主", "roles": ["owner"], "password": "!"}
        )
        vehicle, _ = Vehicle.objects.get_or_create(
            owner=owner, plate="沪C00001", defaults={"make": "大众", "model": "朗逸", "year": 2020}
        )
        with connection.cursor() as cur:
            cur.execute(
                f"""
                INSERT INTO bookings_booking (owner_id, store_id, bay_id, service_id, vehicle_id, offering_version_id,
                    status, start, "end", blocks_until, quote, quote_total, checklist, amount_paid, cancelled_by_store,
                    cancel_reason, cancel_free_until, cancel_fee_pct, created_at, updated_at)
                SELECT %(owner)s, b.store_id, b.id, '{SERVICE}', %(vehicle)s, o.current_id, 'confirmed',
                       t.start, t.start + interval '1 hour', t.start + interval '1 hour',
                       '{{"lines": [], "total": "0.00"}}'::jsonb, o.total, '[]'::jsonb, o.total, false, '',
                       t.start - interval '2 hours', 20, now(), now()
                FROM stores_bay b
                JOIN catalog_offering o ON o.store_id = b.store_id AND o.service_id = '{SERVICE}'
                JOIN stores_store s ON s.id = b.store_id AND s.city = %(city)s
                CROSS JOIN LATERAL (
                    SELECT ((date_trunc('day', now() AT TIME ZONE '{ZONE}') + make_interval(days => g.day)
                             + interval '8 hours 30 minutes' + make_interval(hours => g.h))
                            AT TIME ZONE '{ZONE}') AS start
                    FROM (SELECT 0 AS day, h FROM generate_series(0, 9) h
                          WHERE abs(hashtext(s.id::text || 'today')) %% 100 < 30
                          UNION ALL
                          SELECT 1, h FROM generate_series(0, 2) h
                          WHERE abs(hashtext(s.id::text || 'today')) %% 100 BETWEEN 30 AND 59) g
                ) t
                """,
                {"owner": vehicle.owner_id, "vehicle": vehicle.pk, "city": CITY[0]},
            )
            bookings = cur.rowcount
            cur.execute(
                """
                INSERT INTO stores_closure (store_id, bay_id, starts_at, ends_at, reason, created_at)
                SELECT id, NULL, now() - interval '1 hour',
                       now() + make_interval(days => 1 + abs(hashtext(id::text)) %% 3), '装修', now()
                FROM stores_store WHERE city = %(city)s AND abs(hashtext(id::text || 'c')) %% 100 < 5
                UNION ALL
                SELECT b.store_id, b.id, now(), now() + interval '10 hours', '举升机维修', now()
                FROM stores_bay b JOIN stores_store s ON s.id = b.store_id AND s.city = %(city)s
                WHERE abs(hashtext(b.id::text || 'r')) %% 10 = 0
                """,
                {"city": CITY[0]},
            )
            closures = cur.rowcount
    with step("VACUUM ANALYZE"), connection.cursor() as cur:
        for table in ("stores_store", "stores_bay", "stores_openinghours", "catalog_offering", "bookings_booking",
                      "stores_closure"):  # fmt: skip
            cur.execute(f"VACUUM (ANALYZE) {table}")
    return bookings, closures


def _query_points(n: int, seed: int) -> list[tuple[float, float]]:
    rng = random.Random(f"soonest-queries-{seed}")
    _, lat0, lng0, _ = CITY
    spread = CITY_SPREAD_KM * 0.8
    return [
        (
            lat0 + rng.gauss(0, spread) / KM_PER_DEGREE,
            lng0 + rng.gauss(0, spread) / (KM_PER_DEGREE * math.cos(math.radians(lat0))),
        )
        for _ in range(n)
    ]


def case_nearby_soonest(ctx: Context) -> list[str]:
    """What ``GET /stores/nearby?service=&sort=soonest`` runs (``store_nearby_with_slots``: candidates, their next
    slots, the page), first page of 20, against ``sort=distance`` with ``service=`` (page + the page's 20 slots)."""
    from django.utils import timezone

    from bookings.soonest import next_slots
    from catalog.models import Service
    from search.selectors import RANKED_CANDIDATES, store_nearby_with_slots
    from stores.models import Store
    from stores.selectors import store_nearby_candidates, store_nearby_rows

    if Store.objects.filter(city=CITY[0]).count() != ctx.args.stores:
        load_city(ctx.args)
    else:
        print(f"reusing {ctx.args.stores} stores in {CITY[0]}")
    bookings, closures = load_city_calendar()
    radius_m = ctx.args.radius_km * 1000
    service = Service.objects.get(code=SERVICE)
    points = _query_points(ctx.args.queries, ctx.args.seed)
    warmup = _query_points(20, ctx.args.seed + 1_000_000)

    def search(lat: float, lng: float, sort: str):
        return store_nearby_with_slots(lat=lat, lng=lng, radius_m=radius_m, service=SERVICE, sort=sort, limit=PAGE)

    for lat, lng in warmup:
        search(lat, lng, "soonest")
        search(lat, lng, "distance")

    times: dict[str, list[float]] = {"soonest": [], "distance": []}
    counts, with_slot, ordered = [], [], 0
    never = datetime.max.replace(tzinfo=UTC)
    for i, (lat, lng) in enumerate(points):
        for sort in ("soonest", "distance") if i % 2 else ("distance", "soonest"):
            elapsed, page = timed(search, lat, lng, sort)
            times[sort].append(elapsed)
            if sort == "soonest":
                counts.append(page.count)
                with_slot.append(sum(1 for row in page.items if row["next_slot"]))
                keys = [(row["next_slot"] is None, row["next_slot"] or never) for row in page.items]
                ordered += keys == sorted(keys)

    # Where the time goes, for the query nearest the median.
    median = statistics.median(times["soonest"])
    lat, lng = points[min(range(len(points)), key=lambda i: abs(times["soonest"][i] - median))]
    part: dict[str, list[float]] = {"candidates": [], "next_slots": [], "rows": []}
    for _ in range(20):
        elapsed, candidates = timed(
            lambda: store_nearby_candidates(
                lat=lat, lng=lng, radius_m=radius_m, service=SERVICE, limit=RANKED_CANDIDATES
            )
        )
        part["candidates"].append(elapsed)
        elapsed, slots = timed(lambda c=candidates: next_slots(stores=c, service=service, now=timezone.now()))
        part["next_slots"].append(elapsed)
        ids = [s.pk for s in candidates[:PAGE]]
        elapsed, _ = timed(lambda i=ids: store_nearby_rows(ids=i, lat=lat, lng=lng, radius_m=radius_m, service=SERVICE))
        part["rows"].append(elapsed)
    n_candidates = len(candidates)
    days_ahead = Counter(
        (slot.date() - local_today()).days if slot else None for slot in slots.values()
    )  # how far each candidate's next slot is

    print(
        f"\n[nearby_soonest] {len(points)} queries, radius {radius_m / 1000:g} km, service={SERVICE}, first page of"
        f" {PAGE}; {ctx.args.stores} stores in {CITY[0]}, {bookings} bookings, {closures} closures"
    )
    print(f"  sort=soonest (candidates + next slots + page) : {describe(times['soonest'])}")
    print(f"  sort=distance + next_slot for the page        : {describe(times['distance'])}")
    print(f"  matching stores within radius: p50={rank(counts, 50)} p90={rank(counts, 90)} max={max(counts)};"
          f" cap {RANKED_CANDIDATES}; pages in soonest order: {ordered}/{len(points)}")  # fmt: skip
    print(f"  page items with a next slot: p50={rank(with_slot, 50)} of {PAGE}")
    print(f"  breakdown at the median query ({n_candidates} candidates):")
    for name, xs in part.items():
        print(f"    {name:<11}: {describe(xs)}")
    spread = dict(sorted(days_ahead.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)))
    print(f"  candidates' next slot, days from today (None: none in the horizon): {spread}")
    per_store = pct(part["next_slots"], 50) / max(1, n_candidates) * 1000
    return [
        f"sort=soonest p50={pct(times['soonest'], 50):.1f} p90={pct(times['soonest'], 90):.1f}"
        f" p99={pct(times['soonest'], 99):.1f} ms | sort=distance+slots p50={pct(times['distance'], 50):.1f} ms",
        f"stores within {radius_m / 1000:g} km: p50={rank(counts, 50)} max={max(counts)} | median query:"
        f" {n_candidates} candidates, next_slots p50={pct(part['next_slots'], 50):.1f} ms ({per_store:.0f} us a store),"
        f" candidates p50={pct(part['candidates'], 50):.1f} ms, page rows p50={pct(part['rows'], 50):.1f} ms",
        f"pages in soonest order: {ordered}/{len(points)}",
    ]


def case_all(ctx: Context) -> list[str]:
    return [*case_availability(ctx), *case_create(ctx), *case_nearby_soonest(ctx)]


CASES = {
    "availability": case_availability,
    "create": case_create,
    "nearby_soonest": case_nearby_soonest,
    "all": case_all,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", choices=sorted(CASES), default="all")
    parser.add_argument("--runs", type=int, default=500, help="availability: timed runs of each path")
    parser.add_argument("--threads", type=int, default=8, help="create: concurrent clients")
    parser.add_argument("--attempts", type=int, default=50, help="create: bookings each client attempts")
    parser.add_argument("--stores", type=int, default=3000, help="nearby_soonest: stores in the city")
    parser.add_argument("--queries", type=int, default=200, help="nearby_soonest: searches")
    parser.add_argument("--radius-km", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help=f"reuse {BENCH_DB} if it holds the same city")
    args = parser.parse_args(argv)

    url = harness.bench_database_url(BENCH_DB)
    started = time.perf_counter()
    reuse = harness.prepare_database(url, name=BENCH_DB, label=_dataset_label(args), keep=args.keep)
    # booking_create queues an expiry task on commit: keep it in this process, away from any real broker.
    harness.setup_django(url, name=BENCH_DB, env={"CELERY_BROKER_URL": "memory://"}, quiet=True)
    print(f"load average {harness.load_average()}")
    harness.migrate(BENCH_DB)
    if reuse:
        print(f"reusing {BENCH_DB} ({_dataset_label(args)})")
    else:
        harness.mark_dataset(url, name=BENCH_DB, label=_dataset_label(args))

    harness.print_summary(args.case, CASES[args.case](Context(args=args)), started=started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
