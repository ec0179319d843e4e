"""Audits: QA creates one against the standard version in force, records each item's result with notes and photos,
and finalizes it: the score, the verdict, and a corrective action for every failed item, in one transaction.

Scoring (:func:`audit_score`): score = 100 × Σ weight of passed items / Σ weight of passed and failed items (n.a. items
count for nothing), rounded half up to 2 places. The audit passes when the score reaches its pass mark (the setting
``QUALITY_AUDIT_PASS_MARK`` when it was created) and no critical item failed; a failed critical item fails it whatever
the score and sets ``critical_failed``.

A mystery-shopper audit may carry the QA user's own booking at the store (made and paid as any owner's). Nothing the
store sees tells it apart: its corrective actions and their messages read as any audit's.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.auth import require_role
from accounts.models import Role, User
from bookings.models import Booking
from chefu.errors import NotFound, ValidationFailed
from chefu.events import emit
from chefu.images import FIELD, image_clean
from quality import actions
from quality.events import AuditFinalized
from quality.exceptions import AuditFinalized as AuditClosed
from quality.lock_objects import audit_lock
from quality.models import (
    Audit,
    AuditKind,
    AuditPhoto,
    AuditResult,
    AuditResultValue,
    AuditStatus,
    Complaint,
    CorrectiveAction,
    StandardItem,
)
from quality.standards import standard_in_force
from stores.models import Store

# Far more than an audit needs; a cap keeps a runaway client from filling the storage through one audit.
MAX_PHOTOS_PER_AUDIT = 200
# How far from today an audit may be scheduled: typing mistakes beyond these are refused.
SCHEDULE_PAST_DAYS = 366
SCHEDULE_AHEAD_DAYS = 2 * 366
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class ResultSpec:
    code: str
    result: str
    note: str = ""


@dataclass(frozen=True)
class Score:
    score: Decimal
    passed: bool
    critical_failed: bool


def audit_score(*, results: list[tuple[StandardItem, str]], pass_mark: Decimal) -> Score:
    """Score ``results`` (item, ``AuditResultValue``) against ``pass_mark`` (see the module docstring). ``ValueError``
    when no item passed or failed: an audit of n.a. items only says nothing."""
    scored = sum(item.weight for item, result in results if result != AuditResultValue.NA)
    if not scored:
        raise ValueError("nothing scored")
    passed_weight = sum(item.weight for item, result in results if result == AuditResultValue.PASS)
    score = (HUNDRED * passed_weight / scored).quantize(CENT, rounding=ROUND_HALF_UP)
    critical_failed = any(item.critical and result == AuditResultValue.FAIL for item, result in results)
    return Score(score=score, passed=score >= pass_mark and not critical_failed, critical_failed=critical_failed)


def _require_qa(user: User) -> None:
    require_role(user, Role.QA)


# --- creating -------------------------------------------------------------------------------------------------------


@transaction.atomic
def audit_create(
    *,
    by: User,
    store_id: int,
    kind: str,
    scheduled_for: dt.date,
    standard_code: str | None = None,
    assignee_id: int | None = None,
    booking_id: int | None = None,
    reaudit_of_id: int | None = None,
    complaint_id: int | None = None,
) -> Audit:
    """A planned audit of the store against the version of ``standard_code`` in force now (a re-audit defaults to
    its failed audit's code), assigned to ``assignee_id`` (a QA user; ``by`` when None), with the pass mark of today.
    ``PermissionDenied`` unless ``by`` is QA; ``ValidationFailed`` naming each field that does not hold: an unknown
    store or standard, an assignee who is not QA, a date out of range, a booking that is not the QA user's own at
    that store or not for a mystery shop, a re-audit of anything but a finalized failed audit of the same store, a
    complaint about another store."""
    _require_qa(by)
    errors: dict[str, str] = {}
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        errors["store_id"] = _("No such store.")
    if kind not in AuditKind.values:
        errors["kind"] = _("Unknown audit kind.")
    today = timezone.localdate()
    earliest, latest = today - dt.timedelta(days=SCHEDULE_PAST_DAYS), today + dt.timedelta(days=SCHEDULE_AHEAD_DAYS)
    if not earliest <= scheduled_for <= latest:
        errors["scheduled_for"] = _("Schedule the audit within a year back and two years ahead.")

    reaudit_of = None
    if reaudit_of_id is not None:
        reaudit_of = Audit.objects.select_related("standard").filter(pk=reaudit_of_id).first()
        if reaudit_of is None or reaudit_of.store_id != store_id or reaudit_of.passed is not False:
            errors["reaudit_of"] = _("A re-audit follows a finalized, failed audit of the same store.")
        elif not standard_code:
            standard_code = reaudit_of.standard.code
    standard = standard_in_force(code=standard_code) if standard_code else None
    if standard is None:
        errors["standard_code"] = _("No published standard has this code.")

    assignee = by
    if assignee_id is not None:
        assignee = User.objects.filter(pk=assignee_id, is_active=True).first()
        if assignee is None or not ({Role.QA, Role.ADMIN} & set(assignee.roles)):
            errors["assignee_id"] = _("Assign the audit to a QA user.")

    booking = None
    if booking_id is not None:
        booking = Booking.objects.filter(pk=booking_id).first()
        if kind != AuditKind.MYSTERY_SHOPPER:
            errors["booking_id"] = _("Only a mystery-shopper audit carries a booking.")
        elif booking is None or booking.store_id != store_id or booking.owner_id not in {by.pk, assignee_id}:
            errors["booking_id"] = _("The booking must be the QA user's own booking at this store.")

    complaint = None
    if complaint_id is not None:
        complaint = Complaint.objects.filter(pk=complaint_id).first()
        if complaint is None or complaint.store_id != store_id:
            errors["complaint_id"] = _("The complaint must be about this store.")
    if errors:
        raise ValidationFailed(errors)

    return Audit.objects.create(
        store=store,
        standard=standard,
        kind=kind,
        scheduled_for=scheduled_for,
        assignee=assignee,
        created_by=by,
        booking=booking,
        complaint=complaint,
        reaudit_of=reaudit_of,
        pass_mark=Decimal(settings.QUALITY_AUDIT_PASS_MARK).quantize(CENT),
    )


# --- recording ------------------------------------------------------------------------------------------------------


def _open_audit_lock(audit_id: int) -> Audit:
    audit = audit_lock(audit_id)
    if audit is None:
        raise NotFound()
    if audit.status in (AuditStatus.FINALIZED, AuditStatus.CANCELLED):
        raise AuditClosed()
    return audit


def _start(audit: Audit) -> None:
    if audit.status == AuditStatus.PLANNED:
        audit.status = AuditStatus.IN_PROGRESS
        audit.save(update_fields=["status"])


@transaction.atomic
def audit_results_set(*, audit_id: int, by: User, items: list[ResultSpec]) -> Audit:
    """Record (or change) the results of the named items; items not named keep theirs. Locks the audit's row; the
    audit is then in progress. ``PermissionDenied`` unless QA, ``NotFound``, ``AuditFinalized`` once finalized or
    cancelled, ``ValidationFailed`` for an item code not in the audit's standard or a result other than pass, fail,
    na (nothing written then)."""
    _require_qa(by)
    audit = _open_audit_lock(audit_id)
    by_code = {item.code: item for item in StandardItem.objects.filter(standard_id=audit.standard_id)}
    errors: dict[str, str] = {}
    rows: dict[int, AuditResult] = {}
    for index, spec in enumerate(items):
        item = by_code.get(spec.code)
        if item is None:
            errors[f"items.{index}.code"] = _("No such item in this audit's standard.")
        elif spec.result not in AuditResultValue.values:
            errors[f"items.{index}.result"] = _("Use pass, fail or na.")
        else:
            rows[item.pk] = AuditResult(audit=audit, item=item, result=spec.result, note=spec.note)
    if errors:
        raise ValidationFailed(errors)
    AuditResult.objects.bulk_create(
        rows.values(), update_conflicts=True, unique_fields=["audit", "item"], update_fields=["result", "note"]
    )
    _start(audit)
    return audit


def audit_photo_add(*, audit_id: int, by: User, upload: File, item_code: str | None = None) -> AuditPhoto:
    """Store ``upload`` (re-encoded like a booking photo, :func:`chefu.images.image_clean`) as evidence of the audit,
    of the item ``item_code`` when given. ``PermissionDenied`` unless QA; ``NotFound``; ``ValidationFailed`` for a
    file that is not an accepted image, an unknown item, or past ``MAX_PHOTOS_PER_AUDIT``; ``AuditFinalized`` once
    finalized. The image is decoded before the audit's row is locked; the file is written before the row."""
    _require_qa(by)
    if not Audit.objects.filter(pk=audit_id).exists():
        raise NotFound()
    clean = image_clean(upload)
    with transaction.atomic():
        audit = _open_audit_lock(audit_id)
        item = None
        if item_code:
            item = StandardItem.objects.filter(standard_id=audit.standard_id, code=item_code).first()
            if item is None:
                raise ValidationFailed({"item_code": _("No such item in this audit's standard.")})
        if AuditPhoto.objects.filter(audit=audit).count() >= MAX_PHOTOS_PER_AUDIT:
            raise ValidationFailed(
                {FIELD: _("An audit has at most %(count)d photos.") % {"count": MAX_PHOTOS_PER_AUDIT}}
            )
        photo = AuditPhoto(
            audit=audit, item=item, width=clean.width, height=clean.height, size=clean.size, uploaded_by=by
        )
        photo.image.save(clean.content.name, clean.content, save=False)
        photo.save()
        _start(audit)
    return photo


@transaction.atomic
def audit_cancel(*, audit_id: int, by: User) -> Audit:
    """Call off an audit not finalized yet. ``AuditFinalized`` when it is finalized or cancelled already."""
    _require_qa(by)
    audit = _open_audit_lock(audit_id)
    audit.status = AuditStatus.CANCELLED
    audit.save(update_fields=["status"])
    return audit


# --- finalizing -----------------------------------------------------------------------------------------------------


def _due_days(item: StandardItem) -> int:
    return settings.QUALITY_ACTION_DAYS_CRITICAL if item.critical else settings.QUALITY_ACTION_DAYS


@transaction.atomic
def audit_finalize(*, audit_id: int, by: User, now: dt.datetime | None = None) -> Audit:
    """Score the audit, fix its verdict and open a corrective action (with its ``created`` trail row) for every
    failed item, due ``QUALITY_ACTION_DAYS`` days later in the store's zone (``QUALITY_ACTION_DAYS_CRITICAL`` for a
    critical item); the store's managers are told through the outbox; :class:`quality.events.AuditFinalized` is
    emitted. A passed re-audit accepts the actions still open of its failed audit whose items now pass.

    Locks the audit's row, so two finalizations at once make one set of actions. ``PermissionDenied`` unless QA;
    ``NotFound``; ``AuditFinalized`` when finalized (or cancelled) already; ``ValidationFailed`` naming the items
    without a result (``results``) and those that need an evidence photo and have none (``photos``), or when no item
    passed or failed, with nothing written."""
    _require_qa(by)
    now = now or timezone.now()
    audit = _open_audit_lock(audit_id)
    items = list(StandardItem.objects.filter(standard_id=audit.standard_id).order_by("position", "code"))
    results = {r.item_id: r for r in AuditResult.objects.filter(audit=audit)}
    photographed = set(AuditPhoto.objects.filter(audit=audit, item__isnull=False).values_list("item_id", flat=True))
    missing_results = [item for item in items if item.pk not in results]
    missing_photos = [
        item
        for item in items
        if item.evidence_required
        and item.pk in results
        and results[item.pk].result != AuditResultValue.NA
        and item.pk not in photographed
    ]
    errors = {}
    if missing_results:
        errors["results"] = [
            _("No result for “%(text)s” (%(code)s).") % {"text": item.text, "code": item.code}
            for item in missing_results
        ]
    if missing_photos:
        errors["photos"] = [
            _("“%(text)s” (%(code)s) needs an evidence photo.") % {"text": item.text, "code": item.code}
            for item in missing_photos
        ]
    if errors:
        raise ValidationFailed(errors, message=_("The audit is not complete."))
    try:
        score = audit_score(results=[(item, results[item.pk].result) for item in items], pass_mark=audit.pass_mark)
    except ValueError:
        raise ValidationFailed({"results": _("At least one item must pass or fail.")}) from None

    audit.status = AuditStatus.FINALIZED
    audit.score = score.score
    audit.passed = score.passed
    audit.critical_failed = score.critical_failed
    audit.finalized_at = now
    audit.save(update_fields=["status", "score", "passed", "critical_failed", "finalized_at"])

    store = Store.objects.get(pk=audit.store_id)
    today = now.astimezone(zoneinfo.ZoneInfo(store.timezone)).date()
    failed = [item for item in items if results[item.pk].result == AuditResultValue.FAIL]
    actions.actions_open(
        audit=audit,
        store=store,
        items=[(item, today + dt.timedelta(days=_due_days(item))) for item in failed],
        by=by,
        now=now,
    )
    if audit.reaudit_of_id and score.passed:
        passed_codes = {item.code for item in items if results[item.pk].result == AuditResultValue.PASS}
        actions.actions_close_by_reaudit(audit=audit, passed_codes=passed_codes, by=by, now=now)
    emit(
        AuditFinalized(
            audit_id=audit.pk,
            store_id=audit.store_id,
            kind=audit.kind,
            passed=score.passed,
            critical_failed=score.critical_failed,
            reaudit_of_id=audit.reaudit_of_id,
        )
    )
    return audit


def audit_actions(audit: Audit) -> list[CorrectiveAction]:
    return list(CorrectiveAction.objects.filter(audit=audit).select_related("item").order_by("item__position", "id"))
