"""Key fixtures for the payments tests: generated per session into a temporary directory, never var/keys."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from payments.providers import signing
from payments.providers.sandbox import KEY_ROLES


@dataclass(frozen=True)
class SandboxKeys:
    keys_dir: Path
    merchant_private: str
    merchant_public: str
    platform_private: str
    platform_public: str


@dataclass(frozen=True)
class AlipayKeys:
    """Our app's pair (we sign requests, Alipay checks them) and the pair standing for Alipay's (it signs
    notifications and answers, we check them)."""

    app_private: str
    app_public: str
    alipay_private: str
    alipay_public: str


@pytest.fixture(scope="session", autouse=True)
def sandbox_keys(tmp_path_factory) -> Iterator[SandboxKeys]:
    """The sandbox's two key pairs, written where the overridden ``PAYMENT_KEYS_DIR``/``PAYMENT_SANDBOX`` say
    for the whole session (autouse: no payments test reads the developer's var/keys)."""
    keys_dir = tmp_path_factory.mktemp("payment-keys")
    pems: dict[str, str] = {}
    paths: dict[str, Path] = {}
    for role in KEY_ROLES:
        pems[f"{role}_private"], pems[f"{role}_public"] = signing.generate_key_pair()
        for kind in ("private", "public"):
            path = keys_dir / f"sandbox-{role}-{kind}.pem"
            path.write_text(pems[f"{role}_{kind}"])
            path.chmod(0o600)
            paths[f"{role}_{kind}_key_path"] = path
    override = override_settings(PAYMENT_KEYS_DIR=keys_dir, PAYMENT_SANDBOX={**settings.PAYMENT_SANDBOX, **paths})
    override.enable()
    yield SandboxKeys(keys_dir=keys_dir, **pems)
    override.disable()


@pytest.fixture(scope="session")
def alipay_keys() -> AlipayKeys:
    app_private, app_public = signing.generate_key_pair()
    alipay_private, alipay_public = signing.generate_key_pair()
    return AlipayKeys(app_private, app_public, alipay_private, alipay_public)
