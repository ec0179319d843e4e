"""The stores services emit StoreStatusChanged wherever a store's status changes."""

import pytest

from chefu.events import recording
from stores.events import StoreStatusChanged
from stores.services import store_status_transition

pytestmark = pytest.mark.django_db


def test_a_status_transition_emits_store_status_changed(store, qa_user):
    with recording() as emitted:
        store_status_transition(store=store, to_status="suspended", by=qa_user, reason="投诉")

    assert emitted == [StoreStatusChanged(store_id=store.pk, from_status="active", to_status="suspended")]
