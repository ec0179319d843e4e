"""Fixtures for the stores tests: a valid partner application and store staff with a given role."""

import copy

import pytest

from stores.services import application_submit, membership_add
from tests.factories import UserFactory

# A shop in Xuhui, Shanghai (WGS-84): maintenance and washing, a lunch break Mon-Sat, closed on Sunday.
APPLICATION = {
    "name": "极速养护中心",
    "address": "上海市徐汇区漕溪北路1号",
    "city": "上海",
    "lat": 31.1915,
    "lng": 121.4365,
    "phone": "021-54321234",
    "categories": ["maintenance", "washing"],
    "bays": [
        {"name": "1号工位", "categories": ["maintenance"]},
        {"name": "洗车位", "categories": ["washing", "maintenance"]},
    ],
    "opening_hours": [
        *({"weekday": d, "opens": "08:30", "closes": "12:00"} for d in range(6)),
        *({"weekday": d, "opens": "13:30", "closes": "18:30"} for d in range(6)),
    ],
    "timezone": "Asia/Shanghai",
}


@pytest.fixture
def application_payload():
    """A fresh, valid body for ``POST /partner/applications`` (tests mutate it freely)."""
    return copy.deepcopy(APPLICATION)


@pytest.fixture
def applicant(db):
    return UserFactory(roles=["owner"])


@pytest.fixture
def applicant_client(applicant, make_client):
    return make_client(applicant)


@pytest.fixture
def submitted_application(applicant, application_payload):
    payload = dict(application_payload)
    timezone_name = payload.pop("timezone")
    return application_submit(applicant=applicant, timezone_name=timezone_name, **payload)


@pytest.fixture
def make_staff(db):
    """``make_staff(store, role)``: a new user who is ``role`` (manager/advisor/technician) of ``store``."""

    def _make(store, role):
        user = UserFactory(roles=["owner"])
        membership_add(store=store, user=user, role=role)
        user.refresh_from_db()
        return user

    return _make
