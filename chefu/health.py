"""GET /health: is the database reachable, is the broker."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema

from chefu import health_checks
from chefu.errors import envelope
from chefu.schemas import ErrorBody

router = Router(tags=["health"])


class HealthOut(Schema):
    status: str
    database: str
    broker: str


class HealthDownOut(HealthOut):
    """A 503 carries the probes' results and the error envelope (API.md Conventions)."""

    error: ErrorBody


@router.get(
    "/health",
    response={200: HealthOut, 503: HealthDownOut},
    auth=None,
    summary="Check the service's health",
    openapi_extra={"responses": {503: {"description": "service_unavailable: the database is unreachable."}}},
)
def health(request):
    """Whether the database and the broker answer. 200 while the database does (``broker: down`` only degrades
    background work); 503 ``service_unavailable`` when it does not. No token needed."""
    database = "ok" if health_checks.database_ok() else "down"
    broker = "ok" if health_checks.broker_ok() else "down"
    healthy = database == "ok"
    body = {"status": "ok" if healthy else "degraded", "database": database, "broker": broker}
    if healthy:
        return JsonResponse(body)
    # A 503 is an error answer, so it carries the envelope too (API.md Conventions); without it the
    # envelope middleware would replace the whole body and drop ``status: "degraded"``.
    body.update(envelope(503, "service_unavailable", _("The database is unreachable."), {"database": database}))
    return JsonResponse(body, status=503)
