"""The accounts pages: sign in (by SMS code or password), sign up (phone, SMS code, name, optional password), and
the owner's vehicles.

Signing in is the sign-in box every page mounts (``cms/_signin.html``, ``Chefu.mountAuth``: the JSON API's
``/auth/session``), sent on to ``?next=`` once it is signed in. Signing up is a plain form post to this module:
``accounts.services.user_register`` and then the same session sign-in the box gets (``accounts.auth.session_begin``),
so the new owner arrives signed in without a second code. The vehicles page works through the JSON API
(``/me/vehicles``, ``/catalog/vehicle-makes``); the server's rules it shows as hints (the plate's pattern, the model
years) are rendered into it from where the server keeps them.
"""

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.auth import session_begin
from accounts.validators import PLATE_RE, vehicle_year_bounds
from chefu.errors import ApplicationError
from chefu.http import client_ip
from cms.views import _page

# Texts accounts.js shows, beside the shared ones (cms.views.SCRIPT_TEXTS). ``%(name)s`` filled by Chefu.fmt.
ACCOUNT_TEXTS = {
    "codeSent": _("Code sent: valid for %(minutes)s minutes."),
    "resendIn": _("Resend in %(seconds)s s"),
    "chooseMake": _("Choose the make"),
    "otherMake": _("Another make…"),
    "chooseModel": _("Choose the model"),
    "otherModel": _("Another model…"),
    "chooseYear": _("Choose the year"),
    "plateHint": _("Enter a mainland licence plate such as 沪A12345 or the new-energy 沪AD12345."),
    "saving": _("Saving…"),
    "vehicleAdded": _("Car added."),
    "noVehicles": _("You have not added a car yet."),
    "newEnergy": _("New energy"),
    "mileage": _("%(km)s km"),
    "signInAgain": _("Your session has ended. Sign in again."),
    "edit": _("Edit"),
    "remove": _("Remove"),
    "removeConfirm": _("Remove this car?"),
    "removeYes": _("Yes, remove it"),
    "cancel": _("Cancel"),
    "removed": _("Car removed."),
    "changeCar": _("Change %(plate)s"),
    "saveChanges": _("Save changes"),
    "changesSaved": _("Changes saved."),
    "isDefault": _("Default"),
    "makeDefault": _("Make default"),
    "defaultSet": _("%(plate)s is now your default car: prices and bookings start with it."),
}

FIELD_NAMES = ("phone", "code", "name", "password")


class SignupForm(forms.Form):
    """What the page posts; the rules (the phone's form, the code, name and password) are the service's."""

    phone = forms.CharField(max_length=20)
    code = forms.CharField(max_length=10)
    name = forms.CharField(max_length=60)
    password = forms.CharField(max_length=128, required=False, strip=False)


def _next_url(request: HttpRequest, default: str) -> str:
    """Where to go once signed in: ``next`` from the query or the form when it is on this site, else ``default``."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def signin(request: HttpRequest) -> HttpResponse:
    """The sign-in box on a page of its own; a signed-in visitor goes straight on to ``next``."""
    next_url = _next_url(request, reverse("cms:my_vehicles"))
    if request.user.is_authenticated:
        return redirect(next_url)
    return _page(request, "cms/accounts/signin.html", next_url=next_url, account_texts=ACCOUNT_TEXTS)


def signup(request: HttpRequest) -> HttpResponse:
    """A car owner's account: the code ``POST /auth/sms-code`` sent (purpose register), a name, and a password if
    they want one. On success the browser is signed in and sent on to ``next``."""
    next_url = _next_url(request, reverse("cms:my_vehicles"))
    if request.user.is_authenticated:
        return redirect(next_url)
    form = SignupForm(request.POST or None)
    error_code = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_register(
                phone=data["phone"],
                code=data["code"],
                name=data["name"],
                password=data["password"] or None,
                ip=client_ip(request),
            )
        except ApplicationError as exc:
            error_code = exc.code
            fields = exc.details.get("fields") or {}
            for name, messages in fields.items():
                for message in messages:
                    form.add_error(name if name in FIELD_NAMES else None, message)
            if not fields:
                form.add_error("phone" if exc.code == "phone_taken" else None, str(exc.message))
        else:
            session_begin(request, user)
            return HttpResponseRedirect(next_url)
    response = _page(
        request,
        "cms/accounts/signup.html",
        form=form,
        error_code=error_code,
        next_url=next_url,
        account_texts=ACCOUNT_TEXTS,
    )
    if form.errors:
        response.status_code = 422
    return response


def my_vehicles(request: HttpRequest) -> HttpResponse:
    """The signed-in owner's cars and the form to add one, with the make → model → year picker."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('cms:signin')}?{urlencode({'next': request.get_full_path()})}")
    first_year, last_year = vehicle_year_bounds(timezone.localdate())
    config = {"plateRe": PLATE_RE, "years": {"min": first_year, "max": last_year}}
    return _page(
        request,
        "cms/accounts/vehicles.html",
        account_texts=ACCOUNT_TEXTS,
        account_config=config,
        first_year=first_year,
        last_year=last_year,
    )


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links (base.html links the SVG): send them to it."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
