"""Quotes: a store's current price of a service itemized for one vehicle (catalog.quotes and
GET /api/v1/stores/{id}/quote)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Vehicle
from catalog.exceptions import ServiceNotApplicable
from catalog.models import Offering, OfferingPartLine, OfferingVersion, Part, Service
from catalog.quotes import CATALOGUE_PRICE, STORE_PRICE, quote_build, quote_record_for_owner
from chefu.errors import NotFound
from chefu.money import money
from tests.chefu.envelope import assert_error
from tests.factories import StoreFactory, VehicleFactory

pytestmark = pytest.mark.django_db

ALL_CATEGORIES = ["maintenance", "washing", "parts_install"]


def offer(store, service_code: str, *, labour: str, lines=()) -> OfferingVersion:
    """Write a new current version of the store's offering, as the pricing service would: amounts
    rounded half-up per line, total = labour + Σ amounts. ``lines``: ``(sku, qty, unit_price)``."""
    service = Service.objects.get(code=service_code)
    offering, _ = Offering.objects.get_or_create(store=store, service=service, defaults={"is_active": False})
    priced = [(Part.objects.get(sku=sku), Decimal(qty), Decimal(price)) for sku, qty, price in lines]
    total = money(labour) + sum((money(qty * price) for _, qty, price in priced), Decimal(0))
    version = OfferingVersion.objects.create(
        offering=offering,
        number=offering.versions.count() + 1,
        labour=money(labour),
        total=total,
        duration_min=service.duration_min,
    )
    OfferingPartLine.objects.bulk_create(
        OfferingPartLine(version=version, position=i, part=part, qty=qty, unit_price=price, amount=money(qty * price))
        for i, (part, qty, price) in enumerate(priced, start=1)
    )
    Offering.objects.filter(pk=offering.pk).update(
        current=version, total=total, is_active=True, updated_at=timezone.now()
    )
    return version


@pytest.fixture
def shop(db):
    return StoreFactory(categories=ALL_CATEGORIES)


@pytest.fixture
def passat(owner):
    # The demo owner's second car: its own tyre size, a 5.7 L EA888 engine.
    return VehicleFactory(owner=owner, plate="沪A5K321", make="大众", model="帕萨特", year=2018, tyre_size="235/45R18")


@pytest.fixture
def han_ev(owner):
    return VehicleFactory(owner=owner, plate="沪AD12345", make="比亚迪", model="汉EV", year=2022)


@pytest.fixture
def lavida(owner):
    # No tyre size of its own: the spec's 205/55R16 applies; 4.0 L of oil.
    return VehicleFactory(owner=owner, plate="沪B12345", make="大众", model="朗逸", year=2019)


@pytest.fixture
def unknown_car(owner):
    return VehicleFactory(owner=owner, plate="沪C12345", make="测试汽车", model="X1", year=2020)


def _quote(store, code, vehicle):
    return quote_build(store=store, service=Service.objects.get(code=code), vehicle=vehicle)


def _parts(quote) -> list[tuple]:
    return [(line.sku, line.qty, line.unit_price, line.amount, line.price_source) for line in quote.lines[1:]]


def _minor_service(store):
    return offer(
        store,
        "minor_service",
        labour="120.00",
        lines=[("OIL-MOB1-0W20", "4", "118.00"), ("OFL-MANN-EA211", "1", "55.00"), ("OFL-MANN-EA888", "1", "65.00")],
    )


def _tyre_fitting(store):
    return offer(
        store,
        "tyre_fitting",
        labour="50.00",
        lines=[
            ("TYR-MICH-PRIM4-2055516", "1", "650.00"),
            ("TYR-MICH-PRIM4-2254517", "1", "850.00"),
            ("TYR-MICH-PRIM4-2354518", "1", "1050.00"),
        ],
    )


# --- quote_build -----------------------------------------------------------------------------------------


def test_oil_quantity_follows_the_vehicles_capacity_in_whole_litres(shop, passat, lavida):
    _minor_service(shop)

    quote = _quote(shop, "minor_service", passat)

    assert quote.lines[0].kind == "labour"
    assert quote.lines[0].amount == Decimal("120.00")
    assert _parts(quote) == [
        ("OIL-MOB1-0W20", Decimal(6), Decimal("118.00"), Decimal("708.00"), STORE_PRICE),
        ("OFL-MANN-EA888", Decimal("1.00"), Decimal("65.00"), Decimal("65.00"), STORE_PRICE),
    ]
    assert quote.total == Decimal("893.00")
    assert quote.oil_litres == Decimal("5.7")
    assert len(quote.notes) == 1  # 5.7 L charged as 6 L

    quote = _quote(shop, "minor_service", lavida)

    assert [(sku, qty) for sku, qty, *_ in _parts(quote)] == [("OIL-MOB1-0W20", Decimal(4)), ("OFL-MANN-EA211", 1)]
    assert quote.total == Decimal("120.00") + Decimal("472.00") + Decimal("55.00")
    assert quote.notes == []


def test_an_oil_change_is_not_for_an_electric_vehicle(shop, han_ev):
    # (it used to be quoted labour-only, with notes that the oil and the filter were left out)
    _minor_service(shop)

    with pytest.raises(ServiceNotApplicable) as refused:
        _quote(shop, "minor_service", han_ev)

    assert refused.value.details == {"service": "minor_service", "reason": "needs_engine"}
    assert (refused.value.status, refused.value.code) == (422, "service_not_applicable")


def test_engine_parts_a_service_lists_are_left_out_for_an_electric_vehicle_with_notes(shop, han_ev):
    # A service that does not need an engine but lists engine parts anyway: the car is quoted without them.
    assert not Service.objects.get(code="ac_service").needs_engine
    offer(shop, "ac_service", labour="150.00", lines=[("OIL-MOB1-0W20", "1", "118.00")])

    quote = _quote(shop, "ac_service", han_ev)

    assert [line.kind for line in quote.lines] == ["labour"]
    assert quote.total == Decimal("150.00")
    assert len(quote.notes) == 1
    assert quote.oil_litres is None


def test_an_oil_change_is_for_a_car_the_catalogue_does_not_know_and_for_a_plug_in_hybrid(shop, unknown_car, owner):
    _minor_service(shop)
    qin = VehicleFactory(owner=owner, plate="沪AF12345", make="比亚迪", model="秦PLUS DM-i", year=2022)

    assert _quote(shop, "minor_service", unknown_car).total > Decimal("120.00")
    assert _quote(shop, "minor_service", qin).total > Decimal("120.00")


def test_the_engine_services_need_an_engine():
    assert set(Service.objects.filter(needs_engine=True).values_list("code", flat=True)) == {
        "minor_service",
        "major_service",
    }


def test_without_a_spec_the_listed_oil_quantity_stands_and_an_unfitted_filter_is_dropped(shop, unknown_car):
    _minor_service(shop)

    quote = _quote(shop, "minor_service", unknown_car)

    assert _parts(quote) == [("OIL-MOB1-0W20", Decimal("4.00"), Decimal("118.00"), Decimal("472.00"), STORE_PRICE)]
    assert len(quote.notes) == 1


@pytest.mark.parametrize(
    ("vehicle", "sku", "price"),
    [("passat", "TYR-MICH-PRIM4-2354518", "1050.00"), ("lavida", "TYR-MICH-PRIM4-2055516", "650.00")],
)
def test_the_tyre_is_chosen_by_the_vehicles_size_among_the_stores_lines(shop, vehicle, sku, price, request):
    _tyre_fitting(shop)

    quote = _quote(shop, "tyre_fitting", request.getfixturevalue(vehicle))

    assert _parts(quote) == [(sku, Decimal("1.00"), Decimal(price), Decimal(price), STORE_PRICE)]
    assert quote.total == Decimal("50.00") + Decimal(price)


def test_a_tyre_the_store_does_not_list_comes_from_the_catalogue_same_brand_at_list_price(shop, han_ev):
    _tyre_fitting(shop)

    quote = _quote(shop, "tyre_fitting", han_ev)

    # Michelin in 245/45R19: Primacy 4 at 1399 and Pilot Sport 4 at 1599; the cheaper one
    assert _parts(quote) == [
        ("TYR-MICH-PRIM4-2454519", Decimal("1.00"), Decimal("1399.00"), Decimal("1399.00"), CATALOGUE_PRICE)
    ]
    # the owner reads the part's name; that the shop's own part did not fit is a note for staff only
    assert quote.lines[1].description == Part.objects.get(sku="TYR-MICH-PRIM4-2454519").name
    assert quote.internal_notes == [f"{quote.lines[1].description}（目录价：门店自有配件不适配本车）"]
    assert quote.notes == []
    assert quote.tyre_size == "245/45R19"


def test_another_brand_is_offered_when_the_stores_brand_has_nothing_that_fits(shop, passat):
    offer(shop, "ac_service", labour="150.00", lines=[("REF-JUHU-R134A-500G", "1", "60.00")])
    bmw = VehicleFactory(owner=passat.owner, plate="沪D12345", make="宝马", model="3系", year=2021)

    quote = _quote(shop, "ac_service", bmw)

    assert _parts(quote) == [
        ("REF-CHEM-R1234YF-500G", Decimal("1.00"), Decimal("368.00"), Decimal("368.00"), CATALOGUE_PRICE)
    ]
    assert _parts(_quote(shop, "ac_service", passat))[0][0] == "REF-JUHU-R134A-500G"


def test_the_stores_own_alternative_wins_over_the_catalogue(shop, passat):
    offer(
        shop,
        "ac_service",
        labour="150.00",
        lines=[("REF-JUHU-R134A-500G", "1", "60.00"), ("REF-HONE-R1234YF-500G", "1", "420.00")],
    )
    bmw = VehicleFactory(owner=passat.owner, plate="沪D12345", make="宝马", model="3系", year=2021)

    assert _parts(_quote(shop, "ac_service", bmw)) == [
        ("REF-HONE-R1234YF-500G", Decimal("1.00"), Decimal("420.00"), Decimal("420.00"), STORE_PRICE)
    ]
    assert _parts(_quote(shop, "ac_service", passat)) == [
        ("REF-JUHU-R134A-500G", Decimal("1.00"), Decimal("60.00"), Decimal("60.00"), STORE_PRICE)
    ]


def test_only_the_first_fitting_line_of_a_type_is_kept_but_care_products_all_are(shop, passat):
    offer(
        shop,
        "major_service",
        labour="260.00",
        lines=[
            ("OIL-CAEG-5W30", "5", "110.00"),
            ("OIL-MOB1-0W20", "5", "125.00"),  # the store's second choice: not charged twice
            ("OFL-BOSC-EA888", "1", "45.00"),
            ("AFL-BOSC-PASSAT", "1", "70.00"),
            ("CFL-MANN-PASSAT", "1", "160.00"),
        ],
    )
    offer(
        shop,
        "waxing",
        labour="200.00",
        lines=[("CAR-TURT-WASH-2L", "0.25", "45.00"), ("CAR-MEGU-WAX-ULT", "0.2", "189.00")],
    )

    major = _quote(shop, "major_service", passat)
    waxing = _quote(shop, "waxing", passat)

    assert [sku for sku, *_ in _parts(major)] == [
        "OIL-CAEG-5W30",
        "OFL-BOSC-EA888",
        "AFL-BOSC-PASSAT",
        "CFL-MANN-PASSAT",
    ]
    assert [(sku, amount) for sku, _, _, amount, _ in _parts(waxing)] == [
        ("CAR-TURT-WASH-2L", Decimal("11.25")),
        ("CAR-MEGU-WAX-ULT", Decimal("37.80")),
    ]


def test_a_part_nothing_replaces_is_dropped_with_a_note(shop, unknown_car):
    _tyre_fitting(shop)

    quote = _quote(shop, "tyre_fitting", unknown_car)

    assert [line.kind for line in quote.lines] == ["labour"]
    assert quote.total == Decimal("50.00")
    assert len(quote.notes) == 1
    assert quote.tyre_size == ""


def test_the_total_is_the_exact_sum_of_half_up_rounded_line_amounts(shop, passat):
    offer(
        shop,
        "waxing",
        labour="88.88",
        lines=[
            ("CAR-TURT-WASH-2L", "0.33", "12.35"),
            ("CAR-MEGU-WAX-ULT", "0.15", "0.35"),
            ("CAR-3M-INT-650ML", "3", "33.33"),
        ],
    )

    quote = _quote(shop, "waxing", passat)

    amounts = [line.amount for line in quote.lines]
    assert amounts == [Decimal("88.88"), Decimal("4.08"), Decimal("0.05"), Decimal("99.99")]
    assert quote.total == sum(amounts) == Decimal("193.00")


def test_the_oil_amount_is_rounded_per_line(shop, passat):
    offer(shop, "minor_service", labour="99.90", lines=[("OIL-SHHU-5W30", "4", "33.33")])

    quote = _quote(shop, "minor_service", passat)

    assert quote.lines[1].amount == Decimal("199.98")
    assert quote.total == Decimal("299.88")


def test_the_current_version_prices_the_quote(shop, passat):
    _minor_service(shop)
    offer(shop, "minor_service", labour="140.00", lines=[("OIL-GWJJ-5W30", "4", "60.00")])

    quote = _quote(shop, "minor_service", passat)

    assert quote.version.number == 2
    assert quote.total == Decimal("140.00") + Decimal("360.00")


def test_a_store_without_the_offering_has_no_quote(shop, passat):
    with pytest.raises(NotFound):
        _quote(shop, "minor_service", passat)
    _minor_service(shop)
    Offering.objects.filter(store=shop).update(is_active=False, current=None, total=None)
    with pytest.raises(NotFound):
        _quote(shop, "minor_service", passat)


# --- the endpoint ------------------------------------------------------------------------------------------


def _url(store) -> str:
    return f"/api/v1/stores/{store.id}/quote"


def test_the_quote_endpoint_answers_with_money_strings(owner_client, shop, passat):
    version = _minor_service(shop)

    response = owner_client.get(_url(shop), {"service": "minor_service", "vehicle_id": passat.id})

    assert response.status_code == 200
    body = response.json()
    assert body["service"] == "minor_service"
    assert body["version"] == version.number
    assert body["total"] == "893.00"
    assert body["tyre_size"] == "235/45R18"
    assert body["engine_oil_l"] == "5.7"
    assert len(body["notes"]) == 1
    assert body["lines"][0] == {
        "kind": "labour",
        "description": body["lines"][0]["description"],
        "sku": None,
        "qty": "1",
        "unit_price": "120.00",
        "amount": "120.00",
    }
    assert "小保养" in body["lines"][0]["description"]
    assert body["lines"][1] == {
        "kind": "part",
        "description": "美孚1号 全合成机油 0W-20",
        "sku": "OIL-MOB1-0W20",
        "qty": "6",
        "unit_price": "118.00",
        "amount": "708.00",
    }
    assert body["lines"][2]["sku"] == "OFL-MANN-EA888"
    assert sum(Decimal(line["amount"]) for line in body["lines"]) == Decimal(body["total"])


def test_the_endpoint_needs_a_token(api, shop, passat):
    _minor_service(shop)

    assert_error(api.get(_url(shop), {"service": "minor_service", "vehicle_id": passat.id}), 401, "not_authenticated")


def test_another_owners_vehicle_is_not_found(owner_client, shop):
    _minor_service(shop)
    theirs = VehicleFactory(make="大众", model="帕萨特", year=2018)

    response = owner_client.get(_url(shop), {"service": "minor_service", "vehicle_id": theirs.id})

    assert_error(response, 404, "not_found")


def test_a_store_without_the_offering_is_not_found(owner_client, shop, passat):
    _minor_service(shop)

    response = owner_client.get(_url(shop), {"service": "brake_pads", "vehicle_id": passat.id})

    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("status", ["suspended", "terminated"])
def test_a_hidden_store_is_not_found(owner_client, passat, status):
    store = StoreFactory(categories=ALL_CATEGORIES)
    _minor_service(store)
    type(store).objects.filter(pk=store.pk).update(status=status)

    response = owner_client.get(_url(store), {"service": "minor_service", "vehicle_id": passat.id})

    assert_error(response, 404, "not_found")


def test_an_unknown_store_is_not_found(owner_client, passat):
    response = owner_client.get("/api/v1/stores/999999/quote", {"service": "minor_service", "vehicle_id": passat.id})

    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(
    ("params", "field"),
    [({"service": "oil_massage", "vehicle_id": 1}, "service"), ({"service": "minor_service"}, "vehicle_id")],
)
def test_bad_parameters_are_refused(owner_client, shop, params, field):
    error = assert_error(owner_client.get(_url(shop), params), 422, "validation_error")

    assert field in error["details"]["fields"]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_catalogue_substitute_is_shown_to_the_owner_by_its_name_only(owner_client, shop, han_ev, language):
    # (its description used to add "catalogue list price: the shop's own part does not fit", a note for staff)
    _tyre_fitting(shop)

    response = owner_client.get(
        _url(shop), {"service": "tyre_fitting", "vehicle_id": han_ev.id}, headers={"Accept-Language": language}
    )

    body = response.json()
    line = body["lines"][1]
    assert line["description"] == Part.objects.get(sku="TYR-MICH-PRIM4-2454519").name
    assert line["unit_price"] == "1399.00"
    assert "price_source" not in line
    assert "internal_notes" not in body
    assert not any("catalogue" in note or "目录价" in note for note in body["notes"])


def test_the_quote_endpoint_refuses_an_oil_change_for_an_electric_car(owner_client, shop, han_ev):
    _minor_service(shop)

    response = owner_client.get(_url(shop), {"service": "minor_service", "vehicle_id": han_ev.id})

    error = assert_error(response, 422, "service_not_applicable")
    assert error["details"] == {"service": "minor_service", "reason": "needs_engine"}
    assert "小保养" in error["message"]


# --- every service of a store for one car (the store page) ---------------------------------------------------


def _quotes_url(store) -> str:
    return f"/api/v1/stores/{store.id}/quotes"


def test_the_store_quotes_are_each_exactly_the_quote_endpoints(owner_client, shop, passat):
    _minor_service(shop)
    _tyre_fitting(shop)
    offer(shop, "standard_wash", labour="45.00")

    response = owner_client.get(_quotes_url(shop), {"vehicle_id": passat.id})

    assert response.status_code == 200
    body = response.json()
    assert body["vehicle_id"] == passat.id
    assert [item["service"]["code"] for item in body["items"]] == ["minor_service", "standard_wash", "tyre_fitting"]
    for item in body["items"]:
        single = owner_client.get(_url(shop), {"service": item["service"]["code"], "vehicle_id": passat.id})
        assert item["applies"] is True
        assert item["quote"] == single.json()
    assert body["items"][0]["quote"]["total"] == "893.00"


def test_the_store_quotes_refuse_what_does_not_apply_to_the_car(owner_client, shop, han_ev):
    _minor_service(shop)
    offer(shop, "standard_wash", labour="45.00")

    response = owner_client.get(_quotes_url(shop), {"vehicle_id": han_ev.id})

    items = response.json()["items"]
    assert [(item["service"]["code"], item["applies"], item["reason"]) for item in items] == [
        ("minor_service", False, "needs_engine"),
        ("standard_wash", True, None),
    ]
    assert items[0]["quote"] is None
    assert "小保养" in items[0]["message"]
    assert items[1]["quote"]["total"] == "45.00"


def test_the_store_quotes_are_for_the_callers_own_car_on_a_visible_store(owner_client, api, shop, passat):
    _minor_service(shop)
    stranger = VehicleFactory(plate="沪E12345")

    assert_error(api.get(_quotes_url(shop), {"vehicle_id": passat.id}), 401, "not_authenticated")
    assert_error(owner_client.get(_quotes_url(shop), {"vehicle_id": stranger.id}), 404, "not_found")
    assert_error(owner_client.get("/api/v1/stores/999999/quotes", {"vehicle_id": passat.id}), 404, "not_found")
    assert_error(owner_client.get(_quotes_url(shop)), 422, "validation_error")


def test_the_quote_costs_the_same_queries_however_many_lines(owner_client, passat, django_assert_num_queries):
    small, large = StoreFactory(categories=ALL_CATEGORIES), StoreFactory(categories=ALL_CATEGORIES)
    offer(small, "major_service", labour="200.00", lines=[("OIL-MOB1-0W20", "4", "118.00")])
    offer(
        large,
        "major_service",
        labour="260.00",
        lines=[
            ("OIL-MOB1-0W20", "4", "118.00"),
            ("OIL-CAEG-5W30", "4", "110.00"),
            ("OFL-MANN-EA211", "1", "55.00"),
            ("OFL-MANN-EA888", "1", "65.00"),
            ("AFL-BOSC-LAVIDA", "1", "60.00"),
            ("AFL-BOSC-PASSAT", "1", "70.00"),
            ("CFL-BOSC-LAVIDA", "1", "80.00"),
            ("CFL-MANN-PASSAT", "1", "160.00"),
        ],
    )
    params = {"service": "major_service", "vehicle_id": passat.id}
    owner_client.get(_url(small), params)  # warm the token's last-used stamp

    with CaptureQueriesContext(connection) as one_line:
        assert owner_client.get(_url(small), params).status_code == 200
    with CaptureQueriesContext(connection) as many_lines:
        response = owner_client.get(_url(large), params)

    assert response.status_code == 200
    assert len(response.json()["lines"]) == 5
    assert len(many_lines) == len(one_line)
    # A catalogue substitute costs one more query, once, whatever the number of lines.
    offer(
        small,
        "major_service",
        labour="200.00",
        lines=[("AFL-BOSC-LAVIDA", "1", "60.00"), ("CFL-BOSC-LAVIDA", "1", "80.00")],
    )
    with CaptureQueriesContext(connection) as substituted:
        response = owner_client.get(_url(small), params)
    assert [line["sku"] for line in response.json()["lines"][1:]] == ["AFL-BOSC-PASSAT", "CFL-BOSC-PASSAT"]
    assert len(substituted) == len(one_line) + 1


def test_models_sharing_an_engine_share_its_filter(shop):
    # fitment reads the vehicle's attributes: an unsaved Tiguan L (EA888, like the Passat) will do
    _minor_service(shop)

    quote = _quote(shop, "minor_service", Vehicle(make="大众", model="途观L", year=2020))

    assert [sku for sku, *_ in _parts(quote)] == ["OIL-MOB1-0W20", "OFL-MANN-EA888"]


def test_a_store_line_stays_when_the_catalogue_retires_its_part(shop, passat):
    _minor_service(shop)
    Part.objects.filter(sku="OFL-MANN-EA888").update(is_active=False)

    quote = _quote(shop, "minor_service", passat)

    assert [sku for sku, *_ in _parts(quote)] == ["OIL-MOB1-0W20", "OFL-MANN-EA888"]


# --- what the price list says before a car is chosen -----------------------------------------------------------


def test_the_price_list_says_what_no_car_pays_less_than(api, shop, passat, lavida, unknown_car):
    _minor_service(shop)
    offer(shop, "standard_wash", labour="45.00")

    minor, wash = api.get(f"/api/v1/stores/{shop.id}/prices").json()

    assert (minor["varies_by_vehicle"], minor["price_from"], minor["needs_engine"]) == (True, "120.00", True)
    assert (wash["varies_by_vehicle"], wash["price_from"], wash["needs_engine"]) == (False, "45.00", False)
    quoted = [_quote(shop, "minor_service", car).total for car in (passat, lavida, unknown_car)]
    assert min(quoted) >= Decimal(minor["price_from"])
    assert _quote(shop, "standard_wash", passat).total == Decimal(wash["price_from"]) == Decimal(wash["total"])


# --- a booking's record, as its owner reads it ------------------------------------------------------------------


def test_the_owners_view_of_a_booked_quote_leaves_out_only_what_is_for_staff():
    # (bookings made before the notes were kept apart had them moved out of the descriptions: bookings 0004)
    record = {
        "lines": [
            {"kind": "labour", "description": "工时：轮胎安装", "sku": None, "price_source": "store"},
            {"kind": "part", "description": "米其林 浩悦4", "sku": "TYR-X", "price_source": "catalogue"},
        ],
        "total": "1449.00",
        "notes": ["轮胎：按 245/45R19 选择"],
        "tyre_size": "245/45R19",
        "internal_notes": ["米其林 浩悦4（目录价：门店自有配件不适配本车）"],
    }

    shown = quote_record_for_owner(record)

    assert shown == {
        "lines": [
            {"kind": "labour", "description": "工时：轮胎安装", "sku": None},
            {"kind": "part", "description": "米其林 浩悦4", "sku": "TYR-X"},
        ],
        "total": "1449.00",
        "notes": ["轮胎：按 245/45R19 选择"],
        "tyre_size": "245/45R19",
    }


# Ten services a store can price (a Passat takes them all): five need a catalogue substitute or drop a line.
_TEN_OFFERINGS = [
    ("minor_service", "120.00", [("OIL-MOB1-0W20", "4", "118.00"), ("OFL-MANN-EA211", "1", "55.00")]),
    ("major_service", "200.00", [("AFL-BOSC-LAVIDA", "1", "60.00"), ("CFL-BOSC-LAVIDA", "1", "80.00")]),
    ("brake_fluid_change", "80.00", []),
    ("ac_service", "150.00", []),
    ("standard_wash", "45.00", []),
    ("interior_cleaning", "300.00", []),
    ("waxing", "200.00", [("CAR-MEGU-WAX-ULT", "0.2", "189.00")]),
    ("tyre_fitting", "50.00", [("TYR-MICH-PRIM4-2055516", "1", "650.00")]),
    ("battery_replacement", "60.00", []),
    ("wiper_blades", "20.00", []),
]


@pytest.mark.parametrize("store_offerings", [2, 10])
def test_the_store_quotes_cost_the_same_queries_however_many_services(
    owner_client, passat, store_offerings, django_assert_num_queries
):
    # given a store pricing two services (one of them needing catalogue substitutes) or ten
    store = StoreFactory(categories=ALL_CATEGORIES)
    for code, labour, lines in _TEN_OFFERINGS[:store_offerings]:
        offer(store, code, labour=labour, lines=lines)
    owner_client.get(_quotes_url(store), {"vehicle_id": passat.id})  # warm the token's last-used stamp

    # when the owner asks for every quote: the token, the vehicle, the store, the vehicle's spec, the offerings,
    # the part lines of all their versions, the catalogue substitutes
    with django_assert_num_queries(7):
        response = owner_client.get(_quotes_url(store), {"vehicle_id": passat.id})

    # then each service is quoted, substitutes included
    items = response.json()["items"]
    assert len(items) == store_offerings and all(item["applies"] for item in items)
    major = next(item["quote"] for item in items if item["service"]["code"] == "major_service")
    assert [line["sku"] for line in major["lines"][1:]] == ["AFL-BOSC-PASSAT", "CFL-BOSC-PASSAT"]


def test_the_store_quotes_of_an_electric_car_cost_no_more_queries(owner_client, han_ev, django_assert_num_queries):
    # the engine services are refused without a query; the rest are quoted as for any car
    store = StoreFactory(categories=ALL_CATEGORIES)
    for code, labour, lines in _TEN_OFFERINGS:
        offer(store, code, labour=labour, lines=lines)
    owner_client.get(_quotes_url(store), {"vehicle_id": han_ev.id})

    with django_assert_num_queries(7):
        response = owner_client.get(_quotes_url(store), {"vehicle_id": han_ev.id})

    refused = [item["service"]["code"] for item in response.json()["items"] if not item["applies"]]
    assert refused == ["minor_service", "major_service"]
