"""Sanctions and their effects (issue 13, items 6 and 7): a suspension hides the store, refuses bookings, cancels and
refunds its bookings not yet started and offers their owners other stores; the store page shows its record."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from bookings.models import BookingStatus
from notifications.models import Message
from payments.models import Refund
from payments.reconciliation import mismatches
from quality import audits
from quality.models import Audit, AuditKind, AuditStatus, Complaint, Standard
from quality.parts import QualityRecordPart
from quality.sanctions import alternatives_for_booking, store_sanction
from stores.models import StatusReason, Store, StoreStatus, StoreStatusEvent
from stores.selectors import store_quality_record
from tests.bookings.conftest import book, booking_body, local, make_shop, tomorrow
from tests.conftest import error_code
from tests.factories import UserFactory, VehicleFactory
from tests.payments.paying import pay
from tests.payments.test_settlements import execute_refunds

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committing")]

NEAR = {"lat": 31.2310, "lng": 121.4740}  # about 100 m from the factory's default point


def _nearby_ids(client, **params) -> list[int]:
    query = {"lat": 31.2304, "lng": 121.4737, "radius_km": 5, **params}
    return [item["id"] for item in client.get("stores/nearby", query).json()["items"]]


def test_a_suspension_hides_the_store_refuses_bookings_and_cancels_and_refunds_what_is_ahead(
    qa_client, qa_user, owner_client, owner, api
):
    shop = make_shop()
    other = make_shop(**NEAR)
    paid = book(owner, shop, local(tomorrow(), 10))
    pay(paid)
    unpaid = book(UserFactory(roles=["owner"]), shop, local(tomorrow(), 14))
    assert _nearby_ids(api) == [shop.pk, other.pk]

    response = qa_client.post(
        f"qa/stores/{shop.pk}/status", {"status": "suspended", "reason": "Counterfeit oil found in the store room"}
    )

    assert response.status_code == 200 and response.json()["status"] == "suspended"
    assert _nearby_ids(api) == [other.pk]
    assert api.get(f"stores/{shop.pk}").status_code == 404
    refused = owner_client.post("bookings", booking_body(shop, VehicleFactory(owner=owner)))
    assert (refused.status_code, error_code(refused)) == (409, "store_unavailable")
    for booking in (paid, unpaid):
        booking.refresh_from_db()
        assert (booking.status, booking.cancelled_by_store) == (BookingStatus.CANCELLED, True)
    [refund] = Refund.objects.filter(booking=paid)
    assert refund.amount == paid.amount_paid == Decimal("299.00")
    execute_refunds(paid)
    assert mismatches() == []
    told = Message.objects.filter(recipient=owner, channel="in_app").values_list("template", flat=True)
    assert {"booking_cancelled_by_store", "booking_alternatives"} <= set(told)
    alternatives = Message.objects.get(recipient=owner, channel="in_app", template="booking_alternatives")
    assert other.name in alternatives.body
    event = StoreStatusEvent.objects.filter(store=shop).latest("at")
    assert (event.to_status, event.reason_category, event.by) == ("suspended", "manual", qa_user)


def test_started_and_past_bookings_are_left_alone(owner):
    shop = make_shop()
    started = book(owner, shop, local(tomorrow(), 10))
    later = book(owner, shop, local(tomorrow(), 14))
    store_sanction(
        store_id=shop.pk,
        to_status=StoreStatus.SUSPENDED,
        reason="audit",
        reason_category="audit_failed",
        now=local(tomorrow(), 10, 5),
    )
    started.refresh_from_db()
    later.refresh_from_db()
    assert started.status == BookingStatus.PENDING_PAYMENT  # begun already: the store's to finish or mark
    assert later.status == BookingStatus.CANCELLED


def test_probation_keeps_bookings_and_shows_a_badge_and_ranks_after_an_active_tie(api, owner):
    shop = make_shop()
    twin = make_shop()  # same place: equal distance
    booking = book(owner, shop, local(tomorrow(), 10))
    store_sanction(store_id=shop.pk, to_status=StoreStatus.PROBATION, reason="complaints", reason_category="kpi")

    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING_PAYMENT
    items = api.get("stores/nearby", {"lat": 31.2304, "lng": 121.4737}).json()["items"]
    assert [(i["id"], i["badge"]) for i in items] == [(twin.pk, None), (shop.pk, "probation")]
    page = api.get(f"stores/{shop.pk}").json()["quality"]
    assert page["badge"] == "probation"
    [period] = page["sanctions"]
    assert (period["status"], period["to"], period["reason_category"]) == ("probation", None, "kpi")


def test_the_public_record_shows_periods_audits_and_complaints_but_never_a_mystery_shop(api, owner):
    shop = make_shop()
    store_sanction(store_id=shop.pk, to_status=StoreStatus.PROBATION, reason="kpi", reason_category="kpi")
    store_sanction(store_id=shop.pk, to_status=StoreStatus.SUSPENDED, reason="c", reason_category="critical_failure")
    store_sanction(store_id=shop.pk, to_status=StoreStatus.ACTIVE, reason="re-audit", reason_category="reinstated")
    standard = Standard.objects.create(code="t", category="facility", version=1, title_zh="t", title_en="t")
    finalized = {"status": AuditStatus.FINALIZED, "store": shop, "standard": standard, "scheduled_for": tomorrow()}
    Audit.objects.create(
        kind=AuditKind.SCHEDULED, score=Decimal("91.50"), passed=True, finalized_at=timezone.now(), **finalized
    )
    Audit.objects.create(  # later, but a mystery shop: never shown
        kind=AuditKind.MYSTERY_SHOPPER,
        score=Decimal("40.00"),
        passed=False,
        finalized_at=timezone.now() + dt.timedelta(minutes=1),
        **finalized,
    )
    booking = book(owner, shop, local(tomorrow(), 10))
    now = timezone.now()
    complaint = {"booking": booking, "store": shop, "owner": owner, "respond_by": now, "resolve_by": now}
    Complaint.objects.create(category="overcharge", description="x", **complaint)
    Complaint.objects.create(
        category="damage", description="y", status="resolved", outcome="upheld", resolved_at=now, **complaint
    )

    quality = api.get(f"stores/{shop.pk}").json()["quality"]

    assert quality["badge"] == "audited"
    assert quality["last_audit"] == {"date": str(timezone.localdate()), "passed": True, "score": "91.50"}
    assert quality["complaints_12m"] == {"received": 2, "upheld": 1}
    assert [(p["status"], p["reason_category"], p["to"] is not None) for p in quality["sanctions"]] == [
        ("suspended", "critical_failure", True),
        ("probation", "kpi", True),
    ]


def test_the_record_of_a_store_deleted_since_its_page_read_it_is_left_as_stores_gave_it():
    shop = make_shop()
    given = {"quality": store_quality_record(shop)}
    Store.objects.filter(pk=shop.pk).delete()

    assert QualityRecordPart().fields(shop, given) == given


def test_alternatives_are_the_nearest_active_stores_with_a_free_start_within_two_hours(owner):
    shop = make_shop()
    near_full = make_shop(bays=1, **NEAR)
    book(UserFactory(roles=["owner"]), near_full, local(tomorrow(), 9))
    book(UserFactory(roles=["owner"]), near_full, local(tomorrow(), 10))
    book(UserFactory(roles=["owner"]), near_full, local(tomorrow(), 11))
    farther = make_shop(lat=31.2400, lng=121.4800)
    on_probation = make_shop(**NEAR)
    store_sanction(store_id=on_probation.pk, to_status="probation", reason="kpi", reason_category=StatusReason.KPI)
    make_shop(lat=31.6, lng=121.9)  # too far
    booking = book(owner, shop, local(tomorrow(), 10))

    found = alternatives_for_booking(booking=booking)

    # the near one's only bay is busy 09:00-12:00, its next start (13:00) is 3 h off; probation stores are not offered
    assert [(a.store_id, a.start) for a in found] == [(farther.pk, local(tomorrow(), 10))]


def test_a_failed_critical_item_suspends_the_store_and_a_passed_reaudit_reinstates_it(qa_user, owner):
    from tests.quality.test_audits import new_audit, record

    shop = make_shop()
    booking = book(owner, shop, local(tomorrow(), 10))
    failed = new_audit(qa_user, shop)
    record(qa_user, failed, fail=("fire_safety",))  # critical
    audits.audit_finalize(audit_id=failed.pk, by=qa_user)

    shop.refresh_from_db()
    booking.refresh_from_db()
    assert (shop.status, booking.status) == (StoreStatus.SUSPENDED, BookingStatus.CANCELLED)
    event = StoreStatusEvent.objects.filter(store=shop).latest("at")
    assert (event.reason_category, event.evidence["audit_id"]) == ("critical_failure", failed.pk)

    ordinary = new_audit(qa_user, shop)  # not a re-audit: a pass does not reinstate
    record(qa_user, ordinary)
    audits.audit_finalize(audit_id=ordinary.pk, by=qa_user)
    shop.refresh_from_db()
    assert shop.status == StoreStatus.SUSPENDED

    reaudit = new_audit(qa_user, shop, standard_code=None, reaudit_of_id=failed.pk)
    record(qa_user, reaudit)
    audits.audit_finalize(audit_id=reaudit.pk, by=qa_user)
    shop.refresh_from_db()
    assert shop.status == StoreStatus.ACTIVE
    assert StoreStatusEvent.objects.filter(store=shop).latest("at").reason_category == "reinstated"


def test_the_store_page_shows_the_public_record_to_everyone(client):
    shop = make_shop()
    store_sanction(store_id=shop.pk, to_status=StoreStatus.PROBATION, reason="kpi", reason_category="complaints")

    html = client.get(f"/stores/{shop.pk}/").content.decode()

    assert "质量档案" in html and "观察期" in html
    assert "投诉成立" in html  # the reason category, in zh-hans
    assert "尚未审核" in html and "/standards/" in html
