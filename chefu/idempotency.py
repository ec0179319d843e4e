"""``Idempotency-Key`` (API.md, Conventions): the same key from the same user on the same endpoint returns the first
response, same status and body, and creates nothing new.

How it holds under concurrency: the key's row is inserted in the same transaction as the work. A second request
with the key blocks on the unique index until the first commits, then fails to insert and replays the stored
answer; if the first rolled back, the second does the work itself. Error answers (409, 422, 404) are stored too,
in a transaction of their own after the work rolled back, so a retry sees the same refusal.
"""

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chefu.errors import ApplicationError, ValidationFailed, envelope
from chefu.models import IdempotencyRecord

HEADER = "Idempotency-Key"
# How long an answer is kept for replay.
RETENTION = dt.timedelta(days=7)
MAX_KEY_LENGTH = 255


class IdempotencyKeyReused(ApplicationError):
    status = 422
    code = "idempotency_key_reused"
    default_message = _("This Idempotency-Key was already used for a different request.")


def _jsonable(body: Any) -> Any:
    from chefu.api import ChefuJSONEncoder

    return json.loads(json.dumps(body, cls=ChefuJSONEncoder, ensure_ascii=False))


def _fingerprint(body: bytes) -> str:
    """The request's identity: its JSON with sorted keys, so a retry that serializes the same fields in another
    order is still the same request; raw bytes when the body is not JSON."""
    with contextlib.suppress(ValueError):
        body = json.dumps(json.loads(body), sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(body).hexdigest()


def records_purge(*, older_than: dt.timedelta = RETENTION) -> int:
    """Forget answers older than ``older_than`` (a client retries within minutes, not weeks)."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted


def _replay(record: IdempotencyRecord, request_hash: str) -> JsonResponse:
    if record.request_hash != request_hash:
        raise IdempotencyKeyReused()
    response = JsonResponse(record.response, status=record.status_code, json_dumps_params={"ensure_ascii": False})
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(request: HttpRequest, *, scope: str, work: Callable[[], tuple[int, Any]]) -> JsonResponse:
    """Run ``work`` (returns ``(status, body)``; raises ``ApplicationError`` to refuse) at most once per key.

    Without the header, ``work`` simply runs. ``scope`` names the endpoint (``"POST /bookings"``)."""
    key = request.headers.get(HEADER)

    def answer(status: int, body: Any) -> JsonResponse:
        return JsonResponse(_jsonable(body), status=status, safe=False, json_dumps_params={"ensure_ascii": False})

    if key is None:
        return answer(*work())
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise ValidationFailed({HEADER: _("Give a key of 1 to 255 characters.")})
    user = request.auth
    request_hash = _fingerprint(request.body or b"")
    lookup = {"user": user, "scope": scope, "key": key}
    if record := IdempotencyRecord.objects.filter(**lookup).first():
        return _replay(record, request_hash)
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        **lookup, request_hash=request_hash, status_code=0, response={}
                    )
            except IntegrityError:
                record = None  # a concurrent request with this key committed first
            if record is not None:
                status, body = work()
                record.status_code, record.response = status, _jsonable(body)
                record.save(update_fields=["status_code", "response"])
                return answer(status, body)
    except ApplicationError as error:
        if error.status < 500 and error.status != 429:
            body = envelope(error.status, error.code, error.message, error.details)
            with transaction.atomic():
                IdempotencyRecord.objects.get_or_create(
                    **lookup, defaults={"request_hash": request_hash, "status_code": error.status, "response": body}
                )
        raise
    return _replay(IdempotencyRecord.objects.get(**lookup), request_hash)
