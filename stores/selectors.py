import datetime as dt

from django.contrib.gis.db.models.functions import Distance, GeometryDistance
from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.db.models import Exists, F, Func, IntegerField, OuterRef, Prefetch, Q, QuerySet, TimeField, Value
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.models import User
from chefu.errors import NotFound, PermissionDenied
from stores.models import (
    VISIBLE_STATUSES,
    Bay,
    Closure,
    OpeningHours,
    PartnerApplication,
    StaffRole,
    Store,
    StoreMembership,
)


class _LocalTimestamp(Func):
    """``timezone(zone, ts)``: the wall-clock timestamp of ``ts`` in ``zone`` (PostgreSQL)."""

    function = "timezone"
    output_field = TimeField()  # only ever used through the casts below


class _IsoWeekdayMon0(Func):
    template = "(EXTRACT(ISODOW FROM %(expressions)s)::int - 1)"
    output_field = IntegerField()


def _open_at_q(at: dt.datetime) -> Q:
    """Stores open at the instant ``at``, judged in each store's own time zone, in SQL.

    A range is open when it started today and has not closed yet, or started yesterday, runs
    past midnight, and has not closed yet today. Whole-store closures covering ``at`` close it.
    """
    local = _LocalTimestamp(OuterRef("timezone"), Value(at))
    local_time = Cast(local, TimeField())
    today = _IsoWeekdayMon0(local)
    yesterday = (today + 6) % 7
    same_day = Q(weekday=today, opens__lte=local_time) & (Q(closes__gt=local_time) | Q(closes__lte=F("opens")))
    from_yesterday = Q(weekday=yesterday, closes__lte=F("opens"), closes__gt=local_time)
    open_range = OpeningHours.objects.filter(Q(store=OuterRef("pk")) & (same_day | from_yesterday))
    closed = Closure.objects.filter(store=OuterRef("pk"), bay__isnull=True, starts_at__lte=at, ends_at__gt=at)
    return Q(Exists(open_range)) & ~Q(Exists(closed))


def store_nearby(
    *,
    lat: float,
    lng: float,
    radius_m: float,
    category: str | None = None,
    open_now: bool = False,
    min_rating: float | None = None,
    at: dt.datetime | None = None,
) -> QuerySet[Store]:
    """Visible stores within ``radius_m`` metres of a WGS-84 point, nearest first.

    Filtering is ``ST_DWithin`` on geography (the GiST index), ordering is the KNN operator ``<->``
    on the same index; ``distance`` is the exact spheroidal distance. ``<->`` on geography measures on
    the sphere, so two stores whose distances differ by less than ~0.3% may come in either order.
    """
    point = Point(lng, lat, srid=4326)
    queryset = Store.objects.filter(status__in=VISIBLE_STATUSES, location__dwithin=(point, D(m=radius_m)))
    if category:
        queryset = queryset.filter(
            Exists(Store.categories.through.objects.filter(store_id=OuterRef("pk"), category_id=category))
        )
    if min_rating is not None:
        queryset = queryset.filter(rating__gte=min_rating)
    if open_now:
        queryset = queryset.filter(_open_at_q(at or timezone.now()))
    return queryset.annotate(distance=Distance("location", point)).order_by(GeometryDistance("location", point), "id")


def store_is_open(*, store_id: int, at: dt.datetime | None = None) -> bool:
    return Store.objects.filter(pk=store_id).filter(_open_at_q(at or timezone.now())).exists()


def _with_detail(queryset: QuerySet[Store]) -> QuerySet[Store]:
    return queryset.prefetch_related(
        "categories",
        Prefetch("bays", queryset=Bay.objects.filter(is_active=True).prefetch_related("categories")),
        "opening_hours",
    )


def store_get(*, store_id: int) -> Store:
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        raise NotFound()
    return store


def store_get_public(*, store_id: int) -> Store:
    """A store owners may see (active or on probation) with its bays and hours; NotFound otherwise."""
    store = _with_detail(Store.objects.filter(pk=store_id, status__in=VISIBLE_STATUSES)).first()
    if store is None:
        raise NotFound()
    return store


def store_get_for_staff(*, user: User, store_id: int, roles: tuple[str, ...] = tuple(StaffRole.values)) -> Store:
    """The store if ``user`` is its staff with one of ``roles``: 404 if it does not exist, 403 if not theirs."""
    store = store_get(store_id=store_id)
    if "admin" in user.roles:
        return store
    if not StoreMembership.objects.filter(store=store, user=user, role__in=roles).exists():
        raise PermissionDenied()
    return store


def store_get_for_manager(*, user: User, store_id: int) -> Store:
    return store_get_for_staff(user=user, store_id=store_id, roles=(StaffRole.MANAGER,))


def membership_list_for_user(*, user: User) -> QuerySet[StoreMembership]:
    return StoreMembership.objects.filter(user=user).select_related("store").order_by("store_id")


def application_list(*, status: str | None = None) -> QuerySet[PartnerApplication]:
    queryset = PartnerApplication.objects.select_related("applicant").order_by("submitted_at", "id")
    return queryset.filter(status=status) if status else queryset


def application_get(*, application_id: int) -> PartnerApplication:
    application = PartnerApplication.objects.filter(pk=application_id).first()
    if application is None:
        raise NotFound()
    return application


def closure_list(*, store: Store, include_past: bool = False) -> QuerySet[Closure]:
    queryset = Closure.objects.filter(store=store)
    return queryset if include_past else queryset.filter(ends_at__gt=timezone.now())
