"""chefu.images.image_clean: real images made in memory with Pillow, and hostile ones crafted by hand."""

import io
import random
import struct
import uuid
import warnings
import zlib

import pytest
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import ExifTags, Image, ImageCms

from chefu.errors import ValidationFailed
from chefu.images import CleanImage, image_clean

RED, BLUE = (220, 20, 20), (20, 20, 220)


def two_tone(width: int, height: int, mode: str = "RGB", left=RED, right=BLUE) -> Image.Image:
    """Left half ``left``, right half ``right``: shows which way the result was turned."""
    image = Image.new(mode, (width, height), right if mode == "RGB" else (*right, 255))
    image.paste(left if mode == "RGB" else (*left, 255), (0, 0, width // 2, height))
    return image


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG that declares a ``width`` × ``height`` canvas: a signature, an IHDR, one byte of IDAT."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


def reopen(clean: CleanImage) -> Image.Image:
    clean.content.seek(0)
    return Image.open(io.BytesIO(clean.content.read()))


def close_to(pixel, colour, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


def refused(upload, **limits) -> list[str]:
    """image_clean refuses ``upload``: returns nothing and names the ``photo`` field only."""
    result = None
    with translation.override("en"), pytest.raises(ValidationFailed) as excinfo:
        result = image_clean(upload, **limits)
    assert result is None
    fields = excinfo.value.details["fields"]
    assert list(fields) == ["photo"]
    return fields["photo"]


# --- accepted, and what comes out --------------------------------------------------------------------------------


def test_a_jpeg_is_turned_by_its_exif_orientation_and_loses_all_metadata():
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # the camera was held upright: turn 90° clockwise to show
    exif[ExifTags.Base.Make] = "TestCam"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (31.0, 14.0, 7.5),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (121.0, 28.0, 3.25),
    }
    source = encode(
        two_tone(400, 200), "JPEG", exif=exif, comment=b"secret-comment", xmp=b"<x:xmpmeta>secret-xmp</x:xmpmeta>"
    )
    assert Image.open(io.BytesIO(source)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the fixture carries GPS

    clean = image_clean(source)

    assert (clean.width, clean.height, clean.content_type) == (200, 400, "image/jpeg")
    result = reopen(clean)
    assert (result.format, result.mode, result.size) == ("JPEG", "RGB", (200, 400))
    # Turned clockwise: the left (red) half is now on top.
    assert close_to(result.getpixel((100, 50)), RED)
    assert close_to(result.getpixel((100, 350)), BLUE)
    assert len(result.getexif()) == 0
    assert not {"exif", "xmp", "comment", "icc_profile"} & result.info.keys()
    clean.content.seek(0)
    raw = clean.content.read()
    for trace in (b"Exif", b"TestCam", b"secret-comment", b"secret-xmp", b"ns.adobe.com"):
        assert trace not in raw


def test_the_result_is_a_named_content_file_whose_size_is_its_length():
    clean = image_clean(encode(two_tone(64, 48), "JPEG"))

    assert isinstance(clean.content, ContentFile)
    stem, ext = clean.content.name.split(".")
    assert ext == "jpg" and stem == uuid.UUID(stem).hex and uuid.UUID(stem).version == 4
    assert clean.size == clean.content.size == len(clean.content.read())
    assert image_clean(encode(two_tone(64, 48), "JPEG")).content.name != clean.content.name


def test_a_png_with_transparency_becomes_an_rgb_jpeg_on_white():
    image = two_tone(100, 60, mode="RGBA")
    image.paste((0, 0, 0, 0), (50, 0, 100, 60))  # right half fully transparent

    clean = image_clean(encode(image, "PNG"))

    result = reopen(clean)
    assert (result.format, result.mode, result.size, clean.content_type) == ("JPEG", "RGB", (100, 60), "image/jpeg")
    assert close_to(result.getpixel((20, 30)), RED)
    assert close_to(result.getpixel((80, 30)), (255, 255, 255), tolerance=8)


def test_a_palette_png_is_accepted():
    image = two_tone(80, 40).convert("P", palette=Image.Palette.ADAPTIVE, colors=4)

    result = reopen(image_clean(encode(image, "PNG")))

    assert (result.mode, result.size) == ("RGB", (80, 40))
    assert close_to(result.getpixel((10, 20)), RED)


def test_a_webp_is_accepted():
    clean = image_clean(encode(two_tone(120, 80), "WEBP", quality=90))

    result = reopen(clean)
    assert (result.format, result.size) == ("JPEG", (120, 80))
    assert close_to(result.getpixel((10, 40)), RED) and close_to(result.getpixel((110, 40)), BLUE)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_an_animated_image_keeps_its_first_frame(fmt):
    first, second = Image.new("RGB", (60, 40), RED), Image.new("RGB", (60, 40), BLUE)
    source = encode(first, fmt, save_all=True, append_images=[second], duration=100, loop=0)
    assert getattr(Image.open(io.BytesIO(source)), "n_frames", 1) == 2

    result = reopen(image_clean(source))

    assert result.size == (60, 40)
    assert getattr(result, "n_frames", 1) == 1
    assert close_to(result.getpixel((30, 20)), RED)


def test_a_phones_multi_picture_jpeg_keeps_its_first_picture():
    source = encode(
        Image.new("RGB", (60, 40), RED), "MPO", save_all=True, append_images=[Image.new("RGB", (60, 40), BLUE)]
    )
    assert Image.open(io.BytesIO(source)).format == "MPO"

    result = reopen(image_clean(source))

    assert (result.format, result.size) == ("JPEG", (60, 40))
    assert close_to(result.getpixel((30, 20)), RED)


def test_a_big_photo_is_brought_down_to_max_side_and_a_small_one_is_not_enlarged(settings):
    settings.PHOTO_MAX_SIDE = 1024

    big = image_clean(encode(two_tone(3000, 1500), "JPEG"))
    small = image_clean(encode(two_tone(300, 150), "JPEG"))
    portrait = image_clean(encode(two_tone(900, 1800), "PNG"), max_side=600)

    assert (big.width, big.height) == (1024, 512) == reopen(big).size
    assert (small.width, small.height) == (300, 150)
    assert (portrait.width, portrait.height) == (300, 600)


def test_an_icc_profile_is_converted_then_dropped():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()

    result = reopen(image_clean(encode(two_tone(80, 40), "JPEG", icc_profile=srgb)))

    assert "icc_profile" not in result.info
    assert close_to(result.getpixel((10, 20)), RED)


@pytest.mark.parametrize("mode", ["L", "CMYK"])
def test_grey_and_cmyk_jpegs_come_out_rgb(mode):
    result = reopen(image_clean(encode(Image.new(mode, (50, 50)), "JPEG")))

    assert result.mode == "RGB"


def test_a_16_bit_grey_png_is_scaled_not_clipped():
    result = reopen(image_clean(encode(Image.new("I;16", (40, 40), 40_000), "PNG")))

    assert close_to(result.getpixel((20, 20)), (156, 156, 156), tolerance=3)


def test_django_files_are_read_from_their_start(tmp_path):
    data = encode(two_tone(64, 48), "JPEG")
    path = tmp_path / "photo.jpg"
    path.write_bytes(data)
    upload = SimpleUploadedFile("IMG_0001.JPG", data, content_type="image/jpeg")
    upload.read(10)

    with path.open("rb") as handle:
        from_disk = image_clean(File(handle))
    from_upload = image_clean(upload)

    assert (from_disk.width, from_upload.width) == (64, 64)
    assert not upload.closed


# --- refused ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("upload", [b"", ContentFile(b""), SimpleUploadedFile("empty.jpg", b"")], ids=type)
def test_an_empty_upload_is_refused(upload):
    assert refused(upload) == ["The photo is empty."]


def test_too_many_bytes_are_refused_without_reading_the_rest(settings):
    settings.PHOTO_MAX_BYTES = 1000

    class Endless(io.RawIOBase):
        """An upload that would go on for ever; counts what was read."""

        read_total = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            self.read_total += len(buffer)
            buffer[:] = b"\xff" * len(buffer)
            return len(buffer)

    endless = Endless()

    [message] = refused(endless)

    assert "larger than" in message
    assert endless.read_total <= 1001
    assert refused(encode(two_tone(400, 400), "PNG"), max_bytes=100) == [message.replace("1000", "100")]


def test_a_photo_just_under_the_byte_limit_is_accepted():
    data = encode(two_tone(64, 48), "JPEG")

    assert image_clean(data, max_bytes=len(data)).width == 64


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (8_000, 8_000),  # 64 Mpx: over our 40 Mpx, under Pillow's own limit
        pytest.param(  # 100 Mpx: over Pillow's warning limit too (the warning is left to the logs)
            10_000, 10_000, marks=pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
        ),
        (100_000, 100_000),  # 10 Gpx: Pillow itself raises DecompressionBombError
    ],
)
def test_a_small_file_declaring_a_huge_canvas_is_refused_before_decoding(width, height):
    bomb = png_header(width, height)
    assert len(bomb) < 100

    [message] = refused(bomb)

    assert message == "The photo has too many pixels (at most 40 megapixels)."


def test_a_decompression_bomb_is_refused_even_when_warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert refused(png_header(10_000, 10_000)) == ["The photo has too many pixels (at most 40 megapixels)."]


def test_the_pixel_limit_applies_to_real_images_too():
    data = encode(two_tone(200, 100), "PNG")

    assert refused(data, max_pixels=19_999) == ["The photo has too many pixels (at most 0.019999 megapixels)."]
    assert image_clean(data, max_pixels=20_000).width == 200


def test_random_bytes_are_refused():
    noise = random.Random(7).randbytes(4096)

    assert refused(noise) == ["The file is not a JPEG, PNG or WebP photo."]


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_refused(fmt):
    assert refused(encode(two_tone(40, 40), fmt)) == ["The file is not a JPEG, PNG or WebP photo."]


def test_an_animated_gif_is_refused():
    frames = [Image.new("RGB", (40, 40), RED), Image.new("RGB", (40, 40), BLUE)]
    gif = encode(frames[0], "GIF", save_all=True, append_images=frames[1:])

    assert refused(gif) == ["The file is not a JPEG, PNG or WebP photo."]


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_truncated_image_is_refused(fmt):
    noise = Image.effect_noise((256, 256), 64).convert("RGB")  # noise does not compress: the cut loses pixels
    data = encode(noise, fmt)

    assert refused(data[: len(data) // 2]) == ["The photo is damaged or incomplete."]


def test_a_jpeg_with_a_corrupt_body_is_refused():
    data = bytearray(encode(Image.effect_noise((128, 128), 64).convert("RGB"), "JPEG"))
    data[-600:-2] = b"\x00" * 598
    data[400:420] = b"\xff\xd9" * 10  # end-of-image markers in the middle of the scan

    assert refused(bytes(data)) == ["The photo is damaged or incomplete."]
