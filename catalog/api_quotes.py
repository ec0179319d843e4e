"""GET /stores/{id}/quote: the itemized price of a service for one vehicle; GET /stores/{id}/quotes: every
service of the store, quoted (or refused) for one vehicle, for the store page."""

from django.utils.translation import gettext as _
from ninja import Query, Router

from accounts.auth import token_auth
from accounts.selectors import vehicle_get_for_owner
from catalog import quotes, selectors
from catalog.schemas import QuoteOut, QuoteParams, VehicleQuotesOut, VehicleQuotesParams
from chefu.errors import ValidationFailed
from stores.selectors import store_get_visible

quotes_router = Router(tags=["prices"])


@quotes_router.get("/{int:store_id}/quote", response=QuoteOut, auth=token_auth)
def store_quote(request, store_id: int, params: Query[QuoteParams]):
    """The store's price of ``service`` itemized for the vehicle. 422 ``service_not_applicable`` when the service
    is not for this car (an oil change for an electric car)."""
    service = selectors.service_get_active(code=params.service)
    if service is None:
        raise ValidationFailed({"service": _("Unknown service.")})
    vehicle = vehicle_get_for_owner(owner=request.auth, vehicle_id=params.vehicle_id)
    store = store_get_visible(store_id=store_id)
    return quotes.quote_build(store=store, service=service, vehicle=vehicle).as_dict()


@quotes_router.get("/{int:store_id}/quotes", response=VehicleQuotesOut, auth=token_auth)
def store_quotes(request, store_id: int, params: Query[VehicleQuotesParams]):
    """Each service the store prices, in price-list order: the quote ``GET /stores/{id}/quote`` gives for the
    vehicle, or ``applies: false`` with why the service is not for it."""
    vehicle = vehicle_get_for_owner(owner=request.auth, vehicle_id=params.vehicle_id)
    store = store_get_visible(store_id=store_id)
    return {"vehicle_id": vehicle.pk, "items": quotes.quote_list_for_vehicle(store=store, vehicle=vehicle)}
