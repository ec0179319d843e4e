"""accounts' data migrations, run forward on rows written in the schema before them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("accounts", "0001_initial")]
AFTER = [("accounts", "0002_sms_codes_and_staff_only_admin")]


@pytest.mark.django_db(transaction=True)
def test_only_admins_keep_is_staff_after_the_migration():
    # given users of the old rule: QA and shop staff were staff too
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_user = executor.loader.project_state(BEFORE).apps.get_model("accounts", "User")
    phones = {"qa": "13900000001", "store_staff": "13900000002", "admin": "13900000003", "owner": "13900000004"}
    for role, phone in phones.items():
        old_user.objects.create(phone=phone, name=role, roles=[role], is_staff=role != "owner")

    # when
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)

    # then
    new_user = executor.loader.project_state(AFTER).apps.get_model("accounts", "User")
    staff = dict(new_user.objects.filter(phone__in=phones.values()).values_list("phone", "is_staff"))
    assert staff == {phones["qa"]: False, phones["store_staff"]: False, phones["admin"]: True, phones["owner"]: False}
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_only_admins_stay_superusers_after_the_migration():
    # given superusers of the old rule, with and without the admin role
    before, after = [("accounts", "0003_user_session_generation")], [("accounts", "0004_superuser_only_admin")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_user = executor.loader.project_state(before).apps.get_model("accounts", "User")
    phones = {"qa": "13900000011", "admin": "13900000012", "owner": "13900000013"}
    for role, phone in phones.items():
        old_user.objects.create(
            phone=phone, name=role, roles=[role], is_superuser=role != "owner", is_staff=role == "admin"
        )

    # when
    executor = MigrationExecutor(connection)
    executor.migrate(after)

    # then
    new_user = executor.loader.project_state(after).apps.get_model("accounts", "User")
    supers = dict(new_user.objects.filter(phone__in=phones.values()).values_list("phone", "is_superuser"))
    assert supers == {phones["qa"]: False, phones["admin"]: True, phones["owner"]: False}
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
