"""Shared-kernel tables: the stored answers of idempotent requests."""

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
