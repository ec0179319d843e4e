"""``deposit_demo``: a purpose whose money payments holds until this app refunds, keeps or pays it out, and the events
it hears about it (a durable subscriber, as the app that owns a purpose has)."""

from django.utils.translation import gettext_lazy as _

from payments.purposes import PaymentPurpose

DEPOSIT_DEMO = PaymentPurpose(code="deposit_demo", label=_("Deposit (demo)"), return_path="/me/deposits/")

# The events of this purpose the subscriber received, in order. Tests clear it.
received: list = []


def of_this_purpose(event) -> bool:
    return event.purpose == DEPOSIT_DEMO.code


def heard(event) -> None:
    received.append(event)
