"""Payment providers, offline: the sandbox, Alipay through python-alipay-sdk against a local fake gateway, the
registry, the ``payment_keys`` command and the settings switches."""

import io
import json
import os
import socket
import stat
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from alipay import AliPay
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.http import QueryDict
from django.utils.translation import gettext_lazy

from payments.providers import (
    InvalidSignature,
    ProviderError,
    ProviderNotEnabled,
    ProviderUnavailable,
    notify_url_for,
    provider_get,
    providers_enabled,
    signing,
)
from payments.providers.alipay import AlipayProvider
from payments.providers.sandbox import SandboxProvider, sandbox_order_id, sandbox_trade_no
from tests.payments.conftest import ALIPAY_TEST_APP_ID

APP_ID = ALIPAY_TEST_APP_ID
NOTIFY_URL = "https://chefu.example/api/v1/payments/notify/alipay"
SUBJECT = "小保养套餐 · 机油+机滤 & 工时"

ALIPAY_STATUSES = [
    ("TRADE_SUCCESS", "success"),
    ("TRADE_FINISHED", "success"),
    ("TRADE_CLOSED", "closed"),
    ("WAIT_BUYER_PAY", "pending"),
]


def query_params(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def resign(params: dict, private_key: str) -> dict:
    """``params`` with a fresh, valid notification signature under ``private_key``."""
    unsigned = {k: v for k, v in params.items() if k != "sign"}
    return {**unsigned, "sign": signing.sign(unsigned, private_key)}


# --- registry ----------------------------------------------------------------------------------------


def test_provider_get_gives_the_sandbox_when_it_is_enabled(settings):
    assert isinstance(provider_get("sandbox"), SandboxProvider)
    assert providers_enabled() == ["sandbox"]

    settings.PAYMENT_SANDBOX_ENABLED = False

    with pytest.raises(ProviderNotEnabled):
        provider_get("sandbox")
    assert providers_enabled() == []


def test_alipay_is_enabled_only_when_its_app_id_is_set(settings, alipay_keys):
    with pytest.raises(ProviderNotEnabled):
        provider_get("alipay")

    settings.ALIPAY = {
        **settings.ALIPAY,
        "app_id": APP_ID,
        "app_private_key": alipay_keys.app_private,
        "public_key": alipay_keys.alipay_public,
    }

    assert isinstance(provider_get("alipay"), AlipayProvider)
    assert providers_enabled() == ["sandbox", "alipay"]


def test_unknown_provider_is_not_enabled():
    with pytest.raises(ProviderNotEnabled) as excinfo:
        provider_get("wechat")
    assert isinstance(excinfo.value, ProviderError)
    # A lookup that found nothing, for callers that catch KeyError.
    assert isinstance(excinfo.value, KeyError)
    assert str(excinfo.value) == "No payment provider 'wechat'."


def test_notify_url_for(settings):
    settings.PAYMENT_NOTIFY_BASE_URL = "https://chefu.example/"

    assert notify_url_for("sandbox") == "https://chefu.example/api/v1/payments/notify/sandbox"


# --- sandbox -----------------------------------------------------------------------------------------


@pytest.fixture
def sandbox():
    SandboxProvider.forget_trades()
    yield provider_get("sandbox")
    SandboxProvider.forget_trades()


def test_sandbox_create_points_at_our_sandbox_page_with_a_signed_request(sandbox):
    created = sandbox.create(
        out_trade_no="P-1/2", amount=Decimal("199"), subject=SUBJECT, notify_url=notify_url_for("sandbox")
    )

    assert created.pay_url.startswith("http://testserver/api/v1/payments/sandbox/P-1%2F2?")
    assert created.qr_code is None
    params = query_params(created.pay_url)
    assert params["method"] == "alipay.trade.page.pay"
    assert params["notify_url"] == "http://testserver/api/v1/payments/notify/sandbox"
    assert json.loads(params["biz_content"]) == {
        "subject": SUBJECT,
        "out_trade_no": "P-1/2",
        "total_amount": "199.00",
        "product_code": "FAST_INSTANT_TRADE_PAY",
    }
    assert sandbox.verify_request(params) is True
    assert sandbox.verify_request(params | {"notify_url": "https://evil.example/"}) is False


@pytest.mark.parametrize(
    ("amount", "error"),
    [(199.0, TypeError), (Decimal("1.005"), ValueError), (Decimal("0"), ValueError), (Decimal("-1"), ValueError)],
)
def test_sandbox_refuses_amounts_that_are_not_positive_cents(sandbox, amount, error):
    with pytest.raises(error):
        sandbox.create(out_trade_no="P1", amount=amount, subject="洗车", notify_url=NOTIFY_URL)
    with pytest.raises(error):
        sandbox.refund(out_trade_no="P1", refund_amount=amount, out_request_no="R1")


def test_sandbox_notification_carries_what_alipay_sends(sandbox, sandbox_keys):
    at = datetime(2025, 1, 1, 4, 0, 5, tzinfo=UTC)

    params = sandbox.build_notification(
        out_trade_no="P1", amount=Decimal("199.00"), trade_status="TRADE_SUCCESS", notify_time=at, subject="洗车"
    )

    assert params["notify_type"] == "trade_status_sync"
    assert params["notify_time"] == "2025-01-01 12:00:05"  # Beijing time, as Alipay writes it
    assert params["gmt_payment"] == "2025-01-01 12:00:05"
    assert params["app_id"] == django_settings.PAYMENT_SANDBOX["app_id"]
    assert (params["charset"], params["version"], params["sign_type"]) == ("utf-8", "1.0", "RSA2")
    assert params["trade_no"] == sandbox_trade_no("P1")
    assert len(params["trade_no"]) == 28 and params["trade_no"].isdigit()
    assert params["total_amount"] == params["receipt_amount"] == params["buyer_pay_amount"] == "199.00"
    assert params["trade_status"] == "TRADE_SUCCESS"
    assert params["notify_id"]
    assert all(isinstance(v, str) and v for v in params.values())
    # Signed with the platform key (Alipay's role), not the merchant's.
    assert signing.verify(params, sandbox_keys.platform_public) is True
    assert signing.verify(params, sandbox_keys.merchant_public) is False


@pytest.mark.parametrize(("trade_status", "status"), ALIPAY_STATUSES)
def test_sandbox_notification_round_trip(sandbox, trade_status, status):
    params = sandbox.build_notification(out_trade_no="P1", amount=Decimal("88.50"), trade_status=trade_status)

    notification = sandbox.verify_notification(params)

    assert notification.out_trade_no == "P1"
    assert notification.trade_no == sandbox_trade_no("P1")
    assert notification.amount == Decimal("88.50")
    assert notification.status == status
    assert notification.notify_id == params["notify_id"]
    assert notification.raw == params


def test_sandbox_notification_verifies_as_form_data(sandbox):
    params = sandbox.build_notification(out_trade_no="P1", amount=Decimal("10.00"), trade_status="TRADE_SUCCESS")
    form = QueryDict(mutable=True)
    form.update(params)

    assert sandbox.verify_notification(form).amount == Decimal("10.00")


def test_a_redelivered_sandbox_notification_keeps_its_notify_id_and_trade_no(sandbox):
    first = sandbox.build_notification(out_trade_no="P1", amount=Decimal("10.00"), trade_status="TRADE_SUCCESS")
    again = sandbox.build_notification(
        out_trade_no="P1", amount=Decimal("10.00"), trade_status="TRADE_SUCCESS", notify_id=first["notify_id"]
    )

    assert sandbox.verify_notification(again).notify_id == first["notify_id"]
    assert again["trade_no"] == first["trade_no"]


def test_sandbox_notifications_verify_with_the_sdk_and_the_alipay_provider(sandbox, sandbox_keys):
    # The sandbox behaves like Alipay: the SDK, and our Alipay provider, accept what it signs when they are
    # given the platform's public key as "Alipay's".
    params = sandbox.build_notification(
        out_trade_no="P1", amount=Decimal("199.00"), trade_status="TRADE_SUCCESS", subject=SUBJECT
    )
    sdk = AliPay(
        appid=params["app_id"],
        app_private_key_string=sandbox_keys.merchant_private,
        alipay_public_key_string=sandbox_keys.platform_public,
    )
    data = dict(params)
    assert sdk.verify(data, data.pop("sign")) is True

    alipay = AlipayProvider(
        {
            "app_id": params["app_id"],
            "app_private_key": sandbox_keys.merchant_private,
            "public_key": sandbox_keys.platform_public,
        }
    )
    assert alipay.verify_notification(params).status == "success"


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda p, k: p | {"total_amount": "1.00"}, id="tampered-amount"),
        pytest.param(lambda p, k: p | {"out_trade_no": "P2"}, id="tampered-trade"),
        pytest.param(lambda p, k: {x: v for x, v in p.items() if x != "gmt_payment"}, id="removed-field"),
        pytest.param(lambda p, k: {x: v for x, v in p.items() if x != "sign"}, id="unsigned"),
        pytest.param(lambda p, k: p | {"sign_type": "RSA"}, id="sign-type-rsa"),
        pytest.param(lambda p, k: resign(p, k.merchant_private), id="signed-with-merchant-key"),
        pytest.param(lambda p, k: resign(p | {"app_id": "2021000000009999"}, k.platform_private), id="other-app"),
    ],
)
def test_sandbox_refuses_forged_notifications(sandbox, sandbox_keys, change):
    params = sandbox.build_notification(out_trade_no="P1", amount=Decimal("199.00"), trade_status="TRADE_SUCCESS")

    with pytest.raises(InvalidSignature):
        sandbox.verify_notification(change(params, sandbox_keys))


def test_sandbox_signed_nonsense_is_a_provider_error_not_a_bad_signature(sandbox, sandbox_keys):
    params = sandbox.build_notification(out_trade_no="P1", amount=Decimal("1.00"), trade_status="TRADE_SUCCESS")

    with pytest.raises(ProviderError) as excinfo:
        sandbox.verify_notification(resign(params | {"trade_status": "TRADE_PENDING"}, sandbox_keys.platform_private))
    assert not isinstance(excinfo.value, InvalidSignature)
    with pytest.raises(ValueError):
        sandbox.build_notification(out_trade_no="P1", amount=Decimal("1.00"), trade_status="PAID")


def test_sandbox_refund_succeeds_unless_told_otherwise(sandbox):
    refund = sandbox.refund(out_trade_no="P1", refund_amount=Decimal("50"), out_request_no="R1", reason="取消")

    assert (refund.status, refund.refund_amount, refund.refunded_total) == (
        "succeeded",
        Decimal("50.00"),
        Decimal("50"),
    )

    refused = sandbox.refund(out_trade_no="P1", refund_amount=Decimal("50"), out_request_no="R-FAIL-2")
    assert (refused.status, refused.refunded_total, refused.code) == ("failed", None, "SANDBOX_REFUND_REFUSED")
    with pytest.raises(ProviderUnavailable):
        sandbox.refund(out_trade_no="P1", refund_amount=Decimal("50"), out_request_no="R-DOWN-3")


def test_sandbox_transfer_pays_once_per_out_biz_no_unless_told_otherwise(sandbox):
    paid = sandbox.transfer(out_biz_no="PO1", amount=Decimal("76000"), payee_account="13800000000", payee_name="张三")
    again = sandbox.transfer(out_biz_no="PO1", amount=Decimal("76000"), payee_account="13800000000")

    assert (paid.status, paid.amount, paid.order_id) == ("succeeded", Decimal("76000.00"), sandbox_order_id("PO1"))
    assert len(paid.order_id) == 32 and paid.order_id.isdigit()
    assert paid.raw["status"] == "SUCCESS" and paid.raw["trans_amount"] == "76000.00"
    assert again.order_id == paid.order_id != sandbox_order_id("PO2")
    refused = sandbox.transfer(out_biz_no="PO-FAIL-2", amount=Decimal("1"), payee_account="13800000000")
    assert (refused.status, refused.order_id, refused.code) == ("failed", None, "PAYEE_NOT_EXIST")
    with pytest.raises(ProviderUnavailable):
        sandbox.transfer(out_biz_no="PO-DOWN-3", amount=Decimal("1"), payee_account="13800000000")
    with pytest.raises(ProviderError):
        sandbox.transfer(out_biz_no="PO4", amount=Decimal("1"), payee_account="")
    for amount, error in [(1.0, TypeError), (Decimal("0.001"), ValueError), (Decimal("0"), ValueError)]:
        with pytest.raises(error):
            sandbox.transfer(out_biz_no="PO5", amount=amount, payee_account="13800000000")


def test_sandbox_query_answers_from_what_it_has_seen(sandbox):
    assert sandbox.query(out_trade_no="P1").status == "not_found"

    sandbox.create(out_trade_no="P1", amount=Decimal("35.00"), subject="洗车", notify_url=NOTIFY_URL)
    pending = sandbox.query(out_trade_no="P1")
    assert (pending.status, pending.amount) == ("pending", Decimal("35.00"))

    sandbox.build_notification(out_trade_no="P1", amount=Decimal("35.00"), trade_status="TRADE_SUCCESS")
    paid = sandbox.query(out_trade_no="P1")
    assert (paid.status, paid.trade_no, paid.amount) == ("success", sandbox_trade_no("P1"), Decimal("35.00"))


def test_sandbox_without_keys_says_how_to_make_them(settings, tmp_path):
    settings.PAYMENT_SANDBOX = {
        **settings.PAYMENT_SANDBOX,
        "merchant_private_key_path": tmp_path / "missing.pem",
    }

    with pytest.raises(ImproperlyConfigured, match="payment_keys"):
        provider_get("sandbox")


# --- alipay ------------------------------------------------------------------------------------------


@pytest.fixture
def gateway(alipay_gateway_server):
    """The fake Alipay gateway on 127.0.0.1, fresh for each test."""
    alipay_gateway_server.reset()
    yield alipay_gateway_server
    alipay_gateway_server.reset()


@pytest.fixture
def alipay_config(alipay_keys, gateway) -> dict:
    return {
        "app_id": APP_ID,
        "app_private_key": alipay_keys.app_private,
        "public_key": alipay_keys.alipay_public,
        "debug": False,
        "gateway": gateway.gateway_url,
        "timeout_s": 0.5,
    }


@pytest.fixture
def alipay(alipay_config) -> AlipayProvider:
    return AlipayProvider(alipay_config)


@pytest.fixture
def alipay_side(alipay_keys) -> AliPay:
    """python-alipay-sdk standing in for Alipay: Alipay's private key signs, exactly as Alipay signs."""
    return AliPay(
        appid=APP_ID, app_private_key_string=alipay_keys.alipay_private, alipay_public_key_string=alipay_keys.app_public
    )


def alipay_notification(alipay_side: AliPay, **changes: str) -> dict[str, str]:
    """A notification as Alipay posts it, signed the way Alipay signs (every parameter but sign and sign_type,
    empty ones left out, sorted, SHA256withRSA)."""
    params = {
        "notify_time": "2025-01-01 12:00:05",
        "notify_type": "trade_status_sync",
        "notify_id": "2025010100222120005000001234567890",
        "app_id": APP_ID,
        "charset": "utf-8",
        "version": "1.0",
        "sign_type": "RSA2",
        "trade_no": "2025010122001400000000000001",
        "out_trade_no": "P1",
        "buyer_id": "2088102177846880",
        "trade_status": "TRADE_SUCCESS",
        "total_amount": "199.00",
        "receipt_amount": "199.00",
        "buyer_pay_amount": "199.00",
        "subject": SUBJECT,
        "body": "",
        "gmt_payment": "2025-01-01 12:00:04",
        "fund_bill_list": '[{"amount":"199.00","fundChannel":"ALIPAYACCOUNT"}]',
        **changes,
    }
    raw = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in ("sign", "sign_type") and v)
    return {**params, "sign": alipay_side._sign(raw)}


def test_alipay_create_signs_a_page_pay_url_on_the_gateway(alipay, gateway, alipay_keys):
    created = alipay.create(
        out_trade_no="P1",
        amount=Decimal("199"),
        subject=SUBJECT,
        notify_url=NOTIFY_URL,
        return_url="https://chefu.example/bookings/1",
    )

    assert created.pay_url.startswith(gateway.gateway_url + "?")
    params = query_params(created.pay_url)
    assert (params["app_id"], params["method"], params["sign_type"]) == (APP_ID, "alipay.trade.page.pay", "RSA2")
    assert params["notify_url"] == NOTIFY_URL
    assert params["return_url"] == "https://chefu.example/bookings/1"
    assert json.loads(params["biz_content"]) == {
        "subject": SUBJECT,
        "out_trade_no": "P1",
        "total_amount": "199.00",
        "product_code": "FAST_INSTANT_TRADE_PAY",
    }
    # Alipay's gateway checks requests with our app's public key, sign_type included.
    assert signing.verify(params, alipay_keys.app_public, keep_sign_type=True) is True
    # Making the URL is local: nothing reached the gateway.
    assert gateway.calls == []


def test_lazy_translations_are_accepted_as_subject_and_reason(alipay, gateway, sandbox):
    subject = gettext_lazy("Payments")
    gateway.add_trade("P1", Decimal("10.00"))

    pay_url = alipay.create(out_trade_no="P1", amount=Decimal("10.00"), subject=subject, notify_url=NOTIFY_URL).pay_url
    sandbox.create(out_trade_no="P1", amount=Decimal("10.00"), subject=subject, notify_url=NOTIFY_URL)
    alipay.refund(out_trade_no="P1", refund_amount=Decimal("1.00"), out_request_no="R1", reason=gettext_lazy("Refunds"))

    assert json.loads(query_params(pay_url)["biz_content"])["subject"] == str(subject)
    assert gateway.calls_to("alipay.trade.refund")[0].biz_content["refund_reason"] == str(gettext_lazy("Refunds"))


@pytest.mark.parametrize(("debug", "host"), [(False, "openapi.alipay.com"), (True, "openapi-sandbox.dl.alipaydev.com")])
def test_alipay_gateway_defaults_to_alipays(alipay_config, debug, host):
    provider = AlipayProvider({**alipay_config, "gateway": "", "debug": debug})

    pay_url = provider.create(out_trade_no="P1", amount=Decimal("1.00"), subject="洗车", notify_url=NOTIFY_URL).pay_url

    assert urlsplit(pay_url).netloc == host


@pytest.mark.parametrize(("trade_status", "status"), ALIPAY_STATUSES)
def test_alipay_notification_signed_as_alipay_signs_verifies(alipay, alipay_side, trade_status, status):
    params = alipay_notification(alipay_side, trade_status=trade_status)

    notification = alipay.verify_notification(params)

    assert notification.status == status
    assert (notification.out_trade_no, notification.trade_no) == ("P1", "2025010122001400000000000001")
    assert notification.amount == Decimal("199.00")
    assert notification.notify_id == "2025010100222120005000001234567890"
    assert notification.raw == params


def test_alipay_notification_as_form_data(alipay, alipay_side):
    form = QueryDict(mutable=True)
    form.update(alipay_notification(alipay_side))

    assert alipay.verify_notification(form).status == "success"


def test_alipay_keys_from_files(alipay_config, alipay_keys, alipay_side, tmp_path):
    (tmp_path / "app.pem").write_text(alipay_keys.app_private)
    # Alipay's console shows its public key as bare base64.
    bare = "".join(line for line in alipay_keys.alipay_public.splitlines() if not line.startswith("-----"))
    (tmp_path / "alipay.txt").write_text(bare)
    config = {
        **alipay_config,
        "app_private_key": "",
        "app_private_key_path": str(tmp_path / "app.pem"),
        "public_key": "",
        "public_key_path": str(tmp_path / "alipay.txt"),
    }

    assert AlipayProvider(config).verify_notification(alipay_notification(alipay_side)).status == "success"

    with pytest.raises(ImproperlyConfigured):
        AlipayProvider({**config, "public_key_path": str(tmp_path / "missing.pem")})
    with pytest.raises(ImproperlyConfigured):
        AlipayProvider({**config, "public_key_path": ""})
    with pytest.raises(ImproperlyConfigured):
        AlipayProvider({**config, "app_id": ""})


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda params, keys: params | {"total_amount": "0.01"}, id="tampered-amount"),
        pytest.param(
            lambda params, keys: params | {"trade_status": "TRADE_SUCCESS", "out_trade_no": "P2"}, id="tampered-trade"
        ),
        pytest.param(lambda params, keys: {k: v for k, v in params.items() if k != "gmt_payment"}, id="removed-field"),
        pytest.param(lambda params, keys: {k: v for k, v in params.items() if k != "sign"}, id="unsigned"),
        pytest.param(lambda params, keys: params | {"sign": "bm90IGEgc2lnbmF0dXJl"}, id="garbage-sign"),
        pytest.param(lambda params, keys: params | {"sign": "%%%"}, id="not-base64"),
        pytest.param(lambda params, keys: params | {"sign_type": "RSA"}, id="sign-type-rsa"),
        pytest.param(lambda params, keys: resign(params, keys.app_private), id="signed-with-another-key"),
        pytest.param(
            lambda params, keys: resign(params | {"app_id": "2021000000009999"}, keys.alipay_private), id="other-app"
        ),
    ],
)
def test_alipay_refuses_forged_notifications(alipay, alipay_side, alipay_keys, forge):
    params = forge(alipay_notification(alipay_side), alipay_keys)

    with pytest.raises(InvalidSignature):
        alipay.verify_notification(params)


@pytest.mark.parametrize(
    "changes", [{"trade_status": "TRADE_PAID"}, {"total_amount": "abc"}, {"total_amount": "1.005"}, {"trade_no": ""}]
)
def test_alipay_signed_nonsense_is_a_provider_error_not_a_bad_signature(alipay, alipay_side, changes):
    params = alipay_notification(alipay_side, **changes)

    with pytest.raises(ProviderError) as excinfo:
        alipay.verify_notification(params)
    assert not isinstance(excinfo.value, InvalidSignature)


def test_alipay_refund_through_the_gateway(alipay, gateway):
    gateway.add_trade("P1", Decimal("199.00"))

    first = alipay.refund(out_trade_no="P1", refund_amount=Decimal("50"), out_request_no="R1", reason="门店取消")
    second = alipay.refund(out_trade_no="P1", refund_amount=Decimal("149.00"), out_request_no="R2")

    assert (first.status, first.refund_amount, first.refunded_total) == (
        "succeeded",
        Decimal("50.00"),
        Decimal("50.00"),
    )
    assert (second.status, second.refunded_total) == ("succeeded", Decimal("199.00"))
    calls = gateway.calls_to("alipay.trade.refund")
    assert [c.signature_valid for c in calls] == [True, True]
    assert calls[0].params["app_id"] == APP_ID
    assert calls[0].biz_content == {
        "refund_amount": "50.00",
        "out_trade_no": "P1",
        "out_request_no": "R1",
        "refund_reason": "门店取消",
    }
    assert "refund_reason" not in calls[1].biz_content
    assert gateway.trades["P1"].trade_status == "TRADE_CLOSED"


def test_alipay_refund_of_more_than_was_paid_fails_with_alipays_reason(alipay, gateway):
    gateway.add_trade("P1", Decimal("100.00"))

    refund = alipay.refund(out_trade_no="P1", refund_amount=Decimal("100.01"), out_request_no="R1")

    assert (refund.status, refund.refunded_total) == ("failed", None)
    assert (refund.code, refund.message) == ("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
    assert gateway.trades["P1"].refunds == {}


def test_alipay_refund_of_an_unknown_trade_fails(alipay, gateway):
    refund = alipay.refund(out_trade_no="NOPE", refund_amount=Decimal("1.00"), out_request_no="R1")

    assert (refund.status, refund.code) == ("failed", "ACQ.TRADE_NOT_EXIST")


def test_alipay_repeated_refund_is_confirmed_by_the_refund_query(alipay, gateway):
    gateway.add_trade("P1", Decimal("199.00"))
    alipay.refund(out_trade_no="P1", refund_amount=Decimal("50.00"), out_request_no="R1")

    # The same out_request_no again (a retry after a timeout): Alipay moves nothing and says fund_change N.
    again = alipay.refund(out_trade_no="P1", refund_amount=Decimal("50.00"), out_request_no="R1")

    assert (again.status, again.refunded_total) == ("succeeded", Decimal("50.00"))
    assert gateway.trades["P1"].refunds == {"R1": Decimal("50.00")}
    assert len(gateway.calls_to("alipay.trade.fastpay.refund.query")) == 1


def test_alipay_fund_change_n_without_a_recorded_refund_fails(alipay, gateway):
    gateway.add_trade("P1", Decimal("199.00"))
    alipay.refund(out_trade_no="P1", refund_amount=Decimal("50.00"), out_request_no="R1")
    gateway.refund_query_misses.add("R1")

    again = alipay.refund(out_trade_no="P1", refund_amount=Decimal("50.00"), out_request_no="R1")

    assert (again.status, again.refunded_total) == ("failed", None)


@pytest.mark.parametrize("mode", ["down", "slow", "busy", "garbage"])
def test_alipay_outages_are_provider_unavailable(alipay_config, gateway, mode):
    gateway.add_trade("P1", Decimal("199.00"))
    gateway.mode = mode
    alipay = AlipayProvider({**alipay_config, "timeout_s": 0.2})

    with pytest.raises(ProviderUnavailable):
        alipay.refund(out_trade_no="P1", refund_amount=Decimal("1.00"), out_request_no="R1")
    with pytest.raises(ProviderUnavailable):
        alipay.query(out_trade_no="P1")


def test_alipay_unreachable_gateway_is_provider_unavailable(alipay_config):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    alipay = AlipayProvider({**alipay_config, "gateway": f"http://127.0.0.1:{port}/gateway.do"})

    with pytest.raises(ProviderUnavailable):
        alipay.refund(out_trade_no="P1", refund_amount=Decimal("1.00"), out_request_no="R1")


def test_alipay_answer_not_signed_by_alipay_is_refused(alipay, gateway):
    gateway.add_trade("P1", Decimal("199.00"))
    gateway.mode = "forged"

    with pytest.raises(InvalidSignature):
        alipay.query(out_trade_no="P1")


def test_alipay_call_refused_by_the_gateway_is_a_provider_error(alipay_config, gateway, alipay_keys):
    # Our app key is not the one registered with Alipay: the gateway rejects the request's signature.
    other_private, _ = signing.generate_key_pair()
    alipay = AlipayProvider({**alipay_config, "app_private_key": other_private})
    gateway.add_trade("P1", Decimal("199.00"))

    with pytest.raises(ProviderError) as excinfo:
        alipay.refund(out_trade_no="P1", refund_amount=Decimal("1.00"), out_request_no="R1")
    assert not isinstance(excinfo.value, ProviderUnavailable)
    assert gateway.calls_to("alipay.trade.refund")[0].signature_valid is False
    assert gateway.trades["P1"].refunds == {}


@pytest.mark.parametrize(("trade_status", "status"), ALIPAY_STATUSES)
def test_alipay_query(alipay, gateway, trade_status, status):
    trade = gateway.add_trade("P1", Decimal("88.50"), trade_status=trade_status)

    result = alipay.query(out_trade_no="P1")

    assert (result.status, result.trade_no, result.amount) == (status, trade.trade_no, Decimal("88.50"))
    assert gateway.calls_to("alipay.trade.query")[0].biz_content == {"out_trade_no": "P1"}


def test_alipay_transfer_through_the_gateway(alipay, gateway):
    paid = alipay.transfer(
        out_biz_no="PO1", amount=Decimal("76000"), payee_account="seller@example.com", payee_name="张三", remark="车款"
    )
    # a retry after a timeout: the same order, nothing paid twice
    again = alipay.transfer(out_biz_no="PO1", amount=Decimal("76000"), payee_account="seller@example.com")

    assert (paid.status, paid.amount) == ("succeeded", Decimal("76000.00"))
    assert paid.order_id == again.order_id == gateway.transfers["PO1"].order_id
    assert len(gateway.transfers) == 1
    [call, _] = gateway.calls_to("alipay.fund.trans.uni.transfer")
    assert call.signature_valid and call.params["app_id"] == APP_ID
    assert call.biz_content == {
        "out_biz_no": "PO1",
        "trans_amount": "76000.00",
        "product_code": "TRANS_ACCOUNT_NO_PWD",
        "biz_scene": "DIRECT_TRANSFER",
        "payee_info": {"identity": "seller@example.com", "identity_type": "ALIPAY_LOGON_ID", "name": "张三"},
        "remark": "车款",
    }


def test_alipay_transfer_to_an_unknown_payee_fails_with_alipays_reason(alipay, gateway):
    gateway.unknown_payees.add("nobody@example.com")

    refused = alipay.transfer(out_biz_no="PO1", amount=Decimal("1.00"), payee_account="nobody@example.com")

    assert (refused.status, refused.order_id, refused.code, refused.message) == (
        "failed",
        None,
        "PAYEE_NOT_EXIST",
        "收款账号不存在",
    )
    assert gateway.transfers == {}


def test_alipay_transfer_still_in_progress_is_asked_again(alipay, gateway):
    gateway.transfers_dealing.add("PO1")

    with pytest.raises(ProviderUnavailable):
        alipay.transfer(out_biz_no="PO1", amount=Decimal("1.00"), payee_account="seller@example.com")

    gateway.transfers_dealing.clear()
    assert alipay.transfer(out_biz_no="PO1", amount=Decimal("1.00"), payee_account="seller@example.com").order_id


@pytest.mark.parametrize("mode", ["down", "busy", "garbage"])
def test_alipay_transfer_outages_are_provider_unavailable(alipay_config, gateway, mode):
    gateway.mode = mode
    alipay = AlipayProvider({**alipay_config, "timeout_s": 0.2})

    with pytest.raises(ProviderUnavailable):
        alipay.transfer(out_biz_no="PO1", amount=Decimal("1.00"), payee_account="seller@example.com")


def test_alipay_query_of_an_unknown_trade_is_not_found(alipay):
    result = alipay.query(out_trade_no="NOPE")

    assert (result.status, result.trade_no, result.amount) == ("not_found", None, None)


# --- payment_keys ------------------------------------------------------------------------------------


@pytest.fixture
def keys_dir(settings, tmp_path) -> Path:
    keys_dir = tmp_path / "var" / "keys"
    settings.PAYMENT_KEYS_DIR = keys_dir
    settings.PAYMENT_SANDBOX = {
        **settings.PAYMENT_SANDBOX,
        **{
            f"{role}_{kind}_key_path": keys_dir / f"sandbox-{role}-{kind}.pem"
            for role in ("merchant", "platform")
            for kind in ("private", "public")
        },
    }
    return keys_dir


def test_payment_keys_writes_two_private_pairs_the_sandbox_uses(keys_dir):
    call_command("payment_keys", stdout=io.StringIO())

    assert stat.S_IMODE(keys_dir.stat().st_mode) == 0o700
    files = sorted(p.name for p in keys_dir.iterdir())
    assert files == [
        "sandbox-merchant-private.pem",
        "sandbox-merchant-public.pem",
        "sandbox-platform-private.pem",
        "sandbox-platform-public.pem",
    ]
    assert all(stat.S_IMODE((keys_dir / name).stat().st_mode) == 0o600 for name in files)
    # The pairs match and differ from each other.
    sandbox = provider_get("sandbox")
    params = sandbox.build_notification(out_trade_no="P1", amount=Decimal("1.00"), trade_status="TRADE_SUCCESS")
    assert sandbox.verify_notification(params).status == "success"
    assert (keys_dir / "sandbox-merchant-private.pem").read_text() != (
        keys_dir / "sandbox-platform-private.pem"
    ).read_text()


def test_payment_keys_if_missing_keeps_existing_keys_and_fills_gaps(keys_dir):
    call_command("payment_keys", "--if-missing", stdout=io.StringIO())
    before = {p.name: p.read_text() for p in keys_dir.iterdir()}
    (keys_dir / "sandbox-platform-public.pem").unlink()

    call_command("payment_keys", "--if-missing", stdout=io.StringIO())

    after = {p.name: p.read_text() for p in keys_dir.iterdir()}
    assert after["sandbox-merchant-private.pem"] == before["sandbox-merchant-private.pem"]
    # A broken pair is made again whole.
    assert after["sandbox-platform-private.pem"] != before["sandbox-platform-private.pem"]
    provider_get("sandbox").verify_notification(
        provider_get("sandbox").build_notification(out_trade_no="P1", amount=Decimal("1"), trade_status="TRADE_SUCCESS")
    )


def test_payment_keys_replaces_only_with_force(keys_dir):
    call_command("payment_keys", stdout=io.StringIO())
    before = (keys_dir / "sandbox-merchant-private.pem").read_text()

    with pytest.raises(CommandError, match="--force"):
        call_command("payment_keys", stdout=io.StringIO())
    assert (keys_dir / "sandbox-merchant-private.pem").read_text() == before

    call_command("payment_keys", "--force", stdout=io.StringIO())
    assert (keys_dir / "sandbox-merchant-private.pem").read_text() != before


# --- settings ----------------------------------------------------------------------------------------

# Importing the settings module alone (no django.setup()) is enough to read them, and quick.
_READ_SETTINGS = (
    "import importlib, sys; s = importlib.import_module(sys.argv[1]); "
    "print(s.PAYMENT_SANDBOX_ENABLED, bool(s.ALIPAY['app_id']), s.PAYMENT_KEYS_DIR)"
)


def _settings_env(module: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIPAY_", "PAYMENT_"))}
    return env | {
        "DJANGO_SETTINGS_MODULE": module,
        "SECRET_KEY": "k3Jx-9vQ_2mWz8RtYp4LbN6cHs1FgDa7EoUiZq5XwVy0TrMn-pL8s",
        "ALLOWED_HOSTS": "chefu.example",
        "WAGTAILADMIN_BASE_URL": "https://chefu.example",
        "TRUSTED_PROXY_COUNT": "1",
        **extra,
    }


def _run_settings(module: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", _READ_SETTINGS, module],
        env=_settings_env(module, **extra),
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_settings_sandbox_is_on_in_the_demo_and_off_in_production():
    base = _run_settings("chefu.settings.demo")
    production = _run_settings("chefu.settings.production")
    switched_on = _run_settings("chefu.settings.production", PAYMENT_SANDBOX_ENABLED="true")

    assert base.stdout.split()[:2] == ["True", "False"], base.stderr
    assert base.stdout.split()[2] == str(Path(django_settings.BASE_DIR) / "var" / "keys")
    assert production.stdout.split()[:2] == ["False", "False"], production.stderr
    assert switched_on.stdout.split()[:2] == ["True", "False"], switched_on.stderr


def test_production_with_alipay_needs_its_keys_and_notify_url(tmp_path):
    missing_keys = _run_settings("chefu.settings.production", ALIPAY_APP_ID=APP_ID)
    complete = _run_settings(
        "chefu.settings.production",
        ALIPAY_APP_ID=APP_ID,
        ALIPAY_APP_PRIVATE_KEY_PATH=str(tmp_path / "app.pem"),
        ALIPAY_PUBLIC_KEY_PATH=str(tmp_path / "alipay.pem"),
        PAYMENT_NOTIFY_BASE_URL="https://chefu.example",
    )

    assert missing_keys.returncode != 0
    assert "ALIPAY_APP_PRIVATE_KEY" in missing_keys.stderr
    assert complete.stdout.split()[:2] == ["False", "True"], complete.stderr
