"""The demo's reviews are real ones: paid, completed bookings reviewed through the services."""

import io

import pytest
from django.core.management import call_command

from payments.reconciliation import mismatches
from reviews.models import ModerationAction, Reply, Review
from stores.models import Store

# The demo writes through the services: they commit as in production, so their events (ratings) follow.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committing")]


def test_the_demo_has_believable_verified_reviews_and_resets_cleanly():
    call_command("seed_demo", stores=8, quality=False, stdout=io.StringIO())
    reviews = Review.objects.all()
    assert reviews.count() >= 15
    assert all(r.booking.status == "completed" and r.booking.amount_paid >= r.booking.quote_total for r in reviews)
    assert reviews.filter(status="held").count() == 1 and reviews.filter(status="hidden").count() == 1
    assert ModerationAction.objects.filter(kind="hidden").exclude(reason="").exists()
    assert Reply.objects.exists() and any("师傅" in r.text or "价格" in r.text for r in reviews)
    first = Store.objects.order_by("id").first()
    assert first.review_count >= 7 and first.rating is not None
    assert mismatches() == []
    # and the reset clears money and reviews alike, then loads them again
    call_command("seed_demo", stores=8, reset=True, quality=False, stdout=io.StringIO())
    assert Review.objects.count() == reviews.count() and mismatches() == []
