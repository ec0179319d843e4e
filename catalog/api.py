from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.errors import AuthenticationError

from accounts.auth import token_auth
from accounts.selectors import vehicle_get_for_owner
from catalog import selectors
from catalog.fitment import parts_fitting
from catalog.schemas import (
    CategoryOut,
    PartListParams,
    PartOut,
    ServiceListParams,
    ServiceOut,
    VehicleMakeOut,
    VehicleMakeParams,
)
from chefu.errors import ValidationFailed
from chefu.schemas import AUTH, QUERY, error_responses

router = Router(tags=["catalog"])


def _category_checked(code: str | None) -> str | None:
    if code and not selectors.category_exists(code=code):
        raise ValidationFailed({"category": _("Unknown category.")})
    return code


@router.get("/categories", response=list[CategoryOut], summary="List service categories")
def categories(request):
    """The platform's service categories (maintenance, tyres, washing...), in display order. No token needed."""
    return list(selectors.category_list())


@router.get("/services", response={200: list[ServiceOut], **error_responses(*QUERY)}, summary="List standard services")
def services(request, params: Query[ServiceListParams]):
    """The platform's standard services, of one ``category`` or all. No token needed. Errors: 422
    ``validation_error`` (an unknown category)."""
    return list(selectors.service_list(category=_category_checked(params.category)))


@router.get(
    "/parts", response={200: list[PartOut], **error_responses(*AUTH, 404, *QUERY)}, summary="List catalogue parts"
)
def parts(request, params: Query[PartListParams]):
    """Active catalogue parts. With ``vehicle_id`` (one of the caller's vehicles, bearer token required):
    only the parts that fit it. Errors: 401 ``not_authenticated`` (``vehicle_id`` without a token); 404
    ``not_found`` (not the caller's vehicle); 422 ``validation_error``."""
    category = _category_checked(params.category)
    if params.vehicle_id is None:
        return list(selectors.part_list(category=category))
    user = token_auth(request)
    if user is None:
        raise AuthenticationError()
    vehicle = vehicle_get_for_owner(owner=user, vehicle_id=params.vehicle_id)
    return list(parts_fitting(vehicle=vehicle, category=category))


@router.get(
    "/vehicle-makes",
    response={200: list[VehicleMakeOut], **error_responses(*QUERY)},
    summary="List vehicle makes and models",
)
def vehicle_makes(request, params: Query[VehicleMakeParams]):
    """The makes and models the catalogue has factory data for, with the model years it covers: what a vehicle
    form offers to pick (quotes size parts by them). Of one ``make``, or all. No token needed. Errors: 422
    ``validation_error``."""
    return selectors.vehicle_make_list(make=params.make)
