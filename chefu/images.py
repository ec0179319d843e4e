"""Photos people upload (checklist answers, extra-work proposals, reviews): validated, size-limited, re-encoded.

:func:`image_clean` is the one gate. What it decides, and why:

- **Formats**: JPEG (including the multi-picture MPO files many phones write), PNG and WebP. Pillow is asked
  to try only those parsers, so a GIF, TIFF, SVG or anything else is never parsed at all; HEIC can be added
  here later (pillow-heif). The output is always a baseline JPEG, ``image/jpeg``.
- **Size**: at most ``max_bytes`` are read (one more to tell "too large"); the declared canvas is checked
  against ``max_pixels`` from the header, before a single pixel is decoded (decompression bombs).
  Pillow's own process-wide guard, ``Image.MAX_IMAGE_PIXELS``, is left as it is (Wagtail's renditions share
  it, and changing a global per call is not thread-safe); the ``DecompressionBombError`` it raises above
  twice that limit is answered like any other oversized photo, and so is its ``DecompressionBombWarning``
  when warnings are turned into errors. With the default settings our limit is the lower one anyway.
- **Animation**: animated PNG/WebP and multi-picture JPEGs keep their first frame (a phone's motion or
  multi-picture shot is still a photo of the car); the other frames are dropped.
- **Metadata**: the EXIF orientation is applied to the pixels, then everything else goes: EXIF (with GPS),
  XMP, comments and the ICC profile. A photo with an ICC profile (Display P3 from phones, CMYK) is first
  converted to sRGB so its colours survive; without a usable profile the pixels are taken as sRGB.
- **Transparency** is flattened onto white (JPEG has no alpha).
- **Dimensions**: the longer side is brought down to ``max_side``; smaller photos are never enlarged.
"""

from __future__ import annotations

import contextlib
import io
import struct
import uuid
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from chefu.errors import ValidationFailed

FIELD = "photo"
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
JPEG_QUALITY = 85
_READ_CHUNK = 64 * 1024

# What a damaged or hostile file makes Pillow raise while decoding it.
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, IndexError, TypeError, struct.error)

# Modes Pillow resizes well and converts to RGB directly.
_RESIZABLE_MODES = ("RGB", "RGBA", "L", "LA", "CMYK")

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass(frozen=True)
class CleanImage:
    """A photo ready to store: ``content`` holds the re-encoded JPEG bytes, named ``<uuid4 hex>.jpg``."""

    content: ContentFile
    width: int
    height: int
    content_type: str
    size: int


def image_clean(
    upload: File | IO[bytes] | bytes,
    *,
    max_bytes: int | None = None,
    max_pixels: int | None = None,
    max_side: int | None = None,
) -> CleanImage:
    """Validate ``upload`` and re-encode it as a metadata-free sRGB JPEG (see the module docstring).

    ``upload`` is a Django ``File``/``UploadedFile`` (read from its start; it is not closed), any binary
    file object, or the bytes themselves. Limits left as None come from ``PHOTO_MAX_BYTES``,
    ``PHOTO_MAX_PIXELS`` and ``PHOTO_MAX_SIDE``. Raises ``ValidationFailed({"photo": [...]})`` when the file
    is empty, too large, not a JPEG/PNG/WebP image, damaged, or has more pixels than allowed.
    """
    max_bytes = settings.PHOTO_MAX_BYTES if max_bytes is None else max_bytes
    max_pixels = settings.PHOTO_MAX_PIXELS if max_pixels is None else max_pixels
    max_side = settings.PHOTO_MAX_SIDE if max_side is None else max_side

    data = _read_limited(upload, max_bytes)
    if not data:
        raise _refused(_("The photo is empty."))
    if len(data) > max_bytes:
        raise _refused(_("The photo is larger than %(limit)s.") % {"limit": filesizeformat(max_bytes)})

    with _open(data, max_pixels=max_pixels) as image:
        try:
            rgb = _decode(image, max_side=max_side)
        except Image.DecompressionBombError as exc:
            raise _too_many_pixels(max_pixels) from exc
        except _DECODE_ERRORS as exc:
            raise _refused(_("The photo is damaged or incomplete.")) from exc
        # Nothing of the original's metadata may ride along: the JPEG writer also reads ``info`` (comments).
        rgb.info = {}
        out = io.BytesIO()
        rgb.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        width, height = rgb.size
    encoded = out.getvalue()
    return CleanImage(
        content=ContentFile(encoded, name=f"{uuid.uuid4().hex}.jpg"),
        width=width,
        height=height,
        content_type="image/jpeg",
        size=len(encoded),
    )


def _refused(message) -> ValidationFailed:
    return ValidationFailed({FIELD: [message]})


def _too_many_pixels(max_pixels: int) -> ValidationFailed:
    return _refused(
        _("The photo has too many pixels (at most %(megapixels)s megapixels).")
        % {"megapixels": f"{max_pixels / 1_000_000:g}"}
    )


def _read_limited(upload: File | IO[bytes] | bytes, max_bytes: int) -> bytes:
    """The upload's bytes, but never more than ``max_bytes + 1`` of them."""
    if isinstance(upload, bytes | bytearray | memoryview):
        return bytes(upload[: max_bytes + 1])
    # A stream that cannot rewind is read from where it is.
    with contextlib.suppress(AttributeError, OSError, ValueError):
        upload.seek(0)
    chunks, total = [], 0
    while total <= max_bytes:
        chunk = upload.read(min(_READ_CHUNK, max_bytes + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _open(data: bytes, *, max_pixels: int) -> Image.Image:
    """Open (headers only) as one of the accepted formats and check the declared canvas."""
    try:
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(max_pixels) from exc
    except UnidentifiedImageError as exc:
        raise _refused(_("The file is not a JPEG, PNG or WebP photo.")) from exc
    except _DECODE_ERRORS as exc:
        raise _refused(_("The photo is damaged or incomplete.")) from exc
    if image.width < 1 or image.height < 1:
        image.close()
        raise _refused(_("The photo is damaged or incomplete."))
    if image.width * image.height > max_pixels:
        image.close()
        raise _too_many_pixels(max_pixels)
    return image


def _decode(image: Image.Image, *, max_side: int) -> Image.Image:
    """The first frame's pixels: at most ``max_side`` on the longer side, turned upright, RGB in sRGB."""
    if image.format in ("JPEG", "MPO"):
        # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when the result is still at least max_side:
        # less memory and time for big camera photos, the same output.
        image.draft("RGB", (max_side, max_side))
    image.load()
    # Palettes, 1-bit and 16-bit pixels would be resized badly (or not at all): widen them first.
    if image.mode in ("I", "I;16", "I;16B", "I;16L"):
        # 16-bit grey (PNG): scale to 8 bits; a plain conversion would clip everything above 255 to white.
        working = image.convert("I").point(lambda value: value * (1 / 257)).convert("L")
    elif image.mode in _RESIZABLE_MODES:
        working = image
    else:
        working = image.convert("RGBA" if _has_alpha(image) else "RGB")
    working.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    _apply_orientation(working)
    return _to_srgb(_flatten_alpha(working))


def _apply_orientation(image: Image.Image) -> None:
    """Turn the pixels the way the camera's EXIF orientation says. Unreadable EXIF leaves them as they are."""
    with contextlib.suppress(SyntaxError, ValueError, KeyError, TypeError, struct.error):
        ImageOps.exif_transpose(image, in_place=True)


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _flatten_alpha(image: Image.Image) -> Image.Image:
    if not _has_alpha(image):
        return image
    rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, "white")
    flat.paste(rgba, mask=rgba.getchannel("A"))
    flat.info = {"icc_profile": image.info["icc_profile"]} if image.info.get("icc_profile") else {}
    return flat


def _to_srgb(image: Image.Image) -> Image.Image:
    """RGB pixels in sRGB: converted through the embedded ICC profile when there is a usable one."""
    icc = image.info.get("icc_profile")
    if icc:
        try:
            converted = ImageCms.profileToProfile(
                image, ImageCms.ImageCmsProfile(io.BytesIO(icc)), _SRGB, outputMode="RGB"
            )
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            converted = None
        if converted is not None:
            return converted
    return image if image.mode == "RGB" else image.convert("RGB")
