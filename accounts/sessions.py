"""Signing in and out of the site's pages with Django's session (the API's clients use bearer tokens instead).

The pages' scripts never hold a credential: the session cookie is HttpOnly, and unsafe API requests made with it
need the CSRF token (:mod:`accounts.auth`).
"""

from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest

from accounts.exceptions import InvalidCredentials
from accounts.models import User

# Where accounts.backends.ThrottledPhoneBackend leaves the Throttled it met: django.contrib.auth.authenticate()
# turns it into a plain "no user", but the page should say "try later", not "wrong password".
THROTTLED_ATTR = "login_throttled"


def session_sign_in(*, request: HttpRequest, phone: str, password: str) -> User:
    """Check the credentials through ``django.contrib.auth.authenticate`` (so through the throttled backend: 429
    ``throttled`` past the limits) and sign the request's session in as that user: a new session key and a new CSRF
    token (``django.contrib.auth.login``). Wrong or unknown: :class:`InvalidCredentials`."""
    user = authenticate(request, phone=phone, password=password)
    if user is None:
        throttled = getattr(request, THROTTLED_ATTR, None)
        if throttled is not None:
            raise throttled
        raise InvalidCredentials()
    login(request, user)
    return user


def session_sign_out(*, request: HttpRequest) -> None:
    """End the request's session (its data is flushed); harmless when nobody is signed in."""
    logout(request)
