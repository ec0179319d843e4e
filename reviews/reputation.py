"""A store's reputation: its published reviews in numbers (:class:`reviews.models.StoreReputation`) and the
Bayesian average that is ``Store.rating`` in search and on the store page.

``rating = (C × m + Σ overall) / (C + n)``: ``n`` published reviews, ``m`` the platform's mean overall (every store's
published reviews), ``C`` = ``REVIEW_PRIOR_WEIGHT`` (10). A store with few reviews stays near the platform mean
until its own reviews outweigh the prior; a store with none has no rating (null), rather than the platform's.

:func:`store_refresh` recounts one store from its reviews under a lock on the store's reputation row: it runs after
every review change commits (``reviews.subscribers``), so the reviewed store's numbers and rating follow its reviews.
``m`` moves a little with every review anywhere; :func:`ratings_refresh_all` (an hourly beat job) brings every other
store's rating onto the current prior. The store's row is the stores app's: the rating is set through its services.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Avg, Count, DecimalField, Q, Sum

from reviews.lock_objects import reputation_lock
from reviews.models import DIMENSIONS, Review, ReviewStatus, StoreReputation
from stores.services import store_rating_set, store_ratings_set

CENT = Decimal("0.01")
HALF = Decimal("0.5")


def prior_weight() -> Decimal:
    return Decimal(str(settings.REVIEW_PRIOR_WEIGHT))


def platform_mean() -> Decimal | None:
    """The mean overall of every published review on the platform (None before the first)."""
    totals = StoreReputation.objects.aggregate(n=Sum("count"), total=Sum("overall_sum"))
    if not totals["n"]:
        return None
    return Decimal(totals["total"]) / Decimal(totals["n"])


def bayesian(*, total: Decimal, count: int, mean: Decimal | None, weight: Decimal | None = None) -> Decimal | None:
    """The rating of ``count`` reviews summing to ``total`` against the prior ``mean`` (2 places, half-up)."""
    if count <= 0 or mean is None:
        return None
    weight = prior_weight() if weight is None else weight
    value = (weight * mean + Decimal(total)) / (weight + count)
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@transaction.atomic
def store_refresh(*, store_id: int) -> StoreReputation:
    """Recount ``store_id``'s reviews and set its ``rating`` and ``review_count`` (published reviews only)."""
    reputation = reputation_lock(store_id)
    reviews = Review.objects.filter(store_id=store_id)
    published = reviews.filter(status=ReviewStatus.PUBLISHED)
    # Stars by the overall rounded half-up: 4.5 counts as 5, 4.49 as 4 (all in the one aggregate).
    stars = {
        str(n): Count("pk", filter=Q(overall__gte=Decimal(n) - HALF, overall__lt=Decimal(n) + HALF))
        for n in range(1, 6)
    }
    means = {d: Avg(d, output_field=DecimalField()) for d in DIMENSIONS}
    numbers = published.aggregate(n=Count("pk"), total=Sum("overall"), **means, **stars)
    by_status = reviews.aggregate(
        hidden=Count("pk", filter=Q(status=ReviewStatus.HIDDEN)), held=Count("pk", filter=Q(status=ReviewStatus.HELD))
    )
    distribution = {str(n): numbers[str(n)] for n in range(1, 6)}
    reputation.count = numbers["n"]
    reputation.overall_sum = numbers["total"] or Decimal("0.00")
    reputation.means = {
        d: float(Decimal(numbers[d]).quantize(CENT, rounding=ROUND_HALF_UP)) for d in DIMENSIONS if numbers[d]
    }
    reputation.distribution = distribution
    reputation.hidden = by_status["hidden"]
    reputation.held = by_status["held"]
    reputation.save()
    rating = bayesian(total=reputation.overall_sum, count=reputation.count, mean=platform_mean())
    store_rating_set(store_id=store_id, rating=rating, review_count=reputation.count)
    return reputation


def ratings_refresh_all() -> int:
    """Every store's rating against the current platform mean. Returns the stores changed.

    Only the rating is written, and only where the store's count agrees with its reputation row: a store whose review
    commits meanwhile was just set by its own recount (``store_refresh``) and is left alone, so a stale row version
    read here never overwrites it (``stores.services.store_ratings_set``)."""
    mean = platform_mean()
    if mean is None:
        return 0
    rows = StoreReputation.objects.values_list("store_id", "count", "overall_sum")
    return store_ratings_set(
        ratings=[(store_id, count, bayesian(total=total, count=count, mean=mean)) for store_id, count, total in rows]
    )
