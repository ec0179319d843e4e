"""Reference price bands: quartiles on known sets, who counts, the one-pass nightly recompute, deviation,
the QA selector, and how recomputes are scheduled (coalesced on the real test broker)."""

import base64
import json
import random
from decimal import Decimal

import pytest
import redis
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext

from catalog import reference
from catalog.models import Offering, ReferencePrice
from catalog.reference import (
    reference_prices_recompute,
    reference_prices_recompute_all,
    reference_prices_schedule,
    reference_prices_schedule_for_store,
)
from catalog.reference_selectors import deviation, offerings_flagged_for_qa, reference_band
from catalog.tasks import reference_prices_nightly_task, reference_prices_recompute_task
from chefu.celery import app as celery_app
from tests.catalog.factories import set_price
from tests.factories import StoreFactory

SH = "上海"
BJ = "北京"
OIL = "minor_service"
WASH = "standard_wash"


# --- helpers ------------------------------------------------------------------------------------------


def deactivate(offering: Offering) -> None:
    # ``total`` is left in place on purpose: the band must go by ``is_active``, not by a missing total.
    offering.is_active = False
    offering.current = None
    offering.save()


def priced(totals, *, service_code: str = OIL, city: str = SH, status: str = "active") -> list[Offering]:
    return [set_price(StoreFactory(city=city, status=status), service_code, t) for t in totals]


def band_values(band: ReferencePrice | None):
    return None if band is None else (band.p25, band.median, band.p75, band.sample_size)


def D(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


# --- quartiles ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_quartiles_of_an_odd_set():
    # given
    priced(["100.00", "120.00", "150.00", "200.00", "400.00"])

    # when
    band = reference_prices_recompute(service_code=OIL, city=SH)

    # then
    assert band_values(band) == (*D("120.00", "150.00", "200.00"), 5)
    assert band_values(reference_band(service_code=OIL, city=SH)) == band_values(band)


@pytest.mark.django_db
def test_quartiles_of_an_even_set_interpolate():
    priced(["100.00", "200.00"])

    band = reference_prices_recompute(service_code=OIL, city=SH)

    assert band_values(band) == (*D("125.00", "150.00", "175.00"), 2)


@pytest.mark.django_db
def test_quartiles_of_one_price():
    priced(["88.00"])

    assert band_values(reference_prices_recompute(service_code=OIL, city=SH)) == (*D("88.00", "88.00", "88.00"), 1)


@pytest.mark.django_db
def test_half_cents_round_half_up_exactly():
    # The median is 100.015: in double precision (percentile_cont's type) that is 100.01499…, which would round
    # down. The band is computed in numeric, so it rounds half-up to 100.02.
    priced(["100.01", "100.02"])

    band = reference_prices_recompute(service_code=OIL, city=SH)

    assert band_values(band) == (*D("100.01", "100.02", "100.02"), 2)  # 100.0125, 100.015, 100.0175


@pytest.mark.django_db
def test_quartiles_agree_with_postgres_percentile_cont():
    rng = random.Random(20240603)
    totals = [f"{rng.randint(5000, 250000) / 100:.2f}" for _ in range(23)]
    offerings = priced(totals)

    band = reference_prices_recompute(service_code=OIL, city=SH)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT round(percentile_cont(0.25) WITHIN GROUP (ORDER BY total)::numeric, 2),"
            "       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY total)::numeric, 2),"
            "       round(percentile_cont(0.75) WITHIN GROUP (ORDER BY total)::numeric, 2)"
            " FROM catalog_offering WHERE id = ANY(%s)",
            [[o.id for o in offerings]],
        )
        expected = cursor.fetchone()
    assert (band.p25, band.median, band.p75) == expected


@pytest.mark.django_db
def test_only_active_offerings_of_visible_stores_in_the_city_count():
    # given: the set of the first test, with one store on probation (still visible)
    priced(["100.00", "120.00", "150.00", "200.00"])
    priced(["400.00"], status="probation")
    # and prices that must not count
    priced(["1.00"], city=BJ)  # another city
    priced(["2.00", "3.00"], status="suspended")  # hidden stores
    priced(["4.00"], status="terminated")
    deactivate(priced(["6.00"])[0])  # an inactive offering, total still set
    priced(["7.00"], service_code=WASH)  # another service

    # when
    band = reference_prices_recompute(service_code=OIL, city=SH)

    # then
    assert band_values(band) == (*D("120.00", "150.00", "200.00"), 5)


@pytest.mark.django_db
def test_band_is_deleted_when_the_last_offering_is_deactivated():
    # given
    (offering,) = priced(["150.00"])
    reference_prices_recompute(service_code=OIL, city=SH)
    assert ReferencePrice.objects.filter(service_id=OIL, city=SH).exists()

    # when
    deactivate(offering)
    band = reference_prices_recompute(service_code=OIL, city=SH)

    # then
    assert band is None
    assert reference_band(service_code=OIL, city=SH) is None


@pytest.mark.django_db
def test_recompute_without_sample_or_band_does_nothing():
    assert reference_prices_recompute(service_code=OIL, city=SH) is None
    assert not ReferencePrice.objects.exists()


@pytest.mark.django_db
def test_recompute_updates_the_band_in_place_and_is_idempotent():
    (offering, *_) = priced(["100.00", "200.00"])
    first = reference_prices_recompute(service_code=OIL, city=SH)

    set_price(offering.store, OIL, "300.00")
    second = reference_prices_recompute(service_code=OIL, city=SH)
    again = reference_prices_recompute(service_code=OIL, city=SH)

    assert second.pk == first.pk == again.pk
    assert band_values(again) == band_values(second) == (*D("225.00", "250.00", "275.00"), 2)
    assert ReferencePrice.objects.count() == 1


# --- every band in one pass ---------------------------------------------------------------------------


def _varied_market(scale: int) -> None:
    rng = random.Random(scale)
    for city in [SH, BJ, "广州"][: scale + 1]:
        for service_code in (OIL, WASH, "waxing")[: scale + 1]:
            priced(
                [f"{rng.randint(3000, 90000) / 100:.2f}" for _ in range(rng.randint(1, 4))],
                service_code=service_code,
                city=city,
            )


@pytest.mark.django_db
def test_recompute_all_matches_recompute_of_each_band_and_deletes_stale_ones():
    # given: several services in several cities, one hidden store, and a band whose last store left
    _varied_market(2)
    priced(["999.00"], status="suspended", city="深圳")
    ReferencePrice.objects.create(
        service_id=OIL, city="深圳", p25=Decimal(1), median=Decimal(2), p75=Decimal(3), sample_size=3
    )
    ReferencePrice.objects.create(
        service_id="ac_service", city=SH, p25=Decimal(1), median=Decimal(2), p75=Decimal(3), sample_size=3
    )

    # when
    summary = reference_prices_recompute_all()

    # then
    all_at_once = {(b.service_id, b.city): band_values(b) for b in ReferencePrice.objects.all()}
    assert summary == reference.RecomputeSummary(written=9, deleted=2)
    assert len(all_at_once) == 9
    for service_code, city in all_at_once:
        band = reference_prices_recompute(service_code=service_code, city=city)
        assert band_values(band) == all_at_once[(service_code, city)]
    assert reference_prices_recompute_all() == reference.RecomputeSummary(written=9, deleted=0)


@pytest.mark.django_db
def test_recompute_all_without_any_offering_deletes_every_band():
    _band(OIL, SH, "100.00")
    _band(WASH, BJ, "40.00")

    assert reference_prices_recompute_all() == reference.RecomputeSummary(written=0, deleted=2)
    assert not ReferencePrice.objects.exists()


@pytest.mark.django_db
def test_recompute_all_costs_the_same_queries_for_one_band_or_many():
    def queries_for_recompute_all() -> int:
        with CaptureQueriesContext(connection) as ctx:
            reference_prices_recompute_all()
        return len(ctx.captured_queries)

    _varied_market(0)
    few = queries_for_recompute_all()
    _varied_market(2)
    many = queries_for_recompute_all()

    assert ReferencePrice.objects.count() == 9
    assert many == few


@pytest.mark.django_db
def test_nightly_task_recomputes_every_band():
    priced(["100.00", "200.00"])
    priced(["50.00"], service_code=WASH, city=BJ)

    reference_prices_nightly_task.apply().get()

    assert band_values(reference_band(service_code=OIL, city=SH)) == (*D("125.00", "150.00", "175.00"), 2)
    assert band_values(reference_band(service_code=WASH, city=BJ)) == (*D("50.00", "50.00", "50.00"), 1)


# --- deviation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "median", "expected"),
    [
        ("150.00", "100.00", "0.5000"),
        ("100.00", "100.00", "0.0000"),
        ("90.00", "100.00", "-0.1000"),
        ("100.00", "30.00", "2.3333"),
        ("200.00", "300.00", "-0.3333"),
        ("100.00", "60.00", "0.6667"),
        ("200.01", "200.00", "0.0001"),  # 0.00005: a tie, half-up (half-even would give 0.0000)
        ("199.99", "200.00", "-0.0001"),  # -0.00005: half-up rounds away from zero
    ],
)
def test_deviation_rounds_half_up_to_four_places(total, median, expected):
    assert deviation(Decimal(total), Decimal(median)) == Decimal(expected)
    assert str(deviation(Decimal(total), Decimal(median))) == expected


@pytest.mark.parametrize("median", [None, Decimal("0"), Decimal("0.00")])
def test_deviation_without_a_median_is_none(median):
    assert deviation(Decimal("100.00"), median) is None


# --- QA flags -----------------------------------------------------------------------------------------


def _band(service_code: str, city: str, median: str) -> ReferencePrice:
    m = Decimal(median)
    return ReferencePrice.objects.create(service_id=service_code, city=city, p25=m, median=m, p75=m, sample_size=10)


@pytest.mark.django_db
def test_offerings_above_one_and_a_half_medians_are_flagged_most_deviant_first(django_assert_num_queries):
    # given: bands set directly, so the thresholds are exact
    _band(OIL, SH, "200.00")
    _band(WASH, SH, "40.00")
    _band(OIL, BJ, "300.00")
    (at_ratio,) = priced(["300.00"])  # exactly 1.5 × 200: not flagged
    (just_above,) = priced(["300.01"])
    (far_above,) = priced(["1000.00"])
    (cheap,) = priced(["150.00"])
    (wash,) = priced(["100.00"], service_code=WASH)  # 2.5 × 40
    (beijing,) = priced(["400.00"], city=BJ)  # 1.33 × its own city's 300: not flagged, though 2 × Shanghai's
    (beijing_high,) = priced(["451.00"], city=BJ)
    priced(["900.00"], status="suspended")  # hidden store
    deactivate(priced(["900.00"])[0])  # inactive offering
    priced(["900.00"], service_code="waxing")  # no band: nothing to compare with

    # when
    with django_assert_num_queries(1):
        flagged = list(offerings_flagged_for_qa())
        shops = [(o.store.name, o.service.code) for o in flagged]  # loaded with the same query

    # then
    assert [o.pk for o in flagged] == [far_above.pk, wash.pk, beijing_high.pk, just_above.pk]
    assert [(o.median, o.deviation) for o in flagged] == [
        D("200.00", "4.0000"),
        D("40.00", "1.5000"),
        D("300.00", "0.5033"),
        D("200.00", "0.5001"),  # 0.50005: half-up
    ]
    assert all(o.deviation == deviation(o.total, o.median) for o in flagged)
    assert len(shops) == 4
    assert {at_ratio.pk, cheap.pk, beijing.pk}.isdisjoint(o.pk for o in flagged)


@pytest.mark.django_db
def test_qa_flags_filter_by_city_and_ratio():
    _band(OIL, SH, "100.00")
    _band(OIL, BJ, "100.00")
    (sh,) = priced(["130.00"])
    (bj,) = priced(["180.00"], city=BJ)

    assert [o.pk for o in offerings_flagged_for_qa(city=BJ)] == [bj.pk]
    assert [o.pk for o in offerings_flagged_for_qa(city=SH)] == []
    assert [o.pk for o in offerings_flagged_for_qa(ratio=Decimal("1.25"))] == [bj.pk, sh.pk]
    assert [o.pk for o in offerings_flagged_for_qa(ratio=Decimal("1.25"), city=SH)] == [sh.pk]


# --- scheduling: coalesced, on commit, on the real test broker ----------------------------------------


class Broker:
    """The test broker's default queue (Redis DB TEST_REDIS_DB + 1), read without consuming."""

    def __init__(self):
        self.queue = celery_app.conf.task_default_queue
        self.redis = redis.Redis.from_url(settings.CELERY_BROKER_URL)

    def purge(self) -> None:
        with celery_app.connection_for_write() as conn:
            conn.default_channel.queue_purge(self.queue)

    def messages(self) -> list[tuple[str, list, str | None]]:
        """(task name, args, eta) of each queued message, oldest first (kombu's Redis envelope)."""
        out = []
        for raw in reversed(self.redis.lrange(self.queue, 0, -1)):
            envelope = json.loads(raw)
            args, _kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
            out.append((envelope["headers"]["task"], args, envelope["headers"]["eta"]))
        return out


@pytest.fixture
def broker():
    assert celery_app.conf.broker_url == settings.CELERY_BROKER_URL  # the test broker, never the demo's
    b = Broker()
    b.purge()
    yield b
    b.purge()


TASK = "catalog.tasks.reference_prices_recompute_task"


@pytest.mark.django_db
def test_schedule_queues_nothing_before_commit(broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reference_prices_schedule(service_code=OIL, city=SH)

    assert len(callbacks) == 1
    assert broker.messages() == []


@pytest.mark.django_db
def test_a_burst_of_changes_queues_one_recompute_per_band(broker, django_capture_on_commit_callbacks):
    # when: five changes to one band and one to another, each committed
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            reference_prices_schedule(service_code=OIL, city=SH)
    with django_capture_on_commit_callbacks(execute=True):
        reference_prices_schedule(service_code=OIL, city=BJ)

    # then: one delayed task per band
    messages = broker.messages()
    assert [(name, args) for name, args, _eta in messages] == [(TASK, [OIL, SH]), (TASK, [OIL, BJ])]
    assert all(eta is not None for _name, _args, eta in messages)  # countdown: the burst has time to finish


@pytest.mark.django_db
def test_a_change_after_the_recompute_started_queues_another(broker, django_capture_on_commit_callbacks):
    # given: a recompute is queued
    with django_capture_on_commit_callbacks(execute=True):
        reference_prices_schedule(service_code=OIL, city=SH)

    # when: it runs (here, in this process), then the price changes again
    reference_prices_recompute_task.apply(args=(OIL, SH)).get()
    with django_capture_on_commit_callbacks(execute=True):
        reference_prices_schedule(service_code=OIL, city=SH)

    # then
    assert [args for _name, args, _eta in broker.messages()] == [[OIL, SH], [OIL, SH]]


@pytest.mark.django_db
def test_the_task_clears_the_pending_mark_before_it_reads(monkeypatch):
    # A change committed while the recompute reads must queue a recompute of its own, so the mark has to be gone
    # by the time the reading starts.
    from django.core.cache import cache

    key = reference.pending_key(service_code=OIL, city=SH)
    cache.set(key, "1")
    seen = []
    monkeypatch.setattr(reference, "reference_prices_recompute", lambda **kw: seen.append(cache.get(key)))

    reference_prices_recompute_task.apply(args=(OIL, SH)).get()

    assert seen == [None]


@pytest.mark.django_db
def test_a_broker_failure_is_logged_not_raised_and_frees_the_band(
    broker, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    from kombu.exceptions import OperationalError as BrokerDown

    def refuse(*args, **kwargs):
        raise BrokerDown("connection refused")

    monkeypatch.setattr(celery_app, "send_task", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        reference_prices_schedule(service_code=OIL, city=SH)
    assert "connection refused" in caplog.text

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        reference_prices_schedule(service_code=OIL, city=SH)
    assert [args for _name, args, _eta in broker.messages()] == [[OIL, SH]]


@pytest.mark.django_db
def test_a_cache_failure_loses_the_coalescing_not_the_recompute(
    broker, monkeypatch, django_capture_on_commit_callbacks
):
    def cache_down(*args, **kwargs):
        raise ConnectionError("cache unavailable")

    monkeypatch.setattr(reference.cache, "add", cache_down)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            reference_prices_schedule(service_code=OIL, city=SH)

    assert [args for _name, args, _eta in broker.messages()] == [[OIL, SH], [OIL, SH]]


@pytest.mark.django_db
def test_store_changes_schedule_every_band_of_the_store(broker, django_capture_on_commit_callbacks):
    store = StoreFactory(city=SH)
    set_price(store, OIL, "100.00")
    set_price(store, WASH, "40.00")
    deactivate(set_price(store, "waxing", "80.00"))

    with django_capture_on_commit_callbacks(execute=True):
        reference_prices_schedule_for_store(store=store, cities=(BJ,))

    queued = sorted(tuple(args) for _name, args, _eta in broker.messages())
    assert queued == sorted([(OIL, SH), (OIL, BJ), (WASH, SH), (WASH, BJ)])


@pytest.mark.django_db
def test_the_recompute_task_retries_database_errors(monkeypatch):
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs)
        if len(calls) < 3:
            raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(reference, "reference_prices_recompute", flaky)

    result = reference_prices_recompute_task.apply(args=(OIL, SH))

    assert result.successful()
    assert calls == [{"service_code": OIL, "city": SH}] * 3


@pytest.mark.django_db
def test_a_recompute_holds_its_band_lock_until_commit():
    # The band lock is what keeps an older computation from overwriting a newer one; prove it is taken.
    with transaction.atomic():
        reference_prices_recompute(service_code=OIL, city=SH)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
                " AND classid = %s AND mode = 'ExclusiveLock'",
                [reference._LOCK_BAND],
            )
            assert cursor.fetchone() == (1,)


# --- nightly schedule ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the scheduler closes a connection it finds inside a transaction
def test_beat_installs_the_nightly_recompute_at_0315_shanghai_time():
    # django-celery-beat's DatabaseScheduler writes CELERY_BEAT_SCHEDULE into its tables when beat starts.
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    scheduler = DatabaseScheduler(app=celery_app)
    scheduler._finalize.cancel()  # it would sync to the database at interpreter exit

    task = PeriodicTask.objects.select_related("crontab").get(name="catalog.reference-prices-nightly")
    assert task.task == "catalog.tasks.reference_prices_nightly_task"
    assert task.task in celery_app.tasks
    assert task.enabled
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("15", "3", "*")
    assert str(task.crontab.timezone) == "Asia/Shanghai"
