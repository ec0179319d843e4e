import datetime as dt

from django.utils.translation import gettext_lazy as _

from chefu.errors import Conflict
from chefu.money import format_money


class SlotUnavailable(Conflict):
    code = "slot_unavailable"
    default_message = _("No bay is free at that time. Pick another slot.")


class StoreUnavailable(Conflict):
    """The store exists but takes no new booking and moves none: it is not active or on probation (suspended,
    terminated)."""

    code = "store_unavailable"
    default_message = _("This store is not taking bookings at the moment.")

    def __init__(self, *, status: str):
        super().__init__(details={"status": status})


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_message = _("The booking cannot make this change in its current state.")

    def __init__(self, *, from_status: str, to_status: str, message=None, **details):
        super().__init__(message, details={"from": from_status, "to": to_status, **details})


class TooEarlyToCheckIn(Conflict):
    """A car is checked in from a while before its booked start (``CHECK_IN_LEAD``), never a day early."""

    code = "too_early_to_check_in"
    default_message = _("This booking cannot be checked in yet: check-in opens shortly before its start time.")

    def __init__(self, *, opens_at: dt.datetime, starts_at: dt.datetime):
        super().__init__(details={"opens_at": opens_at.isoformat(), "starts_at": starts_at.isoformat()})


class ChecklistIncomplete(Conflict):
    code = "checklist_incomplete"
    default_message = _("Every required checklist item must be answered before the job is completed.")

    def __init__(self, *, missing: list[str]):
        super().__init__(details={"missing": missing})


class PaymentDue(Conflict):
    """Approved extra work is not paid yet: the owner pays it (a second payment) before the job is completed."""

    code = "payment_due"
    default_message = _("The owner has not paid everything owed yet (approved extra work).")

    def __init__(self, *, owed):
        super().__init__(details={"owed": format_money(owed)})


class BookingNotAtShop(Conflict):
    """Shop-floor work (checklist answers, photos, extra work) needs the car at the shop."""

    code = "booking_not_at_shop"
    default_message = _("This can be done only while the car is at the shop (checked in or in service).")

    def __init__(self, *, status: str, message=None):
        super().__init__(message, details={"status": status, "allowed": ["checked_in", "in_service"]})


class SupplementDecided(Conflict):
    code = "supplement_decided"
    default_message = _("The owner has already decided on this extra work.")

    def __init__(self, *, status: str):
        super().__init__(details={"status": status})


class QuoteChanged(Conflict):
    """The quote for the car is no longer the total the owner was shown (the store changed its price meanwhile):
    nothing is booked, and the owner is shown the new total."""

    code = "quote_changed"
    default_message = _("The price for your car has changed. Check the new price and book again.")

    def __init__(self, *, total):
        super().__init__(details={"total": format_money(total)})
