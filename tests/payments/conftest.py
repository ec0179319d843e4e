"""Key fixtures for the payments tests: generated per session into a temporary directory, never var/keys."""

from dataclasses import dataclass

import pytest

from payments.providers import signing


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
