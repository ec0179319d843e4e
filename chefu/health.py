"""GET /health: is the database reachable, is the broker."""

from django.http import JsonResponse
from ninja import Router, Schema

from chefu import health_checks

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
    return JsonResponse(body, status=200 if healthy else 503)
