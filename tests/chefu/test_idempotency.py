"""chefu.idempotency.idempotent and idempotent_remote on their own: what is stored when a step refuses or fails."""

import json

import pytest
from django.test import RequestFactory

from chefu.errors import Conflict, ServiceUnavailable, application_error_response
from chefu.idempotency import IdempotencyKeyReused, idempotent, idempotent_remote
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


def _refusing_step(wrapper: str, error: Exception):
    """One call with the key whose step ``wrapper`` names raises ``error`` once, then answers 201."""
    remote = Remote(error)

    def call(user):
        if wrapper == "idempotent":
            return idempotent(_request(user), scope="POST /things", work=lambda: remote("local"))
        if wrapper == "reserve":
            return idempotent_remote(
                _request(user), scope="POST /things", reserve=lambda: remote("r")[1], finish=Remote()
            )
        return idempotent_remote(_request(user), scope="POST /things", reserve=lambda: "reserved", finish=remote)

    return call, remote


@pytest.mark.parametrize("wrapper", ["idempotent", "reserve", "finish"])
def test_a_refusal_is_replayed_unless_it_says_when_to_retry(wrapper):
    user = UserFactory()
    # given: a step refuses, saying when to try again
    call, step = _refusing_step(wrapper, Conflict("Busy, come back.", retry_after_s=5))
    with pytest.raises(Conflict):
        call(user)
    # then: that refusal is not the answer: the key is free and the retry runs the step again
    assert not IdempotencyRecord.objects.exists()
    assert call(user).status_code == 201 and step.calls == 2
    # while a refusal without it is the answer, replayed without running the step
    other = UserFactory()
    call, step = _refusing_step(wrapper, Conflict("No."))
    with pytest.raises(Conflict):
        call(other)
    again = call(other)
    assert again.status_code == 409 and again["Idempotent-Replayed"] == "true" and step.calls == 1


@pytest.mark.parametrize("wrapper", ["idempotent", "idempotent_remote"])
def test_a_key_reused_for_another_body_is_a_422_naming_the_header(wrapper):
    user = UserFactory()

    def call(body: dict):
        request = RequestFactory().post(
            "/api/v1/things", json.dumps(body), content_type="application/json", headers={"Idempotency-Key": "k"}
        )
        request.auth = user
        if wrapper == "idempotent":
            return idempotent(request, scope="POST /things", work=lambda: (201, body))
        return idempotent_remote(request, scope="POST /things", reserve=lambda: body, finish=lambda state: (201, state))

    assert call({"a": 1}).status_code == 201
    with pytest.raises(IdempotencyKeyReused) as refused:
        call({"a": 2})

    # The code stays (clients rely on it); like every 422, the answer names the field: the header.
    error = json.loads(application_error_response(refused.value).content)["error"]
    assert error["code"] == "idempotency_key_reused"
    assert error["details"] == {"fields": {"Idempotency-Key": [error["message"]]}}
