"""Loading and resetting the demo: stores, prices, accounts, bookings, coupons and reviews, in one transaction."""

import datetime as dt
import zoneinfo
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from catalog.models import Offering
from demo.accounts import ADMIN, DEMO_PHONES, MANAGER, OWNER, QA, accounts_create
from demo.bookings import CUSTOMER_PHONES, DemoBookings, demo_bookings_load, demo_bookings_reset
from demo.consignment import DemoConsignment, demo_consignment_load, demo_consignment_reset
from demo.content import DemoContent, demo_content_load
from demo.payments import demo_coupons_load, demo_money_reset, purging
from demo.prices import PriceResult, demo_load_prices
from demo.quality import DemoQuality, demo_quality_load, demo_quality_reset
from demo.reviews import DemoReviews, demo_reviews_load, demo_reviews_reset
from demo.stores import closures_create, demo_store_plans, stores_bulk_create
from stores.models import DEFAULT_TIMEZONE, VISIBLE_STATUSES, PartnerApplication, Store, StoreStatus

# Stores besides the manager's that get a few reviews each (each review is a booking paid and completed through the
# services, ~0.1 s): enough for the map's ratings to mean something.
REVIEWED_STORES = 12


@dataclass(frozen=True)
class DemoResult:
    stores_by_status: dict[str, int]
    stores_by_district: dict[str, int]
    closures: int
    manager_store: Store
    application: PartnerApplication
    prices: PriceResult
    bookings: DemoBookings | None = None
    reviews: DemoReviews | None = None
    quality: DemoQuality | None = None
    consignment: DemoConsignment | None = None
    content: DemoContent | None = None


def demo_present() -> bool:
    return Store.objects.exists() or User.objects.filter(phone__in=DEMO_PHONES).exists()


@transaction.atomic
def demo_reset() -> None:
    """Delete every store and partner application, and the demo accounts.

    Raises ``ProtectedError`` when other data (bookings, say) still points at them, and ``ImproperlyConfigured`` where
    history must be kept (``DEMO_RESET_ALLOWED`` off).
    """
    demo_quality_reset()
    demo_reviews_reset()
    demo_money_reset()
    demo_consignment_reset()
    purging(on=False)  # the rest of the load writes history that stays append-only
    demo_bookings_reset()
    PartnerApplication.objects.all().delete()
    # An offering points at its current version (PROTECT) and the version at its offering: unhook the
    # current versions first, or the cascade from the stores refuses to delete them.
    Offering.objects.filter(current__isnull=False).update(current=None, is_active=False)
    Store.objects.all().delete()
    User.objects.filter(phone__in=DEMO_PHONES).delete()


@transaction.atomic
def demo_load(
    *,
    count: int,
    seed: int,
    reset: bool = False,
    today: dt.date | None = None,
    fast_prices: bool = True,
    quality: bool = True,
) -> DemoResult:
    """Write ``count`` demo stores for ``seed`` and the demo accounts, in one transaction.

    With ``reset`` the existing stores, applications and demo accounts are deleted first (see
    :func:`demo_reset`); the caller checks :func:`demo_present` otherwise. ``fast_prices=False`` writes the price
    lists through the pricing service instead of the fast path (slower; what the tests compare the fast path with).
    ``quality=False`` leaves out the quality history (audits, complaints, sanctions: a few seconds).
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    if reset:
        demo_reset()
    today = today or timezone.localdate(timezone=zoneinfo.ZoneInfo(DEFAULT_TIMEZONE))
    plans = demo_store_plans(count=count, seed=seed, today=today)
    stores = stores_bulk_create(plans)
    prices = demo_load_prices(stores=stores, plans=plans, seed=seed, today=today, fast=fast_prices)
    application = accounts_create(manager_store=stores[0])
    closures_create(stores=stores, plans=plans, by=User.objects.get(phone=ADMIN.phone))
    bookings = _load_bookings(stores, seed)
    demo_coupons_load()
    content = demo_content_load(today=today)
    reviews = _load_reviews(stores, seed)
    quality = _load_quality(stores, seed) if quality else None
    consignment = _load_consignment(stores)
    by_status = Counter(p.status for p in plans)
    return DemoResult(
        stores_by_status={s: by_status[s] for s in StoreStatus.values},
        stores_by_district=dict(Counter(p.district for p in plans).most_common()),
        closures=sum(len(p.closures) for p in plans),
        manager_store=stores[0],
        application=application,
        prices=prices,
        bookings=bookings,
        reviews=reviews,
        quality=quality,
        consignment=consignment,
        content=content,
    )


def _visible_others(stores: Sequence[Store]) -> list[Store]:
    return [s for s in stores[1:] if s.status in VISIBLE_STATUSES]


def _load_bookings(stores: Sequence[Store], seed: int) -> DemoBookings:
    users = {u.phone: u for u in User.objects.filter(phone__in=(OWNER.phone, MANAGER.phone))}
    visible = _visible_others(stores)
    return demo_bookings_load(
        store=stores[0],
        staff=users[MANAGER.phone],
        owner=users[OWNER.phone],
        other_store=visible[0] if visible else None,
        seed=seed,
    )


def _load_quality(stores: Sequence[Store], seed: int) -> DemoQuality:
    users = {u.phone: u for u in User.objects.filter(phone__in=(MANAGER.phone, QA.phone, ADMIN.phone))}
    customers = [
        (user, user.vehicles.order_by("id").first())
        for user in User.objects.filter(phone__in=CUSTOMER_PHONES).order_by("phone")
    ]
    return demo_quality_load(
        manager_store=stores[0],
        manager=users[MANAGER.phone],
        qa=users[QA.phone],
        admin=users[ADMIN.phone],
        customers=[c for c in customers if c[1] is not None],
        others=[s for s in _visible_others(stores) if s.status == StoreStatus.ACTIVE][:8],
        seed=seed,
    )


def _load_consignment(stores: Sequence[Store]) -> DemoConsignment | None:
    users = {u.phone: u for u in User.objects.filter(phone__in=(OWNER.phone, QA.phone))}
    return demo_consignment_load(stores=stores, owner=users[OWNER.phone], qa=users[QA.phone])


def _load_reviews(stores: Sequence[Store], seed: int) -> DemoReviews:
    users = {u.phone: u for u in User.objects.filter(phone__in=(MANAGER.phone, QA.phone))}
    customers = [
        (user, user.vehicles.order_by("id").first())
        for user in User.objects.filter(phone__in=CUSTOMER_PHONES).order_by("phone")
    ]
    return demo_reviews_load(
        store=stores[0],
        staff=users[MANAGER.phone],
        qa=users.get(QA.phone),
        customers=[c for c in customers if c[1] is not None],
        others=_visible_others(stores)[:REVIEWED_STORES],
        seed=seed,
    )
