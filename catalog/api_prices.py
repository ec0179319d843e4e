"""Store price lists, their version history and the partner's offering editor (API.md, "Catalog and
transparent prices")."""

from decimal import Decimal
from typing import NamedTuple

from ninja import Query, Router

from accounts.auth import token_auth
from catalog import price_selectors, pricing
from catalog.models import Offering, OfferingVersion, ReferencePrice, Service
from catalog.price_schemas import OfferingDeactivatedOut, OfferingIn, PriceOut, VersionListOut, VersionOut
from catalog.reference_selectors import deviation, reference_band
from catalog.selectors import service_get
from chefu.money import format_money, format_quantity
from chefu.pagination import PageParams, paginate
from chefu.schemas import AUTH, BODY, QUERY, error_responses
from stores.selectors import store_get_for_manager, store_get_visible

store_prices_router = Router(tags=["prices"])
partner_offerings_router = Router(tags=["partner"], auth=token_auth)


def _service_out(service: Service) -> dict:
    return {"code": service.code, "name": service.name, "category": service.category_id}


def _price_fields(version: OfferingVersion) -> dict:
    """Labour, lines, total and duration of ``version``; its lines must be prefetched with their parts."""
    return {
        "version": version.number,
        "labour": format_money(version.labour),
        "parts": [
            {
                "sku": line.part.sku,
                "name": line.part.name,
                "qty": format_quantity(line.qty),
                "unit_price": format_money(line.unit_price),
                "amount": format_money(line.amount),
            }
            for line in version.lines.all()
        ],
        "total": format_money(version.total),
        "duration_min": version.duration_min,
    }


class _Band(NamedTuple):
    p25: Decimal
    median: Decimal
    p75: Decimal


def _reference_out(total: Decimal, band: _Band | ReferencePrice | None) -> dict | None:
    if band is None:
        return None
    dev = deviation(total, band.median)
    return {
        "p25": format_money(band.p25),
        "median": format_money(band.median),
        "p75": format_money(band.p75),
        "deviation": None if dev is None else f"{dev:.4f}",
    }


def _price_out(offering: Offering, version: OfferingVersion, band: _Band | ReferencePrice | None) -> dict:
    """One price in force; ``version``'s lines must be prefetched with their parts."""
    return {
        "offering_id": offering.id,
        "service": _service_out(offering.service),
        **_price_fields(version),
        "updated_at": offering.updated_at,
        "reference": _reference_out(version.total, band),
        **_price_floor(offering.service, version),
    }


def _price_floor(service: Service, version: OfferingVersion) -> dict:
    """What a car may be charged at least. A quote (catalog.quotes) is the labour plus the part lines chosen for
    the car, each ≥ 0: without part lines every car pays the total, with them no car pays less than the labour.
    ``version``'s lines must be prefetched."""
    varies = bool(version.lines.all())
    return {
        "varies_by_vehicle": varies,
        "price_from": format_money(version.labour if varies else version.total),
        "needs_engine": service.needs_engine,
    }


def _listed_price_out(offering: Offering) -> dict:
    """One row of ``price_selectors.offering_price_list`` (band annotated, version and lines loaded)."""
    band = None if offering.ref_median is None else _Band(offering.ref_p25, offering.ref_median, offering.ref_p75)
    return _price_out(offering, offering.current, band)


def _version_out(offering: Offering, version: OfferingVersion) -> dict:
    return {
        "offering_id": offering.id,
        "service": _service_out(offering.service),
        **_price_fields(version),
        "created_at": version.created_at,
        "created_by": version.created_by.name if version.created_by else None,
        "is_current": offering.current_id == version.id,
    }


# --- Public -------------------------------------------------------------------------------------------------


@store_prices_router.get(
    "/{int:store_id}/prices",
    response={200: list[PriceOut], **error_responses(404)},
    summary="A store's price list",
)
def store_prices(request, store_id: int):
    """The store's prices in force (a bare list, as API.md shows it), each next to its reference band. No token
    needed. Errors: 404 ``not_found`` (no such store, or not open to the public)."""
    store = store_get_visible(store_id=store_id)
    return [_listed_price_out(offering) for offering in price_selectors.offering_price_list(store=store)]


@store_prices_router.get(
    "/{int:store_id}/prices/{int:offering_id}/versions",
    response={200: VersionListOut, **error_responses(404, *QUERY)},
    summary="A price's version history",
)
def offering_versions(request, store_id: int, offering_id: int, page: Query[PageParams]):
    """Every price the store has set for this offering, oldest first (deactivated offerings included). No token
    needed. Errors: 404 ``not_found`` (the store or the offering); 422 ``validation_error`` (paging)."""
    store = store_get_visible(store_id=store_id)
    offering = price_selectors.offering_get_for_store(store=store, offering_id=offering_id)
    result = paginate(price_selectors.offering_version_list(offering=offering), page)
    return {"items": [_version_out(offering, v) for v in result["items"]], "count": result["count"]}


@store_prices_router.get(
    "/{int:store_id}/prices/{int:offering_id}/versions/{int:number}",
    response={200: VersionOut, **error_responses(404)},
    summary="One version of a price",
)
def offering_version(request, store_id: int, offering_id: int, number: int):
    """A price as the store set it at version ``number``, whether or not it is still in force. No token needed.
    Errors: 404 ``not_found`` (the store, the offering or the version)."""
    store = store_get_visible(store_id=store_id)
    offering = price_selectors.offering_get_for_store(store=store, offering_id=offering_id)
    return _version_out(offering, price_selectors.offering_version_get(offering=offering, number=number))


# --- Partner (the store's managers) -------------------------------------------------------------------------


@partner_offerings_router.put(
    "/stores/{int:store_id}/offerings/{service_code}",
    response={200: PriceOut, **error_responses(*AUTH, *BODY, 403, 404)},
    summary="Set a store's price of a service",
)
def offering_put(request, store_id: int, service_code: str, payload: OfferingIn):
    """Set the store's price of a service: a new immutable version, in force at once. An unchanged price
    answers the version in force and writes nothing. The store's managers only. Errors: 401 ``not_authenticated``;
    403 ``permission_denied`` (staff who are not managers); 404 ``not_found`` (the store, not the caller's, or the
    service); 422 ``validation_error`` (labour, parts, duration)."""
    store = store_get_for_manager(user=request.auth, store_id=store_id)
    service = service_get(code=service_code)
    version = pricing.offering_set_price(
        store=store,
        service=service,
        by=request.auth,
        labour=payload.labour,
        parts=[line.model_dump() for line in payload.parts],
        duration_min=payload.duration_min,
    )
    # The version the service answered (not a re-read of the offering, which a later PUT may have moved on).
    offering = version.offering
    version = price_selectors.offering_version_get(offering=offering, number=version.number)
    return _price_out(offering, version, reference_band(service_code=service.code, city=store.city))


@partner_offerings_router.delete(
    "/stores/{int:store_id}/offerings/{service_code}",
    response={200: OfferingDeactivatedOut, **error_responses(*AUTH, 403, 404, 422)},
    summary="Withdraw a store's price of a service",
)
def offering_delete(request, store_id: int, service_code: str):
    """Withdraw the store's price of a service. Its versions stay readable; a new PUT re-activates it. The
    store's managers only. Errors: 401 ``not_authenticated``; 403 ``permission_denied``; 404 ``not_found`` (the
    store, the service, or no price of it); 422 ``validation_error`` (control characters in the code)."""
    store = store_get_for_manager(user=request.auth, store_id=store_id)
    service = service_get(code=service_code)
    offering = pricing.offering_deactivate(store=store, service=service, by=request.auth)
    return {"offering_id": offering.id, "service": _service_out(service), "is_active": offering.is_active}
