"""Who may see what (API.md, Conventions): another user's object, or a store's object for a user with no tie to that
store, is 404 exactly like an id that does not exist; 403 is only for a store's own staff whose role is not enough.

Table-driven over every ``/partner/...`` endpoint (a guard fails when one is added without a row here) and over the
owner endpoints that take the id of a booking, payment, vehicle, review, supplement or message.
"""

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.checklists import checklist_answer
from bookings.models import (
    Booking,
    BookingEvent,
    BookingPolicy,
    BookingStatus,
    ChecklistAnswer,
    Photo,
    Supplement,
)
from bookings.photos import photo_add
from bookings.selectors import booking_get_for_staff
from bookings.services import (
    booking_cancel,
    booking_check_in,
    booking_complete,
    booking_no_show,
    booking_reschedule,
    booking_start,
)
from bookings.supplements import supplement_propose
from catalog.models import Offering, OfferingVersion
from chefu.errors import NotFound
from consignment.kinds import INSPECTION_SERVICE
from notifications.models import Message
from notifications.services import notify
from payments.models import Payment
from quality.models import Audit, Complaint, CorrectiveAction
from quality.standards import standard_in_force
from reviews.models import FollowUp, Reply, Review, ReviewPhoto, ReviewReport
from reviews.services import review_create
from stores.models import Bay, Closure, OpeningHours
from stores.selectors import store_get_for_staff
from tests.bookings.conftest import local, make_shop, tomorrow
from tests.bookings.floor_fixtures import CHECKLIST, image_bytes, make_booking, past_booking, staff_of
from tests.catalog.factories import set_price
from tests.chefu.envelope import assert_error
from tests.conftest import issue_token
from tests.consignment.inspection.fixtures import inspection_booking, report_body, save_report
from tests.factories import UserFactory, VehicleFactory
from tests.notifications.support import BOOKING_PARAMS
from tests.payments.test_settlements import new_booking, open_payment, pay
from tests.reviews.conftest import RATINGS, done_booking
from web.api import api as ninja_api

pytestmark = pytest.mark.django_db

MISSING = 999_999_999


def _multipart(token: str, path: str, form: dict | None = None):
    """POST a photo as multipart (the upload endpoints), signed in with ``token``; ``form``: the other fields, and the
    photo's field name under ``"file_field"`` (default ``photo``)."""
    fields = dict(form or {})
    upload = SimpleUploadedFile("car.png", image_bytes(), content_type="image/png")
    fields[fields.pop("file_field", "photo")] = upload
    return Client().post(f"/api/v1/{path}", fields, headers={"Authorization": f"Bearer {token}"})


_tokens: dict[int, str] = {}


@pytest.fixture(autouse=True)
def _forget_tokens():
    _tokens.clear()


def _call(user, method: str, path: str, body):
    """``method`` on ``/api/v1/<path>`` as ``user``; ``body="photo"`` sends an image as multipart."""
    token = _tokens.get(user.pk) or _tokens.setdefault(user.pk, issue_token(user))
    if body == "photo":
        return _multipart(token, path)
    if isinstance(body, Multipart):
        return _multipart(token, path, body.fields)
    headers = {"Authorization": f"Bearer {token}"}
    client = Client()
    url = f"/api/v1/{path}"
    if method in ("get", "delete"):
        return getattr(client, method)(url, body or {}, headers=headers)
    data = json.dumps(body or {}, default=str)
    return getattr(client, method)(url, data, content_type="application/json", headers=headers)


def _snapshot() -> tuple:
    """Everything a partner or owner endpoint could change: nothing may move when access is refused."""
    return (
        sorted(Booking.objects.values_list("pk", "status", "start")),
        sorted(OpeningHours.objects.values_list("store_id", "weekday", "opens", "closes")),
        Closure.objects.count(),
        OfferingVersion.objects.count(),
        sorted(Offering.objects.values_list("pk", "is_active", "current_id")),
        sorted(BookingPolicy.objects.values_list("store_id", "slot_step_min")),
        ChecklistAnswer.objects.count(),
        Photo.objects.count(),
        sorted(Supplement.objects.values_list("pk", "status")),
        Reply.objects.count(),
        ReviewReport.objects.count(),
        sorted(Review.objects.values_list("pk", "text")),
        FollowUp.objects.count(),
        ReviewPhoto.objects.count(),
        sorted(Payment.objects.values_list("pk", "status")),
        sorted(Message.objects.filter(channel="in_app").values_list("pk", "read_at")),
        sorted(Complaint.objects.values_list("pk", "status")),
        sorted(CorrectiveAction.objects.values_list("pk", "status")),
    )


# --- partner endpoints -------------------------------------------------------------------------------------------


def _store(floor) -> dict:
    return {"store_id": floor.pk, "service_code": "minor_service"}


def _booking(status: str, checklist: list[dict] | None = None) -> Callable:
    def make(floor) -> dict:
        # No checklist to answer unless one is given: completing works from in_service.
        return {"booking_id": make_booking(store=floor, status=status, checklist=checklist or []).pk}

    return make


def _past_booking(floor) -> dict:
    return {"booking_id": past_booking(store=floor, status=BookingStatus.CONFIRMED).pk}


def _review(floor) -> dict:
    booking = done_booking(floor)
    return {"review_id": review_create(booking_id=booking.pk, owner=booking.owner, ratings=RATINGS, text="还行").pk}


def _inspection(floor) -> dict:
    """A consignment inspection under way at the store (which takes them from now on), its report saved once."""
    floor.categories.add("consignment")
    Bay.objects.filter(store=floor).first().categories.add("consignment")
    set_price(floor, INSPECTION_SERVICE, "199.00", duration_min=30)
    booking = inspection_booking(store=floor, hour=15)
    save_report(booking)
    return {"booking_id": booking.pk}


def _closure(floor) -> dict:
    starts = local(tomorrow() + dt.timedelta(days=7), 9)
    closure = Closure.objects.create(
        store=floor, starts_at=starts, ends_at=starts + dt.timedelta(hours=3), reason="盘点"
    )
    return {"store_id": floor.pk, "closure_id": closure.pk}


def _week_ahead() -> dict:
    starts = local(tomorrow() + dt.timedelta(days=7), 9)
    return {"starts_at": starts.isoformat(), "ends_at": (starts + dt.timedelta(hours=3)).isoformat(), "reason": "盘点"}


@dataclass(frozen=True)
class Multipart:
    """A multipart body with a photo and these other fields."""

    fields: dict


def _complaint(floor) -> dict:
    booking = make_booking(store=floor, status=BookingStatus.CONFIRMED)
    now = timezone.now()
    complaint = Complaint.objects.create(
        booking=booking,
        store=floor,
        owner=booking.owner,
        category="overcharge",
        description="多收了钱",
        respond_by=now + dt.timedelta(hours=24),
        resolve_by=now + dt.timedelta(hours=72),
    )
    return {"complaint_id": complaint.pk}


def _action(floor) -> dict:
    standard = standard_in_force(code="facility")
    audit = Audit.objects.create(store=floor, standard=standard, kind="scheduled", scheduled_for=tomorrow())
    item = standard.items.order_by("position").first()
    action = CorrectiveAction.objects.create(audit=audit, store=floor, item=item, due=tomorrow())
    return {"action_id": action.pk}


@dataclass(frozen=True)
class PartnerEndpoint:
    method: str
    path: str  # as in the OpenAPI document, under /api/v1/
    target: Callable  # floor -> the path's ids
    manager_only: bool = False
    body: object = None
    ok: int = 200


PARTNER_ENDPOINTS = [
    PartnerEndpoint(
        "put",
        "partner/stores/{store_id}/opening-hours",
        _store,
        manager_only=True,
        body=[{"weekday": 0, "opens": "09:00", "closes": "17:00"}],
    ),
    PartnerEndpoint("get", "partner/stores/{store_id}/closures", _store),
    PartnerEndpoint("post", "partner/stores/{store_id}/closures", _store, manager_only=True, body=_week_ahead, ok=201),
    PartnerEndpoint("delete", "partner/stores/{store_id}/closures/{closure_id}", _closure, manager_only=True, ok=204),
    PartnerEndpoint(
        "put",
        "partner/stores/{store_id}/offerings/{service_code}",
        _store,
        manager_only=True,
        body={"labour": "188.00", "duration_min": 60},
    ),
    PartnerEndpoint("delete", "partner/stores/{store_id}/offerings/{service_code}", _store, manager_only=True),
    PartnerEndpoint("get", "partner/stores/{store_id}/schedule", _store),
    PartnerEndpoint("get", "partner/stores/{store_id}/booking-policy", _store),
    PartnerEndpoint(
        "put", "partner/stores/{store_id}/booking-policy", _store, manager_only=True, body={"slot_step_min": 30}
    ),
    PartnerEndpoint("get", "partner/stores/{store_id}/settlements", _store, manager_only=True),
    PartnerEndpoint("get", "partner/bookings/{booking_id}", _booking(BookingStatus.CONFIRMED)),
    PartnerEndpoint("post", "partner/bookings/{booking_id}/check-in", _past_booking),  # due: check-in is open
    PartnerEndpoint("post", "partner/bookings/{booking_id}/start", _booking(BookingStatus.CHECKED_IN)),
    PartnerEndpoint("post", "partner/bookings/{booking_id}/complete", _booking(BookingStatus.IN_SERVICE)),
    PartnerEndpoint("post", "partner/bookings/{booking_id}/no-show", _past_booking),
    PartnerEndpoint(
        "post", "partner/bookings/{booking_id}/cancel", _booking(BookingStatus.CONFIRMED), body={"reason": "设备故障"}
    ),
    PartnerEndpoint("get", "partner/bookings/{booking_id}/checklist", _booking(BookingStatus.CHECKED_IN)),
    PartnerEndpoint(
        "put",
        "partner/bookings/{booking_id}/checklist",
        _booking(BookingStatus.CHECKED_IN, CHECKLIST),
        body={"items": [{"code": "oil_level", "result": "pass"}]},
    ),
    PartnerEndpoint(
        "post", "partner/bookings/{booking_id}/photos", _booking(BookingStatus.CHECKED_IN), body="photo", ok=201
    ),
    PartnerEndpoint(
        "post",
        "partner/bookings/{booking_id}/supplements",
        _booking(BookingStatus.IN_SERVICE),
        body={"reason": "刹车片磨损", "lines": [{"description": "更换刹车片", "qty": 1, "unit_price": "120.00"}]},
        ok=201,
    ),
    PartnerEndpoint("post", "partner/reviews/{review_id}/reply", _review, body={"text": "感谢您的评价"}, ok=201),
    PartnerEndpoint("post", "partner/reviews/{review_id}/report", _review, body={"reason": "与事实不符"}, ok=201),
    PartnerEndpoint("get", "partner/stores/{store_id}/kpis", _store),
    PartnerEndpoint("get", "partner/stores/{store_id}/complaints", _store),
    PartnerEndpoint("post", "partner/complaints/{complaint_id}/respond", _complaint, body={"text": "已退还差价"}),
    PartnerEndpoint("get", "partner/stores/{store_id}/corrective-actions", _store),
    PartnerEndpoint(
        "post",
        "partner/corrective-actions/{action_id}/evidence",
        _action,
        body=Multipart({"note": "已整改", "file_field": "photos"}),
    ),
    PartnerEndpoint("get", "partner/bookings/{booking_id}/inspection-report", _inspection),
    PartnerEndpoint("put", "partner/bookings/{booking_id}/inspection-report", _inspection, body=report_body),
    PartnerEndpoint(
        "post",
        "partner/bookings/{booking_id}/inspection-report/photos",
        _inspection,
        body=Multipart({"item_code": "hood"}),
        ok=201,
    ),
]
# Not store-scoped: any signed-in user may apply to become a partner, and follows their own applications
# (tests/stores/test_my_applications.py).
NOT_STORE_SCOPED = {("post", "partner/applications"), ("get", "partner/applications")}


def _id(endpoint: PartnerEndpoint) -> str:
    return f"{endpoint.method.upper()} {endpoint.path}"


def _body(endpoint: "PartnerEndpoint | OwnerEndpoint"):
    return endpoint.body() if callable(endpoint.body) else endpoint.body


def _missing(ids: dict) -> dict:
    """The same path with every object id replaced by one that does not exist."""
    return {k: (MISSING if k.endswith("_id") else v) for k, v in ids.items()}


def test_every_partner_endpoint_has_a_row():
    # given every route under /partner/ in the OpenAPI document
    routes = {
        (method, path.removeprefix("/api/v1/"))
        for path, operations in ninja_api.get_openapi_schema()["paths"].items()
        if path.startswith("/api/v1/partner/")
        for method in operations
    }
    # then each one is in the table (or named as not store-scoped)
    assert routes - NOT_STORE_SCOPED == {(e.method, e.path) for e in PARTNER_ENDPOINTS}


@pytest.fixture
def floor(db):
    return make_shop()


@pytest.mark.parametrize("endpoint", PARTNER_ENDPOINTS, ids=_id)
def test_partner_endpoint_hides_what_is_not_yours(floor, endpoint):
    # given a store's object, another store's manager, a signed-in user with no store, and the store's technician
    ids = endpoint.target(floor)
    body = _body(endpoint)
    other_manager = staff_of(make_shop(), "manager")
    stranger = UserFactory(roles=["owner"])
    technician = staff_of(floor, "technician")
    manager = staff_of(floor, "manager")
    path, missing_path = endpoint.path.format(**ids), endpoint.path.format(**_missing(ids))
    before = _snapshot()

    # when someone with no tie to the store asks: exactly the answer for an id that does not exist
    not_there = _call(other_manager, endpoint.method, missing_path, body)
    assert_error(not_there, 404, "not_found")
    for outsider in (other_manager, stranger):
        response = _call(outsider, endpoint.method, path, body)
        assert_error(response, 404, "not_found")
        assert response.content == not_there.content
    # the store's own manager gets the same 404 for the id that does not exist
    assert _call(manager, endpoint.method, missing_path, body).content == not_there.content

    # the store's technician: 403 where the role is not enough (served elsewhere: the next test)
    if endpoint.manager_only:
        assert_error(_call(technician, endpoint.method, path, body), 403, "permission_denied")
    assert _snapshot() == before

    # then the manager is served
    response = _call(manager, endpoint.method, path, body)
    assert response.status_code == endpoint.ok, response.content


def _queries(user, method: str, path: str, body) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        _call(user, method, path, body)
    return [query["sql"] for query in captured.captured_queries]


@pytest.mark.parametrize("endpoint", PARTNER_ENDPOINTS, ids=_id)
def test_another_stores_object_costs_what_a_missing_one_does(floor, endpoint):
    # given another store's manager, signed in (the token issued and first used beforehand: its last_used_at
    # update is not part of what is counted)
    ids = endpoint.target(floor)
    body = _body(endpoint)
    outsider = staff_of(make_shop(), "manager")
    assert _call(outsider, "get", "me", None).status_code == 200
    path, missing_path = endpoint.path.format(**ids), endpoint.path.format(**_missing(ids))

    # when they ask for an id that does not exist and for this store's
    not_there = _queries(outsider, endpoint.method, missing_path, body)
    not_theirs = _queries(outsider, endpoint.method, path, body)

    # then both cost the same queries: the time taken does not tell them the object is there
    assert len(not_theirs) == len(not_there), "\n".join(not_theirs)


def test_the_access_getters_answer_an_outsider_in_one_query(floor, django_assert_num_queries):
    booking = make_booking(store=floor, status=BookingStatus.CONFIRMED)
    outsider = staff_of(make_shop(), "manager")
    for booking_id in (MISSING, booking.pk):
        with django_assert_num_queries(1), pytest.raises(NotFound):
            booking_get_for_staff(user=outsider, booking_id=booking_id)
    for store_id in (MISSING, floor.pk):
        with django_assert_num_queries(1), pytest.raises(NotFound):
            store_get_for_staff(user=outsider, store_id=store_id)


@pytest.mark.parametrize("endpoint", [e for e in PARTNER_ENDPOINTS if not e.manager_only], ids=_id)
def test_every_staff_role_may_use_the_shop_floor_endpoints(floor, endpoint):
    ids = endpoint.target(floor)
    technician = staff_of(floor, "technician")

    response = _call(technician, endpoint.method, endpoint.path.format(**ids), _body(endpoint))

    assert response.status_code == endpoint.ok, response.content


def test_an_admin_reaches_any_store(floor):
    admin = UserFactory(roles=["admin"])
    booking = make_booking(store=floor, status=BookingStatus.CONFIRMED)

    assert _call(admin, "get", f"partner/stores/{floor.pk}/settlements", None).status_code == 200
    assert _call(admin, "get", f"partner/bookings/{booking.pk}", None).status_code == 200


def test_qa_endpoints_stay_403_for_a_missing_role(floor):
    # A QA endpoint refuses by role, before any object is looked up: the same 403 for every id.
    manager = staff_of(floor, "manager")
    for store_id in (floor.pk, MISSING):
        response = _call(manager, "post", f"qa/stores/{store_id}/status", {"status": "probation", "reason": "x"})
        assert_error(response, 403, "permission_denied")


# --- the shop-floor services themselves ----------------------------------------------------------------------------
# A task, a command or an admin action calls the services, not the endpoints: the services check who acts.


def _upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("car.png", image_bytes(), content_type="image/png")


@dataclass(frozen=True)
class FloorService:
    name: str
    status: str  # the booking's status before the call
    call: Callable  # (booking_id, by) -> whatever the service returns
    past: bool = False  # the booking started yesterday (a no-show)


FLOOR_SERVICES = [
    FloorService(
        "booking_check_in", BookingStatus.CONFIRMED, lambda b, by: booking_check_in(booking_id=b, by=by), past=True
    ),
    FloorService("booking_start", BookingStatus.CHECKED_IN, lambda b, by: booking_start(booking_id=b, by=by)),
    FloorService("booking_complete", BookingStatus.IN_SERVICE, lambda b, by: booking_complete(booking_id=b, by=by)),
    FloorService(
        "booking_no_show", BookingStatus.CONFIRMED, lambda b, by: booking_no_show(booking_id=b, by=by), past=True
    ),
    FloorService(
        "booking_cancel by the store",
        BookingStatus.CONFIRMED,
        lambda b, by: booking_cancel(booking_id=b, by=by, reason="设备故障", by_store=True),
    ),
    FloorService(
        "checklist_answer",
        BookingStatus.CHECKED_IN,
        lambda b, by: checklist_answer(booking_id=b, by=by, items=[{"code": "oil_level", "result": "pass"}]),
    ),
    FloorService("photo_add", BookingStatus.CHECKED_IN, lambda b, by: photo_add(booking_id=b, by=by, upload=_upload())),
    FloorService(
        "supplement_propose",
        BookingStatus.IN_SERVICE,
        lambda b, by: supplement_propose(
            booking_id=b,
            by=by,
            reason="刹车片磨损",
            lines=[{"description": "更换刹车片", "qty": 1, "unit_price": "1.00"}],
        ),
    ),
]


def _floor_booking(floor, service: FloorService) -> Booking:
    if service.past:
        return past_booking(store=floor, status=service.status)
    checklist = CHECKLIST if service.name == "checklist_answer" else []
    return make_booking(store=floor, status=service.status, checklist=checklist)


@pytest.mark.parametrize("service", FLOOR_SERVICES, ids=lambda s: s.name)
def test_a_shop_floor_service_refuses_anyone_but_the_stores_staff(floor, service):
    # given a booking of the store, and people with no tie to the store: its own owner among them
    booking = _floor_booking(floor, service)
    outsiders = [
        staff_of(make_shop(), "manager"),
        UserFactory(roles=["owner"]),
        UserFactory(roles=["qa"]),
        booking.owner,
    ]
    before = _snapshot()

    # when they call the service directly: not found, as for a booking that does not exist, and nothing changes
    for outsider in outsiders:
        with pytest.raises(NotFound):
            service.call(booking.pk, outsider)
    with pytest.raises(NotFound):
        service.call(MISSING, staff_of(floor, "technician"))
    assert _snapshot() == before

    # then the store's technician may
    service.call(booking.pk, staff_of(floor, "technician"))
    assert _snapshot() != before


@pytest.mark.parametrize(
    ("who", "recorded"), [("technician", "store"), ("admin", "platform"), ("the platform's code", "system")]
)
def test_who_acted_on_the_floor_is_recorded(floor, who, recorded):
    booking = make_booking(store=floor, status=BookingStatus.CONFIRMED)
    by = {
        "technician": lambda: staff_of(floor, "technician"),
        "admin": lambda: UserFactory(roles=["admin"]),
        "the platform's code": lambda: None,
    }[who]()

    booking_check_in(booking_id=booking.pk, by=by, now=booking.start)

    assert BookingEvent.objects.filter(booking=booking).last().by_role == recorded


def test_the_owners_services_refuse_anyone_but_the_owner(floor):
    booking = make_booking(store=floor, status=BookingStatus.CONFIRMED)
    intruder = UserFactory(roles=["owner"])
    staff = staff_of(floor, "manager")
    before = _snapshot()

    for by in (intruder, staff):
        with pytest.raises(NotFound):
            booking_cancel(booking_id=booking.pk, by=by, reason="有事")
        with pytest.raises(NotFound):
            booking_reschedule(booking_id=booking.pk, by=by, start=local(tomorrow(), 14))
    assert _snapshot() == before

    assert booking_cancel(booking_id=booking.pk, by=booking.owner, reason="有事").status == BookingStatus.CANCELLED


# --- owner endpoints ---------------------------------------------------------------------------------------------


@dataclass
class OwnersThings:
    """One owner's booking (paid, with proposed extra work), payment, vehicle, review, supplement and message."""

    owner: object
    store: object
    ids: dict = field(default_factory=dict)


@pytest.fixture
def things(db) -> OwnersThings:
    store = make_shop()
    owner = UserFactory(roles=["owner"])
    vehicle = VehicleFactory(owner=owner)
    at_shop = new_booking(store, owner=owner, days=3)
    pay(at_shop)
    open_payment(new_booking(store, owner=owner, days=4))  # a pending payment on a booking still owed
    pending = Payment.objects.get(booking__owner=owner, status="pending")
    manager = staff_of(store, "manager")
    booking_check_in(booking_id=at_shop.pk, by=manager, now=at_shop.start)
    supplement = supplement_propose(
        booking_id=at_shop.pk,
        by=manager,
        reason="刹车片磨损",
        lines=[{"description": "更换刹车片", "qty": 1, "unit_price": "120.00"}],
    )
    reviewed = done_booking(store, owner=owner, days=5)
    review = review_create(booking_id=reviewed.pk, owner=owner, ratings=RATINGS, text="不错")
    (message,) = notify(
        recipient=owner, template="booking_confirmed", params=BOOKING_PARAMS, channels=["in_app"], ref="access"
    )
    return OwnersThings(
        owner=owner,
        store=store,
        ids={
            "booking_id": at_shop.pk,
            "reviewed_id": reviewed.pk,
            "payment_id": pending.pk,
            "vehicle_id": vehicle.pk,
            "review_id": review.pk,
            "supplement_id": supplement.pk,
            "message_id": message.pk,
            "store_id": store.pk,
        },
    )


@dataclass(frozen=True)
class OwnerEndpoint:
    method: str
    path: str
    body: object = None


OWNER_ENDPOINTS = [
    OwnerEndpoint("get", "bookings/{booking_id}"),
    OwnerEndpoint("post", "bookings/{booking_id}/cancel", {"reason": "有事"}),
    OwnerEndpoint(
        "post", "bookings/{booking_id}/reschedule", lambda: {"start": local(tomorrow() + dt.timedelta(days=6), 10)}
    ),
    OwnerEndpoint("post", "bookings/{booking_id}/pay", {"provider": "sandbox"}),
    OwnerEndpoint("get", "bookings/{booking_id}/coupons"),
    OwnerEndpoint("post", "bookings/{booking_id}/supplements/{supplement_id}/approve"),
    OwnerEndpoint("post", "bookings/{booking_id}/supplements/{supplement_id}/reject", {"note": "不需要"}),
    OwnerEndpoint("post", "bookings/{reviewed_id}/review", {"ratings": RATINGS, "text": "冒名"}),
    OwnerEndpoint("get", "bookings/{reviewed_id}/review"),
    OwnerEndpoint("get", "payments/{payment_id}"),
    OwnerEndpoint("post", "payments/sandbox/{payment_id}/simulate", {"result": "success"}),
    OwnerEndpoint("put", "reviews/{review_id}", {"text": "改写"}),
    OwnerEndpoint("post", "reviews/{review_id}/follow-up", {"text": "追评"}),
    OwnerEndpoint("post", "reviews/{review_id}/photos", "photo"),
    OwnerEndpoint("post", "me/notifications/{message_id}/read"),
    OwnerEndpoint("get", "stores/{store_id}/quote?service=minor_service&vehicle_id={vehicle_id}"),
    OwnerEndpoint("get", "stores/{store_id}/quotes?vehicle_id={vehicle_id}"),
    OwnerEndpoint("get", "catalog/parts?vehicle_id={vehicle_id}"),
]


@pytest.mark.parametrize("endpoint", OWNER_ENDPOINTS, ids=lambda e: f"{e.method.upper()} {e.path}")
def test_another_owners_object_is_not_found(things, endpoint):
    # given another owner, signed in
    intruder = UserFactory(roles=["owner"])
    path = endpoint.path.format(**things.ids)
    missing_ids = {k: (v if k == "store_id" else MISSING) for k, v in things.ids.items()}
    before = _snapshot()

    # when they use the owner's ids: the same answer as for ids that do not exist, and nothing changes
    body = _body(endpoint)
    not_there = _call(intruder, endpoint.method, endpoint.path.format(**missing_ids), body)
    assert_error(not_there, 404, "not_found")
    response = _call(intruder, endpoint.method, path, body)
    assert_error(response, 404, "not_found")
    assert response.content == not_there.content
    assert _snapshot() == before

    # then the owner reaches the same object (whatever the action then says, it is not "not found")
    assert _call(things.owner, endpoint.method, path, body).status_code != 404


def test_a_booking_with_another_owners_car_is_not_found(things):
    intruder = UserFactory(roles=["owner"])
    start = local(tomorrow() + dt.timedelta(days=6), 10).isoformat()
    body = {"store_id": things.store.pk, "service_code": "minor_service", "start": start}

    not_there = _call(intruder, "post", "bookings", {**body, "vehicle_id": MISSING})
    response = _call(intruder, "post", "bookings", {**body, "vehicle_id": things.ids["vehicle_id"]})

    assert_error(response, 404, "not_found")
    assert response.content == not_there.content
    assert not Booking.objects.filter(owner=intruder).exists()
