"""Staff answers to a booking's checklist: the items snapshotted in ``Booking.checklist`` when it was made.

Completing the job (:func:`bookings.services.booking_complete`) needs every required item answered.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.lock_objects import booking_lock
from bookings.models import Booking, ChecklistAnswer, ChecklistResult, Photo
from bookings.photos import require_at_shop
from bookings.selectors import booking_access_check
from chefu.errors import ValidationFailed

NOTE_MAX_CHARS = 1000


def checklist_missing_codes(booking: Booking) -> list[str]:
    """Required items without an answer, in checklist order, from the (prefetched) ``checklist_answers``."""
    answered = {a.code for a in booking.checklist_answers.all()}
    return [item["code"] for item in booking.checklist if item.get("required") and item["code"] not in answered]


def _refusals(booking: Booking, items: Sequence[Mapping[str, Any]], photos: dict[int, Photo]) -> dict[str, str]:
    """Field errors named after the item they are about (``items.<n>.code``), like the API's own validation."""
    codes = {item["code"] for item in booking.checklist}
    errors: dict[str, str] = {}
    seen: set[str] = set()
    for n, item in enumerate(items):
        code, photo, note = item.get("code"), item.get("photo"), item.get("note") or ""
        if code not in codes:
            errors[f"items.{n}.code"] = _("“%(code)s” is not on this booking's checklist.") % {"code": code}
        elif code in seen:
            errors[f"items.{n}.code"] = _("“%(code)s” is answered twice.") % {"code": code}
        seen.add(code)
        if item.get("result") not in ChecklistResult.values:
            errors[f"items.{n}.result"] = _("Answer pass, fail or na.")
        if len(note) > NOTE_MAX_CHARS:
            errors[f"items.{n}.note"] = _("At most %(count)d characters.") % {"count": NOTE_MAX_CHARS}
        if photo is not None and photo not in photos:
            errors[f"items.{n}.photo"] = _("Photo %(id)s is not a photo of this booking.") % {"id": photo}
    return errors


@transaction.atomic
def checklist_answer(*, booking_id: int, by: User | None, items: Sequence[Mapping[str, Any]]) -> list[ChecklistAnswer]:
    """Record answers ``[{code, result, note?, photo?}]`` to the booking's checklist and return them.

    Each item given replaces that item's answer (a note or photo left out is cleared); items not given keep theirs.
    ``photo`` is the id of a photo of this booking. 422 naming the item (``items.<n>.code``, ``.result``, ``.note``,
    ``.photo``) for a code not on the checklist or given twice, an unknown result, or another booking's photo;
    409 ``booking_not_at_shop`` unless the car is checked in or in service. ``by``: staff of the booking's store, an
    admin, or None for the platform's own code; ``NotFound`` for anyone else, as for a missing booking
    (:func:`bookings.selectors.booking_access_check`, before any lock). Then locks the booking row
    (:func:`bookings.lock_objects.booking_lock`), so an answer cannot slip in beside a completion."""
    booking_access_check(user=by, booking_id=booking_id)
    booking = booking_lock(booking_id)
    require_at_shop(booking)
    items = list(items)
    if not items:
        raise ValidationFailed({"items": _("Answer at least one item.")})
    photo_ids = {item["photo"] for item in items if item.get("photo") is not None}
    photos = {p.pk: p for p in Photo.objects.filter(booking=booking, pk__in=photo_ids)} if photo_ids else {}
    if errors := _refusals(booking, items, photos):
        raise ValidationFailed(errors)
    now = timezone.now()
    answers = [
        ChecklistAnswer(
            booking=booking,
            code=item["code"],
            result=item["result"],
            note=item.get("note") or "",
            photo=photos.get(item.get("photo")),
            answered_by=by,
            answered_at=now,
        )
        for item in items
    ]
    for answer in answers:
        # The relations were checked above; the unique (booking, code) pair is what the upsert is about.
        answer.full_clean(
            exclude=["booking", "photo", "answered_by"], validate_unique=False, validate_constraints=False
        )
    return ChecklistAnswer.objects.bulk_create(
        answers,
        update_conflicts=True,
        unique_fields=["booking", "code"],
        update_fields=["result", "note", "photo", "answered_by", "answered_at"],
    )
