"""GET /stores/{id}/quote: the itemized price of a service for one vehicle."""

from ninja import Router

quotes_router = Router(tags=["prices"])
