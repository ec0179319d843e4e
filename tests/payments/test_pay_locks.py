"""POST /bookings/{id}/pay holds no lock and no transaction while the provider opens the trade (STYLE.md §8), with
and without an Idempotency-Key; what the same key gets while the first request is in flight, after it, after the
provider failed, and after the first request looked dead; a payment whose pay URL was never given out is reused or
closed, never left beside a second trade. Threaded tests on real PostgreSQL."""

import datetime as dt
import threading

import pytest
from django.db import connections, transaction
from django.utils import timezone

from bookings.models import Booking
from chefu.idempotency import IN_PROGRESS, IN_PROGRESS_TIMEOUT
from chefu.models import IdempotencyRecord
from payments import services
from payments.models import Payment, PaymentStatus
from payments.services import PaymentClosed
from tests.bookings.conftest import book, local, make_shop, tomorrow
from tests.conftest import ApiClient, error_code, issue_token
from tests.fakes.payment_providers import DOWN, GATE, GATED, WAIT_S

SANDBOX = "payments.providers.sandbox.SandboxProvider"


@pytest.fixture
def booking(owner):
    return book(owner, make_shop(), local(tomorrow() + dt.timedelta(days=2), 10))


@pytest.fixture
def provider(settings):
    """``provider(path)`` puts a sandbox variant in the sandbox's place (tests.fakes.payment_providers)."""
    GATE.reset()

    def use(path: str) -> None:
        settings.PAYMENT_PROVIDERS = {**settings.PAYMENT_PROVIDERS, "sandbox": path}

    yield use
    GATE.release.set()  # never leave a request thread waiting


def _key(key: str | None) -> dict | None:
    return {"Idempotency-Key": key} if key else None


class InFlight:
    """One pay request on its own thread (its own connection), blocked inside the provider's ``create``."""

    def __init__(self, token: str, booking: Booking, key: str | None):
        self.response = None
        self._thread = threading.Thread(target=self._run, args=(token, booking.pk, key))
        self._thread.start()
        assert GATE.entered.wait(WAIT_S), "the provider was never called"

    def _run(self, token, booking_id, key):
        try:
            self.response = ApiClient(token).post(
                f"bookings/{booking_id}/pay", {"provider": "sandbox"}, headers=_key(key)
            )
        finally:
            connections.close_all()

    def finish(self):
        GATE.release.set()
        self._thread.join(WAIT_S)
        assert not self._thread.is_alive()
        return self.response


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("key", [None, "pay-while-locked"])
def test_the_booking_row_is_free_while_the_provider_opens_the_trade(owner, booking, provider, key):
    provider(GATED)
    request = InFlight(issue_token(owner), booking, key)
    try:
        # when: the provider's create is in progress, another connection takes the rows it would fight over
        with transaction.atomic():
            locked = Booking.objects.select_for_update(nowait=True).get(pk=booking.pk)
            payment = Payment.objects.select_for_update(nowait=True).get(booking=booking)
        # then: nothing was locked, and the payment (and the key's reservation) were already committed
        assert locked.pk == booking.pk and payment.status == PaymentStatus.PENDING and payment.pay_url == ""
        if key:
            assert IdempotencyRecord.objects.get(key=key).status_code == IN_PROGRESS
    finally:
        response = request.finish()
    assert response.status_code == 201, response.json()
    assert response.json()["payment_id"] == payment.pk
    assert Payment.objects.get(pk=payment.pk).pay_url == response.json()["pay_url"] != ""
    if key:
        assert IdempotencyRecord.objects.get(key=key).status_code == 201


@pytest.mark.django_db(transaction=True)
def test_the_same_key_while_the_first_request_is_in_flight(owner, booking, provider):
    provider(GATED)
    token = issue_token(owner)
    request = InFlight(token, booking, "tap-tap")
    try:
        # when: the owner taps again (twice), and once more with another body
        again = [
            ApiClient(token).post(f"bookings/{booking.pk}/pay", {"provider": "sandbox"}, headers=_key("tap-tap"))
            for _ in range(2)
        ]
        other = ApiClient(token).post(
            f"bookings/{booking.pk}/pay", {"provider": "sandbox", "coupon": "X"}, headers=_key("tap-tap")
        )
    finally:
        first = request.finish()
    # then: told to come back, not answered twice; the provider was asked once
    for response in again:
        assert response.status_code == 409 and error_code(response) == "idempotency_in_progress"
        assert response["Retry-After"] == "2"
    assert other.status_code == 422 and error_code(other) == "idempotency_key_reused"
    assert first.status_code == 201 and GATE.calls == 1
    # and once it is done the same key replays the first answer
    replay = ApiClient(token).post(f"bookings/{booking.pk}/pay", {"provider": "sandbox"}, headers=_key("tap-tap"))
    assert replay.status_code == 201 and replay.json() == first.json()
    assert replay["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_open_one_payment(owner, booking):
    token = issue_token(owner)
    barrier = threading.Barrier(6)
    responses = [None] * 6

    def pay(i):
        try:
            barrier.wait()
            responses[i] = ApiClient(token).post(
                f"bookings/{booking.pk}/pay", {"provider": "sandbox"}, headers=_key("six-taps")
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pay, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert Payment.objects.count() == 1
    created = [r for r in responses if r.status_code == 201]
    assert created and all(r.json() == created[0].json() for r in created)
    assert all(error_code(r) == "idempotency_in_progress" for r in responses if r.status_code != 201)
    replay = ApiClient(token).post(f"bookings/{booking.pk}/pay", {"provider": "sandbox"}, headers=_key("six-taps"))
    assert replay.json() == created[0].json() and replay.json()["payment_id"] == Payment.objects.get().pk


@pytest.mark.django_db
def test_replay_after_success_returns_the_stored_answer(owner_client, booking):
    first = owner_client.post(f"bookings/{booking.pk}/pay", {"provider": "sandbox"}, headers=_key("k1"))
    again = owner_client.post(f"bookings/{booking.pk}/pay", {"provider": "sandbox"}, headers=_key("k1"))
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and first.json()["pay_url"]
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    record = IdempotencyRecord.objects.get(key="k1")
    assert record.status_code == 201 and record.response == first.json()
    assert Payment.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("key", [None, "down-1"])
def test_the_provider_down_fails_the_payment_and_frees_the_key(owner_client, booking, provider, key):
    provider(DOWN)
    # when
    response = owner_client.post(f"bookings/{booking.pk}/pay", {"provider": "sandbox"}, headers=_key(key))
    # then: 502, the payment failed with the reason in its timeline, the key kept nothing
    assert response.status_code == 502 and error_code(response) == "payment_provider_unavailable"
    failed = Payment.objects.get()
    assert response.json()["error"]["details"]["payment_id"] == failed.pk
    assert failed.status == PaymentStatus.FAILED and failed.pay_url == ""
    event = failed.events.get(to_status=PaymentStatus.FAILED)
    assert event.from_status == PaymentStatus.PENDING and event.details["type"] == "ProviderUnavailable"
    assert not IdempotencyRecord.objects.exists()
    # and a retry (with the same key) opens a new payment once the provider is back
    provider(SANDBOX)
    retry = owner_client.post(f"bookings/{booking.pk}/pay", {"provider": "sandbox"}, headers=_key(key))
    assert retry.status_code == 201 and retry.json()["payment_id"] != failed.pk and retry.json()["pay_url"]
    if key:
        replay = owner_client.post(f"bookings/{booking.pk}/pay", {"provider": "sandbox"}, headers=_key(key))
        assert replay.json() == retry.json()
    assert Payment.objects.filter(status=PaymentStatus.PENDING).count() == 1


@pytest.mark.django_db
def test_a_refusal_with_a_key_is_replayed(owner_client, booking):
    from bookings import services as booking_services

    booking_services.booking_expire(booking_id=booking.pk, now=booking.pay_before)
    first = owner_client.post(f"bookings/{booking.pk}/pay", {"provider": "sandbox"}, headers=_key("late"))
    again = owner_client.post(f"bookings/{booking.pk}/pay", {"provider": "sandbox"}, headers=_key("late"))
    assert first.status_code == again.status_code == 409 and error_code(again) == "booking_not_payable"
    assert again["Idempotent-Replayed"] == "true" and not Payment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("age_s, expected", [(5, 409), (IN_PROGRESS_TIMEOUT.total_seconds() + 5, 201)])
def test_a_reservation_left_by_a_dead_process_is_taken_over(owner, owner_client, booking, age_s, expected):
    # given: a reservation whose process never answered (its body: what the client sends again)
    from chefu.idempotency import _fingerprint

    body = {"provider": "sandbox"}
    IdempotencyRecord.objects.create(
        user=owner,
        scope=f"POST /bookings/{booking.pk}/pay",
        key="orphan",
        request_hash=_fingerprint(b'{"provider": "sandbox"}'),
        status_code=IN_PROGRESS,
        response={},
        created_at=timezone.now() - dt.timedelta(seconds=age_s),
    )
    # when
    response = owner_client.post(f"bookings/{booking.pk}/pay", body, headers=_key("orphan"))
    # then: a fresh one is waited for, an old one is taken over
    assert response.status_code == expected
    if expected == 201:
        assert IdempotencyRecord.objects.get(key="orphan").response == response.json()


@pytest.mark.django_db(transaction=True)
def test_taking_over_a_request_still_alive_opens_no_second_trade(owner, booking, provider):
    provider(GATED)
    token = issue_token(owner)
    first = InFlight(token, booking, "slow")
    try:
        # given: the first request is still waiting on the provider when its reservation looks abandoned
        old = timezone.now() - IN_PROGRESS_TIMEOUT - dt.timedelta(seconds=5)
        IdempotencyRecord.objects.filter(key="slow").update(created_at=old)
        GATE.entered.clear()
        # when: a retry with the key takes it over, and reaches the provider too
        second = InFlight(token, booking, "slow")
    finally:
        GATE.release.set()
    answers = [first.finish(), second.finish()]
    # then: both asked the provider for the one payment, so for one trade (its out_trade_no)
    payment = Payment.objects.get()
    assert GATE.calls == 2 and [a.status_code for a in answers] == [201, 201]
    assert {a.json()["payment_id"] for a in answers} == {payment.pk}
    assert payment.status == PaymentStatus.PENDING and payment.pay_url
    # and the key keeps the answer of the request that took it over
    assert IdempotencyRecord.objects.get(key="slow").response == answers[1].json()


@pytest.mark.django_db
@pytest.mark.parametrize("key", [None, "again"])
def test_paying_again_reuses_a_payment_whose_pay_url_was_never_given_out(owner, owner_client, booking, key):
    # given: a payment its request opened, then died before asking the provider
    unsent = services.payment_open(booking_id=booking.pk, owner=owner, provider="sandbox")
    # when
    response = owner_client.post(f"bookings/{booking.pk}/pay", {"provider": "sandbox"}, headers=_key(key))
    # then: the same payment, now with its pay URL; nothing new opened
    assert response.status_code == 201 and response.json()["payment_id"] == unsent.pk
    assert Payment.objects.get().pay_url == response.json()["pay_url"] != ""
    # but one whose pay URL was given out is left alone: paying again opens a new payment
    again = owner_client.post(f"bookings/{booking.pk}/pay", {"provider": "sandbox"})
    assert again.status_code == 201 and again.json()["payment_id"] != unsent.pk
    assert Payment.objects.filter(status=PaymentStatus.PENDING).count() == 2


@pytest.mark.django_db
def test_an_unsent_payment_charging_otherwise_is_closed_and_its_pay_url_never_given_out(owner, booking):
    from tests.payments.test_coupons import make_coupon

    make_coupon("NEW30")
    # given: a payment whose request is still asking the provider
    unsent = services.payment_open(booking_id=booking.pk, owner=owner, provider="sandbox")
    # when: the owner pays again, with a coupon this time
    newer = services.payment_open(booking_id=booking.pk, owner=owner, provider="sandbox", coupon="NEW30")
    # then: the earlier payment is closed, with why in its timeline
    unsent.refresh_from_db()
    assert newer.pk != unsent.pk and newer.discount > 0
    assert unsent.status == PaymentStatus.CLOSED
    event = unsent.events.get(to_status=PaymentStatus.CLOSED)
    assert event.from_status == PaymentStatus.PENDING and event.by == owner and "superseded" in event.reason
    # and when its provider call returns, its pay URL is not given out; the newer one's is
    with pytest.raises(PaymentClosed):
        services.payment_checkout(payment=unsent)
    assert Payment.objects.get(pk=unsent.pk).pay_url == ""
    assert services.payment_checkout(payment=newer).pay_url
