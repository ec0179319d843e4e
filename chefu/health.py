"""GET /health: is the database reachable, is the broker. GET /ready: may this process take traffic (the database
and the broker answer, every migration is applied)."""

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


class ReadyOut(Schema):
    status: str
    database: str
    broker: str
    migrations: str


class NotReadyOut(ReadyOut):
    error: ErrorBody


@router.get(
    "/ready",
    response={200: ReadyOut, 503: NotReadyOut},
    auth=None,
    summary="Check that the service may take traffic",
    openapi_extra={
        "responses": {
            503: {
                "description": "service_unavailable: the database or the broker does not answer, or a migration is "
                "not applied; details.failed names the checks."
            }
        }
    },
)
def ready(request):
    """Readiness, for a load balancer or a deploy: 200 ``ready`` only when the database answers, the broker answers
    and no migration of this code is unapplied; else 503 ``service_unavailable`` with ``details.failed``. ``/health``
    stays the liveness probe. No token needed."""
    database = "ok" if health_checks.database_ok() else "down"
    broker = "ok" if health_checks.broker_ok() else "down"
    migrations = "unknown"  # without the database, nobody knows
    if database == "ok":
        migrations = "ok" if health_checks.migrations_applied() else "pending"
    body = {"database": database, "broker": broker, "migrations": migrations}
    failed = [check for check, state in body.items() if state != "ok"]
    if not failed:
        return JsonResponse({"status": "ready", **body})
    body = {"status": "not_ready", **body}
    body.update(envelope(503, "service_unavailable", _("The service is not ready."), {"failed": failed}))
    return JsonResponse(body, status=503)
