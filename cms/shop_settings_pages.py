"""The rest of the shop console: the price list with its versions, the hours, closures and booking rules, and the
settlements with their CSV export. Each page is about one store (``?store=``, else the first the user works at).
The view checks the user's tie and role there as the API does (no tie: 404; a role not enough: 403, said on the
page), then the page's script does the work through the partner API."""

import csv
import io

from django.http import HttpRequest, HttpResponse
from django.utils.dates import WEEKDAYS
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.models import BookingPolicy
from bookings.partner_schemas import BookingPolicyIn
from chefu.errors import NotFound, PermissionDenied
from cms.views import _page
from payments.models import StatementStatus
from payments.settlements import statement_list
from reviews.models import REPLY_MAX
from stores.selectors import MANAGER_ROLES, STAFF_ROLES, membership_list_for_user, store_access_check, store_get

SETTINGS_TEXTS = {
    "labour": gettext_lazy("Labour"),
    "parts": gettext_lazy("Parts"),
    "total": gettext_lazy("Total"),
    "duration": gettext_lazy("Duration (min)"),
    "minutes": gettext_lazy("%(n)s min"),
    "version": gettext_lazy("Version %(n)s"),
    "current": gettext_lazy("In force"),
    "updated": gettext_lazy("Changed %(time)s"),
    "by": gettext_lazy("by %(name)s"),
    "band": gettext_lazy("City reference: %(p25)s – %(p75)s, median %(median)s"),
    "noBand": gettext_lazy("No city reference yet"),
    "aboveBand": gettext_lazy("Above the city's usual range"),
    "belowBand": gettext_lazy("Below the city's usual range"),
    "inBand": gettext_lazy("Within the city's usual range"),
    "editPrice": gettext_lazy("Edit price"),
    "history": gettext_lazy("Version history"),
    "hideHistory": gettext_lazy("Hide history"),
    "sku": gettext_lazy("Part SKU"),
    "qty": gettext_lazy("Qty"),
    "unitPrice": gettext_lazy("Unit price"),
    "addPart": gettext_lazy("Add a part"),
    "remove": gettext_lazy("Remove"),
    "save": gettext_lazy("Save as a new version"),
    "cancel": gettext_lazy("Cancel"),
    "saved": gettext_lazy("Saved: %(service)s is now %(total)s (version %(n)s)."),
    "noPrices": gettext_lazy("The store has no prices yet."),
    "addService": gettext_lazy("Price another service"),
    "chooseService": gettext_lazy("Choose a service"),
    "closedDay": gettext_lazy("Closed"),
    "addRange": gettext_lazy("Add hours"),
    "opens": gettext_lazy("Opening time"),
    "closes": gettext_lazy("Closing time"),
    "hoursSaved": gettext_lazy("Opening hours saved."),
    "closureAdded": gettext_lazy("Closure added."),
    "noClosures": gettext_lazy("No closures ahead."),
    "wholeStore": gettext_lazy("The whole store"),
    "deleteClosure": gettext_lazy("Delete"),
    "deleteClosureQuestion": gettext_lazy("Delete this closure? The time it still holds can be booked again."),
    "confirmDelete": gettext_lazy("Yes, delete it"),
    "closureDeleted": gettext_lazy("Closure deleted."),
    "policySaved": gettext_lazy("Booking rules saved."),
    "noStatements": gettext_lazy("No statements yet."),
    "more": gettext_lazy("More"),
    "replyLabel": gettext_lazy("Reply publicly"),
    "sendReply": gettext_lazy("Send the reply"),
    "replySent": gettext_lazy("Reply published."),
    "replyHeld": gettext_lazy("Reply sent: it is shown once QA has checked it."),
    "replyHidden": gettext_lazy("The platform hid the store's reply."),
    "report": gettext_lazy("Report to QA"),
    "reportReason": gettext_lazy("Why should QA look at this review?"),
    "sendReport": gettext_lazy("Send the report"),
    "reported": gettext_lazy("Reported: QA will look at it."),
    "noReviews": gettext_lazy("No reviews yet."),
}

_REFUSALS = {
    "prices": gettext_lazy("Only the store's managers may change its prices."),
    "settings": gettext_lazy("Only the store's managers may change its hours, closures and booking rules."),
    "settlements": gettext_lazy("Only the store's managers may see its settlements."),
    "reviews": gettext_lazy("Only the store's staff may answer its reviews."),
}


def _policy_fields() -> list[dict]:
    """The booking rules' inputs: each field's label (the model's) and bounds (the API's schema), so the form
    offers what ``PUT /partner/stores/{id}/booking-policy`` accepts."""
    fields = []
    for name, field in BookingPolicyIn.model_fields.items():
        bounds = {}
        for rule in field.metadata:
            if getattr(rule, "ge", None) is not None:
                bounds["min"] = str(rule.ge)
            if getattr(rule, "le", None) is not None:
                bounds["max"] = str(rule.le)
        label = capfirst(BookingPolicy._meta.get_field(name).verbose_name)
        fields.append(
            {"name": name, "label": str(label), "step": "0.01" if name == "cancel_fee_pct" else "1", **bounds}
        )
    return fields


def _store_for(request: HttpRequest, roles: tuple[str, ...]) -> tuple[dict, int]:
    """The page's store as ``{id, name, role}`` (or a refusal) and the status to answer. ``?store=`` names it;
    without it, the first store where the user's role is enough, else the first they work at."""
    memberships = list(membership_list_for_user(user=request.user))
    wanted = request.GET.get("store", "")
    if wanted:
        if not (wanted.isascii() and wanted.isdigit()) or len(wanted) > 12:
            return {"refusal": _("No such store among yours.")}, 404
        store_id = int(wanted)
    else:
        fitting = [m for m in memberships if m.role in roles] or memberships
        if not fitting:
            return {"refusal": _("You are not staff of any store.")}, 200
        store_id = fitting[0].store_id
    try:
        role = store_access_check(user=request.user, store_id=store_id, roles=roles)
        store = store_get(store_id=store_id)
    except NotFound:
        return {"refusal": _("No such store among yours.")}, 404
    except PermissionDenied:
        return {"refusal": None, "id": store_id}, 403
    return {"id": store.id, "name": store.name, "role": role or "admin", "timezone": store.timezone}, 200


def _shop_page(request: HttpRequest, template: str, *, section: str, roles: tuple[str, ...], **script) -> HttpResponse:
    stores = []
    store: dict = {}
    status = 200
    if request.user.is_authenticated:
        stores = [{"id": m.store_id, "name": m.store.name} for m in membership_list_for_user(user=request.user)]
        store, status = _store_for(request, roles)
        if status == 403:
            store["refusal"] = str(_REFUSALS[section])
    response = _page(
        request,
        template,
        section=section,
        store_query=f"?store={store['id']}" if store.get("id") else "",
        stores=stores,
        store=store,
        shop={
            "store": store if store.get("id") and "refusal" not in store else None,
            "texts": {key: str(text) for key, text in SETTINGS_TEXTS.items()},
            **script,
        },
    )
    response.status_code = status
    return response


def partner_prices(request: HttpRequest) -> HttpResponse:
    """The store's price list: each service's labour and parts, the city band beside it, edits and versions."""
    return _shop_page(request, "cms/shop/prices.html", section="prices", roles=MANAGER_ROLES)


def partner_settings(request: HttpRequest) -> HttpResponse:
    """The store's opening hours, closures and booking rules."""
    return _shop_page(
        request,
        "cms/shop/settings.html",
        section="settings",
        roles=MANAGER_ROLES,
        weekdays=[str(WEEKDAYS[day]) for day in range(7)],
        policy=_policy_fields(),
    )


def partner_settlements(request: HttpRequest) -> HttpResponse:
    """The store's settlement statements, and the link to them as CSV."""
    return _shop_page(
        request,
        "cms/shop/settlements.html",
        section="settlements",
        roles=MANAGER_ROLES,
        statementStatus={value: str(label) for value, label in StatementStatus.choices},
    )


def partner_reviews(request: HttpRequest) -> HttpResponse:
    """The store's reviews, each with the reply box (one public reply) and a report to QA; any staff role, as the
    API lets them."""
    return _shop_page(request, "cms/shop/reviews.html", section="reviews", roles=STAFF_ROLES, replyMax=REPLY_MAX)


def partner_settlements_csv(request: HttpRequest) -> HttpResponse:
    """Every statement of the store as CSV, UTF-8 with a BOM so that Excel reads the Chinese headers."""
    if not request.user.is_authenticated:
        return HttpResponse(_("Sign in with your store account."), status=401, content_type="text/plain")
    store, status = _store_for(request, MANAGER_ROLES)
    if status != 200 or "refusal" in store:
        message = store.get("refusal") or str(_REFUSALS["settlements"])
        return HttpResponse(message, status=status if status != 200 else 404, content_type="text/plain")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            _("Period start"),
            _("Period end"),
            _("Gross"),
            _("Commission"),
            _("Refunds"),
            _("Rework charges"),
            _("Net"),
            _("Status"),
        ]
    )
    for row in statement_list(store=store_get(store_id=store["id"])):
        writer.writerow(
            [
                row.period_start.isoformat(),
                row.period_end.isoformat(),
                f"{row.gross:.2f}",
                f"{row.commission:.2f}",
                f"{row.refunds:.2f}",
                f"{row.rework:.2f}",
                f"{row.net:.2f}",
                row.get_status_display(),
            ]
        )
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="settlements-{store["id"]}.csv"'
    return response
