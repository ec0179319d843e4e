"""Corrective actions: a failed audit item the store must put right by its due date. The store sends evidence
(open → submitted); QA accepts it (submitted → accepted) or reopens it with a reason (submitted → open). Every step
is a :class:`quality.models.CorrectiveActionEvent` row; the store's managers are told through the outbox when actions
are opened, accepted or reopened, in words that never say what kind of audit found them.

An action is overdue when it is still open after its due date (in the store's zone): the store has not answered.
One sent and waiting for QA is not the store's delay."""

import datetime as dt
from collections.abc import Iterable

from django.core.files import File
from django.db import transaction
from django.db.models import Count, DateField, DateTimeField, F, Func, QuerySet, Subquery, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.auth import require_role
from accounts.models import Role, User
from chefu.errors import NotFound, ValidationFailed
from chefu.images import image_clean
from notifications.services import notify
from quality.alerts import alert_raise
from quality.exceptions import InvalidTransition
from quality.lock_objects import action_lock, actions_lock_open_of_audit
from quality.models import (
    ActionPhoto,
    ActionStatus,
    Audit,
    CorrectiveAction,
    CorrectiveActionEvent,
    StandardItem,
)
from stores.models import StaffRole, Store
from stores.selectors import store_access_check

MAX_EVIDENCE_PHOTOS = 10
NOTE_MAX = 2000

ALLOWED_TRANSITIONS = {
    ActionStatus.OPEN: {ActionStatus.SUBMITTED},
    ActionStatus.SUBMITTED: {ActionStatus.ACCEPTED, ActionStatus.OPEN},
    ActionStatus.ACCEPTED: set(),
}


class EventKind:
    CREATED = "created"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REOPENED = "reopened"


def _managers(store_id: int) -> QuerySet[User]:
    return User.objects.filter(
        store_memberships__store_id=store_id, store_memberships__role=StaffRole.MANAGER, is_active=True
    ).distinct()


def _item_text(item: StandardItem) -> str:
    return item.text_zh


def _day(value: dt.date) -> str:
    return date_format(value, "Y-m-d")


# --- opening and closing (from audits) ------------------------------------------------------------------------------


def actions_open(
    *,
    audit: Audit,
    store: Store,
    items: Iterable[tuple[StandardItem, dt.date]],
    by: User | None,
    now: dt.datetime,
) -> list[CorrectiveAction]:
    """One open action per (failed item, due date), with its ``created`` trail row, and one message to each of the
    store's managers. Runs in the caller's transaction (the audit's finalization, which holds the audit's row lock).
    The auditor's notes stay with the audit: the store reads the item's text, the same for every kind of audit."""
    created = CorrectiveAction.objects.bulk_create(
        CorrectiveAction(audit=audit, store=store, item=item, due=due, created_at=now) for item, due in items
    )
    if not created:
        return []
    CorrectiveActionEvent.objects.bulk_create(
        CorrectiveActionEvent(action=action, at=now, kind=EventKind.CREATED, by=by) for action in created
    )
    first_due = min(action.due for action in created)
    for manager in _managers(store.pk):
        notify(
            recipient=manager,
            template="corrective_actions_created",
            params={"store_name": store.name, "count": str(len(created)), "due": _day(first_due)},
            ref=f"corrective_action:{created[0].pk}",
            dedupe_key=f"corrective_actions:{created[0].pk}:to:{manager.pk}",
        )
    return created


def actions_close_by_reaudit(*, audit: Audit, passed_codes: set[str], by: User | None, now: dt.datetime) -> int:
    """A passed re-audit closes the loop: the actions of its failed audit not accepted yet whose items now pass are
    accepted, with a trail row naming the re-audit. Runs in the re-audit's finalization. Returns how many."""
    pending = actions_lock_open_of_audit(audit_id=audit.reaudit_of_id, item_codes=passed_codes)
    for action in pending:
        action.status = ActionStatus.ACCEPTED
        action.accepted_at = now
        action.save(update_fields=["status", "accepted_at"])
    CorrectiveActionEvent.objects.bulk_create(
        CorrectiveActionEvent(action=action, at=now, kind=EventKind.ACCEPTED, by=by, note=_("Passed at re-audit."))
        for action in pending
    )
    return len(pending)


# --- the store's evidence, QA's decision ----------------------------------------------------------------------------


def _transition(action: CorrectiveAction, to: str) -> None:
    if to not in ALLOWED_TRANSITIONS[ActionStatus(action.status)]:
        raise InvalidTransition(details={"from": action.status, "to": to})


def _action_locked(action_id: int) -> CorrectiveAction:
    action = action_lock(action_id)
    if action is None:
        raise NotFound()
    return action


def _text_clean(field: str, value: str, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed({field: _("This field is required.")})
    if len(value) > NOTE_MAX:
        raise ValidationFailed({field: _("At most %(n)d characters.") % {"n": NOTE_MAX}})
    if "\x00" in value:
        raise ValidationFailed({field: _("Remove the NUL character.")})
    return value


def action_evidence_submit(
    *, action_id: int, by: User, note: str, uploads: list[File] | None = None, now: dt.datetime | None = None
) -> CorrectiveAction:
    """The store's answer to an open action: a note and up to ``MAX_EVIDENCE_PHOTOS`` photos (re-encoded like booking
    photos), open → submitted. ``NotFound`` when the action is missing or of a store ``by`` is no staff of (checked
    before any photo is decoded); ``ValidationFailed`` for an empty note or a bad photo; ``InvalidTransition`` unless
    open. Photos are decoded before the action's row is locked."""
    store_access_check(user=by, store_id=Subquery(CorrectiveAction.objects.filter(pk=action_id).values("store_id")))
    note = _text_clean("note", note, required=True)
    uploads = uploads or []
    if len(uploads) > MAX_EVIDENCE_PHOTOS:
        raise ValidationFailed({"photos": _("At most %(n)d photos.") % {"n": MAX_EVIDENCE_PHOTOS}})
    cleaned = [image_clean(upload) for upload in uploads]
    now = now or timezone.now()
    with transaction.atomic():
        action = _action_locked(action_id)
        _transition(action, ActionStatus.SUBMITTED)
        for clean in cleaned:
            photo = ActionPhoto(action=action, width=clean.width, height=clean.height, size=clean.size, uploaded_by=by)
            photo.image.save(clean.content.name, clean.content, save=False)
            photo.save()
        action.status = ActionStatus.SUBMITTED
        action.evidence_note = note
        action.submitted_at = now
        action.save(update_fields=["status", "evidence_note", "submitted_at"])
        CorrectiveActionEvent.objects.create(action=action, at=now, kind=EventKind.SUBMITTED, by=by, note=note)
    return action


def _tell(action: CorrectiveAction, template: str, event: CorrectiveActionEvent, **params: str) -> None:
    store = action.store
    for manager in _managers(store.pk):
        notify(
            recipient=manager,
            template=template,
            params={"store_name": store.name, "item": _item_text(action.item), **params},
            ref=f"corrective_action:{action.pk}",
            dedupe_key=f"corrective_action_event:{event.pk}:to:{manager.pk}",
        )


@transaction.atomic
def action_accept(*, action_id: int, by: User, reason: str = "", now: dt.datetime | None = None) -> CorrectiveAction:
    """QA accepts the store's evidence: submitted → accepted. Locks the action's row. ``PermissionDenied`` unless QA;
    ``NotFound``; ``InvalidTransition`` unless submitted."""
    require_role(by, Role.QA)
    reason = _text_clean("reason", reason, required=False)
    now = now or timezone.now()
    action = _action_locked(action_id)
    _transition(action, ActionStatus.ACCEPTED)
    action.status = ActionStatus.ACCEPTED
    action.accepted_at = now
    action.save(update_fields=["status", "accepted_at"])
    event = CorrectiveActionEvent.objects.create(action=action, at=now, kind=EventKind.ACCEPTED, by=by, note=reason)
    action = CorrectiveAction.objects.select_related("store", "item").get(pk=action.pk)
    _tell(action, "corrective_action_accepted", event)
    return action


@transaction.atomic
def action_reopen(*, action_id: int, by: User, reason: str, now: dt.datetime | None = None) -> CorrectiveAction:
    """QA finds the evidence wanting: submitted → open, with the reason the store is told. The due date stays.
    Locks the action's row. ``PermissionDenied`` unless QA; ``NotFound``; ``ValidationFailed`` without a reason;
    ``InvalidTransition`` unless submitted."""
    require_role(by, Role.QA)
    reason = _text_clean("reason", reason, required=True)
    now = now or timezone.now()
    action = _action_locked(action_id)
    _transition(action, ActionStatus.OPEN)
    action.status = ActionStatus.OPEN
    action.save(update_fields=["status"])
    event = CorrectiveActionEvent.objects.create(action=action, at=now, kind=EventKind.REOPENED, by=by, note=reason)
    action = CorrectiveAction.objects.select_related("store", "item").get(pk=action.pk)
    _tell(action, "corrective_action_reopened", event, reason=reason, due=_day(action.due))
    return action


# --- overdue --------------------------------------------------------------------------------------------------------


def actions_overdue(*, now: dt.datetime | None = None) -> QuerySet[CorrectiveAction]:
    """Open actions past their due date. The date is compared in each store's zone: a due date ends at midnight
    there (one query; the zone is the store's column)."""
    now = now or timezone.now()
    # timezone(zone, timestamptz) is the wall-clock time there; its date is the store's today.
    local_today = Cast(
        Func(F("store__timezone"), Value(now, output_field=DateTimeField()), function="timezone"), DateField()
    )
    return CorrectiveAction.objects.filter(status=ActionStatus.OPEN, due__lt=local_today)


def actions_overdue_count_by_store(*, now: dt.datetime | None = None) -> dict[int, int]:
    """{store id: number of overdue actions}, stores without any left out. One query."""
    rows = actions_overdue(now=now).values("store_id").annotate(n=Count("id")).values_list("store_id", "n")
    return dict(rows)


def actions_overdue_alert(*, now: dt.datetime | None = None) -> int:
    """Raise one alert per overdue action (``action:<id>:overdue``; one open alert per key, so a sweep that runs
    again raises nothing new). Returns how many alerts were raised."""
    raised = 0
    overdue = actions_overdue(now=now).select_related("store", "item").order_by("pk")
    for action in overdue:
        alert = alert_raise(
            key=f"action:{action.pk}:overdue",
            code="corrective_action_overdue",
            message=_("Corrective action %(id)s at %(store)s was due on %(due)s: %(item)s")
            % {"id": action.pk, "store": action.store.name, "due": _day(action.due), "item": _item_text(action.item)},
            store_id=action.store_id,
            details={"action_id": action.pk, "audit_id": action.audit_id, "due": action.due.isoformat()},
        )
        raised += alert is not None
    return raised
