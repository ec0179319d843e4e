"""The outbox: messages are written in the caller's transaction and delivered by Celery after it commits.

Delivery (``message_deliver``) claims the row with one conditional UPDATE (``pending``/``failed`` and due, or a
``sending`` claim that has expired → ``sending`` until now + ``NOTIFICATION_CLAIM_LEASE_S``, one more attempt), calls
the channel's sender with no transaction open and no row locked, then records the outcome. Two workers, a task
delivered twice, the sweep racing the on-commit task: only one of them wins the claim. A worker that dies mid-send
leaves a claim that expires, and the sweep (``messages_deliver_due``, every 30 s) takes the message again; the
sender passes the message id to the provider as its idempotency key.

Failures: ``failed`` with ``last_error`` and the next attempt pushed into ``send_after`` (exponential backoff from
``NOTIFICATION_RETRY_BACKOFF_S``, at most ``NOTIFICATION_RETRY_BACKOFF_MAX_S``). After ``NOTIFICATION_MAX_ATTEMPTS``
attempts, or at once when the sender says retrying cannot help, ``gave_up`` is set: the row stays ``failed`` and
nothing retries it until someone does (``messages_retry``, the admin's "retry now").

Secret parameters (a one-time code) are never in a row: ``notify_phone`` keeps them in Redis for their lifetime
(``secret_store``) and delivery fills them into the text it hands the sender; once they are gone the message is
``cancelled`` instead, so a code is never delivered after it expired or was withdrawn (``messages_cancel``).
"""

import datetime as dt
import logging
import time
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from chefu.queue import send_now
from notifications import secret_store, selectors, templates
from notifications.lock_objects import failed_messages_lock
from notifications.models import UNDELIVERED_STATUSES, Channel, Message, MessageStatus
from notifications.senders import SendFailed, sender_for

logger = logging.getLogger(__name__)

# A sweep stops claiming new messages after this long, well inside the task's soft time limit; the next sweep
# carries on where it stopped.
SWEEP_BUDGET_S = 120
MAX_ERROR_CHARS = 2000


def _claimable(now: dt.datetime) -> Q:
    """Rows a worker may claim at ``now``: due and not held by a live claim, or held by a claim that expired."""
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    due = Q(status__in=[MessageStatus.PENDING, MessageStatus.FAILED], send_after__lte=now) & free
    expired = Q(status=MessageStatus.SENDING, claimed_until__lt=now)
    # The outer status and gave_up terms repeat the partial index's predicate so that the planner can use it.
    return Q(status__in=UNDELIVERED_STATUSES, gave_up=False) & (due | expired)


def _backoff(attempt: int) -> dt.timedelta:
    seconds = settings.NOTIFICATION_RETRY_BACKOFF_S * 2 ** max(attempt - 1, 0)
    return dt.timedelta(seconds=min(seconds, settings.NOTIFICATION_RETRY_BACKOFF_MAX_S))


def _address(recipient: AbstractBaseUser, channel: str) -> tuple[str, str]:
    """(``to``, reason it cannot be delivered or '')."""
    if channel == Channel.SMS:
        phone = getattr(recipient, "phone", "") or ""
        return phone, "" if phone else "the recipient has no phone number"
    if channel == Channel.EMAIL:
        email = getattr(recipient, "email", "") or ""
        return email, "" if email else "the recipient has no e-mail address"
    return "", ""


def _dispatch(message_ids: Sequence[int]) -> None:
    """Queue a delivery task per message, failing fast when the broker is down (the sweep delivers them)."""
    send_now(
        "notifications.tasks.message_deliver_task",
        [((pk,), {}) for pk in message_ids],
        what=f"delivery of messages {list(message_ids)}",
    )


def _dispatch_on_commit(message_ids: list[int]) -> None:
    if message_ids:
        transaction.on_commit(lambda: _dispatch(message_ids))


def _message_build(
    *,
    recipient: AbstractBaseUser | None,
    channel: str,
    to: str,
    template: str,
    params: dict[str, str],
    ref: str,
    send_after: dt.datetime,
    now: dt.datetime,
    dedupe_key: str | None = None,
    undeliverable: str = "",
) -> Message:
    """An unsaved, validated outbox row; secret parameters appear only as their markers, in params and body."""
    stored = templates.stored_params(template, params)
    rendered = templates.render(template, stored)
    message = Message(
        recipient=recipient,
        channel=channel,
        template=template,
        params=stored,
        to=to,
        subject=rendered.subject,
        body=rendered.body,
        ref=ref,
        dedupe_key=dedupe_key,
        send_after=send_after,
        created_at=now,
        status=MessageStatus.CANCELLED if undeliverable else MessageStatus.PENDING,
        last_error=undeliverable,
    )
    # The recipient is the caller's loaded row, and the constraints are the database's: no queries for either.
    message.full_clean(exclude=["recipient"], validate_constraints=False)
    return message


def _messages_save(built: list[Message], *, dedupe_key: str | None) -> tuple[list[Message], list[Message]]:
    """(the messages, those written now): ``built`` (one per channel) inserted in one statement. With a
    ``dedupe_key``, the unique (dedupe_key, channel) refuses a channel that already has a row (written earlier, or by
    a concurrent notify that committed first): that row is returned instead and only the other channels are
    written."""
    if dedupe_key is None:
        written = Message.objects.bulk_create(built)
        return written, written
    try:
        with transaction.atomic():
            written = Message.objects.bulk_create(built)
        return written, written
    except IntegrityError:
        pass
    messages, written = [], []
    for message in built:  # the rare path: one channel at a time, each may have been written meanwhile
        try:
            with transaction.atomic():
                message.save()
            written.append(message)
        except IntegrityError:
            message = Message.objects.filter(dedupe_key=dedupe_key, channel=message.channel).first()
            if message is None:
                raise
        messages.append(message)
    return messages, written


def notify(
    *,
    recipient: AbstractBaseUser,
    template: str,
    params: dict[str, str],
    ref: str = "",
    send_after: dt.datetime | None = None,
    channels: Sequence[str] | None = None,
    dedupe_key: str | None = None,
) -> list[Message]:
    """Write one message per channel (default: the template's channels, e.g. ("sms", "in_app")) in the caller's
    transaction (one INSERT, so no transaction of its own; the checks raise before anything is written); due ones
    are dispatched to Celery on commit; future ones (send_after > now) are left to the sweep.

    dedupe_key: with the channel, unique; a second notify with the same key creates nothing (returns the existing
    rows). A channel the recipient has no address for (e-mail: users have none yet) gets a ``cancelled`` row that
    says why. ValueError for an unknown template or channel, a missing parameter or a naive ``send_after``.
    """
    spec = templates.template_get(template)
    if spec.secret_params:
        raise ValueError(f"Message template {template!r} has secret parameters: send it with notify_phone")
    templates.render(template, params)
    channels = tuple(dict.fromkeys(spec.channels if channels is None else channels))
    unknown = [c for c in channels if c not in Channel.values]
    if unknown:
        raise ValueError(f"Unknown channel(s): {', '.join(unknown)}")
    now = timezone.now()
    if send_after is None:
        send_after = now
    elif timezone.is_naive(send_after):
        raise ValueError("send_after must be an aware datetime")

    built = []
    for channel in channels:
        to, undeliverable = _address(recipient, channel)
        built.append(
            _message_build(
                recipient=recipient,
                channel=channel,
                to=to,
                template=template,
                params=params,
                ref=ref,
                send_after=send_after,
                now=now,
                dedupe_key=dedupe_key,
                undeliverable=undeliverable,
            )
        )
    messages, written = _messages_save(built, dedupe_key=dedupe_key)
    due = [m.pk for m in written if m.status == MessageStatus.PENDING and send_after <= now]
    _dispatch_on_commit(due)
    return messages


@transaction.atomic
def notify_phone(
    *,
    phone: str,
    template: str,
    params: dict[str, str],
    recipient: AbstractBaseUser | None = None,
    ref: str = "",
    secret_ttl_s: int | None = None,
) -> Message:
    """Write one SMS to ``phone`` in the caller's transaction and dispatch it to Celery on commit: for a number that
    may have no account yet (a registration's verification code). ``recipient``: the account the number belongs to,
    if any.

    A template's secret parameters (a code) are never written to the database: they are kept in Redis for
    ``secret_ttl_s`` seconds (required for such a template), and a message not delivered by then is cancelled, not
    sent (:func:`message_deliver`). ValueError for an unknown template, one not sent by SMS, a missing parameter,
    an empty number or a secret without its lifetime."""
    spec = templates.template_get(template)
    if Channel.SMS not in spec.channels:
        raise ValueError(f"Message template {template!r} is not sent by SMS")
    if not phone:
        raise ValueError("notify_phone needs a phone number")
    if spec.secret_params and not secret_ttl_s:
        raise ValueError(f"Message template {template!r} has secret parameters: give their secret_ttl_s")
    now = timezone.now()
    message = _message_build(
        recipient=recipient,
        channel=Channel.SMS,
        to=phone,
        template=template,
        params=params,
        ref=ref,
        send_after=now,
        now=now,
    )
    message.save()
    if spec.secret_params:
        secret_store.secrets_keep(
            message_id=message.pk, values={name: params[name] for name in spec.secret_params}, ttl_s=secret_ttl_s
        )
    _dispatch_on_commit([message.pk])
    return message


def _templates_with_secrets() -> list[str]:
    return [code for code, spec in templates.TEMPLATES.items() if spec.secret_params]


@transaction.atomic
def messages_cancel(*, ref: str, templates: Sequence[str] | None = None, keep_dedupe_keys: Sequence[str] = ()) -> int:
    """Cancel the undelivered (pending/failed) messages with this ref (and template among templates, and a dedupe key
    not among ``keep_dedupe_keys``); returns how many.
    Used when a booking is rescheduled or cancelled so its reminders do not go out, and when a code is replaced or
    used.

    A message being sent at this moment (``sending``) goes out, unless it has secrets: those of every message with
    this ref are withdrawn. One that has given up stays as it is."""
    if not ref:
        raise ValueError("messages_cancel needs a ref")
    rows = Message.objects.filter(ref=ref, status__in=[MessageStatus.PENDING, MessageStatus.FAILED], gave_up=False)
    if templates is not None:
        rows = rows.filter(template__in=list(templates))
    if keep_dedupe_keys:
        rows = rows.exclude(dedupe_key__in=list(keep_dedupe_keys))
    # Their secrets are withdrawn whatever their status, so that even one claimed meanwhile (sending) finds nothing
    # to send, and a sent code is not kept any longer.
    with_secrets = [code for code in _templates_with_secrets() if templates is None or code in templates]
    if with_secrets:
        withdrawn = list(Message.objects.filter(ref=ref, template__in=with_secrets).values_list("pk", flat=True))
        transaction.on_commit(lambda: secret_store.secrets_drop(message_ids=withdrawn))
    return rows.update(status=MessageStatus.CANCELLED, claimed_until=None)


@transaction.atomic
def messages_retry(*, message_ids: Sequence[int]) -> int:
    """Make these failed messages (given up or waiting for their backoff) due now with a fresh set of attempts, and
    queue them on commit; returns how many. Other statuses are left alone (a pending reminder is not sent early)."""
    now = timezone.now()
    ids = failed_messages_lock(message_ids)
    Message.objects.filter(pk__in=ids).update(
        status=MessageStatus.PENDING, gave_up=False, attempts=0, send_after=now, claimed_until=None
    )
    _dispatch_on_commit(ids)
    return len(ids)


def message_deliver(*, message_id: int, now: dt.datetime | None = None) -> str:
    """Claim the message, send it, record the outcome; returns its status afterwards ('' if there is no such row).

    Safe to call any number of times, concurrently: a message that is not due, already sent, cancelled, given up or
    claimed by someone else is left alone and its status returned. Call it outside a transaction: the claim must be
    committed before the sender runs, so that nobody else sends it meanwhile. ``now`` (tests): the time to judge
    due-ness and leases by, and to stamp the outcome with.
    """
    claimed_at = now or timezone.now()
    claimed = Message.objects.filter(_claimable(claimed_at), pk=message_id).update(
        status=MessageStatus.SENDING,
        claimed_until=claimed_at + dt.timedelta(seconds=settings.NOTIFICATION_CLAIM_LEASE_S),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return _status(message_id)
    message = Message.objects.get(pk=message_id)
    attempt = message.attempts
    if attempt > settings.NOTIFICATION_MAX_ATTEMPTS:
        # Only a claim that expired on the last attempt gets here: that worker died; it may have sent the message.
        return _record_failure(message, attempt, "no attempts left after a lost claim", give_up=True, now=now)

    text = selectors.message_text(message=message)
    if text is None:
        return _record_cancelled(message, attempt, "its secret expired or was withdrawn before delivery")
    # On this instance only, never saved: the secrets filled in for the sender.
    message.body = text

    try:
        provider_message_id = sender_for(message.channel).send(message)
    except SendFailed as exc:
        return _record_failure(message, attempt, str(exc), give_up=exc.permanent, now=now)
    except Exception as exc:
        logger.warning("Message %s: attempt %s failed", message_id, attempt, exc_info=True)
        return _record_failure(message, attempt, f"{type(exc).__name__}: {exc}", give_up=False, now=now)

    # Whoever holds the claim now, the message went out: record it unless it is already recorded.
    recorded = Message.objects.filter(
        pk=message_id, status__in=[MessageStatus.SENDING, MessageStatus.PENDING, MessageStatus.FAILED]
    ).update(
        status=MessageStatus.SENT,
        sent_at=now or timezone.now(),
        provider_message_id=(provider_message_id or "")[:100],
        claimed_until=None,
        gave_up=False,
    )
    return MessageStatus.SENT.value if recorded else _status(message_id)


def _record_cancelled(message: Message, attempt: int, why: str) -> str:
    recorded = Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING, attempts=attempt).update(
        status=MessageStatus.CANCELLED, last_error=why, claimed_until=None
    )
    return MessageStatus.CANCELLED.value if recorded else _status(message.pk)


def _record_failure(message: Message, attempt: int, error: str, *, give_up: bool, now: dt.datetime | None) -> str:
    give_up = give_up or attempt >= settings.NOTIFICATION_MAX_ATTEMPTS
    failed_at = now or timezone.now()
    changes = {
        "status": MessageStatus.FAILED,
        "last_error": error[:MAX_ERROR_CHARS],
        "claimed_until": None,
        "gave_up": give_up,
    }
    if not give_up:
        changes["send_after"] = failed_at + _backoff(attempt)
    # Fenced by the attempt number: if our claim expired and another worker took the message, its outcome stands.
    recorded = Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING, attempts=attempt).update(**changes)
    if not recorded:
        return _status(message.pk)
    if give_up:
        logger.warning("Message %s: giving up after %s attempt(s): %s", message.pk, attempt, error)
    return MessageStatus.FAILED.value


def _status(message_id: int) -> str:
    return Message.objects.filter(pk=message_id).values_list("status", flat=True).first() or ""


def messages_deliver_due(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Deliver up to ``limit`` due messages, oldest first (retries, reminders come due, messages whose dispatch was
    lost, expired claims); returns how many were sent. Each is claimed on its own, so sweeps may overlap."""
    ids = list(
        Message.objects.filter(_claimable(now or timezone.now()))
        .order_by("send_after", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    deadline = time.monotonic() + SWEEP_BUDGET_S
    sent = 0
    for message_id in ids:
        if time.monotonic() > deadline:
            logger.info("Sweep stopped after %s s; the next one carries on", SWEEP_BUDGET_S)
            break
        if message_deliver(message_id=message_id, now=now) == MessageStatus.SENT:
            sent += 1
    return sent


@transaction.atomic
def notification_mark_read(*, user: AbstractBaseUser, message_id: int) -> Message:
    """Mark the user's in-app message read (the first time counts); NotFound for another user's or a hidden one."""
    message = selectors.notification_get_for_user(user=user, message_id=message_id)
    if message.read_at is None:
        Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=timezone.now())
        message.refresh_from_db(fields=["read_at"])
    return message
