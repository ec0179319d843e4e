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

auth_router = Router(tags=["accounts"])
me_router = Router(tags=["accounts"], auth=token_auth)


@auth_router.post("/sms-code", response={202: SmsCodeOut})
def sms_code(request, payload: SmsCodeIn):
    """Send a 6-digit code by SMS to prove the phone is yours, for registering or for signing in."""
    services.sms_code_send(phone=payload.phone, purpose=payload.purpose, ip=client_ip(request))
    return Status(202, {"expires_in": settings.SMS_CODE_TTL_S})


@auth_router.post("/register", response={201: UserOut})
def register(request, payload: RegisterIn):
    user = services.user_register(
        phone=payload.phone, code=payload.code, password=payload.password, name=payload.name, ip=client_ip(request)
    )
    return Status(201, user)


@auth_router.post("/token", response=TokenOut)
def token(request, payload: TokenIn):
    issued = services.token_issue(
        phone=payload.phone,
        password=payload.password,
        code=payload.code,
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    return {"token": issued.token, "expires_at": issued.record.expires_at.isoformat(), "user": issued.record.user}


@auth_router.post("/logout", auth=token_auth, response={204: None})
def logout(request, payload: Body[LogoutIn | None] = None):
    services.user_sign_out(user=request.auth, token=request.api_token, everywhere=bool(payload and payload.all))
    session_end(request)
    return Status(204, None)


@me_router.post("/vehicles", response={201: VehicleOut})
def vehicle_add(request, payload: VehicleIn):
    return Status(201, services.vehicle_create(owner=request.auth, **payload.dict()))


@me_router.get("/vehicles", response=VehicleListOut)
def vehicle_list(request, page: Query[PageParams]):
    return paginate(selectors.vehicle_list(owner=request.auth), page)
