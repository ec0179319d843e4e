"""A provider that behaves like Alipay without leaving the machine: for development, demos and tests.

Two key pairs made at set-up (``manage.py payment_keys``; paths in ``settings.PAYMENT_SANDBOX``) play the two
sides: the *merchant* pair signs what we send (the pay URL), as our app key does with Alipay; the *platform* pair
stands for Alipay's and signs the notifications :meth:`SandboxProvider.build_notification` writes, which
:meth:`SandboxProvider.verify_notification` checks exactly as the Alipay provider checks Alipay's. Parameters,
``trade_status`` values and the RSA2 scheme (:mod:`payments.providers.signing`) are Alipay's. The pay URL opens the
sandbox's own pay page (``payments.views.sandbox_cashier``), which reads it with :meth:`SandboxProvider.read_request`.

Refunds, transfers and queries make no calls and touch no database:

* ``refund`` succeeds, with ``refunded_total`` = this refund's amount (the sandbox keeps no running total; our
  ledger does). An ``out_request_no`` containing ``FAIL`` is refused (``failed``, code ``SANDBOX_REFUND_REFUSED``)
  and one containing ``DOWN`` raises ProviderUnavailable, so tests can take either path.
* ``transfer`` (Alipay's ``alipay.fund.trans.uni.transfer``, a payout to a payee's account) succeeds with an
  ``order_id`` that is the same for every repeat of one ``out_biz_no``, as Alipay's is. The markers work as for
  refunds: ``FAIL`` in the ``out_biz_no`` is refused (code ``PAYEE_NOT_EXIST``, as Alipay answers for an unknown
  account), ``DOWN`` raises ProviderUnavailable.
* ``query`` answers from what this process has seen: ``pending`` after ``create``, the status of the last
  notification built for the trade after ``build_notification``, ``not_found`` otherwise (so another process,
  e.g. a Celery worker, answers ``not_found`` for trades the web process created).
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from chefu.money import format_money
from payments.providers import signing
from payments.providers.alipay import ALIPAY_TZ, TIMESTAMP_FORMAT, TRADE_STATUSES, notification_read
from payments.providers.base import (
    CreatedPayment,
    InvalidSignature,
    Notification,
    Provider,
    ProviderError,
    ProviderUnavailable,
    QueryResult,
    RefundResult,
    TradeStatus,
    TransferResult,
    amount_clean,
    public_url,
)

KEY_ROLES = ("merchant", "platform")
PAY_PATH = "/api/v1/payments/sandbox/"
REFUSE_MARKER = "FAIL"
UNAVAILABLE_MARKER = "DOWN"
# Made-up but well-formed Alipay ids (16 digits starting 2088) for the buyer and seller of every sandbox trade.
BUYER_ID = "2088000000000001"
SELLER_ID = "2088000000000002"


def key_paths(config: Mapping[str, Any] | None = None) -> dict[str, tuple[Path, Path]]:
    """``{"merchant": (private, public), "platform": (private, public)}`` from ``settings.PAYMENT_SANDBOX``."""
    config = settings.PAYMENT_SANDBOX if config is None else config
    return {
        role: (Path(config[f"{role}_private_key_path"]), Path(config[f"{role}_public_key_path"])) for role in KEY_ROLES
    }


def sandbox_trade_no(out_trade_no: str) -> str:
    """The trade number the sandbox gives ``out_trade_no``: 28 digits like Alipay's, the same every time."""
    digits = int(hashlib.sha256(out_trade_no.encode("utf-8")).hexdigest(), 16) % 10**20
    return f"20000000{digits:020d}"


def sandbox_order_id(out_biz_no: str) -> str:
    """The transfer order id the sandbox gives ``out_biz_no``: 32 digits like Alipay's, the same every time."""
    digits = int(hashlib.sha256(f"transfer:{out_biz_no}".encode()).hexdigest(), 16) % 10**24
    return f"20250101{digits:024d}"


@dataclass(frozen=True)
class PayRequest:
    """The order a pay URL carries (:meth:`SandboxProvider.read_request`); ``return_url`` is "" when none was given."""

    out_trade_no: str
    subject: str
    amount: Decimal
    return_url: str


@dataclass
class _Trade:
    amount: Decimal
    status: TradeStatus
    trade_no: str | None = None


# What this process has seen; see the module docstring.
_trades: dict[str, _Trade] = {}
_trades_lock = threading.Lock()


def _read_key(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as exc:
        raise ImproperlyConfigured(
            f"Payment sandbox key {path} cannot be read ({exc.strerror}); run `manage.py payment_keys --if-missing`."
        ) from exc


def _alipay_time(at: datetime) -> str:
    return at.astimezone(ALIPAY_TZ).strftime(TIMESTAMP_FORMAT)


class SandboxProvider(Provider):
    code = "sandbox"

    @classmethod
    def is_enabled(cls) -> bool:
        return bool(settings.PAYMENT_SANDBOX_ENABLED)

    @classmethod
    def forget_trades(cls) -> None:
        """Forget every trade this process has seen (tests)."""
        with _trades_lock:
            _trades.clear()

    def __init__(self, config: Mapping[str, Any] | None = None):
        config = settings.PAYMENT_SANDBOX if config is None else config
        self.app_id = str(config["app_id"])
        paths = key_paths(config)
        self._merchant_private_key = _read_key(paths["merchant"][0])
        self._merchant_public_key = _read_key(paths["merchant"][1])
        self._platform_private_key = _read_key(paths["platform"][0])
        self._platform_public_key = _read_key(paths["platform"][1])

    # --- Provider ---------------------------------------------------------------------------------

    def create(
        self, *, out_trade_no: str, amount: Decimal, subject: str, notify_url: str, return_url: str | None = None
    ) -> CreatedPayment:
        """A pay URL on our own sandbox page, carrying the signed request Alipay's page-pay URL would carry
        (checkable with :meth:`verify_request`)."""
        total = amount_clean(amount)
        params = {
            "app_id": self.app_id,
            "method": "alipay.trade.page.pay",
            "charset": "utf-8",
            "sign_type": signing.SIGN_TYPE,
            "timestamp": _alipay_time(timezone.now()),
            "version": "1.0",
            "notify_url": notify_url,
            "return_url": return_url or "",
            "biz_content": _biz_content(out_trade_no=out_trade_no, total=total, subject=str(subject)),
        }
        params = {k: v for k, v in params.items() if v}
        params["sign"] = signing.sign(params, self._merchant_private_key, keep_sign_type=True)
        with _trades_lock:
            _trades[out_trade_no] = _Trade(amount=total, status="pending")
        return CreatedPayment(pay_url=public_url(f"{PAY_PATH}{quote(out_trade_no, safe='')}?{urlencode(params)}"))

    def verify_notification(self, params: Mapping[str, str]) -> Notification:
        if not params.get("sign"):
            raise InvalidSignature("The notification is not signed.")
        if params.get("sign_type", signing.SIGN_TYPE) != signing.SIGN_TYPE:
            raise InvalidSignature(f"Unexpected sign_type {params.get('sign_type')!r}.")
        if not signing.verify(params, self._platform_public_key):
            raise InvalidSignature("The notification's signature is not the sandbox platform's.")
        if params.get("app_id") != self.app_id:
            raise InvalidSignature(f"The notification is for app {params.get('app_id')!r}, not ours.")
        return notification_read(params)

    def refund(
        self, *, out_trade_no: str, refund_amount: Decimal, out_request_no: str, reason: str = ""
    ) -> RefundResult:
        amount = amount_clean(refund_amount)
        if UNAVAILABLE_MARKER in out_request_no:
            raise ProviderUnavailable("The sandbox plays an outage for this refund.", code="SANDBOX_DOWN")
        if REFUSE_MARKER in out_request_no:
            return RefundResult(
                out_request_no=out_request_no,
                status="failed",
                refund_amount=amount,
                refunded_total=None,
                message="The sandbox refuses this refund.",
                code="SANDBOX_REFUND_REFUSED",
            )
        return RefundResult(
            out_request_no=out_request_no,
            status="succeeded",
            refund_amount=amount,
            refunded_total=amount,
            raw={"out_trade_no": out_trade_no, "refund_fee": format_money(amount), "fund_change": "Y"},
        )

    def transfer(
        self, *, out_biz_no: str, amount: Decimal, payee_account: str, payee_name: str = "", remark: str = ""
    ) -> TransferResult:
        total = amount_clean(amount)
        if not payee_account:
            raise ProviderError("payee_info.identity is missing.", code="MISSING_PAYEE")
        if UNAVAILABLE_MARKER in out_biz_no:
            raise ProviderUnavailable("The sandbox plays an outage for this transfer.", code="SANDBOX_DOWN")
        if REFUSE_MARKER in out_biz_no:
            return TransferResult(
                out_biz_no=out_biz_no,
                status="failed",
                amount=total,
                order_id=None,
                message="收款账号不存在",
                code="PAYEE_NOT_EXIST",
                raw={"code": "40004", "msg": "Business Failed", "sub_code": "PAYEE_NOT_EXIST"},
            )
        order_id = sandbox_order_id(out_biz_no)
        return TransferResult(
            out_biz_no=out_biz_no,
            status="succeeded",
            amount=total,
            order_id=order_id,
            raw={
                "code": "10000",
                "msg": "Success",
                "out_biz_no": out_biz_no,
                "order_id": order_id,
                "pay_fund_order_id": order_id,
                "status": "SUCCESS",
                "trans_amount": format_money(total),
                "trans_date": _alipay_time(timezone.now()),
            },
        )

    def query(self, *, out_trade_no: str) -> QueryResult:
        with _trades_lock:
            trade = _trades.get(out_trade_no)
        if trade is None:
            return QueryResult(out_trade_no=out_trade_no, status="not_found", trade_no=None, amount=None)
        return QueryResult(
            out_trade_no=out_trade_no,
            status=trade.status,
            trade_no=trade.trade_no or sandbox_trade_no(out_trade_no),
            amount=trade.amount,
        )

    # --- the platform's side ----------------------------------------------------------------------

    def build_notification(
        self,
        *,
        out_trade_no: str,
        amount: Decimal,
        trade_status: str,
        trade_no: str | None = None,
        notify_time: datetime | None = None,
        notify_id: str | None = None,
        subject: str = "",
    ) -> dict[str, str]:
        """The form parameters Alipay would POST to the notify URL for this trade, signed with the platform key.

        ``trade_status`` is Alipay's (TRADE_SUCCESS, TRADE_FINISHED, TRADE_CLOSED, WAIT_BUYER_PAY). ``trade_no``
        defaults to :func:`sandbox_trade_no`; pass the same ``notify_id`` to build a redelivery of a notification.
        """
        if trade_status not in TRADE_STATUSES:
            raise ValueError(f"Unknown trade_status {trade_status!r}; expected one of {sorted(TRADE_STATUSES)}.")
        total = format_money(amount_clean(amount))
        trade_no = trade_no or sandbox_trade_no(out_trade_no)
        now = notify_time or timezone.now()
        params = {
            "notify_time": _alipay_time(now),
            "notify_type": "trade_status_sync",
            "notify_id": notify_id or uuid.uuid4().hex,
            "app_id": self.app_id,
            "charset": "utf-8",
            "version": "1.0",
            "sign_type": signing.SIGN_TYPE,
            "trade_no": trade_no,
            "out_trade_no": out_trade_no,
            "buyer_id": BUYER_ID,
            "buyer_logon_id": "san***@sandbox.chefu",
            "seller_id": SELLER_ID,
            "trade_status": trade_status,
            "total_amount": total,
            "subject": str(subject),
            "gmt_create": _alipay_time(now),
        }
        if TRADE_STATUSES[trade_status] == "success":
            params |= {
                "receipt_amount": total,
                "invoice_amount": total,
                "buyer_pay_amount": total,
                "point_amount": "0.00",
                "gmt_payment": _alipay_time(now),
                "fund_bill_list": f'[{{"amount":"{total}","fundChannel":"ALIPAYACCOUNT"}}]',
            }
        elif TRADE_STATUSES[trade_status] == "closed":
            params["gmt_close"] = _alipay_time(now)
        params = {k: v for k, v in params.items() if v}
        params["sign"] = signing.sign(params, self._platform_private_key)
        with _trades_lock:
            _trades[out_trade_no] = _Trade(
                amount=Decimal(total), status=TRADE_STATUSES[trade_status], trade_no=trade_no
            )
        return params

    def verify_request(self, params: Mapping[str, str]) -> bool:
        """What the platform checks on a request of ours (the pay URL's query): signed with the merchant key."""
        return params.get("app_id") == self.app_id and signing.verify(
            params, self._merchant_public_key, keep_sign_type=True
        )

    def read_request(self, params: Mapping[str, str]) -> PayRequest:
        """The order in a pay URL's query, as the platform's pay page reads it. Raises InvalidSignature when
        :meth:`verify_request` refuses it, ProviderError when it is signed but is not a page-pay order."""
        if not params.get("sign") or not self.verify_request(params):
            raise InvalidSignature("The pay request is not signed with the merchant key.")
        if params.get("method") != "alipay.trade.page.pay":
            raise ProviderError(f"Unexpected method {params.get('method')!r}.")
        try:
            biz = json.loads(params.get("biz_content", ""))
            return PayRequest(
                out_trade_no=str(biz["out_trade_no"]),
                subject=str(biz.get("subject", "")),
                amount=amount_clean(Decimal(str(biz["total_amount"]))),
                return_url=params.get("return_url", ""),
            )
        except (ValueError, TypeError, KeyError, ArithmeticError) as exc:
            raise ProviderError(f"The signed biz_content is not an order: {exc!r}") from None


def _biz_content(*, out_trade_no: str, total: Decimal, subject: str) -> str:
    # The SDK's encoding: compact JSON, non-ASCII escaped.
    return json.dumps(
        {
            "subject": subject,
            "out_trade_no": out_trade_no,
            "total_amount": format_money(total),
            "product_code": "FAST_INSTANT_TRADE_PAY",
        },
        separators=(",", ":"),
    )
