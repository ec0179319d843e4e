"""GET /stores/nearby: the store search with prices and next slots (:mod:`search.selectors`).

Mounted under /stores beside the stores app's own routes; the operation id is the one it had in stores/api.py."""

from ninja import Query, Router

from accounts.auth import request_user
from accounts.models import Vehicle
from accounts.selectors import vehicle_get_for_owner
from chefu.errors import NotAuthenticated
from chefu.money import format_money
from chefu.schemas import QUERY, error_responses
from search import selectors
from stores import selectors as store_selectors
from stores.coords import from_wgs84, to_wgs84
from stores.models import StoreStatus
from stores.schemas import NearbyOut, NearbyParams

nearby_router = Router(tags=["stores"])


def _price_out(service: str | None, total) -> dict | None:
    return {"service": service, "total": format_money(total)} if service else None


def _car_price_out(price: selectors.CarPrice | None, vehicle: Vehicle | None) -> dict | None:
    if price is None:
        return None
    quoted = price.for_vehicle
    return {
        "price_from": format_money(price.floor.price_from),
        "varies_by_vehicle": price.floor.varies_by_vehicle,
        "vehicle_id": vehicle.pk if vehicle else None,
        "applies": quoted.applies if quoted else None,
        "total": format_money(quoted.quote.total) if quoted and quoted.quote else None,
        "reason": quoted.reason if quoted else None,
        "message": quoted.message if quoted else None,
    }


def _vehicle(request, vehicle_id: int | None) -> Vehicle | None:
    """The caller's vehicle ``vehicle_id`` (the session's or the bearer token's user), None when not asked for."""
    if vehicle_id is None:
        return None
    user = request_user(request)
    if user is None:
        raise NotAuthenticated()
    return vehicle_get_for_owner(owner=user, vehicle_id=vehicle_id)


@nearby_router.get(
    "/nearby",
    response={200: NearbyOut, **error_responses(401, 404, *QUERY)},
    summary="Find stores near a point",
    operation_id="stores_api_stores_nearby",
)
def stores_nearby(request, params: Query[NearbyParams]):
    """Bookable stores within ``radius_km`` of a point (WGS-84, GCJ-02 or BD-09), with the price of ``service``
    and the next free slot, sorted by distance, rating, price or soonest slot. No token needed. Errors: 422
    ``validation_error``; with ``vehicle_id``, 401 ``not_authenticated`` and 404 ``not_found`` (not the caller's
    vehicle)."""
    vehicle = _vehicle(request, params.vehicle_id)
    lat, lng = to_wgs84(params.lat, params.lng, params.coord)
    page = selectors.store_nearby_with_slots(
        lat=lat,
        lng=lng,
        radius_m=params.radius_km * 1000,
        category=params.category,
        open_now=params.open_now,
        min_rating=params.min_rating,
        service=params.service,
        sort=params.sort,
        vehicle=vehicle,
        limit=params.limit,
        offset=params.offset,
    )
    store_ids = [row["id"] for row in page.items]
    car_prices = (
        selectors.nearby_car_prices(store_ids=store_ids, service=params.service, vehicle=vehicle)
        if params.service
        else {}
    )
    items = []
    for row in page.items:
        store_lat, store_lng = from_wgs84(row["lat"], row["lng"], params.coord)
        items.append(
            {
                **{field: row[field] for field in store_selectors.NEARBY_FIELDS},
                "lat": round(store_lat, 7),
                "lng": round(store_lng, 7),
                "distance_m": round(row["distance_m"]),
                "rating": float(row["rating"]) if row["rating"] is not None else None,
                "badge": "probation" if row["status"] == StoreStatus.PROBATION else None,
                "categories": row["category_codes"],
                "price": _price_out(params.service, row["price_total"]),
                "car_price": _car_price_out(car_prices.get(row["id"]), vehicle),
                "next_slot": row["next_slot"],
                "open_now": row["open_now"],
            }
        )
    return {"items": items, "count": page.count}
