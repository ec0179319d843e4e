"""Paying another purpose's charge the way the app that owns it will: the demo purpose of tests/purposes_app, opened
and checked out through the sandbox, and the provider's signed notification applied."""

from decimal import Decimal

from accounts.models import User
from payments import services
from payments.models import Payment, Refund
from tests.payments.paying import notify
from tests.purposes_app.purposes import DEPOSIT_DEMO

PURPOSE = DEPOSIT_DEMO.code
HELD = f"held:{PURPOSE}"
REVENUE = f"revenue:{PURPOSE}"
CLEARING = "provider_clearing:sandbox"


def open_charge(payer: User, subject: str = "deposit:1", amount: str = "5000.00", description: str = "") -> Payment:
    payment = services.payment_open_for(
        purpose=PURPOSE,
        subject=subject,
        payer=payer,
        amount=Decimal(amount),
        provider="sandbox",
        description=description,
    )
    return services.payment_checkout(payment=payment)


def pay_charge(payer: User, subject: str = "deposit:1", amount: str = "5000.00") -> Payment:
    payment = open_charge(payer, subject, amount)
    notify(payment)
    payment.refresh_from_db()
    return payment


def execute_charge_refunds(payment: Payment) -> None:
    for refund in Refund.objects.filter(payment=payment, status="pending"):
        services.refund_execute(refund_id=refund.pk)


def entry_lines(entry) -> dict[str, Decimal]:
    return {line.account.code: line.amount for line in entry.lines.select_related("account")}
