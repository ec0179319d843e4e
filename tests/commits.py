"""Commits as production makes them, inside a test that runs in one transaction it rolls back (``django_db`` without
``transaction=True``): there ``transaction.on_commit`` callbacks never run by themselves.

Inside :func:`commits`, the test's transaction stands for autocommit: when an outermost atomic block of the code
under test ends without an error, the callbacks it registered run then, before the code goes on, as they would after
its commit (so an API answer built after a service returns sees what the service's events did). Callbacks registered
outside any such block run when the ``with`` ends. A callback that has run stays listed as a no-op, so a test's own
``django_capture_on_commit_callbacks`` still sees it. Elsewhere, and in transactional tests, nothing changes.
"""

import contextlib
import logging
import threading
from collections.abc import Iterator

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.transaction import Atomic

logger = logging.getLogger(__name__)

_state = threading.local()
_original_exit = Atomic.__exit__


def _ran(callback):
    """What stays in the connection's list in place of a callback that has run: a test's own
    ``django_capture_on_commit_callbacks`` still counts it, and running it again does nothing."""

    def ran() -> None:
        pass

    ran.__qualname__ = callback.__qualname__
    ran.committed = True
    return ran


def _run_pending(connection, start: int) -> None:
    """Run the callbacks from ``start`` on that have not run, and those they register, like a commit does."""
    if getattr(_state, "running", False):
        return  # a callback's own transaction ended: the loop below picks up what it registered
    _state.running = True
    try:
        while True:
            pending = [
                (i, entry)
                for i, entry in enumerate(connection.run_on_commit)
                if i >= start and not getattr(entry[1], "committed", False)
            ]
            if not pending:
                break
            for i, (sids, callback, robust) in pending:
                connection.run_on_commit[i] = (sids, _ran(callback), robust)
                if not robust:
                    callback()
                    continue
                try:
                    callback()
                except Exception:
                    logger.exception("Error calling %s in on_commit()", callback.__qualname__)
    finally:
        _state.running = False


def _exit(self, exc_type, exc_value, traceback):
    result = _original_exit(self, exc_type, exc_value, traceback)
    baselines = getattr(_state, "baselines", None)
    if baselines and exc_type is None:
        connection = connections[self.using or DEFAULT_DB_ALIAS]
        baseline = baselines.get(connection.alias)
        if baseline is not None and len(connection.atomic_blocks) == baseline[0]:
            _run_pending(connection, baseline[1])
    return result


@contextlib.contextmanager
def commits(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Within it, an outermost atomic block that ends runs its on_commit callbacks (see the module docstring)."""
    connection = connections[using]
    if not connection.in_atomic_block:
        yield  # autocommit, or a transactional test: the callbacks run by themselves
        return
    baselines = getattr(_state, "baselines", None)
    if baselines is None:
        baselines = _state.baselines = {}
    before = baselines.get(using)
    baselines[using] = (len(connection.atomic_blocks), len(connection.run_on_commit))
    Atomic.__exit__ = _exit
    try:
        yield
        _run_pending(connection, baselines[using][1])
    finally:
        if before is None:
            baselines.pop(using, None)
        else:
            baselines[using] = before
        if not baselines:
            Atomic.__exit__ = _original_exit
