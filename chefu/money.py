"""Money is Decimal with two places, in CNY, everywhere (ARCHITECTURE.md). No floats."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
MAX_DIGITS = 12  # up to 9,999,999,999.99: far beyond any car-service bill


def money(value: Decimal | int | str) -> Decimal:
    """``value`` rounded half-up to the cent. Floats are refused: they have already lost cents."""
    if isinstance(value, float):
        raise TypeError("Money must not be a float; pass a Decimal or a string.")
    try:
        return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValueError(f"Not an amount of money: {value!r}") from exc


def is_cents(value: Decimal) -> bool:
    """True when ``value`` has at most two decimal places (no rounding needed)."""
    return value == value.quantize(CENT)


def format_money(value: Decimal) -> str:
    """The API's money string: ``"199.00"``."""
    return f"{money(value):.2f}"


def format_quantity(value: Decimal) -> str:
    """A count or a volume for the API, in its shortest form: ``4.00`` → ``"4"``, ``1.50`` → ``"1.5"``."""
    return format(value.normalize(), "f")
