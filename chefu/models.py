"""Shared-kernel tables: the stored answers of idempotent requests, and the domain events' owed reactions."""

from django.conf import settings
from django.db import models
from django.utils.timezone import now


class IdempotencyRecord(models.Model):
    """The first answer to a request sent with an ``Idempotency-Key``: replayed for the same key from the same
    user on the same endpoint (``scope``). ``request_hash`` tells a retry from a different request reusing a key.
    ``status_code`` 0 is a reservation whose work is still running (``chefu.idempotency.idempotent_remote``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=120)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(default=now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_key_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.scope} {self.key}"


class EventDelivery(models.Model):
    """A reaction to a domain event still owed: one row per (event, subscriber) that must not be lost
    (``chefu.events``). Written with the event, in the emitter's transaction, for a durable subscriber; written
    after the fact for any subscriber whose first attempt failed. Deleted in the transaction in which its handler
    succeeds. ``dead_at``: given up after ``EVENT_DELIVERY_MAX_ATTEMPTS``; kept for someone to look at."""

    event = models.CharField(max_length=80)
    payload = models.JSONField()
    subscriber = models.CharField(max_length=200)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=now)
    dead_at = models.DateTimeField(null=True, blank=True)
    # The id of the request whose change emitted the event (chefu.observability): a retry logs under it, and the
    # tasks it queues carry it on.
    request_id = models.CharField(max_length=128, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=models.Q(dead_at__isnull=True), name="event_delivery_due"
            )
        ]
        verbose_name_plural = "event deliveries"

    def __str__(self) -> str:
        return f"{self.event} → {self.subscriber}"
