"""A payout the provider refused (an Alipay account that does not exist): the seller sees it on the deal and gives
another account, by the API or on the deal page, and is paid into it; QA may ask again only into the account the
seller named; the dealer may not, a stranger finds nothing, a bad account or a payout that was not refused changes
nothing, and two retries at once pay once."""

import threading

import pytest
from django.db import connections
from django.test import Client

from consignment.deals import settlement
from consignment.deals.exceptions import PayoutNotRefused
from consignment.models import DealStatus
from notifications.models import Message
from payments.models import EntryKind, JournalEntry, Payout, PayoutStatus
from payments.reconciliation import mismatches
from tests.consignment.deals.conftest import (
    FEE,
    PRICE,
    deal_awaiting_payment,
    payout_refused,
    provider_runs,
    read_together,
)
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committing")]

NET = PRICE - FEE


def _refused(deal):
    payout = payout_refused(deal)
    assert deal.status == DealStatus.HANDED_OVER and payout.status == PayoutStatus.FAILED
    return payout


def test_the_seller_sees_the_refused_payout_and_is_paid_into_another_account(deal, make_client):
    _refused(deal)
    seller = make_client(deal.seller)

    shown = seller.get(f"consignment/deals/{deal.pk}").json()["payout"]
    assert (shown["status"], shown["amount"], shown["payee_account"]) == ("failed", f"{NET:.2f}", deal.seller.phone)
    assert shown["error"]
    assert make_client(deal.dealer.user).get(f"consignment/deals/{deal.pk}").json()["payout"] is None

    response = seller.post(f"consignment/deals/{deal.pk}/payout", {"payee_account": " zw@example.com "})

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["amount"], body["payee_account"]) == ("pending", f"{NET:.2f}", "zw@example.com")
    # the seller is told where the money now goes (masked), in case someone else asked for it
    told = Message.objects.get(template="deal_payout_account_changed", channel="sms")
    assert told.recipient_id == deal.seller_id and "z***@example.com" in told.body
    provider_runs()
    deal.refresh_from_db()
    assert deal.status == DealStatus.SETTLED
    assert seller.get(f"consignment/deals/{deal.pk}").json()["payout"]["status"] == "paid"
    assert JournalEntry.objects.filter(kind=EntryKind.PAYOUT_PAID).count() == 1
    assert mismatches() == []


def test_a_mobile_number_is_an_account_too(deal, make_client):
    _refused(deal)

    response = make_client(deal.seller).post(
        f"consignment/deals/{deal.pk}/payout", {"payee_account": "+86 139 0000 1234"}
    )

    assert response.status_code == 201, response.content
    assert response.json()["payee_account"] == "13900001234"


def test_qa_may_ask_again_only_into_the_account_the_seller_named(deal, make_client):
    refused = _refused(deal)
    qa = make_client(UserFactory(roles=["qa"]))
    url = f"consignment/deals/{deal.pk}/payout"

    response = qa.post(url, {"payee_account": "qa-own@example.com"})
    assert response.status_code == 403 and Payout.objects.count() == 1

    response = qa.post(url, {})
    assert response.status_code == 201, response.content
    assert response.json()["payee_account"] == refused.payee_account == deal.seller.phone
    assert not Message.objects.filter(template="deal_payout_account_changed").exists()  # the same account


def test_the_dealer_is_refused_a_stranger_finds_nothing_and_a_bad_account_writes_nothing(deal, make_client):
    _refused(deal)
    url = f"consignment/deals/{deal.pk}/payout"
    before = Payout.objects.count(), deal.events.count()

    assert make_client(deal.dealer.user).post(url, {}).status_code == 403
    assert make_client(UserFactory(roles=["owner"])).post(url, {}).status_code == 404
    assert make_client(deal.seller).post("consignment/deals/999999/payout", {}).status_code == 404
    for bad in ("not an account", "12345", "a@b", "x" * 95 + "@a.com"):
        response = make_client(deal.seller).post(url, {"payee_account": bad})
        assert response.status_code == 422, (bad, response.content)
        assert response.json()["error"]["code"] == "validation_error"

    # the dealer is refused whatever other role they have; a stranger's bad account is still a 404
    deal.dealer.user.roles = [*deal.dealer.user.roles, "qa"]
    deal.dealer.user.save(update_fields=["roles"])
    assert make_client(deal.dealer.user).post(url, {}).status_code == 403
    assert make_client(UserFactory(roles=["owner"])).post(url, {"payee_account": "nope"}).status_code == 404
    # the seller asking again into the account just refused (their phone, given or left empty)
    for same in ({}, {"payee_account": deal.seller.phone}):
        response = make_client(deal.seller).post(url, same)
        assert response.status_code == 422 and "payee_account" in response.json()["error"]["details"]["fields"]

    assert (Payout.objects.count(), deal.events.count()) == before


def test_only_a_refused_payout_may_be_asked_for_again(deal, make_client):
    seller = make_client(deal.seller)
    url = f"consignment/deals/{deal.pk}/payout"
    assert seller.post(url, {}).json()["error"]["code"] == "payout_not_refused"  # not even paid yet

    _refused(deal)
    assert seller.post(url, {"payee_account": "zw@example.com"}).status_code == 201  # pending now
    response = seller.post(url, {"payee_account": "zw2@example.com"})

    assert response.status_code == 409 and response.json()["error"]["code"] == "payout_not_refused"
    assert Payout.objects.filter(status=PayoutStatus.PENDING).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_retries_at_once_pay_once(monkeypatch):
    # given both retries' reads of the deal held until the other has read too or waits on the deal's lock: without
    # it both would see the refused payout and both ask for the same money
    deal = deal_awaiting_payment()
    _refused(deal)
    read = read_together(monkeypatch, settlement, "deal_lock")
    barrier, outcomes = threading.Barrier(2), []

    def retry(account):
        try:
            barrier.wait()
            settlement.deal_payout_retry(deal_id=deal.pk, by=deal.seller, payee_account=account)
            outcomes.append("paid")
        except PayoutNotRefused:
            outcomes.append("refused")
        except Exception as error:
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=retry, args=(a,)) for a in ("13900001111", "13900002222")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(outcomes) == ["paid", "refused"], outcomes
    assert len(read) == 2
    assert Payout.objects.filter(status=PayoutStatus.PENDING).count() == 1
    assert mismatches() == []


def test_the_deal_page_shows_the_refusal_and_takes_another_account(deal):
    _refused(deal)
    page = Client()
    page.force_login(deal.seller)
    url = f"/consignment/deals/{deal.pk}/"

    shown = page.get(url).content.decode()
    assert "支付宝无法向该账号打款" in shown and 'value="payout"' in shown
    dealer = Client()
    dealer.force_login(deal.dealer.user)
    assert 'id="payout"' not in dealer.get(url).content.decode()

    refused = page.post(url, {"action": "payout", "payee_account": "nope"}).content.decode()
    assert "请填写支付宝账号对应的手机号或邮箱" in refused and 'value="nope"' in refused
    assert Payout.objects.count() == 1

    response = page.post(url, {"action": "payout", "payee_account": "zw@example.com"})
    assert response.status_code == 302 and response["Location"].endswith("#payout")
    assert Payout.objects.get(status=PayoutStatus.PENDING).payee_account == "zw@example.com"
    assert "支付宝无法向该账号打款" not in page.get(url).content.decode()
