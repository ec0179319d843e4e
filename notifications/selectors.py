from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone

from chefu.errors import NotFound
from notifications import secret_store, templates
from notifications.models import Channel, Message, MessageStatus


def notification_list_for_user(*, user: AbstractBaseUser, unread: bool | None = None) -> QuerySet[Message]:
    """The user's in-app messages that are due (``send_after`` has passed) and not cancelled, newest first.
    ``unread``: None for all, True for unread only, False for read only."""
    rows = Message.objects.filter(recipient=user, channel=Channel.IN_APP, send_after__lte=timezone.now()).exclude(
        status=MessageStatus.CANCELLED
    )
    if unread is not None:
        rows = rows.filter(read_at__isnull=unread)
    return rows.order_by("-send_after", "-pk")


def notification_unread_count(*, user: AbstractBaseUser) -> int:
    return notification_list_for_user(user=user, unread=True).count()


def notification_get_for_user(*, user: AbstractBaseUser, message_id: int) -> Message:
    """One message of the user's list; NotFound both when it does not exist and when it is not theirs to see."""
    message = notification_list_for_user(user=user).filter(pk=message_id).first()
    if message is None:
        raise NotFound()
    return message


def message_text(*, message: Message) -> str | None:
    """The text a sender delivers for ``message``: its body, with its template's secret parameters (a code) filled in
    from where they are kept until they expire; None once they are gone (delivery then cancels the message)."""
    if not templates.template_get(message.template).secret_params:
        return message.body
    values = secret_store.secrets_get(message_id=message.pk)
    return None if values is None else templates.secrets_fill(message.body, values)
