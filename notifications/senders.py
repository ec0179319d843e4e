"""Senders deliver one message over one channel; ``settings.NOTIFICATION_SENDERS`` names the class per channel.

A sender is called outside any transaction and row lock, at most once per claim of the message (see
``services.message_deliver``). It returns the provider's id for the message, or raises: ``SendFailed(permanent=True)``
when retrying cannot help (a number the provider rejects), anything else for a failure worth retrying.
A crash between the provider accepting the message and the row being marked sent means a second attempt later, so
senders pass ``message.id`` on as the provider's idempotency key (``out_id``) and the provider drops the repeat.
"""

import logging
from abc import ABC, abstractmethod

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from notifications.models import Message

logger = logging.getLogger(__name__)


class SendFailed(Exception):
    """The provider refused the message. ``permanent``: retrying cannot help, give up now."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class Sender(ABC):
    @abstractmethod
    def send(self, message: Message) -> str:
        """Deliver ``message``; return the provider's message id ('' if it has none)."""


class LogSender(Sender):
    """Writes the message to the log (INFO) instead of sending it: the default for SMS and e-mail until a provider
    is configured, and what development runs on."""

    def send(self, message: Message) -> str:
        logger.info(
            "notification %s [%s] to %s (%s): %s %s",
            message.id,
            message.channel,
            message.to or message.recipient_id,
            message.template,
            message.subject,
            message.body,
        )
        return f"log-{message.id}"


class InAppSender(Sender):
    """In-app messages are read from the database (GET /me/notifications): delivering one is marking it sent."""

    def send(self, message: Message) -> str:
        return ""


class SmsProvider(ABC):
    """An SMS gateway (Aliyun, Tencent Cloud, …). ``out_id`` is the caller's id for the message: providers that
    support one drop a second request with the same ``out_id``."""

    @abstractmethod
    def send_sms(self, *, phone: str, text: str, out_id: str) -> str:
        """Send ``text`` to the mainland mobile ``phone``; return the provider's message id. Raise ``SendFailed``
        (``permanent=True`` for a number or text the provider will never accept) or any error to retry later.
        Must time out well within ``NOTIFICATION_CLAIM_LEASE_S``."""


class SmsSender(Sender):
    """Adapts an :class:`SmsProvider` to the outbox; the provider class is ``settings.NOTIFICATION_SMS_PROVIDER``
    (a dotted path, instantiated without arguments: it reads its own credentials from settings)."""

    def __init__(self, provider: SmsProvider | None = None):
        if provider is None:
            path = getattr(settings, "NOTIFICATION_SMS_PROVIDER", "")
            if not path:
                raise ImproperlyConfigured(
                    "SmsSender needs NOTIFICATION_SMS_PROVIDER (a dotted path to an SmsProvider)"
                )
            provider = import_string(path)()
        self.provider = provider

    def send(self, message: Message) -> str:
        if not message.to:
            raise SendFailed("no phone number", permanent=True)
        return self.provider.send_sms(phone=message.to, text=message.body, out_id=str(message.id))


def sender_for(channel: str) -> Sender:
    """A sender for ``channel``, built from ``settings.NOTIFICATION_SENDERS`` (read on each call, so tests and
    operators can change it without a restart of the code that holds it)."""
    try:
        path = settings.NOTIFICATION_SENDERS[channel]
    except KeyError:
        raise ImproperlyConfigured(f"NOTIFICATION_SENDERS has no sender for channel {channel!r}") from None
    return import_string(path)()
