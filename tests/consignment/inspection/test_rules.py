"""The pure rules: the template's shape, the VIN's check digit, the grade and its caps, the plate masking."""

import io
import string

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops

from chefu.images import image_clean
from consignment.inspection import template
from consignment.inspection.grading import Answer, grade_compute
from consignment.inspection.plates import plate_boxes, plate_mask
from consignment.inspection.vin import vin_check_digit, vin_clean
from tests.consignment.inspection.fixtures import VIN, VIN_BAD_CHECK, VIN_OTHER, plate_photo

# --- template -------------------------------------------------------------------------------------------------------


def test_the_template_has_at_least_60_items_in_the_groups_asked_for():
    groups = {group.code for group in template.GROUPS}

    assert len(template.ITEMS) >= 60
    assert len(set(template.CODES)) == len(template.ITEMS)
    assert groups >= {"exterior", "glass_lights", "interior", "engine_bay", "chassis", "electrics", "road_test"}
    assert {item.group for item in template.ITEMS} == groups
    assert all(len([i for i in template.ITEMS if i.group == g]) >= 3 for g in groups)


def test_every_panel_takes_a_paint_reading_in_micrometres():
    panels = [item for item in template.ITEMS if item.paint]

    assert len(panels) >= 10
    assert all(item.unit == "µm" and item.group == "exterior" and item.reading_required for item in panels)
    assert {"hood", "roof", "door_front_left", "fender_front_right"} <= {item.code for item in panels}


def test_the_accident_flood_and_fire_checks_are_the_critical_ones():
    assert {item.code for item in template.ITEMS if item.critical} == {"accident", "flood", "fire"}


def test_texts_are_chinese_first_and_english_available():
    hood = template.BY_CODE["hood"]
    with translation.override("zh-hans"):
        assert str(hood.text) == "引擎盖" and str(template.GROUP_NAMES["road_test"]) == "路试"
    with translation.override("en"):
        assert str(hood.text) == "Bonnet"


@pytest.mark.django_db
def test_the_template_endpoint_is_public(api):
    response = api.get("consignment/inspection-template", headers={"Accept-Language": "zh-hans"})

    assert response.status_code == 200
    body = response.json()
    assert body["version"] == template.VERSION and len(body["items"]) == len(template.ITEMS)
    hood = body["items"][0]
    assert hood == {
        "code": "hood",
        "group": "exterior",
        "text": "引擎盖",
        "unit": "µm",
        "critical": False,
        "reading_required": True,
    }
    assert "unit" in body["items"][-1] and body["items"][-1]["critical"] is True
    assert [g["code"] for g in body["groups"]] == [g.code for g in template.GROUPS]


# --- VIN ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("vin", ["1M8GDM9AXKP042788", "11111111111111111", VIN, VIN_OTHER, " lsvau218xn2183294 "])
def test_valid_vins(vin):
    assert vin_clean(vin) == vin.strip().upper()


@pytest.mark.parametrize(
    "vin", [VIN_BAD_CHECK, "1M8GDM9A1KP042788", "LSVAU218XN218329", "LSVAU218XN21832945", "LSVAU218XNI183294", ""]
)
def test_invalid_vins(vin):
    with pytest.raises(ValueError):
        vin_clean(vin)


VIN_ALPHABET = "".join(c for c in string.ascii_uppercase + string.digits if c not in "IOQ")


@settings(max_examples=60, deadline=None)
@given(st.text(VIN_ALPHABET, min_size=17, max_size=17))
def test_any_vin_with_its_check_digit_in_place_is_valid(raw):
    vin = raw[:8] + vin_check_digit(raw) + raw[9:]

    assert vin_clean(vin) == vin
    wrong = next(d for d in "0123456789X" if d != vin[8])
    with pytest.raises(ValueError):
        vin_clean(vin[:8] + wrong + vin[9:])


# --- grade ----------------------------------------------------------------------------------------------------------


def _answers(**results) -> list[Answer]:
    answers = []
    for item in template.ITEMS:
        given_ = results.get(item.code, "ok")
        result, reading = given_ if isinstance(given_, tuple) else (given_, None)
        if item.paint and reading is None:
            reading = 120
        answers.append(Answer(code=item.code, result=result, reading=reading))
    return answers


def test_a_clean_car_is_an_a():
    grading = grade_compute(_answers())

    assert (grading.grade, grading.score, grading.by_score) == ("A", 100, "A")


def test_defects_cost_points_and_the_score_makes_the_grade():
    five_minor = {code: "minor" for code in ["seats", "horn", "wipers", "carpets", "headliner"]}  # 90: still an A
    six_minor = five_minor | {"dashboard": "minor"}  # 88: B
    three_major = {code: "major" for code in ["brakes", "gearbox", "coolant"]}  # 82
    many = {code: "major" for code in template.CODES[13:20]}  # 7 majors: 58

    assert grade_compute(_answers(**five_minor)).grade == "A"
    assert grade_compute(_answers(**six_minor)).grade == "B"
    assert (grade_compute(_answers(**three_major)).score, grade_compute(_answers(**three_major)).grade) == (82, "B")
    assert grade_compute(_answers(**many)).grade == "D"


def test_a_major_defect_keeps_a_car_from_an_a():
    grading = grade_compute(_answers(horn="major"))

    assert (grading.score, grading.by_score, grading.grade) == (94, "A", "B")


def test_paint_readings_find_repainted_and_filled_panels():
    grading = grade_compute(_answers(hood=("ok", 260), roof=("ok", 620), door_front_left=("ok", 200)))

    assert grading.repainted == ("hood",) and grading.filler == ("roof",)
    assert grading.score == 100 - 3 - 8
    assert grading.grade == "B"  # 89, and a filled panel keeps it from an A anyway


def test_a_panel_answered_na_is_not_measured():
    assert grade_compute(_answers(hood=("na", 900))).grade == "A"


@pytest.mark.parametrize(
    ("check", "result", "cap"), [("accident", "major", "D"), ("flood", "major", "D"), ("fire", "minor", "C")]
)
def test_a_failed_critical_check_caps_the_grade(check, result, cap):
    grading = grade_compute(_answers(**{check: result}))

    assert grading.score == 100 and grading.by_score == "A"
    assert grading.grade == cap and grading.capped_by == (check,)


def test_a_cap_never_raises_a_worse_grade():
    many = {code: "major" for code in template.CODES[13:20]}

    assert grade_compute(_answers(**many, fire="minor")).grade == "D"


# --- plates ---------------------------------------------------------------------------------------------------------


def _image(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB")


def test_a_blue_plate_is_pixelated_in_the_dealers_copy():
    clean = image_clean(plate_photo())
    masked = plate_mask(clean)

    assert len(masked.boxes) == 1
    left, top, right, bottom = masked.boxes[0]
    assert left <= 260 and right >= 380 and top <= 374 and bottom >= 412  # the plate is 260-380 × 374-412
    original, copy = _image(clean.content.read()), _image(masked.content.read())
    difference = ImageChops.difference(original, copy)
    # inside the plate the characters are gone; well outside it nothing but JPEG noise changed
    assert max(difference.crop((270, 380, 370, 406)).convert("L").getextrema()) > 100
    assert max(difference.crop((0, 0, 640, 300)).convert("L").getextrema()) < 20


def test_the_sky_and_a_blue_car_are_not_plates():
    image = Image.new("RGB", (640, 480), (110, 160, 230))
    image.paste((10, 60, 190), (0, 300, 640, 480))

    assert plate_boxes(image) == []


def test_a_photo_without_a_plate_is_copied_as_it_is():
    from tests.bookings.floor_fixtures import image_bytes

    clean = image_clean(image_bytes("PNG", (320, 240), "green"))
    masked = plate_mask(clean)

    assert masked.boxes == () and masked.content.read() == clean.content.read()
