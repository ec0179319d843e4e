"""Payment purposes: what a payment pays for, a registry that higher apps fill (like ``catalog.kinds``).

``Payment.purpose`` holds a purpose's ``code`` and ``Payment.subject`` the caller's reference to the one charge
paid (``"deposit:7"``, ``"deal:12"``). ``booking`` is the purpose payments registers itself (``Payment.booking``
set, subject empty); any other is registered by the app above payments that owns the charge, from its
``AppConfig.ready()``::

    purposes.register(PaymentPurpose(code="dealer_deposit", label=_("Dealer deposit"), return_path="/dealer/"))

Its money is held in the ledger account ``held:<code>`` until that app refunds, releases or pays it out
(``payments.held``, ``payments.payouts``); it learns of the money arriving from ``PurposePaymentSettled``. Money
that arrives when the app no longer wants it (the charge was withdrawn, the deal went to someone else) is held like
any other: the app gives it back with ``held_refund(reason=RefundReason.NOT_WANTED)``. Only a second payment of a
charge already paid is refunded by payments itself.

This module must not import ``payments.models`` at import time: the models name :func:`validate_purpose`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Payment.purpose is a CharField(max_length=40); the code also names ledger accounts ("held:<code>").
_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

BOOKING = "booking"


@dataclass(frozen=True)
class PaymentPurpose:
    """``label``: what the payer pays for, shown by the provider when a payment has no description of its own.
    ``return_path``: where the provider's pay page sends the payer back (``PAYMENT_RETURN_PATH`` when empty)."""

    code: str
    label: str | Promise
    return_path: str = ""


class UnknownPurpose(KeyError):
    """No purpose is registered under this code."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code

    def __str__(self) -> str:
        known = ", ".join(sorted(_registry)) or "none"
        return (
            f"No payment purpose {self.code!r} is registered (registered: {known}). A purpose is registered by "
            "payments.purposes.register() from its app's AppConfig.ready(); is that app in INSTALLED_APPS?"
        )


_registry: dict[str, PaymentPurpose] = {}


def register(purpose: PaymentPurpose) -> PaymentPurpose:
    """Add ``purpose`` and return it. The same one again is harmless; another with a code already taken raises
    ``ImproperlyConfigured`` (two apps claiming one account)."""
    if not isinstance(purpose, PaymentPurpose):
        raise ImproperlyConfigured(f"{purpose!r} is not a PaymentPurpose.")
    if not _CODE_RE.fullmatch(purpose.code or ""):
        raise ImproperlyConfigured(
            f"Payment purpose code {purpose.code!r} must be 1-40 characters: a lowercase letter, then lowercase "
            "letters, digits or underscores."
        )
    existing = _registry.get(purpose.code)
    if existing is not None and existing != purpose:
        raise ImproperlyConfigured(f"Payment purpose {purpose.code!r} is already registered as {existing!r}.")
    _registry[purpose.code] = purpose
    return purpose


def get(code: str) -> PaymentPurpose:
    """The purpose registered under ``code``; :class:`UnknownPurpose` (a ``KeyError``) when there is none."""
    try:
        return _registry[code]
    except KeyError:
        raise UnknownPurpose(code) from None


def registered() -> dict[str, PaymentPurpose]:
    """A copy of the registry, in registration order."""
    return dict(_registry)


def validate_purpose(value: str) -> None:
    """Django validator of ``Payment.purpose`` and ``Payout.purpose``: a registered code."""
    if value not in _registry:
        raise ValidationError(
            _("“%(value)s” is not a registered payment purpose."), code="unknown_purpose", params={"value": value}
        )


register(PaymentPurpose(code=BOOKING, label=_("Chefu booking")))
