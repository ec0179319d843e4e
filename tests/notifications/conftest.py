import pytest

from tests.notifications.support import Queue, record_every_channel


@pytest.fixture
def recorder(settings):
    """Every channel goes to RecordingSender; its class-level lists say what was sent."""
    sender = record_every_channel(settings)
    yield sender
    sender.reset()


@pytest.fixture
def queue():
    q = Queue()
    q.purge()
    yield q
    q.purge()
