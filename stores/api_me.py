"""GET /me: the account and the stores the user works at.

The answer is mostly the account (accounts), but the memberships are the stores app's, and accounts stands below
stores and cannot ask it. Stores is the lowest layer that sees both halves, so it composes the answer; the vehicles
and the rest of /me stay in accounts. The operation id is the one it had in accounts/api.py (part of the document)."""

from ninja import Router

from accounts.auth import token_auth
from accounts.schemas import MeOut
from chefu.schemas import AUTH, error_responses
from stores.selectors import membership_list_for_user

me_stores_router = Router(tags=["accounts"], auth=token_auth)


@me_stores_router.get(
    "", response={200: MeOut, **error_responses(*AUTH)}, summary="The signed-in user", operation_id="accounts_api_me"
)
def me(request):
    """Who the token belongs to: phone, name, roles, and the stores they work at with their role there.
    Errors: 401 ``not_authenticated``."""
    user = request.auth
    stores = [{"id": m.store_id, "name": m.store.name, "role": m.role} for m in membership_list_for_user(user=user)]
    return {"id": user.id, "phone": user.phone, "name": user.name, "roles": user.roles, "stores": stores}
