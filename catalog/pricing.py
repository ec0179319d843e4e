"""Store price lists: the only writes to offerings, their immutable versions and part lines.

A price is labour plus part lines (sku, qty, unit price) and a duration. Every change is a new
``OfferingVersion`` (a database trigger refuses UPDATE on versions and lines); the offering points at the
version in force through ``current`` and keeps its ``total`` denormalized for search.

Exactness: each line's ``amount`` is ``qty × unit_price`` rounded half-up to the cent (the CHECK
``part_line_amount_exact`` recomputes it in the database), and ``total = labour + Σ amount`` in ``Decimal``,
with no further rounding.

Field paths in ``ValidationFailed`` follow the request body: ``labour``, ``duration_min``, ``parts``,
``parts.<i>.sku|qty|unit_price`` with ``i`` counted from 0 (as the schema layer reports its own errors),
and ``service_code`` for the service itself.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from catalog.lock_objects import offering_lock, offering_lock_or_create
from catalog.models import Offering, OfferingPartLine, OfferingVersion, Part, Service
from catalog.reference import reference_prices_schedule
from chefu.errors import NotFound, ValidationFailed
from chefu.money import CENT, MAX_DIGITS, is_cents, money
from stores.models import Bay, Store

# The largest amount a money column holds (12 digits, 2 of them decimal).
MAX_MONEY = Decimal(10 ** (MAX_DIGITS - 2)) - CENT
# OfferingPartLine.qty is numeric(8, 2).
MAX_QTY = Decimal(10**6) - CENT
MAX_DURATION_MIN = 24 * 60
DURATION_STEP_MIN = 5
MAX_PART_LINES = 50

SERVICE_FIELD = "service_code"


@dataclass(frozen=True)
class _Line:
    part: Part
    qty: Decimal
    unit_price: Decimal
    amount: Decimal


class _Errors:
    """Collects every refusal of one request, keyed by field path, so the client sees them all at once."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationFailed(self.fields)


def _decimal(value: Any, field: str, errors: _Errors) -> Decimal | None:
    """``value`` as a finite Decimal, or None after recording why not. Floats are refused: callers in
    Python pass Decimal or str (the API schema has already turned JSON numbers into Decimal)."""
    if value is None:
        errors.add(field, _("This field is required."))
        return None
    if isinstance(value, bool | float) or not isinstance(value, Decimal | int | str):
        errors.add(field, _('Enter a decimal number (a string such as "199.00"), not a float.'))
        return None
    try:
        number = Decimal(value)
    except ArithmeticError:
        errors.add(field, _("Enter a decimal number."))
        return None
    if not number.is_finite():
        errors.add(field, _("Enter a finite number."))
        return None
    return number


def _money_in(value: Any, field: str, errors: _Errors) -> Decimal | None:
    amount = _decimal(value, field, errors)
    if amount is None:
        return None
    if amount < 0:
        errors.add(field, _("Amounts of money cannot be negative."))
    elif amount > MAX_MONEY:
        errors.add(field, _("Amounts of money cannot exceed %(max)s.") % {"max": MAX_MONEY})
    elif not is_cents(amount):
        errors.add(field, _("Amounts of money have at most two decimal places."))
    else:
        # copy_abs: "-0.00" is zero, stored and shown as 0.00.
        return money(amount.copy_abs())
    return None


def _qty_in(value: Any, field: str, errors: _Errors) -> Decimal | None:
    qty = _decimal(value, field, errors)
    if qty is None:
        return None
    if qty <= 0:
        errors.add(field, _("The quantity must be greater than zero."))
    elif qty > MAX_QTY:
        errors.add(field, _("The quantity cannot exceed %(max)s.") % {"max": MAX_QTY})
    elif not is_cents(qty):
        errors.add(field, _("Quantities have at most two decimal places."))
    else:
        return qty.quantize(CENT)
    return None


def _duration_in(value: Any, errors: _Errors) -> int | None:
    field = "duration_min"
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(field, _("Enter a whole number of minutes."))
    elif value <= 0 or value > MAX_DURATION_MIN or value % DURATION_STEP_MIN:
        errors.add(
            field,
            _("The duration must be a positive multiple of %(step)d minutes, at most %(max)d.")
            % {"step": DURATION_STEP_MIN, "max": MAX_DURATION_MIN},
        )
    else:
        return value
    return None


def _service_checked(*, store: Store, service: Service, errors: _Errors) -> None:
    if not service.is_active:
        errors.add(SERVICE_FIELD, _("This service is no longer offered on the platform."))
    elif not Bay.objects.filter(store=store, is_active=True, categories=service.category_id).exists():
        errors.add(SERVICE_FIELD, _("None of the store's active bays can do work of this service's category."))


def _part_checked(
    *, sku: Any, field: str, service: Service, catalogue: dict[str, Part], seen: set[str], errors: _Errors
) -> Part | None:
    part = catalogue.get(sku) if isinstance(sku, str) else None
    if part is None or not part.is_active:
        errors.add(field, _("Unknown SKU: %(sku)s.") % {"sku": sku})
        return None
    if part.category_id != service.category_id:
        errors.add(
            field,
            _("%(sku)s is a part for %(part_category)s, not for this service's category (%(category)s).")
            % {"sku": sku, "part_category": part.category_id, "category": service.category_id},
        )
        return None
    if sku in seen:
        errors.add(field, _("%(sku)s is listed twice: give it one line.") % {"sku": sku})
        return None
    seen.add(sku)
    return part


def _lines_checked(*, service: Service, parts: Any, errors: _Errors) -> list[_Line]:
    """The part lines, validated and priced, in the order given. One query for all the SKUs."""
    if not isinstance(parts, list | tuple):
        errors.add("parts", _("Enter a list of part lines."))
        return []
    if len(parts) > MAX_PART_LINES:
        errors.add("parts", _("At most %(max)d part lines.") % {"max": MAX_PART_LINES})
        return []
    skus = [row.get("sku") for row in parts if isinstance(row, dict)]
    catalogue = {p.sku: p for p in Part.objects.filter(sku__in=[s for s in skus if isinstance(s, str)])}
    seen: set[str] = set()
    lines = []
    for i, row in enumerate(parts):
        prefix = f"parts.{i}"
        if not isinstance(row, dict):
            errors.add(prefix, _("Enter a part line: sku, qty and unit_price."))
            continue
        part = _part_checked(
            sku=row.get("sku"), field=f"{prefix}.sku", service=service, catalogue=catalogue, seen=seen, errors=errors
        )
        qty = _qty_in(row.get("qty"), f"{prefix}.qty", errors)
        unit_price = _money_in(row.get("unit_price"), f"{prefix}.unit_price", errors)
        if part is None or qty is None or unit_price is None:
            continue
        amount = money(qty * unit_price)
        if amount > MAX_MONEY:
            errors.add(prefix, _("The line's amount cannot exceed %(max)s.") % {"max": MAX_MONEY})
            continue
        lines.append(_Line(part=part, qty=qty, unit_price=unit_price, amount=amount))
    return lines


def _same_price(version: OfferingVersion, *, labour: Decimal, lines: list[_Line], duration_min: int) -> bool:
    if version.labour != labour or version.duration_min != duration_min:
        return False
    stored = [(line.part_id, line.qty, line.unit_price) for line in version.lines.order_by("position")]
    return stored == [(line.part.pk, line.qty, line.unit_price) for line in lines]


@transaction.atomic
def offering_set_price(
    *,
    store: Store,
    service: Service,
    by: User | None,
    labour: Decimal,
    parts: list[dict],
    duration_min: int,
) -> OfferingVersion:
    """Make ``labour`` + ``parts`` (``[{sku, qty, unit_price}]``) and ``duration_min`` the store's price of
    ``service``: a new version numbered after the last one, in force at once (the offering is activated).

    Refuses with ValidationFailed (every problem at once, nothing written): money negative, beyond 12 digits or
    with more than two decimals; a quantity ≤ 0 or with more than two decimals; an unknown or retired SKU, one
    of another category than the service's, or the same SKU twice; a duration that is not a positive multiple
    of 5 minutes up to 24 h; a retired service, or one no active bay of the store can do.

    An unchanged price (same labour, lines in the same order, and duration as the version in force) writes
    nothing and returns the version in force: retrying a PUT does not grow the history.

    Locks the offering row (created if missing) FOR UPDATE: concurrent changes of one offering are numbered one
    after the other. Schedules the recompute of the service's reference band in the store's city on commit.
    """
    errors = _Errors()
    labour_in = _money_in(labour, "labour", errors)
    duration = _duration_in(duration_min, errors)
    _service_checked(store=store, service=service, errors=errors)
    lines = _lines_checked(service=service, parts=parts, errors=errors)
    errors.raise_if_any()
    assert labour_in is not None and duration is not None  # narrowing: any refusal has raised above
    total = labour_in + sum((line.amount for line in lines), Decimal("0.00"))
    if total > MAX_MONEY:
        raise ValidationFailed({"__all__": _("The total cannot exceed %(max)s.") % {"max": MAX_MONEY}})

    offering = offering_lock_or_create(store=store, service=service)
    if offering.is_active and offering.current_id is not None:
        current = offering.versions.get(pk=offering.current_id)
        if _same_price(current, labour=labour_in, lines=lines, duration_min=duration):
            return current

    at = timezone.now()
    last = offering.versions.aggregate(last=Max("number"))["last"] or 0
    version = OfferingVersion.objects.create(
        offering=offering,
        number=last + 1,
        labour=labour_in,
        total=total,
        duration_min=duration,
        created_by=by,
        created_at=at,
    )
    OfferingPartLine.objects.bulk_create(
        OfferingPartLine(
            version=version,
            position=position,
            part=line.part,
            qty=line.qty,
            unit_price=line.unit_price,
            amount=line.amount,
        )
        for position, line in enumerate(lines, start=1)
    )
    offering.current = version
    offering.total = total
    offering.is_active = True
    offering.updated_at = at
    offering.save(update_fields=["current", "total", "is_active", "updated_at"])
    reference_prices_schedule(service_code=service.code, city=store.city)
    return version


@transaction.atomic
def offering_deactivate(*, store: Store, service: Service, by: User | None) -> Offering:
    """Withdraw the store's price of ``service``: inactive, no version in force, no total. Versions stay (bookings
    point at them); a new price re-activates it. NotFound when the store never priced the service. Deactivating
    an inactive offering changes nothing. ``by`` is not stored: Offering has no column for it (versions record
    their authors).

    Locks the offering row FOR UPDATE. Schedules the recompute of the reference band on commit.
    """
    offering = offering_lock(store=store, service=service)
    if offering is None:
        raise NotFound()
    if not offering.is_active and offering.current_id is None:
        return offering
    offering.is_active = False
    offering.current = None
    offering.total = None
    offering.updated_at = timezone.now()
    offering.save(update_fields=["current", "total", "is_active", "updated_at"])
    reference_prices_schedule(service_code=service.code, city=store.city)
    return offering
