"""Extra work found at the shop: the store proposes it, the owner approves or rejects it.

A supplement costs the owner nothing until the owner approves it: ``amount_due`` is the quote plus the approved
supplements (:func:`bookings.selectors.amount_due`). PostgreSQL keeps the rest (migration ``0002_price_is_fixed``):
a supplement's total never changes and is the sum of its lines, lines never change, and a decided supplement is final.

Locks: every function here takes the booking row first (:func:`bookings.lock_objects.booking_lock`), then the
supplement's, the same order as every other write to a booking, so a decision cannot cross a completion or a
cancellation.
"""

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.events import SupplementProposed
from bookings.exceptions import SupplementDecided
from bookings.lock_objects import booking_lock, supplement_lock
from bookings.models import Photo, Supplement, SupplementLine, SupplementStatus
from bookings.photos import require_at_shop
from bookings.selectors import booking_access_check
from catalog.models import Part
from chefu.errors import NotFound, ValidationFailed
from chefu.events import emit
from chefu.money import is_cents, money

MAX_LINES = 50
REASON_MAX_CHARS = 1000
DESCRIPTION_MAX_CHARS = 200
SKU_MAX_CHARS = 40
# The columns' limits: qty numeric(8, 2), money numeric(12, 2).
MAX_QTY = Decimal("999999.99")
MAX_MONEY = Decimal("9999999999.99")


def _decimal(value: Any) -> Decimal | None:
    """``value`` as a finite Decimal, or None. Floats are refused: they have already lost cents."""
    if isinstance(value, float | bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _line_errors(n: int, line: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    description = str(line.get("description") or "").strip()
    if not description:
        errors[f"lines.{n}.description"] = _("Say what the work or part is.")
    elif len(description) > DESCRIPTION_MAX_CHARS:
        errors[f"lines.{n}.description"] = _("At most %(count)d characters.") % {"count": DESCRIPTION_MAX_CHARS}
    if len(str(line.get("sku") or "").strip()) > SKU_MAX_CHARS:
        errors[f"lines.{n}.sku"] = _("At most %(count)d characters.") % {"count": SKU_MAX_CHARS}
    qty = _decimal(line.get("qty"))
    if qty is None or not is_cents(qty) or not Decimal(0) < qty <= MAX_QTY:
        errors[f"lines.{n}.qty"] = _("A quantity above zero, with at most two decimal places.")
    price = _decimal(line.get("unit_price"))
    if price is None or not is_cents(price) or not Decimal(0) <= price <= MAX_MONEY:
        errors[f"lines.{n}.unit_price"] = _("An amount in yuan, zero or more, with at most two decimal places.")
    return errors


def _lines_build(lines: Sequence[Mapping[str, Any]]) -> tuple[list[SupplementLine], Decimal]:
    """The lines (unsaved, numbered from 1) and their total; 422 naming the line (``lines.<n>.<field>``)."""
    if not lines:
        raise ValidationFailed({"lines": _("Add at least one line.")})
    if len(lines) > MAX_LINES:
        raise ValidationFailed({"lines": _("At most %(count)d lines.") % {"count": MAX_LINES}})
    errors: dict[str, str] = {}
    for n, line in enumerate(lines):
        errors |= _line_errors(n, line)
    skus = {n: str(line.get("sku") or "").strip() for n, line in enumerate(lines)}
    # A retired part still counts: the store may be using up what it stocks.
    known = set(Part.objects.filter(sku__in={s for s in skus.values() if s}).values_list("sku", flat=True))
    for n, sku in skus.items():
        if sku and sku not in known and f"lines.{n}.sku" not in errors:
            errors[f"lines.{n}.sku"] = _("No part in the catalogue has SKU “%(sku)s”.") % {"sku": sku}
    if errors:
        raise ValidationFailed(errors)
    built = []
    for n, line in enumerate(lines):
        qty, price = _decimal(line["qty"]), money(_decimal(line["unit_price"]))
        built.append(
            SupplementLine(
                position=n + 1,
                description=str(line["description"]).strip(),
                sku=skus[n],
                qty=qty,
                unit_price=price,
                amount=money(qty * price),
            )
        )
    total = sum((line.amount for line in built), Decimal("0.00"))
    if total <= 0:
        raise ValidationFailed({"lines": _("Extra work must cost something: the lines add up to zero.")})
    if total > MAX_MONEY:
        raise ValidationFailed({"lines": _("The lines add up to more than can be charged.")})
    return built, total


@transaction.atomic
def supplement_propose(
    *,
    booking_id: int,
    by: User | None,
    reason: str,
    lines: Sequence[Mapping[str, Any]],
    photo_ids: Iterable[int] = (),
) -> Supplement:
    """Propose extra work ``lines`` (``[{description, sku?, qty, unit_price}]``, amounts in CNY) on the booking, with
    photos of this booking as evidence, and tell the owner (outbox, in this transaction).

    422 naming the field (``reason``, ``lines.<n>.<field>``, ``photos``): no reason, no lines, a quantity that is not
    above zero, a negative price, more than two decimal places, an unknown SKU, lines adding up to zero, a photo of
    another booking. 409 ``booking_not_at_shop`` unless the car is checked in or in service. ``by``: staff of the
    booking's store, an admin, or None for the platform's own code; ``NotFound`` for anyone else, as for a missing
    booking (:func:`bookings.selectors.booking_access_check`, before any lock)."""
    booking_access_check(user=by, booking_id=booking_id)
    booking = booking_lock(booking_id)
    require_at_shop(booking)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": _("Tell the owner why the extra work is needed.")})
    if len(reason) > REASON_MAX_CHARS:
        raise ValidationFailed({"reason": _("At most %(count)d characters.") % {"count": REASON_MAX_CHARS}})
    built, total = _lines_build(list(lines))
    photo_ids = set(photo_ids)
    photos = list(Photo.objects.filter(booking=booking, pk__in=photo_ids)) if photo_ids else []
    if missing := sorted(photo_ids - {p.pk for p in photos}):
        raise ValidationFailed(
            {"photos": _("Not photos of this booking: %(ids)s.") % {"ids": ", ".join(map(str, missing))}}
        )
    supplement = Supplement(booking=booking, reason=reason, total=total, proposed_by=by, proposed_at=timezone.now())
    supplement.full_clean(exclude=["booking", "proposed_by", "decided_by"])
    supplement.save()
    for line in built:
        line.supplement = supplement
    SupplementLine.objects.bulk_create(built)
    if photos:
        supplement.photos.set(photos)
    emit(SupplementProposed(supplement_id=supplement.pk, booking_id=booking.pk))
    return supplement


def _decide(*, booking_id: int, supplement_id: int, by: User, status: str, note: str) -> Supplement:
    booking = booking_lock(booking_id)
    if booking.owner_id != by.pk:
        raise NotFound()
    supplement = supplement_lock(booking_id=booking.pk, supplement_id=supplement_id)
    if supplement.status != SupplementStatus.PROPOSED:
        raise SupplementDecided(status=supplement.status)
    # Once the job is finished (or called off) the extra work was not done: nothing is left to approve.
    require_at_shop(booking)
    supplement.status = status
    supplement.decided_by = by
    supplement.decided_at = timezone.now()
    supplement.decision_note = note
    supplement.full_clean(exclude=["booking", "proposed_by", "decided_by"])
    supplement.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return supplement


@transaction.atomic
def supplement_approve(*, booking_id: int, supplement_id: int, by: User) -> Supplement:
    """The owner ``by`` accepts the extra work: from now on it is part of ``amount_due``.

    404 when the booking is not ``by``'s or the supplement not the booking's; 409 ``supplement_decided`` when it was
    already approved or rejected; 409 ``booking_not_at_shop`` once the car has left the shop (or never came)."""
    return _decide(booking_id=booking_id, supplement_id=supplement_id, by=by, status=SupplementStatus.APPROVED, note="")


@transaction.atomic
def supplement_reject(*, booking_id: int, supplement_id: int, by: User, note: str = "") -> Supplement:
    """The owner ``by`` declines the extra work; it is never charged. Refusals as :func:`supplement_approve`."""
    return _decide(
        booking_id=booking_id,
        supplement_id=supplement_id,
        by=by,
        status=SupplementStatus.REJECTED,
        note=(note or "").strip(),
    )
