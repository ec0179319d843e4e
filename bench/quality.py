"""Benchmark of the nightly quality run (issue 13, item 11) and QA's risk table, in its own database.

    .venv/bin/python bench/quality.py [--stores 10000] [--bookings 2000000] [--days 180] [--page-runs 200]
                                      [--seed 1] [--keep]

The dev database is never touched: the script drops and recreates ``chefu_bench_quality``, migrates it and loads,
in bulk SQL (generate_series), ``--stores`` stores in 20 cities with a bay and a priced service each, owners and
their cars, and ``--bookings`` bookings over the last ``--days`` days with their timeline (paid, checked in,
started, completed), in proportion: 85 % completed, 5 % cancelled by the owner, 2 % by the store, 2 % no-shows,
6 % expired; extra work on 8 % of completed jobs (60 % approved), reviews of 40 %, complaints on 1.5 % (a third
upheld), a finalized audit for most stores, some overdue corrective actions. ``--keep`` reuses a database holding
the same dataset.

It then runs the KPI computation (``quality.kpis.kpis_compute``, goal ≤ 60 s) and the whole nightly run
(``quality.runs.quality_run``), prints the EXPLAIN (ANALYZE, BUFFERS) plan of the KPI statement and of the risk
table's first page, and times that page (``quality.kpi_selectors.risk_table`` + the count, as the API does; goal
p50 ≤ 20 ms).
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402
from bench.harness import describe, pct, step, verdict  # noqa: E402

BENCH_DB = "chefu_bench_quality"
GOAL_KPI_S = 60.0
GOAL_PAGE_MS = 20.0
SERVICE = "minor_service"
CITIES = (
    "上海", "北京", "广州", "深圳", "杭州", "南京", "成都", "武汉", "重庆", "西安",
    "苏州", "天津", "长沙", "郑州", "青岛", "宁波", "合肥", "厦门", "昆明", "大连",
)  # fmt: skip
ZONE = "Asia/Shanghai"


def _label(args) -> str:
    return f"chefu-bench-quality v1 stores={args.stores} bookings={args.bookings} days={args.days} seed={args.seed}"


def load(args) -> None:
    from django.db import connection, transaction

    from catalog.reference import reference_prices_recompute_all

    cities = "ARRAY[" + ", ".join(f"'{c}'" for c in CITIES) + "]"
    with connection.cursor() as cur:
        cur.execute("SELECT setseed(%s)", [args.seed / 1000])
        with step(f"{args.stores} stores with a bay and a price"), transaction.atomic():
            cur.execute(
                f"""
                INSERT INTO stores_store (name, address, city, location, phone, timezone, status, review_count,
                                          created_at, updated_at)
                SELECT '压测门店' || g, '人民路' || g || '号', ({cities})[1 + g %% 20],
                       ST_SetSRID(ST_MakePoint(100 + random() * 20, 25 + random() * 15), 4326)::geography,
                       '021-63210000', '{ZONE}',
                       CASE WHEN g %% 50 = 0 THEN 'probation' WHEN g %% 97 = 0 THEN 'suspended' ELSE 'active' END,
                       0, now() - interval '2 years', now()
                  FROM generate_series(1, %(stores)s) g
                """,
                {"stores": args.stores},
            )
            cur.execute(
                "INSERT INTO stores_bay (store_id, name, is_active) SELECT id, '1号工位', true FROM stores_store"
            )
            cur.execute(
                """
                CREATE TEMP TABLE bench_offer ON COMMIT DROP AS
                SELECT s.id AS id, s.id AS store_id,
                       round((200 + random() * 200 + CASE WHEN random() < 0.01 THEN 400 ELSE 0 END)::numeric, 2)
                           AS total
                  FROM stores_store s
                """
            )
            cur.execute(
                "INSERT INTO catalog_offering (id, store_id, service_id, current_id, is_active, total, updated_at)"
                f" SELECT id, store_id, '{SERVICE}', id, true, total, now() FROM bench_offer"
            )
            cur.execute(
                "INSERT INTO catalog_offeringversion (id, offering_id, number, labour, total, duration_min, created_at)"
                " SELECT id, id, 1, total, total, 60, now() FROM bench_offer"
            )
            for table in ("catalog_offering", "catalog_offeringversion"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        with step("reference bands"):
            reference_prices_recompute_all()
        owners = max(1000, args.bookings // 20)
        with step(f"{owners} owners, {owners * 3} cars"), transaction.atomic():
            cur.execute(
                """
                INSERT INTO accounts_user (password, is_superuser, phone, name, roles, is_active, is_staff,
                                           date_joined, session_generation)
                SELECT '!', false, '13' || lpad(g::text, 9, '0'), '车主' || g, '{owner}', true, false, now(), 0
                  FROM generate_series(1, %(owners)s) g
                """,
                {"owners": owners},
            )
            cur.execute(
                """
                INSERT INTO accounts_vehicle (owner_id, plate, make, model, year, mileage_km, vin, tyre_size,
                                              is_new_energy, created_at)
                SELECT u.id, '沪A' || lpad(((u.id * 3 + k) % 100000)::text, 5, '0'), '大众', '朗逸', 2019, 40000,
                       '', '', false, now()
                  FROM accounts_user u CROSS JOIN generate_series(0, 2) k
                """
            )
        with step(f"{args.bookings} bookings over {args.days} days"), transaction.atomic():
            cur.execute("SELECT min(id), max(id) FROM accounts_vehicle")
            vmin, vmax = cur.fetchone()
            cur.execute("SELECT min(id), max(id) FROM stores_store")
            smin, smax = cur.fetchone()
            cur.execute(
                f"""
                INSERT INTO bookings_booking (owner_id, store_id, bay_id, service_id, vehicle_id, offering_version_id,
                    status, start, "end", blocks_until, quote, quote_total, checklist, amount_paid, cancelled_by_store,
                    cancel_reason, cancel_free_until, cancel_fee_pct, created_at, updated_at)
                SELECT v.owner_id, x.store_id, b.id, '{SERVICE}', v.id, o.current_id,
                       CASE WHEN x.r < 0.85 THEN 'completed' WHEN x.r < 0.90 THEN 'cancelled'
                            WHEN x.r < 0.92 THEN 'cancelled' WHEN x.r < 0.94 THEN 'no_show' ELSE 'expired' END,
                       x.start, x.start + interval '1 hour', x.start + interval '1 hour',
                       '{{"lines": [], "total": "0.00"}}'::jsonb, o.total, '[]'::jsonb,
                       CASE WHEN x.r < 0.94 THEN o.total ELSE 0 END, x.r >= 0.90 AND x.r < 0.92, '',
                       x.start - interval '2 hours', 20, x.start - interval '1 day', now()
                  FROM (
                    SELECT %(smin)s + floor(random() * (%(smax)s - %(smin)s + 1))::int AS store_id,
                           %(vmin)s + floor(random() * (%(vmax)s - %(vmin)s + 1))::int AS vehicle_id,
                           date_trunc('hour', now() - random() * make_interval(days => %(days)s)) AS start,
                           random() AS r
                      FROM generate_series(1, %(bookings)s)
                  ) x
                  JOIN stores_bay b ON b.store_id = x.store_id
                  JOIN catalog_offering o ON o.store_id = x.store_id
                  JOIN accounts_vehicle v ON v.id = x.vehicle_id
                """,
                {"smin": smin, "smax": smax, "vmin": vmin, "vmax": vmax, "days": args.days, "bookings": args.bookings},
            )
        with step("timelines (confirmed, checked in, started, completed)"), transaction.atomic():
            cur.execute(
                """
                INSERT INTO bookings_bookingevent (booking_id, at, action, from_status, to_status, by_role, reason,
                                                   details)
                SELECT b.id, e.at, 'status', e.f, e.t, e.role, '', '{}'::jsonb
                  FROM bookings_booking b
                  CROSS JOIN LATERAL (
                    SELECT b.created_at AS at, 'pending_payment' AS f, 'confirmed' AS t, 'system' AS role
                    UNION ALL SELECT b.start - interval '5 minutes', 'confirmed', 'checked_in', 'store'
                    UNION ALL SELECT b.start + make_interval(mins => floor(random() * random() * 40)::int),
                                     'checked_in', 'in_service', 'store'
                    UNION ALL SELECT b.end, 'in_service', 'completed', 'store'
                  ) e
                 WHERE b.status = 'completed'
                """
            )
        with step("extra work, reviews, complaints"), transaction.atomic():
            cur.execute("ALTER TABLE bookings_supplement DISABLE TRIGGER USER")
            cur.execute("ALTER TABLE bookings_supplementline DISABLE TRIGGER USER")
            cur.execute(
                """
                WITH s AS (
                    INSERT INTO bookings_supplement (booking_id, status, reason, total, proposed_at, decided_at,
                                                     decision_note)
                    SELECT b.id, CASE WHEN random() < 0.6 THEN 'approved' ELSE 'rejected' END, '刹车片磨损',
                           round((50 + random() * 300)::numeric, 2), b.start, b.start + interval '20 minutes', ''
                      FROM bookings_booking b
                     WHERE b.status = 'completed' AND random() < 0.08
                    RETURNING id, total
                )
                INSERT INTO bookings_supplementline (supplement_id, position, description, sku, qty, unit_price, amount)
                SELECT id, 1, '刹车片', '', 1, total, total FROM s
                """
            )
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute("ALTER TABLE bookings_supplement ENABLE TRIGGER USER")
            cur.execute("ALTER TABLE bookings_supplementline ENABLE TRIGGER USER")
            cur.execute(
                """
                INSERT INTO reviews_review (booking_id, store_id, owner_id, quality, attitude, timeliness,
                                            price_transparency, environment, overall, text, tags, status, held_for,
                                            created_at)
                SELECT b.id, b.store_id, b.owner_id, r.stars, r.stars, r.stars, r.stars, r.stars, r.stars, '', '{}',
                       'published', '{}'::jsonb, b.end + interval '2 hours'
                  FROM bookings_booking b
                 CROSS JOIN LATERAL (SELECT CASE WHEN x < 0.05 THEN 1 WHEN x < 0.09 THEN 2 WHEN x < 0.2 THEN 3
                                                 WHEN x < 0.5 THEN 4 ELSE 5 END AS stars
                                       FROM (SELECT random() + b.id * 0 AS x) q) r
                 WHERE b.status = 'completed' AND random() < 0.4
                """
            )
            cur.execute(
                """
                INSERT INTO reviews_storereputation (store_id, count, overall_sum, means, distribution, hidden, held,
                                                     updated_at)
                SELECT store_id, count(*), sum(overall), '{}'::jsonb, '{}'::jsonb, 0, 0, now()
                  FROM reviews_review GROUP BY store_id
                """
            )
            cur.execute(
                """
                INSERT INTO quality_complaint (booking_id, store_id, owner_id, category, description, status,
                    created_at, respond_by, resolve_by, store_response, outcome, resolution, refund_amount,
                    penalty_points, resolved_at)
                SELECT b.id, b.store_id, b.owner_id, 'workmanship', '机油不是报价里的品牌',
                       CASE WHEN x.r < 0.8 THEN 'resolved' ELSE 'open' END, b.end + interval '1 day',
                       b.end + interval '2 days', b.end + interval '4 days', '',
                       CASE WHEN x.r < 0.33 THEN 'upheld' WHEN x.r < 0.8 THEN 'rejected' ELSE '' END, '', 0, 0,
                       CASE WHEN x.r < 0.8 THEN b.end + interval '3 days' END
                  FROM bookings_booking b CROSS JOIN LATERAL (SELECT random() + b.id * 0 AS r) x
                 WHERE b.status = 'completed' AND random() < 0.015
                """
            )
        with step("audits and corrective actions"), transaction.atomic():
            cur.execute(
                """
                INSERT INTO quality_standard (code, category, version, title_zh, title_en, published_at, created_at)
                VALUES ('bench_facility', 'facility', 1, '设施', 'Facility', NULL, now())
                RETURNING id
                """
            )
            standard = cur.fetchone()[0]
            cur.execute(
                """
                INSERT INTO quality_audit (store_id, standard_id, kind, status, scheduled_for, pass_mark, score, passed,
                                           critical_failed, finalized_at, created_at)
                SELECT s.id, %(standard)s, 'scheduled', 'finalized', (now() - a.age)::date, 80, a.score, a.score >= 80,
                       false, now() - a.age, now()
                  FROM stores_store s
                 CROSS JOIN LATERAL (SELECT make_interval(days => floor(random() * 300 + s.id * 0)::int) AS age,
                                            round((55 + random() * 45)::numeric, 2) AS score) a
                 WHERE random() < 0.9
                """,
                {"standard": standard},
            )
            cur.execute(
                """
                INSERT INTO quality_standarditem (standard_id, code, text_zh, text_en, weight, critical,
                                                  evidence_required, position)
                SELECT %(standard)s, 'item' || k, '项目' || k, 'Item ' || k, 10, false, false, k
                  FROM generate_series(1, 5) k
                """,
                {"standard": standard},
            )
            publish = "UPDATE quality_standard SET published_at = now() - interval '1 year' WHERE id = %s"
            cur.execute(publish, [standard])
            cur.execute(
                """
                INSERT INTO quality_correctiveaction (audit_id, store_id, item_id, status, due, evidence_note,
                                                      created_at)
                SELECT a.id, a.store_id, i.id, 'open', (a.finalized_at + interval '30 days')::date, '', a.finalized_at
                  FROM quality_audit a JOIN quality_standarditem i ON i.standard_id = a.standard_id
                 WHERE NOT a.passed AND i.position <= 1 + a.id % 3
                """
            )
        with step("VACUUM ANALYZE"):
            for table in (
                "bookings_booking",
                "bookings_bookingevent",
                "bookings_supplement",
                "reviews_review",
                "quality_complaint",
                "quality_audit",
                "quality_correctiveaction",
                "stores_store",
                "catalog_offering",
            ):
                cur.execute(f"VACUUM ANALYZE {table}")


def counts() -> str:
    from django.db import connection

    with connection.cursor() as cur:
        parts = []
        for table in ("stores_store", "bookings_booking", "bookings_bookingevent", "bookings_supplement",
                      "reviews_review", "quality_complaint", "quality_audit", "quality_correctiveaction"):  # fmt: skip
            cur.execute(f"SELECT count(*) FROM {table}")
            parts.append(f"{table}={cur.fetchone()[0]}")
    return ", ".join(parts)


def explain(sql: str, params) -> list[str]:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
        lines = [row[0] for row in cur.fetchall()]
        transaction.set_rollback(True)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=10_000)
    parser.add_argument("--bookings", type=int, default=2_000_000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--page-runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()

    url = harness.bench_database_url(BENCH_DB)
    label = _label(args)
    reuse = harness.prepare_database(url, name=BENCH_DB, label=label, keep=args.keep)
    harness.setup_django(url, name=BENCH_DB, env={"CELERY_BROKER_URL": "memory://"}, quiet=True)
    harness.migrate(BENCH_DB)
    if not reuse:
        load(args)
        harness.mark_dataset(url, name=BENCH_DB, label=label)
    print(counts())

    from django.db import transaction

    from accounts.models import User
    from quality.kpi_selectors import risk_table
    from quality.kpis import KPI_SQL, kpi_params, kpis_compute
    from quality.runs import quality_run, yesterday

    day = yesterday()
    # A warm-up of the caches (as a nightly job on a live server finds them), then the measured run.
    kpis_compute(day=day)
    t0 = time.perf_counter()
    with transaction.atomic():
        written = kpis_compute(day=day)
    kpi_s = time.perf_counter() - t0
    print(
        f"\nKPI computation: {written} rows in {kpi_s:.1f} s"
        f" (goal ≤ {GOAL_KPI_S:.0f} s): {verdict(kpi_s <= GOAL_KPI_S)}"
    )

    t0 = time.perf_counter()
    run = quality_run(day=day)
    run_s = time.perf_counter() - t0
    print(
        f"whole nightly run: {run_s:.1f} s, {run.stores_evaluated} stores, {run.alerts_raised} alerts,"
        f" {len(run.status_changes)} status changes"
    )

    print("\n-- plan of the KPI statement")
    for line in explain(KPI_SQL, kpi_params(day)):
        print(line)

    # Autovacuum visits a table soon after 20,000 rows were rewritten; do it now, as the server would by morning.
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE quality_storekpi")

    qa, _ = User.objects.get_or_create(phone="13900000000", defaults={"name": "QA", "roles": ["owner", "qa"]})

    def page(sort: str = "risk", status: str | None = None):
        queryset = risk_table(user=qa, sort=sort, status=status, window_days=90)
        return queryset.count(), list(queryset[:20])

    for sort, status in (("risk", None), ("-complaint_rate", None), ("risk", "active")):
        page(sort, status)
        times = []
        for _ in range(args.page_runs):
            t0 = time.perf_counter()
            page(sort, status)
            times.append(time.perf_counter() - t0)
        ok = pct(times, 50) <= GOAL_PAGE_MS
        print(f"risk table first page sort={sort} status={status}: {describe(times)}: {verdict(ok)}")

    print("\n-- plan of the risk table's first page (sort=risk)")
    queryset = risk_table(user=qa, sort="risk", window_days=90)[:20]
    sql, params = queryset.query.sql_with_params()
    for line in explain(sql, params):
        print(line)
    print("\n-- plan of its count")
    for line in explain("SELECT count(*) FROM quality_storekpi k WHERE k.day = %s AND k.window_days = 90", [run.day]):
        print(line)

    harness.print_summary(
        "quality",
        [
            f"KPI computation over {args.stores} stores / {args.bookings} bookings: {kpi_s:.1f} s"
            f" (goal ≤ {GOAL_KPI_S:.0f} s): {verdict(kpi_s <= GOAL_KPI_S)}",
            f"whole nightly run (KPIs, rules, sanctions, monitors): {run_s:.1f} s",
        ],
        started=started,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
