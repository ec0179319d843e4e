"""The VIN's check digit (ISO 3779, North American practice; China's GB 16735 requires it in position 9 too).

Each character is transliterated to a number (digits as themselves; letters A-H 1-8, J-N 1-5, P 7, R-Z 9 and 2-9,
I, O and Q never used), multiplied by its position's weight (8 7 6 5 4 3 2 10 0 9 8 7 6 5 4 3 2) and summed; the sum
modulo 11 is the check digit, 10 written as ``X``. The check digit's own weight is 0.
"""

from django.utils.translation import gettext as _

from accounts.validators import normalize_vin

_LETTERS = {
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VALUES = {**{str(d): d for d in range(10)}, **_LETTERS}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
CHECK_POSITION = 9


def vin_check_digit(vin: str) -> str:
    """The check digit ``vin`` (17 characters of the VIN alphabet) should carry in position 9."""
    remainder = sum(_VALUES[char] * weight for char, weight in zip(vin, _WEIGHTS, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def vin_clean(raw: str) -> str:
    """``raw`` as a stored VIN: spaces dropped, upper case, 17 characters without I, O or Q, the check digit right.
    ``ValueError`` with a message fit for a 422's ``details.fields`` otherwise."""
    vin = normalize_vin(raw)
    if vin[CHECK_POSITION - 1] != vin_check_digit(vin):
        raise ValueError(
            _("The VIN's check digit (its 9th character) does not match the others: check it for a typing mistake.")
        )
    return vin
