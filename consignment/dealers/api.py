"""Dealer endpoints (API.md, Used-car consignment): ``/dealers`` for the dealer, ``/qa/dealers`` for QA. Mounted by
``web/api.py`` (they live outside /consignment). ``POST /dealers/deposit`` comes with the payments integration."""

from django.conf import settings
from ninja import Query, Router, Status

from accounts.auth import token_auth
from chefu.idempotency import idempotent_remote
from chefu.pagination import PageParams, paginate
from chefu.schemas import AUTH, BODY, QUERY, error_responses
from consignment.dealers import deposits, selectors, services
from consignment.dealers.schemas import (
    DealerApplyIn,
    DealerDepositPayIn,
    DealerListParams,
    DealerOut,
    DealerReasonIn,
    DealerVerifyIn,
    QaDealerDetailOut,
    QaDealerListOut,
    dealer_dict,
    qa_dealer_dict,
)
from payments.schemas import PaymentCreatedOut, payment_created_dict
from payments.services import payment_checkout

dealers_router = Router(tags=["consignment"], auth=token_auth)
qa_dealers_router = Router(tags=["qa"], auth=token_auth)


def _own(dealer) -> dict:
    return dealer_dict(dealer, deposit_required=settings.CONSIGNMENT_DEALER_DEPOSIT)


def _qa_detail(request, dealer_id: int) -> dict:
    dealer = selectors.dealer_for_qa(user=request.auth, dealer_id=dealer_id)
    return qa_dealer_dict(dealer, deposit_required=settings.CONSIGNMENT_DEALER_DEPOSIT, events=True)


@dealers_router.post(
    "/apply",
    response={201: DealerOut, **error_responses(*AUTH, *BODY, 409)},
    summary="Apply as a used-car dealer",
)
def dealer_apply(request, payload: DealerApplyIn):
    """Any signed-in user applies with the company and its business licence number; QA verifies the application,
    which gives the user the ``dealer`` role. Bidding also needs the deposit held. A rejected applicant may apply
    again. Errors: 401 ``not_authenticated``; 409 ``dealer_exists`` (pending, verified or suspended already),
    ``license_taken``; 422 ``validation_error``."""
    dealer = services.dealer_apply(user=request.auth, company=payload.company, license_no=payload.license_no)
    return Status(201, _own(dealer))


@dealers_router.get("/me", response={200: DealerOut, **error_responses(*AUTH, 404)}, summary="My dealer account")
def dealer_me(request):
    """The caller's dealer account: its status, its deposit, and whether it may bid. Errors: 401
    ``not_authenticated``; 404 ``not_found`` (never applied)."""
    return _own(selectors.dealer_get_own(user=request.auth))


@dealers_router.post(
    "/deposit",
    response={201: PaymentCreatedOut, **error_responses(*AUTH, *BODY, 404, 409, 502)},
    summary="Pay my dealer deposit",
)
def dealer_deposit_pay(request, payload: DealerDepositPayIn):
    """Open a payment of the deposit (default ¥5,000) with a provider, answered like ``POST /bookings/{id}/pay``:
    the URL to pay at. Once the money arrives the deposit is held, and a verified dealer may bid. A dealer who
    applied (verified or not). Errors: 401 ``not_authenticated``; 404 ``not_found`` (no dealer account); 409
    ``deposit_held``, ``invalid_transition`` (a rejected application), ``already_paid`` (the money has arrived and
    is being recorded), ``payment_closed``, ``idempotency_in_progress``; 422 ``validation_error``,
    ``idempotency_key_reused``; 502 ``payment_provider_unavailable``. ``Idempotency-Key`` as for a booking's
    payment."""

    def reserve():
        return deposits.dealer_deposit_pay(user=request.auth, provider=payload.provider)

    def finish(payment):
        return 201, payment_created_dict(payment_checkout(payment=payment))

    return idempotent_remote(request, scope="POST /dealers/deposit", reserve=reserve, finish=finish)


@qa_dealers_router.get(
    "/dealers",
    response={200: QaDealerListOut, **error_responses(*AUTH, 403, *QUERY)},
    summary="Dealer accounts and applications (QA)",
)
def qa_dealer_list(request, params: Query[DealerListParams]):
    """Dealer accounts of one ``status`` (``applied``: the applications to decide) or all, oldest first, with the
    user who applied. QA only. Errors: 401 ``not_authenticated``; 403 ``permission_denied``; 422
    ``validation_error``."""
    queryset = selectors.dealers_for_qa(user=request.auth, status=params.status)
    page = paginate(queryset, PageParams(limit=params.limit, offset=params.offset))
    deposit = settings.CONSIGNMENT_DEALER_DEPOSIT
    return {"items": [qa_dealer_dict(d, deposit_required=deposit) for d in page["items"]], "count": page["count"]}


@qa_dealers_router.get(
    "/dealers/{int:dealer_id}",
    response={200: QaDealerDetailOut, **error_responses(*AUTH, 403, 404)},
    summary="A dealer with its history (QA)",
)
def qa_dealer_detail(request, dealer_id: int):
    """One dealer account with every change (who, when, why), deposit movements included. QA only."""
    return _qa_detail(request, dealer_id)


@qa_dealers_router.post(
    "/dealers/{int:dealer_id}/verify",
    response={200: QaDealerDetailOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Verify a dealer (QA)",
)
def qa_dealer_verify(request, dealer_id: int, payload: DealerVerifyIn | None = None):
    """applied → verified: the user gets the ``dealer`` role and may bid once the deposit is held. QA only. Errors:
    401 ``not_authenticated``; 403 ``permission_denied``; 404 ``not_found``; 409 ``invalid_transition``; 422
    ``validation_error``."""
    services.dealer_verify(dealer_id=dealer_id, by=request.auth, reason=payload.reason if payload else "")
    return _qa_detail(request, dealer_id)


@qa_dealers_router.post(
    "/dealers/{int:dealer_id}/reject",
    response={200: QaDealerDetailOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Reject a dealer's application (QA)",
)
def qa_dealer_reject(request, dealer_id: int, payload: DealerReasonIn):
    """applied → rejected, with the reason the applicant is told. QA only. Errors as for verify."""
    services.dealer_reject(dealer_id=dealer_id, by=request.auth, reason=payload.reason)
    return _qa_detail(request, dealer_id)


@qa_dealers_router.post(
    "/dealers/{int:dealer_id}/suspend",
    response={200: QaDealerDetailOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Suspend a dealer (QA)",
)
def qa_dealer_suspend(request, dealer_id: int, payload: DealerReasonIn):
    """verified → suspended, with a reason: from then on every bid of theirs is refused (403
    ``dealer_not_verified``). QA only. Errors as for verify."""
    services.dealer_suspend(dealer_id=dealer_id, by=request.auth, reason=payload.reason)
    return _qa_detail(request, dealer_id)


@qa_dealers_router.post(
    "/dealers/{int:dealer_id}/reinstate",
    response={200: QaDealerDetailOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Lift a dealer's suspension (QA)",
)
def qa_dealer_reinstate(request, dealer_id: int, payload: DealerReasonIn):
    """suspended → verified, with a reason. QA only. Errors as for verify."""
    services.dealer_reinstate(dealer_id=dealer_id, by=request.auth, reason=payload.reason)
    return _qa_detail(request, dealer_id)


@qa_dealers_router.post(
    "/dealers/{int:dealer_id}/deposit/return",
    response={200: QaDealerDetailOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Return a dealer's deposit (QA)",
)
def qa_dealer_deposit_return(request, dealer_id: int, payload: DealerReasonIn):
    """A dealer leaving: the deposit is returned (refunded in full to whoever paid it) and the dealer cannot bid,
    with the reason the dealer is told. QA only. Errors: 401 ``not_authenticated``; 403 ``permission_denied``; 404
    ``not_found``; 409 ``deposit_in_use`` (the dealer leads an open auction or has a deal in progress),
    ``invalid_transition`` (no deposit held); 422 ``validation_error``."""
    deposits.dealer_deposit_return(dealer_id=dealer_id, by=request.auth, reason=payload.reason)
    return _qa_detail(request, dealer_id)
