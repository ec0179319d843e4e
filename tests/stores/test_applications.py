"""Partner applications: a shop applies, QA approves (the store is created) or rejects."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import Client

from stores.coords import wgs84_to_bd09, wgs84_to_gcj02
from stores.exceptions import InvalidTransition
from stores.models import (
    ApplicationStatus,
    OpeningHours,
    PartnerApplication,
    Store,
    StoreMembership,
    StoreStatusEvent,
)
from stores.services import application_approve, application_reject, application_submit

pytestmark = pytest.mark.django_db

SUBMIT = "/api/v1/partner/applications"
LIST = "/api/v1/qa/applications"


def _approve_url(application_id: int) -> str:
    return f"/api/v1/qa/applications/{application_id}/approve"


def _reject_url(application_id: int) -> str:
    return f"/api/v1/qa/applications/{application_id}/reject"


def _error(response) -> dict:
    return response.json()["error"]


# --- submitting -----------------------------------------------------------------------------------


def test_submit(applicant, applicant_client, application_payload):
    response = applicant_client.post(SUBMIT, application_payload)

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "submitted"
    application = PartnerApplication.objects.get(pk=body["id"])
    assert application.applicant == applicant
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.store is None
    assert application.name == "极速养护中心"
    assert (application.location.y, application.location.x) == pytest.approx((31.1915, 121.4365), abs=1e-9)
    assert application.categories == ["maintenance", "washing"]
    assert application.bays == application_payload["bays"]
    assert len(application.opening_hours) == 12
    assert not Store.objects.exists()


def test_submit_needs_a_signed_in_user(api, application_payload):
    response = api.post(SUBMIT, application_payload)

    assert response.status_code == 401
    assert _error(response)["code"] == "not_authenticated"
    assert not PartnerApplication.objects.exists()


def _unknown_category(p):
    p["categories"].append("spaceflight")


def _bay_category_not_in_store(p):
    p["bays"][0]["categories"] = ["parts_install"]


def _store_category_no_bay_serves(p):
    p["categories"].append("parts_install")


def _overlapping_ranges(p):
    p["opening_hours"].append({"weekday": 0, "opens": "11:00", "closes": "14:00"})


def _overlap_across_midnight(p):
    p["opening_hours"] = [
        {"weekday": 0, "opens": "20:00", "closes": "02:00"},
        {"weekday": 1, "opens": "01:00", "closes": "05:00"},
    ]


def _overlap_across_the_week(p):
    p["opening_hours"] = [
        {"weekday": 6, "opens": "22:00", "closes": "03:00"},
        {"weekday": 0, "opens": "02:30", "closes": "09:00"},
    ]


def _bad_time(p):
    p["opening_hours"][0]["closes"] = "25:00"


def _bad_opening_time(p):
    p["opening_hours"][0]["opens"] = "8.30"


def _weekday_7(p):
    p["opening_hours"][0]["weekday"] = 7


def _bad_phone(p):
    p["phone"] = "12345"


def _lat_out_of_range(p):
    p["lat"] = 91


def _lng_out_of_range(p):
    p["lng"] = -181


def _no_bays(p):
    p["bays"] = []


def _no_categories(p):
    p["categories"] = []


def _duplicate_bay_names(p):
    p["bays"][1]["name"] = p["bays"][0]["name"] + " "


def _unknown_timezone(p):
    p["timezone"] = "Mars/Olympus_Mons"


def _blank_name(p):
    p["name"] = "   "


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (_unknown_category, "categories"),
        (_bay_category_not_in_store, "bays.0.categories"),
        (_store_category_no_bay_serves, "categories"),
        (_overlapping_ranges, "opening_hours"),
        (_overlap_across_midnight, "opening_hours"),
        (_overlap_across_the_week, "opening_hours"),
        (_bad_time, "opening_hours.0.closes"),
        (_bad_opening_time, "opening_hours.0.opens"),
        (_weekday_7, "opening_hours.0.weekday"),
        (_bad_phone, "phone"),
        (_lat_out_of_range, "lat"),
        (_lng_out_of_range, "lng"),
        (_no_bays, "bays"),
        (_no_categories, "categories"),
        (_duplicate_bay_names, "bays.1.name"),
        (_unknown_timezone, "timezone"),
        (_blank_name, "name"),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else v,
)
def test_invalid_application_is_422_and_writes_nothing(applicant_client, application_payload, mutate, field):
    mutate(application_payload)

    response = applicant_client.post(SUBMIT, application_payload)

    assert response.status_code == 422, response.content
    error = _error(response)
    assert error["code"] == "validation_error"
    assert field in error["details"]["fields"], error
    assert all(isinstance(m, str) and m for m in error["details"]["fields"][field])
    assert not PartnerApplication.objects.exists()


@pytest.mark.parametrize(("coord", "transform"), [("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)])
def test_submit_in_a_chinese_map_system_is_stored_as_wgs84(applicant_client, application_payload, coord, transform):
    wgs = (31.1915, 121.4365)
    application_payload["lat"], application_payload["lng"] = transform(*wgs)

    response = applicant_client.post(f"{SUBMIT}?coord={coord}", application_payload)

    assert response.status_code == 201
    location = PartnerApplication.objects.get(pk=response.json()["id"]).location
    assert location.y == pytest.approx(wgs[0], abs=1e-7)
    assert location.x == pytest.approx(wgs[1], abs=1e-7)


# --- QA queue -------------------------------------------------------------------------------------


def _submit(applicant, payload, **overrides):
    payload = {**payload, **overrides}
    timezone_name = payload.pop("timezone")
    return application_submit(applicant=applicant, timezone_name=timezone_name, **payload)


def test_qa_lists_applications_by_status(qa_user, qa_client, applicant, application_payload):
    first = _submit(applicant, application_payload, name="一号店")
    second = _submit(applicant, application_payload, name="二号店")
    approved = _submit(applicant, application_payload, name="已批准")
    application_approve(application=approved, by=qa_user)
    rejected = _submit(applicant, application_payload, name="已拒绝")
    application_reject(application=rejected, by=qa_user, reason="资质不全")

    submitted = qa_client.get(LIST, {"status": "submitted"})
    everything = qa_client.get(LIST)
    only_rejected = qa_client.get(LIST, {"status": "rejected"})

    assert submitted.status_code == 200
    body = submitted.json()
    assert body["count"] == 2
    assert [item["id"] for item in body["items"]] == [first.id, second.id]
    item = body["items"][0]
    assert item["status"] == "submitted"
    assert item["name"] == "一号店"
    assert item["applicant"]["id"] == applicant.id
    assert item["lat"] == pytest.approx(31.1915, abs=1e-7)
    assert item["categories"] == ["maintenance", "washing"]
    assert item["store_id"] is None
    assert everything.json()["count"] == 4
    assert [i["id"] for i in only_rejected.json()["items"]] == [rejected.id]
    assert only_rejected.json()["items"][0]["reject_reason"] == "资质不全"


def test_list_pagination(qa_client, applicant, application_payload):
    ids = [_submit(applicant, application_payload, name=f"店{k}").id for k in range(5)]

    body = qa_client.get(LIST, {"status": "submitted", "limit": 2, "offset": 2}).json()

    assert body["count"] == 5
    assert [item["id"] for item in body["items"]] == ids[2:4]


def test_only_qa_lists_applications(owner_client, api, submitted_application):
    response = owner_client.get(LIST, {"status": "submitted"})

    assert response.status_code == 403
    assert _error(response)["code"] == "permission_denied"
    assert api.get(LIST).status_code == 401


# --- approving ------------------------------------------------------------------------------------


def test_approve_creates_the_store(qa_user, qa_client, applicant, applicant_client, submitted_application, api):
    # when
    response = qa_client.post(_approve_url(submitted_application.id), {"notes": "现场核验通过"})

    # then the answer
    assert response.status_code == 200
    body = response.json()
    store = Store.objects.get()
    assert body == {"id": submitted_application.id, "status": "approved", "store_id": store.id}

    # the store, exactly as applied for
    assert store.status == "active"
    assert store.name == "极速养护中心"
    assert store.phone == "021-54321234"
    assert store.timezone == "Asia/Shanghai"
    assert (store.location.y, store.location.x) == pytest.approx((31.1915, 121.4365), abs=1e-9)
    assert sorted(store.categories.values_list("code", flat=True)) == ["maintenance", "washing"]
    bays = {bay.name: sorted(bay.categories.values_list("code", flat=True)) for bay in store.bays.all()}
    assert bays == {"1号工位": ["maintenance"], "洗车位": ["maintenance", "washing"]}
    hours = sorted((h.weekday, h.opens, h.closes) for h in OpeningHours.objects.filter(store=store))
    expected = sorted(
        [(d, dt.time(8, 30), dt.time(12, 0)) for d in range(6)]
        + [(d, dt.time(13, 30), dt.time(18, 30)) for d in range(6)]
    )
    assert hours == expected

    # the application records the decision
    submitted_application.refresh_from_db()
    assert submitted_application.status == "approved"
    assert submitted_application.store == store
    assert submitted_application.reviewed_by == qa_user
    assert submitted_application.reviewed_at is not None
    assert submitted_application.notes == "现场核验通过"

    # the applicant manages it
    me = applicant_client.get("/api/v1/me").json()
    assert me["stores"] == [{"id": store.id, "name": "极速养护中心", "role": "manager"}]
    assert "store_staff" in me["roles"]
    assert "owner" in me["roles"]
    assert StoreMembership.objects.get(store=store).user == applicant

    # the status history starts
    (event,) = StoreStatusEvent.objects.filter(store=store)
    assert (event.from_status, event.to_status, event.by) == ("", "active", qa_user)
    assert event.reason

    # and owners can find it
    assert api.get(f"/api/v1/stores/{store.id}").status_code == 200
    nearby = api.get("/api/v1/stores/nearby", {"lat": 31.1915, "lng": 121.4365, "radius_km": 1}).json()
    assert [item["id"] for item in nearby["items"]] == [store.id]


def test_approve_without_a_body(qa_client, submitted_application):
    response = qa_client.post(_approve_url(submitted_application.id))

    assert response.status_code == 200
    assert response.json()["status"] == "approved"


def test_approving_twice_is_409(qa_client, submitted_application):
    assert qa_client.post(_approve_url(submitted_application.id), {}).status_code == 200

    response = qa_client.post(_approve_url(submitted_application.id), {})

    assert response.status_code == 409
    assert _error(response)["code"] == "invalid_transition"
    assert Store.objects.count() == 1
    assert StoreMembership.objects.count() == 1


def test_approving_a_rejected_application_is_409(qa_user, qa_client, submitted_application):
    application_reject(application=submitted_application, by=qa_user, reason="地址不符")

    response = qa_client.post(_approve_url(submitted_application.id), {})

    assert response.status_code == 409
    assert _error(response)["code"] == "invalid_transition"
    assert not Store.objects.exists()


def test_only_qa_approves(owner_client, applicant_client, submitted_application):
    for client in (owner_client, applicant_client):
        response = client.post(_approve_url(submitted_application.id), {})

        assert response.status_code == 403
        assert _error(response)["code"] == "permission_denied"
    submitted_application.refresh_from_db()
    assert submitted_application.status == "submitted"
    assert not Store.objects.exists()


def test_approve_unknown_application_is_404(qa_client):
    response = qa_client.post(_approve_url(999_999_999), {})

    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"


# --- rejecting ------------------------------------------------------------------------------------


def test_reject_with_a_reason(qa_user, qa_client, submitted_application):
    response = qa_client.post(_reject_url(submitted_application.id), {"reason": "营业执照过期"})

    assert response.status_code == 200
    assert response.json() == {"id": submitted_application.id, "status": "rejected", "store_id": None}
    submitted_application.refresh_from_db()
    assert submitted_application.status == "rejected"
    assert submitted_application.reject_reason == "营业执照过期"
    assert submitted_application.reviewed_by == qa_user
    assert not Store.objects.exists()


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
def test_reject_without_a_reason_is_422(qa_client, submitted_application, body):
    response = qa_client.post(_reject_url(submitted_application.id), body)

    assert response.status_code == 422
    assert "reason" in _error(response)["details"]["fields"]
    submitted_application.refresh_from_db()
    assert submitted_application.status == "submitted"


def test_rejecting_an_approved_application_is_409(qa_client, submitted_application):
    qa_client.post(_approve_url(submitted_application.id), {})

    response = qa_client.post(_reject_url(submitted_application.id), {"reason": "改主意了"})

    assert response.status_code == 409
    assert _error(response)["code"] == "invalid_transition"
    submitted_application.refresh_from_db()
    assert submitted_application.status == "approved"
    assert Store.objects.get().status == "active"


def test_only_qa_rejects(owner_client, submitted_application):
    response = owner_client.post(_reject_url(submitted_application.id), {"reason": "x"})

    assert response.status_code == 403
    submitted_application.refresh_from_db()
    assert submitted_application.status == "submitted"


def test_reject_unknown_application_is_404(qa_client):
    assert qa_client.post(_reject_url(999_999_999), {"reason": "x"}).status_code == 404


# --- concurrency ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_approvals_create_one_store(applicant, qa_user, application_payload):
    application = _submit(applicant, application_payload)
    threads_count = 5
    barrier = threading.Barrier(threads_count)
    outcomes: list[object] = []
    lock = threading.Lock()

    def approve():
        try:
            barrier.wait(timeout=10)
            result = application_approve(application=application, by=qa_user)
            outcome = ("approved", result.store_id)
        except InvalidTransition:
            outcome = ("refused", None)
        except Exception as exc:  # any other failure shows in the assertion below
            outcome = ("error", repr(exc))
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=approve) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(kind for kind, _ in outcomes) == ["approved"] + ["refused"] * (threads_count - 1), outcomes
    store = Store.objects.get()
    assert [detail for kind, detail in outcomes if kind == "approved"] == [store.id]
    assert StoreMembership.objects.filter(store=store).count() == 1
    assert StoreStatusEvent.objects.filter(store=store).count() == 1
    application.refresh_from_db()
    assert (application.status, application.store_id) == ("approved", store.id)


def test_approve_with_no_body_at_all(qa_user, make_client, submitted_application):
    token = make_client(qa_user).token
    client = Client()

    response = client.post(
        _approve_url(submitted_application.id),
        data=b"",
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
