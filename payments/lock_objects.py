"""Row locks on money, in one place. Every lock is ``FOR UPDATE OF`` the locked model's own table.

Order: a booking's row first (``bookings.lock_objects.booking_lock``), then, in ``payment_open``, the coupon it
redeems before the booking's pending payments whose pay URL was never given out; a notification takes the booking,
then its payment. A cancellation (under the booking's lock) takes the coupon of each refunded payment. A failed
checkout locks its payment alone, a refund's record its refund alone; a store's commission rate, its payable
ledger account and a coupon edited in the admin are locked alone, with nothing held before them.
"""

from collections.abc import Iterable

from bookings.models import Booking
from payments.models import CommissionRate, Coupon, LedgerAccount, Payment, PaymentStatus, Refund
from stores.models import Store


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


def refund_lock(refund_id: int) -> Refund:
    """``SELECT ... FOR UPDATE`` of the refund's own row, with its payment and booking read (not locked)."""
    return Refund.objects.select_for_update(of=("self",)).select_related("payment", "booking").get(pk=refund_id)


def commission_rate_lock(store: Store) -> CommissionRate | None:
    """The store's own commission rate, its row locked; None when it has none (nothing is locked then)."""
    return CommissionRate.objects.select_for_update(of=("self",)).filter(store=store).first()


def ledger_account_lock(account_id: int) -> LedgerAccount:
    """``SELECT ... FOR UPDATE`` of the ledger account's row; DoesNotExist when there is none."""
    return LedgerAccount.objects.select_for_update(of=("self",)).get(pk=account_id)
