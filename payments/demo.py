"""Demo coupons (``seed_demo``): the offers a demo owner sees when paying. Written once; a later run keeps them."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from payments.models import Coupon, CouponKind

DEMO_COUPONS = (
    # code, name, kind, value, max discount, min spend, uses per owner, budget, listed
    ("XINKE30", "新客立减：满199减30", CouponKind.AMOUNT, "30.00", None, "199.00", 1, "30000.00", True),
    ("BAOYANG15", "保养季85折（最高减60）", CouponKind.PERCENT, "15", "60.00", "100.00", 2, "50000.00", True),
    ("CHEFU888", "车主节满888减88", CouponKind.AMOUNT, "88.00", None, "888.00", 1, "8800.00", False),
)


def demo_coupons_load(*, now: dt.datetime | None = None) -> int:
    """Create the demo coupons that are missing, valid from today for 90 days. Returns how many were created."""
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
