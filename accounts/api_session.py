"""``/auth/session``: the site's pages sign in and out with Django's session cookie, under CSRF."""

from django.middleware.csrf import get_token
from ninja import Field, Router, Schema, Status

from accounts import services
from accounts.auth import csrf_check, session_begin, session_end
from accounts.schemas import UserOut
from chefu.http import client_ip
from chefu.schemas import BODY, THROTTLED, error_responses

session_router = Router(tags=["accounts"])


class SessionIn(Schema):
    """The password or an SMS code (POST /auth/sms-code, purpose login): one of them, as for POST /auth/token."""

    phone: str = Field(..., max_length=20)
    password: str | None = Field(None, max_length=128)
    code: str | None = Field(None, max_length=10)


class SessionOut(Schema):
    user: UserOut
    csrf_token: str = Field(..., description="The CSRF token signing in rotated, for the next unsafe request.")


@session_router.post(
    "/session",
    response={200: SessionOut, **error_responses(*BODY, 401, 403, *THROTTLED)},
    auth=None,
    summary="Sign the browser in",
)
def session_create(request, payload: SessionIn):
    """Sign the browser in with the password or an SMS code: sets the HttpOnly session cookie. Needs
    ``X-CSRFToken``. Errors: 401 ``invalid_credentials``; 403 ``csrf_failed``; 422 ``validation_error``; 429
    ``throttled``."""
    csrf_check(request)
    user = services.user_authenticate(
        phone=payload.phone, password=payload.password, code=payload.code, ip=client_ip(request)
    )
    session_begin(request, user)
    return {"user": user, "csrf_token": get_token(request)}


@session_router.delete(
    "/session", response={204: None, **error_responses(403)}, auth=None, summary="Sign the browser out"
)
def session_delete(request):
    """Sign the browser out. Needs ``X-CSRFToken``. Errors: 403 ``csrf_failed``."""
    csrf_check(request)
    session_end(request)
    return Status(204, None)
