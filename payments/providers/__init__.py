"""Payment providers behind one interface (base.Provider): ``sandbox`` (Alipay-alike, local) and ``alipay``."""

from payments.providers.base import (
    CreatedPayment,
    InvalidSignature,
    Notification,
    Provider,
    ProviderError,
    ProviderNotEnabled,
    ProviderUnavailable,
    QueryResult,
    RefundResult,
    TransferResult,
    notify_url_for,
    provider_get,
    providers_enabled,
    public_url,
    return_url_for,
)

__all__ = [
    "CreatedPayment",
    "InvalidSignature",
    "Notification",
    "Provider",
    "ProviderError",
    "ProviderNotEnabled",
    "ProviderUnavailable",
    "QueryResult",
    "RefundResult",
    "TransferResult",
    "notify_url_for",
    "provider_get",
    "providers_enabled",
    "public_url",
    "return_url_for",
]
