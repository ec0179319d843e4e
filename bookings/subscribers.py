"""What a booking's changes tell people: subscribers of the bookings events (``bookings.events``) that write the
notifications app's outbox messages, registered by :class:`bookings.apps.BookingsConfig`.

Each runs after the change has committed, in its own transaction, and durably (``chefu.events``): the event's outbox
row is written with the change, so a message is delayed by a crash, never lost. Each is safe to run again: every
message carries a dedupe key, and withdrawing reminders twice withdraws nothing more.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from bookings.events import (
    BookingCancelled,
    BookingCheckedIn,
    BookingConfirmed,
    BookingExpired,
    BookingNoShow,
    BookingRescheduled,
    SupplementProposed,
)
from bookings.models import Booking, BookingEvent, BookingStatus, EventAction, Supplement
from chefu.money import format_money
from notifications.services import messages_cancel, notify

REMINDERS = (("booking_reminder_24h", dt.timedelta(hours=24)), ("booking_reminder_2h", dt.timedelta(hours=2)))


def ref(booking: Booking) -> str:
    return f"booking:{booking.pk}"


def local_start(booking: Booking) -> str:
    """The start as the owner reads it on the store's clock: ``2026-11-25 09:30``."""
    return booking.start.astimezone(ZoneInfo(booking.store.timezone)).strftime("%Y-%m-%d %H:%M")


def _booking(booking_id: int) -> Booking:
    """The booking with what its messages say, and ``moves``: how many times it was rescheduled."""
    moves = BookingEvent.objects.filter(booking=OuterRef("pk"), action=EventAction.RESCHEDULE)
    return (
        Booking.objects.select_related("owner", "store", "service")
        .annotate(moves=Coalesce(Subquery(moves.values("booking").annotate(n=Count("pk")).values("n")), 0))
        .get(pk=booking_id)
    )


def _params(booking: Booking) -> dict[str, str]:
    return {
        "store_name": booking.store.name,
        "service_name": booking.service.name_zh,
        "start": local_start(booking),
        "booking_id": str(booking.pk),
        "address": booking.store.address,
    }


def _reminders_sync(booking: Booking, now: dt.datetime) -> None:
    """Make the booking's pending reminders those of its current state, whatever event arrives and in whatever order
    (a late or retried delivery included): the reminders still ahead of its start while it is confirmed, none
    otherwise. A reminder's key names the start and the generation (how many times the booking was moved), so that a
    reminder for a start the booking had before, and was withdrawn, never blocks the one for the same start now."""
    keys = {}
    if booking.status == BookingStatus.CONFIRMED:
        start = booking.start.astimezone(dt.UTC).isoformat()
        ahead = [t for t, before in REMINDERS if booking.start - before > now]
        keys = {t: f"{ref(booking)}:{t}:{start}:{booking.moves}" for t in ahead}
    if booking.status != BookingStatus.CONFIRMED or booking.moves:
        # (a confirmed booking never moved can only have reminders with these keys: nothing to withdraw)
        messages_cancel(ref=ref(booking), templates=[t for t, _ in REMINDERS], keep_dedupe_keys=list(keys.values()))
    for template, before in REMINDERS:
        if template in keys:
            notify(
                recipient=booking.owner,
                template=template,
                params=_params(booking),
                ref=ref(booking),
                send_after=booking.start - before,
                dedupe_key=keys[template],
            )


def booking_confirmed_tell(event: BookingConfirmed) -> None:
    booking = _booking(event.booking_id)
    notify(
        recipient=booking.owner,
        template="booking_confirmed",
        params=_params(booking),
        ref=ref(booking),
        dedupe_key=f"{ref(booking)}:booking_confirmed",
    )
    _reminders_sync(booking, timezone.now())


def booking_rescheduled_tell(event: BookingRescheduled) -> None:
    """Reminders follow the booking's start as it is now (a later move may have come first)."""
    _reminders_sync(_booking(event.booking_id), timezone.now())


def booking_arrived_tell(event: BookingCheckedIn | BookingNoShow) -> None:
    """Checked in (or marked a no-show): reminders of a start that has come are withdrawn."""
    _reminders_sync(_booking(event.booking_id), timezone.now())


def booking_cancelled_tell(event: BookingCancelled) -> None:
    booking = _booking(event.booking_id)
    _reminders_sync(booking, timezone.now())
    if not event.by_store:
        return
    notify(
        recipient=booking.owner,
        template="booking_cancelled_by_store",
        params={
            **_params(booking),
            "reason": booking.cancel_reason,
            "refund": f"¥{format_money(event.refund_due)}",
        },
        ref=ref(booking),
        dedupe_key=f"{ref(booking)}:booking_cancelled_by_store",
    )


def booking_expired_tell(event: BookingExpired) -> None:
    booking = _booking(event.booking_id)
    params = _params(booking)
    del params["address"]
    notify(
        recipient=booking.owner,
        template="booking_expired",
        params=params,
        ref=ref(booking),
        dedupe_key=f"{ref(booking)}:booking_expired",
    )


def supplement_proposed_tell(event: SupplementProposed) -> None:
    supplement = Supplement.objects.select_related("booking__owner", "booking__store").get(pk=event.supplement_id)
    booking = supplement.booking
    notify(
        recipient=booking.owner,
        template="supplement_proposed",
        params={
            "store_name": booking.store.name,
            "booking_id": str(booking.pk),
            "reason": supplement.reason,
            "total": f"¥{format_money(supplement.total)}",
        },
        ref=ref(booking),
        dedupe_key=f"supplement:{supplement.pk}:proposed",
    )
