"""Domain events: how a lower app lets higher ones react without importing them (ARCHITECTURE.md, Layers and events).

The app that makes a change declares its events in ``<app>/events.py`` (frozen dataclasses of JSON-able values) and
its services :func:`emit` them inside their transaction. Another app reacts by calling :func:`subscribe` from its
``AppConfig.ready()``. Handlers receive the event after the emitter commits, each in its own transaction, in
registration order; one that fails is logged and retried, and never undoes the emitter's commit nor stops the others.

Outbox semantics where a reaction must not be lost: for a ``durable`` subscriber, :func:`emit` writes an
:class:`chefu.models.EventDelivery` row in the emitter's transaction, deleted in the transaction in which the handler
succeeds. A non-durable handler that fails gets such a row then. A beat task (``chefu.tasks.events_retry_due_task``)
runs due rows again with a growing delay, and after ``EVENT_DELIVERY_MAX_ATTEMPTS`` keeps a row as dead (read-only in
the admin). A handler may therefore run more than once: handlers are idempotent.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import traceback
import types
import typing
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, ClassVar

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from chefu.observability.context import request_id_bound, request_id_get

logger = logging.getLogger(__name__)

# The values a payload field may hold; Decimal, datetime and date travel as strings and come back typed.
_SCALARS = (str, int, bool, Decimal, dt.datetime, dt.date, type(None))


@dataclasses.dataclass(frozen=True)
class Event:
    """A fact a service has committed to. Subclasses are frozen dataclasses with a stable ``name``
    (``"booking.completed"``: it is stored in outbox rows, so it never changes) and fields of ids, strings, numbers,
    ``Decimal``, aware datetimes and dates (tuples of those too)."""

    name: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("name")
        if not name:
            raise ImproperlyConfigured(f"{cls.__qualname__} needs a stable name, e.g. 'booking.completed'.")
        known = _events.get(name)
        if known is not None and known.__qualname__ != cls.__qualname__:
            raise ImproperlyConfigured(f"Event name {name!r} is taken by {known.__module__}.{known.__qualname__}.")
        _events[name] = cls

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            values = value if isinstance(value, tuple) else (value,)
            if not all(isinstance(v, _SCALARS) for v in values):
                raise TypeError(f"{self.name}.{field.name}: {type(value).__name__} is not a payload value")

    def payload(self) -> dict[str, Any]:
        """The fields as JSON values."""
        return {field.name: _encode(getattr(self, field.name)) for field in dataclasses.fields(self)}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Event:
        """The event :meth:`payload` was taken from."""
        hints = typing.get_type_hints(cls)
        return cls(**{f.name: _decode(hints[f.name], payload[f.name]) for f in dataclasses.fields(cls)})


def _encode(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_encode(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    return value


def _decode(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
        origin = typing.get_origin(hint)
    if origin is tuple:
        item = typing.get_args(hint)[0]
        return tuple(_decode(item, v) for v in value)
    if hint is Decimal:
        return Decimal(value)
    if hint is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if hint is dt.date:
        return dt.date.fromisoformat(value)
    return value


Handler = Callable[[Any], None]


@dataclasses.dataclass(frozen=True)
class Subscriber:
    path: str
    handler: Handler
    durable: bool
    when: Callable[[Any], bool] | None = None
    atomic: bool = True

    def wants(self, event: Event) -> bool:
        return self.when is None or self.when(event)


_events: dict[str, type[Event]] = {}
_subscribers: dict[type[Event], list[Subscriber]] = {}
_recorders: list[list[Event]] = []


def handler_path(handler: Handler) -> str:
    """The dotted path a handler is known by (in outbox rows and logs)."""
    return f"{handler.__module__}.{handler.__qualname__}"


def subscribe(
    event_class: type[Event],
    handler: Handler,
    *,
    durable: bool = False,
    when: Callable[[Any], bool] | None = None,
    atomic: bool = True,
) -> None:
    """Call ``handler(event)`` after each committed ``event_class``. From the subscriber app's
    ``AppConfig.ready()`` only; subscribing the same handler again is a no-op. ``durable``: the reaction is written
    to the outbox with the event, so a crash between the commit and the handler loses nothing. ``when(event)``,
    asked at :func:`emit`: only the events it is true for reach the handler (a durable one writes no row for the
    others), e.g. a service kind's own bookings, or a payment that settled nothing. ``atomic=False``: the handler
    runs without a transaction of its own, for one that never writes to the database (a metric): it then costs no
    savepoint when the emitter's commit is itself inside a transaction."""
    path = handler_path(handler)
    if "<" in path:
        raise ImproperlyConfigured(f"{path}: a handler must be a module-level function (it is known by its path).")
    if durable and not atomic:
        raise ImproperlyConfigured(f"{path}: a durable handler runs in the transaction that deletes its outbox row.")
    subscribers = _subscribers.setdefault(event_class, [])
    if all(s.path != path for s in subscribers):
        subscribers.append(Subscriber(path=path, handler=handler, durable=durable, when=when, atomic=atomic))


def subscribers(event_class: type[Event]) -> list[Subscriber]:
    """``event_class``'s subscribers, in registration order."""
    return list(_subscribers.get(event_class, ()))


def emit(event: Event) -> None:
    """Deliver ``event`` to its subscribers once the current transaction commits (at once outside one). Writes one
    outbox row per durable subscriber, in one INSERT, in the caller's transaction; costs no query otherwise."""
    for recorded in _recorders:
        recorded.append(event)
    subscribed = [s for s in subscribers(type(event)) if s.wants(event)]
    if not subscribed:
        return
    rows: dict[str, int] = {}
    durable = [s for s in subscribed if s.durable]
    if durable:
        from chefu.models import EventDelivery

        now = timezone.now()
        created = EventDelivery.objects.bulk_create(
            [
                EventDelivery(
                    event=event.name,
                    payload=event.payload(),
                    subscriber=s.path,
                    next_attempt_at=now + _retry_delay(0),
                    created_at=now,
                    request_id=request_id_get() or "",
                )
                for s in durable
            ]
        )
        rows = {s.path: row.pk for s, row in zip(durable, created, strict=True)}
    transaction.on_commit(lambda: _deliver(event, subscribed, rows))


@contextlib.contextmanager
def recording() -> Iterator[list[Event]]:
    """The events emitted inside the block, as they are emitted (whether or not their transaction commits): for
    tests that a service emits what it should."""
    recorded: list[Event] = []
    _recorders.append(recorded)
    try:
        yield recorded
    finally:
        _recorders.remove(recorded)


# --- Delivery ------------------------------------------------------------------------------------------------------


def _retry_delay(attempts: int) -> dt.timedelta:
    """30 s before the first retry, doubling, at most an hour."""
    return dt.timedelta(seconds=min(30 * 2**attempts, 3600))


def _error_text(error: BaseException) -> str:
    return "".join(traceback.format_exception(error))[-4000:]


def _deliver(event: Event, subscribed: list[Subscriber], rows: dict[str, int]) -> None:
    for subscriber in subscribed:
        if subscriber.path in rows:
            _deliver_durable(event, subscriber, rows[subscriber.path])
        else:
            _deliver_once(event, subscriber)


def _deliver_once(event: Event, subscriber: Subscriber) -> None:
    try:
        with transaction.atomic() if subscriber.atomic else contextlib.nullcontext():
            subscriber.handler(event)
    except Exception as error:
        logger.exception("%s failed on %s; it will be retried", subscriber.path, event.name)
        try:
            _retry_row_write(event, subscriber, error)
        except Exception:
            logger.exception("%s on %s: could not write its retry; the reaction is lost", subscriber.path, event.name)


def _retry_row_write(event: Event, subscriber: Subscriber, error: BaseException) -> None:
    from chefu.models import EventDelivery

    now = timezone.now()
    EventDelivery.objects.create(
        event=event.name,
        payload=event.payload(),
        subscriber=subscriber.path,
        attempts=1,
        next_attempt_at=now + _retry_delay(1),
        last_error=_error_text(error),
        created_at=now,
        request_id=request_id_get() or "",
    )


def _deliver_durable(event: Event, subscriber: Subscriber, delivery_id: int) -> None:
    from chefu.lock_objects import event_delivery_lock
    from chefu.models import EventDelivery

    try:
        with transaction.atomic():
            # Claimed by deleting it, undone with the handler's work if the handler fails. Nothing is deleted when
            # the retry task has run it already (its row is written due later than this runs).
            if not EventDelivery.objects.filter(pk=delivery_id).delete()[0]:
                return
            subscriber.handler(event)
    except Exception as error:
        logger.exception("%s failed on %s; it will be retried", subscriber.path, event.name)
        try:
            with transaction.atomic():
                delivery = event_delivery_lock(delivery_id)
                if delivery is not None:
                    _attempt_failed(delivery, error, timezone.now())
        except Exception:
            logger.exception(
                "%s on %s: could not record the failure; the row retries as it is", subscriber.path, event.name
            )


def _attempt_failed(delivery, error: BaseException, now: dt.datetime) -> None:
    delivery.attempts += 1
    delivery.last_error = _error_text(error)
    delivery.next_attempt_at = now + _retry_delay(delivery.attempts)
    if delivery.attempts >= settings.EVENT_DELIVERY_MAX_ATTEMPTS:
        delivery.dead_at = now
        logger.error("%s on %s gave up after %s attempts", delivery.subscriber, delivery.event, delivery.attempts)
    delivery.save(update_fields=["attempts", "last_error", "next_attempt_at", "dead_at"])


def _subscriber_for(delivery) -> tuple[type[Event], Subscriber]:
    event_class = _events.get(delivery.event)
    if event_class is None:
        raise LookupError(f"No event is named {delivery.event!r}.")
    for subscriber in _subscribers.get(event_class, ()):
        if subscriber.path == delivery.subscriber:
            return event_class, subscriber
    raise LookupError(f"{delivery.subscriber} no longer subscribes to {delivery.event}.")


def deliveries_retry_due(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Run the due deliveries again, oldest first, one transaction each, each row locked while its handler runs (a
    concurrent run skips it). Returns how many succeeded; a failure is rescheduled or, at the last attempt, kept
    as dead."""
    from chefu.lock_objects import event_delivery_due_lock

    now = now or timezone.now()
    succeeded = 0
    for _ in range(limit):
        with transaction.atomic():
            delivery = event_delivery_due_lock(now=now)
            if delivery is None:
                break
            try:
                # Under the id of the request that emitted the event: the handler's logs and tasks carry it.
                with transaction.atomic(), request_id_bound(delivery.request_id or None):
                    event_class, subscriber = _subscriber_for(delivery)
                    subscriber.handler(event_class.from_payload(delivery.payload))
            except SoftTimeLimitExceeded:
                raise  # the task's time is up, not the handler's fault: the row stays as it was for the next run
            except Exception as error:
                logger.warning("%s failed again on %s: %s", delivery.subscriber, delivery.event, error)
                _attempt_failed(delivery, error, now)
            else:
                delivery.delete()
                succeeded += 1
    return succeeded
