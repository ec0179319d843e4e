"""GET /ready against the real database, the real Redis broker and the real migration history: 200 only when all
three are fine, 503 naming the check that is not."""

import pytest
from django.db.migrations.recorder import MigrationRecorder

from chefu import health_checks
from tests.chefu.envelope import assert_error
from tests.chefu.test_health import CLOSED, unreachable_database  # noqa: F401  (a fixture)


@pytest.fixture(autouse=True)
def _migrations_asked_again():
    # The answer is kept per process once every migration is applied: each test starts from the database's.
    health_checks.migrations_forget()
    yield
    health_checks.migrations_forget()


@pytest.mark.django_db
def test_ready_when_database_broker_and_migrations_are(api):
    response = api.get("ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok", "broker": "ok", "migrations": "ok"}


@pytest.mark.django_db
def test_ready_needs_no_token_and_ignores_a_bad_one(api):
    assert api.get("ready", headers={"Authorization": "Bearer garbage"}).status_code == 200


@pytest.mark.django_db
def test_broker_down_is_not_ready(api, settings):
    # given: the broker URL points at a closed port (a real refused connection)
    settings.CELERY_BROKER_URL = f"redis://{CLOSED[0]}:{CLOSED[1]}/0"

    response = api.get("ready")

    error = assert_error(response, 503, "service_unavailable")
    assert error["details"] == {"failed": ["broker"]}
    body = response.json()
    assert (body["status"], body["database"], body["broker"], body["migrations"]) == ("not_ready", "ok", "down", "ok")


@pytest.mark.django_db
def test_database_down_is_not_ready_and_migrations_unknown(api, unreachable_database):  # noqa: F811
    response = api.get("ready")

    error = assert_error(response, 503, "service_unavailable")
    assert error["details"] == {"failed": ["database", "migrations"]}
    body = response.json()
    assert (body["database"], body["broker"], body["migrations"]) == ("down", "ok", "unknown")


def _latest_applied(app_label: str) -> MigrationRecorder.Migration:
    return MigrationRecorder.Migration.objects.filter(app=app_label).latest("id")


@pytest.mark.django_db
def test_an_unapplied_migration_is_not_ready(api):
    # given: the database lacks the last migration of an app, as before `migrate` of a new release (the row is
    # deleted inside the test's transaction, so the rollback puts it back)
    latest = _latest_applied("chefu")
    latest.delete()

    response = api.get("ready")

    error = assert_error(response, 503, "service_unavailable")
    assert error["details"] == {"failed": ["migrations"]}
    assert response.json()["migrations"] == "pending"
    # and the health probe, the liveness one, does not care
    assert api.get("health").status_code == 200


@pytest.mark.django_db
def test_once_all_are_applied_the_answer_is_kept_and_costs_no_query(api, django_assert_num_queries):
    # given: one call found every migration applied
    assert health_checks.migrations_applied() is True

    # when the history changes under it, the process keeps its answer (it only meets new migrations by a restart)
    _latest_applied("chefu").delete()
    with django_assert_num_queries(0):
        assert health_checks.migrations_applied() is True
    # until it is told to ask again
    health_checks.migrations_forget()
    assert health_checks.migrations_applied() is False


@pytest.mark.django_db
def test_a_pending_migration_is_asked_about_again_each_time(api):
    latest = _latest_applied("chefu")
    latest.delete()
    assert health_checks.migrations_applied() is False

    # when: `migrate` has run meanwhile
    MigrationRecorder.Migration.objects.create(app=latest.app, name=latest.name)

    # then: ready at the next call, without a restart
    assert health_checks.migrations_applied() is True
    assert api.get("ready").status_code == 200
