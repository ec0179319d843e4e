"""GET /health against the real database and the real Redis broker."""

import pytest
from django.db import connections

from chefu import health_checks
from tests.chefu.envelope import assert_error

# Nothing listens on port 1 of the loopback address: connecting there is refused at once.
CLOSED = ("127.0.0.1", 1)


@pytest.mark.django_db
def test_health_is_ok_when_database_and_broker_answer(api):
    response = api.get("health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_health_needs_no_token_and_ignores_a_bad_one(api):
    response = api.get("health", headers={"Authorization": "Bearer garbage"})

    assert response.status_code == 200


@pytest.mark.django_db
def test_broker_down_is_reported_but_still_200(api, settings):
    # given: the broker URL points at a closed port (a real refused connection, nothing mocked)
    settings.CELERY_BROKER_URL = f"redis://{CLOSED[0]}:{CLOSED[1]}/0"

    # when
    response = api.get("health")

    # then
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "down"}


@pytest.fixture
def unreachable_database(monkeypatch):
    """Point the probe at a real database connection whose server is not there.

    The probe uses ``chefu.health_checks.connection``. It is replaced by a genuine connection of the
    project's own backend class and settings, only with a closed port, so the probe really tries to
    connect and gets "connection refused" from psycopg, as it would with the server down. The test's
    own connection (and every other test) is untouched.
    """
    default = connections["default"]
    settings_dict = {**default.settings_dict, "HOST": CLOSED[0], "PORT": CLOSED[1]}
    settings_dict["OPTIONS"] = {**settings_dict.get("OPTIONS", {}), "connect_timeout": 2}
    down = type(default)(settings_dict, alias="health-probe-down")
    monkeypatch.setattr(health_checks, "connection", down)
    yield down
    down.close()


@pytest.mark.django_db
def test_database_unreachable_is_503_degraded(api, unreachable_database):
    # when
    response = api.get("health")

    # then: the health fields of API.md...
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"] == "down"
    assert body["broker"] == "ok"
    # ...and, as on every 5xx, the error envelope.
    assert_error(response, 503, "service_unavailable")


@pytest.mark.django_db
def test_database_probe_really_fails_on_connect(unreachable_database):
    # The fixture above is no stand-in: the same connection refuses a real query.
    from django.db import OperationalError

    with pytest.raises(OperationalError):
        unreachable_database.ensure_connection()
    assert health_checks.database_ok() is False
