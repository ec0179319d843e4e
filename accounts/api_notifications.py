"""/me/notifications: the user's in-app messages, read through the notifications app (which stands below accounts).

The router lived in notifications/api.py; its operation ids are kept (part of the published document)."""

from ninja import Query, Router

from accounts.auth import token_auth
from chefu.pagination import PageParams, paginate
from chefu.schemas import AUTH, QUERY, error_responses
from notifications import selectors, services
from notifications.schemas import CountOut, NotificationListOut, NotificationOut

router = Router(tags=["notifications"], auth=token_auth)


@router.get(
    "",
    response={200: NotificationListOut, **error_responses(*AUTH, *QUERY)},
    summary="List my notifications",
    operation_id="notifications_api_notification_list",
)
def notification_list(request, page: Query[PageParams], unread: bool | None = None):
    """The signed-in user's in-app messages, newest first; ``unread=true`` for the unread only. Errors: 401
    ``not_authenticated``; 422 ``validation_error``."""
    return paginate(selectors.notification_list_for_user(user=request.auth, unread=unread), page)


@router.get(
    "/unread-count",
    response={200: CountOut, **error_responses(*AUTH)},
    summary="Count my unread notifications",
    operation_id="notifications_api_notification_unread_count",
)
def notification_unread_count(request):
    """How many of the signed-in user's in-app messages are unread. Errors: 401 ``not_authenticated``."""
    return {"count": selectors.notification_unread_count(user=request.auth)}


@router.post(
    "/{message_id}/read",
    response={200: NotificationOut, **error_responses(*AUTH, 404, 422)},
    summary="Mark a notification read",
    operation_id="notifications_api_notification_mark_read",
)
def notification_mark_read(request, message_id: int):
    """Mark one of the signed-in user's messages read (again is harmless). Errors: 401 ``not_authenticated``; 404
    ``not_found`` (not theirs alike); 422 ``validation_error`` (an id that is not a number)."""
    return services.notification_mark_read(user=request.auth, message_id=message_id)
