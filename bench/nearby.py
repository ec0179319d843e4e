"""Benchmark of the store search on a realistic national data set, in its own database.

    .venv/bin/python bench/nearby.py [--case nearby|nearby_price] [--stores 100000] [--queries 1000] [--radius-km 5]
                                     [--seed 1] [--geopy-queries 20] [--keep]

The dev database is never touched: the script drops and recreates ``chefu_bench`` (its name derived
from DATABASE_URL), migrates it, loads the stores with COPY and measures the selectors against it.
``--keep`` reuses ``chefu_bench`` when it already holds the same number of stores from the same seed.

A case is one ``case_<name>(ctx) -> list[str]`` function registered in ``CASES``: it prints its own
details and returns the lines of the final summary. Data a case needs beyond the stores (offerings,
bookings) is loaded by the case itself, after the shared store load.
"""

import argparse
import io
import math
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402
from bench.harness import describe, pct, rank, step, timed, verdict  # noqa: E402

BENCH_DB = "chefu_bench"
WARMUP_QUERIES = 50
PAGE = 20  # the API's default page size


# --- Where the stores are ---------------------------------------------------------------------------


@dataclass(frozen=True)
class City:
    name: str
    lat: float
    lng: float
    weight: float  # share of the clustered stores, relative
    spread_km: float  # standard deviation of the Gaussian around the centre
    area_code: str
    timezone: str = "Asia/Shanghai"


# Approximate centres (WGS-84); weights loosely follow car ownership.
CITIES = (
    City("北京", 39.9042, 116.4074, 10.0, 25, "010"),
    City("上海", 31.2304, 121.4737, 10.0, 25, "021"),
    City("广州", 23.1291, 113.2644, 7.0, 22, "020"),
    City("深圳", 22.5431, 114.0579, 7.0, 20, "0755"),
    City("成都", 30.5728, 104.0668, 7.0, 22, "028"),
    City("重庆", 29.5630, 106.5516, 7.0, 22, "023"),
    City("杭州", 30.2741, 120.1551, 6.0, 20, "0571"),
    City("武汉", 30.5928, 114.3055, 5.0, 20, "027"),
    City("西安", 34.3416, 108.9398, 5.0, 18, "029"),
    City("天津", 39.3434, 117.3616, 5.0, 20, "022"),
    City("苏州", 31.2989, 120.5853, 5.0, 18, "0512"),
    City("南京", 32.0603, 118.7969, 5.0, 18, "025"),
    City("郑州", 34.7466, 113.6254, 4.0, 16, "0371"),
    City("长沙", 28.2282, 112.9388, 4.0, 16, "0731"),
    City("东莞", 23.0207, 113.7518, 4.0, 16, "0769"),
    City("宁波", 29.8683, 121.5440, 3.0, 15, "0574"),
    City("沈阳", 41.8057, 123.4315, 3.0, 15, "024"),
    City("青岛", 36.0671, 120.3826, 3.0, 15, "0532"),
    City("合肥", 31.8206, 117.2272, 3.0, 15, "0551"),
    City("佛山", 23.0215, 113.1214, 3.0, 15, "0757"),
    City("济南", 36.6512, 117.1201, 3.0, 15, "0531"),
    City("昆明", 24.8801, 102.8329, 3.0, 15, "0871"),
    City("哈尔滨", 45.8038, 126.5350, 3.0, 15, "0451"),
    City("石家庄", 38.0428, 114.5149, 2.5, 14, "0311"),
    City("福州", 26.0745, 119.2965, 2.0, 12, "0591"),
    City("厦门", 24.4798, 118.0894, 2.0, 10, "0592"),
    City("无锡", 31.4912, 120.3119, 2.0, 12, "0510"),
    City("温州", 27.9939, 120.6994, 2.0, 12, "0577"),
    City("泉州", 24.8741, 118.6757, 2.0, 12, "0595"),
    City("大连", 38.9140, 121.6147, 2.0, 12, "0411"),
    City("长春", 43.8171, 125.3235, 2.0, 12, "0431"),
    City("南宁", 22.8170, 108.3665, 2.0, 12, "0771"),
    City("太原", 37.8706, 112.5489, 2.0, 12, "0351"),
    City("南昌", 28.6820, 115.8579, 2.0, 12, "0791"),
    City("贵阳", 26.6470, 106.6302, 2.0, 12, "0851"),
    City("乌鲁木齐", 43.8256, 87.6168, 1.5, 12, "0991", "Asia/Urumqi"),
    City("兰州", 36.0611, 103.8343, 1.5, 10, "0931"),
    City("呼和浩特", 40.8414, 111.7519, 1.0, 10, "0471"),
    City("银川", 38.4872, 106.2309, 1.0, 10, "0951"),
    City("西宁", 36.6171, 101.7782, 1.0, 10, "0971"),
    City("海口", 20.0440, 110.1999, 1.0, 10, "0898"),
    City("拉萨", 29.6520, 91.1721, 0.5, 10, "0891"),
)

# The scattered stores: boxes that roughly cover mainland China's land, so few land in the sea or in
# Mongolia: (south, north, west, east). Picked in proportion to their area.
LAND_BOXES = (
    (22.0, 41.0, 105.0, 122.0),  # east and centre
    (21.5, 28.0, 98.0, 117.0),  # south
    (28.0, 45.0, 76.0, 105.0),  # north-west, Tibet
    (41.0, 53.0, 120.0, 134.0),  # north-east
)
SCATTERED_SHARE = 0.10

# (status, cumulative share)
STATUSES = (("active", 0.95), ("probation", 0.98), ("suspended", 0.995), ("terminated", 1.0))
BRANDS = ("车服", "安驰", "速修", "洁车坊", "快保", "养车堂", "轮胎之家", "途安")
ROADS = ("人民路", "解放路", "中山路", "建设路", "长江路", "和平路", "新华路", "胜利路", "工业大道", "滨江路")
# Share of stores offering each category; every store gets at least "maintenance".
CATEGORY_SHARE = {"maintenance": 85, "washing": 60, "parts_install": 40, "consignment": 5}
KM_PER_DEGREE = 111.32


def _pick_city(rng: random.Random, cumulative: list[float]) -> City:
    return CITIES[min(_bisect(cumulative, rng.random() * cumulative[-1]), len(CITIES) - 1)]


def _bisect(cumulative: list[float], x: float) -> int:
    lo, hi = 0, len(cumulative)
    while lo < hi:
        mid = (lo + hi) // 2
        if cumulative[mid] <= x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _around(rng: random.Random, city: City, spread_km: float) -> tuple[float, float]:
    lat = city.lat + rng.gauss(0, spread_km) / KM_PER_DEGREE
    lng = city.lng + rng.gauss(0, spread_km) / (KM_PER_DEGREE * math.cos(math.radians(city.lat)))
    return lat, lng


def _nearest_city(lat: float, lng: float) -> City:
    def key(c: City) -> float:
        return (c.lat - lat) ** 2 + ((c.lng - lng) * math.cos(math.radians(lat))) ** 2

    return min(CITIES, key=key)


def _city_cumulative() -> list[float]:
    total, out = 0.0, []
    for c in CITIES:
        total += c.weight
        out.append(total)
    return out


def store_points(n: int, seed: int) -> Iterator[tuple[City, float, float]]:
    """``n`` (city, lat, lng), deterministic for ``seed``: ~90% around the cities, the rest scattered."""
    rng = random.Random(seed)
    cumulative = _city_cumulative()
    box_areas = [(n_ - s) * (e - w) * math.cos(math.radians((n_ + s) / 2)) for s, n_, w, e in LAND_BOXES]
    for _ in range(n):
        if rng.random() < SCATTERED_SHARE:
            s, n_, w, e = rng.choices(LAND_BOXES, weights=box_areas)[0]
            lat, lng = rng.uniform(s, n_), rng.uniform(w, e)
            yield _nearest_city(lat, lng), lat, lng
        else:
            city = _pick_city(rng, cumulative)
            yield (city, *_around(rng, city, city.spread_km))


def query_points(n: int, seed: int) -> list[tuple[float, float]]:
    """Where owners search from: near the same centres, with the same spread (deterministic)."""
    rng = random.Random(f"queries-{seed}")
    cumulative = _city_cumulative()
    out = []
    for _ in range(n):
        city = _pick_city(rng, cumulative)
        out.append(_around(rng, city, city.spread_km))
    return out


# --- Database ---------------------------------------------------------------------------------------


def _dataset_label(args: argparse.Namespace) -> str:
    return f"chefu-bench stores={args.stores} seed={args.seed}"


def _store_rows(n: int, seed: int) -> io.StringIO:
    """The stores as COPY text (tab-separated; no value holds a tab, newline or backslash)."""
    rng = random.Random(f"stores-{seed}")
    now = datetime.now(UTC)
    buf = io.StringIO()
    for i, (city, lat, lng) in enumerate(store_points(n, seed), start=1):
        r = rng.random()
        status = next(s for s, share in STATUSES if r < share)
        reviewed = rng.random() < 0.7
        rating = f"{min(5.0, max(1.0, rng.gauss(4.3, 0.4))):.2f}" if reviewed else r"\N"
        reviews = int(rng.expovariate(1 / 60)) + 1 if reviewed else 0
        created = now - timedelta(seconds=rng.randrange(3 * 365 * 86400))
        digits = 8 if len(city.area_code) == 3 else 7
        phone = f"{city.area_code}-{rng.randrange(2 * 10 ** (digits - 1), 10**digits)}"
        buf.write(
            "\t".join(
                (
                    f"{rng.choice(BRANDS)}{city.name}{i}号店",
                    f"{city.name}市{rng.choice(ROADS)}{rng.randrange(1, 999)}号",
                    city.name,
                    f"SRID=4326;POINT({lng:.7f} {lat:.7f})",
                    phone,
                    city.timezone,
                    status,
                    rating,
                    str(reviews),
                    created.isoformat(),
                    created.isoformat(),
                )
            )
            + "\n"
        )
    buf.seek(0)
    return buf


def load_stores(args: argparse.Namespace) -> None:
    from django.db import connection

    with step(f"generating {args.stores} stores"):
        rows = _store_rows(args.stores, args.seed)
    with connection.cursor() as cur:
        with step("COPY stores_store"):
            cur.copy_expert(
                "COPY stores_store (name, address, city, location, phone, timezone, status, rating,"
                " review_count, created_at, updated_at) FROM STDIN",
                rows,
            )
        with step("stores_store_categories"):
            shares = " ".join(f"WHEN '{code}' THEN {share}" for code, share in CATEGORY_SHARE.items())
            cur.execute(
                "INSERT INTO stores_store_categories (store_id, category_id) "
                "SELECT s.id, c.code FROM stores_store s CROSS JOIN catalog_category c "
                f"WHERE abs(hashtext(s.id::text || c.code)) % 100 < CASE c.code {shares} ELSE 0 END"
            )
            cur.execute(
                "INSERT INTO stores_store_categories (store_id, category_id) "
                "SELECT s.id, 'maintenance' FROM stores_store s "
                "WHERE NOT EXISTS (SELECT 1 FROM stores_store_categories sc WHERE sc.store_id = s.id)"
            )
        with step("stores_openinghours (7 a store)"):
            cur.execute(
                "INSERT INTO stores_openinghours (store_id, weekday, opens, closes) "
                "SELECT s.id, d, '08:30', '20:00' FROM stores_store s CROSS JOIN generate_series(0, 6) d"
            )
    with step("VACUUM ANALYZE"), connection.cursor() as cur:
        for table in ("stores_store", "stores_store_categories", "stores_openinghours"):
            cur.execute(f"VACUUM (ANALYZE) {table}")


# --- Measuring --------------------------------------------------------------------------------------


def explain(sql: str, params) -> list[str]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return [line for (line,) in cur.fetchall()]


def location_gist_indexes() -> list[str]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'stores_store' "
            "AND indexdef ILIKE '%USING gist%' AND indexdef ILIKE '%(location)%'"
        )
        return [name for (name,) in cur.fetchall()]


def uses_index(plan: list[str], indexes: list[str], table: str = "stores_store") -> bool:
    text = "\n".join(plan)
    if f"Seq Scan on {table}" in text:
        return False
    scans = ("Index Scan using {}", "Index Only Scan using {}", "Bitmap Index Scan on {}")
    return any(scan.format(name) in text for scan in scans for name in indexes)


@dataclass
class Context:
    args: argparse.Namespace
    radius_m: float
    queries: list[tuple[float, float]]
    warmup: list[tuple[float, float]]


def case_nearby(ctx: Context) -> list[str]:
    """``store_nearby_page`` (what /stores/nearby calls: the first page and the count) against the
    same two SQL statements run raw, the plain ORM queryset, and a geopy loop."""
    from django.db import connection
    from geopy.distance import geodesic

    from chefu.prepared import _bind
    from stores.models import VISIBLE_STATUSES
    from stores.selectors import _nearby_page, nearby_shape, store_nearby, store_nearby_page

    radius_m = ctx.radius_m
    cursor = connection.cursor()
    template = _nearby_page.template(
        nearby_shape(category=None, open_now=False, min_rating=None, service=None, sort="distance")
    )

    def selector(lat: float, lng: float):
        return store_nearby_page(lat=lat, lng=lng, radius_m=radius_m, limit=PAGE)

    def orm(lat: float, lng: float) -> tuple[list, int]:
        queryset = store_nearby(lat=lat, lng=lng, radius_m=radius_m)
        return list(queryset[:PAGE]), queryset.count()

    def raw_params(lat: float, lng: float) -> tuple[list, list]:
        values = {"lat": lat, "lng": lng, "radius_m": float(radius_m)}
        page = [*_bind(template.slots, template.constants, values), PAGE, 0]
        return page, _bind(template.count_slots, template.count_constants, values)

    page_sql = f"{template.sql} LIMIT %s OFFSET %s"

    def raw(page_params: list, count_params: list) -> tuple[list, int]:
        cursor.execute(template.count_sql, count_params)
        count = cursor.fetchone()[0]
        cursor.execute(page_sql, page_params)
        return cursor.fetchall(), count

    for lat, lng in ctx.warmup:
        selector(lat, lng)
        orm(lat, lng)
        raw(*raw_params(lat, lng))

    # The measurements of one query run in rotating order, so none always finds the pages another
    # just read.
    times: dict[str, list[float]] = {"selector": [], "raw": [], "orm": []}
    counts, same = [], 0
    for i, (lat, lng) in enumerate(ctx.queries):
        calls = {"selector": (selector, lat, lng), "raw": (raw, *raw_params(lat, lng)), "orm": (orm, lat, lng)}
        order = list(calls)
        results = {}
        for name in order[i % 3 :] + order[: i % 3]:
            fn, *args = calls[name]
            elapsed, results[name] = timed(fn, *args)
            times[name].append(elapsed)
        counts.append(results["selector"].count)
        ids = [row["id"] for row in results["selector"].items]
        same += ids == [row[0] for row in results["raw"][0]] == [s.id for s in results["orm"][0]]
    cursor.close()

    t_page, t_raw = times["selector"], times["raw"]
    print(f"\n[nearby] {len(ctx.queries)} queries, radius {radius_m / 1000:g} km, first page of {PAGE} + count")
    print(f"  selector (store_nearby_page) : {describe(t_page)}")
    print(f"  same SQL run raw             : {describe(t_raw)}")
    print(f"  plain ORM queryset + count() : {describe(times['orm'])}")
    print(
        f"  visible stores within radius: p50={rank(counts, 50)} p90={rank(counts, 90)} max={max(counts)};"
        f" empty {sum(1 for c in counts if c == 0)}, full first page {sum(1 for c in counts if c >= PAGE)}"
        f" of {len(counts)}"
    )
    print(f"  selector, raw SQL and ORM gave the same ids in the same order: {same}/{len(ctx.queries)}")

    def page(lat: float, lng: float) -> list:
        return [row["id"] for row in selector(lat, lng).items]

    # (a) the search without PostGIS: every visible store through geopy, on the spheroid.
    with connection.cursor() as cur:
        cur.execute("SELECT id, ST_Y(location::geometry), ST_X(location::geometry), status FROM stores_store")
        everything = cur.fetchall()
    visible = set(VISIBLE_STATUSES)
    t_geopy, agree = [], 0
    subset = ctx.queries[: ctx.args.geopy_queries]
    for lat, lng in subset:
        t0 = time.perf_counter()
        hits = []
        for store_id, s_lat, s_lng, status in everything:
            if status in visible:
                d = geodesic((lat, lng), (s_lat, s_lng)).meters
                if d <= radius_m:
                    hits.append((d, store_id))
        hits.sort()
        top = {store_id for _, store_id in hits[:PAGE]}
        t_geopy.append(time.perf_counter() - t0)
        agree += top == set(page(lat, lng))
    del everything
    print(f"  geopy loop     : {describe(t_geopy)}")
    # <-> orders on the sphere, geopy on the spheroid (up to ~0.3% apart): the 20th store may differ.
    print(f"  geopy and selector chose the same {PAGE} stores: {agree}/{len(subset)}")

    # The plans of a typical query: the one whose selector time is nearest the median.
    median = statistics.median(t_page)
    lat, lng = ctx.queries[min(range(len(t_page)), key=lambda i: abs(t_page[i] - median))]
    indexes = location_gist_indexes()
    page_params, count_params = raw_params(lat, lng)
    page_plan = explain(page_sql, page_params)
    count_plan = explain(template.count_sql, count_params)
    print(f"\n[nearby] EXPLAIN (ANALYZE, BUFFERS) of a typical page query at ({lat:.5f}, {lng:.5f}):")
    print(f"  SQL: {page_sql}")
    print("\n".join("  " + line for line in page_plan))
    print(f"\n[nearby] EXPLAIN (ANALYZE, BUFFERS) of its count:\n  SQL: {template.count_sql}")
    print("\n".join("  " + line for line in count_plan))
    index_used = uses_index(page_plan, indexes) and uses_index(count_plan, indexes)
    print(f"index used: {'yes' if index_used else 'no'} (GiST on stores_store.location: {', '.join(indexes)})")

    p50_page, p50_raw, p50_geopy = pct(t_page, 50), pct(t_raw, 50), pct(t_geopy, 50)
    overhead, speedup = p50_page / p50_raw, p50_geopy / p50_page
    return [
        f"selector p50={p50_page:.2f} p90={pct(t_page, 90):.2f} p99={pct(t_page, 99):.2f}"
        f" mean={statistics.fmean(t_page) * 1000:.2f} ms (page + count) | plain ORM p50={pct(times['orm'], 50):.2f} ms",
        f"raw SQL p50={p50_raw:.2f} ms | selector/raw = {overhead:.2f}x (goal <= 1.5x): {verdict(overhead <= 1.5)}",
        f"geopy loop p50={p50_geopy:.0f} ms (n={len(t_geopy)}) | speed-up = {speedup:.0f}x (goal >= 100x):"
        f" {verdict(speedup >= 100)}",
        f"index used: {'yes' if index_used else 'no'}",
        f"goal p50 <= 5 ms: {verdict(p50_page <= 5)}",
    ]


# --- nearby_price: service= and sort=price ----------------------------------------------------------

OFFERINGS_PER_STORE = 5
# The priced services and a Shanghai-ish typical total (CNY); each store's price scatters around it.
PRICED_SERVICES = {
    "minor_service": 380,
    "major_service": 850,
    "brake_fluid_change": 260,
    "ac_service": 300,
    "standard_wash": 45,
    "interior_cleaning": 300,
    "waxing": 220,
    "tyre_fitting": 45,
    "battery_replacement": 650,
    "wiper_blades": 140,
    "brake_pads": 650,
}
OFFERING_INDEXES = ["offering_active_idx", "offering_unique_per_store_service"]


def _offering_count() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM catalog_offering WHERE is_active")
        return cur.fetchone()[0]


def load_offerings() -> None:
    """Five active offerings a store, one version each, straight in SQL (deterministic: hashes, no random).

    A store prices the services of its own categories first, then others to make up five. Offering and
    version ids are allotted together so each offering points at its version on insert: the foreign
    keys are deferred to the commit, and the CHECK (an active offering has a current version and a
    total) holds row by row. Prices: the service's typical total x 0.6-1.6; ~5% of stores charge 2.2x that.
    """
    from django.db import connection, transaction

    services = ", ".join(f"('{code}', {total})" for code, total in PRICED_SERVICES.items())
    label = f"catalog_offering + catalog_offeringversion ({OFFERINGS_PER_STORE} a store)"
    with step(label), transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "TRUNCATE catalog_offeringpartline, catalog_offeringversion, catalog_offering RESTART IDENTITY CASCADE"
        )
        cur.execute(
            f"""
            CREATE TEMP TABLE bench_offer ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY store_id, service_id) AS id, store_id, service_id, total
            FROM (
                SELECT s.id AS store_id, svc.code AS service_id,
                       round(svc.typical
                             * (0.6 + (abs(hashtext(s.id::text || svc.code || 'p')) % 1000) / 1000.0)
                             * CASE WHEN abs(hashtext(s.id::text || 'dear')) % 100 < 5 THEN 2.2 ELSE 1 END,
                             0)::numeric(12, 2) AS total,
                       row_number() OVER (
                           PARTITION BY s.id
                           ORDER BY EXISTS (SELECT 1 FROM stores_store_categories sc
                                            WHERE sc.store_id = s.id AND sc.category_id = svc.category_id) DESC,
                                    hashtext(s.id::text || svc.code)
                       ) AS k
                FROM stores_store s
                CROSS JOIN (SELECT v.code, v.typical, c.category_id
                            FROM (VALUES {services}) AS v(code, typical)
                            JOIN catalog_service c ON c.code = v.code) AS svc
            ) ranked
            WHERE k <= {OFFERINGS_PER_STORE}
            """
        )
        cur.execute(
            "INSERT INTO catalog_offering (id, store_id, service_id, current_id, is_active, total, updated_at) "
            "SELECT id, store_id, service_id, id, true, total, now() FROM bench_offer"
        )
        cur.execute(
            "INSERT INTO catalog_offeringversion (id, offering_id, number, labour, total, duration_min, created_at)"
            " SELECT id, id, 1, total, total, 60, now() FROM bench_offer"
        )
        for table in ("catalog_offering", "catalog_offeringversion"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    with step("VACUUM ANALYZE offerings"), connection.cursor() as cur:
        for table in ("catalog_offering", "catalog_offeringversion"):
            cur.execute(f"VACUUM (ANALYZE) {table}")


def case_nearby_price(ctx: Context) -> list[str]:
    """``store_nearby_page`` with ``service=`` and ``sort=price`` (the API's path for "cheapest wash near me":
    first page and count), against the same SQL run raw and the plain ORM queryset. Each query asks for
    the next of the priced services in turn."""
    from django.db import connection

    from chefu.prepared import _bind
    from stores.selectors import _nearby_page, nearby_shape, store_nearby, store_nearby_page

    expected = _count_stores() * OFFERINGS_PER_STORE
    if _offering_count() != expected:
        load_offerings()
    else:
        print(f"reusing {expected} offerings")

    radius_m = ctx.radius_m
    codes = list(PRICED_SERVICES)
    cursor = connection.cursor()
    template = _nearby_page.template(
        nearby_shape(category=None, open_now=False, min_rating=None, service=codes[0], sort="price")
    )
    page_sql = f"{template.sql} LIMIT %s OFFSET %s"

    def selector(lat: float, lng: float, service: str):
        return store_nearby_page(lat=lat, lng=lng, radius_m=radius_m, service=service, sort="price", limit=PAGE)

    def orm(lat: float, lng: float, service: str) -> tuple[list, int]:
        queryset = store_nearby(lat=lat, lng=lng, radius_m=radius_m, service=service, sort="price")
        return list(queryset[:PAGE]), queryset.count()

    def raw_params(lat: float, lng: float, service: str) -> tuple[list, list]:
        values = {"lat": lat, "lng": lng, "radius_m": float(radius_m), "service": service}
        page = [*_bind(template.slots, template.constants, values), PAGE, 0]
        return page, _bind(template.count_slots, template.count_constants, values)

    def raw(page_params: list, count_params: list) -> tuple[list, int]:
        cursor.execute(template.count_sql, count_params)
        count = cursor.fetchone()[0]
        cursor.execute(page_sql, page_params)
        return cursor.fetchall(), count

    for i, (lat, lng) in enumerate(ctx.warmup):
        service = codes[i % len(codes)]
        selector(lat, lng, service)
        orm(lat, lng, service)
        raw(*raw_params(lat, lng, service))

    times: dict[str, list[float]] = {"selector": [], "raw": [], "orm": []}
    counts, same, sorted_ok = [], 0, 0
    for i, (lat, lng) in enumerate(ctx.queries):
        service = codes[i % len(codes)]
        calls = {
            "selector": (selector, lat, lng, service),
            "raw": (raw, *raw_params(lat, lng, service)),
            "orm": (orm, lat, lng, service),
        }
        order = list(calls)
        results = {}
        for name in order[i % 3 :] + order[: i % 3]:
            fn, *args = calls[name]
            elapsed, results[name] = timed(fn, *args)
            times[name].append(elapsed)
        page = results["selector"]
        counts.append(page.count)
        ids = [row["id"] for row in page.items]
        same += ids == [row[0] for row in results["raw"][0]] == [s.id for s in results["orm"][0]]
        totals = [row["price_total"] for row in page.items]
        sorted_ok += totals == sorted(totals) and page.count == results["raw"][1] == results["orm"][1]
    cursor.close()

    t_page, t_raw = times["selector"], times["raw"]
    print(
        f"\n[nearby_price] {len(ctx.queries)} queries, radius {radius_m / 1000:g} km, service= (rotating over"
        f" {len(codes)}) + sort=price, first page of {PAGE} + count"
    )
    print(f"  selector (store_nearby_page) : {describe(t_page)}")
    print(f"  same SQL run raw             : {describe(t_raw)}")
    print(f"  plain ORM queryset + count() : {describe(times['orm'])}")
    print(
        f"  stores pricing the service within radius: p50={rank(counts, 50)} p90={rank(counts, 90)}"
        f" max={max(counts)}; empty {sum(1 for c in counts if c == 0)} of {len(counts)}"
    )
    print(f"  selector, raw SQL and ORM gave the same ids in the same order: {same}/{len(ctx.queries)}")
    print(f"  pages sorted by price with equal counts: {sorted_ok}/{len(ctx.queries)}")

    # The plans of a typical query (selector time nearest the median) and of the busiest one.
    median = statistics.median(t_page)
    typical = min(range(len(t_page)), key=lambda i: abs(t_page[i] - median))
    busiest = max(range(len(counts)), key=lambda i: counts[i])
    gist = location_gist_indexes()
    index_used = True
    for label, i in (("typical", typical), ("busiest", busiest)):
        lat, lng = ctx.queries[i]
        service = codes[i % len(codes)]
        page_params, count_params = raw_params(lat, lng, service)
        for what, sql, params in (("page query", page_sql, page_params), ("count", template.count_sql, count_params)):
            plan = explain(sql, params)
            print(
                f"\n[nearby_price] EXPLAIN (ANALYZE, BUFFERS) of the {label} {what}"
                f" ({lat:.5f}, {lng:.5f}, {service}, {counts[i]} stores):"
            )
            if label == "typical" and what == "page query":
                print(f"  SQL: {sql}")
            print("\n".join("  " + line for line in plan))
            index_used &= uses_index(plan, gist) and uses_index(plan, OFFERING_INDEXES, table="catalog_offering")
    print(
        f"index used: {'yes' if index_used else 'no'} (GiST on stores_store.location: {', '.join(gist)};"
        f" catalog_offering: {' or '.join(OFFERING_INDEXES)})"
    )

    p50_page, p50_raw = pct(t_page, 50), pct(t_raw, 50)
    overhead = p50_page / p50_raw
    return [
        f"offerings={expected} ({OFFERINGS_PER_STORE} a store) | stores pricing the service within radius:"
        f" p50={rank(counts, 50)} p90={rank(counts, 90)} max={max(counts)}",
        f"selector p50={p50_page:.2f} p90={pct(t_page, 90):.2f} p99={pct(t_page, 99):.2f}"
        f" mean={statistics.fmean(t_page) * 1000:.2f} ms (page + count) | plain ORM p50={pct(times['orm'], 50):.2f} ms",
        f"raw SQL p50={p50_raw:.2f} p90={pct(t_raw, 90):.2f} p99={pct(t_raw, 99):.2f} ms"
        f" | selector/raw = {overhead:.2f}x (goal <= 1.5x): {verdict(overhead <= 1.5)}",
        f"same ids as raw SQL and ORM: {same}/{len(ctx.queries)}; price order: {sorted_ok}/{len(ctx.queries)}",
        f"index used: {'yes' if index_used else 'no'}",
        f"goal p50 <= 10 ms: {verdict(p50_page <= 10)}",
    ]


def _count_stores() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM stores_store")
        return cur.fetchone()[0]


CASES: dict[str, Callable[[Context], list[str]]] = {"nearby": case_nearby, "nearby_price": case_nearby_price}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", choices=sorted(CASES), default="nearby")
    parser.add_argument("--stores", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--radius-km", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--geopy-queries", type=int, default=20, help="queries for the (slow) geopy baseline")
    parser.add_argument("--keep", action="store_true", help="reuse chefu_bench if it holds the same data set")
    args = parser.parse_args(argv)

    url = harness.bench_database_url(BENCH_DB)
    started = time.perf_counter()
    reuse = harness.prepare_database(url, name=BENCH_DB, label=_dataset_label(args), keep=args.keep)
    harness.setup_django(url, name=BENCH_DB)
    print(f"load average {harness.load_average()}")
    harness.migrate(BENCH_DB)
    if reuse:
        print(f"reusing {BENCH_DB} ({args.stores} stores, seed {args.seed})")
    else:
        t0 = time.perf_counter()
        load_stores(args)
        harness.mark_dataset(url, name=BENCH_DB, label=_dataset_label(args))
        print(f"loaded {args.stores} stores in {time.perf_counter() - t0:.1f} s")

    ctx = Context(
        args=args,
        radius_m=args.radius_km * 1000,
        queries=query_points(args.queries, args.seed),
        warmup=query_points(WARMUP_QUERIES, args.seed + 1_000_000),
    )
    setting = f"stores={args.stores} queries={args.queries} radius={args.radius_km:g}km seed={args.seed}"
    harness.print_summary(args.case, [setting, *CASES[args.case](ctx)], started=started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
