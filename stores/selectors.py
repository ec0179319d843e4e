import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.gis.db.models import PointField
from django.contrib.gis.db.models.functions import Distance, GeometryDistance
from django.contrib.gis.geos import Point
from django.contrib.postgres.expressions import ArraySubquery
from django.db import router
from django.db.models import (
    BooleanField,
    Case,
    DecimalField,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    FloatField,
    ForeignObjectRel,
    Func,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TimeField,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from chefu.errors import NotFound, PermissionDenied, ValidationFailed
from chefu.prefetch import relation_given
from chefu.prepared import PreparedQuery, any_of, instance_from_json, instance_from_row, json_rows, json_value
from stores.models import (
    VISIBLE_STATUSES,
    Bay,
    Closure,
    OpeningHours,
    PartnerApplication,
    StaffRole,
    Store,
    StoreMembership,
    StoreStatus,
    StoreStatusEvent,
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


class _GeographyPoint(Func):
    """A WGS-84 geography point from two float parameters (no GEOS round trip per query)."""

    template = "ST_SetSRID(ST_MakePoint(%(expressions)s), 4326)::geography"
    output_field = PointField(srid=4326, geography=True)

    def __init__(self, *, lat: float, lng: float):
        super().__init__(Value(float(lng), FloatField()), Value(float(lat), FloatField()))


class _Coordinate(Func):
    """Latitude (``ST_Y``) or longitude (``ST_X``) of a geography point, as a float."""

    template = "%(function)s(%(expressions)s::geometry)"
    output_field = FloatField()


def store_nearby(
    *,
    lat: float,
    lng: float,
    radius_m: float,
    category: str | None = None,
    open_now: bool = False,
    min_rating: Decimal | float | None = None,
    at: dt.datetime | None = None,
    service: str | None = None,
    sort: str = "distance",
) -> QuerySet[Store]:
    """Visible stores within ``radius_m`` metres of a WGS-84 point, nearest first (or best rated, or
    cheapest for ``service``).

    Filtering is ``ST_DWithin`` on geography (the GiST index), ordering is the KNN operator ``<->``
    on the same index; ``distance`` is the exact spheroidal distance. ``<->`` on geography measures on
    the sphere, so two stores whose distances differ by less than ~0.3% may come in either order.

    With ``service`` (a service code) only stores with an active offering of it remain: one index probe
    per store found, on (service, store) (``offering_active_idx``, or the unique (store, service) index,
    as the planner prefers). ``price_total`` is that offering's current total (Decimal CNY).
    ``sort="price"`` needs ``service``: cheapest first, then nearest, then id.
    """
    if sort == "price" and not service:
        raise ValueError("sort='price' needs a service")
    point = _GeographyPoint(lat=lat, lng=lng)
    queryset = Store.objects.filter(
        Func(
            F("location"),
            point,
            Value(float(radius_m), FloatField()),
            function="ST_DWithin",
            output_field=BooleanField(),
        ),
        status__in=VISIBLE_STATUSES,
    )
    if category:
        queryset = queryset.filter(
            Exists(Store.categories.through.objects.filter(store_id=OuterRef("pk"), category_id=category))
        )
    if min_rating is not None:
        queryset = queryset.filter(rating__gte=min_rating)
    if open_now:
        queryset = queryset.filter(_open_at_q(at or timezone.now()))
    if service:
        # One join, not Exists plus a subquery: (store, service) is unique, so a store appears at most once,
        # and the annotation below reuses this join for the price.
        queryset = queryset.filter(offerings__service_id=service, offerings__is_active=True)
        queryset = queryset.annotate(price_total=F("offerings__total"))
    queryset = queryset.annotate(distance=Distance("location", point))
    # A store on probation ranks after the active ones it ties with (same rating, price or distance).
    probation_last = Case(When(status=StoreStatus.PROBATION, then=Value(1)), default=Value(0))
    if sort == "rating":
        return queryset.order_by(
            F("rating").desc(nulls_last=True), probation_last, F("review_count").desc(), "distance", "id"
        )
    if sort == "price":
        return queryset.order_by("price_total", probation_last, GeometryDistance("location", point), "id")
    return queryset.order_by(GeometryDistance("location", point), probation_last, "id")


@dataclass(frozen=True)
class NearbyPage:
    items: list[dict]
    count: int


# Impossible inputs, one per parameter the page query binds (see chefu.prepared).
_NEARBY_MARKERS = {
    "lat": -1001.25,
    "lng": -1002.25,
    "radius_m": -1003.25,
    "category": "chefu:marker:category",
    "service": "chefu:marker:service",
    "min_rating": Decimal("9.87"),
    "at": dt.datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=dt.UTC),
}
NEARBY_FIELDS = ("id", "name", "address", "city", "status", "rating", "review_count")


def nearby_shape(
    *, category: str | None, open_now: bool, min_rating: float | None, service: str | None, sort: str
) -> tuple:
    """The page query's shape for these inputs: which optional filters are on, and the sort."""
    return (bool(category), bool(open_now), min_rating is not None, bool(service), sort)


def _nearby_for_shape(shape: tuple, *, lat, lng, radius_m, category, service, min_rating, at) -> QuerySet[Store]:
    """:func:`store_nearby` with the filters and sort ``shape`` (:func:`nearby_shape`) turns on, bound to these values
    (a prepared query's markers)."""
    has_category, open_now, has_min_rating, has_service, sort = shape
    return store_nearby(
        lat=lat,
        lng=lng,
        radius_m=radius_m,
        category=category if has_category else None,
        open_now=open_now,
        min_rating=min_rating if has_min_rating else None,
        at=at,
        service=service if has_service else None,
        sort=sort,
    )


def _nearby_page_queryset(shape: tuple, *, lat, lng, radius_m, category, service, min_rating, at) -> QuerySet:
    _category, _open_now, _min_rating, has_service, _sort = shape
    queryset = _nearby_for_shape(
        shape, lat=lat, lng=lng, radius_m=radius_m, category=category, service=service, min_rating=min_rating, at=at
    )
    if not has_service:
        queryset = queryset.annotate(price_total=Value(None, output_field=DecimalField()))
    categories = Store.categories.through.objects.filter(store_id=OuterRef("pk")).order_by("category_id")
    return queryset.annotate(
        distance_m=Func(
            F("location"), _GeographyPoint(lat=lat, lng=lng), function="ST_Distance", output_field=FloatField()
        ),
        lat=_Coordinate(F("location"), function="ST_Y"),
        lng=_Coordinate(F("location"), function="ST_X"),
        category_codes=ArraySubquery(categories.values("category_id")),
        open_now=ExpressionWrapper(_open_at_q(at), output_field=BooleanField()),
    ).values(*NEARBY_FIELDS, "lat", "lng", "distance_m", "category_codes", "price_total", "timezone", "open_now")


_nearby_page = PreparedQuery(_nearby_page_queryset, _NEARBY_MARKERS)


def store_nearby_page(
    *,
    lat: float,
    lng: float,
    radius_m: float,
    category: str | None = None,
    open_now: bool = False,
    min_rating: float | None = None,
    service: str | None = None,
    sort: str = "distance",
    at: dt.datetime | None = None,
    limit: int = 20,
    offset: int = 0,
) -> NearbyPage:
    """One page of :func:`store_nearby` as dicts (``NEARBY_FIELDS`` plus ``lat``, ``lng`` in WGS-84,
    ``distance_m`` float metres, ``category_codes``, ``price_total`` Decimal or None without ``service``,
    ``open_now`` whether the store is open at ``at`` as :func:`store_is_open` judges it)
    and the total count: one query (the count rides on the rows; asked apart only past the last page), compiled
    once per filter shape and bound to these values.

    Raises ``ValidationFailed`` on ``sort`` for ``"price"`` without a service. An unknown service code matches no
    store (the caller that knows the catalogue, :mod:`search.selectors`, tells it apart when the count is 0).
    """
    if sort == "price" and not service:
        raise ValidationFailed({"sort": _("Sorting by price needs a service.")})
    shape = nearby_shape(category=category, open_now=open_now, min_rating=min_rating, service=service, sort=sort)
    values = {
        "lat": float(lat),
        "lng": float(lng),
        "radius_m": float(radius_m),
        "category": category,
        "service": service,
        "min_rating": Decimal(str(min_rating)) if min_rating is not None else None,
        "at": at or timezone.now(),
    }
    items, count = _nearby_page.page(shape, values, limit=limit, offset=offset)
    return NearbyPage(items=items, count=count)


def _nearby_values(*, lat, lng, radius_m, category, service, min_rating, at) -> dict:
    return {
        "lat": float(lat),
        "lng": float(lng),
        "radius_m": float(radius_m),
        "category": category,
        "service": service,
        "min_rating": Decimal(str(min_rating)) if min_rating is not None else None,
        "at": at or timezone.now(),
    }


def store_nearby_count(
    *,
    lat: float,
    lng: float,
    radius_m: float,
    category: str | None = None,
    open_now: bool = False,
    min_rating: float | None = None,
    service: str | None = None,
    at: dt.datetime | None = None,
) -> int:
    """How many stores :func:`store_nearby` finds for these filters (the page query's count, one query)."""
    shape = nearby_shape(category=category, open_now=open_now, min_rating=min_rating, service=service, sort="distance")
    values = _nearby_values(
        lat=lat, lng=lng, radius_m=radius_m, category=category, service=service, min_rating=min_rating, at=at
    )
    return _nearby_page.count(shape, values)


def _nearby_candidates_queryset(shape: tuple, *, lat, lng, radius_m, category, service, min_rating, at) -> QuerySet:
    queryset = _nearby_for_shape(
        shape, lat=lat, lng=lng, radius_m=radius_m, category=category, service=service, min_rating=min_rating, at=at
    )
    distance = Func(F("location"), _GeographyPoint(lat=lat, lng=lng), function="ST_Distance", output_field=FloatField())
    return queryset.annotate(distance_m=distance).values("id", "timezone", "distance_m")


_nearby_candidates = PreparedQuery(_nearby_candidates_queryset, _NEARBY_MARKERS)


def store_nearby_candidates(
    *,
    lat: float,
    lng: float,
    radius_m: float,
    limit: int,
    category: str | None = None,
    open_now: bool = False,
    min_rating: float | None = None,
    service: str | None = None,
    at: dt.datetime | None = None,
) -> list[Store]:
    """The ``limit`` nearest stores :func:`store_nearby` finds (nearest first, then id), for rankings SQL cannot
    compute (the soonest free slot). One query, compiled once per shape. Only ``id`` and ``timezone`` are loaded (the
    rest is deferred); ``distance_m`` is set (float metres, the same ``ST_Distance`` as the page's)."""
    shape = nearby_shape(category=category, open_now=open_now, min_rating=min_rating, service=service, sort="distance")
    values = _nearby_values(
        lat=lat, lng=lng, radius_m=radius_m, category=category, service=service, min_rating=min_rating, at=at
    )
    db = router.db_for_read(Store)
    stores = []
    for row in _nearby_candidates.rows(shape, values, limit=limit):
        # Model instances without the unused columns: this list can be hundreds of stores long.
        store = Store.from_db(db, ("id", "timezone"), (row["id"], row["timezone"]))
        store.distance_m = row["distance_m"]
        stores.append(store)
    return stores


def _nearby_rows_queryset(shape: tuple, *, ids: list[int], **markers) -> QuerySet:
    return _nearby_page_queryset(shape, **markers).filter(pk__in=any_of(ids, "bigint"))


_nearby_rows = PreparedQuery(_nearby_rows_queryset, {**_NEARBY_MARKERS, "ids": [-7_000_061]})


def store_nearby_rows(
    *, ids: list[int], lat: float, lng: float, radius_m: float, service: str | None, at: dt.datetime | None = None
) -> list[dict]:
    """The rows of :func:`store_nearby_page` (same keys, ``open_now`` judged at ``at``, default now) for the stores
    ``ids``, in the order of ``ids``; ids the search would not return (out of the radius, hidden, no price for
    ``service``) are left out. One query, compiled once per shape."""
    if not ids:
        return []
    shape = nearby_shape(category=None, open_now=False, min_rating=None, service=service, sort="distance")
    values = _nearby_values(lat=lat, lng=lng, radius_m=radius_m, category=None, service=service, min_rating=None, at=at)
    rows = _nearby_rows.rows(shape, {**values, "ids": list(ids)}, limit=None)
    by_id = {row["id"]: row for row in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


def store_is_open(*, store_id: int, at: dt.datetime | None = None) -> bool:
    return Store.objects.filter(pk=store_id).filter(_open_at_q(at or timezone.now())).exists()


def store_get(*, store_id: int) -> Store:
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        raise NotFound()
    return store


def store_get_visible(*, store_id: int) -> Store:
    """A store owners may see (active or on probation), without its detail: NotFound otherwise."""
    store = Store.objects.filter(pk=store_id, status__in=VISIBLE_STATUSES).first()
    if store is None:
        raise NotFound()
    return store


# The store's columns the page loads: all but its location, read as two floats (a raw row would hold its bytes).
_STORE_FIELDS = tuple(f for f in Store._meta.concrete_fields if f.name != "location")


# The models of the apps above this one that the store page reads, found through the store's relations: this app
# imports neither (and their models load after this module).
@functools.cache
def _category_model() -> type[Model]:
    """catalog's ``Category``."""
    return Store._meta.get_field("categories").related_model


@functools.cache
def _reputation_relation() -> ForeignObjectRel:
    """The reverse one-to-one relation to reviews' ``StoreReputation`` (``store.reputation``)."""
    return Store._meta.get_field("reputation")


def _public_store(shape: None, *, store_id: int, at: dt.datetime) -> QuerySet:
    category = _category_model()

    def categories(**related):  # in the model's order, as the relation's .all() gives them
        return json_rows(category.objects.filter(**related).order_by(*category._meta.ordering))

    bays = Bay.objects.filter(store=OuterRef("pk"), is_active=True).order_by("id")
    hours = OpeningHours.objects.filter(store=OuterRef("pk")).order_by("weekday", "opens")
    events = StoreStatusEvent.objects.filter(store=OuterRef("pk")).order_by("at", "id")
    return (
        Store.objects.filter(pk=store_id, status__in=VISIBLE_STATUSES)
        .annotate(
            lat=_Coordinate(F("location"), function="ST_Y"),
            lng=_Coordinate(F("location"), function="ST_X"),
            category_rows=categories(stores=OuterRef("pk")),
            bay_rows=json_rows(bays, category_rows=categories(bays=OuterRef("pk"))),
            hour_rows=json_rows(hours),
            event_rows=json_rows(events),
            open_now=ExpressionWrapper(_open_at_q(at), output_field=BooleanField()),
        )
        .order_by()
        .values(
            *(f.attname for f in _STORE_FIELDS),
            *(f"reputation__{f.attname}" for f in _reputation_relation().related_model._meta.concrete_fields),
            "lat",
            "lng",
            "category_rows",
            "bay_rows",
            "hour_rows",
            "event_rows",
            "open_now",
        )
    )


# The public page's store in one statement, compiled once (chefu.prepared): the store, its reputation, categories,
# active bays with theirs, hours and status trail as JSON, and whether it is open. Built by the ORM as six queries, it
# cost about 7 ms of Python per page, far more than PostgreSQL's time for all of them.
_PUBLIC_STORE = PreparedQuery(
    _public_store, {"store_id": -7_000_021, "at": dt.datetime(1901, 3, 4, 5, 6, 7, 890123, tzinfo=dt.UTC)}
)


def store_get_public(*, store_id: int, at: dt.datetime | None = None) -> Store:
    """A store owners may see (active or on probation) with its categories, active bays (with theirs), hours, status
    trail (``status_events``) and reputation loaded, and ``open_now`` (whether it is open at ``at``, default now, as
    :func:`store_is_open` judges it); NotFound otherwise. One statement."""
    if not -(2**63) <= store_id < 2**63:  # no such id (the ORM would have found nothing without asking)
        raise NotFound()
    rows = _PUBLIC_STORE.rows(None, {"store_id": store_id, "at": at or timezone.now()}, limit=1)
    if not rows:
        raise NotFound()
    row = rows[0]
    category, reputation_relation = _category_model(), _reputation_relation()
    db = router.db_for_read(Store)
    store = instance_from_row(Store, db, row, fields=_STORE_FIELDS)
    store.location = Point(row["lng"], row["lat"], srid=4326)
    store.open_now = row["open_now"]
    reputation = None
    if row["reputation__store_id"] is not None:
        reputation = instance_from_row(reputation_relation.related_model, db, row, prefix="reputation__")
    reputation_relation.set_cached_value(store, reputation)
    relation_given(store, "categories", [instance_from_json(category, db, item) for item in row["category_rows"]])
    bays = []
    for item in map(json_value, row["bay_rows"]):
        bay = instance_from_json(Bay, db, item)
        relation_given(bay, "categories", [instance_from_json(category, db, c) for c in item["category_rows"]])
        bays.append(bay)
    relation_given(store, "bays", bays)
    relation_given(store, "opening_hours", [instance_from_json(OpeningHours, db, item) for item in row["hour_rows"]])
    relation_given(
        store, "status_events", [instance_from_json(StoreStatusEvent, db, item) for item in row["event_rows"]]
    )
    return store


# --- Access getters -----------------------------------------------------------------------------------
#
# One pattern for every store-scoped object (the store itself, its bookings, closures, prices, reviews,
# statements): the same ``NotFound`` when the object does not exist and when the user has no tie to its store,
# so an id never tells an outsider that something is there; ``PermissionDenied`` only for the store's own staff
# whose role is not enough (a technician on the settlements).

STAFF_ROLES: tuple[str, ...] = tuple(StaffRole.values)
MANAGER_ROLES: tuple[str, ...] = (StaffRole.MANAGER,)


def _memberships(*, user: User, store_id: int | Expression) -> QuerySet[StoreMembership]:
    return StoreMembership.objects.filter(store_id=store_id, user=user)


def store_role_subquery(*, user: User, store_id: Expression) -> Subquery:
    """The staff role ``user`` has at the store ``store_id`` (an ``OuterRef``), or NULL: for a query that answers
    "may this user see the row" in the same round trip as the row (:func:`bookings.selectors.photo_get_for_viewer`).
    """
    return Subquery(_memberships(user=user, store_id=store_id).values("role")[:1])


def store_access_check(*, user: User, store_id: int | Expression, roles: tuple[str, ...] = STAFF_ROLES) -> str | None:
    """Let ``user`` act on store ``store_id``'s objects with one of the staff ``roles`` (admins always may).

    Raises ``NotFound`` when the user is not staff of that store at all (nor an admin), exactly as for an object
    that does not exist, and ``PermissionDenied`` when they are its staff with a role outside ``roles``. One query
    (none for an admin). ``store_id`` may be a subquery naming the store of an object not loaded yet: a missing
    object and another store's then cost the same one query, so the time taken gives nothing away either.

    Returns the user's staff role at the store, or None for an admin (whose membership is not looked up).
    """
    if Role.ADMIN in user.roles:
        return None
    role = _memberships(user=user, store_id=store_id).values_list("role", flat=True).first()
    if role is None:
        raise NotFound()
    if role not in roles:
        raise PermissionDenied()
    return role


def store_get_for_staff(*, user: User, store_id: int, roles: tuple[str, ...] = STAFF_ROLES) -> Store:
    """The store if ``user`` is its staff with one of ``roles``: ``NotFound`` when it does not exist or the user
    has no tie to it, ``PermissionDenied`` when their role there is not enough (:func:`store_access_check`).

    Access is checked before the store is read, so a missing store and another one cost the same query."""
    store_access_check(user=user, store_id=store_id, roles=roles)
    return store_get(store_id=store_id)


def store_get_for_manager(*, user: User, store_id: int) -> Store:
    """:func:`store_get_for_staff` for the store's managers only."""
    return store_get_for_staff(user=user, store_id=store_id, roles=MANAGER_ROLES)


def category_codes() -> set[str]:
    """Every category code of the catalogue, read through stores' own relation to its categories (catalog stands
    above stores, so stores names no catalog module)."""
    category = Store._meta.get_field("categories").related_model
    return set(category.objects.values_list("pk", flat=True))


def membership_list_for_user(*, user: User) -> QuerySet[StoreMembership]:
    return StoreMembership.objects.filter(user=user).select_related("store").order_by("store_id")


def application_list(*, status: str | None = None) -> QuerySet[PartnerApplication]:
    queryset = PartnerApplication.objects.select_related("applicant").order_by("submitted_at", "id")
    return queryset.filter(status=status) if status else queryset


def application_list_for_applicant(*, applicant) -> QuerySet[PartnerApplication]:
    """The user's own applications, the newest first."""
    return (
        PartnerApplication.objects.filter(applicant=applicant)
        .select_related("applicant")
        .order_by("-submitted_at", "-id")
    )


def application_get(*, application_id: int) -> PartnerApplication:
    application = PartnerApplication.objects.filter(pk=application_id).first()
    if application is None:
        raise NotFound()
    return application


def closure_list(*, store: Store, include_past: bool = False) -> QuerySet[Closure]:
    queryset = Closure.objects.filter(store=store)
    return queryset if include_past else queryset.filter(ends_at__gt=timezone.now())


def closures_overlapping(*, store_id: int, start: dt.datetime, end: dt.datetime) -> QuerySet[Closure]:
    """The store's closures, whole-store and per bay, that cover some of ``[start, end)``, by start."""
    return Closure.objects.filter(store_id=store_id, starts_at__lt=end, ends_at__gt=start).order_by("starts_at", "id")


# --- Public quality record ------------------------------------------------------------------------------------------

SANCTIONED = (StoreStatus.PROBATION, StoreStatus.SUSPENDED)


def store_sanction_periods(*, store_id: int) -> list[dict]:
    """The store's probation and suspension periods, latest first: ``{status, from, to (None while it lasts),
    reason_category}`` from its status trail (a period ends at the store's next move). One query."""
    return _sanction_periods(StoreStatusEvent.objects.filter(store_id=store_id).order_by("at", "id"))


def _sanction_periods(events) -> list[dict]:
    periods: list[dict] = []
    for event in events:
        if periods and periods[-1]["to"] is None:
            periods[-1]["to"] = event.at
        if event.to_status in SANCTIONED:
            periods.append(
                {"status": event.to_status, "from": event.at, "to": None, "reason_category": event.reason_category}
            )
    return periods[::-1]


def store_quality_record(store: Store) -> dict:
    """What stores itself knows of the page's ``quality`` record: the probation badge and the sanction periods (the
    quality app's part adds the audits and complaints)."""
    return {
        "badge": "probation" if store.status == StoreStatus.PROBATION else None,
        "last_audit_score": None,
        "last_audit": None,
        # read with the store by store_get_public; one query otherwise (the model's order is the trail's)
        "sanctions": _sanction_periods(store.status_events.all()),
        "complaints_12m": {"received": 0, "upheld": 0},
    }
