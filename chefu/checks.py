"""System checks for settings that must agree with each other, whatever settings module is in use."""

from pathlib import Path

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


@register()
def private_media_check(app_configs, **kwargs) -> list[Error]:
    """Private files must not be reachable as public ones: PRIVATE_MEDIA_ROOT outside MEDIA_ROOT and STATIC_ROOT,
    PRIVATE_MEDIA_URL outside MEDIA_URL and STATIC_URL."""
    private_root = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    errors = []
    for name in ("MEDIA_ROOT", "STATIC_ROOT"):
        public_root = getattr(settings, name, None)
        if public_root and private_root.is_relative_to(Path(public_root).resolve()):
            errors.append(
                Error(
                    f"PRIVATE_MEDIA_ROOT ({private_root}) is inside {name}, which is served to anyone.",
                    hint="Keep private files in a directory of their own.",
                    id="chefu.E101",
                )
            )
    for name in ("MEDIA_URL", "STATIC_URL"):
        public_url = getattr(settings, name, None) or ""
        if public_url and settings.PRIVATE_MEDIA_URL.startswith(public_url):
            errors.append(
                Error(
                    f"PRIVATE_MEDIA_URL ({settings.PRIVATE_MEDIA_URL}) is under {name}.",
                    hint="Give private files a URL prefix of their own.",
                    id="chefu.E102",
                )
            )
    return errors
