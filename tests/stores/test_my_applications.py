"""GET /partner/applications: an applicant follows their own applications (never anyone else's), with QA's decision
and not QA's notes."""

import pytest

from stores.coords import wgs84_to_gcj02
from stores.services import application_approve, application_reject, application_submit
from tests.chefu.envelope import assert_error
from tests.factories import UserFactory
from tests.stores.conftest import APPLICATION

pytestmark = pytest.mark.django_db

MINE = "/api/v1/partner/applications"


def _submit(applicant, **changes):
    payload = {**APPLICATION, **changes}
    timezone_name = payload.pop("timezone")
    return application_submit(applicant=applicant, timezone_name=timezone_name, **payload)


def test_an_applicant_sees_their_applications_newest_first_with_the_decisions(applicant, applicant_client, qa_user):
    refused = _submit(applicant, name="第一次申请")
    application_reject(application=refused, by=qa_user, reason="照片不清晰，请补充门头照")
    approved = _submit(applicant, name="第二次申请")
    application_approve(application=approved, by=qa_user, notes="内部备注：门店老板是熟人")
    _submit(UserFactory(roles=["owner"]), name="别人的申请")

    response = applicant_client.get(MINE)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 2
    first, second = body["items"]
    approved.refresh_from_db()
    assert (first["name"], first["status"], first["store_id"]) == ("第二次申请", "approved", approved.store_id)
    assert (second["name"], second["status"], second["reject_reason"]) == (
        "第一次申请",
        "rejected",
        "照片不清晰，请补充门头照",
    )
    assert second["reviewed_at"] is not None
    assert "notes" not in first and "applicant" not in first
    assert "内部备注" not in response.content.decode()
    assert first["bays"] == APPLICATION["bays"]


def test_the_place_comes_back_in_the_system_asked_for(applicant, applicant_client):
    _submit(applicant)

    item = applicant_client.get(MINE, {"coord": "gcj02"}).json()["items"][0]

    assert (item["lat"], item["lng"]) == pytest.approx(wgs84_to_gcj02(APPLICATION["lat"], APPLICATION["lng"]), abs=1e-6)


def test_someone_with_no_application_has_none_and_a_visitor_is_401(applicant, api, make_client):
    _submit(applicant)

    assert make_client(UserFactory(roles=["owner"])).get(MINE).json() == {"items": [], "count": 0}
    assert_error(api.get(MINE), 401, "not_authenticated")
    assert_error(make_client(applicant).get(MINE, {"limit": 0}), 422, "validation_error")


def test_qa_sees_what_the_applicant_sees_with_who_applied_and_qa_notes(applicant, applicant_client, qa_client):
    _submit(applicant)

    mine = applicant_client.get(MINE).json()["items"][0]
    qa = qa_client.get("/api/v1/qa/applications").json()["items"][0]

    assert set(qa) - set(mine) == {"applicant", "notes"}
    assert {name: qa[name] for name in mine} == mine
