"""System checks for settings that must agree with each other, whatever settings module is in use."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def proxy_settings_check(app_configs, **kwargs) -> list[Error]:
    """Believing a proxy's X-Forwarded-Proto while reading the client's address from REMOTE_ADDR would make every
    throttle count the proxy, not the client."""
    if settings.SECURE_PROXY_SSL_HEADER and settings.TRUSTED_PROXY_COUNT < 1:
        return [
            Error(
                "SECURE_PROXY_SSL_HEADER is set but TRUSTED_PROXY_COUNT is 0.",
                hint="Set TRUSTED_PROXY_COUNT to the number of proxies in front of the site.",
                id="chefu.E001",
            )
        ]
    return []
