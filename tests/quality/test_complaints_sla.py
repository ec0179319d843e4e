"""The complaints' SLA sweep raises one alert per breach, however often it runs; two QA users resolving one complaint
at once make one resolution and one refund."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connections
from django.utils import timezone

from notifications.models import Message
from payments.models import Refund
from quality.alerts import alert_acknowledge
from quality.complaints import services
from quality.complaints.exceptions import ComplaintResolved
from quality.complaints.sla import complaints_sla_sweep
from quality.models import Alert, Complaint
from tests.bookings.conftest import manager_of
from tests.factories import UserFactory
from tests.payments.paying import pay
from tests.payments.test_settlements import complete, new_booking


def _done():
    booking = new_booking()
    manager_of(booking.store)
    pay(booking)
    return complete(booking)


def _file(booking, **kw) -> Complaint:
    return services.complaint_file(
        booking_id=booking.pk, owner=booking.owner, category="damage", description="车门划痕", **kw
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("committing")
def test_a_breach_raises_one_alert_and_one_escalation_not_one_per_sweep(qa_user):
    booking = _done()
    filed = timezone.now() - dt.timedelta(hours=25)
    complaint = _file(booking, now=filed)

    assert [complaints_sla_sweep() for _ in range(3)] == [1, 0, 0]
    [alert] = Alert.objects.all()
    assert (alert.key, alert.code, alert.store_id) == (
        f"complaint:{complaint.pk}:respond",
        "complaint_respond_overdue",
        booking.store_id,
    )
    complaint.refresh_from_db()
    assert complaint.escalated_at is not None
    assert [e.kind for e in complaint.events.all()] == ["filed", "escalated"]
    told = Message.objects.filter(template="complaint_escalated").values_list("recipient_id", flat=True)
    assert set(told) == {booking.store.memberships.get().user_id, qa_user.pk}
    assert len(told) == len(set(told))  # once each

    # Acknowledged, the breach still raises nothing new: it was acted on.
    alert_acknowledge(alert_id=alert.pk, by=qa_user, note="已电话催促门店")
    assert complaints_sla_sweep() == 0

    # 72 h on, unresolved: one alert of its own, again once.
    later = filed + dt.timedelta(hours=73)
    assert [complaints_sla_sweep(now=later) for _ in range(3)] == [1, 0, 0]
    assert Alert.objects.filter(key=f"complaint:{complaint.pk}:resolve").count() == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("committing")
def test_an_answer_in_time_or_a_resolution_stops_the_clocks(qa_user):
    booking = _done()
    filed = timezone.now() - dt.timedelta(hours=80)
    answered = _file(booking, now=filed)
    services.complaint_respond(
        complaint_id=answered.pk,
        by=booking.store.memberships.get().user,
        text="已处理",
        now=filed + dt.timedelta(hours=1),
    )
    other = _done()
    resolved = _file(other, now=filed)
    services.complaint_resolve(complaint_id=resolved.pk, by=qa_user, outcome="rejected", resolution="不成立")
    assert complaints_sla_sweep() == 1  # only the answered one, unresolved past 72 h
    assert list(Alert.objects.values_list("key", flat=True)) == [f"complaint:{answered.pk}:resolve"]


def test_the_sweep_runs_every_five_minutes_by_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["quality.complaints-sla"]
    assert (entry["task"], entry["schedule"]) == ("quality.tasks.complaints_sla_sweep_task", 300.0)


@pytest.mark.django_db(transaction=True)
def test_two_qa_users_resolving_at_once_make_one_resolution_and_one_refund():
    booking = _done()
    complaint = _file(booking)
    qa_users = [UserFactory(roles=["qa"]), UserFactory(roles=["qa"])]
    barrier = threading.Barrier(2)
    outcomes: list = []

    def resolve(user):
        try:
            barrier.wait()
            services.complaint_resolve(
                complaint_id=complaint.pk,
                by=user,
                outcome="upheld",
                resolution="门店责任",
                refund_amount=Decimal("120.00"),
            )
            outcomes.append("resolved")
        except ComplaintResolved:
            outcomes.append("refused")
        except Exception as error:
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=resolve, args=(user,)) for user in qa_users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["refused", "resolved"]
    assert list(Refund.objects.filter(booking=booking).values_list("amount", flat=True)) == [Decimal("120.00")]
    complaint.refresh_from_db()
    assert complaint.status == "resolved" and complaint.events.filter(kind="resolved").count() == 1
