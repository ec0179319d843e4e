"""Money in the Django admin: coupons are created and edited there; the rest is read-only history."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from payments.models import Coupon, PaymentAlert
from tests.factories import UserFactory
from tests.payments.test_settlements import complete, new_booking, pay

pytestmark = pytest.mark.django_db
URL = "/django-admin/payments/"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(roles=["owner", "admin"], is_staff=True, is_superuser=True))
    return client


def _coupon_form(**overrides) -> dict:
    now = timezone.localtime()
    form = {
        "code": " spring50 ",
        "name": "春季保养满300减50",
        "kind": "amount",
        "value": "50.00",
        "min_spend": "300.00",
        "valid_from_0": now.strftime("%Y-%m-%d"),
        "valid_from_1": "00:00:00",
        "valid_until_0": (now + dt.timedelta(days=30)).strftime("%Y-%m-%d"),
        "valid_until_1": "00:00:00",
        "per_user_limit": "1",
        "budget": "5000.00",
        "listed": "on",
        "is_active": "on",
        "redemptions-TOTAL_FORMS": "0",
        "redemptions-INITIAL_FORMS": "0",
    }
    return form | overrides


def test_the_platform_creates_a_coupon_in_the_admin(admin_client):
    response = admin_client.post(f"{URL}coupon/add/", _coupon_form())
    assert response.status_code == 302, response.content.decode()[:2000]
    coupon = Coupon.objects.get()
    assert (coupon.code, coupon.value, coupon.spent) == ("SPRING50", Decimal("50.00"), Decimal("0.00"))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "percent", "value": "120"}, "value"),
        ({"max_discount": "10.00"}, "max_discount"),
        ({"valid_until_0": "2020-01-01"}, "valid_until"),
    ],
)
def test_a_coupon_that_makes_no_sense_is_refused(admin_client, overrides, field):
    response = admin_client.post(f"{URL}coupon/add/", _coupon_form(**overrides))
    assert response.status_code == 200 and field in response.context["adminform"].form.errors
    assert not Coupon.objects.exists()


def test_money_history_is_listed_and_read_only(admin_client):
    booking = new_booking()
    payment = pay(booking)
    complete(booking)
    for model in ("payment", "refund", "journalentry", "statement", "paymentalert", "coupon"):
        assert admin_client.get(f"{URL}{model}/").status_code == 200, model
    assert admin_client.get(f"{URL}payment/{payment.pk}/change/").status_code == 200
    assert admin_client.get(f"{URL}payment/add/").status_code == 403
    assert admin_client.get(f"{URL}journalentry/add/").status_code == 403


def test_an_alert_is_marked_resolved(admin_client):
    alert = PaymentAlert.objects.create(code="refund_failed", details={})
    response = admin_client.post(
        f"{URL}paymentalert/", {"action": "mark_resolved", "_selected_action": [alert.pk]}, follow=True
    )
    assert response.status_code == 200
    alert.refresh_from_db()
    assert alert.resolved_at is not None


def test_editing_a_coupon_never_overwrites_what_payments_committed_meanwhile(admin_client):
    from payments.models import Coupon
    from tests.payments.test_coupons import make_coupon

    coupon = make_coupon()
    form = admin_client.get(f"{URL}coupon/{coupon.pk}/change/")
    assert form.status_code == 200
    Coupon.objects.filter(pk=coupon.pk).update(spent=Decimal("30.00"))  # a payment took it meanwhile
    posted = _coupon_form(code="NEW30", name="新名字", value="30.00", min_spend="100.00", budget="10000.00")
    response = admin_client.post(f"{URL}coupon/{coupon.pk}/change/", posted)
    assert response.status_code == 302, response.content.decode()[:2000]
    coupon.refresh_from_db()
    assert (coupon.name, coupon.spent) == ("新名字", Decimal("30.00"))


def test_resolving_alerts_keeps_the_time_of_those_already_resolved():
    from payments.services import alerts_resolve

    earlier = timezone.now() - dt.timedelta(days=1)
    old = PaymentAlert.objects.create(code="refund_failed", details={}, resolved_at=earlier)
    new = PaymentAlert.objects.create(code="amount_mismatch", details={})
    assert alerts_resolve(alert_ids=[old.pk, new.pk]) == 1
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.resolved_at == earlier and new.resolved_at is not None


def test_a_refund_shows_its_timeline(admin_client):
    from payments.models import Refund
    from payments.services import refund_request

    booking = new_booking()
    payment = pay(booking)
    refund = refund_request(payment=payment, amount=Decimal("10.00"), reason="complaint", cause="complaint:1")
    page = admin_client.get(f"{URL}refund/{refund.pk}/change/")
    assert page.status_code == 200
    assert Refund.objects.get(pk=refund.pk).events.get().to_status == "pending"
    assert 'name="events-TOTAL_FORMS" value="1"' in page.content.decode()
