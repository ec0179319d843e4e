"""The accounts invariants the database itself enforces (they hold for writes that bypass the services)."""

import pytest
from django.db import IntegrityError

from accounts.models import User, Vehicle
from tests.factories import UserFactory, VehicleFactory


@pytest.mark.django_db
@pytest.mark.parametrize("phone", ["12800138000", "1380013800", "23800138000", "1380013800a"])
def test_database_refuses_a_phone_that_is_not_a_stored_mobile(phone):
    with pytest.raises(IntegrityError):
        User.objects.create(phone=phone, name="王芳", roles=["owner"])


@pytest.mark.django_db
def test_database_refuses_unknown_roles():
    with pytest.raises(IntegrityError):
        UserFactory(roles=["owner", "superhero"])


@pytest.mark.django_db
@pytest.mark.parametrize("plate", ["沪A12345", "京B9876学", "沪AD12345", "沪ADA1234", "沪A12345F"])
def test_database_plate_constraint_accepts_what_the_validator_accepts(plate):
    # Postgres' regex dialect reads the same pattern: the province class holds multibyte characters.
    assert VehicleFactory(plate=plate).pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        {"plate": "沪a12345"},
        {"plate": "沪I12345"},
        {"plate": "港A12345"},
        {"vin": "LSVAU2180N218329O"},
        {"tyre_size": "205/55-16"},
        {"year": 1900},
    ],
)
def test_database_refuses_malformed_vehicles(fields):
    with pytest.raises(IntegrityError):
        VehicleFactory(**fields)


@pytest.mark.django_db
def test_database_keeps_plates_unique_per_owner():
    vehicle = VehicleFactory(plate="沪A12345")

    with pytest.raises(IntegrityError):
        Vehicle.objects.create(owner=vehicle.owner, plate="沪A12345", make="丰田", model="卡罗拉", year=2020)


@pytest.mark.django_db
def test_full_clean_refuses_staff_who_are_not_admins_with_a_message():
    # What the Django admin's user form shows instead of a database error.
    from django.core.exceptions import ValidationError

    user = UserFactory(roles=["qa"])
    user.is_staff = True

    with pytest.raises(ValidationError, match="只有平台管理员"):
        user.full_clean(exclude=["password"])


@pytest.mark.django_db
@pytest.mark.parametrize("roles", [["owner"], ["qa"], ["store_staff"], ["dealer"]])
def test_database_refuses_a_superuser_who_is_not_an_admin(roles):
    # Not staff, but every permission: Wagtail's /admin/ and any has_perm() check would let them in.
    user = UserFactory(roles=roles)

    with pytest.raises(IntegrityError):
        User.objects.filter(pk=user.pk).update(is_superuser=True)


@pytest.mark.django_db
def test_database_accepts_an_admin_superuser():
    assert UserFactory(roles=["owner", "admin"], is_staff=True, is_superuser=True).pk


@pytest.mark.django_db
def test_full_clean_refuses_a_superuser_who_is_not_an_admin_with_a_message():
    from django.core.exceptions import ValidationError

    user = UserFactory(roles=["qa"])
    user.is_superuser = True

    with pytest.raises(ValidationError, match="超级用户"):
        user.full_clean(exclude=["password"])
