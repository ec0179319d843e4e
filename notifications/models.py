from django.conf import settings
from django.contrib.postgres.indexes import BrinIndex
from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    IN_APP = "in_app", _("In-app")


class MessageStatus(models.TextChoices):
    """``pending``: waiting for ``send_after``; ``sending``: claimed by a worker until ``claimed_until``;
    ``sent``: the sender accepted it; ``failed``: the last attempt failed and another is due at ``send_after``,
    unless ``gave_up`` (final: ``NOTIFICATION_MAX_ATTEMPTS`` used up, or the sender said it can never succeed);
    ``cancelled``: withdrawn before delivery (``messages_cancel``) or undeliverable from the start (no address)."""

    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


# What the sweep looks at: due ones, retries, and claims that may have expired.
UNDELIVERED_STATUSES = (MessageStatus.PENDING, MessageStatus.FAILED, MessageStatus.SENDING)


class Message(models.Model):
    """One message to one person over one channel: the outbox row. Subject and body are rendered when the row is
    written, so later template edits never change what was sent.

    ``recipient`` is None only for an SMS to a number that has no account yet (a registration's code): ``to`` is
    then the whole address."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("recipient"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    template = models.CharField(_("template"), max_length=50)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    to = models.CharField(_("to"), max_length=254, blank=True, help_text=_("Phone number or e-mail address."))
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    ref = models.CharField(_("reference"), max_length=100, blank=True, db_index=True, help_text=_("e.g. booking:12"))
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, null=True, blank=True)
    send_after = models.DateTimeField(_("send after"), default=now)
    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    gave_up = models.BooleanField(_("gave up"), default=False)
    last_error = models.TextField(_("last error"), blank=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider_message_id = models.CharField(_("provider message ID"), max_length=100, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="notif_message_channel_known"),
            models.CheckConstraint(condition=Q(status__in=MessageStatus.values), name="notif_message_status_known"),
            models.UniqueConstraint(
                fields=["dedupe_key", "channel"],
                condition=Q(dedupe_key__isnull=False),
                name="notif_message_dedupe_unique",
            ),
            models.CheckConstraint(
                condition=Q(gave_up=False) | Q(status=MessageStatus.FAILED), name="notif_message_gave_up_failed"
            ),
            models.CheckConstraint(
                condition=~Q(status=MessageStatus.SENT) | Q(sent_at__isnull=False), name="notif_message_sent_at"
            ),
            models.CheckConstraint(
                condition=~Q(status=MessageStatus.SENDING) | Q(claimed_until__isnull=False),
                name="notif_message_sending_claimed",
            ),
            models.CheckConstraint(
                condition=Q(read_at__isnull=True) | Q(channel=Channel.IN_APP), name="notif_message_read_in_app"
            ),
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | (Q(channel=Channel.SMS) & ~Q(to="")),
                name="notif_message_recipient_or_phone",
            ),
        ]
        indexes = [
            # The sweep: due and undelivered, oldest first. Delivered and given-up rows (nearly all) stay out of it.
            models.Index(
                fields=["status", "send_after"],
                condition=Q(status__in=UNDELIVERED_STATUSES, gave_up=False),
                name="notif_message_undelivered",
            ),
            # A user's in-app inbox, newest first.
            models.Index(
                fields=["recipient", "-send_after"], condition=Q(channel=Channel.IN_APP), name="notif_message_inbox"
            ),
            # The retention purge (notifications.retention): rows are written in created_at order, so a BRIN index
            # of a few pages finds the old ones without a B-tree over every row.
            BrinIndex(fields=["created_at"], name="notif_message_created_brin"),
        ]

    def __str__(self) -> str:
        return f"{self.template} → {self.recipient_id} ({self.channel}, {self.status})"
