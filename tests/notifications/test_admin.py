"""The outbox in the Django admin (/django-admin/): read-only, with a "retry now" action."""

import pytest

from notifications.models import Message
from notifications.senders import SendFailed
from notifications.services import message_deliver, notify
from tests.factories import UserFactory
from tests.notifications.support import BOOKING_PARAMS

pytestmark = pytest.mark.django_db

URL = "/django-admin/notifications/message/"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(roles=["owner", "admin"], is_staff=True, is_superuser=True))
    return client


def test_the_outbox_is_listed_and_read_only(admin_client):
    (sms,) = notify(recipient=UserFactory(), template="booking_confirmed", params=BOOKING_PARAMS, channels=["sms"])

    assert admin_client.get(URL, {"q": sms.to}).status_code == 200
    detail = admin_client.get(f"{URL}{sms.pk}/change/")
    assert detail.status_code == 200
    assert b'name="body"' not in detail.content  # shown, not editable
    assert admin_client.get(f"{URL}add/").status_code == 403


def test_retry_now_requeues_a_message_that_gave_up(admin_client, recorder, queue):
    sms, in_app = notify(recipient=UserFactory(), template="booking_confirmed", params=BOOKING_PARAMS)
    recorder.fail_always = SendFailed("quota exceeded", permanent=True)
    message_deliver(message_id=sms.pk)

    response = admin_client.post(URL, {"action": "retry_now", "_selected_action": [sms.pk, in_app.pk]}, follow=True)

    assert response.status_code == 200
    assert "已将 1 条消息加入发送队列。" in response.content.decode()  # the back office speaks zh-Hans too
    sms.refresh_from_db()
    assert (sms.status, sms.gave_up, sms.attempts) == ("pending", False, 0)
    assert Message.objects.get(pk=in_app.pk).status == "pending"
