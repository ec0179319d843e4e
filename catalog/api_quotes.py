"""GET /stores/{id}/quote: the itemized price of a service for one vehicle; GET /stores/{id}/quotes: every
service of the store, quoted (or refused) for one vehicle, for the store page."""

from django.utils.translation import gettext as _
from ninja import Query, Router

from accounts.auth import token_auth
from accounts.selectors import vehicle_get_for_owner
from catalog import quotes, selectors
from catalog.fitment import vehicle_facts_get
from catalog.schemas import QuoteOut, QuoteParams, VehicleQuotesOut, VehicleQuotesParams
from chefu.errors import ValidationFailed
from chefu.schemas import AUTH, QUERY, error_responses
from stores.selectors import store_get_visible

quotes_router = Router(tags=["prices"])


@quotes_router.get(
    "/{int:store_id}/quote",
    response={200: QuoteOut, **error_responses(*AUTH, 404, *QUERY)},
    auth=token_auth,
    summary="Quote a service for my vehicle",
)
def store_quote(request, store_id: int, params: Query[QuoteParams]):
    """The store's price of ``service`` itemized for one of the caller's vehicles. Errors: 401
    ``not_authenticated``; 404 ``not_found`` (the store, or not the caller's vehicle); 422 ``validation_error`` (an
    unknown service, one the store does not price), ``service_not_applicable`` (the service is not for this car: an
    oil change for an electric car)."""
    service = selectors.service_get_active(code=params.service)
    if service is None:
        raise ValidationFailed({"service": _("Unknown service.")})
    facts = vehicle_facts_get(owner=request.auth, vehicle_id=params.vehicle_id)  # the car with its spec, one query
    store = store_get_visible(store_id=store_id)
    return quotes.quote_build(store=store, service=service, vehicle=facts.vehicle, facts=facts).as_dict()


@quotes_router.get(
    "/{int:store_id}/quotes",
    response={200: VehicleQuotesOut, **error_responses(*AUTH, 404, *QUERY)},
    auth=token_auth,
    summary="Quote every service of a store for my vehicle",
)
def store_quotes(request, store_id: int, params: Query[VehicleQuotesParams]):
    """Each service the store prices, in price-list order: the quote ``GET /stores/{id}/quote`` gives for the
    vehicle, or ``applies: false`` with why the service is not for it. Errors: 401 ``not_authenticated``; 404
    ``not_found`` (the store, or not the caller's vehicle); 422 ``validation_error``."""
    vehicle = vehicle_get_for_owner(owner=request.auth, vehicle_id=params.vehicle_id)
    store = store_get_visible(store_id=store_id)
    return {"vehicle_id": vehicle.pk, "items": quotes.quote_list_for_vehicle(store=store, vehicle=vehicle)}
