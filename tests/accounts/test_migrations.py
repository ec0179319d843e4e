"""accounts' data migrations, run forward on rows written in the schema before them. Every app depends on accounts:
the rows are written in a fresh database of the test's own (``fresh_database``), where reaching accounts' old
schema applies a few migrations, not in the shared test database, where it unapplied every app's migrations and
applied them all again afterwards (minutes per test)."""

import pytest
from django.db import connection

from tests.migrator import at_latest, fresh_database, migrator

BEFORE = [("accounts", "0001_initial")]
AFTER = [("accounts", "0002_sms_codes_and_staff_only_admin")]


@pytest.mark.django_db(transaction=True)
def test_only_admins_keep_is_staff_after_the_migration():
    with fresh_database() as schema:
        # given users of the old rule: QA and shop staff were staff too
        old_user = schema.to(BEFORE).get_model("accounts", "User")
        phones = {"qa": "13900000001", "store_staff": "13900000002", "admin": "13900000003", "owner": "13900000004"}
        for role, phone in phones.items():
            old_user.objects.create(phone=phone, name=role, roles=[role], is_staff=role != "owner")

        # when
        new_user = schema.to(AFTER).get_model("accounts", "User")

        # then
        staff = dict(new_user.objects.filter(phone__in=phones.values()).values_list("phone", "is_staff"))
        assert staff == {
            phones["qa"]: False,
            phones["store_staff"]: False,
            phones["admin"]: True,
            phones["owner"]: False,
        }


@pytest.mark.django_db(transaction=True)
def test_only_admins_stay_superusers_after_the_migration():
    before, after = [("accounts", "0003_user_session_generation")], [("accounts", "0004_superuser_only_admin")]
    with fresh_database() as schema:
        # given superusers of the old rule, with and without the admin role
        old_user = schema.to(before).get_model("accounts", "User")
        phones = {"qa": "13900000011", "admin": "13900000012", "owner": "13900000013"}
        for role, phone in phones.items():
            old_user.objects.create(
                phone=phone, name=role, roles=[role], is_superuser=role != "owner", is_staff=role == "admin"
            )

        # when
        new_user = schema.to(after).get_model("accounts", "User")

        # then
        supers = dict(new_user.objects.filter(phone__in=phones.values()).values_list("phone", "is_superuser"))
        assert supers == {phones["qa"]: False, phones["admin"]: True, phones["owner"]: False}


@pytest.mark.django_db(transaction=True)
def test_a_migration_test_that_fails_on_an_old_schema_leaves_the_database_on_the_latest():
    # Any older schema shows it; cms's last but one is the nearest (nothing depends on its last).
    with pytest.raises(AssertionError, match="on the old schema"), migrator() as schema:
        schema.to([("cms", "0005_content_pages")])
        assert not at_latest()
        raise AssertionError("an assertion failing on the old schema")

    assert at_latest()


@pytest.mark.django_db(transaction=True)
def test_a_fresh_database_is_dropped_and_the_shared_one_used_again_whatever_happens():
    shared = connection.settings_dict["NAME"]
    with pytest.raises(AssertionError, match="on the old schema"), fresh_database() as schema:
        schema.to(BEFORE)
        assert connection.settings_dict["NAME"] != shared
        raise AssertionError("an assertion failing on the old schema")

    assert connection.settings_dict["NAME"] == shared and at_latest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [f"{shared}_fresh"])
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db(transaction=True)
def test_each_owners_oldest_car_becomes_their_default():
    before, after = [("accounts", "0005_sms_code_tries_per_address")], [("accounts", "0006_vehicle_default")]
    with fresh_database() as schema:
        # given two owners' cars from before defaults, the second owner's added newest first by id
        old = schema.to(before)
        old_user, old_vehicle = old.get_model("accounts", "User"), old.get_model("accounts", "Vehicle")
        wang = old_user.objects.create(phone="13900000021", name="王", roles=["owner"])
        li = old_user.objects.create(phone="13900000022", name="李", roles=["owner"])
        old_user.objects.create(phone="13900000023", name="no car", roles=["owner"])
        cars = [
            (wang, "沪A12345", "2024-01-01T08:00Z"),
            (wang, "沪B6M218", "2024-02-01T08:00Z"),
            (li, "沪C88888", "2024-03-01T08:00Z"),
            (li, "沪D66666", "2023-03-01T08:00Z"),
        ]
        for owner, plate, added in cars:
            old_vehicle.objects.create(owner=owner, plate=plate, make="大众", model="朗逸", year=2019, created_at=added)

        # when
        new_vehicle = schema.to(after).get_model("accounts", "Vehicle")

        # then
        defaults = new_vehicle.objects.filter(is_default=True, plate__in=[plate for _o, plate, _a in cars])
        assert sorted(defaults.values_list("plate", flat=True)) == ["沪A12345", "沪D66666"]
