from ninja import Query, Router

from accounts.auth import token_auth
from chefu.pagination import PageParams, paginate
from notifications import selectors, services
from notifications.schemas import CountOut, NotificationListOut, NotificationOut

router = Router(tags=["notifications"], auth=token_auth)


@router.get("", response=NotificationListOut)
def notification_list(request, page: Query[PageParams], unread: bool | None = None):
    return paginate(selectors.notification_list_for_user(user=request.auth, unread=unread), page)


@router.get("/unread-count", response=CountOut)
def notification_unread_count(request):
    return {"count": selectors.notification_unread_count(user=request.auth)}


@router.post("/{message_id}/read", response=NotificationOut)
def notification_mark_read(request, message_id: int):
    return services.notification_mark_read(user=request.auth, message_id=message_id)
