"""A store's numbers and its Bayesian rating, on a known set of reviews; rating in search and on the store page."""

from decimal import Decimal

import pytest

from reviews import reputation, services
from tests.bookings.conftest import make_shop
from tests.conftest import ApiClient
from tests.factories import SHANGHAI
from tests.reviews.conftest import done_booking

# Services called directly commit as in production: their events reach the reputation and notifications.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committing")]


def _stars(**ratings):
    base = {"quality": 5, "attitude": 5, "timeliness": 5, "price_transparency": 5, "environment": 5}
    return base | ratings


def _review(store, ratings, *, text="", tags=(), hour=10):
    booking = done_booking(store, hour=hour)
    return services.review_create(booking_id=booking.pk, owner=booking.owner, ratings=ratings, text=text, tags=tags)


def test_the_bayesian_average_on_a_known_set(settings):
    settings.REVIEW_PRIOR_WEIGHT = 10
    a, b = make_shop(bays=3, name="A"), make_shop(name="B")
    _review(a, _stars(), hour=9)  # 5.00
    _review(a, _stars(), hour=11)  # 5.00
    _review(a, _stars(quality=4, attitude=4, timeliness=4), hour=13)  # 4.40
    _review(b, _stars(quality=1, attitude=1, timeliness=2, price_transparency=3, environment=3))  # 2.00
    # the platform mean: (5 + 5 + 4.4 + 2) / 4 = 4.10
    assert reputation.platform_mean() == Decimal("4.1")
    # B's rating was set when its review committed, against the prior as it then stood: (41 + 2) / 11
    b.refresh_from_db()
    assert b.rating == Decimal("3.91")
    reputation.ratings_refresh_all()
    a.refresh_from_db()
    b.refresh_from_db()
    # A: (10 × 4.10 + 14.40) / 13 = 4.2615…; B: (10 × 4.10 + 2.00) / 11 = 3.909…
    assert (a.rating, a.review_count) == (Decimal("4.26"), 3)
    assert (b.rating, b.review_count) == (Decimal("3.91"), 1)
    # the weight is a setting
    unweighted = reputation.bayesian(total=Decimal("14.40"), count=3, mean=Decimal("4.10"), weight=Decimal("0"))
    assert unweighted == Decimal("4.80")
    assert reputation.bayesian(total=Decimal("0"), count=0, mean=Decimal("4.10")) is None


def test_the_store_page_shows_the_breakdown_and_distribution():
    store = make_shop()
    _review(store, _stars(quality=4, attitude=4, timeliness=4, price_transparency=4, environment=4), hour=9)
    _review(store, _stars(quality=2, attitude=3, timeliness=2, price_transparency=3, environment=2), hour=11)
    body = ApiClient().get(f"stores/{store.pk}").json()
    assert body["review_count"] == 2
    assert body["rating_breakdown"] == {
        "quality": 3.0,
        "attitude": 3.5,
        "timeliness": 3.0,
        "price_transparency": 3.5,
        "environment": 3.0,
    }
    assert body["rating_distribution"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 0}  # 4.00 and 2.40
    assert body["hidden_review_count"] == 0


def test_search_sorts_and_filters_by_the_rating():
    # the better the shop, the farther: distance order is the reverse of rating order
    lat, lng = SHANGHAI
    good = make_shop(name="好店", lat=lat + 0.02, lng=lng)
    fair = make_shop(name="一般店", lat=lat + 0.01, lng=lng)
    make_shop(name="新店", lat=lat + 0.03, lng=lng)  # no review yet
    _review(good, _stars(), hour=9)
    _review(fair, _stars(quality=3, attitude=3, timeliness=3, price_transparency=3, environment=3), hour=9)
    reputation.ratings_refresh_all()
    params = {"lat": SHANGHAI[0], "lng": SHANGHAI[1], "sort": "rating"}
    items = ApiClient().get("stores/nearby", params).json()["items"]
    assert [i["name"] for i in items] == ["好店", "一般店", "新店"]  # unrated last
    assert items[0]["rating"] > items[1]["rating"] and items[2]["rating"] is None
    filtered = ApiClient().get("stores/nearby", params | {"min_rating": 4}).json()["items"]
    assert [i["name"] for i in filtered] == ["好店"]


def test_the_public_list_sorts_filters_and_never_shows_hidden_or_held(qa):
    store = make_shop(bays=3)
    best = _review(store, _stars(), tags=["skilled"], hour=9)
    worst = _review(store, _stars(quality=1, attitude=1, timeliness=1, price_transparency=1, environment=1), hour=11)
    middle = _review(store, _stars(quality=3, attitude=3, timeliness=3), text="还可以", hour=13)
    held = _review(store, _stars(), text="打13812345678", hour=15)
    services.review_hide(review_id=middle.pk, by=qa, reason="测试")
    services.review_restore(review_id=middle.pk, by=qa, reason="测试")
    hidden = _review(store, _stars(), hour=17)
    services.review_hide(review_id=hidden.pk, by=qa, reason="刷单")
    client = ApiClient()

    def ids(**params):
        body = client.get(f"stores/{store.pk}/reviews", params).json()
        return [r["id"] for r in body["items"]]

    assert ids() == [middle.pk, worst.pk, best.pk]  # newest first
    assert ids(sort="lowest") == [worst.pk, middle.pk, best.pk]
    assert ids(sort="highest") == [best.pk, middle.pk, worst.pk]
    assert ids(min_rating=3) == [middle.pk, best.pk]
    assert ids(tag="skilled") == [best.pk]
    assert ids(with_text=True) == [middle.pk]
    assert ids(limit=1, offset=1, sort="lowest") == [middle.pk]
    body = client.get(f"stores/{store.pk}/reviews").json()
    assert (body["count"], body["hidden_count"], body["held_count"]) == (3, 1, 1)
    assert held.pk not in ids() and hidden.pk not in ids()
    # the author is shown by the first character of their name only
    assert body["items"][0]["author"].endswith("*")


def test_a_store_the_public_cannot_see_has_no_public_reviews():
    store = make_shop()
    _review(store, _stars(), hour=9)
    store.status = "suspended"
    store.save(update_fields=["status"])
    assert ApiClient().get(f"stores/{store.pk}/reviews").status_code == 404


def test_the_public_list_costs_the_same_few_queries_whatever_the_page(django_assert_max_num_queries):
    store = make_shop(bays=3)
    for hour in (9, 11, 13):
        _review(store, _stars(), hour=hour)
    client = ApiClient()
    for limit in (1, 3):
        with django_assert_max_num_queries(5):
            assert len(client.get(f"stores/{store.pk}/reviews", {"limit": limit}).json()["items"]) == limit


def test_the_hourly_refresh_leaves_a_store_that_just_changed_alone():
    store = make_shop()
    _review(store, _stars(), hour=9)
    from stores.models import Store

    Store.objects.filter(pk=store.pk).update(rating=Decimal("1.00"), review_count=7)  # as if mid-change elsewhere
    reputation.ratings_refresh_all()
    store.refresh_from_db()
    assert (store.rating, store.review_count) == (Decimal("1.00"), 7)  # counts disagree: not this job's to overwrite


def test_a_demo_reset_is_refused_where_history_must_be_kept(settings):
    from django.core.management import CommandError, call_command

    settings.DEMO_RESET_ALLOWED = False
    _review(make_shop(), _stars(), hour=9)
    with pytest.raises(CommandError, match="DEMO_RESET_ALLOWED"):
        call_command("seed_demo", stores=2, reset=True, quality=False)
    assert reputation.Review.objects.count() == 1
