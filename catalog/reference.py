"""Reference price bands: p25, median and p75 of the current totals of visible stores' active offerings,
per service and city.

The quartiles are PostgreSQL's ``percentile_cont`` (linear interpolation between the two nearest ranks),
computed here in ``numeric`` over the sorted totals: ``percentile_cont`` itself only takes double precision,
and the float it returns turns a half cent such as 100.015 into 100.01499…, which rounds the wrong way.

Bands are written under transaction-level advisory locks so that an older computation never overwrites a
newer one: recomputes of one band run one at a time (each reads after the previous one committed), and the
nightly pass over every band excludes them all while it runs.

Keeping bands fresh: every write that changes what a band sees calls ``reference_prices_schedule`` inside
its transaction (a price set or deactivated: the offering's band); a store's status change reaches it as the
``StoreStatusChanged`` event (``catalog.subscribers``, ``reference_prices_schedule_for_store``). The nightly task
repairs anything a lost message missed.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from catalog.models import Offering, ReferencePrice
from chefu.money import money
from chefu.queue import send_now
from stores.models import VISIBLE_STATUSES, Store

logger = logging.getLogger(__name__)

# A burst of price changes to one band within this many seconds costs one recompute.
COALESCE_S = 2
# How long a queued recompute keeps later schedules of its band from queueing another one. The task clears
# the key when it starts; the TTL only bounds the damage of a message that never runs (the nightly pass
# repairs the band).
PENDING_TTL_S = 60
# Waiting longer than this for a band's lock raises OperationalError, which the tasks retry.
LOCK_TIMEOUT = "30s"

# Advisory lock namespaces (the first key of pg_advisory_xact_lock(int, int)).
_LOCK_BAND = 0x5250_0001  # second key: hashtext(service || '|' || city)
_LOCK_ALL_BANDS = 0x5250_0002  # second key: 0; shared by one-band recomputes, exclusive for the nightly pass


def _quantile_sql(fraction: str) -> str:
    """The ``fraction`` quantile of ``t``, the ascending array of ``n`` totals, as percentile_cont defines it."""
    pos = f"({fraction} * (n - 1))"
    lo = f"(floor({pos})::int + 1)"  # arrays are 1-based
    return f"t[{lo}] + ({pos} - floor({pos})) * (t[least({lo} + 1, n)] - t[{lo}])"


_SAMPLES_SQL = """
SELECT o.service_id, s.city, array_agg(o.total ORDER BY o.total) AS t, count(*)::int AS n
FROM catalog_offering o
JOIN stores_store s ON s.id = o.store_id
WHERE o.is_active AND o.total IS NOT NULL AND s.status = ANY(%(statuses)s) {only}
GROUP BY o.service_id, s.city
"""

_QUARTILES_SQL = f"""
WITH samples AS ({_SAMPLES_SQL})
SELECT service_id, city, n, {_quantile_sql("0.25")}, {_quantile_sql("0.5")}, {_quantile_sql("0.75")}
FROM samples
"""

_ONE_BAND_SQL = _QUARTILES_SQL.format(only="AND o.service_id = %(service)s AND s.city = %(city)s")
_EVERY_BAND_SQL = _QUARTILES_SQL.format(only="")

_DELETE_OTHER_BANDS_SQL = """
DELETE FROM catalog_referenceprice r
WHERE NOT EXISTS (
    SELECT 1 FROM unnest(%(services)s::text[], %(cities)s::text[]) AS kept(service_id, city)
    WHERE kept.service_id = r.service_id AND kept.city = r.city
)
"""


@dataclass(frozen=True)
class RecomputeSummary:
    written: int
    deleted: int


def _lock_band(service_code: str, city: str) -> None:
    """Wait for the band's lock (held to the end of the transaction); the nightly pass holds them all."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, 0)", [_LOCK_ALL_BANDS])
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [_LOCK_BAND, f"{service_code}|{city}"])


def _lock_every_band() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [_LOCK_ALL_BANDS])


def _bands(sql: str, params: dict, computed_at: datetime) -> list[ReferencePrice]:
    with connection.cursor() as cursor:
        cursor.execute(sql, {"statuses": list(VISIBLE_STATUSES), **params})
        rows = cursor.fetchall()
    return [
        ReferencePrice(
            service_id=service_id,
            city=city,
            p25=money(p25),
            median=money(median),
            p75=money(p75),
            sample_size=n,
            computed_at=computed_at,
        )
        for service_id, city, n, p25, median, p75 in rows
    ]


def _upsert(bands: list[ReferencePrice]) -> list[ReferencePrice]:
    return ReferencePrice.objects.bulk_create(
        bands,
        update_conflicts=True,
        unique_fields=["service", "city"],
        update_fields=["p25", "median", "p75", "sample_size", "computed_at"],
        batch_size=1000,
    )


@transaction.atomic
def reference_prices_recompute(*, service_code: str, city: str) -> ReferencePrice | None:
    """Recompute one band from the live offerings and return it; delete it and return None when no visible
    store in ``city`` has an active offering of the service.

    Takes the band's advisory lock (and the all-bands lock, shared), with a lock_timeout, until the transaction
    ends: run it in a transaction of its own, as the task does. Idempotent: running it twice writes the same band.
    """
    _lock_band(service_code, city)
    bands = _bands(_ONE_BAND_SQL, {"service": service_code, "city": city}, timezone.now())
    if not bands:
        ReferencePrice.objects.filter(service_id=service_code, city=city).delete()
        return None
    return _upsert(bands)[0]


@transaction.atomic
def reference_prices_recompute_all() -> RecomputeSummary:
    """Recompute every band in one pass: one grouped query over all offerings, one upsert, one delete of the
    bands that no longer have a sample. A fixed number of queries, however many bands there are.

    Takes the all-bands advisory lock exclusively until the transaction ends: one-band recomputes wait for
    this pass, and it waits for those already running.
    """
    _lock_every_band()
    bands = _bands(_EVERY_BAND_SQL, {}, timezone.now())
    _upsert(bands)
    with connection.cursor() as cursor:
        cursor.execute(
            _DELETE_OTHER_BANDS_SQL,
            {"services": [b.service_id for b in bands], "cities": [b.city for b in bands]},
        )
        deleted = cursor.rowcount
    return RecomputeSummary(written=len(bands), deleted=deleted)


def pending_key(*, service_code: str, city: str) -> str:
    """The cache key that says a recompute of this band is queued and has not started yet."""
    return f"catalog:reference-pending:{service_code}:{city}"


def reference_prices_pending_clear(*, service_code: str, city: str) -> None:
    """Called by the task before it computes: a change committed from now on queues a new recompute."""
    cache.delete(pending_key(service_code=service_code, city=city))


def _enqueue_recompute(service_code: str, city: str) -> None:
    key = pending_key(service_code=service_code, city=city)
    try:
        # SET NX: only the first change of a burst queues a task; the others are read by that task, which has
        # not started yet (it clears the key before reading).
        first = cache.add(key, "1", timeout=PENDING_TTL_S)
    except Exception:
        # The cache is down: give up coalescing, not the recompute (a duplicate is harmless).
        logger.warning("Reference band %s@%s: cache unavailable, queueing without coalescing", service_code, city)
        first = True
    if not first:
        return
    queued = send_now(
        "catalog.tasks.reference_prices_recompute_task",
        [((service_code, city), {"countdown": COALESCE_S})],
        what=f"recompute of reference band {service_code}@{city}",
    )
    if not queued:
        # Nothing is queued: let the next change try again rather than wait for the TTL.
        cache.delete(key)


def reference_prices_schedule(*, service_code: str, city: str) -> None:
    """Recompute the band in the background once the current transaction commits.

    Bursts coalesce: while a recompute of the band is queued and not yet started, further schedules queue
    nothing. A failure to queue (broker down) is logged, never raised into the committed request; the
    nightly pass repairs the band.
    """

    # A closure, not functools.partial: Django names a failing robust callback by its __qualname__.
    def enqueue_recompute() -> None:
        _enqueue_recompute(service_code, city)

    transaction.on_commit(enqueue_recompute, robust=True)


def reference_prices_schedule_for_store(*, store: Store, cities: tuple[str, ...] = ()) -> None:
    """Schedule a recompute of every band the store's offerings take part in: when a store's status changes (it
    enters or leaves VISIBLE_STATUSES; ``catalog.subscribers``) or its city changes (pass the old city in
    ``cities``)."""
    service_codes = Offering.objects.filter(store=store, is_active=True).values_list("service_id", flat=True)
    for service_code in service_codes:
        for city in {store.city, *cities}:
            reference_prices_schedule(service_code=service_code, city=city)
