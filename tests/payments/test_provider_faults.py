"""Faults of the payment provider (issue 16, item 2): Alipay timing out or answering 5xx leaves a payment pending,
the query sweep asks again later and applies it once, whatever notification comes before, with or after it; a
storm of 1,000 duplicate notifications makes one transition. Alipay is the real client (python-alipay-sdk) against a
local stand-in of its gateway on 127.0.0.1 (tests.fakes.alipay); the threaded tests run on real PostgreSQL."""

import datetime as dt
import logging
import threading
import time
from collections import Counter
from decimal import Decimal

import pytest
from alipay import AliPay
from django.db import connections
from django.test import Client

from bookings.models import Booking, BookingStatus
from chefu.queue import send_now
from payments import selectors, services
from payments.models import EntryKind, JournalEntry, Payment, PaymentEvent, PaymentStatus
from payments.providers.base import provider_get
from tests.bookings.conftest import book, local, make_shop, tomorrow
from tests.fakes.payment_providers import DOWN
from tests.payments.charging import at_once
from tests.payments.conftest import ALIPAY_TEST_APP_ID
from tests.payments.paying import open_payment

APP_ID = ALIPAY_TEST_APP_ID
NOTIFY_PATH = "/api/v1/payments/notify/{provider}"
LATER = dt.timedelta(minutes=6)  # past PAYMENT_QUERY_AFTER_S (5 min)


@pytest.fixture
def gateway(alipay_gateway_server, alipay_keys, settings):
    """The Alipay stand-in, fresh for each test, and Alipay enabled against it with a short timeout."""
    alipay_gateway_server.reset()
    alipay_gateway_server.slow_s = 1.0
    settings.ALIPAY = {
        **settings.ALIPAY,
        "app_id": APP_ID,
        "app_private_key": alipay_keys.app_private,
        "public_key": alipay_keys.alipay_public,
        "gateway": alipay_gateway_server.gateway_url,
        "timeout_s": 0.3,
    }
    yield alipay_gateway_server
    alipay_gateway_server.reset()


@pytest.fixture
def alipay_side(alipay_keys) -> AliPay:
    """python-alipay-sdk standing in for Alipay's servers: Alipay's private key signs its notifications."""
    return AliPay(
        appid=APP_ID, app_private_key_string=alipay_keys.alipay_private, alipay_public_key_string=alipay_keys.app_public
    )


def alipay_notification(alipay_side: AliPay, payment: Payment, trade_no: str) -> dict[str, str]:
    """The notification Alipay POSTs for the trade of ``payment`` paid, signed as Alipay signs."""
    params = {
        "notify_time": "2025-01-01 12:00:05",
        "notify_type": "trade_status_sync",
        "notify_id": "2025010100222120005000001234567890",
        "app_id": APP_ID,
        "charset": "utf-8",
        "version": "1.0",
        "sign_type": "RSA2",
        "trade_no": trade_no,
        "out_trade_no": payment.out_trade_no,
        "buyer_id": "2088102177846880",
        "trade_status": "TRADE_SUCCESS",
        "total_amount": f"{payment.amount:.2f}",
        "receipt_amount": f"{payment.amount:.2f}",
        "gmt_payment": "2025-01-01 12:00:04",
    }
    raw = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in ("sign", "sign_type") and v)
    return {**params, "sign": alipay_side._sign(raw)}


def notify_over_http(provider: str, params: dict[str, str], client: Client | None = None):
    return (client or Client()).post(NOTIFY_PATH.format(provider=provider), params)


@pytest.fixture
def booking(owner):
    return book(owner, make_shop(), local(tomorrow() + dt.timedelta(days=2), 10))


def pay_with_alipay(booking: Booking) -> Payment:
    """Open and check out an Alipay payment: page pay only signs a URL, so the pay URL is given out."""
    payment = services.payment_open(booking_id=booking.pk, owner=booking.owner, provider="alipay")
    return services.payment_checkout(payment=payment)


def succeeded_events(payment: Payment) -> list[PaymentEvent]:
    return list(PaymentEvent.objects.filter(payment=payment, to_status=PaymentStatus.SUCCEEDED))


def payment_entries(payment: Payment) -> int:
    return JournalEntry.objects.filter(payment=payment, kind=EntryKind.PAYMENT).count()


def assert_applied_once(payment: Payment, booking: Booking) -> None:
    payment.refresh_from_db()
    booking.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED and payment.applied
    assert len(succeeded_events(payment)) == 1
    assert payment_entries(payment) == 1
    assert booking.status == BookingStatus.CONFIRMED and booking.amount_paid == payment.covers


# --- the provider down, slow or busy when asked ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["down", "slow", "busy", "garbage"])
def test_a_provider_down_or_timing_out_leaves_the_payment_pending(gateway, booking, mode, caplog):
    # given: the payer paid, the notification never came, and Alipay now answers 503 / hangs / is busy
    payment = pay_with_alipay(booking)
    gateway.add_trade(payment.out_trade_no, payment.amount, "TRADE_SUCCESS")
    gateway.mode = mode
    # when
    with caplog.at_level(logging.WARNING, logger="payments.services"):
        status = services.payment_query(payment_id=payment.pk, now=payment.created_at + LATER)
    # then: asked once, nothing moved or posted, only the time of the query kept (for the back-off)
    assert status == PaymentStatus.PENDING
    assert len(gateway.calls_to("alipay.trade.query")) == 1
    payment.refresh_from_db()
    booking.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING and not payment.applied and payment.trade_no is None
    assert list(payment.events.values_list("to_status", flat=True)) == [PaymentStatus.PENDING]
    assert payment_entries(payment) == 0 and booking.status == BookingStatus.PENDING_PAYMENT
    assert payment.queried_at == payment.created_at + LATER
    assert "could not be queried" in caplog.text


@pytest.mark.django_db
def test_once_the_provider_is_back_the_next_sweep_applies_the_payment_once(gateway, booking, alipay_side):
    payment = pay_with_alipay(booking)
    trade = gateway.add_trade(payment.out_trade_no, payment.amount, "TRADE_SUCCESS")
    first = payment.created_at + LATER
    # given: the first sweep found Alipay answering 503
    gateway.mode = "down"
    assert list(selectors.payments_query_due(now=first)) == [payment]
    assert services.payment_query(payment_id=payment.pk, now=first) == PaymentStatus.PENDING
    # when: Alipay is back, and the payment is due again (it had waited 6 minutes: asked again 6 minutes later)
    gateway.mode = "ok"
    assert not selectors.payments_query_due(now=first + dt.timedelta(minutes=5)).exists()
    second = first + LATER
    assert list(selectors.payments_query_due(now=second)) == [payment]
    assert services.payment_query(payment_id=payment.pk, now=second) == PaymentStatus.SUCCEEDED
    # then: applied once, recorded as the query's doing
    assert_applied_once(payment, booking)
    [event] = succeeded_events(payment)
    assert event.reason == "provider query" and event.details["cause"] == "query"
    assert event.details["answer"]["trade_status"] == "TRADE_SUCCESS"
    assert payment.trade_no == trade.trade_no
    assert not selectors.payments_query_due(now=second + dt.timedelta(days=1)).exists()
    # and: Alipay's notification, arriving after all, and another query change nothing
    response = notify_over_http("alipay", alipay_notification(alipay_side, payment, trade.trade_no))
    assert response.status_code == 200 and response.content == b"success"
    assert services.payment_query(payment_id=payment.pk, now=second + LATER) == PaymentStatus.SUCCEEDED
    assert len(gateway.calls_to("alipay.trade.query")) == 2  # a payment no longer pending is not asked about
    assert_applied_once(payment, booking)


@pytest.mark.django_db
def test_a_notification_before_the_query_leaves_it_nothing_to_do(gateway, booking, alipay_side):
    payment = pay_with_alipay(booking)
    trade = gateway.add_trade(payment.out_trade_no, payment.amount, "TRADE_SUCCESS")
    assert notify_over_http("alipay", alipay_notification(alipay_side, payment, trade.trade_no)).content == b"success"

    assert not selectors.payments_query_due(now=payment.created_at + LATER).exists()
    assert services.payment_query(payment_id=payment.pk, now=payment.created_at + LATER) == PaymentStatus.SUCCEEDED
    assert gateway.calls_to("alipay.trade.query") == []
    assert_applied_once(payment, booking)
    assert succeeded_events(payment)[0].reason == "provider notification"


@pytest.mark.django_db
def test_the_sweep_asks_less_and_less_often(gateway, booking, settings):
    payment = pay_with_alipay(booking)
    gateway.mode = "down"
    start = payment.created_at

    def due(at: dt.timedelta) -> bool:
        return selectors.payments_query_due(now=start + at).filter(pk=payment.pk).exists()

    # too young at first; then due, and each query puts the next one off by as long as it had waited
    assert not due(dt.timedelta(minutes=4)) and due(dt.timedelta(minutes=5))
    asked_at = dt.timedelta(minutes=5)
    for wait in (5, 10, 20, 40, 60, 60):
        services.payment_query(payment_id=payment.pk, now=start + asked_at)
        assert not due(asked_at + dt.timedelta(minutes=wait) - dt.timedelta(seconds=1))
        assert due(asked_at + dt.timedelta(minutes=wait))  # at most PAYMENT_QUERY_MAX_INTERVAL_S (1 h) apart
        asked_at += dt.timedelta(minutes=wait)
    assert len(gateway.calls_to("alipay.trade.query")) == 6


@pytest.mark.django_db
def test_only_pending_payments_whose_pay_url_was_given_out_are_asked_about(gateway, booking, owner):
    # a pending payment whose checkout never gave out its URL (its request died) is not the query's business
    unsent = services.payment_open(booking_id=booking.pk, owner=owner, provider="alipay")
    later = unsent.created_at + LATER
    assert not selectors.payments_query_due(now=later).exists()
    assert services.payment_query(payment_id=unsent.pk, now=later) == PaymentStatus.PENDING
    sent = services.payment_checkout(payment=unsent)
    assert list(selectors.payments_query_due(now=later)) == [sent]
    assert gateway.calls_to("alipay.trade.query") == []


@pytest.mark.django_db
def test_a_checkout_the_provider_failed_is_never_queried(booking, settings):
    # given: the provider could not be reached when the trade was opened (the sandbox variant failing like Alipay)
    settings.PAYMENT_PROVIDERS = {**settings.PAYMENT_PROVIDERS, "sandbox": DOWN}
    payment = services.payment_open(booking_id=booking.pk, owner=booking.owner, provider="sandbox")
    with pytest.raises(services.PaymentProviderFailed):
        services.payment_checkout(payment=payment)
    # then: failed, its pay URL never given out, so nothing to ask about and nothing the payer could have paid
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED and payment.pay_url == ""
    later = payment.created_at + LATER
    assert not selectors.payments_query_due(now=later).exists()
    assert services.payment_query(payment_id=payment.pk, now=later) == PaymentStatus.FAILED
    assert payment_entries(payment) == 0


@pytest.mark.django_db
@pytest.mark.parametrize("trade_status", [None, "WAIT_BUYER_PAY"])
def test_a_trade_never_paid_stays_pending_until_its_expiry_then_closes(gateway, booking, settings, trade_status):
    # given: the payer never opened the pay page (Alipay knows no trade), or opened it and never paid
    payment = pay_with_alipay(booking)
    if trade_status:
        gateway.add_trade(payment.out_trade_no, payment.amount, trade_status)
    expiry = dt.timedelta(seconds=settings.PAYMENT_TRADE_EXPIRY_S)
    # when / then: pending while the trade may still be paid, closed after
    assert services.payment_query(payment_id=payment.pk, now=payment.created_at + LATER) == PaymentStatus.PENDING
    assert services.payment_query(payment_id=payment.pk, now=payment.created_at + expiry) == PaymentStatus.CLOSED
    event = payment.events.get(to_status=PaymentStatus.CLOSED)
    assert event.reason == "not paid by the trade's expiry" and event.details["cause"] == "query"
    assert event.details["answer"] == ("pending" if trade_status else "not_found")
    assert payment_entries(payment) == 0


@pytest.mark.django_db
def test_a_trade_the_provider_closed_is_closed(gateway, booking):
    payment = pay_with_alipay(booking)
    gateway.add_trade(payment.out_trade_no, payment.amount, "TRADE_CLOSED")

    assert services.payment_query(payment_id=payment.pk, now=payment.created_at + LATER) == PaymentStatus.CLOSED
    event = payment.events.get(to_status=PaymentStatus.CLOSED)
    assert event.reason == "provider query: the trade is closed" and event.details["cause"] == "query"


@pytest.mark.django_db
def test_a_query_answer_with_another_amount_is_refused_and_alerted(gateway, booking):
    payment = pay_with_alipay(booking)
    gateway.add_trade(payment.out_trade_no, payment.amount - Decimal("1.00"), "TRADE_SUCCESS")

    assert services.payment_query(payment_id=payment.pk, now=payment.created_at + LATER) == PaymentStatus.PENDING
    assert payment.alerts.get().code == "amount_mismatch"
    assert payment_entries(payment) == 0


@pytest.mark.django_db
def test_checking_out_with_alipay_calls_no_gateway_so_its_outage_fails_nothing(gateway, booking):
    # Page pay signs its URL locally: Alipay answering 503 cannot fail a checkout (the sandbox variant that does
    # fail it is in test_pay_locks: the payment is marked failed, its pay URL never given out).
    gateway.mode = "down"
    payment = pay_with_alipay(booking)
    assert payment.status == PaymentStatus.PENDING and payment.pay_url.startswith(gateway.gateway_url)
    assert gateway.calls == []


# --- at the same time ---------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_query_and_a_notification_at_the_same_moment_apply_once(gateway, owner, alipay_side):
    bookings = [book(owner, make_shop(), local(tomorrow() + dt.timedelta(days=2), 10)) for _ in range(3)]
    for booking in bookings:
        payment = pay_with_alipay(booking)
        trade = gateway.add_trade(payment.out_trade_no, payment.amount, "TRADE_SUCCESS")
        params = alipay_notification(alipay_side, payment, trade.trade_no)
        # when: the sweep's query and Alipay's notification arrive together, each on its own connection
        queried, notified = at_once(
            lambda p=payment: services.payment_query(payment_id=p.pk, now=p.created_at + LATER),
            lambda p=params: services.notification_receive(provider="alipay", params=p),
        )
        # then: neither failed, and the payment was applied once
        assert queried == PaymentStatus.SUCCEEDED and notified is None
        assert_applied_once(payment, booking)


@pytest.mark.django_db(transaction=True)
def test_the_beat_sweep_queries_through_a_real_worker(gateway, booking, celery_worker, settings):
    settings.PAYMENT_QUERY_AFTER_S = 0
    payment = pay_with_alipay(booking)
    gateway.add_trade(payment.out_trade_no, payment.amount, "TRADE_SUCCESS")
    # when: beat sends the sweep, which queues one query per payment due
    assert send_now("payments.tasks.payments_pending_query_task", [((), {})], what="the payments query sweep")
    # then
    celery_worker.wait_for(
        lambda: Payment.objects.filter(pk=payment.pk, status=PaymentStatus.SUCCEEDED).exists(), timeout=20
    )
    [run] = celery_worker.wait_for_task("payments.tasks.payment_query_task")
    assert run.state == "SUCCESS"
    assert_applied_once(payment, booking)


# --- a storm of duplicate notifications ---------------------------------------------------------------------

STORM, THREADS = 1000, 12


@pytest.mark.django_db(transaction=True)
def test_a_storm_of_1000_duplicate_notifications_makes_one_transition(booking):
    # given: one payment, and the one signed notification of its success, sent 1,000 times over 12 connections
    payment = open_payment(booking)
    params = provider_get("sandbox").build_notification(
        out_trade_no=payment.out_trade_no, amount=payment.amount, trade_status="TRADE_SUCCESS"
    )
    answers: Counter = Counter()
    lock, barrier = threading.Lock(), threading.Barrier(THREADS)

    def send(count: int) -> None:
        client, seen = Client(), Counter()
        try:
            barrier.wait()
            for _ in range(count):
                response = notify_over_http("sandbox", params, client)
                seen[(response.status_code, response.content)] += 1
        finally:
            connections.close_all()
            with lock:
                answers.update(seen)

    shares = [STORM // THREADS + (i < STORM % THREADS) for i in range(THREADS)]
    threads = [threading.Thread(target=send, args=(share,)) for share in shares]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    elapsed = time.monotonic() - started
    # then: every one answered "success" (Alipay stops sending), one transition, one entry, no deadlock
    assert not any(thread.is_alive() for thread in threads)
    assert answers == {(200, b"success"): STORM}, answers
    assert_applied_once(payment, booking)
    assert list(payment.events.values_list("to_status", flat=True)) == [PaymentStatus.PENDING, PaymentStatus.SUCCEEDED]
    # About 12 s alone on 2 cores (20+ s beside other suites); far more would mean requests queueing on a lock.
    assert elapsed < 60, f"{STORM} notifications took {elapsed:.1f} s"


def test_beat_runs_the_query_sweep_every_two_minutes_on_the_payments_queue(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["payments.payments-pending-query"]
    assert entry == {"task": "payments.tasks.payments_pending_query_task", "schedule": 120.0}
    for task in (entry["task"], "payments.tasks.payment_query_task"):
        assert settings.CELERY_TASK_ROUTES[task]["queue"].endswith("payments")
