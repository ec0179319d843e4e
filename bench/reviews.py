"""Benchmark of reviews (writing one, many at once on one store, a store's public list, the hourly rating refresh), in
its own database.

    .venv/bin/python bench/reviews.py [--case write|concurrent|public_list|refresh_all|all] [--runs 200] [--stores 20]
                                      [--threads 8] [--per-thread 25] [--reviews 2000] [--list-runs 200]
                                      [--city-stores 3000] [--refresh-runs 10] [--queries 200] [--setup-threads 3]
                                      [--seed 1] [--keep]

The dev database is never touched: the script drops and recreates ``chefu_bench_reviews`` (its name derived from
DATABASE_URL), migrates it and measures against it. ``--keep`` reuses it (the migrations still run): the
public_list store and the refresh_all city are then reused when they hold what the arguments ask for, while write
and concurrent build fresh bookings every run (they depend on today's date). A booking to review is made as
``tests/reviews/conftest.py``'s ``done_booking`` makes it, through the services: ``booking_create``, a sandbox
payment and its signed notification, check-in, start, complete. Nothing leaves the machine: the sandbox signs with
a key pair made for this run in a temporary directory, and Celery goes to an in-memory broker.

A case is one ``case_<name>(ctx) -> list[str]`` function registered in ``CASES``, as in ``bench/payments.py``: it
prints its own details and returns the lines of the final summary.
"""

import argparse
import json
import math
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402
from bench.bookings import SERVICE, make_owners  # noqa: E402
from bench.harness import describe, pct, rank, step, timed, verdict  # noqa: E402
from bench.payments import (  # noqa: E402
    RUN,
    Context,
    _complete_paid,
    error_code,
    http_client,
    issue_tokens,
    make_stores,
    run_threads,
    sandbox_env,
    starts,
    write_sandbox_keys,
)

BENCH_DB = "chefu_bench_reviews"
DATASET_LABEL = "chefu-bench-reviews v1"  # what can be reused is found by name and checked (see --keep)
GOAL_WRITE_MS = 50.0
GOAL_LIST_MS = 30.0
GOAL_REFRESH_S = 2.0
GOAL_NEARBY_MS = 50.0
LIST_STORE = "压测评价列表"  # + the number of published reviews it holds
CITY = ("南京", 32.0603, 118.7969)  # refresh_all's city, away from the other cases' shops in Hangzhou
CITY_SPREAD_KM = 10
KM_PER_DEGREE = 111.32
DIMENSIONS = ("quality", "attitude", "timeliness", "price_transparency", "environment")  # reviews.models.DIMENSIONS
PRAISE = (
    "师傅很专业，保养做得很仔细，价格和报价一致。",
    "环境干净，等候区舒服，准时完工。",
    "讲解清楚，换下来的旧件也给我看了，下次还来。",
    "整体不错，就是周末人有点多，等了一会儿。",
    "服务态度很好，没有乱推销项目。",
)
COMPLAINT = ("等了很久，沟通也不太顺畅。", "车子送回来还是脏的，有点失望。", "推销了很多额外项目，体验一般。")


# --- Shared set-up ------------------------------------------------------------------------------------


def done_bookings(plan: list[tuple], *, bays: int, threads: int) -> list[list]:
    """For each ``(store, [(owner, vehicle), ...])`` of ``plan``, one booking of ``SERVICE`` per owner at that store
    (a ``bays``-bay shop filled hour by hour from tomorrow), made, paid through the sandbox and completed through
    the services, as ``done_booking`` in ``tests/reviews/conftest.py`` makes one; by ``threads`` threads, one
    database connection each. The bookings, store by store."""
    from django.db import connections

    from bookings.services import booking_create
    from catalog.models import Service

    service = Service.objects.get(code=SERVICE)
    jobs = [
        (g, store, owner, start)
        for g, (store, owners) in enumerate(plan)
        for owner, start in zip(owners, starts(bays, len(owners)), strict=True)
    ]
    made: list[list] = [[] for _ in plan]
    errors: list[str] = []

    def worker(k: int) -> None:
        try:
            for g, store, (user, vehicle), start in jobs[k::threads]:
                booking = booking_create(owner=user, store=store, service=service, vehicle=vehicle, start=start)
                _complete_paid([booking])
                made[g].append(booking)
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
        sys.exit(f"set-up failed: {errors[:3]}")
    return made


def ratings_for(rng: random.Random, low: bool | None = None) -> dict[str, int]:
    """Mostly four and five stars; one review in eight (or ``low``) is unhappy (an overall of 2 or less raises a QA
    follow-up)."""
    if low:
        return {d: rng.choice((1, 2)) for d in DIMENSIONS}
    if low is None and rng.random() < 0.125:
        return {d: rng.choice((1, 2, 2, 3)) for d in DIMENSIONS}
    return {d: rng.choice((4, 5, 5)) for d in DIMENSIONS}


def review_body(rng: random.Random, *, phone: bool = False, low: bool | None = None) -> dict:
    ratings = ratings_for(rng, low)
    happy = sum(ratings.values()) >= 15
    text = rng.choice(PRAISE if happy else COMPLAINT)
    tags = rng.sample(("skilled", "fair_price", "on_time", "clean", "friendly") if happy else ("slow", "upsell"), 2)
    if phone:  # the automatic check holds it: a mobile number, written with spaces
        mobile = f"1{rng.randrange(3, 10)}{rng.randrange(10)} {rng.randrange(10**4):04d} {rng.randrange(10**4):04d}"
        text += f"有问题直接打我电话 {mobile}"
    return {"ratings": ratings, "text": text, "tags": tags}


def post_review(client, booking_id: int, token: str, body: dict):
    return client.post(
        f"/api/v1/bookings/{booking_id}/review",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def statement_shapes(captured) -> str:
    """The statements of a captured request, in order, each as its verb and first table: ``SELECT accounts_user``."""
    shapes = []
    for q in captured.captured_queries:
        sql = q["sql"]
        verb = sql.split(None, 1)[0].upper()
        table = ""
        for key in (" FROM ", "INSERT INTO ", "UPDATE "):
            at = sql.find(key)
            if at >= 0:
                table = sql[at + len(key) :].split(None, 1)[0].strip('"')
                break
        lock = " FOR UPDATE" if "FOR UPDATE" in sql else ""
        shapes.append(f"{verb} {table}{lock}".strip())
    return ", ".join(shapes)


def interleave(groups: list[list]) -> list:
    """Round-robin over ``groups``: one of each in turn (the requests rotate over the stores)."""
    out = []
    for i in range(max(len(g) for g in groups)):
        out += [g[i] for g in groups if i < len(g)]
    return out


def recount(store_id: int) -> dict:
    """A store's numbers recomputed from its reviews, without ``store_refresh``: published count and sum, held and
    hidden counts, the Bayesian rating against the current platform mean."""
    from django.db.models import Count, Q, Sum

    from reviews.models import Review, ReviewStatus
    from reviews.reputation import bayesian, platform_mean

    p = ReviewStatus.PUBLISHED
    numbers = Review.objects.filter(store_id=store_id).aggregate(
        n=Count("pk", filter=Q(status=p)),
        total=Sum("overall", filter=Q(status=p)),
        held=Count("pk", filter=Q(status=ReviewStatus.HELD)),
        hidden=Count("pk", filter=Q(status=ReviewStatus.HIDDEN)),
    )
    total = numbers["total"] or Decimal("0.00")
    return {
        "review_count": numbers["n"],
        "overall_sum": total,
        "held": numbers["held"],
        "hidden": numbers["hidden"],
        "rating": bayesian(total=total, count=numbers["n"], mean=platform_mean()),
    }


def stored(store_id: int) -> dict:
    """What ``Store`` and ``StoreReputation`` hold for a store, in :func:`recount`'s terms."""
    from reviews.models import StoreReputation
    from stores.models import Store

    store = Store.objects.get(pk=store_id)
    rep = StoreReputation.objects.filter(store_id=store_id).first() or StoreReputation(store_id=store_id)
    return {
        "review_count": store.review_count,
        "overall_sum": rep.overall_sum,
        "held": rep.held,
        "hidden": rep.hidden,
        "rating": store.rating,
        "reputation_count": rep.count,
        "means": rep.means,
        "distribution": rep.distribution,
    }


# --- write: POST /bookings/{id}/review ------------------------------------------------------------------


def case_write(ctx: Context) -> list[str]:
    """``POST /api/v1/bookings/{id}/review`` through Django's test client with a bearer token, each on a fresh
    completed, paid booking (its own owner) at one of ``--stores`` shops, rotating over the shops: ``--runs`` with a
    text that passes the automatic check and as many with a mobile number in it (held for QA), alternately. One
    review in eight is unhappy (a QA follow-up). Then every shop's numbers against a recount."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reviews.models import QaFollowUp, Review, ReviewStatus
    from reviews.reputation import ratings_refresh_all

    runs, n_stores = ctx.args.runs, ctx.args.stores
    warm = n_stores + n_stores % 2 + 4  # a first review at every shop (it makes the reputation row), then 4 more
    n = 2 * runs + warm
    per = math.ceil(n / n_stores)
    bays = max(1, math.ceil(per / 12))
    with step(f"{n_stores} shops, {per * n_stores} completed paid bookings ({ctx.args.setup_threads} threads)"):
        stores = make_stores(n_stores, bays=bays, label="评价")
        owners = make_owners(per * n_stores, "1390")
        plan = [(s, owners[i * per : (i + 1) * per]) for i, s in enumerate(stores)]
        bookings = interleave(done_bookings(plan, bays=bays, threads=ctx.args.setup_threads))[:n]
        tokens = issue_tokens(b.owner for b in bookings)
    rng = random.Random(f"write-{ctx.args.seed}")
    client = http_client()
    warmup, timed_ = bookings[:warm], bookings[warm:]
    queries, shapes = {}, {}
    for i, b in enumerate(warmup):  # published, held, ...; the last 4: published, held, then both with a low rating
        kind, low = ("phone" if i % 2 else "plain"), i >= warm - 2
        with CaptureQueriesContext(connection) as captured:
            post_review(client, b.pk, tokens[b.owner_id], review_body(rng, phone=kind == "phone", low=low))
        key = "first" if i < n_stores else (kind, low)
        queries.setdefault(key, len(captured))
        shapes.setdefault(key, statement_shapes(captured))

    times: dict[str, list[float]] = {"plain": [], "phone": []}
    answers: Counter = Counter()
    for i in range(runs):
        pair = [("plain", timed_[2 * i]), ("phone", timed_[2 * i + 1])]
        for kind, b in pair if i % 2 else pair[::-1]:
            body = review_body(rng, phone=kind == "phone")
            elapsed, response = timed(post_review, client, b.pk, tokens[b.owner_id], body)
            times[kind].append(elapsed)
            if response.status_code == 201:
                answers[f"{kind}: 201 {response.json()['status']}"] += 1
            else:
                answers[f"{kind}: {response.status_code} {error_code(response)}"] += 1

    ids = [s.pk for s in stores]
    reviews = Review.objects.filter(store_id__in=ids)
    by_status = Counter(reviews.values_list("status", flat=True))
    low = reviews.filter(overall__lte=2).count()
    follow_ups = QaFollowUp.objects.filter(review__store_id__in=ids).count()
    # The numbers each write recounted; ratings lag until the hourly refresh (the platform mean moved since).
    counted = ("review_count", "overall_sum", "held", "hidden")
    off = [s.pk for s in stores if any(stored(s.pk)[k] != recount(s.pk)[k] for k in counted)]
    refresh_s, refreshed = timed(ratings_refresh_all)
    off_rating = [s.pk for s in stores if stored(s.pk)["rating"] != recount(s.pk)["rating"]]
    want = Counter({"plain: 201 published": runs, "phone: 201 held": runs})
    ok = answers == want and by_status[ReviewStatus.PUBLISHED] == by_status[ReviewStatus.HELD] == runs + warm // 2
    ok = ok and low == follow_ups and not off and not off_rating
    p50, h50 = pct(times["plain"], 50), pct(times["phone"], 50)
    print(f"\n[write] {runs} reviews each way over {n_stores} shops ({per} bookings a shop), {warm} warm-up requests"
          " first")  # fmt: skip
    print(f"  POST /bookings/{{id}}/review, published      : {describe(times['plain'])}")
    print(f"  POST /bookings/{{id}}/review, phone -> held  : {describe(times['phone'])}")
    print(f"  SQL statements a request: {queries[('plain', False)]} published, {queries[('phone', False)]} held;"
          f" {queries[('plain', True)]} and {queries[('phone', True)]} with a QA follow-up (overall <= 2);"
          f" {queries['first']} for a shop's first review (its reputation row is made)")  # fmt: skip
    print(f"    published: {shapes[('plain', False)]}")
    print(f"    held     : {shapes[('phone', False)]}")
    print(f"  answers: {dict(answers)}")
    print(f"  reviews by status {dict(by_status)}; overall <= 2: {low}, QA follow-ups {follow_ups}; shops whose counts"
          f" differ from a recount: {off or 'none'}; whose rating does after ratings_refresh_all"
          f" ({refresh_s * 1000:.0f} ms, {refreshed} stores): {off_rating or 'none'}")  # fmt: skip
    return [
        f"write p50={p50:.1f} p90={pct(times['plain'], 90):.1f} p99={pct(times['plain'], 99):.1f} ms"
        f" | held (phone) p50={h50:.1f} p90={pct(times['phone'], 90):.1f} p99={pct(times['phone'], 99):.1f} ms"
        f" | SQL a request {queries[('plain', False)]} / {queries[('phone', False)]} (n={runs} each)",
        f"every answer 201 published / held, a QA follow-up per low review, shops' numbers = a recount: {verdict(ok)}",
        f"goal p50 <= {GOAL_WRITE_MS:g} ms, published: {verdict(p50 <= GOAL_WRITE_MS)}"
        f" | held: {verdict(h50 <= GOAL_WRITE_MS)}",
    ]


# --- concurrent: many reviews of one store at once ------------------------------------------------------


def case_concurrent(ctx: Context) -> list[str]:
    """``--threads`` threads x ``--per-thread`` reviews, each of its own completed booking at the SAME shop, released
    together: every review_create ends in ``store_refresh`` under the lock on that shop's reputation row, so they
    serialize there. Afterwards the shop's ``review_count`` and ``rating`` (and its reputation row) must equal a
    recount from its reviews, and ``store_refresh`` run again must change nothing.

    The control: as many reviews from as many threads, each thread at a shop of its own (nothing shared but the
    platform mean). The goal set here: one shop's throughput at least half the control's. The threads share this
    process's GIL on a 2-core machine (as in ``bench/payments.py``'s storms), so the latencies include waiting for
    the interpreter; the control shows how much of them the shared row adds."""
    from django.db import transaction

    from reviews.reputation import store_refresh

    threads, per = ctx.args.threads, ctx.args.per_thread
    n = threads * per
    bays = max(1, math.ceil(n / 24))
    with step(f"one {bays}-bay shop, {n} completed paid bookings ({ctx.args.setup_threads} threads), tokens"):
        store = make_stores(1, bays=bays, label="并发评价")[0]
        bookings = done_bookings([(store, make_owners(n, "1391"))], bays=bays, threads=ctx.args.setup_threads)[0]
        tokens = issue_tokens(b.owner for b in bookings)
    with step(f"the control: {threads} shops, {per} completed paid bookings each, tokens"):
        shops = make_stores(threads, bays=max(1, math.ceil(per / 12)), label="并发对照")
        owners = make_owners(n, "1393")
        plan = [(s, owners[k * per : (k + 1) * per]) for k, s in enumerate(shops)]
        groups = done_bookings(plan, bays=max(1, math.ceil(per / 12)), threads=ctx.args.setup_threads)
        control = interleave(groups)  # run_threads deals items[k::threads] to thread k: all of shop k
        tokens |= issue_tokens(b.owner for b in control)
    rng = random.Random(f"concurrent-{ctx.args.seed}")
    bodies = {b.pk: review_body(rng) for b in bookings + control}

    def write(client, booking):
        response = post_review(client, booking.pk, tokens[booking.owner_id], bodies[booking.pk])
        if response.status_code == 201:
            return f"201 {response.json()['status']}"
        return f"{response.status_code} {error_code(response)}"

    with step(f"{threads} threads x {per} reviews, one shop"):
        wall, latencies, outcomes = run_threads(threads, write, bookings)
    # Checked at once: a review anywhere else moves the platform mean, so other shops' ratings lag until the hourly
    # refresh (the control's reviews would).
    before, fresh = stored(store.pk), recount(store.pk)
    with transaction.atomic():
        store_refresh(store_id=store.pk)
    after = stored(store.pk)
    with step(f"{threads} threads x {per} reviews, a shop each (the control)"):
        control_wall, control_latencies, control_outcomes = run_threads(threads, write, control)
    answers = Counter(o for os_ in outcomes for o in os_)
    control_answers = Counter(o for os_ in control_outcomes for o in os_)
    flat = [x for xs in latencies for x in xs]
    control_flat = [x for xs in control_latencies for x in xs]
    rate, control_rate = n / wall, n / control_wall
    matches = {k: before[k] == v for k, v in fresh.items()}
    ok = answers == Counter({"201 published": n}) and all(matches.values()) and before == after
    ok = ok and fresh["review_count"] == n and before["reputation_count"] == n
    print(f"\n[concurrent] {n} reviews of one shop from {threads} threads")
    print(f"  answers: {dict(answers)}; the control's: {dict(control_answers)}")
    print(f"  one shop        : wall {wall:.2f} s | reviews/s {rate:.1f} | latency {describe(flat)}")
    print(f"  a shop a thread : wall {control_wall:.2f} s | reviews/s {control_rate:.1f} | latency"
          f" {describe(control_flat)}")  # fmt: skip
    print(f"  stored : review_count {before['review_count']}, rating {before['rating']}, sum {before['overall_sum']},"
          f" reputation count {before['reputation_count']}, distribution {before['distribution']}")  # fmt: skip
    print(f"  recount: review_count {fresh['review_count']}, rating {fresh['rating']}, sum {fresh['overall_sum']}")
    print(f"  store_refresh again changed: {[k for k in before if before[k] != after[k]] or 'nothing'}")
    return [
        f"one shop: threads={threads} reviews={n} reviews/s={rate:.1f} latency p50={pct(flat, 50):.1f}"
        f" p90={pct(flat, 90):.1f} p99={pct(flat, 99):.1f} ms | a shop a thread: reviews/s={control_rate:.1f}"
        f" p50={pct(control_flat, 50):.1f} p99={pct(control_flat, 99):.1f} ms",
        f"goal: one shop's throughput >= half the control's ({rate / control_rate:.2f}x):"
        f" {verdict(rate >= control_rate / 2)}",
        f"review_count={before['review_count']} rating={before['rating']} = recount {fresh['review_count']}"
        f" {fresh['rating']}, store_refresh changes nothing: {verdict(ok)}",
    ]


# --- public_list: GET /stores/{id}/reviews ----------------------------------------------------------------


def list_store(n: int, args: argparse.Namespace):
    """The shop with ``n`` published reviews: reused with ``--keep`` when it holds exactly that many, made by
    :func:`make_list_store` otherwise."""
    from django.db.models import Count, Q

    from reviews.models import ReviewStatus
    from stores.models import Store

    name = f"{LIST_STORE}-{n}"
    found = (
        Store.objects.filter(name__startswith=name)
        .annotate(published=Count("reviews", filter=Q(reviews__status=ReviewStatus.PUBLISHED)))
        .filter(published=n)
        .first()
    )
    if found:
        print(f"reusing {found.name} ({n} published reviews)")
        return found
    return make_list_store(n, args)


def make_list_store(n: int, args: argparse.Namespace):
    """A shop with ``n`` published reviews and, beside them, 2% held and 1% hidden ones.

    The services make one booking, pay for it, complete it and review it; the rest (about ``n``) are copies of that
    booking in the past year (its quote, price version and terms, one hour each on one of 4 bays, own owner and car,
    completed and paid in full, with their ``completed`` event), and their reviews are written in bulk with the
    database's rules kept: ratings 1-5 and ``overall`` their mean, known tags, held ones with what the check found
    and a ``held`` moderation step, hidden ones with QA's ``hidden`` step, a QA follow-up for each overall <= 2,
    replies, follow-ups and a few photo rows (the list only builds their URLs; no file is written). Then
    ``store_refresh``. Not written for these copies: payments and journal entries (the list reads none)."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from bookings.models import Booking, BookingEvent, BookingStatus
    from bookings.services import booking_create
    from catalog.models import Service
    from reviews import services as review_services
    from reviews.models import (
        FollowUp,
        ModerationAction,
        ModerationKind,
        QaFollowUp,
        Reply,
        Review,
        ReviewPhoto,
        ReviewStatus,
    )
    from reviews.reputation import store_refresh
    from stores.models import Bay, Store

    rng = random.Random(f"list-data-{args.seed}")
    held_n, hidden_n = max(1, n // 50), max(1, n // 100)
    total = n - 1 + held_n + hidden_n
    with step(f"a shop with {n} published, {held_n} held and {hidden_n} hidden reviews"), transaction.atomic():
        store = make_stores(1, bays=4, label="评价列表")[0]
        Store.objects.filter(pk=store.pk).update(name=f"{LIST_STORE}-{n}-{RUN}")
        store.refresh_from_db()
        owners = make_owners(total + 1, "1392")
        (user, vehicle) = owners[0]
        template = booking_create(
            owner=user, store=store, service=Service.objects.get(code=SERVICE), vehicle=vehicle,
            start=starts(4, 1)[0],
        )  # fmt: skip
        _complete_paid([template])
        review_services.review_create(
            booking_id=template.pk, owner=user, ratings=dict.fromkeys(DIMENSIONS, 5), text=PRAISE[0], tags=["skilled"]
        )
        template.refresh_from_db()
        unusable = make_password(None)
        staff, _ = User.objects.get_or_create(
            phone="13929999999", defaults={"name": "压测店长", "roles": ["owner"], "password": unusable}
        )
        qa, _ = User.objects.get_or_create(
            phone="13929999998", defaults={"name": "压测质检", "roles": ["owner", "qa"], "password": unusable}
        )
        bays = list(Bay.objects.filter(store=store).order_by("pk"))
        now = timezone.now()
        length, blocks = template.end - template.start, template.blocks_until - template.start
        lead = template.start - template.cancel_free_until
        copies = []
        for i in range(total):
            # Newest first: copy i ends about i * (a year / total) ago, on the hour, on bay i % 4.
            start = (now - timedelta(days=4) - timedelta(hours=(i // 4) * (24 * 365 // max(1, total // 4)))).replace(
                minute=0, second=0, microsecond=0
            )
            user, vehicle = owners[i + 1]
            copies.append(
                Booking(
                    owner=user, store=store, bay=bays[i % 4], service_id=SERVICE, vehicle=vehicle,
                    offering_version_id=template.offering_version_id, status=BookingStatus.COMPLETED, start=start,
                    end=start + length, blocks_until=start + blocks, quote=template.quote,
                    quote_total=template.quote_total, checklist=[], amount_paid=template.quote_total,
                    cancel_free_until=start - lead, cancel_fee_pct=template.cancel_fee_pct,
                    created_at=start - timedelta(days=3),
                )
            )  # fmt: skip
        copies = Booking.objects.bulk_create(copies, batch_size=1000)
        BookingEvent.objects.bulk_create(
            (
                BookingEvent(booking=b, at=b.end, from_status=BookingStatus.IN_SERVICE, to_status=b.status)
                for b in copies
            ),
            batch_size=1000,
        )
        statuses = [ReviewStatus.HELD] * held_n + [ReviewStatus.HIDDEN] * hidden_n
        statuses += [ReviewStatus.PUBLISHED] * (total - len(statuses))
        rng.shuffle(statuses)
        reviews = []
        for b, status in zip(copies, statuses, strict=True):
            body = review_body(rng, phone=status == ReviewStatus.HELD)
            if status == ReviewStatus.PUBLISHED and rng.random() < 0.2:
                body["text"] = ""  # stars only
            ratings = body["ratings"]
            reviews.append(
                Review(
                    booking=b, store=store, owner_id=b.owner_id, overall=review_services.overall_of(ratings),
                    text=body["text"], tags=body["tags"], status=status,
                    held_for={"phone": ["138****0000"]} if status == ReviewStatus.HELD else {},
                    created_at=b.end + timedelta(minutes=rng.randrange(30, 72 * 60)), **ratings,
                )
            )  # fmt: skip
        reviews = Review.objects.bulk_create(reviews, batch_size=1000)
        ModerationAction.objects.bulk_create(
            ModerationAction(review=r, kind=ModerationKind.HELD, details=r.held_for, at=r.created_at)
            if r.status == ReviewStatus.HELD
            else ModerationAction(
                review=r,
                kind=ModerationKind.HIDDEN,
                by=qa,
                reason="与本次服务无关",
                at=r.created_at + timedelta(days=1),
            )
            for r in reviews
            if r.status != ReviewStatus.PUBLISHED
        )
        QaFollowUp.objects.bulk_create(QaFollowUp(review=r, store=store) for r in reviews if r.overall <= 2)
        Reply.objects.bulk_create(
            Reply(review=r, author=staff, text="感谢您的评价，欢迎再来！", created_at=r.created_at + timedelta(hours=5))
            for r in reviews
            if rng.random() < 0.1
        )
        FollowUp.objects.bulk_create(
            FollowUp(
                review=r, text="开了一段时间，车况一直很好。", created_at=min(now, r.created_at + timedelta(days=30))
            )
            for r in reviews
            if rng.random() < 0.05
        )
        ReviewPhoto.objects.bulk_create(
            ReviewPhoto(review=r, image=f"reviews/bench/{r.pk}-{k}.jpg", width=1280, height=960, size=150_000)
            for r in reviews
            if rng.random() < 0.05
            for k in range(rng.randrange(1, 4))
        )
        store_refresh(store_id=store.pk)
    with step("VACUUM ANALYZE"), connection.cursor() as cur:
        for table in ("bookings_booking", "reviews_review", "reviews_reply", "reviews_followup", "reviews_reviewphoto"):
            cur.execute(f"VACUUM (ANALYZE) {table}")
    return store


def get_reviews(client, store_id: int, **params):
    query = "&".join(f"{k}={v}" for k, v in {"with_photos": "false", **params}.items())
    return client.get(f"/api/v1/stores/{store_id}/reviews?{query}")


def case_public_list(ctx: Context) -> list[str]:
    """``GET /api/v1/stores/{id}/reviews`` (anonymous) on a shop with ``--reviews`` published reviews: first pages of
    20, ``sort=newest`` and ``sort=lowest``, ``with_photos=false``, alternately; beside them a random deeper page
    of each sort. The statements a request at ``limit`` 5, 20 and 100 (must not grow with the page)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from reviews.reputation import store_refresh
    from stores.selectors import store_get_public, store_get_visible

    n, runs = ctx.args.reviews, ctx.args.list_runs
    store = list_store(n, ctx.args)
    client = http_client()
    rng = random.Random(f"list-{ctx.args.seed}")
    for _ in range(10):
        get_reviews(client, store.pk, sort="newest")
        get_reviews(client, store.pk, sort="lowest")
    queries: dict[tuple[str, int], int] = {}
    for sort in ("newest", "lowest"):
        for limit in (5, 20, 100):
            with CaptureQueriesContext(connection) as captured:
                response = get_reviews(client, store.pk, sort=sort, limit=limit)
            queries[(sort, limit)] = len(captured)
            if sort == "newest" and limit == 20:
                shapes = statement_shapes(captured)
                sample = response.json()

    times: dict[str, list[float]] = {"newest": [], "lowest": [], "deep": []}
    bad: Counter = Counter()
    ordered = 0
    for i in range(runs):
        calls = [("newest", {"sort": "newest"}), ("lowest", {"sort": "lowest"})]
        calls.append(("deep", {"sort": rng.choice(("newest", "lowest")), "offset": rng.randrange(20, n - 20)}))
        for name, params in calls[i % 3 :] + calls[: i % 3]:
            elapsed, response = timed(lambda p=params: get_reviews(client, store.pk, **p))
            times[name].append(elapsed)
            if response.status_code != 200:
                bad[f"{name}: {response.status_code}"] += 1
                continue
            body = response.json()
            if body["count"] != n or len(body["items"]) != 20:
                bad[f"{name}: count {body['count']} items {len(body['items'])}"] += 1
            if name == "lowest":
                overall = [r["overall"] for r in body["items"]]
                ordered += overall == sorted(overall)
            elif name == "newest":
                at = [r["created_at"] for r in body["items"]]
                ordered += at == sorted(at, reverse=True)

    # Beside the request: what checking the store costs (the list calls store_get_public, which loads the store's
    # categories, bays and hours too), and store_refresh on this shop (every review written here runs it).
    parts: dict[str, list[float]] = {"public": [], "visible": [], "refresh": []}
    for _ in range(50):
        parts["public"].append(timed(lambda: store_get_public(store_id=store.pk))[0])
        parts["visible"].append(timed(lambda: store_get_visible(store_id=store.pk))[0])
        with transaction.atomic():
            parts["refresh"].append(timed(lambda: store_refresh(store_id=store.pk))[0])

    flat_queries = set(queries.values())
    p50, l50 = pct(times["newest"], 50), pct(times["lowest"], 50)
    ok = not bad and ordered == 2 * runs
    print(f"\n[public_list] {store.name}: {n} published reviews; {runs} requests of each kind, 20 warm-up first")
    print(f"  GET /stores/{{id}}/reviews?sort=newest          : {describe(times['newest'])}")
    print(f"  GET /stores/{{id}}/reviews?sort=lowest          : {describe(times['lowest'])}")
    print(f"  the same, a random page (offset 20..{n - 20})     : {describe(times['deep'])}")
    print(f"  SQL statements a request (sort, limit): {' '.join(f'{s}/{k}={v}' for (s, k), v in queries.items())}")
    print(f"    {shapes}")
    print(f"  page 1: count {sample['count']}, hidden {sample['hidden_count']}, held {sample['held_count']},"
          f" distribution {sample['distribution']}")  # fmt: skip
    print(f"  pages in order {ordered}/{2 * runs}; refused: {dict(bad) or 'none'}")
    print(f"  store_get_public alone (store, categories, bays, hours): {describe(parts['public'])}")
    print(f"  store_get_visible alone (the store row)                : {describe(parts['visible'])}")
    print(f"  store_refresh on this shop (each review written runs it): {describe(parts['refresh'])}")
    return [
        f"newest p50={p50:.1f} p90={pct(times['newest'], 90):.1f} p99={pct(times['newest'], 99):.1f} ms"
        f" | lowest p50={l50:.1f} p90={pct(times['lowest'], 90):.1f} p99={pct(times['lowest'], 99):.1f} ms"
        f" | deeper page p50={pct(times['deep'], 50):.1f} ms (n={runs}, {n} reviews)",
        f"SQL a request {sorted(flat_queries)} at limit 5/20/100, the same for every page size:"
        f" {verdict(len(flat_queries) == 1)} | every page right and in order: {verdict(ok)}",
        f"goal p50 <= {GOAL_LIST_MS:g} ms, newest: {verdict(p50 <= GOAL_LIST_MS)}"
        f" | lowest: {verdict(l50 <= GOAL_LIST_MS)}",
    ]


# --- refresh_all: the hourly job, and the search that reads what it writes -----------------------------------------


def load_city(n: int, seed: int) -> list[int]:
    """``n`` stores in ``CITY`` (reused with ``--keep`` when there are exactly ``n``), each with its reputation row
    and no review behind it: 95% active, the rest on probation, suspended or terminated; one in eight without a
    review yet, the others with 1-400 (most under 100) and a mean overall around 4.3. Written in bulk; every
    ``rating`` is left null and ``review_count`` 0, for ``ratings_refresh_all`` to fill."""
    from django.contrib.gis.geos import Point
    from django.db import connection, transaction

    from reviews.models import StoreReputation
    from stores.models import Store

    ids = list(Store.objects.filter(city=CITY[0]).order_by("pk").values_list("pk", flat=True))
    if len(ids) == n:
        print(f"reusing {n} stores in {CITY[0]}")
        return ids
    rng = random.Random(f"city-{seed}")
    name, lat0, lng0 = CITY
    with step(f"{n} stores in {name} with their reputation rows"), transaction.atomic():
        StoreReputation.objects.filter(store__city=name).delete()
        Store.objects.filter(city=name).delete()  # a partial load from an interrupted run (no bookings)
        stores = []
        for i in range(n):
            lat = lat0 + rng.gauss(0, CITY_SPREAD_KM) / KM_PER_DEGREE
            lng = lng0 + rng.gauss(0, CITY_SPREAD_KM) / (KM_PER_DEGREE * math.cos(math.radians(lat0)))
            r = rng.random()
            status = "active" if r < 0.95 else "probation" if r < 0.98 else "suspended" if r < 0.995 else "terminated"
            stores.append(
                Store(
                    name=f"评价{name}{i}号店", address=f"{name}市中山路{i}号", city=name,
                    location=Point(lng, lat, srid=4326), phone="025-88880000", status=status,
                )
            )  # fmt: skip
        stores = Store.objects.bulk_create(stores, batch_size=1000)
        Store.categories.through.objects.bulk_create(
            Store.categories.through(store_id=s.pk, category_id="maintenance") for s in stores
        )
        reputations = []
        for s in stores:
            count = 0 if rng.random() < 0.125 else min(400, 1 + int(rng.expovariate(1 / 60)))
            mean = min(5.0, max(1.0, rng.gauss(4.3, 0.35)))
            stars = {str(k): 0 for k in range(1, 6)}
            for _ in range(count):
                stars[str(min(5, max(1, round(rng.gauss(mean, 0.7)))))] += 1
            means = {d: round(min(5.0, max(1.0, mean + rng.uniform(-0.3, 0.3))), 2) for d in DIMENSIONS}
            reputations.append(
                StoreReputation(
                    store=s, count=count, overall_sum=(Decimal(str(mean)) * count).quantize(Decimal("0.01")),
                    means=means if count else {}, distribution=stars,
                )
            )  # fmt: skip
        StoreReputation.objects.bulk_create(reputations, batch_size=1000)
    with step("VACUUM ANALYZE"), connection.cursor() as cur:
        for table in ("stores_store", "stores_store_categories", "reviews_storereputation"):
            cur.execute(f"VACUUM (ANALYZE) {table}")
    return [s.pk for s in stores]


def sentinel_store():
    """A terminated store outside the city whose reputation row moves the platform mean when the case needs it to
    (as a burst of reviews elsewhere would); 0 reviews otherwise."""
    from django.contrib.gis.geos import Point

    from reviews.models import StoreReputation
    from stores.models import Store

    store, _ = Store.objects.get_or_create(
        name="压测评价基准店",
        defaults={
            "address": "上海市人民路1号",
            "city": "上海",
            "location": Point(121.4737, 31.2304, srid=4326),
            "phone": "021-88880000",
            "status": "terminated",
        },
    )
    StoreReputation.objects.get_or_create(store=store)
    return store


def wrong_ratings() -> int:
    """Stores whose ``rating`` or ``review_count`` is not what their reputation row and the current platform mean
    make (checked in SQL, across the whole database)."""
    from django.db import connection

    from reviews.reputation import platform_mean, prior_weight

    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT count(*) FROM stores_store s JOIN reviews_storereputation r ON r.store_id = s.id
             WHERE s.review_count <> r.count
                OR s.rating IS DISTINCT FROM CASE WHEN r.count > 0
                       THEN ROUND((%(c)s * %(m)s + r.overall_sum) / (%(c)s + r.count), 2) END
            """,
            {"c": prior_weight(), "m": platform_mean()},
        )
        return cur.fetchone()[0]


def city_points(n: int, seed: int) -> list[tuple[float, float]]:
    rng = random.Random(f"city-queries-{seed}")
    _, lat0, lng0 = CITY
    spread = CITY_SPREAD_KM * 0.8
    return [
        (
            lat0 + rng.gauss(0, spread) / KM_PER_DEGREE,
            lng0 + rng.gauss(0, spread) / (KM_PER_DEGREE * math.cos(math.radians(lat0))),
        )
        for _ in range(n)
    ]


def case_refresh_all(ctx: Context) -> list[str]:
    """``reviews.reputation.ratings_refresh_all()`` (the hourly job: one UPDATE over every store with a reputation
    row) with ``--city-stores`` stores in one city: once with every rating still null (every rated store written),
    ``--refresh-runs`` times after the platform mean moved by about 0.3 (the sentinel store's reputation toggled
    between runs, outside the timing: nearly every rating changes) and as many times with nothing moved (nothing
    written). Then every store's rating against its reputation row, and ``GET /api/v1/stores/nearby?sort=rating``
    (5 km, first page of 20) at ``--queries`` points around the city, alternately with ``&min_rating=4.5``. Beside
    them: ``platform_mean()`` alone, which every review written runs (a sum over every reputation row)."""
    from django.db.models import Sum

    from reviews.models import StoreReputation
    from reviews.reputation import platform_mean, ratings_refresh_all
    from stores.models import Store

    n, runs = ctx.args.city_stores, ctx.args.refresh_runs
    ids = load_city(n, ctx.args.seed)
    sentinel = sentinel_store()
    StoreReputation.objects.filter(store=sentinel).update(count=0, overall_sum=0)
    Store.objects.filter(pk__in=ids).update(rating=None, review_count=0)
    city = StoreReputation.objects.filter(store_id__in=ids).aggregate(n=Sum("count"), total=Sum("overall_sum"))
    reviews_in_city = city["n"]
    rated = StoreReputation.objects.filter(store_id__in=ids, count__gt=0).count()
    everyone = StoreReputation.objects.count()

    cold_s, cold_rows = timed(ratings_refresh_all)
    times: dict[str, list[float]] = {"moved": [], "still": []}
    rows: dict[str, list[int]] = {"moved": [], "still": []}
    means = []
    for i in range(runs):
        # The sentinel holds as many reviews as the city, averaging 4.0 or 4.6 in turn: the mean swings by ~0.3.
        average = Decimal("4.6") if i % 2 else Decimal("4.0")
        StoreReputation.objects.filter(store=sentinel).update(
            count=reviews_in_city, overall_sum=average * reviews_in_city
        )
        means.append(platform_mean())
        for kind in ("moved", "still"):
            elapsed, changed = timed(ratings_refresh_all)
            times[kind].append(elapsed)
            rows[kind].append(changed)
    wrong_moved = wrong_ratings()
    StoreReputation.objects.filter(store=sentinel).update(count=0, overall_sum=0)
    settle_s, settled = timed(ratings_refresh_all)
    wrong = wrong_ratings()
    mean_times = [timed(platform_mean)[0] for _ in range(100)]

    client = http_client()
    points = city_points(ctx.args.queries, ctx.args.seed)
    warmup = city_points(20, ctx.args.seed + 1_000_000)

    def nearby(lat: float, lng: float, **extra):
        query = "&".join(
            f"{k}={v}" for k, v in {"lat": f"{lat:.6f}", "lng": f"{lng:.6f}", "sort": "rating", **extra}.items()
        )
        return client.get(f"/api/v1/stores/nearby?{query}")

    for lat, lng in warmup:
        nearby(lat, lng)
        nearby(lat, lng, min_rating="4.5")
    nearby_times: dict[str, list[float]] = {"rating": [], "min_rating": []}
    found: dict[str, list[int]] = {"rating": [], "min_rating": []}
    bad: Counter = Counter()
    ordered = 0
    for i, (lat, lng) in enumerate(points):
        calls = [("rating", {}), ("min_rating", {"min_rating": "4.5"})]
        for name, extra in calls if i % 2 else calls[::-1]:
            elapsed, response = timed(lambda e=extra, la=lat, ln=lng: nearby(la, ln, **e))
            nearby_times[name].append(elapsed)
            if response.status_code != 200:
                bad[f"{name}: {response.status_code} {error_code(response)}"] += 1
                continue
            body = response.json()
            found[name].append(body["count"])
            keys = [(r["rating"] is None, -(r["rating"] or 0), -r["review_count"]) for r in body["items"]]
            ordered += keys == sorted(keys)
            if name == "min_rating" and any(r["rating"] is None or r["rating"] < 4.5 for r in body["items"]):
                bad["min_rating: a rating under 4.5"] += 1

    worst = max([cold_s, *times["moved"], *times["still"]])
    p50, m50 = pct(nearby_times["rating"], 50), pct(nearby_times["min_rating"], 50)
    ok_rows = wrong == wrong_moved == 0 and not bad and ordered == 2 * len(points)
    print(f"\n[refresh_all] {n} stores in {CITY[0]} ({rated} rated, {reviews_in_city} reviews behind them);"
          f" {everyone} reputation rows in the database")  # fmt: skip
    print(f"  ratings_refresh_all, every rating null  : {cold_s * 1000:.1f} ms, {cold_rows} stores written")
    print(f"  ratings_refresh_all, the mean moved     : {describe(times['moved'])}; stores written"
          f" {min(rows['moved'])}-{max(rows['moved'])}; means {min(means):.3f}-{max(means):.3f}")  # fmt: skip
    print(f"  ratings_refresh_all, nothing moved      : {describe(times['still'])}; stores written"
          f" {min(rows['still'])}-{max(rows['still'])}")  # fmt: skip
    print(f"  back to the city's own mean: {settle_s * 1000:.1f} ms, {settled} written; stores off their reputation"
          f" row: {wrong_moved} after the moved runs, {wrong} at the end")  # fmt: skip
    print(f"  platform_mean() alone (every review write runs it): {describe(mean_times)}")
    print(f"  GET /stores/nearby?sort=rating               : {describe(nearby_times['rating'])}")
    print(f"  GET /stores/nearby?sort=rating&min_rating=4.5: {describe(nearby_times['min_rating'])}")
    print(f"  stores within 5 km: p50={rank(found['rating'], 50)} max={max(found['rating'])}; with min_rating=4.5:"
          f" p50={rank(found['min_rating'], 50)}; pages in rating order {ordered}/{2 * len(points)};"
          f" refused: {dict(bad) or 'none'}")  # fmt: skip
    return [
        f"ratings_refresh_all over {everyone} reputation rows: null ratings {cold_s * 1000:.0f} ms"
        f" | mean moved p50={pct(times['moved'], 50):.0f} p90={pct(times['moved'], 90):.0f}"
        f" p99={pct(times['moved'], 99):.0f} ms | nothing moved p50={pct(times['still'], 50):.0f}"
        f" p99={pct(times['still'], 99):.0f} ms (n={runs})",
        f"goal <= {GOAL_REFRESH_S:g} s a run (worst {worst * 1000:.0f} ms): {verdict(worst <= GOAL_REFRESH_S)}"
        f" | every store's rating = its reputation row: {verdict(wrong == wrong_moved == 0)}",
        f"nearby sort=rating p50={p50:.1f} p90={pct(nearby_times['rating'], 90):.1f}"
        f" p99={pct(nearby_times['rating'], 99):.1f} ms | &min_rating=4.5 p50={m50:.1f}"
        f" p90={pct(nearby_times['min_rating'], 90):.1f} p99={pct(nearby_times['min_rating'], 99):.1f} ms"
        f" (n={len(points)})",
        f"goal p50 <= {GOAL_NEARBY_MS:g} ms: {verdict(p50 <= GOAL_NEARBY_MS)} | min_rating:"
        f" {verdict(m50 <= GOAL_NEARBY_MS)} | pages in order, filter kept: {verdict(ok_rows)}",
    ]


def case_all(ctx: Context) -> list[str]:
    return harness.every_case(CASES, ctx)


CASES = {
    "write": case_write,
    "concurrent": case_concurrent,
    "public_list": case_public_list,
    "refresh_all": case_refresh_all,
    "all": case_all,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", choices=list(CASES), default="all")
    parser.add_argument("--runs", type=int, default=200, help="write: timed reviews of each kind")
    parser.add_argument("--stores", type=int, default=20, help="write: shops the reviews are spread over")
    parser.add_argument("--threads", type=int, default=8, help="concurrent: writers on one shop")
    parser.add_argument("--per-thread", type=int, default=25, help="concurrent: reviews a writer posts")
    parser.add_argument("--reviews", type=int, default=2000, help="public_list: published reviews of the shop")
    parser.add_argument("--list-runs", type=int, default=200, help="public_list: timed requests of each kind")
    parser.add_argument("--city-stores", type=int, default=3000, help="refresh_all: stores in the city")
    parser.add_argument("--refresh-runs", type=int, default=10, help="refresh_all: timed runs of each kind")
    parser.add_argument("--queries", type=int, default=200, help="refresh_all: nearby searches")
    parser.add_argument("--setup-threads", type=int, default=3, help="threads making the bookings to review")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help=f"reuse {BENCH_DB} (see the module's docstring)")
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
