"""Dealers (issue 14, item 3): any signed-in user applies; QA verifies (the user becomes a dealer), rejects, suspends
and reinstates, each with a reason and an event row; the deposit is held, forfeited or returned by the services the
payments integration calls. Only a verified dealer with a deposit held may bid."""

from decimal import Decimal

import pytest

from accounts.models import Role
from chefu.errors import ValidationFailed
from consignment.dealers import services
from consignment.dealers.exceptions import DepositInUse, InvalidTransition
from consignment.models import Dealer, DealerEvent, DealerStatus, DepositStatus
from notifications.models import Message
from tests.conftest import error_code
from tests.consignment.factories import licence, make_dealer
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def applicant(db):
    return UserFactory(roles=["owner"], name="李四")


@pytest.fixture
def applicant_client(applicant, make_client):
    return make_client(applicant)


def _apply(client, **extra):
    return client.post("dealers/apply", {"company": "上海诚信二手车经纪有限公司", "license_no": licence(), **extra})


def test_a_signed_in_user_applies_and_sees_the_application(applicant, applicant_client):
    response = _apply(applicant_client)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "applied" and body["deposit_status"] == "none" and body["may_bid"] is False
    assert body["deposit_required"] == "5000.00"
    assert applicant_client.get("dealers/me").json() == body
    event = DealerEvent.objects.get(dealer_id=body["id"])
    assert (event.from_status, event.to_status, event.by_id) == ("", "applied", applicant.pk)
    applicant.refresh_from_db()
    assert Role.DEALER not in applicant.roles  # not before QA's verification


def test_no_account_yet_is_404(applicant_client):
    assert applicant_client.get("dealers/me").status_code == 404


def test_anonymous_is_401(api):
    assert api.post("dealers/apply", {"company": "x", "license_no": licence()}).status_code == 401


@pytest.mark.parametrize(
    "field, value",
    [
        ("license_no", "12345"),
        ("license_no", "91310000MA1FL3XXIO"),  # I and O are not in the code's alphabet
        ("license_no", "9131 0000MA1FL3XX2"),
        ("company", "   "),
        ("company", "车" * 121),
        ("company", "a\x00b"),
    ],
)
def test_bad_input_is_422_and_writes_nothing(applicant_client, field, value):
    body = {"company": "上海诚信二手车经纪有限公司", "license_no": licence(), field: value}
    response = applicant_client.post("dealers/apply", body)
    assert response.status_code == 422, response.content
    assert error_code(response) == "validation_error"
    assert field in response.json()["error"]["details"]["fields"]
    assert not Dealer.objects.exists()


def test_one_application_at_a_time_and_one_licence_per_dealer(applicant_client, make_client):
    first = _apply(applicant_client)
    assert first.status_code == 201
    again = _apply(applicant_client)
    assert again.status_code == 409 and error_code(again) == "dealer_exists"
    other = make_client(UserFactory(roles=["owner"]))
    taken = other.post("dealers/apply", {"company": "另一家车行", "license_no": first.json()["license_no"]})
    assert taken.status_code == 409 and error_code(taken) == "license_taken"
    assert Dealer.objects.count() == 1


def test_qa_verifies_and_the_user_becomes_a_dealer(applicant, applicant_client, qa_client, qa_user):
    dealer_id = _apply(applicant_client).json()["id"]
    listed = qa_client.get("qa/dealers", {"status": "applied"}).json()
    assert [d["id"] for d in listed["items"]] == [dealer_id]
    assert listed["items"][0]["user"] == {"id": applicant.pk, "name": "李四", "phone": applicant.phone}
    response = qa_client.post(f"qa/dealers/{dealer_id}/verify", {"reason": "资质齐全"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "verified" and body["may_bid"] is False  # no deposit yet
    assert [(e["from_status"], e["to_status"], e["reason"]) for e in body["events"]] == [
        ("", "applied", ""),
        ("applied", "verified", "资质齐全"),
    ]
    applicant.refresh_from_db()
    assert Role.DEALER in applicant.roles
    message = Message.objects.get(recipient=applicant, template="dealer_status_changed", channel="in_app")
    assert "已认证" in message.body
    again = qa_client.post(f"qa/dealers/{dealer_id}/verify")
    assert again.status_code == 409 and error_code(again) == "invalid_transition"


def test_a_rejected_applicant_is_told_why_and_may_apply_again(applicant, applicant_client, qa_client):
    dealer_id = _apply(applicant_client).json()["id"]
    missing_reason = qa_client.post(f"qa/dealers/{dealer_id}/reject", {"reason": " "})
    assert missing_reason.status_code == 422
    assert Dealer.objects.get(pk=dealer_id).status == DealerStatus.APPLIED
    rejected = qa_client.post(f"qa/dealers/{dealer_id}/reject", {"reason": "营业执照已过期"})
    assert rejected.json()["status"] == "rejected"
    assert "营业执照已过期" in Message.objects.get(recipient=applicant, channel="in_app").body
    again = _apply(applicant_client, company="新公司名")
    assert again.status_code == 201 and again.json()["status"] == "applied" and again.json()["id"] == dealer_id


def test_only_qa_decides(applicant_client, make_client):
    dealer_id = _apply(applicant_client).json()["id"]
    owner = make_client(UserFactory(roles=["owner"]))
    assert owner.get("qa/dealers").status_code == 403
    for action in ("verify", "reject", "suspend", "reinstate"):
        response = owner.post(f"qa/dealers/{dealer_id}/{action}", {"reason": "x"})
        assert response.status_code == 403, action
    assert Dealer.objects.get(pk=dealer_id).status == DealerStatus.APPLIED


def test_qa_suspends_and_reinstates_with_a_reason(qa_client):
    dealer = make_dealer()
    assert dealer.may_bid
    suspended = qa_client.post(f"qa/dealers/{dealer.pk}/suspend", {"reason": "多次悔拍"})
    assert suspended.status_code == 200 and suspended.json()["may_bid"] is False
    assert qa_client.get(f"qa/dealers/{dealer.pk}").json()["events"][-1]["reason"] == "多次悔拍"
    reinstated = qa_client.post(f"qa/dealers/{dealer.pk}/reinstate", {"reason": "申诉成立"})
    assert reinstated.json()["status"] == "verified" and reinstated.json()["may_bid"] is True
    wrong = qa_client.post(f"qa/dealers/{dealer.pk}/reinstate", {"reason": "再来一次"})
    assert wrong.status_code == 409


def test_qa_list_and_detail_404(qa_client):
    assert qa_client.get("qa/dealers/999999").status_code == 404
    assert qa_client.get("qa/dealers", {"status": "nonsense"}).status_code == 422


# --- the deposit ------------------------------------------------------------------------------------------------------


def test_the_deposit_is_held_once_per_payment_and_recorded():
    dealer = make_dealer(deposit=False)
    with pytest.raises(ValidationFailed):
        services.dealer_deposit_held(dealer_id=dealer.pk, amount=Decimal("4999.99"), payment_id=7)
    services.dealer_deposit_held(dealer_id=dealer.pk, amount=Decimal("5000.00"), payment_id=7)
    services.dealer_deposit_held(dealer_id=dealer.pk, amount=Decimal("5000.00"), payment_id=7)  # the same payment
    dealer.refresh_from_db()
    assert (dealer.deposit_status, dealer.deposit_amount, dealer.may_bid) == ("held", Decimal("5000.00"), True)
    deposits = [e.details["deposit"] for e in dealer.events.all() if "deposit" in e.details]
    assert deposits == [{"from": "none", "to": "held", "amount": "5000.00", "payment_id": 7}]
    with pytest.raises(InvalidTransition):
        services.dealer_deposit_held(dealer_id=dealer.pk, amount=Decimal("5000.00"), payment_id=8)


def test_a_forfeited_deposit_stops_bidding_until_another_is_paid():
    dealer = make_dealer()
    services.dealer_deposit_forfeited(dealer_id=dealer.pk, reason="成交后未付款", deal_id=3)
    dealer.refresh_from_db()
    assert (dealer.deposit_status, dealer.deposit_amount, dealer.may_bid) == ("forfeited", Decimal("0.00"), False)
    event = dealer.events.order_by("-id").first()
    assert event.details["deposit"] == {
        "from": "held",
        "to": "forfeited",
        "amount": "5000.00",
        "payment_id": None,
        "deal_id": 3,
    }
    services.dealer_deposit_held(dealer_id=dealer.pk, amount=Decimal("5000.00"), payment_id=9)
    dealer.refresh_from_db()
    assert dealer.may_bid


def test_a_deposit_is_not_returned_while_it_backs_a_lead(auction):
    from consignment.auctions.services import bid_place

    dealer = make_dealer()
    bid_place(auction_id=auction.pk, user=dealer.user, amount=Decimal("50000.00"))
    with pytest.raises(DepositInUse):
        services.dealer_deposit_returned(dealer_id=dealer.pk)
    other = make_dealer()
    services.dealer_deposit_returned(dealer_id=other.pk)
    other.refresh_from_db()
    assert other.deposit_status == DepositStatus.RETURNED and not other.may_bid
