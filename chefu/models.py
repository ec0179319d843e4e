"""Shared-kernel tables: the stored answers of idempotent requests, and the domain events' owed reactions."""

from django.conf import settings
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _


class IdempotencyRecord(models.Model):
    """The first answer to a request sent with an ``Idempotency-Key``: replayed for the same key from the same
    user on the same endpoint (``scope``). ``request_hash`` tells a retry from a different request reusing a key.
    ``status_code`` 0 is a reservation whose work is still running (``chefu.idempotency.idempotent_remote``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    scope = models.CharField(verbose_name=_("scope"), max_length=120)
    key = models.CharField(verbose_name=_("key"), max_length=255)
    request_hash = models.CharField(verbose_name=_("request hash"), max_length=64)
    status_code = models.PositiveSmallIntegerField(verbose_name=_("status code"))
    response = models.JSONField(verbose_name=_("response"))
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_key_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.scope} {self.key}"


class EventDelivery(models.Model):
    """A reaction to a domain event still owed: one row per (event, subscriber) that must not be lost
    (``chefu.events``). Written with the event, in the emitter's transaction, for a durable subscriber; written
    after the fact for any subscriber whose first attempt failed. Deleted in the transaction in which its handler
    succeeds. ``dead_at``: given up after ``EVENT_DELIVERY_MAX_ATTEMPTS``; kept for someone to look at."""

    event = models.CharField(verbose_name=_("event"), max_length=80)
    payload = models.JSONField(verbose_name=_("payload"))
    subscriber = models.CharField(verbose_name=_("subscriber"), max_length=200)
    attempts = models.PositiveSmallIntegerField(verbose_name=_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(verbose_name=_("next attempt at"))
    last_error = models.TextField(verbose_name=_("last error"), blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)
    dead_at = models.DateTimeField(verbose_name=_("dead at"), null=True, blank=True)
    # The id of the request whose change emitted the event (chefu.observability): a retry logs under it, and the
    # tasks it queues carry it on.
    request_id = models.CharField(verbose_name=_("request id"), max_length=128, blank=True, default="")

    class Meta:
        verbose_name = _("event delivery")
        verbose_name_plural = _("event deliveries")
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=models.Q(dead_at__isnull=True), name="event_delivery_due"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscriber}"
