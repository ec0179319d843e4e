"""``Idempotency-Key`` (API.md, Conventions): the same key from the same user on the same endpoint returns the first
response, same status and body, and creates nothing new.

Two ways to hold it under concurrency:

* :func:`idempotent`, for local work: the key's row is inserted in the same transaction as the work. A second
  request with the key blocks on the unique index until the first commits, then fails to insert and replays the
  stored answer; if the first rolled back, the second does the work itself.
* :func:`idempotent_remote`, for work that calls a remote service (a payment provider): the key's row is committed
  as a reservation (``status_code`` 0, "in progress") with the local writes, the remote call runs with no
  transaction open, then the answer is stored. A second request with the key while the first is in flight gets
  409 ``idempotency_in_progress`` with ``Retry-After``.

Error answers (409, 422, 404) are stored too, so a retry sees the same refusal; 429 and 5xx are not: a retry with
the key runs again.
"""

import contextlib
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chefu.api import ChefuJSONEncoder
from chefu.errors import ApplicationError, Conflict, ValidationFailed, envelope
from chefu.inputs import text_problem
from chefu.models import IdempotencyRecord

logger = logging.getLogger(__name__)
T = TypeVar("T")

HEADER = "Idempotency-Key"
# How long an answer is kept for replay.
RETENTION = dt.timedelta(days=7)
MAX_KEY_LENGTH = 255
# ``IdempotencyRecord.status_code`` of a reservation whose work is still running (idempotent_remote).
IN_PROGRESS = 0
# A reservation this old was left by a process that died mid-request: the next request with the key takes it over
# and runs the work again. Twice gunicorn's worker timeout (30 s, its default, which scripts/serve.sh keeps): by then
# the worker that reserved the key has answered or been killed, and the remote call it waited on (Alipay's times out
# after 10 s) has long ended. Shorter would take over live requests; longer keeps a client waiting after a crash.
# A takeover of a request that is somehow still alive opens no second trade: ``payments.services.payment_open``
# reuses the payment whose pay URL was never given out.
IN_PROGRESS_TIMEOUT = dt.timedelta(seconds=60)
# What a request that finds the key in progress is told to wait before retrying.
IN_PROGRESS_RETRY_AFTER_S = 2


class IdempotencyKeyReused(ApplicationError):
    """A 422 that keeps its own code (clients rely on it) and, like every 422, names the field: the header."""

    status = 422
    code = "idempotency_key_reused"
    default_message = _("This Idempotency-Key was already used for a different request.")

    def __init__(self, message: str | None = None):
        super().__init__(message)
        self.details["fields"] = {HEADER: [self.message]}


class IdempotencyInProgress(Conflict):
    code = "idempotency_in_progress"
    default_message = _("A request with this Idempotency-Key is still being processed. Retry shortly.")
    retry_after_s = IN_PROGRESS_RETRY_AFTER_S


def _jsonable(body: Any) -> Any:
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
    if record.status_code == IN_PROGRESS:
        raise IdempotencyInProgress()
    response = JsonResponse(record.response, status=record.status_code, json_dumps_params={"ensure_ascii": False})
    response["Idempotent-Replayed"] = "true"
    return response


def _answer(status: int, body: Any) -> JsonResponse:
    return JsonResponse(_jsonable(body), status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _key(request: HttpRequest) -> str | None:
    key = request.headers.get(HEADER)
    if key is not None and not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise ValidationFailed({HEADER: _("Give a key of 1 to 255 characters.")})
    if key is not None and (problem := text_problem(key)):
        raise ValidationFailed({HEADER: problem})
    return key


def _is_stored(error: ApplicationError) -> bool:
    """Whether a refusal is the request's answer (replayed) or a passing state a retry may get past (429, 5xx, any
    refusal that says when to retry)."""
    return error.status < 500 and error.status != 429 and error.retry_after_s is None


def _refusal_store(lookup: dict, request_hash: str, error: ApplicationError) -> None:
    body = envelope(error.status, error.code, error.message, error.details)
    with transaction.atomic():
        IdempotencyRecord.objects.get_or_create(
            **lookup, defaults={"request_hash": request_hash, "status_code": error.status, "response": body}
        )


def _reserved(
    lookup: dict, request_hash: str, work: Callable[[IdempotencyRecord], T]
) -> tuple[IdempotencyRecord, T] | None:
    """Insert the key's row as a reservation and run ``work(record)``, in one transaction. None, with nothing run,
    when a concurrent request with the key inserted its row first (this one waited on the unique index until that
    transaction ended). A refusal ``work`` raises rolls both back, is stored for replay (``_is_stored``) and raised."""
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        **lookup, request_hash=request_hash, status_code=IN_PROGRESS, response={}
                    )
            except IntegrityError:
                return None
            return record, work(record)
    except ApplicationError as error:
        if _is_stored(error):
            _refusal_store(lookup, request_hash, error)
        raise


def idempotent(request: HttpRequest, *, scope: str, work: Callable[[], tuple[int, Any]]) -> JsonResponse:
    """Run ``work`` (returns ``(status, body)``; raises ``ApplicationError`` to refuse) at most once per key, in
    one transaction with the key's row. Not for work that calls a remote service: see :func:`idempotent_remote`.

    Without the header, ``work`` simply runs. ``scope`` names the endpoint (``"POST /bookings"``)."""
    key = _key(request)
    if key is None:
        return _answer(*work())
    request_hash = _fingerprint(request.body or b"")
    lookup = {"user": request.auth, "scope": scope, "key": key}
    if record := IdempotencyRecord.objects.filter(**lookup).first():
        return _replay(record, request_hash)

    def work_and_keep(record: IdempotencyRecord) -> tuple[int, Any]:
        status, body = work()
        record.status_code, record.response = status, _jsonable(body)
        record.save(update_fields=["status_code", "response"])
        return status, body

    if (done := _reserved(lookup, request_hash, work_and_keep)) is None:
        # the concurrent request committed its answer (had it rolled back, this one's insert would have succeeded)
        return _replay(IdempotencyRecord.objects.get(**lookup), request_hash)
    return _answer(*done[1])


def idempotent_remote(
    request: HttpRequest,
    *,
    scope: str,
    reserve: Callable[[], T],
    finish: Callable[[T], tuple[int, Any]],
) -> JsonResponse:
    """Like :func:`idempotent`, for work that calls a remote service, so that no transaction (and no row lock) is
    open while it waits on the network (STYLE.md §8).

    ``reserve`` does the local writes (e.g. opens the payment row) and returns what ``finish`` needs; it runs in
    one short transaction that also commits the key's reservation. ``finish`` makes the remote call with no
    transaction open, records its outcome in short transactions of its own and returns ``(status, body)``, which
    is then stored for replay. Either may raise ``ApplicationError`` to refuse.

    With the key:

    * while the first request is in flight, the same key gets 409 ``idempotency_in_progress`` with
      ``Retry-After`` (nothing is stored for that answer), and the same key with another body 422
      ``idempotency_key_reused``;
    * a refusal (4xx other than 429, and not one that says when to retry) from either step is stored and replayed;
    * when ``finish`` fails otherwise (a 5xx such as the provider being unreachable, or an unexpected error) the
      reservation is released: what ``reserve`` committed stays (``finish`` records the failure), and a retry with
      the key reserves and runs again;
    * a reservation older than ``IN_PROGRESS_TIMEOUT`` was left by a process that died: the next request with the
      key takes it over. That request may in fact still be running: ``reserve`` should reuse what it wrote rather
      than start a second remote operation.

    Without the header, ``reserve`` then ``finish`` simply run."""
    key = _key(request)
    if key is None:
        with transaction.atomic():
            state = reserve()
        return _answer(*finish(state))
    request_hash = _fingerprint(request.body or b"")
    lookup = {"user": request.auth, "scope": scope, "key": key}
    if (record := IdempotencyRecord.objects.filter(**lookup).first()) is not None:
        if not _abandoned(record):
            return _replay(record, request_hash)
        IdempotencyRecord.objects.filter(pk=record.pk, status_code=IN_PROGRESS).delete()
    if (reserved := _reserved(lookup, request_hash, lambda record: reserve())) is None:
        if (found := IdempotencyRecord.objects.filter(**lookup).first()) is None:
            raise IdempotencyInProgress()  # reserved, then released by a failure in between: the retry will run
        return _replay(found, request_hash)
    record, state = reserved
    try:
        status, body = finish(state)
    except ApplicationError as error:
        if _is_stored(error):
            _record_answer(record, error.status, envelope(error.status, error.code, error.message, error.details))
        else:
            _reservation_release(record)
        raise
    except BaseException:
        _reservation_release(record)
        raise
    _record_answer(record, status, body)
    return _answer(status, body)


def _abandoned(record: IdempotencyRecord) -> bool:
    return record.status_code == IN_PROGRESS and record.created_at < timezone.now() - IN_PROGRESS_TIMEOUT


def _record_answer(record: IdempotencyRecord, status: int, body: Any) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk, status_code=IN_PROGRESS).update(
        status_code=status, response=_jsonable(body)
    )


def _reservation_release(record: IdempotencyRecord) -> None:
    """Forget the reservation so a retry runs again; the failure that got here is what the caller hears about."""
    try:
        IdempotencyRecord.objects.filter(pk=record.pk, status_code=IN_PROGRESS).delete()
    except DatabaseError:
        logger.exception("Could not release the Idempotency-Key reservation %s", record.pk)
