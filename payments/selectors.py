from accounts.models import User
from chefu.errors import NotFound
from payments.models import Payment


def payment_get_for_owner(*, user: User, payment_id: int) -> Payment:
    """The owner's payment with its refunds; NotFound when missing or someone else's."""
    payment = Payment.objects.filter(pk=payment_id, owner=user).prefetch_related("refunds").first()
    if payment is None:
        raise NotFound()
    return payment


def payment_get_by_trade(*, provider: str, out_trade_no: str) -> Payment:
    """The payment a provider knows as ``out_trade_no``; NotFound when there is none."""
    payment = Payment.objects.filter(provider=provider, out_trade_no=out_trade_no).first()
    if payment is None:
        raise NotFound()
    return payment
