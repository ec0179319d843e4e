"""The inspection's pages, rendered on the server (zh-hans first) for people signed in by the site's session; a
visitor gets the sign-in box, anyone else a 404.

- The inspector's report form (made for a tablet: the template's groups as sections, a result per item, readings,
  notes and photos, the computed grade and the override), reached from the shop floor for a consignment inspection.
  It posts back to itself and calls the same services as the API; once the booking completes it shows the published
  report read-only.
- The seller's "my cars": their listings, and each one's report (grade, defects first, photos, the passport).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.photos import AT_SHOP
from bookings.selectors import booking_access_check
from chefu.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from consignment.inspection import selectors, services
from consignment.inspection.exceptions import NotAnInspection
from consignment.inspection.grading import report_grading
from consignment.inspection.passport import passport_build
from consignment.inspection.schemas import grading_basis, listing_dict, report_dict
from consignment.inspection.template import BY_CODE, GROUP_NAMES, VERSION, grouped
from consignment.models import Grade, InspectionReport, ItemResult

# What the sign-in box's script says (cms/templates/cms/_signin.html, static/js/chefu.js), in the request's language.
SIGN_IN_TEXTS = {
    "signedInAs": gettext_lazy("Signed in as %(name)s"),
    "signingIn": gettext_lazy("Signing in…"),
    "signInFirst": gettext_lazy("Sign in first."),
    "sessionEnded": gettext_lazy("Your session has ended. Sign in again."),
    "network": gettext_lazy("The network is not answering. Try again."),
    "loading": gettext_lazy("Loading…"),
}
# The order defects are shown in: the worst first.
_SEVERITY = {ItemResult.MAJOR: 0, ItemResult.MINOR: 1}
MAX_PAGE_LISTINGS = 100


def signed_in_page(title: str | Callable[[], str]) -> Callable:
    """A page for people signed in: the sign-in box (titled ``title``) for a visitor."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                texts = {key: str(text) for key, text in SIGN_IN_TEXTS.items()}
                context = {"title": str(title), "texts": texts, "config": {}}
                return render(request, "consignment/inspection/signin.html", context)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def _result_choices() -> list[tuple[str, str]]:
    return [
        (ItemResult.OK, _("OK")),
        (ItemResult.MINOR, _("Minor")),
        (ItemResult.MAJOR, _("Major")),
        (ItemResult.NA, _("N/A")),
    ]


def _refusal(error: ApplicationError) -> str:
    return error.message


# --- the report, for reading ----------------------------------------------------------------------------------------


def basis_view(basis: dict) -> dict:
    """``grade_basis`` with the items named by their texts."""

    def texts(codes: list[str]) -> list[str]:
        return [str(BY_CODE[code].text) if code in BY_CODE else code for code in codes]

    return {**basis, **{key: texts(basis[key]) for key in ("repainted", "filler", "capped_by")}}


def report_view(report: dict) -> dict:
    """What the report's template shows of ``report_dict``/``dealer_report_dict``: the defects first (major, then
    minor), the critical checks, every item by group, and the labels in the request's language."""
    labels = dict(ItemResult.choices)
    names = {code: str(name) for code, name in GROUP_NAMES.items()}
    items = [
        {**item, "result_label": labels.get(item["result"], item["result"]), "group_name": names.get(item["group"], "")}
        for item in report["items"]
    ]
    defects = sorted(
        (i for i in items if i["result"] in _SEVERITY and not i["critical"]), key=lambda i: _SEVERITY[i["result"]]
    )
    groups = []
    for group, _items in grouped():
        rows = [i for i in items if i["group"] == group.code]
        if rows:
            groups.append({"name": str(group.name), "items": rows, "defects": sum(i in defects for i in rows)})
    return {
        **report,
        "grade_label": dict(Grade.choices).get(report["grade"], report["grade"]),
        "basis": basis_view(report["grade_basis"]),
        "items": items,
        "defects": defects,
        "critical": [i for i in items if i["critical"]],
        "groups": groups,
        "photo_count": sum(len(i["photos"]) for i in items) + len(report["photos"]),
    }


# --- the inspector's form -------------------------------------------------------------------------------------------


def _int(value: str, field: str, errors: dict) -> int:
    value = (value or "").strip().replace(",", "")
    if not value.isdigit() or len(value) > 9:
        errors[field] = _("Give a whole number.")
        return 0
    return int(value)


def _date(value: str, field: str, errors: dict) -> dt.date:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        errors[field] = _("Give a date.")
        return dt.date(1, 1, 1)


def _specs(form, errors: dict) -> tuple[list[services.ItemSpec], list[str]]:
    """The items the form answers, in template order, and their codes by position (to name refusals by item)."""
    specs, codes = [], []
    for _group, items in grouped():
        for item in items:
            result = form.get(f"result-{item.code}", "")
            if not result:
                continue
            reading_text = form.get(f"reading-{item.code}", "").strip().replace(",", ".")
            reading = None
            if reading_text:
                try:
                    reading = Decimal(reading_text)
                    if not reading.is_finite():
                        raise InvalidOperation
                except InvalidOperation:
                    errors[f"item:{item.code}"] = _("Give the reading as a number.")
                    reading = None
            note = form.get(f"note-{item.code}", "").replace("\x00", "")
            specs.append(services.ItemSpec(code=item.code, result=result, reading=reading, note=note))
            codes.append(item.code)
    return specs, codes


def _save(request: HttpRequest, booking_id: int) -> dict:
    """Save the posted draft, then its photos. Returns the refusals: by field (``vin``, ``item:<code>`` ...) and
    ``form`` for the page as a whole."""
    form = request.POST
    errors: dict[str, str] = {}
    vin = form.get("vin", "").replace("\x00", "")
    mileage = _int(form.get("mileage_km", ""), "mileage_km", errors)
    first_registered = _date(form.get("first_registered", ""), "first_registered", errors)
    transfers = _int(form.get("transfers", ""), "transfers", errors)
    specs, codes = _specs(form, errors)
    override = None
    if form.get("override_grade"):
        override = services.Override(
            grade=form.get("override_grade", ""), reason=form.get("override_reason", "").replace("\x00", "")
        )
    if errors:
        errors["form"] = _("The report was not saved: correct what is marked below.")
        return errors
    try:
        services.report_save(
            booking_id=booking_id,
            by=request.user,
            vin=vin,
            mileage_km=mileage,
            first_registered=first_registered,
            transfers=transfers,
            items=specs,
            summary=form.get("summary", "").replace("\x00", ""),
            grade_override=override,
        )
    except ValidationFailed as refused:
        for field, messages in refused.details.get("fields", {}).items():
            parts = field.split(".")
            if parts[0] == "items" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(codes):
                errors[f"item:{codes[int(parts[1])]}"] = messages[0]
            else:
                errors[field.replace("grade_override.", "override_")] = messages[0]
        errors["form"] = _("The report was not saved: correct what is marked below.")
        return errors
    except ApplicationError as refused:
        return {"form": _refusal(refused)}
    for code in ["", *(item.code for _g, items in grouped() for item in items)]:
        for upload in request.FILES.getlist(f"photo-{code or 'car'}"):
            try:
                services.report_photo_add(booking_id=booking_id, by=request.user, upload=upload, item_code=code)
            except ApplicationError as refused:
                errors[f"item:{code}" if code else "photos"] = _refusal(refused)
    if errors:
        errors["form"] = _("The report was saved, but some photos were not kept.")
    return errors


def _form_rows(report: InspectionReport | None, posted, errors: dict) -> list[dict]:
    """Each group with its items and what the form shows for them: the posted values after a refusal, the saved
    draft's otherwise."""
    saved = {i.code: i for i in report.items.all()} if report else {}
    photos: dict[str, list] = {}
    for photo in report.photos.all() if report else []:
        photos.setdefault(photo.item_code, []).append(photo)
    groups = []
    for group, items in grouped():
        rows = []
        for item in items:
            answer = saved.get(item.code)
            if posted is not None:
                result = posted.get(f"result-{item.code}", "")
                reading = posted.get(f"reading-{item.code}", "")
                note = posted.get(f"note-{item.code}", "")
            else:
                result = answer.result if answer else ""
                reading = "" if answer is None or answer.reading is None else f"{answer.reading.normalize():f}"
                note = answer.note if answer else ""
            rows.append(
                {
                    "item": item,
                    "text": str(item.text),
                    "result": result,
                    "reading": reading,
                    "note": note,
                    "photos": photos.get(item.code, []),
                    "error": errors.get(f"item:{item.code}", ""),
                    "missing": posted is not None and not result,
                }
            )
        groups.append({"code": group.code, "name": str(group.name), "rows": rows})
    return groups


FIELDS = ("vin", "mileage_km", "first_registered", "transfers", "summary", "override_grade", "override_reason")


def _values(report: InspectionReport | None, booking, posted) -> dict:
    """What the form's fields show: the posted values after a refusal, the saved draft's, or what the booking's car
    already tells (its VIN and mileage as its owner gave them) before the first save."""
    if posted is not None:
        return {field: posted.get(field, "") for field in FIELDS}
    if report is None:
        return dict.fromkeys(FIELDS, "") | {"vin": booking.vehicle.vin, "mileage_km": booking.vehicle.mileage_km or ""}
    overridden = report.grade != report.grade_computed
    return {
        "vin": report.vin,
        "mileage_km": report.mileage_km,
        "first_registered": report.first_registered.isoformat(),
        "transfers": report.transfers,
        "summary": report.summary,
        "override_grade": report.grade if overridden else "",
        "override_reason": report.grade_override_reason,
    }


@signed_in_page(gettext_lazy("Inspection report"))
def inspection_form(request: HttpRequest, booking_id: int) -> HttpResponse:
    """The report of a consignment inspection booking for its store's staff: the form while it is a draft (managers
    and technicians write; advisors read), the published report once the booking has completed."""
    try:
        booking = selectors.inspection_booking_get(user=request.user, booking_id=booking_id)
    except (NotFound, PermissionDenied, NotAnInspection):
        raise Http404 from None
    try:
        booking_access_check(user=request.user, booking_id=booking_id, roles=services.INSPECTOR_ROLES)
        may_write = True
    except PermissionDenied:
        may_write = False
    report = selectors.report_get_for_staff(user=request.user, booking_id=booking_id)
    errors, posted = {}, None
    if request.method == "POST" and may_write and not (report and report.published_at):
        errors = _save(request, booking_id)
        if not errors:
            return HttpResponseRedirect(reverse("consignment:inspection_form", args=[booking_id]) + "?saved=1")
        posted = request.POST
        report = selectors.report_get_for_staff(user=request.user, booking_id=booking_id)
    published = bool(report and report.published_at)
    context = {
        "booking": booking,
        "report": report,
        "published": published,
        "may_write": may_write and not published and booking.status in AT_SHOP,
        "errors": errors,
        "saved": request.GET.get("saved") == "1" and not errors,
        "template_version": VERSION,
        "choices": _result_choices(),
        "grades": Grade.choices,
        "passport": None,
    }
    if published:
        context["view"] = report_view(report_dict(report))
    else:
        context["groups"] = _form_rows(report, posted, errors)
        context["basis"] = basis_view(grading_basis(report_grading(report))) if report else None
        context["values"] = _values(report, booking, posted)
        if report:
            passport = passport_build(vin=report.vin, plate=report.plate, exclude_booking_id=booking.pk)
            context["passport"] = report_dict(report, passport=passport)["passport"]
    return render(request, "consignment/inspection/form.html", context)


# --- the seller's pages ---------------------------------------------------------------------------------------------


def _listing(listing) -> dict:
    return {**listing_dict(listing), "status_label": listing.get_status_display()}


@signed_in_page(gettext_lazy("My cars for sale"))
def my_listings(request: HttpRequest) -> HttpResponse:
    """The seller's listings, the newest first."""
    listings = selectors.listing_list_for_seller(user=request.user)[:MAX_PAGE_LISTINGS]
    return render(request, "consignment/inspection/my_listings.html", {"listings": [_listing(x) for x in listings]})


@signed_in_page(gettext_lazy("My cars for sale"))
def listing_page(request: HttpRequest, listing_id: int) -> HttpResponse:
    """One of the seller's listings with its report: 404 for anyone else's."""
    try:
        listing = selectors.listing_get_for_seller(user=request.user, listing_id=listing_id)
    except NotFound:
        raise Http404 from None
    return render(
        request,
        "consignment/inspection/listing.html",
        {"listing": _listing(listing), "view": report_view(report_dict(listing.report))},
    )
