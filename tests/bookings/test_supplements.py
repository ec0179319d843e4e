"""Extra work: the store proposes, the owner decides, and only approved work is ever charged.

The last part proves the database's own guarantees (migration ``bookings/0002_price_is_fixed``) with the ORM,
bypassing the services, and the owner's decision under concurrency on real PostgreSQL.
"""

import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import F

from bookings import services
from bookings.checklists import checklist_answer
from bookings.models import Booking, BookingStatus, Supplement, SupplementLine
from bookings.selectors import amount_due
from bookings.supplements import supplement_approve, supplement_propose, supplement_reject
from chefu.errors import NotFound, ValidationFailed
from notifications.models import Message
from tests.bookings.conftest import another_owner, make_shop, tomorrow
from tests.bookings.floor_fixtures import REQUIRED, image_bytes, make_booking, post_photo
from tests.catalog.factories import PartFactory
from tests.chefu.envelope import assert_error
from tests.conftest import ApiClient, issue_token

pytestmark = pytest.mark.django_db

QUOTE = Decimal("299.00")  # make_shop's price of minor_service
BRAKES = {
    "reason": "前刹车片磨损到极限",
    "lines": [
        {"description": "前刹车片（一套）", "qty": "1", "unit_price": "380.00"},
        {"description": "工时", "qty": "1.5", "unit_price": "100.00"},
    ],
}  # 380.00 + 150.00


@pytest.fixture
def job(floor):
    return make_booking(store=floor, status=BookingStatus.IN_SERVICE)


@pytest.fixture
def owner_client(job, make_client):
    return make_client(job.owner)


def propose(booking, by=None, *, total: str = "530.00", **kwargs) -> Supplement:
    """A proposed supplement of one line costing ``total``."""
    lines = [{"description": "额外工作", "qty": "1", "unit_price": total}]
    return supplement_propose(booking_id=booking.pk, by=by, reason="发现问题", lines=lines, **kwargs)


def _decision(client, booking, supplement_id, verb: str, data=None):
    return client.post(f"bookings/{booking.pk}/supplements/{supplement_id}/{verb}", data)


def _due(booking) -> Decimal:
    return amount_due(Booking.objects.get(pk=booking.pk))


# --- proposing -----------------------------------------------------------------------------------------


def test_staff_propose_extra_work_and_the_owner_is_told(job, tech, tech_client):
    response = tech_client.post(f"partner/bookings/{job.pk}/supplements", BRAKES)

    assert response.status_code == 201
    body = response.json()
    supplement = Supplement.objects.get(pk=body["id"])
    assert body["status"] == "proposed" and body["total"] == "530.00" and body["booking_id"] == job.pk
    assert [(ln["description"], ln["qty"], ln["unit_price"], ln["amount"]) for ln in body["lines"]] == [
        ("前刹车片（一套）", "1", "380.00", "380.00"),
        ("工时", "1.5", "100.00", "150.00"),
    ]
    assert body["decided_at"] is None and body["photos"] == []
    # Proposed work is not charged.
    assert body["amount_due"] == "299.00" and _due(job) == QUOTE
    assert supplement.proposed_by_id == tech.pk
    assert list(supplement.lines.values_list("position", flat=True)) == [1, 2]
    message = Message.objects.get(recipient=job.owner, template="supplement_proposed", channel="in_app")
    assert "前刹车片磨损到极限" in message.body and "¥530.00" in message.body


def test_lines_may_name_a_catalogue_part_and_bring_photos(job, tech_client):
    part = PartFactory()
    photo_id = post_photo(tech_client.token, job.pk, image_bytes()).json()["id"]
    payload = {
        "reason": "空气滤芯堵塞",
        "lines": [{"description": part.name, "sku": part.sku, "qty": 1, "unit_price": 88.5}],
        "photos": [photo_id],
    }

    response = tech_client.post(f"partner/bookings/{job.pk}/supplements", payload)

    assert response.status_code == 201, response.content
    body = response.json()
    # JSON numbers are read as decimals, never floats.
    assert body["lines"][0]["sku"] == part.sku and body["total"] == "88.50"
    assert [p["id"] for p in body["photos"]] == [photo_id]


def test_amounts_are_rounded_half_up_to_the_cent_and_the_database_agrees(job, tech):
    lines = [{"description": "玻璃水", "qty": "1.5", "unit_price": "0.33"}]  # 0.495

    supplement = supplement_propose(booking_id=job.pk, by=tech, reason="补充玻璃水", lines=lines)

    assert supplement.total == Decimal("0.50") and supplement.lines.get().amount == Decimal("0.50")
    with connection.cursor() as cursor:  # run the deferred total check now: it passes
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _line(**changes) -> dict:
    return {"description": "工时", "qty": "1", "unit_price": "100.00", **changes}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"reason": "x", "lines": []}, "lines"),
        ({"reason": "x"}, "lines"),
        ({"reason": "", "lines": [_line()]}, "reason"),
        ({"reason": "   ", "lines": [_line()]}, "reason"),
        ({"reason": "x", "lines": [_line(qty="0")]}, "lines.0.qty"),
        ({"reason": "x", "lines": [_line(qty="-1")]}, "lines.0.qty"),
        ({"reason": "x", "lines": [_line(qty="1.005")]}, "lines.0.qty"),
        ({"reason": "x", "lines": [_line(unit_price="-0.01")]}, "lines.0.unit_price"),
        ({"reason": "x", "lines": [_line(unit_price="1.005")]}, "lines.0.unit_price"),
        ({"reason": "x", "lines": [_line(unit_price="abc")]}, "lines.0.unit_price"),
        ({"reason": "x", "lines": [_line(), _line(description="")]}, "lines.1.description"),
        ({"reason": "x", "lines": [_line(), _line(sku="NO-SUCH-SKU")]}, "lines.1.sku"),
        ({"reason": "x", "lines": [_line(unit_price="0.00"), _line(unit_price="0")]}, "lines"),
        ({"reason": "x", "lines": [_line()], "photos": [999999]}, "photos"),
    ],
)
def test_a_malformed_proposal_is_refused_and_nothing_is_written(job, tech_client, payload, field):
    error = assert_error(tech_client.post(f"partner/bookings/{job.pk}/supplements", payload), 422, "validation_error")

    assert field in error["details"]["fields"], error
    assert not Supplement.objects.filter(booking=job).exists()
    assert not Message.objects.filter(template="supplement_proposed").exists()


def test_a_photo_of_another_booking_is_not_evidence(job, floor, tech_client):
    elsewhere = make_booking(store=floor, status=BookingStatus.CHECKED_IN)
    foreign = post_photo(tech_client.token, elsewhere.pk, image_bytes()).json()["id"]

    response = tech_client.post(f"partner/bookings/{job.pk}/supplements", {**BRAKES, "photos": [foreign]})

    assert list(assert_error(response, 422, "validation_error")["details"]["fields"]) == ["photos"]


@pytest.mark.parametrize("status", [BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.CANCELLED])
def test_extra_work_is_proposed_only_while_the_car_is_at_the_shop(floor, tech_client, status):
    booking = make_booking(store=floor, status=status)

    response = tech_client.post(f"partner/bookings/{booking.pk}/supplements", BRAKES)

    assert assert_error(response, 409, "booking_not_at_shop")["details"]["status"] == status
    assert not Supplement.objects.filter(booking=booking).exists()


def test_a_retired_part_is_still_a_known_sku(job, tech):
    part = PartFactory(is_active=False)
    lines = [{"description": part.name, "sku": part.sku, "qty": "4", "unit_price": "98.00"}]
    assert supplement_propose(booking_id=job.pk, by=tech, reason="换油", lines=lines).total == Decimal("392.00")


def test_floats_are_never_money(job, tech):
    with pytest.raises(ValidationFailed) as caught:
        supplement_propose(
            booking_id=job.pk, by=tech, reason="x", lines=[{"description": "x", "qty": 1, "unit_price": 0.1}]
        )
    assert list(caught.value.details["fields"]) == ["lines.0.unit_price"]


# --- deciding ------------------------------------------------------------------------------------------


def test_the_owner_approves_and_the_work_is_charged(job, owner_client):
    supplement = propose(job)

    response = _decision(owner_client, job, supplement.pk, "approve")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == supplement.pk and body["status"] == "approved" and body["decided_at"]
    assert body["amount_due"] == "829.00"
    supplement.refresh_from_db()
    assert supplement.decided_by_id == job.owner_id
    assert owner_client.get(f"bookings/{job.pk}").json()["amount_due"] == "829.00"


def test_the_owner_rejects_with_a_note_and_nothing_is_charged(job, owner_client):
    supplement = propose(job)

    response = _decision(owner_client, job, supplement.pk, "reject", {"note": "下次再说"})

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "rejected" and body["decision_note"] == "下次再说" and body["amount_due"] == "299.00"
    # No body at all is a rejection without a note.
    other = propose(job)
    assert _decision(owner_client, job, other.pk, "reject").json()["decision_note"] == ""


def test_unapproved_supplements_are_never_charged(job, tech, owner_client, tech_client):
    # given: one of each, and the quote
    approved, rejected, pending = propose(job, total="100.00"), propose(job, total="20.00"), propose(job, total="3.00")
    assert _due(job) == QUOTE

    # when
    supplement_approve(booking_id=job.pk, supplement_id=approved.pk, by=job.owner)
    supplement_reject(booking_id=job.pk, supplement_id=rejected.pk, by=job.owner)

    # then: only the approved one counts, wherever amount_due is read
    assert _due(job) == QUOTE + Decimal("100.00")
    assert owner_client.get(f"bookings/{job.pk}").json()["amount_due"] == "399.00"
    assert owner_client.get("bookings").json()["items"][0]["amount_due"] == "399.00"
    assert tech_client.get(f"partner/bookings/{job.pk}").json()["amount_due"] == "399.00"
    schedule = tech_client.get(f"partner/stores/{job.store_id}/schedule", {"date": tomorrow().isoformat()}).json()
    assert [b["amount_due"] for bay in schedule["bays"] for b in bay["bookings"]] == ["399.00"]
    statuses = {s["id"]: s["status"] for s in owner_client.get(f"bookings/{job.pk}").json()["supplements"]}
    assert statuses == {approved.pk: "approved", rejected.pk: "rejected", pending.pk: "proposed"}


@pytest.mark.parametrize(("first", "second"), [("approve", "approve"), ("approve", "reject"), ("reject", "approve")])
def test_a_decision_is_final(job, owner_client, first, second):
    supplement = propose(job)
    assert _decision(owner_client, job, supplement.pk, first).status_code == 200

    error = assert_error(_decision(owner_client, job, supplement.pk, second), 409, "supplement_decided")

    assert error["details"]["status"] == {"approve": "approved", "reject": "rejected"}[first]


def test_only_the_bookings_owner_decides(job, floor, tech_client, make_client):
    supplement = propose(job)
    other_job = make_booking(store=floor, status=BookingStatus.IN_SERVICE)
    theirs = propose(other_job)
    owner_client = make_client(job.owner)

    for client in (make_client(another_owner()), tech_client):
        assert_error(_decision(client, job, supplement.pk, "approve"), 404, "not_found")
    # A supplement of another booking under this booking's id, or none at all.
    assert_error(_decision(owner_client, job, theirs.pk, "approve"), 404, "not_found")
    assert_error(_decision(owner_client, job, 999999, "reject"), 404, "not_found")
    assert_error(_decision(ApiClient(), job, supplement.pk, "approve"), 401, "not_authenticated")
    assert set(Supplement.objects.values_list("status", flat=True)) == {"proposed"}
    with pytest.raises(NotFound):
        supplement_approve(booking_id=job.pk, supplement_id=supplement.pk, by=other_job.owner)


def test_nothing_is_left_to_approve_once_the_job_is_done(job, owner_client):
    supplement = propose(job)
    checklist_answer(booking_id=job.pk, by=None, items=[{"code": c, "result": "pass"} for c in REQUIRED])
    services.booking_complete(booking_id=job.pk, by=None)

    # it lapsed with the completion: declined, for good
    assert_error(_decision(owner_client, job, supplement.pk, "approve"), 409, "supplement_decided")
    supplement.refresh_from_db()
    assert supplement.status == "rejected" and supplement.decided_by_id is None

    assert _due(job) == QUOTE


# --- what the database itself refuses ------------------------------------------------------------------


def _refused(query) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        query()


def test_db_a_decided_supplement_is_final(job):
    supplement = propose(job)
    supplement_approve(booking_id=job.pk, supplement_id=supplement.pk, by=job.owner)
    rows = Supplement.objects.filter(pk=supplement.pk)

    _refused(lambda: rows.update(reason="改了原因"))
    _refused(lambda: rows.update(status="rejected"))
    _refused(lambda: rows.update(status="proposed", decided_at=None))
    _refused(lambda: rows.update(decision_note="后补"))
    assert rows.get().status == "approved"


def test_db_a_supplements_total_never_changes(job):
    rows = Supplement.objects.filter(pk=propose(job).pk)
    other = make_booking(store=job.store, status=BookingStatus.IN_SERVICE)  # paid, so made outside the transaction

    _refused(lambda: rows.update(total=F("total") + 1))
    _refused(lambda: rows.update(booking=other))


def test_db_lines_never_change_and_a_decided_supplements_lines_are_final(job):
    supplement = propose(job)
    line = supplement.lines.get()

    _refused(lambda: SupplementLine.objects.filter(pk=line.pk).update(description="别的"))
    supplement_reject(booking_id=job.pk, supplement_id=supplement.pk, by=job.owner)
    _refused(
        lambda: SupplementLine.objects.create(
            supplement=supplement, position=2, description="加一行", qty=1, unit_price=1, amount=1
        )
    )

    def line_removed():
        SupplementLine.objects.filter(pk=line.pk).delete()
        _check_deferred_now()  # refused when the transaction ends: the total no longer adds up

    _refused(line_removed)
    assert supplement.lines.count() == 1


def test_db_a_line_amount_is_qty_times_price(job):
    supplement = propose(job)
    _refused(
        lambda: SupplementLine.objects.create(
            supplement=supplement, position=2, description="x", qty=2, unit_price=Decimal("10.00"), amount=1
        )
    )


def _check_deferred_now() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_db_a_total_is_the_sum_of_its_lines_when_the_transaction_ends(job):
    def mismatched():
        supplement = Supplement.objects.create(booking=job, reason="x", total=Decimal("100.00"))
        SupplementLine.objects.create(
            supplement=supplement, position=1, description="x", qty=1, unit_price=Decimal("50.00"), amount=50
        )
        _check_deferred_now()

    def without_lines():
        Supplement.objects.create(booking=job, reason="x", total=Decimal("100.00"))
        _check_deferred_now()

    def line_removed():
        proposed = propose(job)
        proposed.lines.all().delete()  # allowed while proposed, but the total no longer adds up
        _check_deferred_now()

    for broken in (mismatched, without_lines, line_removed):
        _refused(broken)
    assert not Supplement.objects.filter(booking=job).exists()


def test_db_a_bookings_quote_is_fixed(job):
    rows = Booking.objects.filter(pk=job.pk)
    _refused(lambda: rows.update(quote_total=F("quote_total") + 100))
    _refused(lambda: rows.update(quote={"lines": [], "total": "0.00"}))


# --- two decisions at once -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_decisions_at_once_one_wins_the_other_is_told():
    # given: the owner signed in on four devices, each deciding at the same moment
    booking = make_booking(store=make_shop(), status=BookingStatus.IN_SERVICE)
    supplement = propose(booking)
    tokens = [issue_token(booking.owner) for _ in range(4)]
    verbs = ["approve", "reject", "approve", "reject"]
    barrier = threading.Barrier(len(verbs))
    answers: list = [None] * len(verbs)

    def decide(n: int) -> None:
        try:
            client = ApiClient(tokens[n])
            barrier.wait(timeout=10)
            answers[n] = _decision(client, booking, supplement.pk, verbs[n])
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=decide, args=(n,)) for n in range(len(verbs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then: exactly one decision, the others 409 with the winner's status; the charge follows the winner
    codes = sorted(a.status_code for a in answers)
    assert codes == [200, 409, 409, 409], [a.content for a in answers]
    winner = next(n for n, a in enumerate(answers) if a.status_code == 200)
    decided = {"approve": "approved", "reject": "rejected"}[verbs[winner]]
    supplement.refresh_from_db()
    assert supplement.status == decided
    for loser in (a for a in answers if a.status_code == 409):
        assert assert_error(loser, 409, "supplement_decided")["details"]["status"] == decided
    assert _due(booking) == QUOTE + (Decimal("530.00") if decided == "approved" else 0)
