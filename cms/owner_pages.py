"""The owner's own pages: 我的预约 with its tabs, one booking's order page, and the notifications inbox.

Like the other site pages (:mod:`cms.views`), they make no writes: their scripts (``static/js/my_bookings.js``,
``order_page.js``, ``inbox.js``) work through the JSON API with the session cookie. The order page reads the booking
here only to answer 404 for one that is not the signed-in owner's, and to render the store's address, phone and
map link; signed out, it shows the sign-in box and nothing of the booking.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy, pgettext_lazy

from bookings.models import ActorRole, BookingStatus, EventAction, SupplementStatus
from bookings.selectors import booking_get_for_owner
from chefu.errors import NotFound
from cms.views import _script_config, _script_texts
from payments.models import RefundReason, RefundStatus
from quality.complaints.services import MAX_PHOTOS as COMPLAINT_MAX_PHOTOS
from quality.models import ComplaintCategory, ComplaintStatus

# How often the order page reads the booking again while the car is at the store (the checklist fills in).
POLL_SECONDS = 15

# A plain link to the store on a map: Amap's URI API, given the store's WGS-84 point (it converts to GCJ-02).
MAP_URL = "https://uri.amap.com/marker"

# 我的预约's tabs, in order: (key in ?tab=, label, the statuses listed, only those still to be reviewed).
# A completed booking still to be reviewed is listed under both 待评价 and 已完成.
TABS = (
    ("all", pgettext_lazy("my bookings tab", "All"), (), False),
    ("to_pay", pgettext_lazy("my bookings tab", "To pay"), (BookingStatus.PENDING_PAYMENT,), False),
    (
        "upcoming",
        pgettext_lazy("my bookings tab", "To be serviced"),
        (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.IN_SERVICE),
        False,
    ),
    ("to_review", pgettext_lazy("my bookings tab", "To review"), (BookingStatus.COMPLETED,), True),
    ("completed", pgettext_lazy("my bookings tab", "Completed"), (BookingStatus.COMPLETED,), False),
    (
        "cancelled",
        pgettext_lazy("my bookings tab", "Cancelled"),
        (BookingStatus.CANCELLED, BookingStatus.EXPIRED, BookingStatus.NO_SHOW),
        False,
    ),
)

OWNER_TEXTS = {
    # 我的预约
    "amountPaid": gettext_lazy("Amount paid"),
    "noBookingsInTab": gettext_lazy("No bookings here."),
    # the order page
    "timeline": gettext_lazy("Progress"),
    "quote": gettext_lazy("Quote"),
    "qty": gettext_lazy("Qty"),
    "unitPrice": gettext_lazy("Unit price"),
    "amount": gettext_lazy("Amount"),
    "extraWork": gettext_lazy("Extra work"),
    "noExtraWork": gettext_lazy("No extra work has been proposed."),
    "extraReason": gettext_lazy("Why: %(reason)s"),
    "approve": pgettext_lazy("extra work", "Approve"),
    "reject": pgettext_lazy("extra work", "Reject"),
    "approved": gettext_lazy("Extra work approved. Amount due is now %(amount)s."),
    "rejected": gettext_lazy("Extra work rejected. Amount due stays %(amount)s."),
    "rejectReason": gettext_lazy("Why not (optional)"),
    "confirmReject": gettext_lazy("Confirm rejection"),
    "checklistEmpty": gettext_lazy("The store has not answered the checklist yet."),
    "notAnswered": gettext_lazy("Not answered yet"),
    "live": gettext_lazy("Updated every %(seconds)s s while your car is at the store."),
    "money": gettext_lazy("Payments and refunds"),
    "amountOwed": gettext_lazy("Still to pay"),
    "refunds": gettext_lazy("Refunds"),
    "noRefunds": gettext_lazy("No refunds."),
    "changeBooking": gettext_lazy("Cancel or reschedule"),
    "cancelTermsFree": gettext_lazy("Cancelling now is free: %(refund)s comes back to you."),
    "cancelTermsFee": gettext_lazy("Cancelling now costs a fee of %(fee)s: %(refund)s comes back to you."),
    "cancelNothingPaid": gettext_lazy("Nothing has been paid: cancelling costs nothing."),
    "freeUntil": gettext_lazy("Free cancellation until %(time)s."),
    "couponPart": gettext_lazy("The coupon's part of the refund goes back to the coupon."),
    "moveTermsFree": gettext_lazy("Moving is free. Afterwards you can cancel free of charge until %(time)s."),
    "moveTermsFee": gettext_lazy("Moving is free, but afterwards cancelling would cost a fee of %(fee)s."),
    "review": gettext_lazy("Review"),
    "complaint": gettext_lazy("Complaint"),
    "complaintIntro": gettext_lazy("Something went wrong? Tell the platform: the store answers within 24 hours."),
    "complaintCategoryField": gettext_lazy("What went wrong"),
    "complaintText": gettext_lazy("What happened"),
    "fileComplaint": gettext_lazy("Send complaint"),
    "complaintSent": gettext_lazy("Complaint sent. The store answers by %(time)s."),
    "storeAnswer": gettext_lazy("Store's answer: %(text)s"),
    "resolution": gettext_lazy("Resolution: %(text)s"),
    # the inbox
    "noNotifications": gettext_lazy("No notifications."),
    "markRead": gettext_lazy("Mark as read"),
    "markAllRead": gettext_lazy("Mark all as read"),
    "unread": gettext_lazy("Unread"),
    "open": gettext_lazy("View"),
    "moreNotifications": gettext_lazy("Show more"),
}


def _owner_texts() -> dict[str, object]:
    return {
        **_script_texts(),
        **{key: str(text) for key, text in OWNER_TEXTS.items()},
        "supplementStatus": {value: str(label) for value, label in SupplementStatus.choices},
        "action": {value: str(label) for value, label in EventAction.choices},
        "by": {value: str(label) for value, label in ActorRole.choices},
        "refundStatus": {value: str(label) for value, label in RefundStatus.choices},
        "refundReason": {value: str(label) for value, label in RefundReason.choices},
        "complaintCategory": {value: str(label) for value, label in ComplaintCategory.choices},
        "complaintStatus": {value: str(label) for value, label in ComplaintStatus.choices},
    }


def _order_url_template() -> str:
    """The order page's URL with ``%(id)s`` for the booking (filled in by ``Chefu.fmt``)."""
    return reverse("cms:owner_booking", args=[1]).replace("/1/", "/%(id)s/")


def _owner_page(request: HttpRequest, template: str, *, config: dict | None = None, **context) -> HttpResponse:
    return render(
        request,
        template,
        {
            "texts": _owner_texts(),
            "config": {**_script_config(), "orderUrl": _order_url_template(), **(config or {})},
            "platform_timezone": settings.TIME_ZONE,
            **context,
        },
    )


def my_bookings(request: HttpRequest) -> HttpResponse:
    """The signed-in owner's bookings under one tab (``?tab=``; an unknown one shows them all), each with 应付 and
    实付 and a link to its order page, with pay, cancel and reschedule, and the review of a completed one."""
    keys = [key for key, *_rest in TABS]
    tab = request.GET.get("tab", "all")
    if tab not in keys:
        tab = "all"
    tabs = [
        {"key": key, "label": label, "statuses": [str(s) for s in statuses], "toReview": to_review}
        for key, label, statuses, to_review in TABS
    ]
    return _owner_page(
        request,
        "cms/my_bookings.html",
        config={"tab": tab, "tabs": [{**t, "label": str(t["label"])} for t in tabs]},
        tabs=tabs,
        tab=tab,
    )


def order_page(request: HttpRequest, booking_id: int) -> HttpResponse:
    """One of the signed-in owner's bookings: its progress, store, quote, extra work, checklist, money, the
    cancellation terms before cancelling or moving it, its review and a complaint. 404 when it is not theirs."""
    booking = None
    map_url = ""
    if request.user.is_authenticated:
        try:
            booking = booking_get_for_owner(user=request.user, booking_id=booking_id)
        except NotFound:
            raise Http404 from None
        point = booking.store.location
        map_url = f"{MAP_URL}?" + urlencode(
            {"position": f"{point.x:.6f},{point.y:.6f}", "name": booking.store.name, "coordinate": "wgs84"}
        )
    return _owner_page(
        request,
        "cms/owner/order.html",
        config={"bookingId": booking_id, "pollSeconds": POLL_SECONDS, "complaintMaxPhotos": COMPLAINT_MAX_PHOTOS},
        booking=booking,
        booking_id=booking_id,
        map_url=map_url,
    )


def inbox(request: HttpRequest) -> HttpResponse:
    """The signed-in user's in-app notifications, newest first, with mark-as-read."""
    return _owner_page(request, "cms/owner/inbox.html")
