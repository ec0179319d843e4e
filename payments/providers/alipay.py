"""Alipay (支付宝) through python-alipay-sdk, configured by ``settings.ALIPAY``.

Payments use computer-website pay (``alipay.trade.page.pay``, product FAST_INSTANT_TRADE_PAY): ``create`` only
signs a URL on the gateway, with no network call, and the payer's browser opens it (on a phone Alipay's page
offers to hand over to the app). Refunds, queries and transfers (payouts, ``alipay.fund.trans.uni.transfer`` to
an Alipay logon id) are server-to-server calls whose answers the SDK checks against Alipay's public key. Alipay
accepts transfers only from an app that signs in public-key-certificate mode and has the transfer product
signed; going live with payouts means configuring that, the call itself stays this one.

The helpers at the bottom (``TRADE_STATUSES``, :func:`notification_read`) are Alipay's protocol, shared with the
sandbox provider, which speaks it too.
"""

from __future__ import annotations

import functools
import http.client
import logging
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError
from alipay.utils import AliPayConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from chefu.money import format_money, money
from payments.providers import signing
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
)

logger = logging.getLogger(__name__)

# Alipay's clock, for the request timestamp it checks and the times it sends.
ALIPAY_TZ = ZoneInfo("Asia/Shanghai")
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"

SUCCESS_CODE = "10000"
# "Service unavailable": Alipay's advice is to retry the same request (same out_request_no).
UNKNOWN_OUTCOME_CODES = frozenset({"20000"})
UNKNOWN_OUTCOME_SUB_CODES = frozenset({"ACQ.SYSTEM_ERROR", "aop.ACQ.SYSTEM_ERROR", "isp.unknow-error"})
TRADE_NOT_EXIST = "ACQ.TRADE_NOT_EXIST"
# A transfer's status in a successful answer: done, refused for good, or still in progress (ask again).
TRANSFER_DONE, TRANSFER_FAILED = "SUCCESS", "FAIL"

TRADE_STATUSES: dict[str, TradeStatus] = {
    "TRADE_SUCCESS": "success",
    # Paid, and past the refund window: still a payment that happened.
    "TRADE_FINISHED": "success",
    # Unpaid and timed out, or paid and then refunded in full.
    "TRADE_CLOSED": "closed",
    "WAIT_BUYER_PAY": "pending",
}


class _AliPay(AliPay):
    """The SDK's client, with the gateway configurable (a proxy, Alipay's sandbox, a local fake in tests) and
    the request timestamp in Alipay's time zone whatever the process's TZ is."""

    def __init__(self, *, gateway: str = "", **kwargs: Any):
        super().__init__(**kwargs)
        if gateway:
            self._gateway = gateway

    @property
    def gateway(self) -> str:
        return self._gateway

    def build_body(self, method, biz_content=None, **kwargs):
        data = super().build_body(method, biz_content, **kwargs)
        data["timestamp"] = timezone.now().astimezone(ALIPAY_TZ).strftime(TIMESTAMP_FORMAT)
        return data

    def api_alipay_fund_trans_uni_transfer(self, **biz_content: Any) -> dict:
        # The SDK has this call on its certificate-mode client only; the request and its answer are the same.
        data = self.build_body("alipay.fund.trans.uni.transfer", biz_content)
        return self.verified_sync_response(data, "alipay_fund_trans_uni_transfer_response")


# The SDK parses (and checks) the private key each time a client is made, which costs far more than a call:
# one client per configuration. A client holds only its keys and settings, so threads can share it.
@functools.lru_cache(maxsize=8)
def _client(
    *, app_id: str, app_private_key: str, alipay_public_key: str, debug: bool, gateway: str, timeout_s: float
) -> _AliPay:
    return _AliPay(
        appid=app_id,
        app_private_key_string=app_private_key,
        alipay_public_key_string=alipay_public_key,
        sign_type=signing.SIGN_TYPE,
        debug=debug,
        gateway=gateway,
        config=AliPayConfig(timeout=timeout_s),
    )


def _key_text(config: Mapping[str, Any], name: str) -> str:
    """The key ``name`` from the config: the PEM (or bare base64) itself, else the file at ``<name>_path``."""
    text = config.get(name) or ""
    if not text and config.get(f"{name}_path"):
        path = Path(config[f"{name}_path"])
        try:
            text = path.read_text()
        except OSError as exc:
            raise ImproperlyConfigured(f"ALIPAY[{name + '_path'!r}]: cannot read {path}: {exc}") from exc
    if not text.strip():
        raise ImproperlyConfigured(f"ALIPAY[{name!r}] or ALIPAY[{name + '_path'!r}] is required.")
    return text


class AlipayProvider(Provider):
    code = "alipay"

    @classmethod
    def is_enabled(cls) -> bool:
        return bool(settings.ALIPAY.get("app_id"))

    def __init__(self, config: Mapping[str, Any] | None = None):
        config = settings.ALIPAY if config is None else config
        if not config.get("app_id"):
            raise ImproperlyConfigured("ALIPAY['app_id'] (ALIPAY_APP_ID) is required for the alipay provider.")
        self.app_id = str(config["app_id"])
        try:
            app_private_key = signing.private_key_pem(_key_text(config, "app_private_key"))
            alipay_public_key = signing.public_key_pem(_key_text(config, "public_key"))
        except ValueError as exc:
            raise ImproperlyConfigured(f"ALIPAY keys: {exc}") from exc
        self.client = _client(
            app_id=self.app_id,
            app_private_key=app_private_key,
            alipay_public_key=alipay_public_key,
            debug=bool(config.get("debug")),
            gateway=config.get("gateway") or "",
            timeout_s=float(config.get("timeout_s", 10)),
        )

    # --- Provider ---------------------------------------------------------------------------------

    def create(
        self, *, out_trade_no: str, amount: Decimal, subject: str, notify_url: str, return_url: str | None = None
    ) -> CreatedPayment:
        query = self.client.api_alipay_trade_page_pay(
            subject=str(subject),  # a lazy translation would not survive the SDK's json.dumps
            out_trade_no=out_trade_no,
            total_amount=format_money(amount_clean(amount)),
            return_url=return_url,
            notify_url=notify_url,
        )
        return CreatedPayment(pay_url=f"{self.client.gateway}?{query}")

    def verify_notification(self, params: Mapping[str, str]) -> Notification:
        data = {str(k): str(v) for k, v in params.items() if v is not None and str(v) != ""}
        signature = data.pop("sign", "")
        if not signature:
            raise InvalidSignature("The notification is not signed.")
        if data.get("sign_type", signing.SIGN_TYPE) != signing.SIGN_TYPE:
            raise InvalidSignature(f"Unexpected sign_type {data['sign_type']!r}.")
        # Empty values are already out: Alipay signs without them and the SDK would keep them.
        try:
            valid = self.client.verify(dict(data), signature)
        except (AliPayException, ValueError) as exc:
            raise InvalidSignature(f"Unverifiable signature: {exc}") from exc
        if not valid:
            raise InvalidSignature("The notification's signature is not Alipay's.")
        if data.get("app_id") != self.app_id:
            raise InvalidSignature(f"The notification is for app {data.get('app_id')!r}, not ours.")
        return notification_read(params)

    def refund(
        self, *, out_trade_no: str, refund_amount: Decimal, out_request_no: str, reason: str = ""
    ) -> RefundResult:
        amount = amount_clean(refund_amount)
        extra = {"out_request_no": out_request_no}
        if reason:
            extra["refund_reason"] = str(reason)
        answer = self._call(
            self.client.api_alipay_trade_refund,
            refund_amount=format_money(amount),
            out_trade_no=out_trade_no,
            **extra,
        )
        code, sub_code = answer.get("code", ""), answer.get("sub_code", "")
        if code != SUCCESS_CODE:
            _raise_if_unknown_outcome(answer)
            return RefundResult(
                out_request_no=out_request_no,
                status="failed",
                refund_amount=amount,
                refunded_total=None,
                message=answer.get("sub_msg") or answer.get("msg") or "",
                code=sub_code or code,
                raw=answer,
            )
        refunded_total = _amount(answer, "refund_fee") if answer.get("refund_fee") else None
        if answer.get("fund_change") == "Y":
            return RefundResult(
                out_request_no=out_request_no,
                status="succeeded",
                refund_amount=amount,
                refunded_total=refunded_total,
                raw=answer,
            )
        # fund_change "N": no money moved by *this* call, which is what a repeat of a refund already made answers.
        # Alipay's advice is to ask the refund query whether that out_request_no went through.
        confirmed = self._refund_confirmed(out_trade_no=out_trade_no, out_request_no=out_request_no)
        return RefundResult(
            out_request_no=out_request_no,
            status="succeeded" if confirmed else "failed",
            refund_amount=amount,
            refunded_total=refunded_total if confirmed else None,
            message="" if confirmed else "Alipay moved no money for this refund.",
            code="" if confirmed else "fund_change_n",
            raw=answer,
        )

    def query(self, *, out_trade_no: str) -> QueryResult:
        answer = self._call(self.client.api_alipay_trade_query, out_trade_no=out_trade_no)
        code, sub_code = answer.get("code", ""), answer.get("sub_code", "")
        if code != SUCCESS_CODE:
            if sub_code == TRADE_NOT_EXIST:
                return QueryResult(
                    out_trade_no=out_trade_no, status="not_found", trade_no=None, amount=None, raw=answer
                )
            _raise_if_unknown_outcome(answer)
            raise ProviderError(answer.get("sub_msg") or answer.get("msg") or "Query refused.", code=sub_code or code)
        return QueryResult(
            out_trade_no=out_trade_no,
            status=trade_status_read(answer.get("trade_status", "")),
            trade_no=answer.get("trade_no") or None,
            amount=_amount(answer, "total_amount"),
            raw=answer,
        )

    def transfer(
        self, *, out_biz_no: str, amount: Decimal, payee_account: str, payee_name: str = "", remark: str = ""
    ) -> TransferResult:
        total = amount_clean(amount)
        payee = {"identity": payee_account, "identity_type": "ALIPAY_LOGON_ID"}
        if payee_name:
            payee["name"] = str(payee_name)
        biz = {
            "out_biz_no": out_biz_no,
            "trans_amount": format_money(total),
            "product_code": "TRANS_ACCOUNT_NO_PWD",
            "biz_scene": "DIRECT_TRANSFER",
            "payee_info": payee,
        }
        if remark:
            biz["remark"] = str(remark)[:200]
        answer = self._call(self.client.api_alipay_fund_trans_uni_transfer, **biz)
        code, sub_code = answer.get("code", ""), answer.get("sub_code", "")
        if code != SUCCESS_CODE:
            _raise_if_unknown_outcome(answer)
            return TransferResult(
                out_biz_no=out_biz_no,
                status="failed",
                amount=total,
                order_id=None,
                message=answer.get("sub_msg") or answer.get("msg") or "",
                code=sub_code or code,
                raw=answer,
            )
        status = answer.get("status", "")
        if status == TRANSFER_DONE:
            return TransferResult(
                out_biz_no=out_biz_no, status="succeeded", amount=total, order_id=answer.get("order_id"), raw=answer
            )
        if status == TRANSFER_FAILED:
            return TransferResult(
                out_biz_no=out_biz_no,
                status="failed",
                amount=total,
                order_id=None,
                message=answer.get("fail_reason") or "",
                code=answer.get("error_code") or status,
                raw=answer,
            )
        # DEALING (or a status we do not know): not settled yet; the same out_biz_no asked later says how it ended.
        raise ProviderUnavailable(f"Alipay is still processing the transfer ({status or 'no status'}).", code=status)

    # --- calls ------------------------------------------------------------------------------------

    def _refund_confirmed(self, *, out_trade_no: str, out_request_no: str) -> bool:
        answer = self._call(
            self.client.api_alipay_trade_fastpay_refund_query, out_request_no=out_request_no, out_trade_no=out_trade_no
        )
        if answer.get("code") != SUCCESS_CODE:
            _raise_if_unknown_outcome(answer)
            return False
        # Alipay: an answer with the refund's data means it went through; newer answers also say REFUND_SUCCESS.
        status = answer.get("refund_status")
        return status == "REFUND_SUCCESS" or (not status and bool(answer.get("refund_amount")))

    def _call(self, method: Callable[..., dict], **kwargs: Any) -> dict:
        """One server call through the SDK, its failures mapped onto ours."""
        try:
            return method(**kwargs)
        except AliPayValidationError as exc:
            logger.error("Alipay %s: the answer's signature does not verify", method.__name__)
            raise InvalidSignature("Alipay's answer is not signed by Alipay.") from exc
        except AliPayException as exc:
            # An unsigned or error_response answer: the gateway rejected the call itself (app id, our signature).
            logger.error("Alipay %s refused: %s", method.__name__, exc)
            raise ProviderError(str(exc)) from exc
        except (OSError, http.client.HTTPException) as exc:
            # urllib's URLError/HTTPError, timeouts and resets are all OSError.
            logger.warning("Alipay %s unreachable: %s: %s", method.__name__, type(exc).__name__, exc)
            raise ProviderUnavailable(f"Alipay cannot be reached: {exc}") from exc
        except (ValueError, AttributeError, KeyError, TypeError) as exc:
            # Not JSON, or JSON without the response envelope: a proxy's error page, a gateway in trouble.
            logger.warning("Alipay %s answered something unreadable: %s", method.__name__, exc)
            raise ProviderUnavailable(f"Alipay's answer cannot be read: {exc}") from exc


def _raise_if_unknown_outcome(answer: Mapping[str, Any]) -> None:
    if answer.get("code") in UNKNOWN_OUTCOME_CODES or answer.get("sub_code") in UNKNOWN_OUTCOME_SUB_CODES:
        raise ProviderUnavailable(
            answer.get("sub_msg") or answer.get("msg") or "Alipay is busy.",
            code=answer.get("sub_code") or answer.get("code") or "",
        )


# --- Alipay's protocol, shared with the sandbox --------------------------------------------------------


def trade_status_read(value: str) -> TradeStatus:
    try:
        return TRADE_STATUSES[value]
    except KeyError:
        raise ProviderError(f"Unknown trade_status {value!r}.", code="unknown_trade_status") from None


def _amount(params: Mapping[str, Any], name: str) -> Decimal:
    value = params.get(name)
    if value in (None, ""):
        raise ProviderError(f"{name} is missing.", code=f"missing_{name}")
    try:
        parsed = Decimal(str(value))
        amount = money(parsed)
    except (InvalidOperation, ValueError) as exc:
        raise ProviderError(f"{name} is not an amount: {value!r}.", code=f"invalid_{name}") from exc
    if amount != parsed:
        raise ProviderError(f"{name} has more than two decimal places: {value!r}.", code=f"invalid_{name}")
    return amount


def notification_read(params: Mapping[str, str]) -> Notification:
    """The Notification an Alipay-style notification says; its signature must have been checked already."""
    raw = {str(k): str(v) for k, v in params.items()}
    for name in ("out_trade_no", "trade_no", "notify_id"):
        if not raw.get(name):
            raise ProviderError(f"{name} is missing.", code=f"missing_{name}")
    return Notification(
        out_trade_no=raw["out_trade_no"],
        trade_no=raw["trade_no"],
        amount=_amount(raw, "total_amount"),
        status=trade_status_read(raw.get("trade_status", "")),
        notify_id=raw["notify_id"],
        raw=raw,
    )
