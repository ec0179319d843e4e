"""The shop console's day: the board of a store's bays on a time axis, by day or by week, and each booking's next
steps for the staff member's role. Like the other pages, its script does the work through the partner API; this view
only renders the texts and the rules the script shows (``chefu-shop``)."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy

from bookings.models import SupplementStatus
from bookings.selectors import CHECK_IN_LEAD
from cms.views import _page
from stores.models import StaffRole

# What the board offers each staff role. The API lets every role do each step; the board keeps the front desk's
# steps (taking the car in, calling the booking off) to managers and advisors, so a technician's phone shows the work.
_FLOOR = ["start", "checklist", "supplement", "complete"]
ACTIONS_BY_ROLE = {
    StaffRole.MANAGER: ["check-in", "no-show", "cancel", *_FLOOR],
    StaffRole.ADVISOR: ["check-in", "no-show", "cancel", *_FLOOR],
    StaffRole.TECHNICIAN: _FLOOR,
}

SHOP_TEXTS = {
    "day": gettext_lazy("Day"),
    "week": gettext_lazy("Week"),
    "closed": gettext_lazy("Closed"),
    "closure": gettext_lazy("Closed: %(reason)s"),
    "checkInOpensAt": gettext_lazy("Check-in opens at %(time)s, %(hours)s h before the start."),
    "extraWork": gettext_lazy("Extra work"),
    "proposeExtraWork": gettext_lazy("Propose extra work"),
    "reasonForOwner": gettext_lazy("What was found (the owner reads this)"),
    "item": gettext_lazy("Work or part"),
    "qty": gettext_lazy("Qty"),
    "unitPrice": gettext_lazy("Unit price"),
    "addLine": gettext_lazy("Add a line"),
    "removeLine": gettext_lazy("Remove"),
    "send": gettext_lazy("Send to the owner"),
    "sent": gettext_lazy("Sent to the owner for approval."),
    "takePhoto": gettext_lazy("Photo"),
    "photoAdded": gettext_lazy("Photo added."),
    "noBookingsWeek": gettext_lazy("%(count)s bookings this week"),
    "amountDue": gettext_lazy("Amount due"),
    "closePanel": gettext_lazy("Close"),
}


def partner_schedule(request: HttpRequest) -> HttpResponse:
    """The shop floor's board for a store's staff (``?date=``, ``?view=week``, ``?booking=``)."""
    shop = {
        "checkInLeadMinutes": int(CHECK_IN_LEAD.total_seconds() // 60),
        "actions": {str(role): actions for role, actions in ACTIONS_BY_ROLE.items()},
        "texts": {
            **{key: str(text) for key, text in SHOP_TEXTS.items()},
            "supplementStatus": {value: str(label) for value, label in SupplementStatus.choices},
        },
    }
    return _page(request, "cms/partner_schedule.html", shop=shop)
