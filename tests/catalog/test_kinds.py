"""Service kinds are plug-ins: tests/kinds_app registers ``inspection_demo`` from its AppConfig.ready() and
nothing in catalog or bookings names it (issue 3, item 2)."""

from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError

from bookings.events import BookingCompleted, BookingConfirmed
from catalog import kinds
from catalog.models import Service
from chefu.errors import ValidationFailed
from chefu.events import emit
from tests.commits import commits
from tests.kinds_app import kinds as demo


@pytest.fixture
def isolated_registry(monkeypatch):
    """Kinds registered inside the test are gone after it."""
    monkeypatch.setattr(kinds, "_registry", kinds.registered())


@pytest.fixture
def demo_service(db):
    return Service.objects.create(
        code="demo_inspection",
        category_id="consignment",
        name_zh="演示检测",
        name_en="Demo inspection",
        duration_min=90,
        kind="inspection_demo",
    )


@pytest.fixture(autouse=True)
def _clear_demo_calls():
    demo.completed.clear()
    demo.confirmed.clear()
    yield
    demo.completed.clear()
    demo.confirmed.clear()


# --- registration at start-up ----------------------------------------------------------------------------------


def test_the_test_app_registers_its_kind_at_start_up():
    assert apps.is_installed("tests.kinds_app")
    assert kinds.get("inspection_demo") is demo.INSPECTION_DEMO
    assert {"standard", "inspection_demo"} <= kinds.registered().keys()
    assert ("inspection_demo", demo.INSPECTION_DEMO.label) in kinds.choices()


def test_catalog_registers_the_standard_kind():
    assert kinds.get("standard") is kinds.STANDARD
    assert isinstance(kinds.STANDARD, kinds.StandardKind)
    assert dict(kinds.choices())["standard"] == kinds.STANDARD.label


def test_running_ready_again_is_harmless():
    before = kinds.registered()

    apps.get_app_config("catalog").ready()
    apps.get_app_config("test_kinds_app").ready()

    assert kinds.registered() == before


def test_neither_catalog_nor_bookings_name_the_demo_kind():
    root = Path(settings.BASE_DIR)
    for app in ("catalog", "bookings"):
        for source in (root / app).rglob("*.py"):
            assert "inspection_demo" not in source.read_text(encoding="utf-8"), source


# --- the registry as gatekeeper of Service.kind ----------------------------------------------------------------


def test_a_service_of_the_new_kind_passes_validation(demo_service):
    kinds.validate_kind(demo_service.kind)
    demo_service.full_clean()

    assert kinds.for_service(demo_service) is demo.INSPECTION_DEMO


def test_every_seeded_service_has_a_registered_kind(db):
    for service in Service.objects.all():
        kinds.validate_kind(service.kind)


@pytest.mark.parametrize("value", ["inspection", "Standard", "", "valet_parking"])
def test_an_unknown_kind_fails_validation(value):
    with pytest.raises(ValidationError) as excinfo:
        kinds.validate_kind(value)

    assert excinfo.value.code == "unknown_kind"
    assert "standard" in excinfo.value.messages[0]
    assert "inspection_demo" in excinfo.value.messages[0]


def test_getting_an_unknown_kind_says_what_is_registered_and_how_to_register():
    with pytest.raises(kinds.UnknownKind) as excinfo:
        kinds.get("valet_parking")

    assert isinstance(excinfo.value, KeyError)
    message = str(excinfo.value)
    assert "'valet_parking'" in message
    assert "inspection_demo" in message and "standard" in message
    assert "AppConfig.ready()" in message


def test_the_new_kind_is_listed_by_the_catalog_api(api, demo_service):
    response = api.get("catalog/services", {"limit": 100})

    assert response.status_code == 200
    body = response.json()
    items = body["items"] if isinstance(body, dict) else body
    listed = {item["code"]: item for item in items}
    assert listed["demo_inspection"]["kind"] == "inspection_demo"
    assert listed["minor_service"]["kind"] == "standard"


# --- hooks are dispatched through the registry -----------------------------------------------------------------


def test_the_new_kinds_hooks_are_called_through_the_registry(demo_service):
    # its reactions to its bookings' changes are subscribers of the bookings events (chefu.events)
    confirmed = BookingConfirmed(booking_id=41, kind=demo_service.kind)
    completed = BookingCompleted(booking_id=41, kind=demo_service.kind)
    with commits():
        emit(confirmed)
        emit(BookingConfirmed(booking_id=42, kind="standard"))
        emit(completed)

    assert demo.confirmed == [confirmed]
    assert demo.completed == [completed]
    kind = kinds.get(demo_service.kind)
    [item] = kind.extra_checklist(service=demo_service)
    assert isinstance(item, kinds.ChecklistItem)
    assert (item.code, str(item.label), item.required) == ("odometer_photo", "Photo of the odometer", True)


def test_the_new_kind_can_refuse_a_booking(demo_service):
    kind = kinds.for_service(demo_service)

    kind.validate_booking(service=demo_service, store=None, vehicle=SimpleNamespace(year=2019))
    with pytest.raises(ValidationFailed) as excinfo:
        kind.validate_booking(service=demo_service, store=None, vehicle=SimpleNamespace(year=1998))

    assert "vehicle_id" in excinfo.value.details["fields"]


def test_the_standard_kinds_hooks_do_nothing(db):
    service = Service.objects.get(code="minor_service")
    kind = kinds.for_service(service)

    assert kind is kinds.STANDARD
    assert kind.validate_booking(service=service, store=object(), vehicle=object()) is None
    assert kind.extra_checklist(service=service) == []
    assert kind.api_router() is None
    with commits():
        emit(BookingCompleted(booking_id=1, kind=service.kind))
    assert demo.completed == []


def test_kinds_that_bring_api_are_offered_for_mounting():
    assert ("inspection_demo", demo.router) in kinds.api_routers()
    assert "standard" not in dict(kinds.api_routers())


# --- register ---------------------------------------------------------------------------------------------------


def test_a_second_kind_with_a_taken_code_is_refused():
    class Impostor(kinds.ServiceKind):
        code = "standard"

    with pytest.raises(ImproperlyConfigured, match=r"already registered by catalog\.kinds\.StandardKind"):
        kinds.register(Impostor())

    assert kinds.get("standard") is kinds.STANDARD


def test_registering_the_same_kind_twice_is_harmless():
    before = kinds.registered()

    assert kinds.register(demo.INSPECTION_DEMO) is demo.INSPECTION_DEMO
    assert kinds.registered() == before


@pytest.mark.parametrize("code", ["", "Inspection", "1st", "with-dash", "x" * 41])
def test_codes_that_do_not_fit_service_kind_are_refused(isolated_registry, code):
    kind = type("Odd", (kinds.ServiceKind,), {"code": code})()

    with pytest.raises(ImproperlyConfigured):
        kinds.register(kind)


def test_only_service_kinds_register(isolated_registry):
    with pytest.raises(ImproperlyConfigured):
        kinds.register(SimpleNamespace(code="duck"))


def test_a_kind_registered_later_is_offered_by_forms_built_earlier(isolated_registry):
    field = kinds.KindChoiceField()

    class Late(kinds.ServiceKind):
        code = "late"
        label = "Late kind"

    kinds.register(Late())

    assert ("late", "Late kind") in list(field.choices)
    assert field.clean("late") == "late"
    kinds.validate_kind("late")


def test_registered_returns_a_copy():
    kinds.registered().pop("standard")

    assert kinds.get("standard") is kinds.STANDARD
