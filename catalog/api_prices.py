"""Store price lists, quotes and the partner's offering editor (API.md, "Catalog and transparent prices")."""

from ninja import Router

from accounts.auth import token_auth

store_prices_router = Router(tags=["prices"])
partner_offerings_router = Router(tags=["partner"], auth=token_auth)
