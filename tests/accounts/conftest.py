import pytest

from tests.factories import UserFactory


@pytest.fixture
def other_owner(db):
    return UserFactory(roles=["owner"])
