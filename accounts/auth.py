"""API authentication: a bearer token (API clients) or Django's session (the site's pages), and role checks.

A request that carries an ``Authorization`` header is judged by it alone: a bad token is a 401 even when a session
cookie rides along, and a bearer request needs no CSRF token (a browser never adds the header by itself). A request
without one falls back to the session the pages sign in to (:mod:`accounts.api_session`); its unsafe methods must
then pass Django's CSRF check (``X-CSRFToken`` matching the ``csrftoken`` cookie, and the origin checks), because
the browser sends that cookie with every request, a forged one included.
"""

from django.contrib.auth import login, logout
from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.utils import check_csrf

from accounts.exceptions import CsrfFailed
from accounts.models import Role, User
from accounts.services import token_authenticate
from chefu.errors import PermissionDenied

SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


class TokenOrSessionAuth(HttpBearer):
    """The bearer scheme in the OpenAPI document; the session works beside it for the pages.

    Sets ``request.api_token`` to the token's record, or to None for a session request."""

    def __call__(self, request: HttpRequest) -> User | None:
        if request.headers.get(self.header):
            return super().__call__(request)
        return session_user(request, csrf=True)

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        record = token_authenticate(token=token)
        if record is None:
            return None
        request.api_token = record
        return record.user


def session_user(request: HttpRequest, *, csrf: bool) -> User | None:
    """The user signed in to the request's session, or None. With ``csrf``, an unsafe method that fails Django's
    CSRF check raises :class:`CsrfFailed` (only for a signed-in session: without one there is nothing to forge)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if csrf:
        csrf_check(request)
    request.api_token = None
    return user


def csrf_check(request: HttpRequest) -> None:
    """Raise :class:`CsrfFailed` unless the request is safe or passes Django's CSRF check."""
    if request.method in SAFE_METHODS:
        return
    if check_csrf(request) is not None:
        raise CsrfFailed()


def session_begin(request: HttpRequest, user: User) -> None:
    """Sign the request's session in as ``user`` (whom a service has authenticated): a new session key and a new CSRF
    token (``django.contrib.auth.login``)."""
    login(request, user, backend="accounts.backends.ThrottledPhoneBackend")


def session_end(request: HttpRequest) -> None:
    """End the request's page session (its data flushed), if it came with one: a bearer request has none to end.
    Harmless when nobody is signed in."""
    if getattr(request, "api_token", None) is None:
        logout(request)


def request_user(request: HttpRequest) -> User | None:
    """Who is asking, for plain Django views of safe requests (a photo): the bearer token's user when the request
    carries one, else the session's. None for nobody or a bad token."""
    if request.headers.get(token_auth.header):
        return token_auth(request)
    return session_user(request, csrf=False)


token_auth = TokenOrSessionAuth()


def require_role(user: User, *roles: str) -> None:
    """Raise 403 unless the user holds one of ``roles`` (``admin`` holds them all)."""
    if Role.ADMIN in user.roles or any(role in user.roles for role in roles):
        return
    raise PermissionDenied()
