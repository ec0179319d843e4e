"""Joining as a partner store: the application form (the shop, where it is, its bays, its hours) and what became of
the user's applications, through ``POST`` and ``GET /partner/applications``. QA decides them on its console."""

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from catalog.selectors import category_list
from cms.views import _page
from stores.models import ApplicationStatus

APPLY_TEXTS = {
    "statusLabel": {
        ApplicationStatus.SUBMITTED: _("Under review"),
        ApplicationStatus.APPROVED: _("Approved"),
        ApplicationStatus.REJECTED: _("Not approved"),
    },
    "submittedAt": _("Sent %(time)s"),
    "reviewedAt": _("Decided %(time)s"),
    "waiting": _("QA is checking your application; you will get an SMS when it is decided."),
    "approved": _("Approved: the store is yours to run."),
    "openConsole": _("Open the shop console"),
    "rejected": _("Not approved: %(reason)s"),
    "applyAgain": _("You can correct it and apply again below."),
    "noApplications": _("You have not applied yet."),
    "bay": _("Bay %(n)s"),
    "bayName": _("Bay name"),
    "removeBay": _("Remove this bay"),
    "locating": _("Finding the address…"),
    "located": _("Located: %(address)s"),
    "notLocated": _("The address was not found: check it, or use your location at the shop."),
    "hereLocated": _("Located where you are now."),
    "noGeolocation": _("Your browser could not tell where you are."),
    "needLocation": _("Locate the shop first: from its address or where you stand."),
    "needCategory": _("Choose at least one kind of work."),
    "sending": _("Sending…"),
    "sent": _("Application sent. QA will check it."),
}


def _texts(value):
    return {key: str(text) for key, text in value.items()} if isinstance(value, dict) else str(value)


def partner_apply(request: HttpRequest) -> HttpResponse:
    """A shop's application to join, and the status of the user's applications (signed-in users only)."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('cms:signin')}?{urlencode({'next': request.get_full_path()})}")
    categories = [{"code": c.code, "name": c.name} for c in category_list()]
    return _page(
        request,
        "cms/shop/apply.html",
        categories=categories,
        weekdays=[(day, WEEKDAYS[day]) for day in range(7)],
        apply={
            "categories": categories,
            "texts": {key: _texts(value) for key, value in APPLY_TEXTS.items()},
        },
    )
