"""The deal and claim endpoints: who sees and does what (its seller or dealer, else 404; the wrong side 403; QA only
for /qa), what the dealer sees of the seller, bad input as 422 with nothing written, and the 409s."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consignment.models import Claim, ClaimStatus, Deal, DealStatus
from payments.models import Payment, Refund
from tests.conftest import error_code
from tests.consignment.deals.conftest import FEE, PRICE, complete_handover, deal_awaiting_payment, pay_deal
from tests.factories import UserFactory

DEAL_PAYMENTS = Payment.objects.filter(purpose="consignment_deal")

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committing")]


@pytest.fixture
def seller_client(deal, make_client):
    return make_client(deal.seller)


@pytest.fixture
def dealer_client(deal, make_client):
    return make_client(deal.dealer.user)


def _path(deal, tail: str = "") -> str:
    return f"consignment/deals/{deal.pk}{tail}"


# --- reading ----------------------------------------------------------------------------------------------------------


def test_the_seller_and_the_dealer_read_the_deal_and_nobody_else(deal, seller_client, dealer_client, make_client, api):
    as_seller = seller_client.get(_path(deal))
    as_dealer = dealer_client.get(_path(deal))

    assert as_seller.status_code == as_dealer.status_code == 200
    body = as_dealer.json()
    assert (body["id"], body["status"], body["price"], body["fee"], body["seller_net"]) == (
        deal.pk,
        "awaiting_payment",
        "80000.00",
        "2400.00",
        "77600.00",
    )
    assert (as_seller.json()["party"], body["party"]) == ("seller", "dealer")
    assert body["listing"]["make"] == "大众" and body["listing"]["grade"] == "B"
    assert body["handover_booking_id"] is None and body["handover"] is None
    assert [e["to_status"] for e in body["timeline"]] == ["awaiting_payment"]
    # the dealer sees nothing of the seller before paying, and never a phone
    assert (body["seller_name"], body["dealer_company"]) == (None, None)
    assert deal.seller.phone not in as_dealer.content.decode() and "张" not in str(body)
    # anyone else: as for a deal that does not exist
    stranger = make_client(UserFactory(roles=["dealer"]))
    assert stranger.get(_path(deal)).status_code == 404
    assert error_code(dealer_client.get(f"consignment/deals/{deal.pk + 999}")) == "not_found"
    assert api.get(_path(deal)).status_code == 401


def test_once_paid_both_see_the_handover_and_the_dealer_the_sellers_masked_name(deal, seller_client, dealer_client):
    pay_deal(deal)

    body = dealer_client.get(_path(deal)).json()
    handover = body["handover"]
    assert handover["booking_id"] == body["handover_booking_id"] == deal.handover_booking_id
    assert (handover["store_name"], handover["address"]) == (
        deal.handover_booking.store.name,
        "上海市黄浦区人民大道100号",
    )
    assert body["seller_name"] == "张*" and deal.seller.phone not in str(body)
    seller_view = seller_client.get(_path(deal)).json()
    assert seller_view["dealer_company"] == "沪上二手车行" and seller_view["seller_name"] is None
    assert seller_view["handover"] == handover


def test_after_the_handover_the_deal_shows_the_time_from_inspection_to_handover(deal, seller_client):
    pay_deal(deal)
    complete_handover(deal)

    body = seller_client.get(_path(deal)).json()
    assert body["status"] == "handed_over"
    started, ended = deal.inspection_started_at, deal.handed_over_at
    assert body["inspection_to_handover_min"] == int((ended - started).total_seconds() // 60) > 0
    assert dt.datetime.fromisoformat(body["claim_window_ends_at"]) == ended + dt.timedelta(days=3)
    assert body["net_to_seller"] == "77600.00"


def test_my_deals_lists_what_i_sold_and_what_i_won(deal, seller_client, dealer_client, make_client):
    other = deal_awaiting_payment(dealer=deal.dealer)

    won = dealer_client.get("consignment/deals").json()
    assert won["count"] == 2 and {d["id"] for d in won["items"]} == {deal.pk, other.pk}
    assert {d["party"] for d in won["items"]} == {"dealer"}
    sold = seller_client.get("consignment/deals", {"status": "awaiting_payment"}).json()
    assert [d["id"] for d in sold["items"]] == [deal.pk] and sold["items"][0]["party"] == "seller"
    assert make_client(UserFactory()).get("consignment/deals").json() == {"items": [], "count": 0}
    assert seller_client.get("consignment/deals", {"status": "nope"}).status_code == 422


# --- paying -----------------------------------------------------------------------------------------------------------


def test_the_dealer_opens_a_payment_of_the_price(deal, dealer_client):
    response = dealer_client.post(_path(deal, "/pay"), {"provider": "sandbox"})

    assert response.status_code == 201, response.content
    body = response.json()
    payment = DEAL_PAYMENTS.get(pk=body["payment_id"])
    assert (body["amount"], body["status"], body["provider"]) == ("80000.00", "pending", "sandbox")
    assert "/api/v1/payments/sandbox/" in body["pay_url"]
    assert (payment.purpose, payment.subject, payment.owner_id) == (
        "consignment_deal",
        f"deal:{deal.pk}",
        deal.dealer.user_id,
    )


def test_the_same_idempotency_key_opens_one_payment(deal, dealer_client):
    headers = {"Idempotency-Key": "pay-deal-1"}
    first = dealer_client.post(_path(deal, "/pay"), {"provider": "sandbox"}, headers=headers)
    again = dealer_client.post(_path(deal, "/pay"), {"provider": "sandbox"}, headers=headers)

    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert DEAL_PAYMENTS.count() == 1


def test_only_the_deals_dealer_pays(deal, seller_client, make_client):
    assert error_code(seller_client.post(_path(deal, "/pay"), {"provider": "sandbox"})) == "permission_denied"
    stranger = make_client(UserFactory(roles=["dealer"]))
    assert stranger.post(_path(deal, "/pay"), {"provider": "sandbox"}).status_code == 404
    assert not DEAL_PAYMENTS.exists()


@pytest.mark.parametrize("body", [{}, {"provider": "wechat"}, {"provider": "sandbox\x00"}, {"provider": 1}])
def test_a_bad_provider_is_422_and_opens_nothing(deal, dealer_client, body):
    response = dealer_client.post(_path(deal, "/pay"), body)

    assert response.status_code == 422 and error_code(response) == "validation_error"
    assert not DEAL_PAYMENTS.exists()


def test_past_pay_before_the_deal_cannot_be_paid(dealer_client, make_client):
    deal = deal_awaiting_payment(pay_before=None)
    Deal.objects.filter(pk=deal.pk).update(pay_before=deal.created_at - dt.timedelta(seconds=1))

    response = make_client(deal.dealer.user).post(_path(deal, "/pay"), {"provider": "sandbox"})

    assert response.status_code == 409 and error_code(response) == "pay_before_passed"
    assert not DEAL_PAYMENTS.exists()


def test_a_paid_deal_is_not_paid_again(deal, dealer_client):
    pay_deal(deal)

    response = dealer_client.post(_path(deal, "/pay"), {"provider": "sandbox"})

    assert response.status_code == 409 and error_code(response) == "deal_not_awaiting_payment"
    assert response.json()["error"]["details"] == {"status": "paid"}
    assert DEAL_PAYMENTS.count() == 1


# --- claims -----------------------------------------------------------------------------------------------------------


@pytest.fixture
def handed(deal):
    pay_deal(deal)
    complete_handover(deal)
    return deal


def test_the_dealer_files_a_claim(handed, dealer_client):
    response = dealer_client.post(_path(handed, "/claims"), {"description": "空调不制冷，报告写正常"})

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["deal_id"], body["status"], body["description"]) == (handed.pk, "open", "空调不制冷，报告写正常")
    assert Claim.objects.get().pk == body["id"]


def test_claims_are_refused_with_their_reasons(deal, dealer_client, seller_client, make_client):
    body = {"description": "空调不制冷"}
    assert error_code(dealer_client.post(_path(deal, "/claims"), body)) == "deal_not_handed_over"
    pay_deal(deal)
    complete_handover(deal)
    assert error_code(seller_client.post(_path(deal, "/claims"), body)) == "permission_denied"
    assert make_client(UserFactory(roles=["dealer"])).post(_path(deal, "/claims"), body).status_code == 404
    assert dealer_client.post(_path(deal, "/claims"), body).status_code == 201
    assert error_code(dealer_client.post(_path(deal, "/claims"), body)) == "claim_exists"
    # three days after the handover
    Claim.objects.update(status=ClaimStatus.REJECTED, resolved_at=deal.handed_over_at)
    Deal.objects.filter(pk=deal.pk).update(handed_over_at=deal.handed_over_at - dt.timedelta(days=3))
    closed = dealer_client.post(_path(deal, "/claims"), body)
    assert closed.status_code == 409 and error_code(closed) == "claim_window_closed"
    assert Claim.objects.count() == 1


@pytest.mark.parametrize("description", ["", "x" * 2001, "异\x00响", None, ["x"]])
def test_a_bad_description_is_422_and_files_nothing(handed, dealer_client, description):
    response = dealer_client.post(_path(handed, "/claims"), {"description": description})

    assert response.status_code == 422 and error_code(response) == "validation_error"
    assert not Claim.objects.exists()


# --- QA ---------------------------------------------------------------------------------------------------------------


@pytest.fixture
def claim(handed):
    from consignment.deals.claims import claim_file

    return claim_file(deal_id=handed.pk, user=handed.dealer.user, description="变速箱顿挫")


def test_qa_lists_reads_and_resolves_claims(claim, qa_client):
    listed = qa_client.get("qa/claims", {"status": "open"}).json()
    assert listed["count"] == 1
    row = listed["items"][0]
    assert (row["id"], row["dealer_company"], row["inspector_name"], row["price"]) == (
        claim.pk,
        "沪上二手车行",
        "检测员李",
        "80000.00",
    )
    detail = qa_client.get(f"qa/claims/{claim.pk}").json()
    assert detail["deal"]["status"] == "handed_over" and detail["deal"]["net_to_seller"] == "77600.00"

    response = qa_client.post(
        f"qa/claims/{claim.pk}/resolve", {"outcome": "adjusted", "amount": "1500.00", "note": "补偿维修费"}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["adjustment"], body["resolution_note"]) == ("adjusted", "1500.00", "补偿维修费")
    assert body["deal"]["net_to_seller"] == str(PRICE - FEE - Decimal("1500.00"))
    assert Refund.objects.get().amount == Decimal("1500.00")
    again = qa_client.post(f"qa/claims/{claim.pk}/resolve", {"outcome": "rejected", "note": "改判"})
    assert again.status_code == 409 and error_code(again) == "claim_resolved"
    inspectors = qa_client.get("qa/claims/inspectors").json()["items"]
    assert inspectors == [
        {"inspector_id": claim.inspector_id, "name": "检测员李", "inspections": 1, "claims": 1, "upheld": 1}
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"outcome": "adjusted", "note": "缺金额"},
        {"outcome": "adjusted", "amount": "0", "note": "零"},
        {"outcome": "adjusted", "amount": "80000.00", "note": "全额"},
        {"outcome": "adjusted", "amount": "12.345", "note": "分以下"},
        {"outcome": "rejected", "amount": "10.00", "note": "驳回不应有金额"},
        {"outcome": "upheld", "note": "未知结果"},
        {"outcome": "rejected", "note": ""},
        {"outcome": "rejected", "note": "a\x00b"},
        {"outcome": "rejected"},
    ],
)
def test_a_bad_resolution_is_422_and_changes_nothing(claim, qa_client, body):
    response = qa_client.post(f"qa/claims/{claim.pk}/resolve", body)

    assert response.status_code == 422 and error_code(response) == "validation_error"
    claim.refresh_from_db()
    assert claim.status == "open" and not Refund.objects.exists()


def test_the_claims_pages_of_the_api_are_qas(claim, make_client, api):
    for user in (claim.deal.seller, claim.dealer.user, UserFactory(roles=["store_staff"])):
        client = make_client(user)
        assert client.get("qa/claims").status_code == 403
        assert client.get(f"qa/claims/{claim.pk}").status_code == 403
        assert client.get("qa/claims/inspectors").status_code == 403
        response = client.post(f"qa/claims/{claim.pk}/resolve", {"outcome": "rejected", "note": "x"})
        assert response.status_code == 403
    assert api.get("qa/claims").status_code == 401
    assert Claim.objects.get().status == "open"


def test_an_unknown_claim_is_404_for_qa(qa_client):
    assert qa_client.get("qa/claims/999999").status_code == 404
    assert qa_client.post("qa/claims/999999/resolve", {"outcome": "rejected", "note": "x"}).status_code == 404


def test_paid_deals_show_their_status(deal, dealer_client):
    pay_deal(deal)
    assert deal.status == DealStatus.PAID
    assert dealer_client.get("consignment/deals", {"status": "paid"}).json()["count"] == 1


# --- cost -------------------------------------------------------------------------------------------------------------


def test_the_lists_cost_the_same_whatever_their_length(deal, dealer_client, qa_client):
    from consignment.deals.claims import claim_file

    def queries(get) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert get().status_code == 200
        return len(captured)

    handed = []
    for _ in range(3):
        other = deal_awaiting_payment(dealer=deal.dealer)
        pay_deal(other)
        complete_handover(other)
        handed.append(other)
    claim_file(deal_id=handed[0].pk, user=deal.dealer.user, description="一")
    dealer_client.get("consignment/deals"), qa_client.get("qa/claims")  # the tokens' first use is recorded once
    one_deal_list = queries(lambda: dealer_client.get("consignment/deals", {"status": "awaiting_payment"}))
    one_claim_list = queries(lambda: qa_client.get("qa/claims"))
    for other in handed[1:]:
        claim_file(deal_id=other.pk, user=deal.dealer.user, description="二")

    assert queries(lambda: dealer_client.get("consignment/deals")) == one_deal_list
    assert queries(lambda: qa_client.get("qa/claims")) == one_claim_list
