"""The deal's charge in payments (``payments.purposes``): one per deal, ``deal:<id>`` of ``consignment_deal``."""

from django.utils.translation import gettext_lazy as _

from payments.purposes import PaymentPurpose

DEAL_PURPOSE = PaymentPurpose(
    code="consignment_deal",
    label=_("Used car bought on Chefu"),
    # The sandbox's (or Alipay's) pay page sends the dealer back here; the page finds the deal by the payment.
    return_path="/consignment/deals/",
)
PURPOSE = DEAL_PURPOSE.code
_PREFIX = "deal:"


def deal_subject(deal_id: int) -> str:
    return f"{_PREFIX}{deal_id}"


def deal_id_of(subject: str) -> int | None:
    """The deal a charge's subject names; None for anything else."""
    number = subject.removeprefix(_PREFIX)
    return int(number) if subject.startswith(_PREFIX) and number.isdigit() else None
