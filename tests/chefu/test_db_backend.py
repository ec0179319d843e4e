"""chefu.db.postgis: the health check of a persistent connection looks at its socket before it asks PostgreSQL."""

import time

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections

pytestmark = pytest.mark.django_db


@pytest.fixture
def own():
    """A connection of its own (the test's is inside its transaction), closed afterwards."""
    wrapper = connections.create_connection(DEFAULT_DB_ALIAS)
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def _last_statement(pid: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0]


def test_a_quiet_connection_is_usable_without_a_round_trip(own):
    with own.cursor() as cursor:
        cursor.execute("SELECT 'the last statement'")
    pid = own.connection.get_backend_pid()
    # when: the health check runs on the connection at rest
    assert own.is_usable()
    # then: PostgreSQL was not asked anything (Django's check would have sent SELECT 1)
    assert _last_statement(pid) == "SELECT 'the last statement'"


def test_a_connection_the_server_ended_is_not_usable_and_the_next_query_reconnects(own):
    pid = own.connection.get_backend_pid()
    # when: PostgreSQL ends the session (as a restart does: a last error, then the socket closes)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while own.is_usable() and time.monotonic() < deadline:
        time.sleep(0.05)
    # then: the check says so, and Django's health check (CONN_HEALTH_CHECKS) replaces the connection before a query
    assert not own.is_usable()
    own.health_check_done = False
    with own.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_after_an_error_or_inside_a_transaction_postgresql_is_asked(own):
    pid = own.connection.get_backend_pid()
    # after an error (Django's check at the request's end): the quiet socket is not enough
    own.errors_occurred = True
    assert own.is_usable()
    assert _last_statement(pid) == "SELECT 1"
    own.errors_occurred = False
    # inside a transaction left open: neither
    with own.cursor() as cursor:
        own.set_autocommit(False)
        cursor.execute("SELECT 'in a transaction'")
        assert own.is_usable()
        assert _last_statement(pid) == "SELECT 1"
        own.rollback()
        own.set_autocommit(True)
