"""`manage.py create_user` (a stores command: it can make store staff), exactly as API.md gives it to operators."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from accounts.models import User
from stores.models import StoreMembership
from tests.factories import PASSWORD, UserFactory


def _create_user(*args: str) -> str:
    out = io.StringIO()
    call_command("create_user", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_creates_a_qa_user_who_can_sign_in(api):
    # when
    _create_user("--phone", "13900139000", "--password", "qa-desk-2026", "--name", "质检小张", "--role", "qa")

    # then
    user = User.objects.get(phone="13900139000")
    assert user.name == "质检小张"
    assert user.roles == ["qa"]
    # QA work in their own console: only admins get /django-admin/.
    assert not user.is_staff
    assert not user.is_superuser
    response = api.post("auth/token", {"phone": "13900139000", "password": "qa-desk-2026"})
    assert response.status_code == 200
    assert response.json()["user"]["roles"] == ["qa"]


@pytest.mark.django_db
def test_admin_role_opens_the_back_office():
    _create_user("--phone", "13900139000", "--password", "admin-desk-2026", "--name", "管理员", "--role", "admin")

    user = User.objects.get(phone="13900139000")
    assert user.is_staff
    assert user.is_superuser


@pytest.mark.django_db
def test_normalizes_the_phone():
    _create_user("--phone", "+86 139-0013-9000", "--password", "qa-desk-2026", "--name", "质检小张", "--role", "qa")

    assert User.objects.filter(phone="13900139000").exists()


@pytest.mark.django_db
def test_creates_store_staff_with_a_membership(store):
    # when
    _create_user(
        "--phone", "13900139000", "--password", "bay-3-wrench", "--name", "技师老李",
        "--role", "store_staff", "--store", str(store.id), "--store-role", "technician",
    )  # fmt: skip

    # then
    user = User.objects.get(phone="13900139000")
    assert "store_staff" in user.roles
    membership = StoreMembership.objects.get(user=user)
    assert membership.store == store
    assert membership.role == "technician"


@pytest.mark.django_db
def test_store_without_store_role_makes_a_manager(store):
    _create_user(
        "--phone", "13900139000", "--password", "bay-3-wrench", "--name", "店长",
        "--role", "store_staff", "--store", str(store.id),
    )  # fmt: skip

    assert StoreMembership.objects.get(user__phone="13900139000", store=store).role == "manager"


@pytest.mark.django_db
def test_a_missing_store_is_an_error_and_creates_nobody():
    with pytest.raises(CommandError):
        _create_user(
            "--phone", "13900139000", "--password", "bay-3-wrench", "--name", "技师老李",
            "--role", "store_staff", "--store", "999999", "--store-role", "technician",
        )  # fmt: skip

    assert not User.objects.filter(phone="13900139000").exists()


@pytest.mark.django_db
def test_store_role_without_store_is_an_error():
    with pytest.raises(CommandError, match="--store"):
        _create_user(
            "--phone", "13900139000", "--password", "bay-3-wrench", "--name", "技师老李",
            "--role", "store_staff", "--store-role", "technician",
        )  # fmt: skip

    assert not User.objects.filter(phone="13900139000").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args",
    [
        ["--role", "superhero"],
        ["--role", "store_staff", "--store", "1", "--store-role", "boss"],
    ],
)
def test_unknown_roles_are_errors(args):
    with pytest.raises(CommandError):
        _create_user("--phone", "13900139000", "--password", "bay-3-wrench", "--name", "某人", *args)

    assert not User.objects.filter(phone="13900139000").exists()


@pytest.mark.django_db
def test_an_invalid_phone_is_an_error():
    with pytest.raises(CommandError):
        _create_user("--phone", "12345", "--password", "qa-desk-2026", "--name", "质检小张", "--role", "qa")

    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("spelling", ["{phone}", "+86 {phone}", "0086{phone}"])
def test_an_existing_phone_gets_the_role_added_and_keeps_its_password(spelling):
    # given
    user = UserFactory(roles=["owner"], name="王芳")

    # when
    _create_user(
        "--phone", spelling.format(phone=user.phone), "--password", "another-password",
        "--name", "别的名字", "--role", "qa",
    )  # fmt: skip

    # then
    user.refresh_from_db()
    assert user.roles == ["owner", "qa"]
    assert not user.is_staff
    assert user.name == "王芳"
    assert user.check_password(PASSWORD)
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_an_existing_user_can_be_made_staff_of_a_store(store):
    user = UserFactory(roles=["owner"])

    _create_user(
        "--phone", user.phone, "--password", "ignored-here", "--name", "ignored",
        "--role", "store_staff", "--store", str(store.id), "--store-role", "advisor",
    )  # fmt: skip

    user.refresh_from_db()
    assert user.roles == ["owner", "store_staff"]
    assert StoreMembership.objects.get(user=user, store=store).role == "advisor"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["owner", "qa", "dealer", "store_staff"])
def test_only_admins_are_staff(role):
    _create_user("--phone", "13900139000", "--password", "desk-2026-ok", "--name", "某人", "--role", role)

    user = User.objects.get(phone="13900139000")
    assert not user.is_staff
    assert not user.is_superuser


@pytest.mark.django_db
def test_adding_the_admin_role_to_an_existing_user_makes_them_staff():
    user = UserFactory(roles=["qa"])

    _create_user("--phone", user.phone, "--password", "ignored-here", "--name", "ignored", "--role", "admin")

    user.refresh_from_db()
    assert user.roles == ["qa", "admin"]
    assert user.is_staff
    assert user.is_superuser


@pytest.mark.django_db
def test_adding_store_staff_to_an_existing_user_does_not_make_them_staff(store):
    user = UserFactory(roles=["owner"])

    _create_user(
        "--phone", user.phone, "--password", "ignored-here", "--name", "ignored",
        "--role", "store_staff", "--store", str(store.id),
    )  # fmt: skip

    user.refresh_from_db()
    assert not user.is_staff


@pytest.mark.django_db
def test_the_database_refuses_staff_who_are_not_admins():
    with pytest.raises(IntegrityError):
        UserFactory(roles=["qa"], is_staff=True)
