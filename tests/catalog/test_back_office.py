"""The catalog in the back office: Wagtail viewsets at /admin/catalog/… and the Django admin at /django-admin/."""

import re
from decimal import Decimal

import pytest
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Group, Permission
from django.urls import NoReverseMatch, reverse

from catalog import kinds
from catalog.models import Offering, Part, ReferencePrice, Service, VehicleSpec
from tests.catalog.factories import PartFactory, PartFitmentFactory
from tests.factories import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db

SERVICE_FIELDS = [
    "code",
    "category",
    "name_zh",
    "name_en",
    "description_zh",
    "description_en",
    "duration_min",
    "kind",
    "sort_order",
]


@pytest.fixture
def platform_admin(db):
    return UserFactory(roles=["owner", "admin"], is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, platform_admin):
    client.force_login(platform_admin)
    return client


def staff_with(*perms: str):
    """A staff user who may enter Wagtail and holds exactly ``perms`` (``app_label.codename``) through a group."""
    user = UserFactory(roles=["qa"])
    group = Group.objects.create(name=f"group of {user.phone}")
    for perm in ("wagtailadmin.access_admin", *perms):
        app_label, codename = perm.split(".")
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    user.groups.add(group)
    return user


def service_form_data(service: Service, **changes) -> dict:
    data = {name: getattr(service, "category_id" if name == "category" else name) for name in SERVICE_FIELDS}
    if service.is_active:
        data["is_active"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def edit_url(service: Service) -> str:
    return reverse("catalog_services:edit", args=[quote(service.pk)])


# --- Wagtail: services ---------------------------------------------------------------------------------------


def test_the_admin_sees_the_service_listing(admin_client):
    response = admin_client.get("/admin/catalog/services/")

    assert response.status_code == 200
    html = response.content.decode()
    for service in Service.objects.all():
        assert service.code in html
    assert "小保养（机油+机滤）" in html


def test_the_listing_filters_by_kind(admin_client):
    Service.objects.filter(code="waxing").update(kind="inspection_demo")

    response = admin_client.get("/admin/catalog/services/", {"kind": "inspection_demo"})

    assert response.status_code == 200
    listed = [s.code for s in response.context["object_list"]]
    assert listed == ["waxing"]


def test_the_admin_edits_a_services_name_and_duration(admin_client):
    service = Service.objects.get(code="minor_service")
    assert admin_client.get(edit_url(service)).status_code == 200

    response = admin_client.post(
        edit_url(service), service_form_data(service, name_zh="小保养（全合成）", duration_min=75)
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("catalog_services:index")
    service.refresh_from_db()
    assert (service.name_zh, service.duration_min) == ("小保养（全合成）", 75)
    assert service.kind == "standard"


def test_the_kind_is_chosen_from_the_registry(admin_client):
    service = Service.objects.get(code="minor_service")

    page = admin_client.get(edit_url(service))
    response = admin_client.post(edit_url(service), service_form_data(service, kind="inspection_demo"))

    offered = [code for code, _ in page.context["form"].fields["kind"].choices]
    assert offered == list(kinds.registered())
    assert {"standard", "inspection_demo"} <= set(offered)
    assert 'value="inspection_demo"' in page.content.decode()
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.kind == "inspection_demo"


def test_an_unregistered_kind_is_refused_by_the_form(admin_client):
    service = Service.objects.get(code="minor_service")

    response = admin_client.post(edit_url(service), service_form_data(service, kind="valet_parking", duration_min=75))

    assert response.status_code == 200
    assert "kind" in response.context["form"].errors
    assert "valet_parking" in response.context["form"].errors["kind"][0]
    service.refresh_from_db()
    assert (service.kind, service.duration_min) == ("standard", 60)


def test_a_duration_out_of_range_is_refused_by_the_form(admin_client):
    service = Service.objects.get(code="minor_service")

    response = admin_client.post(edit_url(service), service_form_data(service, duration_min=24 * 60 + 5))

    assert response.status_code == 200
    assert response.context["form"].errors
    service.refresh_from_db()
    assert service.duration_min == 60


def test_the_code_of_an_existing_service_cannot_be_changed(admin_client):
    service = Service.objects.get(code="minor_service")
    count = Service.objects.count()
    page = admin_client.get(edit_url(service))
    assert page.context["form"].fields["code"].disabled
    assert not admin_client.get(reverse("catalog_services:add")).context["form"].fields["code"].disabled

    response = admin_client.post(edit_url(service), service_form_data(service, code="renamed", name_zh="小保养"))

    assert response.status_code == 302
    assert Service.objects.count() == count
    assert not Service.objects.filter(code="renamed").exists()
    assert Service.objects.get(code="minor_service").name_zh == "小保养"


def test_the_admin_adds_a_service(admin_client):
    data = {
        "code": "tyre_rotation",
        "category": "parts_install",
        "name_zh": "轮胎换位",
        "name_en": "Tyre rotation",
        "description_zh": "",
        "description_en": "",
        "duration_min": 30,
        "kind": "standard",
        "is_active": "on",
        "sort_order": 9,
    }

    response = admin_client.post(reverse("catalog_services:add"), data)

    assert response.status_code == 302
    service = Service.objects.get(code="tyre_rotation")
    assert (service.category_id, service.duration_min, service.kind) == ("parts_install", 30, "standard")


def test_a_service_in_use_is_not_deleted_but_explained(admin_client):
    service = Service.objects.get(code="standard_wash")
    Offering.objects.create(store=StoreFactory(), service=service, is_active=False)

    response = admin_client.post(reverse("catalog_services:delete", args=[quote(service.pk)]))

    assert response.status_code == 302
    assert response["Location"] == edit_url(service)
    assert Service.objects.filter(code="standard_wash").exists()


# --- Wagtail: who may use it ------------------------------------------------------------------------------------


def test_a_staff_user_without_admin_access_is_sent_to_the_login(client, qa_user):
    client.force_login(qa_user)

    response = client.get("/admin/catalog/services/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize(
    "url",
    [
        "/admin/catalog/services/",
        "/admin/catalog/services/edit/minor_service/",
        "/admin/catalog/services/new/",
        "/admin/catalog/parts/",
        "/admin/catalog/fitments/",
        "/admin/catalog/vehicle-specs/",
        "/admin/catalog/reference-prices/",
    ],
)
def test_a_staff_user_without_catalog_permissions_is_refused(client, url):
    client.force_login(staff_with())

    response = client.get(url)

    # Wagtail answers PermissionDenied with a redirect to the dashboard and an error message.
    assert (response.status_code, response["Location"]) == (302, "/admin/")


def test_a_staff_user_without_catalog_permissions_cannot_post_an_edit(client):
    client.force_login(staff_with())
    service = Service.objects.get(code="minor_service")

    response = client.post(edit_url(service), service_form_data(service, name_zh="被改了"))

    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert Service.objects.get(code="minor_service").name_zh != "被改了"


def test_the_change_permission_is_enough_to_edit_a_service(client):
    client.force_login(staff_with("catalog.change_service"))
    service = Service.objects.get(code="minor_service")

    assert client.get("/admin/catalog/services/").status_code == 200
    response = client.post(edit_url(service), service_form_data(service, duration_min=90))

    assert response.status_code == 302
    assert Service.objects.get(code="minor_service").duration_min == 90
    assert client.get(reverse("catalog_services:add"))["Location"] == "/admin/"


def test_the_catalog_menu_is_shown_only_to_those_who_may_use_it(client, platform_admin):
    client.force_login(platform_admin)
    assert "/admin/catalog/services/" in client.get("/admin/").content.decode()

    client.force_login(staff_with())
    assert "/admin/catalog/services/" not in client.get("/admin/").content.decode()


# --- Wagtail: parts, fitments, vehicle specs, reference prices ---------------------------------------------------


def test_the_admin_sees_parts_fitments_and_vehicle_specs(admin_client):
    fitment = PartFitmentFactory(make="测试汽车", model="样车一号")
    VehicleSpec.objects.create(
        make="测试汽车", model="样车一号", year_from=2019, year_to=2024, engine_oil_l=Decimal("4.2")
    )

    parts = admin_client.get("/admin/catalog/parts/", {"q": fitment.part.sku})
    fitments = admin_client.get("/admin/catalog/fitments/", {"q": "样车一号"})
    specs = admin_client.get("/admin/catalog/vehicle-specs/", {"q": "样车一号"})

    assert parts.status_code == fitments.status_code == specs.status_code == 200
    assert fitment.part.sku in parts.content.decode()
    assert [f.pk for f in fitments.context["object_list"]] == [fitment.pk]
    assert [str(s) for s in specs.context["object_list"]] == ["测试汽车 样车一号 2019-2024"]


def _part_form(part: Part, **changes) -> dict:
    data = {
        "sku": part.sku,
        "brand": part.brand,
        "name": part.name,
        "spec": part.spec,
        "unit": part.unit,
        "list_price": part.list_price,
        "category": part.category_id,
        "part_type": part.part_type,
        "tyre_size": part.tyre_size,
        "is_active": "on",
    }
    data.update(changes)
    return data


def test_a_tyre_needs_a_valid_size_and_it_is_stored_canonical(admin_client):
    part = PartFactory(
        part_type="tyre", tyre_size="205/55R16", category_id="parts_install", unit="条", name="米其林 浩悦4"
    )
    url = reverse("catalog_parts:edit", args=[part.pk])

    missing = admin_client.post(url, _part_form(part, tyre_size=""))
    wrong = admin_client.post(url, _part_form(part, tyre_size="205-55-16"))
    ok = admin_client.post(url, _part_form(part, tyre_size="215/55 r17", list_price="699.00"))

    assert "tyre_size" in missing.context["form"].errors
    assert "tyre_size" in wrong.context["form"].errors
    assert ok.status_code == 302
    part.refresh_from_db()
    assert (part.tyre_size, part.list_price) == ("215/55R17", Decimal("699.00"))


def test_only_tyres_have_a_tyre_size(admin_client):
    part = PartFactory()

    response = admin_client.post(reverse("catalog_parts:edit", args=[part.pk]), _part_form(part, tyre_size="205/55R16"))

    assert response.status_code == 200
    assert "tyre_size" in response.context["form"].errors


def test_a_vehicle_spec_is_added_with_a_canonical_tyre_size(admin_client):
    data = {"make": "测试汽车", "model": "样车二号", "year_from": 2016, "year_to": 2021, "engine_oil_l": "3.7"}

    response = admin_client.post(reverse("catalog_vehicle_specs:add"), {**data, "tyre_size": "215/55r16"})

    assert response.status_code == 302
    assert VehicleSpec.objects.get(make="测试汽车", model="样车二号").tyre_size == "215/55R16"


@pytest.fixture
def reference_price(db):
    return ReferencePrice.objects.create(
        service_id="minor_service",
        city="上海",
        p25=Decimal("268.00"),
        median=Decimal("318.00"),
        p75=Decimal("388.00"),
        sample_size=12,
    )


def test_reference_prices_are_listed_read_only(admin_client, reference_price):
    response = admin_client.get("/admin/catalog/reference-prices/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "318.00" in html
    assert "/admin/catalog/reference-prices/new/" not in html
    inspect = reverse("catalog_reference_prices:inspect", args=[reference_price.pk])
    assert admin_client.get(inspect).status_code == 200
    for name in ("add", "edit", "delete", "copy"):
        with pytest.raises(NoReverseMatch):
            reverse(f"catalog_reference_prices:{name}", args=[] if name == "add" else [reference_price.pk])


def test_the_view_permission_is_enough_to_see_reference_prices(client, reference_price):
    client.force_login(staff_with("catalog.view_referenceprice"))

    assert client.get("/admin/catalog/reference-prices/").status_code == 200
    assert client.get("/admin/catalog/services/")["Location"] == "/admin/"


# --- Django admin ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["category", "service", "part", "vehiclespec", "referenceprice"])
def test_the_django_admin_lists_the_catalog(admin_client, reference_price, model):
    PartFitmentFactory()

    response = admin_client.get(f"/django-admin/catalog/{model}/")

    assert response.status_code == 200


def test_the_django_admin_refuses_an_unregistered_kind(admin_client):
    service = Service.objects.get(code="ac_service")
    url = f"/django-admin/catalog/service/{service.pk}/change/"
    data = service_form_data(service, kind="nope")
    data.pop("code")
    # The checklist items inline, left as it is.
    data.update({"checklist_items-TOTAL_FORMS": "0", "checklist_items-INITIAL_FORMS": "0"})

    refused = admin_client.post(url, data)
    accepted = admin_client.post(url, {**data, "kind": "inspection_demo"})

    assert refused.status_code == 200
    assert "kind" in refused.context["adminform"].form.errors
    assert accepted.status_code == 302
    assert Service.objects.get(code="ac_service").kind == "inspection_demo"


def test_the_django_admin_edits_fitments_inline_and_never_adds_reference_prices(admin_client, reference_price):
    fitment = PartFitmentFactory()

    part_page = admin_client.get(f"/django-admin/catalog/part/{fitment.part_id}/change/")

    assert part_page.status_code == 200
    assert fitment.make in part_page.content.decode()
    assert admin_client.get("/django-admin/catalog/referenceprice/add/").status_code == 403


def test_the_group_editor_offers_the_catalog_permissions_that_mean_something(admin_client):
    html = admin_client.get("/admin/groups/new/").content.decode()
    offered = set(re.findall(r'name="permissions"[^>]*value="(\d+)"', html))
    catalog = {p.codename: str(p.pk) for p in Permission.objects.filter(content_type__app_label="catalog")}

    for codename in ("add_service", "change_service", "delete_service", "change_part", "change_partfitment"):
        assert catalog[codename] in offered, codename
    assert catalog["view_referenceprice"] in offered
    for codename in ("add_referenceprice", "change_referenceprice", "delete_referenceprice"):
        assert catalog[codename] not in offered, codename
