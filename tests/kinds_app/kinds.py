"""``inspection_demo``: a kind with an extra required checklist item, a booking rule, and reactions to its bookings
being confirmed and completed (subscribers of the bookings events, registered by the app's ``ready()``)."""

from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema

from catalog.kinds import ChecklistItem, ServiceKind
from chefu.errors import ValidationFailed

# The events of this kind's bookings the subscribers received, in order. Tests clear them.
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

    def validate_booking(self, *, service, store, vehicle, by_platform=False) -> None:
        if vehicle is not None and vehicle.year < 2000:
            raise ValidationFailed({"vehicle_id": "Vehicles older than 2000 are not inspected."})

    def extra_checklist(self, *, service) -> list[ChecklistItem]:
        return [ChecklistItem(code="odometer_photo", label=_("Photo of the odometer"), required=True)]

    def api_router(self) -> Router:
        return router


INSPECTION_DEMO = InspectionDemoKind()


def of_this_kind(event) -> bool:
    """The subscribers' ``when``: only this kind's bookings reach them (the others cost nothing)."""
    return event.kind == INSPECTION_DEMO.code


def booking_confirmed(event) -> None:
    confirmed.append(event)


def booking_completed(event) -> None:
    completed.append(event)
