import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.services import user_add_role
from accounts.validators import normalize_business_phone
from chefu.errors import NotFound, ValidationFailed
from chefu.events import emit
from stores.events import StoreStatusChanged
from stores.exceptions import ClosureOver, InvalidTransition
from stores.hours import Range, parse_ranges
from stores.lock_objects import application_lock, closure_lock, store_lock
from stores.models import (
    ApplicationStatus,
    Bay,
    Closure,
    OpeningHours,
    PartnerApplication,
    StaffRole,
    StatusReason,
    Store,
    StoreMembership,
    StoreStatus,
    StoreStatusEvent,
    validate_timezone,
)
from stores.selectors import MANAGER_ROLES, category_codes, store_access_check

MAX_BAYS = 50


def normalize_city(name: str) -> str:
    """``上海市`` and ``上海`` are one city (reference prices are per city): drop the trailing 市."""
    name = (name or "").strip()
    return name[:-1] if len(name) > 2 and name.endswith("市") else name


MAX_CLOSURE_DAYS = 366
# A closure starts at most this long after the end of the store's booking horizon: further out it is a mistake.
CLOSURE_REACH = dt.timedelta(days=366)


def _parse_hours(rows: Sequence[dict]) -> list[Range]:
    try:
        return parse_ranges(rows)
    except ValueError as exc:
        raise ValidationFailed(exc.args[0]) from exc


def _check_point(lat: float, lng: float, errors: dict) -> None:
    if not -90 <= lat <= 90:
        errors["lat"] = _("Latitude is between -90 and 90.")
    if not -180 <= lng <= 180:
        errors["lng"] = _("Longitude is between -180 and 180.")


@transaction.atomic
def application_submit(
    *,
    applicant: User,
    name: str,
    address: str,
    city: str,
    lat: float,
    lng: float,
    phone: str,
    categories: Sequence[str],
    bays: Sequence[dict],
    opening_hours: Sequence[dict],
    timezone_name: str = "Asia/Shanghai",
) -> PartnerApplication:
    """Record a shop's application. ``lat``/``lng`` are WGS-84 degrees."""
    errors: dict[str, str | list[str]] = {}
    for field, value in (("name", name), ("address", address), ("city", city)):
        if not (value or "").strip():
            errors[field] = _("This field is required.")
    _check_point(lat, lng, errors)
    try:
        phone = normalize_business_phone(phone)
    except ValueError as exc:
        errors["phone"] = str(exc)
    try:
        validate_timezone(timezone_name)
    except Exception:
        errors["timezone"] = _("Unknown time zone.")
    known = category_codes()
    categories = list(dict.fromkeys(categories))
    if not categories:
        errors["categories"] = _("Choose at least one category.")
    elif unknown := [c for c in categories if c not in known]:
        errors["categories"] = _("Unknown categories: %s") % ", ".join(unknown)
    if not bays:
        errors["bays"] = _("Add at least one bay.")
    elif len(bays) > MAX_BAYS:
        errors["bays"] = _("At most %d bays.") % MAX_BAYS
    bay_names: set[str] = set()
    served: set[str] = set()
    clean_bays = []
    for i, bay in enumerate(bays):
        bay_name = (bay.get("name") or "").strip()
        bay_categories = list(dict.fromkeys(bay.get("categories") or []))
        if not bay_name:
            errors[f"bays.{i}.name"] = _("Name the bay.")
        elif bay_name in bay_names:
            errors[f"bays.{i}.name"] = _("Two bays cannot share a name.")
        bay_names.add(bay_name)
        if not bay_categories:
            errors[f"bays.{i}.categories"] = _("A bay serves at least one category.")
        elif stray := [c for c in bay_categories if c not in categories]:
            errors[f"bays.{i}.categories"] = _("Not among the store's categories: %s") % ", ".join(stray)
        served.update(bay_categories)
        clean_bays.append({"name": bay_name, "categories": bay_categories})
    if categories and bays and (idle := [c for c in categories if c not in served]):
        errors.setdefault("categories", _("No bay serves: %s") % ", ".join(idle))
    try:
        ranges = parse_ranges(opening_hours)
    except ValueError as exc:
        errors.update(exc.args[0])
        ranges = []
    if errors:
        raise ValidationFailed(errors)
    application = PartnerApplication(
        applicant=applicant,
        name=name.strip(),
        address=address.strip(),
        city=normalize_city(city),
        location=Point(lng, lat, srid=4326),
        phone=phone,
        timezone=timezone_name,
        categories=categories,
        bays=clean_bays,
        opening_hours=[
            {"weekday": r.weekday, "opens": f"{r.opens:%H:%M}", "closes": f"{r.closes:%H:%M}"} for r in ranges
        ],
    )
    application.full_clean()
    application.save()
    return application


@transaction.atomic
def application_approve(*, application: PartnerApplication, by: User, notes: str = "") -> PartnerApplication:
    """Create the store from the application; the applicant becomes its manager.

    Locks the application row, so two approvals at once make one store.
    """
    application = application_lock(application.pk)
    if application.status != ApplicationStatus.SUBMITTED:
        raise InvalidTransition(details={"status": application.status})
    store = Store(
        name=application.name,
        address=application.address,
        city=application.city,
        location=application.location,
        phone=application.phone,
        timezone=application.timezone,
        status=StoreStatus.ACTIVE,
    )
    store.full_clean()
    store.save()
    store.categories.set(application.categories)
    for bay in application.bays:
        created = Bay.objects.create(store=store, name=bay["name"])
        created.categories.set(bay["categories"])
    _replace_hours(store, parse_ranges(application.opening_hours))
    StoreStatusEvent.objects.create(
        store=store,
        from_status="",
        to_status=StoreStatus.ACTIVE,
        by=by,
        reason=_("Application approved."),
        reason_category=StatusReason.APPROVED,
    )
    emit(StoreStatusChanged(store_id=store.pk, from_status="", to_status=StoreStatus.ACTIVE))
    membership_add(store=store, user=application.applicant, role=StaffRole.MANAGER)
    application.status = ApplicationStatus.APPROVED
    application.store = store
    application.reviewed_by = by
    application.reviewed_at = timezone.now()
    application.notes = notes
    application.save()
    return application


@transaction.atomic
def application_reject(*, application: PartnerApplication, by: User, reason: str) -> PartnerApplication:
    if not (reason or "").strip():
        raise ValidationFailed({"reason": _("Say why the application is rejected.")})
    application = application_lock(application.pk)
    if application.status != ApplicationStatus.SUBMITTED:
        raise InvalidTransition(details={"status": application.status})
    application.status = ApplicationStatus.REJECTED
    application.reject_reason = reason.strip()
    application.reviewed_by = by
    application.reviewed_at = timezone.now()
    application.save()
    return application


@transaction.atomic
def membership_add(*, store: Store, user: User, role: str) -> StoreMembership:
    """Make ``user`` staff of ``store`` with ``role`` (updates the role if already a member)."""
    if role not in StaffRole.values:
        raise ValidationFailed({"role": _("Unknown store role.")})
    if Role.STORE_STAFF not in user.roles:
        user_add_role(user=user, role=Role.STORE_STAFF)
    membership, _created = StoreMembership.objects.update_or_create(store=store, user=user, defaults={"role": role})
    return membership


def _replace_hours(store: Store, ranges: Sequence[Range]) -> None:
    OpeningHours.objects.filter(store=store).delete()
    OpeningHours.objects.bulk_create(
        OpeningHours(store=store, weekday=r.weekday, opens=r.opens, closes=r.closes) for r in ranges
    )


@transaction.atomic
def opening_hours_replace(*, store: Store, rows: Sequence[dict]) -> list[OpeningHours]:
    """Replace the whole week. Locks the store row so two editors cannot interleave."""
    ranges = _parse_hours(rows)
    store_lock(store.pk)
    _replace_hours(store, ranges)
    return list(OpeningHours.objects.filter(store=store))


@transaction.atomic
def closure_create(
    *,
    store: Store,
    by: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    reason: str,
    horizon_days: int,
    bay_id: int | None = None,
) -> Closure:
    """Close the store, or one bay, from ``starts_at`` to ``ends_at``. ``horizon_days`` is how far ahead the store
    takes bookings (its booking policy, which the bookings app owns): a closure starting more than
    ``CLOSURE_REACH`` after that is refused as a mistake."""
    errors: dict[str, str] = {}
    if timezone.is_naive(starts_at):
        errors["starts_at"] = _("Give the time with its UTC offset.")
    if timezone.is_naive(ends_at):
        errors["ends_at"] = _("Give the time with its UTC offset.")
    if not errors:
        if ends_at <= starts_at:
            errors["ends_at"] = _("The closure must end after it starts.")
        elif ends_at <= timezone.now():
            errors["ends_at"] = _("The closure is already over.")
        elif ends_at - starts_at > dt.timedelta(days=MAX_CLOSURE_DAYS):
            errors["ends_at"] = _("A closure lasts at most a year.")
        elif starts_at > timezone.now() + dt.timedelta(days=horizon_days) + CLOSURE_REACH:
            errors["starts_at"] = _("A closure starts at most a year after the booking horizon.")
    if not (reason or "").strip():
        errors["reason"] = _("Say why the store or bay is closed.")
    bay = None
    if bay_id is not None:
        bay = Bay.objects.filter(store=store, pk=bay_id).first()
        if bay is None:
            errors["bay_id"] = _("No such bay in this store.")
    if errors:
        raise ValidationFailed(errors)
    closure = Closure(store=store, bay=bay, starts_at=starts_at, ends_at=ends_at, reason=reason.strip(), created_by=by)
    closure.full_clean()
    closure.save()
    return closure


@transaction.atomic
def closure_delete(*, store_id: int, closure_id: int, by: User, now: dt.datetime | None = None) -> None:
    """Lift closure ``closure_id`` of store ``store_id``: the time it still held is bookable again at once
    (availability is computed from the rows, nothing is cached). ``by`` must be one of the store's managers (or an
    admin): ``NotFound`` when they have no tie to the store, ``PermissionDenied`` when their role there is not
    enough (:func:`stores.selectors.store_access_check`, checked before the closure is read); ``NotFound`` when the
    store has no such closure, another store's alike.

    A future closure is deleted. One under way ends ``now``: the part already past stays as it was, as history.
    One already over raises ``ClosureOver``. Locks the closure's row, nothing before it."""
    store_access_check(user=by, store_id=store_id, roles=MANAGER_ROLES)
    closure = closure_lock(store_id=store_id, closure_id=closure_id)
    if closure is None:
        raise NotFound()
    now = now or timezone.now()
    if closure.ends_at <= now:
        raise ClosureOver(details={"ends_at": closure.ends_at.isoformat()})
    if closure.starts_at >= now:
        closure.delete()
        return
    closure.ends_at = now
    closure.full_clean(exclude=["created_by"])  # its author may be gone (SET_NULL): not this change's business
    closure.save(update_fields=["ends_at"])


# Any status may move to any other except out of terminated, which is final.
ALLOWED_STATUS_TRANSITIONS: dict[str, set[str]] = {
    StoreStatus.ACTIVE: {StoreStatus.PROBATION, StoreStatus.SUSPENDED, StoreStatus.TERMINATED},
    StoreStatus.PROBATION: {StoreStatus.ACTIVE, StoreStatus.SUSPENDED, StoreStatus.TERMINATED},
    StoreStatus.SUSPENDED: {StoreStatus.ACTIVE, StoreStatus.PROBATION, StoreStatus.TERMINATED},
    StoreStatus.TERMINATED: set(),
}


@transaction.atomic
def store_status_transition(
    *,
    store: Store,
    to_status: str,
    by: User | None,
    reason: str,
    reason_category: str = StatusReason.MANUAL,
    evidence: dict | None = None,
) -> Store:
    """Move a store to ``to_status`` under a row lock and record who, when and why: ``reason_category`` is what the
    store's public record shows, ``evidence`` what the decision stood on (the KPIs and their values, the audit)."""
    if to_status not in StoreStatus.values:
        raise ValidationFailed({"status": _("Unknown status.")})
    if not (reason or "").strip():
        raise ValidationFailed({"reason": _("Say why the status changes.")})
    store = store_lock(store.pk)
    if store is None:
        raise Store.DoesNotExist()
    if to_status not in ALLOWED_STATUS_TRANSITIONS[store.status]:
        raise InvalidTransition(details={"from": store.status, "to": to_status})
    StoreStatusEvent.objects.create(
        store=store,
        from_status=store.status,
        to_status=to_status,
        by=by,
        reason=reason,
        reason_category=reason_category,
        evidence=evidence or {},
    )
    emit(StoreStatusChanged(store_id=store.pk, from_status=store.status, to_status=to_status))
    store.status = to_status
    store.save(update_fields=["status", "updated_at"])
    return store


# --- Rating -------------------------------------------------------------------------------------------------------


def store_rating_set(*, store_id: int, rating: Decimal | None, review_count: int) -> None:
    """Set the store's rating (None: no rating yet) and how many published reviews it stands on. The reviews app
    computes both (``reviews.reputation``); stores only keep them for search and the store page."""
    Store.objects.filter(pk=store_id).update(rating=rating, review_count=review_count)


def store_ratings_set(*, ratings: Iterable[tuple[int, int, Decimal | None]]) -> int:
    """``(store_id, review_count, rating)`` for many stores, in one UPDATE: a store's rating is set only where its
    ``review_count`` is still the one given (a store whose count moved meanwhile was just set by a newer
    :func:`store_rating_set`, which a stale rating here must not overwrite) and the rating differs. Returns the stores
    changed."""
    rows = list(ratings)
    if not rows:
        return 0
    values = ", ".join(["(%s, %s, %s::numeric)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE stores_store AS s
               SET rating = v.rating
              FROM (VALUES {values}) AS v (id, review_count, rating)
             WHERE s.id = v.id AND s.review_count = v.review_count AND s.rating IS DISTINCT FROM v.rating
            """,
            [value for row in rows for value in row],
        )
        return cursor.rowcount
