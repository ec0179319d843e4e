"""Model factories. They write through the ORM only for setting up state; behaviour goes through services."""

import datetime as dt
import itertools
import re

import factory
from django.contrib.gis.geos import Point

from accounts.models import User, Vehicle
from stores.models import Bay, OpeningHours, Store

_phones = itertools.count(13800000000)

PASSWORD = "correct-horse-42"

# People's Square, Shanghai (WGS-84).
SHANGHAI = (31.2304, 121.4737)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    phone = factory.LazyFunction(lambda: str(next(_phones)))
    name = factory.Sequence(lambda n: f"用户{n}")
    roles = factory.LazyFunction(lambda: ["owner"])

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class VehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vehicle

    owner = factory.SubFactory(UserFactory)
    plate = factory.Sequence(lambda n: f"沪A{n % 100000:05d}")
    make = "大众"
    model = "朗逸"
    year = 2019
    mileage_km = 42000
    # The owner's first car is their default, as vehicle_create makes it.
    is_default = factory.LazyAttribute(lambda o: not Vehicle.objects.filter(owner=o.owner, is_default=True).exists())


class StoreFactory(factory.django.DjangoModelFactory):
    """A store open 08:30-19:00 every day with one bay serving every category it lists."""

    class Meta:
        model = Store
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"测试门店{n}")
    address = "上海市黄浦区人民大道100号"
    city = "上海"
    phone = "021-63210000"
    timezone = "Asia/Shanghai"
    status = "active"

    class Params:
        lat = None
        lng = None

    @factory.lazy_attribute
    def location(self):
        lat = self.lat if self.lat is not None else SHANGHAI[0]
        lng = self.lng if self.lng is not None else SHANGHAI[1]
        return Point(lng, lat, srid=4326)

    @factory.post_generation
    def categories(obj, create, extracted, **kwargs):
        codes = list(extracted) if extracted is not None else ["maintenance", "washing"]
        obj.categories.set(codes)
        bay = Bay.objects.create(store=obj, name="1号工位")
        bay.categories.set(codes)

    @factory.post_generation
    def hours(obj, create, extracted, **kwargs):
        rows = extracted if extracted is not None else [(d, dt.time(8, 30), dt.time(19, 0)) for d in range(7)]
        OpeningHours.objects.bulk_create(
            OpeningHours(store=obj, weekday=d, opens=opens, closes=closes) for d, opens, closes in rows
        )


def sms_code_sent(phone: str) -> str:
    """The code in the newest SMS the outbox holds for ``phone`` (the stored form), in the text its sender delivers
    (the row holds only a marker): what its owner reads on the phone. Tests get codes this way, never from a
    backdoor."""
    from notifications.models import Message
    from notifications.selectors import message_text

    message = Message.objects.filter(to=phone, template="sms_code").order_by("-created_at", "-pk").first()
    assert message is not None, f"no SMS code was sent to {phone}"
    text = message_text(message=message)
    assert text is not None, f"the code sent to {phone} has expired or was withdrawn"
    found = re.search(r"(?<!\d)(\d{6})(?!\d)", text)
    assert found, text
    return found.group(1)


def register_through_api(api, *, phone: str, password: str, name: str, **extra):
    """POST /auth/sms-code (register) then POST /auth/register with the code the SMS carried; the register
    response. ``phone`` in the stored form (11 digits)."""
    sent = api.post("auth/sms-code", {"phone": phone, "purpose": "register"}, **extra)
    assert sent.status_code == 202, sent.content
    payload = {"phone": phone, "code": sms_code_sent(phone), "password": password, "name": name}
    return api.post("auth/register", payload, **extra)
