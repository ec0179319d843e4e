"""Reference price bands: p25, median and p75 of the current totals of active stores, per service and city."""

from django.db import connection, transaction
from django.utils import timezone

from catalog.models import ReferencePrice
from chefu.money import money
from stores.models import VISIBLE_STATUSES

_QUARTILES_SQL = """
SELECT percentile_cont(0.25) WITHIN GROUP (ORDER BY o.total),
       percentile_cont(0.5)  WITHIN GROUP (ORDER BY o.total),
       percentile_cont(0.75) WITHIN GROUP (ORDER BY o.total),
       count(*)
FROM catalog_offering o
JOIN stores_store s ON s.id = o.store_id
WHERE o.service_id = %s AND s.city = %s AND o.is_active AND s.status = ANY(%s)
"""


@transaction.atomic
def reference_prices_recompute(*, service_code: str, city: str) -> ReferencePrice | None:
    """Recompute one band from the live offerings; delete it when no active store prices the service."""
    with connection.cursor() as cursor:
        cursor.execute(_QUARTILES_SQL, [service_code, city, list(VISIBLE_STATUSES)])
        p25, median, p75, count = cursor.fetchone()
    if not count:
        ReferencePrice.objects.filter(service_id=service_code, city=city).delete()
        return None
    band, _ = ReferencePrice.objects.update_or_create(
        service_id=service_code,
        city=city,
        defaults={
            "p25": money(p25),
            "median": money(median),
            "p75": money(p75),
            "sample_size": count,
            "computed_at": timezone.now(),
        },
    )
    return band


def reference_prices_schedule(*, service_code: str, city: str) -> None:
    """Recompute the band in the background once the current transaction commits."""
    from catalog.tasks import reference_prices_recompute_task

    transaction.on_commit(lambda: reference_prices_recompute_task.delay(service_code, city))
