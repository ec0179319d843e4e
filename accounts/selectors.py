from django.db.models import QuerySet

from accounts.models import User, Vehicle
from chefu.errors import NotFound


def vehicle_list(*, owner: User) -> QuerySet[Vehicle]:
    """The owner's cars, the default first, then the oldest first."""
    return Vehicle.objects.filter(owner=owner).order_by("-is_default", "created_at", "id")


def vehicle_get_for_owner(*, owner: User, vehicle_id: int) -> Vehicle:
    """The owner's vehicle; NotFound both when it does not exist and when it is someone else's."""
    vehicle = Vehicle.objects.filter(owner=owner, pk=vehicle_id).first()
    if vehicle is None:
        raise NotFound()
    return vehicle
