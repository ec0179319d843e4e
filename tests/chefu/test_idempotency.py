"""chefu.idempotency.idempotent_remote on its own: what is stored when the remote step refuses or fails."""

import json

import pytest
from django.test import RequestFactory

from chefu.errors import Conflict, ServiceUnavailable
from chefu.idempotency import idempotent_remote
from chefu.models import IdempotencyRecord
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _request(user, key="k"):
    request = RequestFactory().post(
        "/api/v1/things", json.dumps({"a": 1}), content_type="application/json", headers={"Idempotency-Key": key}
    )
    request.auth = user
    return request


class Remote:
    """``finish`` for the tests: raises ``errors`` in turn, then answers 201."""

    def __init__(self, *errors):
        self.errors, self.calls = list(errors), 0

    def __call__(self, state):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return 201, {"state": state}


def _call(user, finish):
    return idempotent_remote(_request(user), scope="POST /things", reserve=lambda: "reserved", finish=finish)


def test_a_refusal_from_the_remote_step_is_stored_and_replayed():
    user = UserFactory()
    finish = Remote(Conflict("No.", details={"why": "x"}))
    with pytest.raises(Conflict):
        _call(user, finish)
    # when: the same key again
    again = _call(user, finish)
    # then: the stored refusal, without a second remote call
    assert again.status_code == 409 and again["Idempotent-Replayed"] == "true"
    assert json.loads(again.content)["error"] == {"code": "conflict", "message": "No.", "details": {"why": "x"}}
    assert finish.calls == 1


def test_a_server_side_failure_of_the_remote_step_frees_the_key():
    user = UserFactory()
    finish = Remote(ServiceUnavailable(), RuntimeError("boom"))
    with pytest.raises(ServiceUnavailable):
        _call(user, finish)
    assert not IdempotencyRecord.objects.exists()
    with pytest.raises(RuntimeError):
        _call(user, finish)
    assert not IdempotencyRecord.objects.exists()
    # when: the third try gets through, its answer is the one kept
    assert _call(user, finish).status_code == 201
    assert _call(user, finish)["Idempotent-Replayed"] == "true" and finish.calls == 3
    assert IdempotencyRecord.objects.get().response == {"state": "reserved"}


def test_a_refusal_from_the_reserving_step_is_stored_and_the_remote_step_never_runs():
    user = UserFactory()
    finish = Remote()

    def reserve():
        raise Conflict("Not now.")

    with pytest.raises(Conflict):
        idempotent_remote(_request(user), scope="POST /things", reserve=reserve, finish=finish)
    again = idempotent_remote(_request(user), scope="POST /things", reserve=reserve, finish=finish)
    assert again.status_code == 409 and again["Idempotent-Replayed"] == "true" and finish.calls == 0
