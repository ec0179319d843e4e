"""Paying another purpose's charge the way the app that owns it will: the demo purpose of tests/purposes_app, opened
and checked out through the sandbox, and the provider's signed notification applied."""

import threading
import time
from decimal import Decimal

from django.db import connection, connections

from accounts.models import User
from payments import services
from payments.models import Payment, Refund
from tests.payments.paying import notify
from tests.purposes_app.purposes import DEPOSIT_DEMO

PURPOSE = DEPOSIT_DEMO.code
HELD = f"held:{PURPOSE}"
REVENUE = f"revenue:{PURPOSE}"
CLEARING = "provider_clearing:sandbox"


def open_charge(payer: User, subject: str = "deposit:1", amount: str = "5000.00", description: str = "") -> Payment:
    payment = services.payment_open_for(
        purpose=PURPOSE,
        subject=subject,
        payer=payer,
        amount=Decimal(amount),
        provider="sandbox",
        description=description,
    )
    return services.payment_checkout(payment=payment)


def pay_charge(payer: User, subject: str = "deposit:1", amount: str = "5000.00") -> Payment:
    payment = open_charge(payer, subject, amount)
    notify(payment)
    payment.refresh_from_db()
    return payment


def execute_charge_refunds(payment: Payment) -> None:
    for refund in Refund.objects.filter(payment=payment, status="pending"):
        services.refund_execute(refund_id=refund.pk)


def entry_lines(entry) -> dict[str, Decimal]:
    return {line.account.code: line.amount for line in entry.lines.select_related("account")}


def at_once(*moves) -> list:
    """Run each move on its own thread and connection, all released together; what each returned or raised."""
    barrier, outcomes = threading.Barrier(len(moves)), [None] * len(moves)

    def run(i, move):
        try:
            barrier.wait()
            outcomes[i] = move()
        except Exception as error:
            outcomes[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, move)) for i, move in enumerate(moves)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def _another_waits_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def read_together(monkeypatch, module, name: str, readers: int = 2) -> list:
    """Make ``module.name`` (a read a service makes before it writes) wait, once it has read, until the other
    readers have read too or one is seen waiting on a lock: without the service's lock they would all read the same
    state, then all write. Returns what each read, in order."""
    read, real = [], getattr(module, name)

    def reading(*args, **kwargs):
        found = real(*args, **kwargs)
        if not isinstance(found, Decimal):
            found = list(found)
        read.append(found)
        deadline = time.monotonic() + 10
        while len(read) < readers and not _another_waits_on_a_lock() and time.monotonic() < deadline:
            time.sleep(0.01)
        return found

    monkeypatch.setattr(module, name, reading)
    return read
