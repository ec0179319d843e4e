from django.core.exceptions import ObjectDoesNotExist
from ninja import Query, Router, Status

from accounts.auth import require_role, token_auth
from chefu.pagination import PageParams, paginate
from chefu.schemas import AUTH, BODY, QUERY, error_responses
from stores import geocoding, selectors, services
from stores.coords import CoordSystem, from_wgs84, to_wgs84
from stores.parts import store_page_parts
from stores.schemas import (
    ApplicationCreatedOut,
    ApplicationDecisionOut,
    ApplicationIn,
    ApplicationListOut,
    ApplicationListParams,
    ApproveIn,
    CoordParams,
    GeocodeOut,
    GeocodeParams,
    MyApplicationListOut,
    OpeningHoursIn,
    OpeningHoursOut,
    OpeningRangeIn,
    RejectIn,
    StoreOut,
)

stores_router = Router(tags=["stores"])
geo_router = Router(tags=["geo"])
partner_router = Router(tags=["partner"], auth=token_auth)
qa_router = Router(tags=["qa"], auth=token_auth)


def _point_out(location, coord: CoordSystem) -> tuple[float, float]:
    lat, lng = from_wgs84(location.y, location.x, coord)
    return round(lat, 7), round(lng, 7)


def _rating(store) -> float | None:
    return float(store.rating) if store.rating is not None else None


def _reputation_out(store) -> dict:
    """The reviews app's numbers for the store (``reviews.models.StoreReputation``, read through its reverse
    relation so this app does not import reviews)."""
    try:
        reputation = store.reputation
    except ObjectDoesNotExist:
        reputation = None
    if reputation is None or not reputation.count:
        return {
            "rating_breakdown": None,
            "rating_distribution": None,
            "hidden_review_count": reputation.hidden if reputation else 0,
        }
    return {
        "rating_breakdown": reputation.means,
        "rating_distribution": reputation.distribution,
        "hidden_review_count": reputation.hidden,
    }


def _hours_out(rows) -> list[dict]:
    return [{"weekday": h.weekday, "opens": f"{h.opens:%H:%M}", "closes": f"{h.closes:%H:%M}"} for h in rows]


@stores_router.get(
    "/{int:store_id}",
    response={200: StoreOut, **error_responses(404, *QUERY)},
    summary="A store's page",
    by_alias=True,
)
def store_detail(request, store_id: int, params: Query[CoordParams]):
    """A store open to the public: address, hours, bays, categories, rating, whether it is open now, and its public
    quality record (badge, latest audit, probation and suspension periods, complaints of the last 12 months). No token
    needed. Errors: 404 ``not_found`` (no such store, or not open to the public); 422 ``validation_error``."""
    store = selectors.store_get_public(store_id=store_id)
    lat, lng = _point_out(store.location, params.coord)
    answer = {
        "id": store.id,
        "name": store.name,
        "address": store.address,
        "city": store.city,
        "lat": lat,
        "lng": lng,
        "phone": store.phone,
        "status": store.status,
        "timezone": store.timezone,
        "rating": _rating(store),
        "review_count": store.review_count,
        **_reputation_out(store),
        "categories": [{"code": c.code, "name": c.name} for c in store.categories.all()],
        "bays": [
            {"id": b.id, "name": b.name, "categories": [c.code for c in b.categories.all()]} for b in store.bays.all()
        ],
        "opening_hours": _hours_out(store.opening_hours.all()),
        "open_now": store.open_now,
        "quality": selectors.store_quality_record(store),
    }
    return store_page_parts(store, answer)


@geo_router.get(
    "/geocode", response={200: GeocodeOut, **error_responses(404, *QUERY, 503)}, summary="Geocode an address"
)
def geocode(request, params: Query[GeocodeParams]):
    """The coordinates of an address (in ``city`` if given), in the coordinate system asked for. No token needed.
    Errors: 404 ``not_found`` (no place matches); 422 ``validation_error``; 503 ``geocoder_unavailable``."""
    result = geocoding.geocode(query=params.q, city=params.city)
    lat, lng = from_wgs84(result.lat, result.lng, params.coord)
    return {"lat": round(lat, 7), "lng": round(lng, 7), "address": result.address, "provider": result.provider}


# --- Partner applications and store management ---------------------------------------------------------


@partner_router.post(
    "/applications",
    response={201: ApplicationCreatedOut, **error_responses(*AUTH, *BODY, 409)},
    summary="Apply to join as a partner store",
)
def application_submit(request, payload: ApplicationIn, params: Query[CoordParams]):
    """A shop's application (name, place, bays, hours, categories) for QA to approve. Any signed-in user. Errors:
    401 ``not_authenticated``; 409 ``conflict`` (an application already waiting); 422 ``validation_error``."""
    lat, lng = to_wgs84(payload.lat, payload.lng, params.coord)
    application = services.application_submit(
        applicant=request.auth,
        name=payload.name,
        address=payload.address,
        city=payload.city,
        lat=lat,
        lng=lng,
        phone=payload.phone,
        categories=payload.categories,
        bays=[b.dict() for b in payload.bays],
        opening_hours=[h.dict() for h in payload.opening_hours],
        timezone_name=payload.timezone,
    )
    return Status(201, {"id": application.id, "status": application.status})


@partner_router.get(
    "/applications",
    response={200: MyApplicationListOut, **error_responses(*AUTH, *QUERY)},
    summary="List my partner applications",
)
def application_list_mine(request, page: Query[PageParams], coord: Query[CoordParams]):
    """The signed-in user's own applications, the newest first, with QA's decision (the reason of a refusal, the
    store an approval made). Errors: 401 ``not_authenticated``; 422 ``validation_error``."""
    found = paginate(selectors.application_list_for_applicant(applicant=request.auth), page)
    return {"items": [_application_out(a, coord.coord) for a in found["items"]], "count": found["count"]}


@partner_router.put(
    "/stores/{int:store_id}/opening-hours",
    response={200: OpeningHoursOut, **error_responses(*AUTH, *BODY, 403, 404)},
    summary="Replace a store's opening hours",
)
def opening_hours_replace(request, store_id: int, payload: list[OpeningRangeIn] | OpeningHoursIn):
    """The store's weekly hours, replaced whole. The store's managers. Errors: 401 ``not_authenticated``; 403
    ``permission_denied`` (staff who are not managers); 404 ``not_found`` (no such store, or not the caller's); 422
    ``validation_error``."""
    # API.md says "same shape as above": the application's ``opening_hours`` list, bare or in its field.
    ranges = payload.opening_hours if isinstance(payload, OpeningHoursIn) else payload
    store = selectors.store_get_for_manager(user=request.auth, store_id=store_id)
    rows = services.opening_hours_replace(store=store, rows=[h.dict() for h in ranges])
    return {"store_id": store.id, "opening_hours": _hours_out(rows)}


# --- QA ----------------------------------------------------------------------------------------------


def _application_out(application, coord: CoordSystem) -> dict:
    lat, lng = _point_out(application.location, coord)
    return {
        "id": application.id,
        "status": application.status,
        "name": application.name,
        "address": application.address,
        "city": application.city,
        "lat": lat,
        "lng": lng,
        "phone": application.phone,
        "timezone": application.timezone,
        "categories": application.categories,
        "bays": application.bays,
        "opening_hours": application.opening_hours,
        "applicant": {"id": application.applicant_id, "name": application.applicant.name},
        "submitted_at": application.submitted_at,
        "reviewed_at": application.reviewed_at,
        "notes": application.notes,
        "reject_reason": application.reject_reason,
        "store_id": application.store_id,
    }


@qa_router.get(
    "/applications",
    response={200: ApplicationListOut, **error_responses(*AUTH, 403, *QUERY)},
    summary="List partner applications",
)
def application_list(request, params: Query[ApplicationListParams], coord: Query[CoordParams]):
    """Partner applications, of one ``status`` or all. QA staff only. Errors: 401 ``not_authenticated``; 403
    ``permission_denied``; 422 ``validation_error``."""
    require_role(request.auth, "qa")
    page = paginate(
        selectors.application_list(status=params.status), PageParams(limit=params.limit, offset=params.offset)
    )
    return {"items": [_application_out(a, coord.coord) for a in page["items"]], "count": page["count"]}


@qa_router.post(
    "/applications/{int:application_id}/approve",
    response={200: ApplicationDecisionOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Approve a partner application",
)
def application_approve(request, application_id: int, payload: ApproveIn | None = None):
    """The store is made, the applicant its manager. QA staff only. Errors: 401 ``not_authenticated``; 403
    ``permission_denied``; 404 ``not_found``; 409 ``invalid_transition`` (already decided); 422
    ``validation_error``."""
    require_role(request.auth, "qa")
    application = selectors.application_get(application_id=application_id)
    notes = payload.notes if payload else ""
    application = services.application_approve(application=application, by=request.auth, notes=notes)
    return application


@qa_router.post(
    "/applications/{int:application_id}/reject",
    response={200: ApplicationDecisionOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Reject a partner application",
)
def application_reject(request, application_id: int, payload: RejectIn):
    """Turn the application down with a reason the applicant is told. QA staff only. Errors: 401
    ``not_authenticated``; 403 ``permission_denied``; 404 ``not_found``; 409 ``invalid_transition``; 422
    ``validation_error``."""
    require_role(request.auth, "qa")
    application = selectors.application_get(application_id=application_id)
    return services.application_reject(application=application, by=request.auth, reason=payload.reason)
