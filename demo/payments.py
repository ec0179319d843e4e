"""Demo money: the coupons a demo owner sees when paying (written once; a later run keeps them), paying a demo booking
through the sandbox, and the reset that clears every money record."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone

from payments.models import (
    Coupon,
    CouponKind,
    CouponRedemption,
    JournalEntry,
    JournalLine,
    LedgerAccount,
    Payment,
    PaymentAlert,
    Payout,
    Refund,
    Statement,
)
from payments.providers.base import provider_get
from payments.services import notification_receive, payment_open

DEMO_COUPONS = (
    # code, name, kind, value, max discount, min spend, uses per owner, budget, listed
    ("XINKE30", "新客立减：满199减30", CouponKind.AMOUNT, "30.00", None, "199.00", 1, "30000.00", True),
    ("BAOYANG15", "保养季85折（最高减60）", CouponKind.PERCENT, "15", "60.00", "100.00", 2, "50000.00", True),
    ("CHEFU888", "车主节满888减88", CouponKind.AMOUNT, "88.00", None, "888.00", 1, "8800.00", False),
)


def demo_coupons_load(*, now: dt.datetime | None = None) -> int:
    """Create the demo coupons that are missing, valid from today for 90 days. Returns how many were created.

    As the admin creates a coupon (payments has no service for a new one: ``coupon_edit`` is for existing ones)."""
    now = now or timezone.now()
    created = 0
    for code, name, kind, value, cap, min_spend, per_user, budget, listed in DEMO_COUPONS:
        _, made = Coupon.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "value": Decimal(value),
                "max_discount": Decimal(cap) if cap else None,
                "min_spend": Decimal(min_spend),
                "valid_from": now - dt.timedelta(days=1),
                "valid_until": now + dt.timedelta(days=90),
                "per_user_limit": per_user,
                "budget": Decimal(budget),
                "listed": listed,
            },
        )
        created += made
    return created


def purging(on: bool = True) -> None:
    """Let this transaction delete append-only history (the journal, statements, review trails), or stop letting it
    (``on=False``): demo resets only, and only where ``DEMO_RESET_ALLOWED`` (never under the production settings)."""
    if on and not settings.DEMO_RESET_ALLOWED:
        raise ImproperlyConfigured("Demo resets are disabled here (DEMO_RESET_ALLOWED is off): history is kept.")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL chefu.purging = %s", ["on" if on else "off"])


def demo_money_reset() -> None:
    """Delete every money record (the demo reset deletes every booking). Coupons themselves stay."""
    purging()
    JournalLine.objects.all().delete()
    Statement.objects.all().delete()
    JournalEntry.objects.all().delete()
    PaymentAlert.objects.all().delete()
    Refund.objects.all().delete()
    Payout.objects.all().delete()
    Payment.objects.all().delete()
    CouponRedemption.objects.all().delete()
    LedgerAccount.objects.filter(store__isnull=False).delete()  # the stores' payable accounts go with the stores
    Coupon.objects.update(spent=Decimal("0.00"))


def demo_pay(booking) -> None:
    """Pay ``booking`` through the sandbox in this process: the payment, the signed notification, its processing.
    The sandbox is never asked for a pay URL (no one opens it, and the demo loads in one transaction, where no
    provider may be called)."""
    payment = payment_open(booking_id=booking.pk, owner=booking.owner, provider="sandbox")
    params = provider_get("sandbox").build_notification(
        out_trade_no=payment.out_trade_no, amount=payment.amount, trade_status="TRADE_SUCCESS"
    )
    notification_receive(provider="sandbox", params=params)
