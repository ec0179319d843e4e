"""GET /stores/{id}/quote: the itemized price of a service for one vehicle."""

from django.utils.translation import gettext as _
from ninja import Query, Router

from accounts.auth import token_auth
from accounts.selectors import vehicle_get_for_owner
from catalog import quotes, selectors
from catalog.schemas import QuoteOut, QuoteParams
from chefu.errors import ValidationFailed
from stores.selectors import store_get_visible

quotes_router = Router(tags=["prices"])


@quotes_router.get("/{int:store_id}/quote", response=QuoteOut, auth=token_auth)
def store_quote(request, store_id: int, params: Query[QuoteParams]):
    service = selectors.service_get_active(code=params.service)
    if service is None:
        raise ValidationFailed({"service": _("Unknown service.")})
    vehicle = vehicle_get_for_owner(owner=request.auth, vehicle_id=params.vehicle_id)
    store = store_get_visible(store_id=store_id)
    return quotes.quote_build(store=store, service=service, vehicle=vehicle).as_dict()
