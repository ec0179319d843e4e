from typing import Literal

from ninja import Field, Schema
from pydantic import field_validator

from accounts.validators import normalize_phone


class SmsCodeIn(Schema):
    phone: str = Field(..., max_length=20)
    purpose: Literal["register", "login"]

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return normalize_phone(value)


class SmsCodeOut(Schema):
    expires_in: int = Field(..., description="Seconds the code is good for.")


class RegisterIn(Schema):
    phone: str = Field(..., max_length=20)
    code: str = Field(..., max_length=10, description="The code POST /auth/sms-code sent for purpose register.")
    password: str = Field(..., min_length=1, max_length=128)
    name: str = Field(..., min_length=1, max_length=60)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return normalize_phone(value)


class TokenIn(Schema):
    """The password or an SMS code (POST /auth/sms-code, purpose login): one of them."""

    phone: str = Field(..., max_length=20)
    password: str | None = Field(None, max_length=128)
    code: str | None = Field(None, max_length=10)


class LogoutIn(Schema):
    all: bool = Field(False, description="Revoke every token of the user, not only this one.")


class UserOut(Schema):
    id: int
    phone: str
    name: str
    roles: list[str]


class TokenOut(Schema):
    token: str
    expires_at: str
    user: UserOut


class MembershipOut(Schema):
    id: int
    name: str
    role: str


class MeOut(UserOut):
    stores: list[MembershipOut]


class VehicleIn(Schema):
    plate: str = Field(..., max_length=16)
    make: str = Field(..., min_length=1, max_length=40)
    model: str = Field(..., min_length=1, max_length=60)
    year: int
    mileage_km: int = Field(0, ge=0)
    vin: str | None = Field(None, max_length=20)
    tyre_size: str | None = Field(None, max_length=16)


class VehicleOut(Schema):
    id: int
    plate: str
    make: str
    model: str
    year: int
    mileage_km: int
    vin: str | None
    tyre_size: str | None
    is_new_energy: bool
    is_default: bool = Field(description="The owner's default car: the one prices and bookings start with.")

    @staticmethod
    def resolve_vin(obj) -> str | None:
        return obj.vin or None

    @staticmethod
    def resolve_tyre_size(obj) -> str | None:
        return obj.tyre_size or None


class VehicleListOut(Schema):
    items: list[VehicleOut]
    count: int
