"""Bookings in the Django admin: bookings are read-only history; a store's booking policy is edited there, saved
through ``booking_policy_set`` like the partner API's (only what the form changed, under the policy's row lock)."""

from decimal import Decimal

import pytest

from bookings.models import BookingPolicy
from tests.bookings.conftest import make_shop
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/django-admin/bookings/bookingpolicy/"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(roles=["owner", "admin"], is_staff=True, is_superuser=True))
    return client


def _form(store, **overrides) -> dict:
    form = {
        "store": str(store.pk),
        "slot_step_min": "15",
        "min_notice_min": "60",
        "horizon_days": "30",
        "buffer_min": "0",
        "pay_window_min": "15",
        "free_cancel_hours": "2",
        "cancel_fee_pct": "20.00",
    }
    return form | overrides


def test_a_policy_is_added_and_edited_in_the_admin(admin_client):
    store = make_shop()
    BookingPolicy.objects.filter(store=store).delete()
    # when
    added = admin_client.post(f"{URL}add/", _form(store, buffer_min="10"))
    # then
    assert added.status_code == 302, added.content.decode()[:2000]
    assert BookingPolicy.objects.get(store=store).buffer_min == 10
    # and when
    edited = admin_client.post(f"{URL}{store.pk}/change/", _form(store, buffer_min="10", cancel_fee_pct="35"))
    # then
    assert edited.status_code == 302, edited.content.decode()[:2000]
    policy = BookingPolicy.objects.get(store=store)
    assert (policy.buffer_min, policy.cancel_fee_pct) == (10, Decimal("35.00"))


def test_a_policy_out_of_range_is_refused(admin_client):
    store = make_shop()
    response = admin_client.post(f"{URL}add/", _form(store, slot_step_min="3"))
    assert response.status_code == 200 and "policy_step_range" in str(response.context["adminform"].form.errors)
    assert not BookingPolicy.objects.filter(store=store, slot_step_min=3).exists()
