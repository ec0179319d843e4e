"""The platform's commission: a rate per store, or the platform default (``PAYMENT_COMMISSION_RATE``)."""

from decimal import Decimal

from django.conf import settings
from django.db import transaction

from chefu.money import money
from payments.lock_objects import commission_rate_lock
from payments.models import CommissionRate
from stores.models import Store


def commission_rate_for(store: Store) -> Decimal:
    """The store's own rate if it has one, else the platform default. A fraction: ``0.08`` is 8 %."""
    rate = CommissionRate.objects.filter(store=store).values_list("rate", flat=True).first()
    return Decimal(settings.PAYMENT_COMMISSION_RATE) if rate is None else rate


@transaction.atomic
def commission_rate_set(*, store: Store, rate: Decimal) -> CommissionRate:
    """Give ``store`` its own rate (between 0 and 1, four places). Applies to what it earns from now on."""
    row = commission_rate_lock(store) or CommissionRate(store=store)
    row.rate = rate
    row.full_clean(validate_unique=False)
    row.save()
    return row


def commission_split(*, amount: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """``(commission, store share)`` of ``amount``: the commission rounded half-up to the cent, the store gets the
    rest, so the two always add up to ``amount``."""
    commission = money(amount * rate)
    return commission, money(amount) - commission
