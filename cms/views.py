"""Site pages outside the Wagtail tree: a store with its booking panel, the owner's bookings and the shop-floor day.

The pages are plain templates; their scripts (``static/js/``) do the work through the JSON API, signed in by Django's
session cookie (``/api/v1/auth/session``; the scripts never see a credential, and send the CSRF token the page
carries), so these views make no writes and only tell the sign-in box whether the session is signed in. The texts
the scripts show are rendered into each page as one JSON block (``chefu-i18n``) in the request's language, and what
the server decides for them (the payment provider, the review limits) as another (``chefu-config``); the
Content-Security-Policy runs no other inline script.
"""

import itertools

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dates import WEEKDAYS
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.models import BookingStatus, ChecklistResult
from chefu.errors import NotFound
from reviews.models import DIMENSIONS, FOLLOW_UP_MAX, MAX_PHOTOS, TEXT_MAX, Review, Tag
from stores.models import StatusReason
from stores.parts import store_page_parts
from stores.selectors import store_get_public, store_quality_record

# Texts the pages' scripts show. ``%(name)s`` placeholders are filled in by ``Chefu.fmt``.
SCRIPT_TEXTS = {
    # signing in
    "signedInAs": gettext_lazy("Signed in as %(name)s"),
    "signingIn": gettext_lazy("Signing in…"),
    "signInFirst": gettext_lazy("Sign in first."),
    "sessionEnded": gettext_lazy("Your session has ended. Sign in again."),
    "network": gettext_lazy("The network is not answering. Try again."),
    "loading": gettext_lazy("Loading…"),
    # prices and slots
    "labour": gettext_lazy("Labour"),
    "total": gettext_lazy("Total"),
    "minutes": gettext_lazy("about %(count)s min"),
    "reference": gettext_lazy("City reference %(p25)s–%(p75)s"),
    "noPrices": gettext_lazy("This store has no published prices yet."),
    "today": gettext_lazy("Today"),
    "tomorrow": gettext_lazy("Tomorrow"),
    "free": gettext_lazy("%(count)s free"),
    "noSlots": gettext_lazy("No free time on this day. Try another day."),
    "slotsShown": gettext_lazy("%(count)s start times"),
    # prices for the owner's car
    "priceFrom": gettext_lazy("from %(amount)s"),
    "partsByCar": gettext_lazy("+ parts, priced for your car"),
    "chooseCar": gettext_lazy("Sign in and choose your car to see its exact price."),
    "pricesFor": gettext_lazy("Prices for %(car)s"),
    "yourPrice": gettext_lazy("Your price for %(car)s"),
    "notForCar": gettext_lazy("Not for this car"),
    "notForEV": gettext_lazy("Not for electric cars."),
    "priceChanged": gettext_lazy("The price for your car is now %(amount)s. Check it and book again."),
    "book": gettext_lazy("Book"),
    "bookFor": gettext_lazy("Book · %(amount)s"),
    "carIs": gettext_lazy("Car: %(car)s"),
    # vehicles and booking
    "noVehicles": gettext_lazy("Add your car to book."),
    "vehicleAdded": gettext_lazy("Car added."),
    "booking": gettext_lazy("Booking…"),
    "booked": gettext_lazy("Booked. Pay before %(time)s to keep the slot."),
    "slotTaken": gettext_lazy("The free times are updated."),
    "bay": gettext_lazy("Bay"),
    "service": gettext_lazy("Service"),
    "time": gettext_lazy("Time"),
    "date": gettext_lazy("Date"),
    "car": gettext_lazy("Car"),
    "payBefore": gettext_lazy("Pay before %(time)s"),
    "amountDue": gettext_lazy("Amount due"),
    "myBookings": gettext_lazy("My bookings"),
    "bookingNo": gettext_lazy("Booking no. %(id)s"),
    # my bookings
    "noBookings": gettext_lazy("You have no bookings yet."),
    "cancel": gettext_lazy("Cancel booking"),
    "cancelReason": gettext_lazy("Reason (optional)"),
    "confirmCancel": gettext_lazy("Confirm cancellation"),
    "back": gettext_lazy("Back"),
    "cancelled": gettext_lazy("Booking cancelled."),
    "refund": gettext_lazy("Refund %(amount)s, fee %(fee)s"),
    "reschedule": gettext_lazy("Reschedule"),
    "confirmReschedule": gettext_lazy("Move to %(time)s"),
    "rescheduled": gettext_lazy("Moved to %(time)s."),
    # paying
    "pay": gettext_lazy("Pay now"),
    "paying": gettext_lazy("Opening the payment page…"),
    "checkingPayment": gettext_lazy("Waiting for the payment to be confirmed…"),
    "paid": gettext_lazy("Paid."),
    "notPaid": gettext_lazy("The payment was not completed."),
    "paymentLater": gettext_lazy("The payment is not confirmed yet. Refresh this page in a moment."),
    "coupon": gettext_lazy("Coupon"),
    "noCoupon": gettext_lazy("No coupon"),
    "enterCouponCode": gettext_lazy("Enter a coupon code…"),
    "couponCode": gettext_lazy("Coupon code"),
    "couponOffer": gettext_lazy("%(name)s (−%(amount)s)"),
    "couponUnusable": gettext_lazy("%(name)s: %(reason)s"),
    "couponHeld": gettext_lazy("Coupon %(code)s −%(amount)s"),
    # shop floor
    "noStores": gettext_lazy("You are not staff of any store."),
    "emptyBay": gettext_lazy("No bookings."),
    "checkIn": gettext_lazy("Check in"),
    "start": gettext_lazy("Start"),
    "complete": gettext_lazy("Complete"),
    "noShow": gettext_lazy("No-show"),
    "storeCancel": gettext_lazy("Call off"),
    "storeCancelReason": gettext_lazy("Reason, sent to the owner"),
    "checklist": gettext_lazy("Checklist"),
    "checklistFor": gettext_lazy("Checklist: %(plate)s %(service)s"),
    "checklistNeeded": gettext_lazy("Answer the checklist to complete the job."),
    "required": gettext_lazy("required"),
    "note": gettext_lazy("Note"),
    "allPass": gettext_lazy("All pass"),
    "save": gettext_lazy("Save"),
    "saveAndComplete": gettext_lazy("Save and complete"),
    "close": gettext_lazy("Close"),
    "saved": gettext_lazy("Checklist saved."),
    "answerSomething": gettext_lazy("Answer at least one item."),
    "missing": gettext_lazy("Still to answer: %(items)s"),
    "done": gettext_lazy("%(plate)s: %(status)s"),
    "bookingsOnDay": gettext_lazy("%(count)s bookings"),
    "inspectionReport": gettext_lazy("Inspection report"),
    # reviews on the store page
    "ratingScore": gettext_lazy("%(rating)s points"),
    "reviewCount": gettext_lazy("Reviews: %(count)s"),
    "noReviewsYet": gettext_lazy("No reviews yet."),
    "hiddenReviews": gettext_lazy("%(count)s more reviews have been hidden by the platform."),
    "heldReviews": gettext_lazy("%(count)s more reviews are waiting to be checked."),
    "stars": gettext_lazy("%(count)s stars"),
    "outOfFive": gettext_lazy("%(rating)s out of 5"),
    "noMatchingReviews": gettext_lazy("No reviews match these filters."),
    "reviewsShown": gettext_lazy("Showing %(shown)s of %(count)s"),
    "followUp": gettext_lazy("Follow-up"),
    "storeReply": gettext_lazy("Store's reply"),
    "edited": gettext_lazy("Edited"),
    "photoAlt": gettext_lazy("Photo %(n)s"),
    # reviews on my bookings
    "writeReview": gettext_lazy("Review"),
    "myReview": gettext_lazy("My review"),
    "reviewTags": gettext_lazy("What stood out (optional)"),
    "reviewText": gettext_lazy("Your words (optional)"),
    "reviewPhotos": gettext_lazy("Photos (optional, up to %(count)s)"),
    "charsLeft": gettext_lazy("%(count)s characters left"),
    "tooManyPhotos": gettext_lazy("At most %(count)s photos."),
    "rateAll": gettext_lazy("Give stars for all five."),
    "submitReview": gettext_lazy("Submit review"),
    "sending": gettext_lazy("Sending…"),
    "reviewSent": gettext_lazy("Thank you for your review."),
    "reviewSaved": gettext_lazy("Review changed."),
    "reviewHeld": gettext_lazy("Pending moderation"),
    "reviewHeldNote": gettext_lazy("It is shown on the store page once it has been checked."),
    "reviewHidden": gettext_lazy("Hidden by the platform"),
    "uploadingPhoto": gettext_lazy("Uploading photo %(n)s of %(count)s…"),
    "photoFailed": gettext_lazy("Photo %(name)s was not added: %(error)s"),
    "edit": gettext_lazy("Edit"),
    "editableUntil": gettext_lazy("Can be changed until %(time)s"),
    "saveChanges": gettext_lazy("Save changes"),
    "followUpText": gettext_lazy("How has the work held up?"),
    "submitFollowUp": gettext_lazy("Post follow-up"),
    "followUpSent": gettext_lazy("Follow-up posted."),
}


def _script_texts() -> dict[str, object]:
    return {
        **{key: str(text) for key, text in SCRIPT_TEXTS.items()},
        "status": {value: str(label) for value, label in BookingStatus.choices},
        "result": {value: str(label) for value, label in ChecklistResult.choices},
        "tags": {value: str(label) for value, label in Tag.choices},
        "dimensions": {name: str(capfirst(Review._meta.get_field(name).verbose_name)) for name in DIMENSIONS},
    }


def _script_config() -> dict[str, object]:
    return {
        # The provider payments are opened with: the sandbox where it is switched on (development, demos, tests).
        "payProvider": "sandbox" if settings.PAYMENT_SANDBOX_ENABLED else "alipay",
        # What reviews.services enforces, so the pages offer only what it would accept.
        "review": {
            "windowDays": settings.REVIEW_WINDOW_DAYS,
            "maxPhotos": MAX_PHOTOS,
            "textMax": TEXT_MAX,
            "followUpMax": FOLLOW_UP_MAX,
        },
    }


def _page(request: HttpRequest, template: str, **context) -> HttpResponse:
    return render(
        request,
        template,
        {
            "texts": _script_texts(),
            "config": _script_config(),
            "platform_timezone": settings.TIME_ZONE,
            **context,
        },
    )


def _opening_hours(store) -> list[tuple[str, str]]:
    """``[(days, hours)]``: the week's opening ranges, runs of weekdays with the same hours in one line
    (``("星期一 – 星期五", "09:00–12:00, 13:00–18:00")``); a day with no range is closed."""
    ranges: dict[int, list[str]] = {day: [] for day in range(7)}
    for row in store.opening_hours.all():
        if row.opens == row.closes:
            ranges[row.weekday].append(_("Open all day"))
        else:
            ranges[row.weekday].append(f"{row.opens:%H:%M}–{row.closes:%H:%M}")
    lines = []
    for hours, run in itertools.groupby(range(7), key=lambda day: tuple(ranges[day])):
        days = list(run)
        if len(days) == 7:
            label = _("Every day")
        elif len(days) == 1:
            label = str(WEEKDAYS[days[0]])
        else:
            label = f"{WEEKDAYS[days[0]]} – {WEEKDAYS[days[-1]]}"
        lines.append((label, ", ".join(hours) if hours else _("Closed")))
    return lines


def store_page(request: HttpRequest, store_id: int) -> HttpResponse:
    """A store owners may see: what it is, its itemized prices, the booking panel and its reviews."""
    try:
        store = store_get_public(store_id=store_id)
    except NotFound:
        raise Http404 from None
    quality = store_page_parts(store, {"quality": store_quality_record(store)})["quality"]
    reasons = dict(StatusReason.choices)
    quality["sanctions"] = [{**s, "reason": reasons.get(s["reason_category"], "")} for s in quality["sanctions"]]
    return _page(request, "cms/store_page.html", store=store, hours=_opening_hours(store), quality=quality)
