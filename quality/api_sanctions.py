"""QA's decision on a store's standing: ``POST /qa/stores/{id}/status``, through :mod:`quality.sanctions` so a
manual suspension has the same effects as the nightly run's."""

from ninja import Router

from accounts.auth import require_role, token_auth
from chefu.schemas import AUTH, BODY, error_responses
from quality.sanctions import store_sanction
from stores.models import StatusReason
from stores.schemas import StoreStatusIn, StoreStatusOut
from stores.selectors import store_get

qa_sanctions_router = Router(tags=["qa"], auth=token_auth)


@qa_sanctions_router.post(
    "/stores/{int:store_id}/status",
    response={200: StoreStatusOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Change a store's status",
    operation_id="stores_api_store_status",
)
def store_status(request, store_id: int, payload: StoreStatusIn):
    """Put a store on probation, suspend, reinstate or close it, with the reason recorded (reason category
    ``manual``; an override of any automatic step). A suspension or closure cancels the store's bookings not yet
    started, refunds them in full, and offers their owners other stores. QA staff only. Errors: 401
    ``not_authenticated``; 403 ``permission_denied``; 404 ``not_found``; 409 ``invalid_transition``; 422
    ``validation_error``."""
    require_role(request.auth, "qa")
    store = store_get(store_id=store_id)
    return store_sanction(
        store_id=store.pk,
        to_status=payload.status,
        by=request.auth,
        reason=payload.reason,
        reason_category=StatusReason.MANUAL,
    )
