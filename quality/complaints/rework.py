"""The free rework an upheld complaint may book: the same service for the same car, at the complaint's store or
another, at a start QA picks with the owner. It costs the owner nothing (``bookings.services.booking_create_free``);
done at another store, the store at fault pays it through its statement (``payments.services.rework_charge``) once
the work is done: a rework cancelled or missed moves no money."""

import datetime as dt

from django.utils.translation import gettext as _

from accounts.models import User
from bookings.events import BookingCompleted
from bookings.models import Booking
from bookings.services import booking_create_free
from chefu.errors import ValidationFailed
from payments.services import rework_charge
from quality.models import Complaint
from stores.models import Store


def rework_book(*, complaint: Complaint, by: User, store_id: int | None, start: dt.datetime) -> Booking:
    """Book the rework of ``complaint``'s booking at ``store_id`` (None: the complaint's store) at ``start``, in the
    caller's transaction (the complaint's booking and row locked). 422 on ``rework_store_id`` for a store that does
    not exist; the booking's own refusals (StoreUnavailable, SlotUnavailable, 422 on ``start``) pass through."""
    original = Booking.objects.select_related("service", "vehicle", "owner").get(pk=complaint.booking_id)
    store = Store.objects.filter(pk=store_id or complaint.store_id).first()
    if store is None:
        raise ValidationFailed({"rework_store_id": _("No such store.")})
    reason = _("Free rework after complaint %(id)s.") % {"id": complaint.pk}
    try:
        booking = booking_create_free(
            owner=original.owner,
            store=store,
            service=original.service,
            vehicle=original.vehicle,
            start=start,
            by=by,
            reason=reason,
        )
    except ValidationFailed as error:
        fields = error.details.get("fields", {})
        if "start" in fields or "service_code" in fields:
            key = "rework_start" if "start" in fields else "rework_store_id"
            raise ValidationFailed({key: fields.get("start") or fields.get("service_code")}) from None
        raise
    return booking


def rework_completed_charge(event: BookingCompleted) -> None:
    """A completed booking that is a complaint's rework: the store at fault pays the working store its quoted value
    (nothing when they are the same store). Subscribed durably to ``BookingCompleted``; ``rework_charge`` is
    idempotent per rework booking, so running it twice charges once."""
    complaint = Complaint.objects.filter(rework_booking_id=event.booking_id).only("pk", "store_id").first()
    if complaint is None:
        return
    booking = Booking.objects.get(pk=event.booking_id)
    value = booking.quote.get("free_of_charge", {}).get("value", "0.00")
    memo = _("Free rework after complaint %(id)s.") % {"id": complaint.pk}
    rework_charge(rework_booking=booking, charged_store_id=complaint.store_id, value=value, memo=memo)
