"""A query parameter that names a status or another fixed choice is typed as that choice: a value outside it is a 422,
never a filter that quietly matches nothing."""

import pytest

from reviews import services as review_services
from reviews.models import QaFollowUp, QaFollowUpStatus
from tests.chefu.envelope import assert_error
from tests.reviews.conftest import RATINGS, done_booking
from web.api import api

# Query parameters that pick from a fixed list wherever they appear.
CHOICES = {"status", "sort", "tag", "kind", "purpose", "role", "coord", "result"}


def _choices_of(document: dict, schema: dict) -> list | None:
    if "$ref" in schema:
        return _choices_of(document, document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]])
    if "enum" in schema:
        return schema["enum"]
    for key in ("anyOf", "allOf", "oneOf"):
        for option in schema.get(key, []):
            if (found := _choices_of(document, option)) is not None:
                return found
    return None


def test_every_query_parameter_naming_a_choice_lists_its_values_in_the_document():
    document = api.get_openapi_schema()
    untyped = [
        f"{method.upper()} {path} ?{parameter['name']}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
        and parameter["name"] in CHOICES
        and not _choices_of(document, parameter["schema"])
    ]

    assert not untyped


@pytest.fixture
def follow_up(db):
    done = done_booking()
    review_services.review_create(
        booking_id=done.pk, owner=done.owner, ratings={k: 1 for k in RATINGS}, text="很差", tags=[]
    )
    return QaFollowUp.objects.get()


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["garbage", "OPEN", "opened", ""])
def test_qa_follow_ups_refuse_a_status_that_is_not_one(qa_client, follow_up, status):
    response = qa_client.get("qa/review-follow-ups", {"status": status})

    assert list(assert_error(response, 422, "validation_error")["details"]["fields"]) == ["status"]


@pytest.mark.django_db
def test_qa_follow_ups_are_filtered_by_a_real_status(qa_client, follow_up):
    open_ones = qa_client.get("qa/review-follow-ups").json()
    closed_ones = qa_client.get("qa/review-follow-ups", {"status": QaFollowUpStatus.CLOSED}).json()
    follow_up.status = QaFollowUpStatus.CLOSED
    follow_up.save(update_fields=["status"])
    every_one = qa_client.get("qa/review-follow-ups", {"status": "all"}).json()

    assert [item["id"] for item in open_ones["items"]] == [follow_up.pk]
    assert closed_ones["count"] == 0
    assert [item["id"] for item in every_one["items"]] == [follow_up.pk]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("stores/{store_id}/reviews", {"tag": "garbage"}),
        ("stores/{store_id}/reviews", {"sort": "garbage"}),
        ("bookings", {"status": "garbage"}),
        ("qa/applications", {"status": "garbage"}),
        ("qa/reviews", {"status": "garbage"}),
    ],
)
def test_other_lists_refuse_a_choice_that_is_not_one(qa_user, make_client, store, path, params):
    response = make_client(qa_user).get(path.format(store_id=store.pk), params)

    assert list(assert_error(response, 422, "validation_error")["details"]["fields"]) == list(params)


@pytest.mark.django_db
def test_a_store_s_reviews_are_filtered_by_a_real_tag(api):
    done = done_booking()
    review_services.review_create(booking_id=done.pk, owner=done.owner, ratings=RATINGS, text="", tags=["skilled"])

    tagged = api.get(f"stores/{done.store_id}/reviews", {"tag": "skilled"}).json()
    other = api.get(f"stores/{done.store_id}/reviews", {"tag": "dirty"}).json()

    assert tagged["count"] == 1 and other["count"] == 0
