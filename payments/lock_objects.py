"""Row locks on money, in one place. Every lock is ``FOR UPDATE OF`` the locked model's own table.

Order: a booking's row first (``bookings.lock_objects.booking_lock``), then, in ``payment_open``, the coupon it
redeems before the booking's pending payments whose pay URL was never given out; a notification takes the booking,
then its payment (so does a query's answer, ``services.payment_query``). A cancellation (under the booking's lock)
takes the coupon of each refunded payment. A failed checkout, or a trade closed at its expiry, locks its payment
alone, a refund's record its refund alone; a store's commission rate, its payable ledger account and a coupon edited
in the admin are locked alone, with nothing held before them.

Another purpose's charge (``payments.purposes``) has no row of its own: :func:`charge_lock` (an advisory lock on
its purpose and subject) stands for it, and is taken first by everything that opens a payment of the charge, applies
one, or moves its held money; then its payments, then a refund or a payout. A payout's record locks its payout alone.
"""

from collections.abc import Iterable

from django.db import connection

from bookings.models import Booking
from payments.models import CommissionRate, Coupon, LedgerAccount, Payment, PaymentStatus, Payout, Refund
from stores.models import Store

# The first key of pg_advisory_xact_lock(int, int) for a charge; the second is hashtext(purpose || '|' || subject).
# A collision of two charges' hashes only makes them wait for each other.
_LOCK_CHARGE = 0x5041_0001


def coupon_lock(coupon_id: int) -> Coupon:
    """``SELECT ... FOR UPDATE`` of the coupon's row (its budget and ``spent``); DoesNotExist when there is none."""
    return Coupon.objects.select_for_update(of=("self",)).get(pk=coupon_id)


def payment_lock(payment_id: int) -> Payment:
    """``SELECT ... FOR UPDATE`` of the payment's row; DoesNotExist when there is none."""
    return Payment.objects.select_for_update(of=("self",)).get(pk=payment_id)


def payment_lock_by_trade(*, provider: str, out_trade_no: str) -> Payment:
    """The payment of ``provider``'s trade ``out_trade_no``, its row locked; expects its booking locked first."""
    return Payment.objects.select_for_update(of=("self",)).get(provider=provider, out_trade_no=out_trade_no)


def payments_unsent_lock(booking: Booking) -> Iterable[Payment]:
    """The booking's pending payments whose pay URL was never given out, oldest first, their rows locked as they are
    read (the returned queryset is lazy); expects the booking locked first."""
    return (
        Payment.objects.select_for_update(of=("self",))
        .filter(booking=booking, status=PaymentStatus.PENDING, pay_url="")
        .order_by("pk")
    )


def charge_lock(*, purpose: str, subject: str) -> None:
    """Serialize the payments and the held money of the charge (``purpose``, ``subject``) until the caller's
    transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [_LOCK_CHARGE, f"{purpose}|{subject}"])


def charge_payments_unsent_lock(*, purpose: str, subject: str) -> Iterable[Payment]:
    """The charge's pending payments whose pay URL was never given out, oldest first, their rows locked as they are
    read (lazy); expects :func:`charge_lock` taken first."""
    return (
        Payment.objects.select_for_update(of=("self",))
        .filter(purpose=purpose, subject=subject, status=PaymentStatus.PENDING, pay_url="")
        .order_by("pk")
    )


def charge_payment_applied_lock(*, purpose: str, subject: str) -> Payment | None:
    """The charge's applied payment (there is at most one), its row locked; None when it has none. Expects
    :func:`charge_lock` taken first."""
    return (
        Payment.objects.select_for_update(of=("self",)).filter(purpose=purpose, subject=subject, applied=True).first()
    )


def payout_lock(payout_id: int) -> Payout:
    """``SELECT ... FOR UPDATE`` of the payout's own row; DoesNotExist when there is none."""
    return Payout.objects.select_for_update(of=("self",)).get(pk=payout_id)


def refund_lock(refund_id: int) -> Refund:
    """``SELECT ... FOR UPDATE`` of the refund's own row, with its payment and booking read (not locked)."""
    return Refund.objects.select_for_update(of=("self",)).select_related("payment", "booking").get(pk=refund_id)


def commission_rate_lock(store: Store) -> CommissionRate | None:
    """The store's own commission rate, its row locked; None when it has none (nothing is locked then)."""
    return CommissionRate.objects.select_for_update(of=("self",)).filter(store=store).first()


def ledger_account_lock(account_id: int) -> LedgerAccount:
    """``SELECT ... FOR UPDATE`` of the ledger account's row; DoesNotExist when there is none."""
    return LedgerAccount.objects.select_for_update(of=("self",)).get(pk=account_id)
