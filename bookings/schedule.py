"""The shop floor's day: each bay of a store with the bookings it holds and the closures that shut it that day (a
read, three queries)."""

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from bookings.engine import local_day_bounds
from bookings.models import Booking
from bookings.selectors import schedule_bookings
from stores.models import Bay, Closure, Store
from stores.selectors import closures_overlapping


@dataclass
class BaySchedule:
    bay: Bay
    bookings: list[Booking] = field(default_factory=list)
    closures: list[Closure] = field(default_factory=list)  # the bay's own and the whole store's, by start


def store_today(store: Store) -> dt.date:
    """Today on the store's own clock (the schedule's default day)."""
    return timezone.now().astimezone(ZoneInfo(store.timezone)).date()


def store_schedule(*, store: Store, day: dt.date) -> list[BaySchedule]:
    """Every active bay of ``store`` (by id), each with the bookings starting on its local ``day`` (by start) with their
    owner, vehicle, service and approved supplements' total; a bay taken out of service since is listed too while it
    still holds bookings that day. Expired and cancelled bookings are left out (see ``SCHEDULE_STATUSES``). Each bay
    also lists the closures covering some of that day, unclipped: its own and the whole store's."""
    tz = ZoneInfo(store.timezone)
    bookings = list(schedule_bookings(store_id=store.pk, day=day, tz=tz))
    held = {b.bay_id for b in bookings}
    bays = Bay.objects.filter(Q(is_active=True) | Q(pk__in=held), store=store).order_by("id")
    rows = {bay.pk: BaySchedule(bay) for bay in bays}
    for booking in bookings:
        rows[booking.bay_id].bookings.append(booking)
    start, end = local_day_bounds(day, tz)
    for closure in closures_overlapping(store_id=store.pk, start=start, end=end):
        for bay_id, row in rows.items():
            if closure.bay_id in (None, bay_id):
                row.closures.append(closure)
    return list(rows.values())
