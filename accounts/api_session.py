"""``/auth/session``: the site's pages sign in and out with Django's session cookie, under CSRF."""

from django.middleware.csrf import get_token
from ninja import Field, Router, Schema, Status

from accounts.auth import csrf_check
from accounts.schemas import UserOut
from accounts.sessions import session_sign_in, session_sign_out

session_router = Router(tags=["accounts"])


class SessionIn(Schema):
    phone: str = Field(..., max_length=20)
    password: str = Field(..., max_length=128)


class SessionOut(Schema):
    user: UserOut
    csrf_token: str = Field(..., description="The CSRF token signing in rotated, for the next unsafe request.")


@session_router.post("/session", response=SessionOut, auth=None)
def session_create(request, payload: SessionIn):
    """Sign the browser in: sets the HttpOnly session cookie. Needs ``X-CSRFToken`` (403 ``csrf_failed``)."""
    csrf_check(request)
    user = session_sign_in(request=request, phone=payload.phone, password=payload.password)
    return {"user": user, "csrf_token": get_token(request)}


@session_router.delete("/session", response={204: None}, auth=None)
def session_delete(request):
    """Sign the browser out. Needs ``X-CSRFToken`` (403 ``csrf_failed``)."""
    csrf_check(request)
    session_sign_out(request=request)
    return Status(204, None)
