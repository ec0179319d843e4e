import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings import services
from bookings.exceptions import ChecklistIncomplete, InvalidTransition, SlotUnavailable
from bookings.lock_objects import booking_lock
from bookings.models import ALLOWED_TRANSITIONS, Booking, BookingEvent, BookingPolicy, BookingStatus
from catalog.models import Service
from catalog.quotes import quote_build
from chefu.errors import ValidationFailed
from notifications.models import Message
from stores.models import Closure
from tests.bookings.conftest import another_owner, book, confirmed, local, make_shop, tomorrow
from tests.factories import UserFactory, VehicleFactory

# Services called directly commit as in production: their events reach payments and notifications.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committing")]


def test_booking_holds_a_bay_with_the_quote_and_the_price_version(owner, car, shop, minor):
    # given
    now = timezone.now()
    start = local(tomorrow(), 10)
    # when
    booking = services.booking_create(owner=owner, store=shop, service=minor, vehicle=car, start=start, now=now)
    # then
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING_PAYMENT
    assert booking.start == start and booking.end == start + dt.timedelta(minutes=60)
    assert booking.blocks_until == booking.end
    assert booking.pay_before == now + dt.timedelta(minutes=15)
    assert booking.bay.store_id == shop.pk
    quote = quote_build(store=shop, service=minor, vehicle=car)
    assert booking.offering_version_id == quote.version.pk
    assert booking.quote_total == quote.total == Decimal("299.00")
    assert booking.quote["total"] == "299.00" and booking.quote["lines"][0]["kind"] == "labour"
    assert booking.checklist and all({"code", "label_zh", "label_en", "required"} <= set(i) for i in booking.checklist)
    event = BookingEvent.objects.get(booking=booking)
    assert (event.from_status, event.to_status, event.by_id, event.by_role) == (
        "",
        BookingStatus.PENDING_PAYMENT,
        owner.pk,
        "owner",
    )


def test_the_cleaning_buffer_is_held_with_the_job(owner, shop):
    BookingPolicy.objects.create(store=shop, buffer_min=15)
    booking = book(owner, shop, local(tomorrow(), 10))
    assert booking.blocks_until == booking.end + dt.timedelta(minutes=15)


@pytest.mark.parametrize(
    ("hh", "mm", "why"),
    [
        (10, 7, "off the grid"),
        (11, 30, "runs into lunch"),
        (12, 30, "lunch"),
        (17, 15, "past closing"),
        (7, 0, "early"),
    ],
)
def test_a_start_the_store_does_not_offer_is_refused_and_nothing_is_written(owner, car, shop, minor, hh, mm, why):
    with pytest.raises(ValidationFailed) as exc:
        services.booking_create(owner=owner, store=shop, service=minor, vehicle=car, start=local(tomorrow(), hh, mm))
    assert "start" in exc.value.details["fields"], why
    assert not Booking.objects.exists()


def test_notice_and_horizon_are_the_stores(owner, car, shop, minor):
    BookingPolicy.objects.create(store=shop, min_notice_min=24 * 60, horizon_days=3)
    now = local(tomorrow(), 9)
    for start in (local(tomorrow(), 10), local(tomorrow() + dt.timedelta(days=3), 10)):
        with pytest.raises(ValidationFailed):
            services.booking_create(owner=owner, store=shop, service=minor, vehicle=car, start=start, now=now)
    ok = services.booking_create(
        owner=owner, store=shop, service=minor, vehicle=car, start=local(tomorrow() + dt.timedelta(days=1), 10), now=now
    )
    assert ok.pk


def test_bays_fill_up_then_the_slot_is_unavailable(owner, shop):
    start = local(tomorrow(), 10)
    first, second = book(owner, shop, start), book(another_owner(), shop, start)
    assert {first.bay_id, second.bay_id} == set(shop.bays.values_list("id", flat=True))
    with pytest.raises(SlotUnavailable):
        book(another_owner(), shop, start + dt.timedelta(minutes=30))
    assert Booking.objects.count() == 2


def test_a_bay_closure_takes_that_bay_out(owner, shop):
    start = local(tomorrow(), 10)
    bay = shop.bays.order_by("id").first()
    Closure.objects.create(
        store=shop, bay=bay, starts_at=start, ends_at=start + dt.timedelta(hours=1), reason="举升机维修"
    )
    booking = book(owner, shop, start)
    assert booking.bay_id != bay.pk
    with pytest.raises(SlotUnavailable):
        book(another_owner(), shop, start)


def test_the_database_refuses_overlap_on_a_bay_whatever_the_code_does(owner, shop):
    booking = book(owner, shop, local(tomorrow(), 10))
    clone = Booking.objects.get(pk=booking.pk)
    clone.pk = None
    clone.start = booking.start + dt.timedelta(minutes=59)
    clone.end = clone.blocks_until = clone.start + dt.timedelta(minutes=60)
    with pytest.raises(IntegrityError) as exc, transaction.atomic():
        clone.save()
    assert exc.value.__cause__.pgcode == "23P01"
    # Bookings that no longer hold the bay do not block it; touching ranges do not overlap.
    Booking.objects.filter(pk=booking.pk).update(status=BookingStatus.CANCELLED)
    clone.save()
    touching = Booking.objects.get(pk=clone.pk)
    touching.pk, touching.start = None, clone.end
    touching.end = touching.blocks_until = touching.start + dt.timedelta(minutes=60)
    touching.save()
    assert Booking.objects.filter(status=BookingStatus.PENDING_PAYMENT).count() == 2


def test_the_database_refuses_a_changed_quote(owner, shop):
    booking = book(owner, shop, local(tomorrow(), 10))
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.filter(pk=booking.pk).update(quote_total=Decimal("1.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.filter(pk=booking.pk).update(quote={"lines": [], "total": "1.00"})


ILLEGAL = [
    (a, b) for a, b in itertools.product(BookingStatus.values, BookingStatus.values) if b not in ALLOWED_TRANSITIONS[a]
]


@pytest.mark.parametrize(("from_status", "to_status"), ILLEGAL)
def test_every_illegal_transition_is_refused(owner, shop, from_status, to_status):
    booking = book(owner, shop, local(tomorrow(), 10))
    Booking.objects.filter(pk=booking.pk).update(status=from_status)
    events = BookingEvent.objects.count()
    with pytest.raises(InvalidTransition) as exc, transaction.atomic():
        services.booking_transition(
            booking=booking_lock(booking.pk), to=to_status, by=owner, by_role="owner", reason="test"
        )
    assert exc.value.code == "invalid_transition" and exc.value.status == 409
    booking.refresh_from_db()
    assert booking.status == from_status and BookingEvent.objects.count() == events


def test_the_happy_path_leaves_a_timeline(owner, shop, shop_manager):
    booking = book(owner, shop, local(tomorrow(), 10))
    confirmed(booking)
    # the car comes at its start: the floor's steps are dated from then on
    at = booking.start
    services.booking_check_in(booking_id=booking.pk, by=shop_manager, now=at)
    services.booking_start(booking_id=booking.pk, by=shop_manager, now=at + dt.timedelta(minutes=5))
    with pytest.raises(ChecklistIncomplete) as exc:
        services.booking_complete(booking_id=booking.pk, by=shop_manager, now=at + dt.timedelta(minutes=50))
    required = [i["code"] for i in booking.checklist if i["required"]]
    assert exc.value.details["missing"] == required
    from bookings.models import ChecklistAnswer

    ChecklistAnswer.objects.bulk_create(ChecklistAnswer(booking=booking, code=c, result="pass") for c in required)
    services.booking_complete(booking_id=booking.pk, by=shop_manager, now=at + dt.timedelta(minutes=55))
    rows = list(BookingEvent.objects.filter(booking=booking).values_list("from_status", "to_status", "by_role"))
    assert rows == [
        ("", BookingStatus.PENDING_PAYMENT, "owner"),
        (BookingStatus.PENDING_PAYMENT, BookingStatus.CONFIRMED, "system"),
        (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, "store"),
        (BookingStatus.CHECKED_IN, BookingStatus.IN_SERVICE, "store"),
        (BookingStatus.IN_SERVICE, BookingStatus.COMPLETED, "store"),
    ]


def test_expiry_frees_the_bay_and_tells_the_owner(owner, shop):
    start = local(tomorrow(), 10)
    booking = book(owner, shop, start)
    book(another_owner(), shop, start)
    assert services.booking_expire(booking_id=booking.pk) is None  # not yet due
    later = booking.pay_before + dt.timedelta(seconds=1)
    assert services.booking_expire(booking_id=booking.pk, now=later).status == BookingStatus.EXPIRED
    assert services.booking_expire(booking_id=booking.pk, now=later) is None  # harmless twice
    assert book(another_owner(), shop, start).bay_id == booking.bay_id
    assert Message.objects.filter(recipient=owner, template="booking_expired", ref=f"booking:{booking.pk}").exists()


def test_the_sweep_expires_only_what_is_due(owner, shop):
    due = book(owner, shop, local(tomorrow(), 10))
    not_due = book(owner, shop, local(tomorrow(), 14))
    Booking.objects.filter(pk=due.pk).update(pay_before=timezone.now() - dt.timedelta(seconds=1))
    assert services.bookings_expire_due() == 1
    assert Booking.objects.get(pk=due.pk).status == BookingStatus.EXPIRED
    assert Booking.objects.get(pk=not_due.pk).status == BookingStatus.PENDING_PAYMENT


def test_confirmation_writes_the_message_and_both_reminders(owner, shop):
    booking = confirmed(book(owner, shop, local(tomorrow() + dt.timedelta(days=2), 10)))
    rows = {(m.template, m.send_after) for m in Message.objects.filter(ref=f"booking:{booking.pk}", channel="sms")}
    assert ("booking_reminder_24h", booking.start - dt.timedelta(hours=24)) in rows
    assert ("booking_reminder_2h", booking.start - dt.timedelta(hours=2)) in rows
    assert any(t == "booking_confirmed" for t, _ in rows)


@pytest.mark.parametrize(
    ("hours_before", "by_store", "fee", "refund"),
    [(30, False, "0.00", "299.00"), (1, False, "59.80", "239.20"), (1, True, "0.00", "299.00")],
)
def test_cancellation_follows_the_store_policy(owner, shop, shop_manager, hours_before, by_store, fee, refund):
    booking = confirmed(book(owner, shop, local(tomorrow() + dt.timedelta(days=3), 10)))
    Booking.objects.filter(pk=booking.pk).update(amount_paid=Decimal("299.00"))  # as the payments app will
    now = booking.start - dt.timedelta(hours=hours_before)
    by = shop_manager if by_store else owner
    cancelled = services.booking_cancel(booking_id=booking.pk, by=by, reason="有事", by_store=by_store, now=now)
    assert cancelled.status == BookingStatus.CANCELLED
    assert (cancelled.cancellation_fee, cancelled.refund_due) == (Decimal(fee), Decimal(refund))
    reminders = Message.objects.filter(ref=f"booking:{booking.pk}", template__startswith="booking_reminder")
    assert set(reminders.values_list("status", flat=True)) == {"cancelled"}
    told = Message.objects.filter(ref=f"booking:{booking.pk}", template="booking_cancelled_by_store").exists()
    assert told == by_store


def test_an_owner_cannot_cancel_once_checked_in(owner, shop, shop_manager):
    booking = confirmed(book(owner, shop, local(tomorrow(), 10)))
    services.booking_check_in(booking_id=booking.pk, by=shop_manager, now=booking.start)
    with pytest.raises(InvalidTransition):
        services.booking_cancel(booking_id=booking.pk, by=owner, reason="")
    assert services.booking_cancel(booking_id=booking.pk, by=shop_manager, reason="设备故障", by_store=True).status == (
        BookingStatus.CANCELLED
    )


def test_reschedule_may_overlap_its_own_slot_on_a_one_bay_shop(owner):
    store = make_shop(bays=1)
    booking = book(owner, store, local(tomorrow(), 10))
    moved = services.booking_reschedule(booking_id=booking.pk, by=owner, start=local(tomorrow(), 10, 30))
    assert (moved.start, moved.bay_id) == (local(tomorrow(), 10, 30), booking.bay_id)
    event = BookingEvent.objects.filter(booking=booking, action="reschedule").get()
    assert event.details["from_start"] == local(tomorrow(), 10).isoformat()
    # the old slot is free again
    assert book(another_owner(), store, local(tomorrow(), 9)).pk


def test_reschedule_to_a_taken_slot_keeps_the_old_one(owner):
    store = make_shop(bays=1)
    booking = book(owner, store, local(tomorrow(), 10))
    book(another_owner(), store, local(tomorrow(), 14))
    with pytest.raises(SlotUnavailable):
        services.booking_reschedule(booking_id=booking.pk, by=owner, start=local(tomorrow(), 14, 30))
    booking.refresh_from_db()
    assert booking.start == local(tomorrow(), 10)
    assert not BookingEvent.objects.filter(booking=booking, action="reschedule").exists()


def test_reminders_follow_the_new_time(owner, shop):
    booking = confirmed(book(owner, shop, local(tomorrow() + dt.timedelta(days=2), 10)))
    new_start = local(tomorrow() + dt.timedelta(days=3), 15)
    services.booking_reschedule(booking_id=booking.pk, by=owner, start=new_start)
    live = Message.objects.filter(
        ref=f"booking:{booking.pk}", template__startswith="booking_reminder", channel="sms"
    ).exclude(status="cancelled")
    assert sorted(m.send_after for m in live) == [new_start - dt.timedelta(hours=24), new_start - dt.timedelta(hours=2)]


def test_no_show_only_after_the_start(owner, shop, shop_manager):
    booking = confirmed(book(owner, shop, local(tomorrow(), 10)))
    with pytest.raises(InvalidTransition):
        services.booking_no_show(booking_id=booking.pk, by=shop_manager)
    after = booking.start + dt.timedelta(minutes=1)
    assert services.booking_no_show(booking_id=booking.pk, by=shop_manager, now=after).status == BookingStatus.NO_SHOW


def test_someone_elses_vehicle_is_not_found(owner, shop, minor):
    from chefu.errors import NotFound

    stranger_car = VehicleFactory(owner=UserFactory())
    with pytest.raises(NotFound):
        services.booking_create(
            owner=owner, store=shop, service=minor, vehicle=stranger_car, start=local(tomorrow(), 10)
        )


@pytest.mark.parametrize("ending", ["complete", "store_cancel"])
def test_extra_work_still_awaiting_the_owner_lapses_when_the_booking_ends(owner, shop, shop_manager, ending):
    from bookings.models import ChecklistAnswer, Supplement
    from bookings.selectors import amount_due
    from bookings.supplements import supplement_propose

    booking = confirmed(book(owner, shop, local(tomorrow(), 10)))
    services.booking_check_in(booking_id=booking.pk, by=shop_manager, now=booking.start)
    if ending == "complete":
        services.booking_start(booking_id=booking.pk, by=shop_manager)
    lines = [{"description": "更换空调滤芯", "qty": "1", "unit_price": "80.00"}]
    supplement = supplement_propose(booking_id=booking.pk, by=shop_manager, reason="滤芯发黑", lines=lines)
    if ending == "complete":
        ChecklistAnswer.objects.bulk_create(
            ChecklistAnswer(booking=booking, code=i["code"], result="pass") for i in booking.checklist
        )
        services.booking_complete(booking_id=booking.pk, by=shop_manager)
    else:
        services.booking_cancel(booking_id=booking.pk, by=shop_manager, reason="设备故障", by_store=True)
    supplement.refresh_from_db()
    assert supplement.status == "rejected" and supplement.decided_by_id is None and supplement.decision_note
    booking.refresh_from_db()
    assert amount_due(booking) == booking.quote_total
    with pytest.raises(IntegrityError), transaction.atomic():
        Supplement.objects.filter(pk=supplement.pk).update(status="approved")


def test_rescheduling_does_not_reopen_free_cancellation(owner, shop):
    # given: a paid booking inside the late window (free until 2 h before)
    booking = confirmed(book(owner, shop, local(tomorrow() + dt.timedelta(days=1), 10)))
    Booking.objects.filter(pk=booking.pk).update(amount_paid=Decimal("299.00"))
    late = booking.start - dt.timedelta(minutes=90)
    # when: moved a week out, then cancelled at once
    services.booking_reschedule(
        booking_id=booking.pk, by=owner, start=local(tomorrow() + dt.timedelta(days=7), 10), now=late
    )
    cancelled = services.booking_cancel(booking_id=booking.pk, by=owner, reason="", now=late)
    # then: still the late fee
    assert (cancelled.cancellation_fee, cancelled.refund_due) == (Decimal("59.80"), Decimal("239.20"))


def test_an_early_reschedule_moves_the_free_window_with_the_booking(owner, shop):
    booking = book(owner, shop, local(tomorrow() + dt.timedelta(days=1), 10))
    new_start = local(tomorrow() + dt.timedelta(days=5), 15)
    moved = services.booking_reschedule(booking_id=booking.pk, by=owner, start=new_start)
    assert moved.cancel_free_until == new_start - dt.timedelta(hours=2)


def test_cancellation_terms_are_the_ones_agreed_at_booking(owner, shop):
    booking = confirmed(book(owner, shop, local(tomorrow() + dt.timedelta(days=3), 10)))
    Booking.objects.filter(pk=booking.pk).update(amount_paid=Decimal("299.00"))
    services.booking_policy_set(store=shop, free_cancel_hours=168, cancel_fee_pct=Decimal("100"))
    cancelled = services.booking_cancel(
        booking_id=booking.pk, by=owner, reason="", now=booking.start - dt.timedelta(hours=30)
    )
    assert cancelled.cancellation_fee == Decimal("0.00")


def test_an_owner_cannot_cancel_once_the_start_has_passed(owner, shop, shop_manager):
    booking = confirmed(book(owner, shop, local(tomorrow(), 10)))
    with pytest.raises(InvalidTransition):
        services.booking_cancel(booking_id=booking.pk, by=owner, reason="", now=booking.start + dt.timedelta(hours=3))
    assert services.booking_no_show(
        booking_id=booking.pk, by=shop_manager, now=booking.start + dt.timedelta(hours=3)
    ).status == (BookingStatus.NO_SHOW)


def test_reminders_follow_the_current_start_whatever_order_the_events_arrive_in(owner, shop):
    """A retried or late delivery of an earlier event (the confirmation, the first move) neither withdraws the
    reminders of the start the booking has now nor adds a second set."""
    from bookings.events import BookingConfirmed, BookingRescheduled
    from bookings.subscribers import booking_confirmed_tell, booking_rescheduled_tell

    first = local(tomorrow() + dt.timedelta(days=2), 10)
    booking = confirmed(book(owner, shop, first))
    services.booking_reschedule(booking_id=booking.pk, by=owner, start=local(tomorrow() + dt.timedelta(days=3), 14))
    last = local(tomorrow() + dt.timedelta(days=3), 15)
    services.booking_reschedule(booking_id=booking.pk, by=owner, start=last)

    booking_rescheduled_tell(BookingRescheduled(booking_id=booking.pk, from_start=first, to_start=last, generation=1))
    booking_confirmed_tell(BookingConfirmed(booking_id=booking.pk, kind="standard"))

    live = Message.objects.filter(ref=f"booking:{booking.pk}", template__startswith="booking_reminder", channel="sms")
    live = live.exclude(status="cancelled")
    assert sorted(m.send_after for m in live) == [last - dt.timedelta(hours=24), last - dt.timedelta(hours=2)]


def test_reminders_survive_a_reschedule_back_to_an_earlier_start(owner, shop):
    first = local(tomorrow() + dt.timedelta(days=3), 14)
    booking = confirmed(book(owner, shop, first))
    services.booking_reschedule(booking_id=booking.pk, by=owner, start=local(tomorrow() + dt.timedelta(days=3), 15))
    services.booking_reschedule(booking_id=booking.pk, by=owner, start=first)
    live = Message.objects.filter(ref=f"booking:{booking.pk}", template__startswith="booking_reminder", channel="sms")
    live = live.exclude(status="cancelled")
    assert sorted(m.send_after for m in live) == [first - dt.timedelta(hours=24), first - dt.timedelta(hours=2)]


def test_reminders_are_withdrawn_when_the_car_arrives(owner, shop, shop_manager):
    booking = confirmed(book(owner, shop, local(tomorrow() + dt.timedelta(days=2), 10)))
    services.booking_check_in(booking_id=booking.pk, by=shop_manager, now=booking.start)
    reminders = Message.objects.filter(ref=f"booking:{booking.pk}", template__startswith="booking_reminder")
    assert reminders.exists() and set(reminders.values_list("status", flat=True)) == {"cancelled"}


def test_an_unpaid_reschedule_never_pays_after_its_start(owner, shop):
    BookingPolicy.objects.create(store=shop, min_notice_min=0)
    now = local(tomorrow(), 8, 50)
    booking = services.booking_create(
        owner=owner, store=shop, service=Service.objects.get(code="minor_service"),
        vehicle=VehicleFactory(owner=owner), start=local(tomorrow(), 16), now=now,
    )  # fmt: skip
    moved = services.booking_reschedule(booking_id=booking.pk, by=owner, start=local(tomorrow(), 9), now=now)
    assert moved.pay_before == local(tomorrow(), 9)


def test_admins_acting_for_a_store_are_recorded_as_the_platform(owner, shop):
    admin = UserFactory(roles=["admin"])
    booking = confirmed(book(owner, shop, local(tomorrow(), 10)))
    services.booking_check_in(booking_id=booking.pk, by=admin, now=booking.start)
    assert BookingEvent.objects.filter(booking=booking).last().by_role == "platform"
