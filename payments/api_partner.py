"""Partner endpoints of payments (API.md, Payments): a store's settlement statements, for its managers."""

import datetime as dt

from ninja import Query, Router, Schema

from accounts.auth import token_auth
from chefu.money import format_money
from chefu.pagination import PageParams, paginate
from chefu.schemas import AUTH, QUERY, error_responses
from payments.settlements import statement_list
from stores.selectors import store_get_for_manager

partner_settlements_router = Router(tags=["payments"], auth=token_auth)


class StatementOut(Schema):
    period_start: dt.date
    period_end: dt.date
    gross: str
    commission: str
    refunds: str
    net: str
    status: str

    @staticmethod
    def resolve_gross(obj) -> str:
        return format_money(obj.gross)

    @staticmethod
    def resolve_commission(obj) -> str:
        return format_money(obj.commission)

    @staticmethod
    def resolve_refunds(obj) -> str:
        return format_money(obj.refunds)

    @staticmethod
    def resolve_net(obj) -> str:
        return format_money(obj.net)


class StatementListOut(Schema):
    items: list[StatementOut]
    count: int


@partner_settlements_router.get(
    "/stores/{int:store_id}/settlements",
    response={200: StatementListOut, **error_responses(*AUTH, 403, 404, *QUERY)},
    summary="A store's settlement statements",
)
def settlement_list(request, store_id: int, page: Query[PageParams]):
    """The store's daily statements, the latest first. The store's managers. Errors: 401 ``not_authenticated``; 403
    ``permission_denied`` (its staff who are not managers); 404 ``not_found`` (an unknown store or one the user is
    not staff of); 422 ``validation_error`` (paging)."""
    store = store_get_for_manager(user=request.auth, store_id=store_id)
    return paginate(statement_list(store=store), page)
