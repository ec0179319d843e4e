"""accounts.validators: phone numbers, licence plates, VINs and tyre sizes."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.validators import (
    MOBILE_RE,
    PLATE_RE,
    PROVINCES,
    is_new_energy_plate,
    mask_phone,
    normalize_business_phone,
    normalize_phone,
    normalize_plate,
    normalize_tyre_size,
    normalize_vin,
)

# --- Phones ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "+86 138-0013-8000",
        "+8613800138000",
        "008613800138000",
        "0086 138 0013 8000",
        "8613800138000",
        "(+86) 138 0013 8000",
        " 138 0013 8000 ",
    ],
)
def test_normalize_phone_accepts_mainland_mobiles_with_or_without_prefix(raw):
    assert normalize_phone(raw) == "13800138000"


@pytest.mark.parametrize(
    "raw",
    [
        "1380013800",  # 10 digits
        "138001380001",  # 12 digits
        "23800138000",  # starts with 2
        "12800138000",  # 12x is not a mobile range
        "1380013800a",  # a letter
        "138OO138000",  # letter O for zero
        "+85213800138000",  # another country's prefix
        "86138001380",  # "86" then only 9 digits: not a prefixed number, not a mobile either
        "",
        None,
    ],
)
def test_normalize_phone_refuses_anything_but_a_mainland_mobile(raw):
    with pytest.raises(ValueError, match="11"):
        normalize_phone(raw)


@given(st.from_regex(MOBILE_RE, fullmatch=True), st.sampled_from(["", "+86", "0086", "86", "+86 "]))
def test_normalize_phone_is_idempotent_and_strips_any_accepted_prefix(mobile, prefix):
    assert normalize_phone(mobile) == mobile
    assert normalize_phone(normalize_phone(prefix + mobile)) == mobile


def test_mask_phone_keeps_the_first_three_and_last_four_digits():
    assert mask_phone("13800138000") == "138****8000"


@pytest.mark.parametrize("raw", ["", "1380013800", "138001380001"])
def test_mask_phone_hides_everything_when_it_is_not_a_mobile(raw):
    assert mask_phone(raw) == "****"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("021-54321234", "021-54321234"),
        ("02154321234", "02154321234"),
        ("0571-8888888", "0571-8888888"),
        ("400-820-8820", "400-820-8820"),
        ("+86 138 0013 8000", "13800138000"),
    ],
)
def test_normalize_business_phone_accepts_landlines_400_numbers_and_mobiles(raw, expected):
    assert normalize_business_phone(raw) == expected


@pytest.mark.parametrize("raw", ["54321234", "21-54321234", "800-820-8820", "2380013800", ""])
def test_normalize_business_phone_refuses_numbers_without_area_code(raw):
    with pytest.raises(ValueError):
        normalize_business_phone(raw)


# --- Plates ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected", "new_energy"),
    [
        ("沪A12345", "沪A12345", False),
        ("京B9876学", "京B9876学", False),  # learner plate
        ("粤BA1234", "粤BA1234", False),  # letters among the five
        ("苏E1234挂", "苏E1234挂", False),  # trailer
        ("沪AD1234", "沪AD1234", False),  # five after the office letter: ordinary, even starting with D
        ("沪AD12345", "沪AD12345", True),  # small new-energy: D (battery) + 5
        ("沪AF12345", "沪AF12345", True),  # small new-energy: F (hybrid)
        ("沪ADA1234", "沪ADA1234", True),  # small new-energy: letter in the second position
        ("沪A12345D", "沪A12345D", True),  # large new-energy: 5 digits + D
        ("沪A12345F", "沪A12345F", True),
        # lower case, spaces, middle dots and dashes are what people type
        ("沪a·12345", "沪A12345", False),
        ("沪A 12345", "沪A12345", False),
        ("沪A-12345", "沪A12345", False),
        (" 沪ad 12345 ", "沪AD12345", True),
        ("沪a12345d", "沪A12345D", True),
    ],
)
def test_normalize_plate_accepts_mainland_plates(raw, expected, new_energy):
    plate = normalize_plate(raw)

    assert plate == expected
    assert is_new_energy_plate(plate) is new_energy


@pytest.mark.parametrize(
    "raw",
    [
        "沪I12345",  # I is never an issuing-office letter
        "沪O12345",
        "沪A1234O",  # ...nor used in the serial
        "沪A123I5",
        "港A12345",  # not a province abbreviation
        "AA12345",
        "1A12345",
        "沪112345",  # the second character is a letter
        "沪A1234",  # too short
        "沪A123456",  # too long for an ordinary plate, and not new-energy
        "沪AD123456",  # too long for a new-energy plate
        "沪AF1234X",  # small new-energy plates end in four digits
        "沪A学2345",  # 学 only as the last character
        "",
    ],
)
def test_normalize_plate_refuses_malformed_plates(raw):
    with pytest.raises(ValueError, match="沪A12345"):
        normalize_plate(raw)


@pytest.mark.parametrize("plate", ["沪A1234D", "沪AD1234", "沪A12345", "沪AZ12345", "沪AD1234A", "沪A1234DF"])
def test_is_new_energy_plate_needs_the_green_plate_shapes(plate):
    assert not is_new_energy_plate(plate)


_OFFICE = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_SERIAL = _OFFICE + "0123456789"


@st.composite
def _plates(draw):
    """Any plate of the three shapes, built from the grammar rather than from PLATE_RE."""
    head = draw(st.sampled_from(PROVINCES)) + draw(st.sampled_from(_OFFICE))
    digits = st.text("0123456789", min_size=4, max_size=4)
    shape = draw(st.sampled_from(["ordinary", "small_nev", "large_nev"]))
    if shape == "ordinary":
        tail = draw(st.text(_SERIAL, min_size=4, max_size=4)) + draw(st.sampled_from([*_SERIAL, *"挂学警港澳"]))
    elif shape == "small_nev":
        tail = draw(st.sampled_from("DF")) + draw(st.sampled_from(_SERIAL)) + draw(digits)
    else:
        tail = draw(digits) + draw(st.sampled_from("0123456789")) + draw(st.sampled_from("DF"))
    return head + tail, shape


@given(_plates(), st.sampled_from(["", " ", "·", "-"]))
def test_any_valid_plate_round_trips_through_normalize_plate(generated, separator):
    plate, shape = generated
    typed = plate[:2] + separator + plate[2:].lower()

    assert normalize_plate(plate) == plate
    assert normalize_plate(typed) == plate
    # The database check constraint uses the same pattern.
    assert re.match(PLATE_RE, plate)
    assert is_new_energy_plate(plate) is (shape != "ordinary")


# --- VIN and tyre sizes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("LSVAU2180N2183294", "LSVAU2180N2183294"),
        ("lsvau2180n2183294", "LSVAU2180N2183294"),
        ("LSVAU 2180N 2183294", "LSVAU2180N2183294"),
    ],
)
def test_normalize_vin_accepts_17_characters(raw, expected):
    assert normalize_vin(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "LSVAU2180N218329",  # 16
        "LSVAU2180N21832945",  # 18
        "LSVAU2180N218329I",  # I, O and Q are never used in a VIN
        "LSVAU2180N218329O",
        "LSVAU2180N218329Q",
        "LSVAU2180N218329-",
        "",
    ],
)
def test_normalize_vin_refuses_other_lengths_and_i_o_q(raw):
    with pytest.raises(ValueError, match="17"):
        normalize_vin(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("205/55R16", "205/55R16"),
        ("225/45ZR17", "225/45ZR17"),
        ("195/65r15", "195/65R15"),
        ("235/60 R18", "235/60R18"),
        ("155/70R12", "155/70R12"),
        ("305/30ZR24", "305/30ZR24"),
    ],
)
def test_normalize_tyre_size_accepts_metric_radial_sizes(raw, expected):
    assert normalize_tyre_size(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["205/55-16", "205/55R30", "205/55R11", "205/57R16", "205/15R16", "405/55R16", "20/55R16", "205R16", ""],
)
def test_normalize_tyre_size_refuses_other_notations_and_rim_sizes(raw):
    with pytest.raises(ValueError, match="205/55R16"):
        normalize_tyre_size(raw)
