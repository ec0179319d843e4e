"""Chefu's database engine (``ENGINE = "chefu.db.postgis"``): PostGIS as django-prometheus counts it, with a health
check that costs no round trip while the connection is quiet.

Django checks a persistent connection (``CONN_HEALTH_CHECKS``) before each request's first query with ``SELECT 1``:
one more round trip per request, about a tenth of a busy search's database time. A connection at rest sends nothing
and receives nothing, so a look at its socket tells most of it: nothing to read means the server has neither closed
it (PostgreSQL restarted, the backend terminated: it sends a last error, then closes) nor said anything else, and the
connection is used as it is. When there is something to read, or the socket reports an error or a hang-up, Django's
``SELECT 1`` decides, as before. A server that vanishes without closing (its host lost) leaves a quiet socket until
TCP's keepalives (``DATABASES`` OPTIONS) give up on it: the first query then fails, and Django replaces the connection.
"""

import select

from django_prometheus.db.backends.postgis.base import DatabaseWrapper as PrometheusPostgisWrapper
from psycopg2.extensions import TRANSACTION_STATUS_IDLE

_READABLE = select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP


def socket_quiet(fileno: int) -> bool:
    """Whether the socket ``fileno`` has nothing to read and no error or hang-up to report, asked without waiting."""
    poller = select.poll()
    poller.register(fileno, _READABLE)
    return not poller.poll(0)


class DatabaseWrapper(PrometheusPostgisWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed:  # psycopg2: nonzero once closed, by us or on a failure
            return False
        # After an error (Django asks at the request's end), or with a transaction left open, PostgreSQL decides.
        quiet_is_enough = not self.errors_occurred and connection.get_transaction_status() == TRANSACTION_STATUS_IDLE
        if quiet_is_enough and socket_quiet(connection.fileno()):
            return True
        return super().is_usable()
