"""GET /health: is the database reachable, is the broker."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema

from chefu import health_checks
from chefu.errors import envelope

router = Router(tags=["health"])


class HealthOut(Schema):
    status: str
    database: str
    broker: str


@router.get("/health", response={200: HealthOut, 503: HealthOut}, auth=None)
def health(request):
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
