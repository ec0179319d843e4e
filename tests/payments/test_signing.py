"""Our RSA2 scheme (payments.providers.signing) against python-alipay-sdk's: each accepts what the other signs."""

import base64
import json
from urllib.parse import parse_qsl

import pytest
from alipay import AliPay
from cryptography.hazmat.primitives import serialization

from payments.providers import signing

APP_ID = "2021000000000001"

# An asynchronous notification as Alipay posts it (a paid trade), without its signature.
NOTIFICATION = {
    "notify_time": "2025-01-01 12:00:05",
    "notify_type": "trade_status_sync",
    "notify_id": "2025010100222120005000001234567890",
    "app_id": APP_ID,
    "charset": "utf-8",
    "version": "1.0",
    "sign_type": "RSA2",
    "trade_no": "2025010122001400000000000001",
    "out_trade_no": "P20250101-0001",
    "buyer_id": "2088102177846880",
    "seller_id": "2088101117955611",
    "trade_status": "TRADE_SUCCESS",
    "total_amount": "199.00",
    "receipt_amount": "199.00",
    "buyer_pay_amount": "199.00",
    "subject": "小保养套餐 · 机油+机滤 (上海徐汇店) & 工时",
    "gmt_create": "2025-01-01 11:59:50",
    "gmt_payment": "2025-01-01 12:00:04",
    "fund_bill_list": '[{"amount":"199.00","fundChannel":"ALIPAYACCOUNT"}]',
}


def sdk_client(*, private_key: str, public_key: str) -> AliPay:
    """python-alipay-sdk holding ``private_key`` to sign and ``public_key`` to verify."""
    return AliPay(appid=APP_ID, app_private_key_string=private_key, alipay_public_key_string=public_key)


@pytest.fixture
def merchant(alipay_keys) -> AliPay:
    """The SDK as we use it: our app key signs, Alipay's public key verifies."""
    return sdk_client(private_key=alipay_keys.app_private, public_key=alipay_keys.alipay_public)


@pytest.fixture
def alipay_side(alipay_keys) -> AliPay:
    """The SDK standing in for Alipay: Alipay's private key signs, exactly as Alipay signs."""
    return sdk_client(private_key=alipay_keys.alipay_private, public_key=alipay_keys.app_public)


def signed_by_us(params: dict, private_key: str) -> dict:
    return {**params, "sign": signing.sign(params, private_key)}


def test_unsigned_string_sorts_drops_sign_sign_type_and_empty_values_and_does_not_encode():
    params = {"b": "2", "a": "x y&z=1", "sign": "S", "sign_type": "RSA2", "empty": "", "none": None, "c": "中文"}

    assert signing.unsigned_string(params) == "a=x y&z=1&b=2&c=中文"
    assert signing.unsigned_string(params, keep_sign_type=True) == "a=x y&z=1&b=2&c=中文&sign_type=RSA2"


def test_a_notification_we_sign_verifies_with_the_sdk(alipay_keys, merchant):
    # given a notification signed by our code with the "Alipay" key
    params = signed_by_us(NOTIFICATION, alipay_keys.alipay_private)

    # when the SDK checks it as it would check Alipay's
    data = dict(params)
    signature = data.pop("sign")

    # then
    assert merchant.verify(data, signature) is True


def test_a_notification_signed_the_way_the_sdk_signs_verifies_with_ours(alipay_keys, alipay_side):
    # _sign over the notification's unsigned string: what Alipay computes
    raw = "&".join(f"{k}={v}" for k, v in sorted(NOTIFICATION.items()) if k not in ("sign", "sign_type"))
    params = {**NOTIFICATION, "sign": alipay_side._sign(raw)}

    assert signing.verify(params, alipay_keys.alipay_public) is True


def test_sign_data_output_verifies_with_ours(alipay_keys, alipay_side):
    # sign_data signs every parameter it is given: leave sign_type out to get the notification scheme...
    data = {k: v for k, v in NOTIFICATION.items() if k != "sign_type"}
    params = dict(parse_qsl(alipay_side.sign_data(dict(data))))

    assert params["subject"] == NOTIFICATION["subject"]
    assert signing.verify(params, alipay_keys.alipay_public) is True


def test_sdk_request_signature_verifies_with_ours_when_sign_type_is_kept(alipay_keys, merchant):
    # ...while a request the SDK builds signs sign_type too, as Alipay's gateway expects.
    body = merchant.build_body(
        "alipay.trade.page.pay",
        {"subject": "洗车", "out_trade_no": "P1", "total_amount": "35.00", "product_code": "FAST_INSTANT_TRADE_PAY"},
        notify_url="https://chefu.example/api/v1/payments/notify/alipay",
    )
    params = dict(parse_qsl(merchant.sign_data(body)))

    assert signing.verify(params, alipay_keys.app_public, keep_sign_type=True) is True
    assert signing.verify(params, alipay_keys.app_public) is False


def test_a_request_we_sign_with_sign_type_kept_matches_the_sdk_byte_for_byte(alipay_keys, merchant):
    body = merchant.build_body("alipay.trade.query", {"out_trade_no": "P1"})
    # sign_data turns biz_content into its JSON text in place: sign that same text.
    sdk_sign = dict(parse_qsl(merchant.sign_data(body)))["sign"]

    # PKCS#1 v1.5 is deterministic: the same key and string give the same signature.
    assert signing.sign(body, alipay_keys.app_private, keep_sign_type=True) == sdk_sign


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda p: p | {"total_amount": "0.01"}, id="tampered-amount"),
        pytest.param(lambda p: p | {"trade_status": "TRADE_CLOSED"}, id="tampered-status"),
        pytest.param(lambda p: p | {"subject": p["subject"] + " "}, id="tampered-chinese-subject"),
        pytest.param(lambda p: {k: v for k, v in p.items() if k != "gmt_payment"}, id="removed-field"),
        pytest.param(lambda p: p | {"extra": "1"}, id="added-field"),
        pytest.param(lambda p: {k: v for k, v in p.items() if k != "sign"}, id="no-sign"),
        pytest.param(lambda p: p | {"sign": "not base64!"}, id="garbage-sign"),
        pytest.param(lambda p: p | {"sign": ""}, id="empty-sign"),
        pytest.param(lambda p: p | {"sign_type": "RSA"}, id="sign-type-rsa"),
    ],
)
def test_a_changed_notification_does_not_verify(alipay_keys, merchant, change):
    params = change(signed_by_us(NOTIFICATION, alipay_keys.alipay_private))

    assert signing.verify(params, alipay_keys.alipay_public) is False
    if params.get("sign") and params.get("sign_type") == "RSA2":
        data = dict(params)
        signature = data.pop("sign")
        try:
            sdk_says = merchant.verify(data, signature)
        except ValueError:  # the SDK's base64 decoding
            sdk_says = False
        assert sdk_says is False


def test_a_notification_signed_with_another_key_does_not_verify(alipay_keys, merchant):
    forged = signed_by_us(NOTIFICATION, alipay_keys.app_private)  # a real key, but not Alipay's

    assert signing.verify(forged, alipay_keys.alipay_public) is False
    data = dict(forged)
    assert merchant.verify(data, data.pop("sign")) is False


def test_empty_values_are_not_signed(alipay_keys):
    params = signed_by_us(NOTIFICATION | {"body": "", "passback_params": ""}, alipay_keys.alipay_private)

    # Alipay's checkers skip empty values: dropping or adding them changes nothing.
    assert signing.verify({k: v for k, v in params.items() if v}, alipay_keys.alipay_public) is True
    assert signing.verify(params | {"voucher_detail_list": ""}, alipay_keys.alipay_public) is True


def test_generate_key_pair_makes_a_matching_2048_bit_pair():
    private_pem, public_pem = signing.generate_key_pair()

    assert private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert public_pem.startswith("-----BEGIN PUBLIC KEY-----")
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    assert key.key_size == 2048
    assert signing.verify_string("abc", signing.sign_string("abc", private_pem), public_pem) is True
    assert signing.generate_key_pair()[0] != private_pem


def test_bare_base64_keys_as_alipays_console_shows_them_are_accepted(alipay_keys):
    def bare(pem: str) -> str:
        return "".join(line for line in pem.strip().splitlines() if not line.startswith("-----"))

    # PKCS#1 private key, as Alipay's key tool writes for non-Java languages.
    pkcs1 = serialization.load_pem_private_key(alipay_keys.alipay_private.encode(), password=None).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    params = {**NOTIFICATION, "sign": signing.sign(NOTIFICATION, base64.b64encode(pkcs1).decode())}

    assert signing.verify(params, bare(alipay_keys.alipay_public)) is True
    assert signing.private_key_pem(bare(alipay_keys.alipay_private)) == alipay_keys.alipay_private
    assert signing.public_key_pem(bare(alipay_keys.alipay_public)) == alipay_keys.alipay_public
    with pytest.raises(ValueError):
        signing.public_key_pem("not a key")


def test_json_values_are_signed_as_text(alipay_keys, merchant):
    # fund_bill_list arrives as a JSON string and is signed exactly as sent, not re-encoded.
    bills = json.dumps([{"amount": "199.00", "fundChannel": "ALIPAYACCOUNT"}], separators=(",", ":"))
    params = signed_by_us(NOTIFICATION | {"fund_bill_list": bills}, alipay_keys.alipay_private)
    data = dict(params)

    assert merchant.verify(data, data.pop("sign")) is True
    assert (
        signing.verify(params | {"fund_bill_list": json.dumps(json.loads(bills))}, alipay_keys.alipay_public) is False
    )
