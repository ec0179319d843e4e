"""The dealer's deposit through payments (issue 14, item 3): ``POST /dealers/deposit`` opens a payment of the
``dealer_deposit`` purpose; its money arriving holds the deposit (a durable subscriber); money arriving while one is
held is given back; QA returns a deposit with a refund. The ledger reconciles throughout."""

from decimal import Decimal

import pytest

from consignment.dealers import services
from consignment.dealers.deposits import DEALER_DEPOSIT
from consignment.models import Dealer, DealerEvent, DepositStatus
from payments.models import Payment, Refund
from payments.reconciliation import mismatches
from payments.selectors import charge_held
from tests.conftest import error_code
from tests.consignment.factories import make_dealer
from tests.factories import UserFactory
from tests.payments.charging import execute_charge_refunds
from tests.payments.paying import notify

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committing")]

PURPOSE = DEALER_DEPOSIT.code


@pytest.fixture
def newcomer(db):
    """A verified dealer without a deposit."""
    return make_dealer(deposit=False)


@pytest.fixture
def newcomer_client(newcomer, make_client):
    return make_client(newcomer.user)


def _pay(client) -> Payment:
    response = client.post("dealers/deposit", {"provider": "sandbox"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["amount"] == "5000.00" and body["status"] == "pending" and body["pay_url"]
    return Payment.objects.get(pk=body["payment_id"])


def test_a_verified_dealer_pays_the_deposit_and_may_bid(newcomer, newcomer_client):
    assert newcomer_client.get("dealers/me").json()["may_bid"] is False
    payment = _pay(newcomer_client)
    assert (payment.purpose, payment.subject, payment.owner_id) == (
        PURPOSE,
        f"deposit:{newcomer.pk}:1",
        newcomer.user_id,
    )

    notify(payment)

    me = newcomer_client.get("dealers/me").json()
    assert (me["deposit_status"], me["may_bid"]) == ("held", True)
    held = DealerEvent.objects.filter(dealer=newcomer, details__deposit__to="held").get()
    assert held.details["deposit"]["payment_id"] == payment.pk
    assert charge_held(purpose=PURPOSE, subject=payment.subject) == Decimal("5000.00")
    assert mismatches() == []


def test_an_applicant_may_pay_before_verification(make_client):
    dealer = make_dealer(verified=False, deposit=False)
    notify(_pay(make_client(dealer.user)))
    dealer.refresh_from_db()
    assert dealer.deposit_status == DepositStatus.HELD and dealer.may_bid is False  # bidding waits for QA


def test_a_held_deposit_is_409_and_opens_nothing(dealer, dealer_client):
    response = dealer_client.post("dealers/deposit", {"provider": "sandbox"})
    assert response.status_code == 409 and error_code(response) == "deposit_held"
    assert not Payment.objects.exists()


def test_no_dealer_account_is_404(make_client):
    response = make_client(UserFactory(roles=["owner"])).post("dealers/deposit", {"provider": "sandbox"})
    assert response.status_code == 404
    assert not Payment.objects.exists()


def test_a_rejected_application_is_409(make_client):
    dealer = make_dealer(verified=False, deposit=False)
    services.dealer_reject(dealer_id=dealer.pk, by=UserFactory(roles=["qa"]), reason="执照不符")
    response = make_client(dealer.user).post("dealers/deposit", {"provider": "sandbox"})
    assert response.status_code == 409 and error_code(response) == "invalid_transition"
    assert not Payment.objects.exists()


@pytest.mark.parametrize("body", [{}, {"provider": "paypal"}, {"provider": ""}, {"provider": 3}])
def test_bad_input_is_422_and_writes_nothing(newcomer_client, body):
    response = newcomer_client.post("dealers/deposit", body)
    assert response.status_code == 422 and error_code(response) == "validation_error"
    assert not Payment.objects.exists()


def test_anonymous_is_401(api):
    assert api.post("dealers/deposit", {"provider": "sandbox"}).status_code == 401


def test_money_arriving_while_a_deposit_is_held_is_given_back(newcomer, newcomer_client):
    # given: the dealer opened a payment, and a deposit was recorded held meanwhile (another way)
    payment = _pay(newcomer_client)
    services.dealer_deposit_held(dealer_id=newcomer.pk, amount=Decimal("5000.00"), payment_id=None)

    notify(payment)

    refund = Refund.objects.get(payment=payment)
    assert (refund.amount, refund.reason, refund.cause) == (
        Decimal("5000.00"),
        "not_wanted",
        f"not_wanted:{payment.pk}",
    )
    execute_charge_refunds(payment)
    assert charge_held(purpose=PURPOSE, subject=payment.subject) == Decimal("0.00")
    newcomer.refresh_from_db()
    assert DealerEvent.objects.filter(dealer=newcomer, details__deposit__to="held").count() == 1
    assert mismatches() == []


def test_qa_returns_a_deposit_with_a_refund_and_a_new_one_is_a_new_charge(newcomer, newcomer_client, qa_client):
    first = _pay(newcomer_client)
    notify(first)

    response = qa_client.post(f"qa/dealers/{newcomer.pk}/deposit/return", {"reason": "车行歇业"})

    assert response.status_code == 200, response.content
    assert response.json()["deposit_status"] == "returned"
    refund = Refund.objects.get(payment=first)
    assert (refund.amount, refund.reason, refund.cause) == (Decimal("5000.00"), "returned", f"returned:{first.pk}")
    execute_charge_refunds(first)
    assert charge_held(purpose=PURPOSE, subject=first.subject) == Decimal("0.00")
    assert newcomer_client.get("dealers/me").json()["may_bid"] is False
    # paying again is a new charge
    second = _pay(newcomer_client)
    assert second.subject == f"deposit:{newcomer.pk}:2"
    notify(second)
    newcomer.refresh_from_db()
    assert newcomer.deposit_status == DepositStatus.HELD and newcomer.may_bid
    assert mismatches() == []


def test_returning_needs_qa_a_reason_and_a_held_deposit(dealer, dealer_client, qa_client, newcomer):
    path = f"qa/dealers/{dealer.pk}/deposit/return"
    assert dealer_client.post(path, {"reason": "x"}).status_code == 403
    response = qa_client.post(path, {"reason": "  "})
    assert response.status_code == 422 and error_code(response) == "validation_error"
    assert qa_client.post("qa/dealers/999999/deposit/return", {"reason": "x"}).status_code == 404
    response = qa_client.post(f"qa/dealers/{newcomer.pk}/deposit/return", {"reason": "x"})
    assert response.status_code == 409 and error_code(response) == "invalid_transition"
    assert Dealer.objects.get(pk=dealer.pk).deposit_status == DepositStatus.HELD
    assert not Refund.objects.exists()


def test_a_deposit_backing_an_open_auctions_lead_is_not_returned(dealer, dealer_client, qa_client, auction):
    assert dealer_client.post(f"consignment/auctions/{auction.pk}/bids", {"amount": "60000.00"}).status_code == 201
    response = qa_client.post(f"qa/dealers/{dealer.pk}/deposit/return", {"reason": "离开"})
    assert response.status_code == 409 and error_code(response) == "deposit_in_use"
    assert Dealer.objects.get(pk=dealer.pk).deposit_status == DepositStatus.HELD


def test_qa_returns_a_deposit_from_the_dealer_page(newcomer, newcomer_client, qa_user):
    from tests.consignment.auctions.test_pages import browser

    payment = _pay(newcomer_client)
    notify(payment)
    client = browser(qa_user)
    html = client.get("/consignment/qa/dealers/?status=verified").content.decode()
    assert 'value="return_deposit"' in html
    form = {"dealer_id": newcomer.pk, "action": "return_deposit"}
    refused = client.post("/consignment/qa/dealers/?status=verified", {**form, "reason": ""})
    assert refused.status_code == 200 and Dealer.objects.get(pk=newcomer.pk).deposit_status == DepositStatus.HELD
    done = client.post("/consignment/qa/dealers/?status=verified", {**form, "reason": "车商退出平台"})
    assert done.status_code == 302
    assert Dealer.objects.get(pk=newcomer.pk).deposit_status == DepositStatus.RETURNED
    assert Refund.objects.get(payment=payment).reason == "returned"
