"""Deal and claim endpoints (API.md, "Used-car consignment"): ``/consignment/deals`` for the deal's seller and dealer
(mounted by ``consignment.api``), ``/qa/claims`` for QA (mounted by ``web/api.py``)."""

from ninja import Query, Router, Status

from accounts.auth import token_auth
from chefu.idempotency import idempotent_remote
from chefu.pagination import PageParams, paginate
from chefu.schemas import AUTH, BODY, QUERY, error_responses
from consignment.deals import claims, paying, selectors, settlement
from consignment.deals.schemas import (
    ClaimCreatedOut,
    ClaimIn,
    ClaimListParams,
    ClaimResolveIn,
    DealListOut,
    DealListParams,
    DealOut,
    DealPayIn,
    DealPayoutOut,
    InspectorClaimsListOut,
    PayoutRetryIn,
    QaClaimDetailOut,
    QaClaimListOut,
    claim_created_dict,
    deal_dict,
    deal_summary_dict,
    payout_dict,
    qa_claim_detail_dict,
    qa_claim_dict,
)
from payments.schemas import PaymentCreatedOut, payment_created_dict
from payments.services import payment_checkout

deals_router = Router(tags=["consignment"], auth=token_auth)
qa_claims_router = Router(tags=["qa"], auth=token_auth)


def _page(queryset, params, shape) -> dict:
    page = paginate(queryset, PageParams(limit=params.limit, offset=params.offset))
    return {"items": [shape(item) for item in page["items"]], "count": page["count"]}


# --- the seller and the dealer ------------------------------------------------------------------------------------


@deals_router.get("", response={200: DealListOut, **error_responses(*AUTH, *QUERY)}, summary="My deals")
def deal_list(request, params: Query[DealListParams]):
    """The deals the caller sold (as the seller) or won (as the dealer), the newest first, of one ``status`` or all.
    Errors: 401 ``not_authenticated``; 422 ``validation_error``."""
    user = request.auth
    queryset = selectors.deals_for_party(user=user, status=params.status)
    return _page(queryset, params, lambda deal: deal_summary_dict(deal, selectors.deal_party(deal, user)))


@deals_router.get("/{int:deal_id}", response={200: DealOut, **error_responses(*AUTH, 404)}, summary="One of my deals")
def deal_detail(request, deal_id: int):
    """The deal's price, fee and the seller's net, its status and timeline, the handover booking (where and when,
    once paid), the claims, and the time from inspection start to handover end. Its seller or its dealer; the dealer
    never sees the seller's phone, and the seller's name (masked) only once paid. Errors: 401
    ``not_authenticated``; 404 ``not_found`` (anyone else's deal alike)."""
    return deal_dict(selectors.deal_get_for_party(user=request.auth, deal_id=deal_id))


@deals_router.post(
    "/{int:deal_id}/pay",
    response={201: PaymentCreatedOut, **error_responses(*AUTH, *BODY, 403, 404, 409, 502)},
    summary="Pay for a won deal",
)
def deal_pay(request, deal_id: int, payload: DealPayIn):
    """Open a payment of the deal's price with a provider, held by the platform until the seller is paid; the answer
    carries the URL to pay at (as ``POST /bookings/{id}/pay``). The deal's dealer. When the provider's notification
    arrives the deal is ``paid`` and its handover booked. Errors: 401 ``not_authenticated``; 403
    ``permission_denied`` (the deal's seller); 404 ``not_found``; 409 ``deal_not_awaiting_payment``,
    ``pay_before_passed``, ``already_paid``, ``payment_closed``, ``idempotency_in_progress``; 422
    ``validation_error``, ``idempotency_key_reused``; 502 ``payment_provider_unavailable``. Takes an
    ``Idempotency-Key``."""

    def reserve():
        return paying.deal_pay_open(deal_id=deal_id, user=request.auth, provider=payload.provider)

    def finish(payment):
        return 201, payment_created_dict(payment_checkout(payment=payment))

    return idempotent_remote(request, scope=f"POST /consignment/deals/{deal_id}/pay", reserve=reserve, finish=finish)


@deals_router.post(
    "/{int:deal_id}/claims",
    response={201: ClaimCreatedOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Claim a defect the report did not disclose",
)
def claim_file(request, deal_id: int, payload: ClaimIn):
    """The deal's dealer, within 3 days of the handover; QA decides it, and the seller's payment waits until then.
    Errors: 401 ``not_authenticated``; 403 ``permission_denied`` (the deal's seller); 404 ``not_found``; 409
    ``deal_not_handed_over``, ``claim_window_closed``, ``claim_exists`` (one open claim per deal); 422
    ``validation_error``."""
    claim = claims.claim_file(deal_id=deal_id, user=request.auth, description=payload.description)
    return Status(201, claim_created_dict(claim))


@deals_router.post(
    "/{int:deal_id}/payout",
    response={201: DealPayoutOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Pay the seller again after a refused payout",
)
def deal_payout_retry(request, deal_id: int, payload: PayoutRetryIn):
    """When the provider refused the seller's payout (``payout.status`` ``failed``: the account does not exist, say),
    the seller gives another Alipay account and the same amount is paid into it. The deal's seller; QA (and admins)
    may ask again into the account the seller named last (an empty ``payee_account``). Errors: 401
    ``not_authenticated``; 403 ``permission_denied`` (the deal's dealer; QA naming another account); 404
    ``not_found``; 409 ``payout_not_refused`` (no refused payout: none yet, or one pending or paid); 422
    ``validation_error``."""
    payout = settlement.deal_payout_retry(deal_id=deal_id, by=request.auth, payee_account=payload.payee_account)
    return Status(201, payout_dict(payout))


# --- QA -------------------------------------------------------------------------------------------------------------


@qa_claims_router.get(
    "/claims", response={200: QaClaimListOut, **error_responses(*AUTH, 403, *QUERY)}, summary="Dealers' claims (QA)"
)
def qa_claim_list(request, params: Query[ClaimListParams]):
    """Every dealer's claim, the open ones first, then the newest; of one ``status`` or all. QA only. Errors: 401
    ``not_authenticated``; 403 ``permission_denied``; 422 ``validation_error``."""
    return _page(selectors.claims_for_qa(user=request.auth, status=params.status), params, qa_claim_dict)


@qa_claims_router.get(
    "/claims/inspectors",
    response={200: InspectorClaimsListOut, **error_responses(*AUTH, 403)},
    summary="Claims per inspector (QA)",
)
def qa_claims_per_inspector(request):
    """For each inspector with a claim on one of their reports: their published inspections, the claims filed and
    those upheld (adjusted or unwound), the most upheld first. QA only. Errors: 401 ``not_authenticated``; 403
    ``permission_denied``."""
    return {"items": selectors.claims_per_inspector(user=request.auth)}


@qa_claims_router.get(
    "/claims/{int:claim_id}",
    response={200: QaClaimDetailOut, **error_responses(*AUTH, 403, 404)},
    summary="A dealer's claim with its deal (QA)",
)
def qa_claim_detail(request, claim_id: int):
    """One claim with its deal's amounts and timeline. QA only. Errors: 401 ``not_authenticated``; 403
    ``permission_denied``; 404 ``not_found``."""
    return qa_claim_detail_dict(selectors.claim_get_for_qa(user=request.auth, claim_id=claim_id))


@qa_claims_router.post(
    "/claims/{int:claim_id}/resolve",
    response={200: QaClaimDetailOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Decide a dealer's claim (QA)",
)
def qa_claim_resolve(request, claim_id: int, payload: ClaimResolveIn):
    """``rejected``; ``adjusted`` with ``amount`` (refunded to the dealer and taken from the seller's net: less than
    what is left of the price); or ``unwound`` (the whole price refunded to the dealer, the car back to the seller).
    Once the claim window has passed, a resolution that leaves no claim open pays the seller. QA only. Errors: 401
    ``not_authenticated``; 403 ``permission_denied``; 404 ``not_found``; 409 ``claim_resolved``; 422
    ``validation_error`` (an amount given for rejected or unwound, missing for adjusted, or reaching the price)."""
    claim = claims.claim_resolve(
        claim_id=claim_id, by=request.auth, outcome=payload.outcome, amount=payload.amount, note=payload.note
    )
    return qa_claim_detail_dict(selectors.claim_get_for_qa(user=request.auth, claim_id=claim.pk))
