"""The one interface every payment provider implements, its results and its errors.

Amounts are ``Decimal`` with two places, in CNY, both ways. Providers are called outside transactions and row
locks (STYLE.md §8): every method may block on the network for up to the provider's timeout. Every provider's
``create``, ``refund``, ``query`` and ``transfer`` check it (:func:`transaction_open`): called with a transaction
open they raise ``ProviderCalledInTransaction`` where ``PAYMENT_PROVIDER_CALL_CHECK`` is ``"raise"`` and log an
error where it is ``"log"``.

``settings.PAYMENT_PROVIDERS`` maps a code to a provider class (dotted path); a listed provider is usable only
while its ``is_enabled()`` says so (the sandbox: ``PAYMENT_SANDBOX_ENABLED``; Alipay: ``ALIPAY["app_id"]`` set).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import weakref
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar, Literal
from urllib.parse import urlencode

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.module_loading import import_string

from chefu.money import money

logger = logging.getLogger(__name__)

# What a trade is, in our words. Alipay's trade_status maps onto it (payments.providers.alipay.TRADE_STATUSES).
TradeStatus = Literal["success", "closed", "pending"]
# A query may also learn that the provider has never seen the trade (the payer never opened the pay page).
QueryStatus = Literal["success", "closed", "pending", "not_found"]
RefundStatus = Literal["succeeded", "failed"]
TransferStatus = Literal["succeeded", "failed"]


class ProviderError(Exception):
    """The provider refused or could not be understood. ``code`` is the provider's own code, if it gave one."""

    def __init__(self, message: str = "", *, code: str = ""):
        self.code = code
        super().__init__(message or type(self).__name__)


class InvalidSignature(ProviderError):
    """A notification (or an answer) whose signature, sign type or app id is not what the provider's would be."""


class ProviderUnavailable(ProviderError):
    """The provider could not be reached, timed out or said it is busy: the outcome is unknown, retry later
    with the same ``out_trade_no`` / ``out_request_no`` (providers treat a repeat as the same request)."""


class ProviderNotEnabled(ProviderError, KeyError):
    """No provider has this code, or it is switched off by settings. Also a KeyError: a lookup that found nothing."""

    __str__ = ProviderError.__str__  # not KeyError's, which quotes the message


@dataclass(frozen=True)
class CreatedPayment:
    """Where to send the payer: ``pay_url`` (a page), and ``qr_code`` (a string to render) when the provider
    gives one."""

    pay_url: str
    qr_code: str | None = None


@dataclass(frozen=True)
class Notification:
    """A verified asynchronous notification. ``amount`` is the trade's total; ``raw`` every parameter received
    (signature included), for the record."""

    out_trade_no: str
    trade_no: str
    amount: Decimal
    status: TradeStatus
    notify_id: str
    raw: dict[str, str] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class RefundResult:
    """The provider's answer to one refund request.

    ``failed`` is final for this ``out_request_no`` (``message`` says why, ``code`` is the provider's sub-code).
    ``refunded_total`` is what the provider says has been refunded on the trade so far, this refund included;
    None when it did not say (failed answers).
    """

    out_request_no: str
    status: RefundStatus
    refund_amount: Decimal
    refunded_total: Decimal | None
    message: str = ""
    code: str = ""
    raw: dict = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class QueryResult:
    """A trade as the provider sees it. ``trade_no`` and ``amount`` are None when ``status`` is ``not_found``."""

    out_trade_no: str
    status: QueryStatus
    trade_no: str | None
    amount: Decimal | None
    raw: dict = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class TransferResult:
    """The provider's answer to one transfer (a payout) to a payee's account.

    ``failed`` is final for this ``out_biz_no`` (``message`` says why, ``code`` is the provider's sub-code);
    ``order_id`` is the provider's id of a transfer made.
    """

    out_biz_no: str
    status: TransferStatus
    amount: Decimal
    order_id: str | None
    message: str = ""
    code: str = ""
    raw: dict = field(default_factory=dict, repr=False, compare=False)


class ProviderCalledInTransaction(RuntimeError):
    """A provider was called with a database transaction open (and so, perhaps, row locks held): a bug."""


# The methods that may go over the network, checked on every provider class (Provider.__init_subclass__).
REMOTE_METHODS = ("create", "refund", "query", "transfer")


# How many of a connection's atomic blocks stand for autocommit (:func:`autocommit_baseline`); none unless said.
_baselines: weakref.WeakKeyDictionary[BaseDatabaseWrapper, int] = weakref.WeakKeyDictionary()


def transaction_open() -> str | None:
    """The alias of a database connection of this thread with a transaction open, or None. Atomic blocks under a
    connection's :func:`autocommit_baseline` do not count."""
    for connection in connections.all(initialized_only=True):
        if len(connection.atomic_blocks) > _baselines.get(connection, 0):
            return connection.alias
        # The connection's own record of set_autocommit(), not get_autocommit(): that one may connect, and a test
        # without database access that runs after one with it must not.
        if not connection.in_atomic_block and connection.connection is not None and not connection.autocommit:
            return connection.alias  # a transaction opened by hand (set_autocommit(False))
    return None


@contextlib.contextmanager
def autocommit_baseline(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Within it, the atomic blocks now open on ``using`` (this thread's connection) stand for autocommit:
    :func:`transaction_open` sees only the transactions opened inside them. For code run inside a transaction that
    its caller owns and will roll back."""
    connection = connections[using]
    before = _baselines.get(connection)
    _baselines[connection] = len(connection.atomic_blocks)
    try:
        yield
    finally:
        if before is None:
            _baselines.pop(connection, None)
        else:
            _baselines[connection] = before


def _outside_transactions(method: Callable) -> Callable:
    @functools.wraps(method)
    def checked(self, *args, **kwargs):
        alias = transaction_open()
        if alias is not None:
            what = f"{type(self).__name__}.{method.__name__} called inside a transaction on {alias!r} (STYLE.md §8)"
            if getattr(settings, "PAYMENT_PROVIDER_CALL_CHECK", "log") == "raise":
                raise ProviderCalledInTransaction(what)
            logger.error(what, stack_info=True)
        return method(self, *args, **kwargs)

    checked.outside_transactions = True
    return checked


class Provider(ABC):
    code: ClassVar[str]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in REMOTE_METHODS:
            method = cls.__dict__.get(name)
            if method is not None and not getattr(method, "outside_transactions", False):
                setattr(cls, name, _outside_transactions(method))

    @classmethod
    def is_enabled(cls) -> bool:
        """Whether settings switch this provider on (checked by :func:`provider_get`)."""
        return True

    @abstractmethod
    def create(
        self, *, out_trade_no: str, amount: Decimal, subject: str, notify_url: str, return_url: str | None = None
    ) -> CreatedPayment:
        """Open a trade of ``amount`` for ``out_trade_no`` (our id, unique per payment) and say where to pay it.
        The provider will POST its notification to ``notify_url``."""

    @abstractmethod
    def verify_notification(self, params: Mapping[str, str]) -> Notification:
        """Check a notification's signature and app id, then read it.

        Raises InvalidSignature when the signature, sign type or app id is wrong (nothing in it can be trusted),
        ProviderError when it is signed but makes no sense (unknown ``trade_status``, a missing amount).
        """

    @abstractmethod
    def refund(
        self, *, out_trade_no: str, refund_amount: Decimal, out_request_no: str, reason: str = ""
    ) -> RefundResult:
        """Refund ``refund_amount`` of the trade. ``out_request_no`` identifies this refund: asking again with the
        same one never refunds twice. Raises ProviderUnavailable when the outcome is unknown (retry with the
        same ``out_request_no``), ProviderError when the provider rejects the call itself."""

    @abstractmethod
    def query(self, *, out_trade_no: str) -> QueryResult:
        """The trade's current state at the provider. Raises ProviderUnavailable / ProviderError like ``refund``."""

    def transfer(
        self, *, out_biz_no: str, amount: Decimal, payee_account: str, payee_name: str = "", remark: str = ""
    ) -> TransferResult:
        """Transfer ``amount`` from the merchant's balance to the payee's account. ``out_biz_no`` identifies this
        transfer: asking again with the same one never pays twice. Raises ProviderUnavailable when the outcome is
        unknown (retry with the same ``out_biz_no``), ProviderError when the provider rejects the call itself or
        makes no transfers."""
        raise ProviderError(f"{type(self).__name__} makes no transfers.", code="transfer_unsupported")


def amount_clean(amount: Decimal) -> Decimal:
    """``amount`` checked for a provider call: a Decimal (or int/str), positive, at most two places."""
    value = money(amount)
    if value != Decimal(amount):
        raise ValueError(f"Amount has more than two decimal places: {amount!r}")
    if value <= 0:
        raise ValueError(f"Amount must be positive: {amount!r}")
    return value


def providers_enabled() -> list[str]:
    """Codes of the providers that can be used now, in settings order."""
    return [code for code, path in settings.PAYMENT_PROVIDERS.items() if import_string(path).is_enabled()]


def provider_get(code: str) -> Provider:
    """A ready provider for ``code``. Raises ProviderNotEnabled for an unknown code or a provider switched off."""
    path = settings.PAYMENT_PROVIDERS.get(code)
    if path is None:
        raise ProviderNotEnabled(f"No payment provider {code!r}.", code=code)
    cls = import_string(path)
    if not cls.is_enabled():
        raise ProviderNotEnabled(f"Payment provider {code!r} is not enabled.", code=code)
    return cls()


def public_url(path: str) -> str:
    """``path`` (from the site's root) as providers and payers reach it: on ``PAYMENT_NOTIFY_BASE_URL``."""
    return f"{settings.PAYMENT_NOTIFY_BASE_URL.rstrip('/')}/{path.lstrip('/')}"


def notify_url_for(code: str) -> str:
    """The public URL the provider ``code`` posts its notifications to (``POST /api/v1/payments/notify/{code}``)."""
    return public_url(f"/api/v1/payments/notify/{code}")


def return_url_for(payment_id: int, path: str = "") -> str:
    """Where the provider's pay page sends the payer back: ``path`` (a booking's order page, a purpose's page), by
    default their bookings (``PAYMENT_RETURN_PATH``), naming the payment so the page can watch it until the
    provider's notification has arrived."""
    return public_url(f"{path or settings.PAYMENT_RETURN_PATH}?{urlencode({'payment': payment_id})}")
