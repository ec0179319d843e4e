"""The quality app's rules that live in the database: a published standard never changes, and one alert per open
condition."""

import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from quality.alerts import alert_acknowledge, alert_raise
from quality.models import Alert, AlertStatus, Standard, StandardItem
from tests.factories import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


def _draft(code="facility_test") -> Standard:
    standard = Standard.objects.create(
        code=code, category="facility", version=1, title_zh="测试标准", title_en="Test standard"
    )
    StandardItem.objects.create(standard=standard, code="lift", text_zh="举升机", text_en="Lift", weight=10)
    return standard


def test_a_draft_changes_freely_and_a_published_version_not_at_all():
    standard = _draft()
    item = standard.items.get()
    item.weight = 20
    item.save()
    StandardItem.objects.create(standard=standard, code="light", text_zh="照明", text_en="Light", weight=5)

    standard.published_at = timezone.now()
    standard.save()  # publishing is the draft's last change

    for change in (
        lambda: Standard.objects.filter(pk=standard.pk).update(title_en="Changed"),
        lambda: Standard.objects.filter(pk=standard.pk).delete(),
        lambda: StandardItem.objects.filter(pk=item.pk).update(weight=30),
        lambda: StandardItem.objects.filter(pk=item.pk).delete(),
        lambda: StandardItem.objects.create(standard=standard, code="new", text_zh="新", text_en="New", weight=1),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            change()
    item.refresh_from_db()
    assert item.weight == 20
    assert standard.items.count() == 2


def test_an_item_cannot_be_moved_into_a_published_standard():
    published = _draft("published_one")
    Standard.objects.filter(pk=published.pk).update(published_at=timezone.now())
    draft = _draft("draft_one")
    with pytest.raises(IntegrityError), transaction.atomic():
        StandardItem.objects.filter(standard=draft).update(standard=published)


def test_an_item_weight_is_between_1_and_100():
    standard = _draft()
    with pytest.raises(IntegrityError), transaction.atomic():
        StandardItem.objects.create(standard=standard, code="heavy", text_zh="重", text_en="Heavy", weight=101)


def test_a_condition_raises_one_open_alert_until_it_is_acknowledged():
    store = StoreFactory()
    first = alert_raise(key="sla:complaint:1:respond", code="complaint_sla", message="late", store_id=store.pk)
    assert first is not None
    assert alert_raise(key="sla:complaint:1:respond", code="complaint_sla", message="late again") is None
    assert Alert.objects.count() == 1

    qa = UserFactory()
    acked = alert_acknowledge(alert_id=first.pk, by=qa, note="called the store")
    assert (acked.status, acked.acked_by, acked.note) == (AlertStatus.ACKNOWLEDGED, qa, "called the store")
    again = alert_acknowledge(alert_id=first.pk, by=UserFactory(), note="later")
    assert (again.acked_by, again.note) == (qa, "called the store")  # the first acknowledgement stands

    assert alert_raise(key="sla:complaint:1:respond", code="complaint_sla", message="late once more") is not None
    assert Alert.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_raise_one_alert():
    barrier = threading.Barrier(2)
    raised = []

    def sweep():
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                raised.append(alert_raise(key="rule:1:store:1", code="rule", message="over", details={"v": "1"}))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(alert is not None for alert in raised) == 1
    assert Alert.objects.filter(key="rule:1:store:1").count() == 1
    assert Decimal("1") == Decimal(Alert.objects.get().details["v"])
