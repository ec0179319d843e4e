"""GET /metrics: Prometheus's text format, for the addresses and the token the settings allow."""

import hmac
import ipaddress
import os

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from chefu.http import client_ip
from ops.metrics import scrape_registry


def metrics_allowed(request: HttpRequest) -> bool:
    """``Authorization: Bearer <METRICS_TOKEN>`` (when one is set), or a client address inside
    ``METRICS_ALLOWED_NETWORKS`` (the client as ``TRUSTED_PROXY_COUNT`` makes it out, so a proxy on the same machine
    does not open the page to everyone)."""
    token = settings.METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_NETWORKS)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Not found for anyone else: the page says nothing to the public, not even that it exists."""
    if not metrics_allowed(request):
        raise Http404
    registry = scrape_registry(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
