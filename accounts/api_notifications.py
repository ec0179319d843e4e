"""/me/notifications: the user's in-app messages, read through the notifications app (which stands below accounts).

The router lived in notifications/api.py; its operation ids are kept (part of the published document)."""

from ninja import Query, Router

from accounts.auth import token_auth
from chefu.pagination import PageParams, paginate
from notifications import selectors, services
from notifications.schemas import CountOut, NotificationListOut, NotificationOut

router = Router(tags=["notifications"], auth=token_auth)


@router.get("", response=NotificationListOut, operation_id="notifications_api_notification_list")
def notification_list(request, page: Query[PageParams], unread: bool | None = None):
    return paginate(selectors.notification_list_for_user(user=request.auth, unread=unread), page)


@router.get("/unread-count", response=CountOut, operation_id="notifications_api_notification_unread_count")
def notification_unread_count(request):
    return {"count": selectors.notification_unread_count(user=request.auth)}


@router.post("/{message_id}/read", response=NotificationOut, operation_id="notifications_api_notification_mark_read")
def notification_mark_read(request, message_id: int):
    return services.notification_mark_read(user=request.auth, message_id=message_id)
