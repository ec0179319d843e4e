"""Alipay's RSA2 signature scheme, written once: the sandbox signs and checks with it exactly as Alipay does.

The string to sign is every parameter except ``sign`` and ``sign_type``, empty values dropped, sorted by key and
joined ``k=v&k=v`` with the values as they are (not url-encoded). The signature is SHA256withRSA (PKCS#1 v1.5),
base64 without line breaks. Alipay's own checkers (and its Java SDK's ``AlipaySignature``) skip empty values the
same way; python-alipay-sdk does not, so callers hand it parameters without empty values.

That is the scheme of Alipay's notifications. Requests *to* Alipay's gateway (and python-alipay-sdk's
``sign_data``) sign ``sign_type`` too: pass ``keep_sign_type=True`` for those.

Keys are PEM text; the bare base64 body Alipay's console and key tool hand out (no ``-----BEGIN`` line, PKCS#1
or PKCS#8 for private keys, SubjectPublicKeyInfo or PKCS#1 for public ones) is accepted too.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SIGN_TYPE = "RSA2"
KEY_BITS = 2048

_NOTIFICATION_UNSIGNED = frozenset({"sign", "sign_type"})
_REQUEST_UNSIGNED = frozenset({"sign"})


def unsigned_string(params: Mapping[str, object], *, keep_sign_type: bool = False) -> str:
    """The string Alipay signs for ``params``: see the module docstring."""
    unsigned = _REQUEST_UNSIGNED if keep_sign_type else _NOTIFICATION_UNSIGNED
    items = sorted(
        (str(key), str(value))
        for key, value in params.items()
        if key not in unsigned and value is not None and str(value) != ""
    )
    return "&".join(f"{key}={value}" for key, value in items)


def sign_string(content: str, private_key_pem: str | bytes) -> str:
    """Base64 SHA256withRSA (PKCS#1 v1.5) signature of ``content`` (UTF-8)."""
    key = _private_key(_as_text(private_key_pem))
    signature = key.sign(content.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def verify_string(content: str, signature: str, public_key_pem: str | bytes) -> bool:
    """True when ``signature`` (base64) is ``content``'s SHA256withRSA signature under ``public_key_pem``."""
    try:
        raw = base64.b64decode(signature.strip(), validate=False)
    except (binascii.Error, ValueError, AttributeError):
        return False
    if not raw:
        return False
    key = _public_key(_as_text(public_key_pem))
    try:
        key.verify(raw, content.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    except _CryptoInvalidSignature:
        return False
    return True


def sign(params: Mapping[str, object], private_key_pem: str | bytes, *, keep_sign_type: bool = False) -> str:
    """The ``sign`` value for ``params`` (a ``sign`` already in them is ignored, and ``sign_type`` too unless
    ``keep_sign_type``)."""
    return sign_string(unsigned_string(params, keep_sign_type=keep_sign_type), private_key_pem)


def verify(params: Mapping[str, object], public_key_pem: str | bytes, *, keep_sign_type: bool = False) -> bool:
    """True when ``params["sign"]`` is a valid RSA2 signature of the other parameters.

    False when ``sign`` is missing or not base64, or when ``sign_type`` is present and not RSA2 (RSA, i.e. SHA-1,
    is never accepted).
    """
    signature = params.get("sign")
    if not signature or not isinstance(signature, str):
        return False
    sign_type = params.get("sign_type")
    if sign_type not in (None, "", SIGN_TYPE):
        return False
    return verify_string(unsigned_string(params, keep_sign_type=keep_sign_type), signature, public_key_pem)


def generate_key_pair() -> tuple[str, str]:
    """A new 2048-bit RSA key pair as ``(private PEM (PKCS#8), public PEM (SubjectPublicKeyInfo))``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    return private_pem, public_pem


def private_key_pem(text: str | bytes) -> str:
    """``text`` (PEM or bare base64 DER) as PKCS#8 PEM; ValueError when it is not an RSA private key."""
    key = _private_key(_as_text(text))
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def public_key_pem(text: str | bytes) -> str:
    """``text`` (PEM or bare base64 DER) as SubjectPublicKeyInfo PEM; ValueError when it is not an RSA public key."""
    key = _public_key(_as_text(text))
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def _as_text(value: str | bytes) -> str:
    return value.decode("ascii") if isinstance(value, bytes) else value


def _der(text: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("Not a PEM key nor base64 DER.") from exc


# Parsing an RSA private key checks it, which costs far more than a signature: keep the few we use.
@functools.lru_cache(maxsize=32)
def _private_key(text: str) -> rsa.RSAPrivateKey:
    text = text.strip()
    if "-----BEGIN" in text:
        key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
    else:
        key = serialization.load_der_private_key(_der(text), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("Not an RSA private key.")
    return key


@functools.lru_cache(maxsize=32)
def _public_key(text: str) -> rsa.RSAPublicKey:
    text = text.strip()
    if "-----BEGIN" in text:
        key = serialization.load_pem_public_key(text.encode("ascii"))
    else:
        key = serialization.load_der_public_key(_der(text))
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("Not an RSA public key.")
    return key
