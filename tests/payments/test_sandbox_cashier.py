"""The sandbox's pay page (GET/POST /api/v1/payments/sandbox/{out_trade_no}?<signed request>): what Alipay's cashier
is to an Alipay trade. Paying and closing go through a real worker that delivers the notification to the live server."""

import datetime as dt
import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.test import Client

from bookings.models import BookingStatus
from payments.models import Payment, PaymentStatus
from payments.providers.base import provider_get
from tests.bookings.conftest import book, local, make_shop, tomorrow
from tests.conftest import ApiClient, issue_token

DELIVER = "payments.tasks.sandbox_notify_deliver_task"


@pytest.fixture
def booking(owner):
    return book(owner, make_shop(), local(tomorrow() + dt.timedelta(days=2), 10))


def _pay_url(owner, booking) -> str:
    """The pay URL ``POST /bookings/{id}/pay`` answers, as a path with its query (the test client's form)."""
    response = ApiClient(issue_token(owner)).post(f"bookings/{booking.pk}/pay", {"provider": "sandbox"})
    assert response.status_code == 201, response.json()
    url = urlsplit(response.json()["pay_url"])
    return f"{url.path}?{url.query}"


def _with(url: str, **changes) -> str:
    path, _, query = url.partition("?")
    params = dict(parse_qsl(query)) | changes
    return f"{path}?{urlencode({k: v for k, v in params.items() if v is not None})}"


def _press(url: str, action: str):
    """Open the page in a browser-like client (CSRF checks on) and press one of its buttons."""
    client = Client(enforce_csrf_checks=True)
    page = client.get(url)
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    return client.post(url, {"csrfmiddlewaretoken": token, "action": action})


@pytest.mark.django_db
def test_the_page_shows_the_signed_order_with_pay_and_cancel(owner, booking):
    url = _pay_url(owner, booking)
    payment = Payment.objects.get(booking=booking)

    response = Client().get(url)

    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert f"车服预约 {booking.pk}" in html or f"Chefu booking {booking.pk}" in html
    assert "¥299.00" in html and payment.out_trade_no in html
    assert 'value="pay"' in html and 'value="close"' in html


@pytest.mark.django_db
def test_the_pay_url_brings_the_payer_back_to_the_bookings_order_page(owner, booking):
    url = _pay_url(owner, booking)
    payment = Payment.objects.get(booking=booking)
    return_url = dict(parse_qsl(url.partition("?")[2]))["return_url"]
    assert return_url == f"http://testserver/me/bookings/{booking.pk}/?payment={payment.pk}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"sign": None},  # unsigned
        {"sign": "AAAA"},  # not a signature
        {"return_url": "https://elsewhere.example/"},  # signed, then changed
        {"biz_content": '{"out_trade_no":"X","total_amount":"0.01","subject":"x"}'},
        {"app_id": "2021999999999999"},
    ],
    ids=["unsigned", "garbage", "return_url", "biz_content", "app_id"],
)
def test_a_request_that_does_not_verify_is_refused_and_nothing_is_queued(
    owner, booking, change, django_capture_on_commit_callbacks
):
    url = _with(_pay_url(owner, booking), **change)
    client = Client()

    with django_capture_on_commit_callbacks() as queued:
        shown = client.get(url)
        pressed = client.post(url, {"action": "pay"})

    assert shown.status_code == pressed.status_code == 400
    assert shown["Content-Type"].startswith("text/html") and 'value="pay"' not in shown.content.decode()
    assert queued == []
    assert Payment.objects.get(booking=booking).status == PaymentStatus.PENDING


@pytest.mark.django_db
def test_a_signed_request_for_another_trade_is_refused(owner, booking, django_capture_on_commit_callbacks):
    url = _pay_url(owner, booking)
    _, _, query = url.partition("?")
    with django_capture_on_commit_callbacks() as queued:
        response = Client().post(f"/api/v1/payments/sandbox/CF0000000001AAAAAAAAAA?{query}", {"action": "pay"})
    assert response.status_code == 400 and queued == []


@pytest.mark.django_db
def test_the_page_is_not_there_when_the_sandbox_is_off(owner, booking, settings, django_capture_on_commit_callbacks):
    url = _pay_url(owner, booking)
    settings.PAYMENT_SANDBOX_ENABLED = False
    client = Client()
    with django_capture_on_commit_callbacks() as queued:
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "pay"}).status_code == 404
    assert queued == []


@pytest.mark.django_db
def test_a_post_without_the_csrf_token_is_refused(owner, booking, django_capture_on_commit_callbacks):
    url = _pay_url(owner, booking)
    with django_capture_on_commit_callbacks() as queued:
        response = Client(enforce_csrf_checks=True).post(url, {"action": "pay"})
    assert response.status_code == 403 and queued == []


@pytest.mark.django_db
def test_an_unknown_button_is_refused(owner, booking, django_capture_on_commit_callbacks):
    url = _pay_url(owner, booking)
    with django_capture_on_commit_callbacks() as queued:
        assert Client().post(url, {"action": "refund"}).status_code == 400
    assert queued == []


@pytest.mark.django_db
def test_without_a_return_url_the_page_says_it_is_done(owner, booking, django_capture_on_commit_callbacks):
    # given a pay URL signed without return_url, for a trade we know
    _pay_url(owner, booking)
    payment = Payment.objects.get(booking=booking)
    created = provider_get("sandbox").create(
        out_trade_no=payment.out_trade_no, amount=payment.amount, subject="x", notify_url="http://testserver/n"
    )
    url = urlsplit(created.pay_url)
    # when
    with django_capture_on_commit_callbacks() as queued:
        response = _press(f"{url.path}?{url.query}", "pay")
    # then the notification is queued, and the page says so
    assert response.status_code == 200 and 'data-state="sent"' in response.content.decode()
    assert len(queued) == 1


transactional = pytest.mark.django_db(transaction=True)


@transactional
def test_pay_delivers_a_notification_that_confirms_the_booking(celery_worker, live_server, settings, owner, booking):
    # given the notify URL is this test's live server, and the pay URL the owner was given
    settings.PAYMENT_NOTIFY_BASE_URL = live_server.url
    url = _pay_url(owner, booking)
    payment = Payment.objects.get(booking=booking)

    # when the payer presses 付款
    response = _press(url, "pay")

    # then they are sent back to the booking's order page, and the worker's notification confirms the booking
    assert response.status_code == 302
    assert response["Location"] == f"{live_server.url}/me/bookings/{booking.pk}/?payment={payment.pk}"
    celery_worker.wait_for(lambda: Payment.objects.get(pk=payment.pk).status == PaymentStatus.SUCCEEDED, timeout=20)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED and booking.amount_paid == payment.amount
    assert [run.state for run in celery_worker.wait_for_task(DELIVER)] == ["SUCCESS"]

    # and the page now shows the order paid, without buttons, and refuses to pay it again
    page = Client().get(url)
    assert 'data-state="succeeded"' in page.content.decode() and 'value="pay"' not in page.content.decode()
    assert Client().post(url, {"action": "pay"}).status_code == 409


@transactional
def test_cancel_closes_the_payment_and_the_booking_still_owes(celery_worker, live_server, settings, owner, booking):
    settings.PAYMENT_NOTIFY_BASE_URL = live_server.url
    url = _pay_url(owner, booking)
    payment = Payment.objects.get(booking=booking)

    response = _press(url, "close")

    assert response.status_code == 302
    celery_worker.wait_for(lambda: Payment.objects.get(pk=payment.pk).status == PaymentStatus.CLOSED, timeout=20)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING_PAYMENT and booking.amount_paid == 0
    assert 'data-state="closed"' in Client().get(url).content.decode()
