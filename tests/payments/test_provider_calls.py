"""No provider call inside a transaction (STYLE.md §8): every provider's create, refund, query and transfer check
it, and the payments services keep to it. Most tests here run inside the test's own transaction, which the root
conftest's ``_autocommit_baseline`` has the check take for autocommit; the transactional ones show the check alone."""

import datetime as dt
import logging
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils.module_loading import import_string

from payments import services
from payments.models import Refund
from payments.providers.base import (
    REMOTE_METHODS,
    ProviderCalledInTransaction,
    autocommit_baseline,
    provider_get,
    transaction_open,
)
from payments.providers.sandbox import SandboxProvider
from tests.bookings.conftest import book, local, make_shop, tomorrow
from tests.fakes.payment_providers import GatedSandbox

pytestmark = pytest.mark.django_db
NOTIFY_URL = "http://testserver/api/v1/payments/notify/sandbox"


@pytest.fixture
def sandbox():
    SandboxProvider.forget_trades()
    yield provider_get("sandbox")
    SandboxProvider.forget_trades()


CALLS = {
    "create": lambda p: p.create(out_trade_no="P1", amount=Decimal("10.00"), subject="洗车", notify_url=NOTIFY_URL),
    "refund": lambda p: p.refund(out_trade_no="P1", refund_amount=Decimal("10.00"), out_request_no="R1"),
    "query": lambda p: p.query(out_trade_no="P1"),
    "transfer": lambda p: p.transfer(out_biz_no="PO1", amount=Decimal("10.00"), payee_account="13800000000"),
}


@pytest.mark.parametrize("method", REMOTE_METHODS)
def test_a_provider_call_inside_a_transaction_is_refused(sandbox, method):
    refused = pytest.raises(ProviderCalledInTransaction, match=rf"SandboxProvider\.{method} .* 'default'")
    with refused, transaction.atomic():
        CALLS[method](sandbox)


@pytest.mark.parametrize("method", REMOTE_METHODS)
def test_outside_a_transaction_the_call_goes_through(sandbox, method):
    # the test's own wrapping transaction stands for autocommit and does not count
    assert connection.in_atomic_block and transaction_open() is None
    CALLS[method](sandbox)


def test_where_the_check_only_logs_the_call_still_goes_through(sandbox, settings, caplog):
    settings.PAYMENT_PROVIDER_CALL_CHECK = "log"
    with caplog.at_level(logging.ERROR, logger="payments.providers.base"), transaction.atomic():
        assert CALLS["create"](sandbox).pay_url
    assert "SandboxProvider.create called inside a transaction" in caplog.text


def test_every_provider_and_subclass_is_checked(settings):
    classes = [import_string(path) for path in settings.PAYMENT_PROVIDERS.values()] + [GatedSandbox]
    for cls in classes:
        for method in REMOTE_METHODS:
            assert getattr(getattr(cls, method), "outside_transactions", False), f"{cls.__name__}.{method}"


def _pay(booking):
    payment = services.payment_open(booking_id=booking.pk, owner=booking.owner, provider="sandbox")
    return services.payment_checkout(payment=payment)


def test_paying_inside_a_transaction_is_caught(owner):
    booking = book(owner, make_shop(), local(tomorrow() + dt.timedelta(days=2), 10))
    with pytest.raises(ProviderCalledInTransaction), transaction.atomic():
        _pay(booking)
    # outside one it works
    assert _pay(booking).pay_url


def test_a_refund_is_executed_outside_any_transaction(owner):
    booking = book(owner, make_shop(), local(tomorrow() + dt.timedelta(days=2), 10))
    payment = _pay(booking)
    refund = Refund.objects.create(
        payment=payment, booking=booking, amount=Decimal("10.00"), reason="complaint", cause="c", out_request_no="R9"
    )
    with pytest.raises(ProviderCalledInTransaction), transaction.atomic():
        services.refund_execute(refund_id=refund.pk)
    assert services.refund_execute(refund_id=refund.pk) == "succeeded"


@pytest.mark.django_db(transaction=True)
def test_a_transaction_opened_by_hand_counts_too(sandbox):
    transaction.set_autocommit(False)
    try:
        with pytest.raises(ProviderCalledInTransaction):
            CALLS["query"](sandbox)
    finally:
        transaction.rollback()
        transaction.set_autocommit(True)
    assert transaction_open() is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("method", REMOTE_METHODS)
def test_the_check_alone_sees_a_transaction_and_only_then(sandbox, method):
    # given: autocommit, as in a running site: no baseline, nothing open
    assert not connection.in_atomic_block and transaction_open() is None
    CALLS[method](sandbox)
    # then: any atomic block is a transaction, a savepoint inside one too
    with pytest.raises(ProviderCalledInTransaction), transaction.atomic():
        CALLS[method](sandbox)
    with transaction.atomic(), pytest.raises(ProviderCalledInTransaction), transaction.atomic():
        CALLS[method](sandbox)


@pytest.mark.django_db(transaction=True)
def test_a_baseline_hides_only_the_blocks_open_when_it_was_set():
    with transaction.atomic():
        with autocommit_baseline():
            assert transaction_open() is None
            with transaction.atomic():
                assert transaction_open() == "default"
            with autocommit_baseline(), transaction.atomic():
                assert transaction_open() == "default"
            assert transaction_open() is None
        # and once it is left the outer block counts again
        assert transaction_open() == "default"
    assert transaction_open() is None
