from django.conf import settings
from ninja import Body, Query, Router, Status

from accounts import selectors, services
from accounts.auth import session_end, token_auth
from accounts.schemas import (
    LogoutIn,
    RegisterIn,
    SmsCodeIn,
    SmsCodeOut,
    TokenIn,
    TokenOut,
    UserOut,
    VehicleIn,
    VehicleListOut,
    VehicleOut,
)
from chefu.http import client_ip
from chefu.pagination import PageParams, paginate
from chefu.schemas import AUTH, BODY, QUERY, THROTTLED, error_responses

auth_router = Router(tags=["accounts"])
me_router = Router(tags=["accounts"], auth=token_auth)


@auth_router.post(
    "/sms-code",
    response={202: SmsCodeOut, **error_responses(*BODY, 409, *THROTTLED)},
    summary="Send an SMS code",
)
def sms_code(request, payload: SmsCodeIn):
    """Send a 6-digit code by SMS to prove the phone is yours, for registering or for signing in. No token needed.
    Errors: 409 ``phone_taken`` (registering a phone that has an account); 422 ``validation_error`` (not a mobile
    number); 429 ``throttled`` (one a minute, a few a day per phone and address; ``Retry-After``)."""
    services.sms_code_send(phone=payload.phone, purpose=payload.purpose, ip=client_ip(request))
    return Status(202, {"expires_in": settings.SMS_CODE_TTL_S})


@auth_router.post(
    "/register",
    response={201: UserOut, **error_responses(*BODY, 409, *THROTTLED)},
    summary="Create an account",
)
def register(request, payload: RegisterIn):
    """A car owner's account for the phone, proved by the code ``POST /auth/sms-code`` sent (purpose
    ``register``). No token needed. Errors: 409 ``phone_taken``; 422 ``invalid_code``, ``validation_error`` (a weak
    password, a bad phone); 429 ``throttled``."""
    user = services.user_register(
        phone=payload.phone, code=payload.code, password=payload.password, name=payload.name, ip=client_ip(request)
    )
    return Status(201, user)


@auth_router.post(
    "/token",
    response={200: TokenOut, **error_responses(*BODY, 401, *THROTTLED)},
    summary="Sign in for a bearer token",
)
def token(request, payload: TokenIn):
    """A bearer token for the phone's password or an SMS code (purpose ``login``), one of them. No token needed.
    Errors: 401 ``invalid_credentials`` (wrong, unknown or inactive alike); 422 ``validation_error``; 429
    ``throttled`` (per phone and address, before the password is checked)."""
    issued = services.token_issue(
        phone=payload.phone,
        password=payload.password,
        code=payload.code,
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    return {"token": issued.token, "expires_at": issued.record.expires_at.isoformat(), "user": issued.record.user}


@auth_router.post(
    "/logout",
    auth=token_auth,
    response={204: None, **error_responses(*AUTH, *BODY)},
    summary="Sign out",
)
def logout(request, payload: Body[LogoutIn | None] = None):
    """Revoke the token used (or, with ``all: true``, every token of the user) and end the site's session.
    Errors: 401 ``not_authenticated``; 422 ``validation_error``."""
    services.user_sign_out(user=request.auth, token=request.api_token, everywhere=bool(payload and payload.all))
    session_end(request)
    return Status(204, None)


@me_router.post("/vehicles", response={201: VehicleOut, **error_responses(*AUTH, *BODY, 409)}, summary="Add a vehicle")
def vehicle_add(request, payload: VehicleIn):
    """One of the signed-in owner's cars, for quotes and bookings. Errors: 401 ``not_authenticated``; 409
    ``plate_taken``; 422 ``validation_error``."""
    return Status(201, services.vehicle_create(owner=request.auth, **payload.dict()))


@me_router.get(
    "/vehicles", response={200: VehicleListOut, **error_responses(*AUTH, *QUERY)}, summary="List my vehicles"
)
def vehicle_list(request, page: Query[PageParams]):
    """The signed-in user's vehicles, a page at a time. Errors: 401 ``not_authenticated``; 422
    ``validation_error`` (paging)."""
    return paginate(selectors.vehicle_list(owner=request.auth), page)


@me_router.put(
    "/vehicles/{vehicle_id}",
    response={200: VehicleOut, **error_responses(*AUTH, 404, *BODY, 409)},
    summary="Change a vehicle",
)
def vehicle_change(request, vehicle_id: int, payload: VehicleIn):
    """Replace the facts of one of the signed-in owner's cars (the same body and rules as adding one). Its bookings
    keep the prices they were quoted. Errors: 401 ``not_authenticated``; 404 ``not_found`` (not yours); 409
    ``plate_taken``; 422 ``validation_error``."""
    vehicle = selectors.vehicle_get_for_owner(owner=request.auth, vehicle_id=vehicle_id)
    return services.vehicle_update(vehicle=vehicle, **payload.dict())


@me_router.post(
    "/vehicles/{vehicle_id}/default",
    response={200: VehicleOut, **error_responses(*AUTH, 404, *QUERY)},
    summary="Make a vehicle my default",
)
def vehicle_default(request, vehicle_id: int):
    """Make one of the signed-in owner's cars their default: the car the store pages, the search and booking start
    with; the one before stops being it. Errors: 401 ``not_authenticated``; 404 ``not_found`` (not yours); 422
    ``validation_error`` (an id that is not a number)."""
    vehicle = selectors.vehicle_get_for_owner(owner=request.auth, vehicle_id=vehicle_id)
    return services.vehicle_set_default(vehicle=vehicle)


@me_router.delete(
    "/vehicles/{vehicle_id}",
    response={204: None, **error_responses(*AUTH, 404, 409, *QUERY)},
    summary="Remove a vehicle",
)
def vehicle_remove(request, vehicle_id: int):
    """Take one of the signed-in owner's cars off their list. Errors: 401 ``not_authenticated``; 404 ``not_found``
    (not yours); 409 ``vehicle_in_use`` (a booking was made for it: it stays); 422 ``validation_error`` (an id that
    is not a number)."""
    vehicle = selectors.vehicle_get_for_owner(owner=request.auth, vehicle_id=vehicle_id)
    services.vehicle_delete(vehicle=vehicle)
    return Status(204, None)
