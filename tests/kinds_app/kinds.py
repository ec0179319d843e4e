"""``inspection_demo``: a kind with an extra required checklist item, a booking rule and an on_completed hook."""

from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema

from catalog.kinds import ChecklistItem, ServiceKind
from chefu.errors import ValidationFailed

# What on_completed was called with, in order. Tests clear it.
completed: list = []
confirmed: list = []

router = Router(tags=["catalog"])


class PingOut(Schema):
    kind: str


@router.get("/ping", response=PingOut, summary="Ping the demo kind")
def ping(request):
    """A service kind's own endpoint, mounted under its code."""
    return {"kind": "inspection_demo"}


class InspectionDemoKind(ServiceKind):
    code = "inspection_demo"
    label = _("Inspection (demo)")

    def validate_booking(self, *, service, store, vehicle) -> None:
        if vehicle is not None and vehicle.year < 2000:
            raise ValidationFailed({"vehicle_id": "Vehicles older than 2000 are not inspected."})

    def extra_checklist(self, *, service) -> list[ChecklistItem]:
        return [ChecklistItem(code="odometer_photo", label=_("Photo of the odometer"), required=True)]

    def on_confirmed(self, *, booking) -> None:
        confirmed.append(booking)

    def on_completed(self, *, booking) -> None:
        completed.append(booking)

    def api_router(self) -> Router:
        return router


INSPECTION_DEMO = InspectionDemoKind()
