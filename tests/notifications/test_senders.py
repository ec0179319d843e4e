import pytest

from notifications.services import message_deliver, notify
from tests.factories import UserFactory
from tests.notifications.support import BOOKING_PARAMS, FakeSmsProvider

pytestmark = pytest.mark.django_db


@pytest.fixture
def gateway(settings):
    settings.NOTIFICATION_SENDERS = {**settings.NOTIFICATION_SENDERS, "sms": "notifications.senders.SmsSender"}
    settings.NOTIFICATION_SMS_PROVIDER = "tests.notifications.support.FakeSmsProvider"
    FakeSmsProvider.requests = []
    yield FakeSmsProvider
    FakeSmsProvider.requests = []


def sms_to(phone: str):
    (sms,) = notify(
        recipient=UserFactory(phone=phone), template="booking_confirmed", params=BOOKING_PARAMS, channels=["sms"]
    )
    return sms


def test_a_provider_plugs_in_through_settings(gateway):
    sms = sms_to("13912345678")

    assert message_deliver(message_id=sms.pk) == "sent"

    assert gateway.requests == [{"phone": "13912345678", "text": sms.body, "out_id": str(sms.pk)}]
    sms.refresh_from_db()
    assert sms.provider_message_id == f"aliyun-{sms.pk}"


def test_an_sms_sender_without_a_provider_fails_and_will_retry(gateway, settings):
    settings.NOTIFICATION_SMS_PROVIDER = ""
    sms = sms_to("13912345678")

    assert message_deliver(message_id=sms.pk) == "failed"

    sms.refresh_from_db()
    assert not sms.gave_up
    assert "NOTIFICATION_SMS_PROVIDER" in sms.last_error
