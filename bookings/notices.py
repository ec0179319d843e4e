"""What a booking's changes tell people, and the expiry task a new booking queues.

Each function runs inside the service's transaction: the outbox rows commit (or roll back) with the change that
caused them, and Celery is only asked after commit.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from bookings.models import Booking, BookingStatus, Supplement
from chefu.money import format_money
from chefu.queue import send_on_commit
from notifications.services import messages_cancel, notify

REMINDERS = (("booking_reminder_24h", dt.timedelta(hours=24)), ("booking_reminder_2h", dt.timedelta(hours=2)))


def ref(booking: Booking) -> str:
    return f"booking:{booking.pk}"


def local_start(booking: Booking) -> str:
    """The start as the owner reads it on the store's clock: ``2026-11-25 09:30``."""
    return booking.start.astimezone(ZoneInfo(booking.store.timezone)).strftime("%Y-%m-%d %H:%M")


def _params(booking: Booking) -> dict[str, str]:
    return {
        "store_name": booking.store.name,
        "service_name": booking.service.name_zh,
        "start": local_start(booking),
        "booking_id": str(booking.pk),
        "address": booking.store.address,
    }


def expiry_schedule(booking: Booking) -> None:
    """Queue the expiry of an unpaid booking at its ``pay_before``, after commit. A broker that is down only delays
    it: the beat sweep (``bookings_expire_due_task``) expires whatever the task missed."""
    from bookings.tasks import booking_expire_task

    send_on_commit(
        booking_expire_task, [((booking.pk,), {"eta": booking.pay_before})], what=f"expiry of booking {booking.pk}"
    )


def _reminders(booking: Booking, now: dt.datetime, generation: int = 0) -> None:
    """Queue the reminders still ahead. ``generation`` (how many times the booking was rescheduled) keeps a reminder
    for a start the booking had before, and was cancelled, from blocking the one for the same start now."""
    start = booking.start.astimezone(dt.UTC).isoformat()
    for template, before in REMINDERS:
        at = booking.start - before
        if at <= now:
            continue
        notify(
            recipient=booking.owner,
            template=template,
            params=_params(booking),
            ref=ref(booking),
            send_after=at,
            dedupe_key=f"{ref(booking)}:{template}:{start}:{generation}",
        )


def confirmed(booking: Booking) -> None:
    notify(
        recipient=booking.owner,
        template="booking_confirmed",
        params=_params(booking),
        ref=ref(booking),
        dedupe_key=f"{ref(booking)}:booking_confirmed",
    )
    _reminders(booking, timezone.now())


def rescheduled(booking: Booking, *, generation: int) -> None:
    """Reminders follow the new time."""
    messages_cancel(ref=ref(booking), templates=[t for t, _ in REMINDERS])
    if booking.status == BookingStatus.CONFIRMED:
        _reminders(booking, timezone.now(), generation)


def arrived(booking: Booking) -> None:
    """Checked in (or marked a no-show): reminders of a start that has come are withdrawn."""
    messages_cancel(ref=ref(booking), templates=[t for t, _ in REMINDERS])


def cancelled(booking: Booking) -> None:
    messages_cancel(ref=ref(booking), templates=[t for t, _ in REMINDERS])
    if booking.cancelled_by_store:
        notify(
            recipient=booking.owner,
            template="booking_cancelled_by_store",
            params={
                **_params(booking),
                "reason": booking.cancel_reason,
                "refund": f"¥{format_money(booking.refund_due or 0)}",
            },
            ref=ref(booking),
            dedupe_key=f"{ref(booking)}:booking_cancelled_by_store",
        )


def expired(booking: Booking) -> None:
    params = _params(booking)
    del params["address"]
    notify(
        recipient=booking.owner,
        template="booking_expired",
        params=params,
        ref=ref(booking),
        dedupe_key=f"{ref(booking)}:booking_expired",
    )


def supplement_proposed(supplement: Supplement) -> None:
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
