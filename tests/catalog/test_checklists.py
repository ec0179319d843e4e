"""Each standard service carries checklist items staff answer on the shop floor; a service's kind may add more."""

import json
import re

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import get_language

from catalog import kinds
from catalog.checklists import checklist_for_service, checklist_snapshot
from catalog.defaults import STANDARD_CHECKLISTS, STANDARD_SERVICES, load_standard_checklists
from catalog.models import Service, ServiceChecklistItem
from catalog.selectors import offering_get_current
from tests.catalog.factories import set_price
from tests.factories import StoreFactory, UserFactory
from tests.kinds_app import kinds as demo

pytestmark = pytest.mark.django_db

MINOR_SERVICE_CODES = [code for code, *_ in STANDARD_CHECKLISTS["minor_service"]]


def _bilingual(zh: str, en: str) -> str:
    return zh if (get_language() or "").startswith("zh") else en


bilingual = lazy(_bilingual, str)


class BilingualKind(kinds.ServiceKind):
    """A kind whose extra item reads differently in each language, without needing a translation catalogue."""

    code = "bilingual_test"
    label = "Bilingual (test)"

    def extra_checklist(self, *, service) -> list[kinds.ChecklistItem]:
        return [
            kinds.ChecklistItem(code="handover_photo", label=bilingual("交车照片", "Handover photo")),
            kinds.ChecklistItem(code="owner_signed", label="Owner signed", required=False),
        ]


@pytest.fixture
def bilingual_kind(monkeypatch):
    monkeypatch.setattr(kinds, "_registry", kinds.registered())
    return kinds.register(BilingualKind())


def service_of_kind(code: str, kind: str) -> Service:
    Service.objects.filter(code=code).update(kind=kind)
    return Service.objects.get(code=code)


# --- the shipped defaults ----------------------------------------------------------------------------------------


def test_the_defaults_cover_every_standard_service_with_three_to_seven_items():
    assert STANDARD_CHECKLISTS.keys() == {code for code, *_ in STANDARD_SERVICES}
    for service, items in STANDARD_CHECKLISTS.items():
        codes = [code for code, *_ in items]
        assert 3 <= len(items) <= 7, service
        assert len(set(codes)) == len(codes), service
        for code, zh, en, required in items:
            assert re.fullmatch(r"[a-z][a-z0-9_]{0,59}", code), code
            assert zh.strip() and en.strip() and isinstance(required, bool)
            assert len(zh) <= 120 and len(en) <= 120


def test_every_standard_service_has_at_least_one_required_item():
    for service in Service.objects.filter(code__in=STANDARD_CHECKLISTS).prefetch_related("checklist_items"):
        items = list(service.checklist_items.all())
        assert [item.code for item in items] == [code for code, *_ in STANDARD_CHECKLISTS[service.code]]
        assert any(item.required for item in items), service.code


def test_the_minor_service_checklist_is_loaded_in_order_with_both_languages():
    items = list(Service.objects.get(code="minor_service").checklist_items.all())

    assert [item.code for item in items] == MINOR_SERVICE_CODES
    assert [item.position for item in items] == sorted(item.position for item in items)
    oil = items[0]
    assert (oil.code, oil.required) == ("oil_drained_refilled", True)
    assert "机油" in oil.label_zh and "oil" in oil.label_en
    reminder = next(item for item in items if item.code == "service_reminder_reset")
    assert reminder.required is False


def test_the_loader_only_adds_what_is_missing_and_keeps_admin_edits():
    minor = Service.objects.get(code="minor_service")
    edited = minor.checklist_items.get(code="tyre_pressures_set")
    edited.label_zh, edited.required, edited.position = "胎压按车门标签调整", True, 1
    edited.save()
    minor.checklist_items.filter(code="oil_filter_replaced").delete()
    ServiceChecklistItem.objects.create(service=minor, code="wheel_arches_checked", label_zh="检查轮拱", label_en="x")
    count = ServiceChecklistItem.objects.count()

    created = load_standard_checklists(Service, ServiceChecklistItem)

    assert created == 1
    assert ServiceChecklistItem.objects.count() == count + 1
    edited.refresh_from_db()
    assert (edited.label_zh, edited.required, edited.position) == ("胎压按车门标签调整", True, 1)
    assert minor.checklist_items.filter(code__in=["oil_filter_replaced", "wheel_arches_checked"]).count() == 2
    assert load_standard_checklists(Service, ServiceChecklistItem) == 0


def test_the_loader_skips_services_that_are_gone():
    Service.objects.filter(code="waxing").delete()  # no offerings point at it here; its items go with it

    assert load_standard_checklists(Service, ServiceChecklistItem) == 0
    assert not ServiceChecklistItem.objects.filter(service_id="waxing").exists()


def test_labels_follow_the_active_language():
    item = ServiceChecklistItem.objects.get(service_id="tyre_fitting", code="nuts_torqued")

    with translation.override("zh-hans"):
        assert item.label == item.label_zh
        assert "力矩" in item.label
    with translation.override("en"):
        assert item.label == item.label_en
        assert "torque" in item.label


# --- the database keeps codes unique per service ---------------------------------------------------------------


def test_one_code_twice_on_a_service_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceChecklistItem.objects.create(
            service_id="minor_service", code="oil_filter_replaced", label_zh="重复", label_en="Duplicate"
        )

    duplicate = ServiceChecklistItem(
        service_id="minor_service", code="oil_filter_replaced", label_zh="重复", label_en="Duplicate"
    )
    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert "__all__" in excinfo.value.message_dict


def test_the_same_code_on_two_services_is_fine():
    shared = set(STANDARD_CHECKLISTS["minor_service"]) & set(STANDARD_CHECKLISTS["major_service"])

    assert shared  # oil_drained_refilled and friends
    assert ServiceChecklistItem.objects.filter(code="oil_drained_refilled").count() == 2


# --- checklist_for_service -------------------------------------------------------------------------------------


def test_a_standard_service_gives_its_own_items_localized_in_one_query(django_assert_num_queries):
    service = Service.objects.get(code="minor_service")

    with translation.override("en"), django_assert_num_queries(1):
        items = checklist_for_service(service=service)

    assert [item.code for item in items] == MINOR_SERVICE_CODES
    assert all(isinstance(item, kinds.ChecklistItem) for item in items)
    assert items[0].label == "Old oil drained; new oil filled to between the dipstick marks"
    assert [item.required for item in items] == [required for *_, required in STANDARD_CHECKLISTS["minor_service"]]
    with translation.override("zh-hans"):
        assert checklist_for_service(service=service)[0].label == "放净旧机油，按规定加注新机油至油尺上下限之间"


def test_prefetched_items_cost_no_query(django_assert_num_queries):
    service = Service.objects.prefetch_related("checklist_items").get(code="brake_pads")

    with django_assert_num_queries(0):
        items = checklist_for_service(service=service)

    assert [item.code for item in items][-1] == "test_drive"


def test_the_offering_read_with_its_checklist_gives_the_same_items_in_the_same_query(django_assert_num_queries):
    store = StoreFactory()
    set_price(store, "minor_service", "299.00")
    item = ServiceChecklistItem.objects.filter(service_id="minor_service").order_by("position").first()
    item.position = 99  # moved last by the back office
    item.save()

    with django_assert_num_queries(1):
        offering = offering_get_current(store=store, service_code="minor_service", with_checklist=True)
        given = checklist_snapshot(service=offering.service)

    assert given == checklist_snapshot(service=Service.objects.get(code="minor_service"))
    assert given[-1]["code"] == item.code
    assert offering_get_current(store=store, service_code="brake_pads", with_checklist=True) is None


def test_the_kinds_extra_items_come_after_the_services_own():
    service = service_of_kind("consignment_inspection", demo.INSPECTION_DEMO.code)

    items = checklist_for_service(service=service)

    codes = [item.code for item in items]
    assert codes == ["vin_matches_documents", "odometer_photographed", "exterior_photographed", "odometer_photo"]
    assert (str(items[-1].label), items[-1].required) == ("Photo of the odometer", True)


def test_a_service_without_items_of_its_own_gets_the_kinds_alone():
    service = service_of_kind("waxing", demo.INSPECTION_DEMO.code)
    service.checklist_items.all().delete()

    assert [item.code for item in checklist_for_service(service=service)] == ["odometer_photo"]
    assert checklist_snapshot(service=service)[0]["code"] == "odometer_photo"


def test_a_code_used_by_both_the_service_and_its_kind_is_a_programming_error():
    service = service_of_kind("consignment_inspection", demo.INSPECTION_DEMO.code)
    ServiceChecklistItem.objects.create(service=service, code="odometer_photo", label_zh="里程照片", label_en="Photo")

    for build in (checklist_for_service, checklist_snapshot):
        with pytest.raises(ImproperlyConfigured) as excinfo:
            build(service=service)

        message = str(excinfo.value)
        assert "'odometer_photo'" in message and "'consignment_inspection'" in message
        assert "ServiceChecklistItem" in message
        assert "tests.kinds_app.kinds.InspectionDemoKind.extra_checklist" in message


def test_a_kind_that_adds_one_code_twice_is_a_programming_error(monkeypatch):
    monkeypatch.setattr(kinds, "_registry", kinds.registered())

    class Stutter(kinds.ServiceKind):
        code = "stutter_test"

        def extra_checklist(self, *, service):
            return [kinds.ChecklistItem("seal_checked", "Seal"), kinds.ChecklistItem("seal_checked", "Seal again")]

    kinds.register(Stutter())
    service = service_of_kind("waxing", "stutter_test")

    with pytest.raises(ImproperlyConfigured, match=r"Stutter\.extra_checklist returns .*'seal_checked' twice"):
        checklist_for_service(service=service)


# --- checklist_snapshot ---------------------------------------------------------------------------------------


def test_the_snapshot_holds_both_languages_and_survives_json():
    snapshot = checklist_snapshot(service=Service.objects.get(code="tyre_fitting"))

    assert json.loads(json.dumps(snapshot, ensure_ascii=False)) == snapshot
    assert snapshot == [
        {"code": code, "label_zh": zh, "label_en": en, "required": required}
        for code, zh, en, required in STANDARD_CHECKLISTS["tyre_fitting"]
    ]


def test_the_snapshot_renders_a_kinds_lazy_labels_in_each_language(bilingual_kind):
    service = service_of_kind("wiper_blades", bilingual_kind.code)

    with translation.override("en"):
        snapshot = checklist_snapshot(service=service)

    assert [entry["code"] for entry in snapshot][-2:] == ["handover_photo", "owner_signed"]
    assert snapshot[-2] == {
        "code": "handover_photo",
        "label_zh": "交车照片",
        "label_en": "Handover photo",
        "required": True,
    }
    assert snapshot[-1] == {
        "code": "owner_signed",
        "label_zh": "Owner signed",
        "label_en": "Owner signed",
        "required": False,
    }
    assert all(type(entry["label_zh"]) is str and type(entry["label_en"]) is str for entry in snapshot)
    assert snapshot[0]["label_zh"] == STANDARD_CHECKLISTS["wiper_blades"][0][1]


# --- back office ---------------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(roles=["owner", "admin"], is_staff=True, is_superuser=True))
    return client


def django_admin_form_data(page) -> dict:
    """What the Django admin's change form would post back unchanged: the service's fields and the inline."""
    data = {}
    for form in [page.context["adminform"].form] + [
        form for inline in page.context["inline_admin_formsets"] for form in inline.formset.forms
    ]:
        for name, field in form.fields.items():
            if field.disabled:
                continue
            value = form[name].value()
            if value is True:
                data[form.add_prefix(name)] = "on"
            elif value not in (None, False):
                data[form.add_prefix(name)] = value
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(name): management[name].value() for name in management.fields})
    return data


def test_the_django_admin_edits_checklist_items_inline_on_the_service(admin_client):
    service = Service.objects.get(code="battery_replacement")
    url = f"/django-admin/catalog/service/{service.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    assert "正负极桩头紧固并涂抹保护剂" in page.content.decode()
    data = django_admin_form_data(page)
    index = next(i for i in range(5) if data[f"checklist_items-{i}-code"] == "memory_saver_used")
    data[f"checklist_items-{index}-required"] = "on"
    data[f"checklist_items-{index}-label_zh"] = "连接记忆保护器"

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    item = service.checklist_items.get(code="memory_saver_used")
    assert (item.label_zh, item.required) == ("连接记忆保护器", True)


def test_the_django_admin_refuses_a_duplicate_code_inline(admin_client):
    service = Service.objects.get(code="wiper_blades")
    url = f"/django-admin/catalog/service/{service.pk}/change/"
    data = django_admin_form_data(admin_client.get(url))
    total = int(data["checklist_items-TOTAL_FORMS"])
    data.update(
        {
            "checklist_items-TOTAL_FORMS": str(total + 1),
            f"checklist_items-{total}-code": "wipe_tested",
            f"checklist_items-{total}-label_zh": "再试刮一次",
            f"checklist_items-{total}-label_en": "Wipe test again",
            f"checklist_items-{total}-position": "99",
            f"checklist_items-{total}-service": service.pk,
        }
    )

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert service.checklist_items.count() == total


def test_wagtail_lists_and_edits_checklist_items(admin_client):
    item = ServiceChecklistItem.objects.get(service_id="brake_fluid_change", code="water_content_tested")

    listing = admin_client.get(reverse("catalog_checklist_items:index"), {"q": "water_content"})
    edit = reverse("catalog_checklist_items:edit", args=[item.pk])
    response = admin_client.post(
        edit,
        {
            "service": item.service_id,
            "code": item.code,
            "label_zh": "检测刹车油含水量（≤3%）",
            "label_en": item.label_en,
            "required": "on",
            "position": item.position,
        },
    )

    assert listing.status_code == 200 and "检测刹车油含水量" in listing.content.decode()
    assert admin_client.get(edit).status_code == 200
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.label_zh, item.required) == ("检测刹车油含水量（≤3%）", True)


def test_wagtail_refuses_a_duplicate_code(admin_client):
    response = admin_client.post(
        reverse("catalog_checklist_items:add"),
        {"service": "wiper_blades", "code": "wipe_tested", "label_zh": "重复", "label_en": "Again", "position": 5},
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert ServiceChecklistItem.objects.filter(service_id="wiper_blades", code="wipe_tested").count() == 1


def test_an_item_may_not_take_a_code_its_service_kind_adds():
    service = Service.objects.get(code="ac_service")
    service.kind = "inspection_demo"
    service.save()
    clash = ServiceChecklistItem(service=service, code="odometer_photo", label_zh="里程", label_en="Odometer")
    with pytest.raises(ValidationError) as exc:
        clash.full_clean()
    assert "code" in exc.value.message_dict
    ServiceChecklistItem(service=service, code="odometer_checked", label_zh="里程", label_en="Odometer").full_clean()
