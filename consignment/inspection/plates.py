"""Number plates pixelated out of the copies of inspection photos dealers are shown, found simply.

A mainland plate is a flat rectangle about 3:1 (440 × 140 mm) of one saturated colour, blue for most cars, with
white characters on it. On a copy scaled down to :data:`WORK_WIDTH` pixels, the pixels of plate blue are grouped into
connected regions; a region is taken for a plate when its box is 2-6 times as wide as high, covers between
:data:`MIN_SHARE` and :data:`MAX_SHARE` of the picture (the sky and a blue car's door are far larger) and is at least
:data:`MIN_FILL` filled (the characters are the holes). Each one found is pixelated, with a margin, on the full-size
picture.

What this does not find stays as it is: green new-energy and yellow plates, plates seen at a steep angle, dirty or
in shadow. It is a best effort on top of the rule that matters: the report shown to dealers never carries the plate
itself (:func:`consignment.inspection.selectors.report_for_dealer`).
"""

from __future__ import annotations

import io
from collections import deque
from dataclasses import dataclass

from django.core.files.base import ContentFile
from PIL import Image

from chefu.images import JPEG_QUALITY, CleanImage

WORK_WIDTH = 240
MIN_SHARE = 0.0015
MAX_SHARE = 0.12
MIN_FILL = 0.45
ASPECT = (2.0, 6.0)
MARGIN = 0.2
# Plate blue on Pillow's 0-255 HSV scale: hue 200°-250°, saturated, neither dark nor washed out.
_HUE = (142, 178)
_SATURATION = 110
_VALUE = (60, 245)


@dataclass(frozen=True)
class Masked:
    """The copy to show dealers (a JPEG named like the original) and the plate boxes pixelated on it."""

    content: ContentFile
    boxes: tuple[tuple[int, int, int, int], ...]


def _plate_blue(pixel: tuple[int, int, int]) -> bool:
    hue, saturation, value = pixel
    return _HUE[0] <= hue <= _HUE[1] and saturation >= _SATURATION and _VALUE[0] <= value <= _VALUE[1]


def plate_boxes(image: Image.Image) -> list[tuple[int, int, int, int]]:
    """Boxes ``(left, top, right, bottom)`` in ``image``'s pixels of what looks like a blue number plate."""
    scale = WORK_WIDTH / image.width if image.width > WORK_WIDTH else 1.0
    width, height = max(1, round(image.width * scale)), max(1, round(image.height * scale))
    small = image.convert("RGB").resize((width, height), Image.Resampling.BILINEAR).convert("HSV")
    blue = [_plate_blue(p) for p in small.get_flattened_data()]
    seen = bytearray(width * height)
    total = width * height
    boxes = []
    for start in range(total):
        if not blue[start] or seen[start]:
            continue
        seen[start] = 1
        queue = deque([start])
        count, left, top, right, bottom = 0, width, height, 0, 0
        while queue:
            at = queue.popleft()
            count += 1
            y, x = divmod(at, width)
            left, right, top, bottom = min(left, x), max(right, x), min(top, y), max(bottom, y)
            for near in (at - width, at + width, at - 1 if x else -1, at + 1 if x + 1 < width else -1):
                if 0 <= near < total and blue[near] and not seen[near]:
                    seen[near] = 1
                    queue.append(near)
        box_w, box_h = right - left + 1, bottom - top + 1
        area = box_w * box_h
        if not (ASPECT[0] <= box_w / box_h <= ASPECT[1]):
            continue
        if not (MIN_SHARE <= area / total <= MAX_SHARE) or count / area < MIN_FILL:
            continue
        boxes.append(
            (
                int(left / scale),
                int(top / scale),
                min(image.width, int((right + 1) / scale + 0.999)),
                min(image.height, int((bottom + 1) / scale + 0.999)),
            )
        )
    return boxes


def _pixelate(image: Image.Image, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    left, top, right, bottom = box
    pad_x, pad_y = int((right - left) * MARGIN), int((bottom - top) * MARGIN)
    padded = (
        max(0, left - pad_x),
        max(0, top - pad_y),
        min(image.width, right + pad_x),
        min(image.height, bottom + pad_y),
    )
    region = image.crop(padded)
    # Eight blocks across: the characters cannot be read back from what is left.
    block = max(2, region.width // 8)
    blocks = (-(-region.width // block), -(-region.height // block))
    coarse = region.resize(blocks, Image.Resampling.BOX).resize(region.size, Image.Resampling.NEAREST)
    image.paste(coarse, padded[:2])
    return padded


def plate_mask(clean: CleanImage) -> Masked:
    """The dealers' copy of a cleaned photo: every plate :func:`plate_boxes` finds pixelated, re-encoded as the
    original was (:func:`chefu.images.image_clean`). A photo without a plate found is copied as it is."""
    data = clean.content.read() if hasattr(clean.content, "read") else bytes(clean.content)
    clean.content.seek(0)
    with Image.open(io.BytesIO(data)) as opened:
        image = opened.convert("RGB")
    found = [_pixelate(image, box) for box in plate_boxes(image)]
    if not found:
        return Masked(content=ContentFile(data, name=clean.content.name), boxes=())
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return Masked(content=ContentFile(out.getvalue(), name=clean.content.name), boxes=tuple(found))
