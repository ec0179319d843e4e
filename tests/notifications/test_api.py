"""GET /me/notifications, unread count, mark read: the owner's in-app messages."""

import datetime as dt

import pytest
from django.utils import timezone

from notifications.models import Message
from notifications.services import messages_cancel, notify
from tests.chefu.envelope import assert_error
from tests.factories import UserFactory
from tests.notifications.support import BOOKING_PARAMS

pytestmark = pytest.mark.django_db

URL = "me/notifications"


def in_app(user, *, booking_id="12", send_after=None, template="booking_confirmed") -> Message:
    (message,) = notify(
        recipient=user,
        template=template,
        params={**BOOKING_PARAMS, "booking_id": booking_id},
        ref=f"booking:{booking_id}",
        channels=["in_app"],
        send_after=send_after,
    )
    return message


def test_the_list_shows_the_users_in_app_messages_newest_first(owner, owner_client):
    old = in_app(owner, booking_id="1", send_after=timezone.now() - dt.timedelta(hours=1))
    new = in_app(owner, booking_id="2")
    notify(recipient=owner, template="booking_confirmed", params=BOOKING_PARAMS, channels=["sms"])  # not in-app
    in_app(UserFactory())  # someone else's

    response = owner_client.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [item["id"] for item in body["items"]] == [new.pk, old.pk]
    item = body["items"][0]
    assert set(item) == {"id", "template", "subject", "body", "ref", "created_at", "read_at"}
    assert item["template"] == "booking_confirmed"
    assert item["subject"] == "预约成功"
    assert item["body"].startswith("您在人民广场店预约的小保养（单号 2）已确认")
    assert item["ref"] == "booking:2"
    assert item["created_at"].endswith("+08:00")
    assert item["read_at"] is None


def test_a_reminder_is_listed_once_it_is_due_and_not_once_cancelled(owner, owner_client):
    later = in_app(owner, template="booking_reminder_2h", send_after=timezone.now() + dt.timedelta(hours=3))
    cancelled = in_app(owner, booking_id="13")
    messages_cancel(ref="booking:13")

    assert owner_client.get(URL).json() == {"items": [], "count": 0}

    Message.objects.filter(pk=later.pk).update(send_after=timezone.now())
    assert [i["id"] for i in owner_client.get(URL).json()["items"]] == [later.pk]
    assert_error(owner_client.post(f"{URL}/{cancelled.pk}/read"), 404, "not_found")


def test_unread_filter_and_mark_read(owner, owner_client):
    first = in_app(owner, booking_id="1", send_after=timezone.now() - dt.timedelta(minutes=5))
    second = in_app(owner, booking_id="2")

    response = owner_client.post(f"{URL}/{first.pk}/read")

    assert response.status_code == 200
    read_at = response.json()["read_at"]
    assert response.json()["id"] == first.pk and read_at is not None
    assert owner_client.post(f"{URL}/{first.pk}/read").json()["read_at"] == read_at  # the first read counts
    assert [i["id"] for i in owner_client.get(URL, {"unread": "true"}).json()["items"]] == [second.pk]
    assert [i["id"] for i in owner_client.get(URL, {"unread": "false"}).json()["items"]] == [first.pk]
    assert owner_client.get(f"{URL}/unread-count").json() == {"count": 1}


def test_pagination(owner, owner_client):
    ids = [in_app(owner, booking_id=str(i), send_after=timezone.now() - dt.timedelta(minutes=i)).pk for i in range(5)]

    body = owner_client.get(URL, {"limit": 2, "offset": 2}).json()

    assert body["count"] == 5
    assert [i["id"] for i in body["items"]] == ids[2:4]
    assert_error(owner_client.get(URL, {"limit": 101}), 422, "validation_error")


def test_another_users_message_is_not_found(owner_client):
    theirs = in_app(UserFactory())

    assert_error(owner_client.post(f"{URL}/{theirs.pk}/read"), 404, "not_found")
    assert_error(owner_client.post(f"{URL}/987654/read"), 404, "not_found")
    assert Message.objects.get(pk=theirs.pk).read_at is None


@pytest.mark.parametrize(("method", "path"), [("get", URL), ("get", f"{URL}/unread-count"), ("post", f"{URL}/1/read")])
def test_a_token_is_required(api, method, path):
    assert_error(getattr(api, method)(path), 401, "not_authenticated")


def test_the_list_costs_the_same_queries_however_many_messages(owner, owner_client, django_assert_num_queries):
    owner_client.get(URL)  # the token's first use is recorded once; not what this test counts
    for i in range(12):
        in_app(owner, booking_id=str(i))

    with django_assert_num_queries(3):  # the token, the count, the page
        response = owner_client.get(URL, {"unread": "true"})

    assert response.json()["count"] == 12
