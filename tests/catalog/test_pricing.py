"""catalog.pricing: setting and withdrawing a store's price of a service (versions, exact totals, every
refusal writing nothing, concurrent first prices, the reference recompute queued on commit)."""

import threading
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog import reference
from catalog.models import Category, Offering, OfferingPartLine, OfferingVersion, Service
from catalog.pricing import offering_deactivate, offering_set_price
from chefu.errors import NotFound, ValidationFailed
from stores.models import Bay
from tests.catalog.factories import PartFactory
from tests.factories import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db

MINOR = "minor_service"
WASH = "standard_wash"
TYRES = "tyre_fitting"


def _service(code: str) -> Service:
    return Service.objects.get(code=code)


def _counts() -> tuple[int, int, int]:
    return Offering.objects.count(), OfferingVersion.objects.count(), OfferingPartLine.objects.count()


def _cents(value: Decimal) -> Decimal:
    """The independent half-up rounding the tests check the service against."""
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.fixture
def oil():
    return PartFactory(sku="OIL-0W20", name="全合成机油 0W-20 1L")


@pytest.fixture
def filt():
    return PartFactory(
        sku="FILTER-01", name="机油滤清器", part_type="oil_filter", unit="个", list_price=Decimal("45.00")
    )


def _set(store, by, code=MINOR, *, labour="120.00", parts=(), duration_min=60):
    return offering_set_price(
        store=store, service=_service(code), by=by, labour=labour, parts=list(parts), duration_min=duration_min
    )


# --- a price is a version -----------------------------------------------------------------------------------


def test_first_price_creates_the_offering_and_version_1(store, manager, oil, filt):
    version = _set(
        store,
        manager,
        labour=Decimal("120.00"),
        parts=[
            {"sku": "OIL-0W20", "qty": Decimal("4.5"), "unit_price": Decimal("68.00")},
            {"sku": "FILTER-01", "qty": Decimal("1"), "unit_price": Decimal("45.00")},
        ],
    )

    offering = Offering.objects.get(store=store, service_id=MINOR)
    assert version.number == 1
    assert version.created_by == manager
    assert version.labour == Decimal("120.00")
    assert version.total == Decimal("120.00") + Decimal("306.00") + Decimal("45.00")
    assert (offering.current_id, offering.total, offering.is_active) == (version.id, version.total, True)
    lines = list(version.lines.order_by("position").values_list("position", "part__sku", "qty", "unit_price", "amount"))
    assert lines == [
        (1, "OIL-0W20", Decimal("4.50"), Decimal("68.00"), Decimal("306.00")),
        (2, "FILTER-01", Decimal("1.00"), Decimal("45.00"), Decimal("45.00")),
    ]


def test_line_amounts_round_half_up_to_the_cent(store, manager, oil, filt):
    version = _set(
        store,
        manager,
        labour="0.00",
        parts=[
            {"sku": "OIL-0W20", "qty": "0.5", "unit_price": "0.01"},  # 0.005 → 0.01
            {"sku": "FILTER-01", "qty": "1.5", "unit_price": "0.03"},  # 0.045 → 0.05
        ],
    )

    assert list(version.lines.order_by("position").values_list("amount", flat=True)) == [
        Decimal("0.01"),
        Decimal("0.05"),
    ]
    assert version.total == Decimal("0.06")


def test_each_change_is_a_new_version_and_the_old_ones_stay_as_they_were(store, manager, oil):
    first = _set(store, manager, labour="100.00", parts=[{"sku": "OIL-0W20", "qty": "4", "unit_price": "60.00"}])
    second = _set(store, manager, labour="110.00", parts=[{"sku": "OIL-0W20", "qty": "5", "unit_price": "58.00"}])
    third = _set(store, manager, labour="110.00", parts=[], duration_min=45)

    assert [first.number, second.number, third.number] == [1, 2, 3]
    offering = Offering.objects.get(store=store, service_id=MINOR)
    assert offering.current_id == third.id
    assert offering.total == Decimal("110.00")
    first.refresh_from_db()
    assert (first.labour, first.total, first.duration_min) == (Decimal("100.00"), Decimal("340.00"), 60)
    assert list(first.lines.values_list("qty", "unit_price", "amount")) == [
        (Decimal("4.00"), Decimal("60.00"), Decimal("240.00"))
    ]


def test_an_unchanged_price_writes_nothing_and_answers_the_version_in_force(store, manager, oil):
    parts = [{"sku": "OIL-0W20", "qty": "4.5", "unit_price": "68.00"}]
    first = _set(store, manager, labour="120.00", parts=parts)
    before = _counts()

    # The same price written differently ("4.50", a Decimal with more zeros) is the same price.
    again = _set(
        store, manager, labour=Decimal("120.0"), parts=[{"sku": "OIL-0W20", "qty": "4.50", "unit_price": "68"}]
    )

    assert again.pk == first.pk
    assert _counts() == before


def test_a_price_after_deactivation_reactivates_with_a_new_version(store, manager, oil):
    parts = [{"sku": "OIL-0W20", "qty": "4", "unit_price": "60.00"}]
    _set(store, manager, parts=parts)
    offering_deactivate(store=store, service=_service(MINOR), by=manager)

    # Even the same price as before: the offering was withdrawn, putting it back is a change.
    version = _set(store, manager, parts=parts)

    offering = Offering.objects.get(store=store, service_id=MINOR)
    assert version.number == 2
    assert (offering.is_active, offering.current_id, offering.total) == (True, version.id, version.total)


def test_labour_only_price(store, manager):
    version = _set(store, manager, WASH, labour="39.90", duration_min=30)

    assert version.total == Decimal("39.90")
    assert not version.lines.exists()


def test_negative_zero_is_stored_as_zero(store, manager, oil):
    version = _set(store, manager, labour="-0.00", parts=[{"sku": "OIL-0W20", "qty": "1", "unit_price": "-0"}])

    assert str(version.labour) == "0.00"
    assert str(version.lines.get().unit_price) == "0.00"


# --- refusals: 422 with the field path, nothing written ------------------------------------------------------


def _refused(store, by, code=MINOR, **kwargs) -> dict[str, list[str]]:
    before = _counts()
    with pytest.raises(ValidationFailed) as caught:
        _set(store, by, code, **kwargs)
    assert _counts() == before
    return caught.value.details["fields"]


@pytest.mark.parametrize("labour", ["-0.01", "-100", "12.345", "0.001", "1e-3", "10000000000.00", "abc", "NaN", None])
def test_labour_must_be_money(store, manager, labour):
    assert set(_refused(store, manager, labour=labour)) == {"labour"}


def test_labour_as_a_float_is_refused(store, manager):
    assert set(_refused(store, manager, labour=19.99)) == {"labour"}


@pytest.mark.parametrize("unit_price", ["-1.00", "9.999", "0.005", "Infinity", 12.5])
def test_unit_price_must_be_money(store, manager, oil, filt, unit_price):
    parts = [
        {"sku": "FILTER-01", "qty": "1", "unit_price": "45.00"},
        {"sku": "OIL-0W20", "qty": "4", "unit_price": unit_price},
    ]
    assert set(_refused(store, manager, parts=parts)) == {"parts.1.unit_price"}


@pytest.mark.parametrize("qty", ["0", "0.00", "-1", "-0.01", "1.005", "0.001", "1000000", None])
def test_quantity_must_be_positive_with_two_decimals_at_most(store, manager, oil, filt, qty):
    parts = [
        {"sku": "FILTER-01", "qty": "1", "unit_price": "45.00"},
        {"sku": "OIL-0W20", "qty": qty, "unit_price": "68.00"},
    ]
    assert set(_refused(store, manager, parts=parts)) == {"parts.1.qty"}


def test_unknown_sku(store, manager, oil):
    fields = _refused(store, manager, parts=[{"sku": "NOPE-404", "qty": "1", "unit_price": "1.00"}])
    assert set(fields) == {"parts.0.sku"}
    assert "NOPE-404" in fields["parts.0.sku"][0]


def test_retired_sku(store, manager):
    PartFactory(sku="OLD-01", is_active=False)
    assert set(_refused(store, manager, parts=[{"sku": "OLD-01", "qty": "1", "unit_price": "1.00"}])) == {"parts.0.sku"}


def test_part_of_another_category(store, manager, oil):
    PartFactory(sku="WAX-01", name="车蜡", part_type="care", category=Category.objects.get(code="washing"))

    fields = _refused(
        store,
        manager,
        parts=[
            {"sku": "OIL-0W20", "qty": "4", "unit_price": "60.00"},
            {"sku": "WAX-01", "qty": "1", "unit_price": "80.00"},
        ],
    )

    assert set(fields) == {"parts.1.sku"}


def test_the_same_sku_twice(store, manager, oil):
    line = {"sku": "OIL-0W20", "qty": "4", "unit_price": "60.00"}
    assert set(_refused(store, manager, parts=[line, line])) == {"parts.1.sku"}


def test_a_line_that_is_not_a_line(store, manager):
    assert set(_refused(store, manager, parts=["OIL-0W20"])) == {"parts.0"}


@pytest.mark.parametrize("duration_min", [0, -5, 3, 62, 24 * 60 + 5, 10_000, "60", 60.0, True, None])
def test_duration_must_be_a_positive_multiple_of_5_minutes_up_to_a_day(store, manager, duration_min):
    assert set(_refused(store, manager, duration_min=duration_min)) == {"duration_min"}


@pytest.mark.parametrize("duration_min", [5, 45, 24 * 60])
def test_durations_at_the_bounds(store, manager, duration_min):
    assert _set(store, manager, duration_min=duration_min).duration_min == duration_min


def test_a_service_no_bay_of_the_store_can_do(store, manager):
    # The store has maintenance and washing bays; tyre fitting is parts_install.
    assert set(_refused(store, manager, TYRES, labour="30.00", duration_min=30)) == {"service_code"}


def test_only_active_bays_count(manager):
    store = StoreFactory(categories=["maintenance"])
    Bay.objects.filter(store=store).update(is_active=False)

    assert set(_refused(store, manager, labour="100.00")) == {"service_code"}


def test_a_bay_of_the_category_is_enough_whatever_the_others(manager):
    store = StoreFactory(categories=["washing"])
    Bay.objects.create(store=store, name="2号工位").categories.set(["maintenance"])

    assert _set(store, manager, labour="100.00").number == 1


def test_a_retired_service(store, manager):
    Service.objects.filter(code=MINOR).update(is_active=False)

    assert set(_refused(store, manager)) == {"service_code"}


def test_every_problem_is_reported_at_once(store, manager, oil):
    fields = _refused(
        store,
        manager,
        labour="-1",
        duration_min=7,
        parts=[{"sku": "NOPE", "qty": "0", "unit_price": "1.001"}],
    )

    assert set(fields) == {"labour", "duration_min", "parts.0.sku", "parts.0.qty", "parts.0.unit_price"}


def test_a_total_beyond_the_column_is_refused(store, manager, oil, filt):
    big = "9999999999.99"
    fields = _refused(
        store,
        manager,
        labour=big,
        parts=[{"sku": "OIL-0W20", "qty": "1", "unit_price": big}],
    )
    assert set(fields) == {"__all__"}


def test_a_line_amount_beyond_the_column_is_refused(store, manager, oil):
    fields = _refused(store, manager, parts=[{"sku": "OIL-0W20", "qty": "999999.99", "unit_price": "9999999999.99"}])
    assert set(fields) == {"parts.0"}


# --- deactivation -------------------------------------------------------------------------------------------


def test_deactivate_keeps_the_versions(store, manager, oil):
    _set(store, manager, labour="100.00")
    _set(store, manager, labour="110.00")

    offering = offering_deactivate(store=store, service=_service(MINOR), by=manager)

    offering.refresh_from_db()
    assert (offering.is_active, offering.current_id, offering.total) == (False, None, None)
    assert list(offering.versions.values_list("number", flat=True)) == [1, 2]


def test_deactivate_twice_changes_nothing(store, manager, django_capture_on_commit_callbacks):
    _set(store, manager)
    offering_deactivate(store=store, service=_service(MINOR), by=manager)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        offering = offering_deactivate(store=store, service=_service(MINOR), by=manager)

    assert offering.is_active is False
    assert callbacks == []


def test_deactivating_a_service_never_priced_is_not_found(store, manager):
    with pytest.raises(NotFound):
        offering_deactivate(store=store, service=_service(MINOR), by=manager)


def test_deactivating_another_stores_offering_is_not_found(store, manager):
    _set(store, manager)

    with pytest.raises(NotFound):
        offering_deactivate(store=StoreFactory(), service=_service(MINOR), by=manager)


# --- the reference band is recomputed after commit -----------------------------------------------------------


def test_each_change_queues_one_recompute_on_commit(store, manager, oil, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _set(store, manager, labour="100.00")
        _set(store, manager, labour="110.00")
        _set(store, manager, labour="120.00")
    assert len(callbacks) == 3

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        offering_deactivate(store=store, service=_service(MINOR), by=manager)
    assert len(callbacks) == 1


def test_what_is_queued_is_the_bands_recompute(store, manager, monkeypatch, django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr(reference, "_enqueue_recompute", lambda code, city: queued.append((code, city)))

    with django_capture_on_commit_callbacks(execute=True):
        _set(store, manager)

    assert queued == [(MINOR, store.city)]


def test_refused_and_unchanged_prices_queue_nothing(store, manager, django_capture_on_commit_callbacks):
    _set(store, manager, labour="100.00")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _set(store, manager, labour="100.00")
        with pytest.raises(ValidationFailed):
            _set(store, manager, labour="-1")
    assert callbacks == []


# --- exactness over random price lists ----------------------------------------------------------------------

CENTS = st.integers(min_value=0, max_value=9_999_999).map(lambda n: Decimal(n) / 100)  # 0.00 – 99,999.99
QTY = st.integers(min_value=1, max_value=99_999).map(lambda n: Decimal(n) / 100)  # 0.01 – 999.99
N_PARTS = 8


@pytest.fixture
def priced_store(db):
    """A store, its manager and N_PARTS maintenance parts, created once for all examples of a test."""
    store = StoreFactory()
    parts = [PartFactory(sku=f"HYP-{i:02d}") for i in range(N_PARTS)]
    return store, UserFactory(), parts


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    labour=CENTS,
    lines=st.lists(st.tuples(QTY, CENTS), max_size=N_PARTS),
    as_strings=st.booleans(),
)
def test_total_is_labour_plus_the_rounded_line_amounts_exactly(priced_store, labour, lines, as_strings):
    store, user, parts = priced_store
    given_parts = [
        {"sku": part.sku, "qty": str(qty) if as_strings else qty, "unit_price": str(price) if as_strings else price}
        for part, (qty, price) in zip(parts, lines, strict=False)
    ]
    expected = labour + sum((_cents(qty * price) for qty, price in lines), Decimal(0))

    with transaction.atomic():
        version = offering_set_price(
            store=store, service=_service(MINOR), by=user, labour=labour, parts=given_parts, duration_min=60
        )
        stored = OfferingVersion.objects.get(pk=version.pk)
        amounts = list(stored.lines.order_by("position").values_list("amount", flat=True))
        offering_total = Offering.objects.get(pk=stored.offering_id).total
        transaction.set_rollback(True)  # the next example starts from an unpriced store again

    assert stored.total == expected
    assert stored.total == stored.labour + sum(amounts, Decimal(0))
    assert amounts == [_cents(qty * price) for qty, price in lines]
    assert offering_total == expected
    assert stored.number == 1


# --- concurrency --------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_prices_are_numbered_one_after_the_other(monkeypatch):
    # given: a store nobody has priced MINOR at yet, and six managers' requests released at once
    store = StoreFactory()
    user = UserFactory()
    service = _service(MINOR)
    queued = []
    monkeypatch.setattr(reference, "_enqueue_recompute", lambda code, city: queued.append((code, city)))
    n = 6
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def put(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            offering_set_price(
                store=store, service=service, by=user, labour=Decimal(100 + i), parts=[], duration_min=60
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=put, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then
    assert errors == []
    offerings = list(Offering.objects.filter(store=store, service=service))
    assert len(offerings) == 1
    numbers = list(OfferingVersion.objects.filter(offering=offerings[0]).values_list("number", flat=True))
    assert sorted(numbers) == list(range(1, n + 1))
    newest = OfferingVersion.objects.get(offering=offerings[0], number=n)
    assert offerings[0].current_id == newest.id
    assert offerings[0].total == newest.total
    assert len(queued) == n
