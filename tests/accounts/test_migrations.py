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
