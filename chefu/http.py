from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The caller's address: REMOTE_ADDR, or the X-Forwarded-For entry added by our own outermost
    trusted proxy when ``TRUSTED_PROXY_COUNT`` says proxies sit in front (never the client's own claim)."""
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted > 0:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= trusted:
            return forwarded[-trusted]
    return request.META.get("REMOTE_ADDR", "") or "unknown"
