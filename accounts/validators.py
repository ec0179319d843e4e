"""Mainland phone numbers, licence plates, VINs and tyre sizes: normalize, then validate; and a password validator.

Each ``normalize_*`` returns the canonical stored form or raises ``ValueError`` with a message fit
for the API's 422 ``details.fields``.
"""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PHONE_RE = r"^(1[3-9][0-9]{9}|0[1-9][0-9]{1,3}-?[0-9]{7,8}|400-?[0-9]{3}-?[0-9]{4})$"
MOBILE_RE = r"^1[3-9][0-9]{9}$"
_MOBILE = re.compile(MOBILE_RE)
_PHONE_SEPARATORS = re.compile(r"[\s\-()]")

# Province (and municipality) abbreviations used on civilian plates.
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_LETTER = "A-HJ-NP-Z"  # I and O are never used: they read as 1 and 0.
# Ordinary blue/yellow plates: province, issuing-office letter, five letters/digits (a few plates end
# in 挂/学/警/港/澳). Small new-energy (green) plates: D (battery) or F (hybrid) then five; large
# new-energy plates: five digits then D or F.
PLATE_RE = (
    rf"^[{PROVINCES}][{_LETTER}]("
    rf"[{_LETTER}0-9]{{4}}[{_LETTER}0-9挂学警港澳]"
    rf"|[DF][{_LETTER}0-9][0-9]{{4}}"
    rf"|[0-9]{{5}}[DF]"
    r")$"
)
_PLATE = re.compile(PLATE_RE)
_NEW_ENERGY = re.compile(rf"^[{PROVINCES}][{_LETTER}]([DF][{_LETTER}0-9][0-9]{{4}}|[0-9]{{5}}[DF])$")

VIN_RE = r"^[A-HJ-NPR-Z0-9]{17}$"
_VIN = re.compile(VIN_RE)
# 205/55R16, 225/45ZR17, 195/65R15.
TYRE_SIZE_RE = r"^[1-3][0-9]{2}/[2-9][05]Z?R(1[2-9]|2[0-4])$"
_TYRE = re.compile(TYRE_SIZE_RE)


# A vehicle's model year: from VEHICLE_YEAR_MIN to next year (cars of next model year are sold from mid-year).
VEHICLE_YEAR_MIN = 1950


def vehicle_year_bounds(today: dt.date) -> tuple[int, int]:
    """The first and last model year a vehicle may have on ``today``, both included."""
    return VEHICLE_YEAR_MIN, today.year + 1


def normalize_phone(raw: str) -> str:
    phone = _PHONE_SEPARATORS.sub("", raw or "")
    for prefix in ("+86", "0086", "86"):
        if phone.startswith(prefix) and len(phone) == len(prefix) + 11:
            phone = phone[len(prefix) :]
            break
    if not _MOBILE.match(phone):
        raise ValueError(_("Enter a mainland China mobile number: 11 digits starting with 1."))
    return phone


def normalize_business_phone(raw: str) -> str:
    """A shop's phone: a mobile, a landline with its area code (021-54321234) or a 400 number."""
    phone = re.sub(r"[\s()]", "", raw or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if _MOBILE.match(phone):
        return phone
    if not re.match(PHONE_RE, phone):
        raise ValueError(_("Enter a mobile number, a landline with its area code (021-54321234) or a 400 number."))
    return phone


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) == 11 else "****"


def normalize_plate(raw: str) -> str:
    plate = re.sub(r"[\s·•.\-]", "", raw or "").upper()
    if not _PLATE.match(plate):
        raise ValueError(_("Enter a mainland licence plate such as 沪A12345 or the new-energy 沪AD12345."))
    return plate


def is_new_energy_plate(plate: str) -> bool:
    return bool(_NEW_ENERGY.match(plate))


def normalize_vin(raw: str) -> str:
    vin = re.sub(r"\s", "", raw or "").upper()
    if not _VIN.match(vin):
        raise ValueError(_("A VIN has 17 letters and digits, without I, O or Q."))
    return vin


def normalize_tyre_size(raw: str) -> str:
    size = re.sub(r"\s", "", raw or "").upper()
    if not _TYRE.match(size):
        raise ValueError(_("Enter a tyre size such as 205/55R16."))
    return size


class NotOnlyWhitespacePasswordValidator:
    """An AUTH_PASSWORD_VALIDATORS entry: eight spaces are long enough for MinimumLengthValidator, and no password."""

    def validate(self, password: str, user=None) -> None:
        if not password.strip():
            raise ValidationError(_("Your password cannot be only spaces."), code="password_only_whitespace")

    def get_help_text(self) -> str:
        return _("Your password cannot be only spaces.")
