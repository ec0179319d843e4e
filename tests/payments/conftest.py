"""Key fixtures for the payments tests (generated per session into a temporary directory, never var/keys) and the
Alipay stand-in they sign for."""

from dataclasses import dataclass

import pytest

from payments.providers import signing
from tests.fakes.alipay import FakeAlipayGateway

# The app id the Alipay stand-in answers for: the tests' ALIPAY settings use it.
ALIPAY_TEST_APP_ID = "2021000000000001"


@dataclass(frozen=True)
class AlipayKeys:
    """Our app's pair (we sign requests, Alipay checks them) and the pair standing for Alipay's (it signs
    notifications and answers, we check them)."""

    app_private: str
    app_public: str
    alipay_private: str
    alipay_public: str


@pytest.fixture(scope="session")
def alipay_keys() -> AlipayKeys:
    app_private, app_public = signing.generate_key_pair()
    alipay_private, alipay_public = signing.generate_key_pair()
    return AlipayKeys(app_private, app_public, alipay_private, alipay_public)


@pytest.fixture(scope="module")
def alipay_gateway_server(alipay_keys):
    """The Alipay stand-in on 127.0.0.1, one per test module (tests reset it: their ``gateway`` fixtures)."""
    with FakeAlipayGateway(
        app_id=ALIPAY_TEST_APP_ID,
        alipay_private_key=alipay_keys.alipay_private,
        app_public_key=alipay_keys.app_public,
    ) as fake:
        yield fake
