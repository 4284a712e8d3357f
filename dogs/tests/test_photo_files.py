"""Unit tests for dogs.photos.

Every input is generated in memory; no test needs the database.
"""

from __future__ import annotations

import io
import os
import struct
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pillow_heif
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image, ImageChops, ImageFile
from PIL.TiffImagePlugin import IFDRational

from dogs.photos import (
    CheckedPhoto,
    PhotoMetadata,
    encode_public_copy,
    open_checked_photo,
    safe_upload_name,
)
from tests.support.photos import exif_with, png_with_header_size

RED = (255, 0, 0)
BLUE = (0, 0, 255)
WHITE = (255, 255, 255)

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _default_limits():
    # Pin the documented defaults so a deployment's env overrides (the
    # project reads PHOTO_* and TIME_ZONE from the environment) can't change
    # the expected messages.  Individual tests nest their own overrides.
    with override_settings(PHOTO_MAX_UPLOAD_BYTES=15 * 1024 * 1024, PHOTO_MAX_PIXELS=50_000_000, TIME_ZONE="UTC"):
        yield


def encode(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def two_tone(size: tuple[int, int] = (64, 48)) -> Image.Image:
    """Red image with a blue top-left quadrant, so orientation is visible."""
    image = Image.new("RGB", size, RED)
    image.paste(BLUE, (0, 0, size[0] // 2, size[1] // 2))
    return image


def noise(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    # Incompressible content: makes "cut in half" land inside pixel data.
    bands = len(mode)
    return Image.frombytes(mode, size, os.urandom(size[0] * size[1] * bands))


def max_diff(a: Image.Image, b: Image.Image) -> int:
    return max(high for _low, high in ImageChops.difference(a, b).getextrema())


def close_to(pixel: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 6) -> bool:
    return all(abs(p - e) <= tolerance for p, e in zip(pixel, expected, strict=True))


def rejected(data: bytes, **upload_kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        open_checked_photo(upload(data, **upload_kwargs))
    return info.value


# ---------------------------------------------------------------------------
# Accepted formats
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "kwargs", "expected_format"),
    [
        ("JPEG", {"quality": 95}, "JPEG"),
        ("PNG", {}, "PNG"),
        ("WEBP", {"quality": 95}, "WEBP"),
        ("BMP", {}, "BMP"),
        ("HEIF", {"quality": 95}, "HEIF"),
    ],
)
def test_accepts_supported_formats(fmt: str, kwargs: dict, expected_format: str) -> None:
    source = two_tone()
    checked = open_checked_photo(upload(encode(source, fmt, **kwargs)))

    assert isinstance(checked, CheckedPhoto)
    assert checked.format == expected_format
    assert checked.image.mode == "RGB"
    assert checked.image.size == (64, 48)
    assert close_to(checked.image.getpixel((5, 5)), BLUE, tolerance=12)
    assert close_to(checked.image.getpixel((50, 40)), RED, tolerance=12)
    assert checked.metadata == PhotoMetadata(None, None, None)


@pytest.mark.parametrize(("fmt", "kwargs"), [("GIF", {"loop": 0}), ("WEBP", {"lossless": True}), ("PNG", {})])
def test_animated_images_use_first_frame(fmt: str, kwargs: dict) -> None:
    frames = [Image.new("RGB", (30, 20), RED), Image.new("RGB", (30, 20), BLUE)]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, **kwargs)
    assert Image.open(io.BytesIO(data)).n_frames == 2  # really animated (APNG for PNG)

    checked = open_checked_photo(upload(data, name="a.gif"))
    assert checked.format == fmt
    assert checked.image.mode == "RGB"
    assert checked.image.getpixel((10, 10)) == RED


def test_mpo_multi_picture_jpeg_is_accepted_as_first_picture() -> None:
    data = encode(
        Image.new("RGB", (40, 30), RED), "MPO", save_all=True, append_images=[Image.new("RGB", (40, 30), BLUE)]
    )
    checked = open_checked_photo(upload(data))
    assert checked.format == "MPO"
    assert close_to(checked.image.getpixel((5, 5)), RED)
    assert safe_upload_name("x", checked.format).endswith(".jpg")


def test_cmyk_jpeg_is_converted_to_rgb() -> None:
    source = Image.new("CMYK", (32, 32), (0, 255, 255, 0))  # pure red in CMYK
    data = encode(source, "JPEG", quality=95)
    assert Image.open(io.BytesIO(data)).mode == "CMYK"

    checked = open_checked_photo(upload(data))
    assert checked.image.mode == "RGB"
    assert close_to(checked.image.getpixel((16, 16)), RED)


def test_rgba_png_transparency_is_composited_on_white() -> None:
    source = Image.new("RGBA", (30, 10), (0, 0, 0, 0))  # fully transparent black
    source.paste((255, 0, 0, 255), (10, 0, 20, 10))  # opaque red
    source.paste((0, 0, 0, 128), (20, 0, 30, 10))  # half-transparent black
    checked = open_checked_photo(upload(encode(source, "PNG"), name="a.png"))

    assert checked.image.mode == "RGB"
    assert checked.image.getpixel((5, 5)) == WHITE
    assert checked.image.getpixel((15, 5)) == RED
    assert close_to(checked.image.getpixel((25, 5)), (127, 127, 127), tolerance=2)


def test_palette_png_with_transparent_index_becomes_white() -> None:
    source = Image.new("P", (10, 10), 0)
    source.putpalette([0, 0, 0, 255, 0, 0] + [0] * (254 * 3))
    source.paste(1, (5, 0, 10, 10))
    data = encode(source, "PNG", transparency=0)

    checked = open_checked_photo(upload(data, name="p.png"))
    assert checked.image.getpixel((1, 1)) == WHITE
    assert checked.image.getpixel((8, 1)) == RED


def test_la_png_is_handled() -> None:
    source = Image.new("LA", (10, 10), (0, 0))
    source.paste((50, 255), (5, 0, 10, 10))
    checked = open_checked_photo(upload(encode(source, "PNG"), name="la.png"))
    assert checked.image.getpixel((1, 1)) == WHITE
    assert checked.image.getpixel((8, 1)) == (50, 50, 50)


def test_16_bit_grayscale_png_is_scaled_not_clipped() -> None:
    # Left half mid grey (32768), right half white (65535).  Built from raw
    # bytes because Image.paste(int) is a silent no-op on I;16 in Pillow 13.
    row = struct.pack("<10H", *[32768] * 10) + struct.pack("<10H", *[65535] * 10)
    source = Image.frombytes("I;16", (20, 10), row * 10)
    data = encode(source, "PNG")
    assert Image.open(io.BytesIO(data)).mode == "I;16"

    checked = open_checked_photo(upload(data, name="deep.png"))
    assert checked.image.mode == "RGB"
    # Pillow's own I;16 -> RGB conversion would clip 32768 to 255.
    assert checked.image.getpixel((5, 5)) == (128, 128, 128)
    assert checked.image.getpixel((15, 5)) == WHITE


@pytest.mark.parametrize("size", [(8000, 50), (50, 8000)])
def test_very_wide_and_very_tall_images(size: tuple[int, int]) -> None:
    checked = open_checked_photo(upload(encode(Image.new("RGB", size, RED), "PNG"), name="x.png"))
    assert checked.image.size == size


def test_decoded_image_carries_no_original_metadata() -> None:
    exif = exif_with(taken="2024:05:17 14:30:05", gps={1: "N", 2: (1.0, 2.0, 3.0), 3: "E", 4: (4.0, 5.0, 6.0)})
    data = encode(two_tone(), "JPEG", exif=exif, comment=b"secret comment")
    checked = open_checked_photo(upload(data))

    assert checked.metadata.latitude is not None  # parsed...
    assert checked.image.info == {}  # ...but not carried along
    assert len(checked.image.getexif()) == 0


# ---------------------------------------------------------------------------
# Orientation and draft decoding
# ---------------------------------------------------------------------------


def test_exif_orientation_6_is_applied() -> None:
    data = encode(two_tone((64, 48)), "JPEG", quality=95, exif=exif_with(orientation=6))
    checked = open_checked_photo(upload(data))

    assert checked.image.size == (48, 64)
    # Reference: the same decoded pixels, rotated 90 degrees clockwise.
    reference = Image.open(io.BytesIO(data)).convert("RGB").transpose(Image.Transpose.ROTATE_270)
    assert max_diff(checked.image, reference) == 0
    # Blue quadrant was top-left; after a clockwise turn it is top-right.
    assert close_to(checked.image.getpixel((40, 5)), BLUE, tolerance=12)


def test_invalid_orientation_value_is_ignored() -> None:
    data = encode(two_tone(), "JPEG", exif=exif_with(orientation=99))
    checked = open_checked_photo(upload(data))
    assert checked.image.size == (64, 48)


def test_heic_orientation_is_not_applied_twice() -> None:
    # pillow-heif turns EXIF orientation into a HEIF 'irot' transform when
    # writing and libheif applies it when reading; the EXIF tag it exposes
    # is reset to 1, so exif_transpose must not rotate a second time.
    data = encode(two_tone((64, 48)), "HEIF", quality=95, exif=exif_with(orientation=6).tobytes())
    checked = open_checked_photo(upload(data, name="a.heic"))
    assert checked.image.size == (48, 64)
    assert close_to(checked.image.getpixel((40, 5)), BLUE, tolerance=16)


@pytest.mark.parametrize(
    ("draft_to", "expected"),
    [
        (None, (4000, 3000)),
        (375, (500, 375)),  # 1/8: both sides still >= 375
        (500, (1000, 750)),  # 1/8 would make the short side 375 < 500, so 1/4
        (1000, (2000, 1500)),  # 1/4 would give 750 < 1000, so 1/2
        (3500, (4000, 3000)),  # no reduction possible
    ],
)
def test_draft_to_decodes_jpeg_at_reduced_scale(draft_to: int | None, expected: tuple[int, int]) -> None:
    data = encode(Image.new("RGB", (4000, 3000), RED), "JPEG")
    checked = open_checked_photo(upload(data), draft_to=draft_to)
    assert checked.image.size == expected
    assert close_to(checked.image.getpixel((10, 10)), RED)


def test_draft_to_respects_orientation_and_ignores_other_formats() -> None:
    jpeg = encode(Image.new("RGB", (4000, 3000), RED), "JPEG", exif=exif_with(orientation=6))
    assert open_checked_photo(upload(jpeg), draft_to=375).image.size == (375, 500)

    png = encode(Image.new("RGB", (1600, 1200), RED), "PNG")
    assert open_checked_photo(upload(png, name="a.png"), draft_to=100).image.size == (1600, 1200)


def test_draft_does_not_bypass_pixel_limit() -> None:
    data = encode(Image.new("RGB", (400, 300), RED), "JPEG")
    with override_settings(PHOTO_MAX_PIXELS=100_000), pytest.raises(ValidationError) as info:
        open_checked_photo(upload(data), draft_to=50)
    assert info.value.code == "too_many_pixels"


# ---------------------------------------------------------------------------
# EXIF metadata
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lat_ref", "lon_ref", "lat_sign", "lon_sign"),
    [("N", "E", 1, 1), ("S", "W", -1, -1), ("N", "W", 1, -1), ("S", "E", -1, 1)],
)
def test_datetime_and_gps_are_parsed(lat_ref: str, lon_ref: str, lat_sign: int, lon_sign: int) -> None:
    gps = {
        1: lat_ref,
        2: (IFDRational(33, 1), IFDRational(51, 1), IFDRational(2160, 100)),  # 33°51'21.6"
        3: lon_ref,
        4: (IFDRational(151, 1), IFDRational(12, 1), IFDRational(30, 1)),  # 151°12'30"
    }
    exif = exif_with(taken="2024:05:17 14:30:05", offset="+10:00", gps=gps)
    checked = open_checked_photo(upload(encode(two_tone(), "JPEG", exif=exif)))
    meta = checked.metadata

    assert meta.taken_at == datetime(2024, 5, 17, 14, 30, 5, tzinfo=timezone(timedelta(hours=10)))
    assert meta.taken_at.utcoffset() == timedelta(hours=10)
    assert meta.latitude == pytest.approx(lat_sign * (33 + 51 / 60 + 21.6 / 3600))
    assert meta.longitude == pytest.approx(lon_sign * (151 + 12 / 60 + 30 / 3600))


def test_negative_offset_time() -> None:
    exif = exif_with(taken="2023:12:31 23:59:59", offset="-05:30")
    meta = open_checked_photo(upload(encode(two_tone(), "JPEG", exif=exif))).metadata
    assert meta.taken_at is not None
    assert meta.taken_at.utcoffset() == -timedelta(hours=5, minutes=30)


def test_datetime_without_offset_uses_settings_time_zone() -> None:
    exif = exif_with(taken="2024:07:01 09:15:00")
    with override_settings(TIME_ZONE="Europe/Berlin"):
        meta = open_checked_photo(upload(encode(two_tone(), "JPEG", exif=exif))).metadata
    assert meta.taken_at == datetime(2024, 7, 1, 9, 15, tzinfo=ZoneInfo("Europe/Berlin"))
    assert meta.taken_at.utcoffset() == timedelta(hours=2)  # CEST
    assert meta.latitude is None and meta.longitude is None


def test_metadata_from_webp_and_heic() -> None:
    gps = {1: "S", 2: (10.0, 30.0, 0.0), 3: "W", 4: (20.0, 0.0, 0.0)}
    exif = exif_with(taken="2022:02:02 02:02:02", offset="+00:00", gps=gps)
    for fmt, name in (("WEBP", "a.webp"), ("HEIF", "a.heic")):
        meta = open_checked_photo(upload(encode(two_tone(), fmt, exif=exif.tobytes()), name=name)).metadata
        assert meta.taken_at == datetime(2022, 2, 2, 2, 2, 2, tzinfo=UTC), fmt
        assert meta.latitude == pytest.approx(-10.5), fmt
        assert meta.longitude == pytest.approx(-20.0), fmt


@pytest.mark.parametrize(
    "exif_bytes",
    [
        b"Exif\x00\x00garbage garbage garbage",
        b"Exif\x00\x00II*\x00\xff\xff\xff\x7f",  # IFD offset far past the end
        # Valid header, IFD0 with GPS and Exif pointers into nowhere.
        b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x02\x00"
        + struct.pack("<HHII", 0x8825, 4, 1, 0xFFFFFF00)
        + struct.pack("<HHII", 0x8769, 4, 1, 0x7FFFFFFF)
        + b"\x00\x00\x00\x00",
        # Entry claims 1 million ASCII bytes.
        b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x01" + struct.pack(">HHII", 0x0132, 2, 1_000_000, 26) + b"\x00" * 4,
    ],
)
def test_garbage_exif_is_ignored(exif_bytes: bytes) -> None:
    checked = open_checked_photo(upload(encode(two_tone(), "JPEG", exif=exif_bytes)))
    assert checked.metadata == PhotoMetadata(None, None, None)
    assert checked.image.size == (64, 48)


@pytest.mark.parametrize(
    ("taken", "gps"),
    [
        ("0000:00:00 00:00:00", {1: "N", 2: (IFDRational(1, 0),) * 3, 3: "E", 4: (1.0, 2.0, 3.0)}),  # x/0
        ("    :  :     :  :  ", {1: "N", 2: (95.0, 0.0, 0.0), 3: "E", 4: (10.0, 0.0, 0.0)}),  # lat out of range
        ("2024:13:45 99:00:00", {1: "N", 2: (10.0, 0.0, 0.0)}),  # longitude missing
        ("not a date", {1: "N", 2: (0.0, 0.0, 0.0), 3: "E", 4: (0.0, 0.0, 0.0)}),  # "null island"
        ("2024:01:01 00:00:00", {1: "N", 2: (1.0, 2.0, 3.0, 4.0), 3: "E", 4: (1.0, 2.0)}),  # 4 parts
    ],
)
def test_implausible_exif_values_become_none(taken: str, gps: dict) -> None:
    exif = exif_with(taken=taken, gps=gps)
    meta = open_checked_photo(upload(encode(two_tone(), "JPEG", exif=exif))).metadata
    if taken.startswith("2024:01:01"):
        assert meta.taken_at is not None
    else:
        assert meta.taken_at is None
    assert meta.latitude is None
    assert meta.longitude is None


def test_gps_with_two_components_and_bad_offset_falls_back() -> None:
    exif = exif_with(
        taken="2024:01:01 12:00:00",
        offset="+99:99",  # nonsense -> settings TIME_ZONE
        gps={1: "N", 2: (45.0, 30.0), 3: "E", 4: (7.5,)},
    )
    with override_settings(TIME_ZONE="UTC"):
        meta = open_checked_photo(upload(encode(two_tone(), "JPEG", exif=exif))).metadata
    assert meta.taken_at == datetime(2024, 1, 1, 12, tzinfo=ZoneInfo("UTC"))
    assert meta.latitude == pytest.approx(45.5)
    assert meta.longitude == pytest.approx(7.5)


# ---------------------------------------------------------------------------
# Rejections
# ---------------------------------------------------------------------------

SUPPORTED = "JPEG, PNG, WebP, GIF, BMP, HEIC or TIFF"
NOT_IMAGE = f"This file is not a supported image. Please upload a photo in {SUPPORTED} format."
CORRUPT = "The image file is damaged or incomplete. Please try exporting or uploading it again."


def test_rejects_empty_file() -> None:
    error = rejected(b"")
    assert error.code == "empty"
    assert error.messages == ["The file is empty."]


@pytest.mark.parametrize(
    "data",
    [
        b"Hello, this is definitely not a JPEG.\n",
        b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        b"\x00" * 100,
    ],
)
def test_rejects_non_images_named_jpg(data: bytes) -> None:
    error = rejected(data, name="x.jpg")
    assert error.code == "invalid_image"
    assert error.messages == [NOT_IMAGE]


@pytest.mark.parametrize(
    ("fmt", "kwargs"),
    [("AVIF", {}), ("ICO", {}), ("PPM", {}), ("JPEG2000", {})],
)
def test_rejects_formats_outside_allow_list(fmt: str, kwargs: dict) -> None:
    try:
        data = encode(two_tone(), fmt, **kwargs)
    except (KeyError, OSError):  # encoder not compiled into this Pillow
        pytest.skip(f"Pillow cannot write {fmt}")
    error = rejected(data, name="x.jpg")
    assert error.code == "invalid_image"
    assert error.messages == [NOT_IMAGE]


def test_rejects_png_signature_followed_by_html_as_corrupt() -> None:
    html = b"<!DOCTYPE html><html><body>phish</body></html>" * 4
    signature_only = b"\x89PNG\r\n\x1a\n" + html
    valid_ihdr = encode(Image.new("RGB", (1, 1)), "PNG")[:33] + html

    for data in (signature_only, valid_ihdr):
        error = rejected(data, name="x.png")
        assert error.code == "corrupt_image"
        assert error.messages == [CORRUPT]


@pytest.mark.parametrize(("fmt", "name"), [("JPEG", "a.jpg"), ("PNG", "a.png"), ("WEBP", "a.webp"), ("GIF", "a.gif")])
def test_rejects_truncated_images(fmt: str, name: str) -> None:
    data = encode(noise((256, 256)), fmt)
    error = rejected(data[: len(data) // 2], name=name)
    assert error.code == "corrupt_image"
    assert error.messages == [CORRUPT]
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_rejects_truncated_heic() -> None:
    data = encode(noise((256, 256)), "HEIF", quality=90)
    error = rejected(data[: len(data) // 2], name="a.heic")
    assert error.code == "corrupt_image"


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', "a.svg", "image/svg+xml"),
        (
            b'\xef\xbb\xbf<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x">\n'
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "innocent.jpg",
            "image/jpeg",
        ),
    ],
)
def test_rejects_svg_with_explicit_message(data: bytes, name: str, content_type: str) -> None:
    error = rejected(data, name=name, content_type=content_type)
    assert error.code == "svg_not_supported"
    assert error.messages == [f"Vector images (SVG) are not supported. Please upload a photo in {SUPPORTED} format."]


def test_rejects_pixel_bomb_from_header_before_decoding() -> None:
    # 8000 x 8000 = 64 MP: over our 50 MP default but under Pillow's own
    # warning threshold, so this is our header check.  The file has no pixel
    # data at all, so "too many pixels" (not "corrupt") proves we never
    # tried to decode it.
    data = png_with_header_size(8000, 8000)
    assert len(data) < 100
    error = rejected(data, name="bomb.png")
    assert error.code == "too_many_pixels"
    assert error.messages == ["The image is too large (8000 x 8000 pixels). The maximum is 50 megapixels."]


def test_rejects_bombs_pillow_only_warns_about_by_their_header() -> None:
    # 100 MP: Pillow's DecompressionBombWarning, a warning only; the header's size is over the budget.
    with pytest.warns(Image.DecompressionBombWarning):
        error = rejected(png_with_header_size(10_000, 10_000), name="bomb.png")
    assert error.code == "too_many_pixels"
    assert error.messages == ["The image is too large (10000 x 10000 pixels). The maximum is 50 megapixels."]


def test_rejects_bombs_pillow_refuses_itself() -> None:
    # 400 MP: Pillow's DecompressionBombError inside Image.open(), before we see a size.
    error = rejected(png_with_header_size(20_000, 20_000), name="bomb.png")
    assert error.code == "too_many_pixels"
    assert error.messages == ["The image is too large. The maximum is 50 megapixels."]


def test_checking_photos_on_several_threads_leaves_the_warning_filters_alone() -> None:
    import warnings

    from dogs.forms import check_uploads

    before = list(warnings.filters)
    uploads = [upload(encode(Image.new("RGB", (64, 48), RED), "JPEG"), name=f"{n}.jpg") for n in range(8)]
    uploads.append(upload(b"not a photo", name="bad.jpg"))

    results = check_uploads(uploads)

    assert warnings.filters == before
    assert [type(r).__name__ for r in results] == ["tuple"] * 8 + ["ValidationError"]


def test_real_compressed_bomb_is_rejected_cheaply() -> None:
    # A genuine, fully valid 1-bit PNG: tiny on disk, 64 MP when decoded.
    data = encode(Image.new("1", (8000, 8000)), "PNG", optimize=True)
    assert len(data) < 100_000
    assert rejected(data, name="bomb.png").code == "too_many_pixels"


def test_pixel_limit_comes_from_settings() -> None:
    data = encode(Image.new("RGB", (200, 100), RED), "PNG")
    with override_settings(PHOTO_MAX_PIXELS=10_000):
        error = rejected(data, name="a.png")
    assert error.messages == ["The image is too large (200 x 100 pixels). The maximum is 0.01 megapixels."]
    assert open_checked_photo(upload(data, name="a.png")).image.width == 200


def test_rejects_file_over_default_limit() -> None:
    data = b"\xff\xd8\xff" + b"\x00" * (15 * 1024 * 1024)
    error = rejected(data)
    assert error.code == "file_too_large"
    assert error.messages == ["The file is larger than 15 MB. Please upload a smaller photo."]


def test_size_limit_comes_from_settings_and_does_not_trust_size_attribute() -> None:
    data = encode(noise((64, 64)), "PNG")  # ~12 KB
    with override_settings(PHOTO_MAX_UPLOAD_BYTES=10 * 1024):
        error = rejected(data, name="a.png")
        assert error.messages == ["The file is larger than 10 KB. Please upload a smaller photo."]

        # A plain file-like without .size is measured by reading.
        with pytest.raises(ValidationError) as info:
            open_checked_photo(io.BytesIO(data))
        assert info.value.code == "file_too_large"

        # A lying .size is not trusted either.
        lying = upload(data, name="a.png")
        lying.size = 10
        with pytest.raises(ValidationError) as info:
            open_checked_photo(lying)
        assert info.value.code == "file_too_large"

    with override_settings(PHOTO_MAX_UPLOAD_BYTES=1536 * 1024):
        assert rejected(b"\x00" * (2 * 1024 * 1024)).messages == [
            "The file is larger than 1.5 MB. Please upload a smaller photo."
        ]


# ---------------------------------------------------------------------------
# File handling
# ---------------------------------------------------------------------------


def test_file_position_is_rewound_after_success_and_failure() -> None:
    good = upload(encode(two_tone(), "JPEG"))
    good.read(10)  # e.g. a previous validator left it mid-file
    open_checked_photo(good)
    assert good.tell() == 0

    bad = upload(b"not an image")
    with pytest.raises(ValidationError):
        open_checked_photo(bad)
    assert bad.tell() == 0

    with override_settings(PHOTO_MAX_UPLOAD_BYTES=5):
        big = upload(b"0123456789")
        with pytest.raises(ValidationError):
            open_checked_photo(big)
        assert big.tell() == 0


def test_accepts_plain_binary_file_objects() -> None:
    buffer = io.BytesIO(encode(two_tone(), "PNG"))
    checked = open_checked_photo(buffer)
    assert checked.format == "PNG"
    assert buffer.tell() == 0


def test_heif_opener_is_registered() -> None:
    open_checked_photo(upload(encode(two_tone(), "HEIF"), name="a.heic"))
    assert "HEIF" in Image.OPEN
    assert pillow_heif is not None


# ---------------------------------------------------------------------------
# encode_public_copy
# ---------------------------------------------------------------------------


def test_public_copy_strips_all_metadata() -> None:
    exif = exif_with(
        orientation=1, taken="2024:05:17 14:30:05", gps={1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
    )
    source = Image.open(io.BytesIO(encode(two_tone(), "JPEG", exif=exif, comment=b"home address", icc_profile=b"fake")))
    assert source.getexif()  # the input really has EXIF...
    assert source.info.get("comment") == b"home address"

    data = encode_public_copy(source)
    output = Image.open(io.BytesIO(data))
    assert output.format == "JPEG"
    assert len(output.getexif()) == 0
    for key in ("exif", "comment", "icc_profile", "xmp"):
        assert key not in output.info
    assert b"home address" not in data
    assert output.size == (64, 48)


def test_public_copy_from_checked_photo_and_max_side() -> None:
    checked = open_checked_photo(upload(encode(Image.new("RGB", (1200, 300), RED), "PNG"), name="a.png"))
    data = encode_public_copy(checked.image, max_side=400)
    output = Image.open(io.BytesIO(data))
    assert output.format == "JPEG"
    assert output.size == (400, 100)
    assert close_to(output.convert("RGB").getpixel((200, 50)), RED)
    assert checked.image.size == (1200, 300)  # caller's image untouched


def test_public_copy_never_upscales_and_handles_alpha() -> None:
    source = Image.new("RGBA", (50, 20), (0, 0, 0, 0))
    output = Image.open(io.BytesIO(encode_public_copy(source, max_side=400)))
    assert output.size == (50, 20)
    assert output.mode == "RGB"
    assert close_to(output.getpixel((5, 5)), WHITE)


def test_public_copy_tall_image_and_bad_max_side() -> None:
    output = Image.open(io.BytesIO(encode_public_copy(Image.new("L", (30, 3000)), max_side=300)))
    assert output.size == (3, 300)
    with pytest.raises(ValueError):
        encode_public_copy(Image.new("RGB", (10, 10)), max_side=0)


# ---------------------------------------------------------------------------
# safe_upload_name
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "ext"),
    [
        ("JPEG", "jpg"),
        ("MPO", "jpg"),
        ("PNG", "png"),
        ("WEBP", "webp"),
        ("GIF", "gif"),
        ("BMP", "bmp"),
        ("HEIF", "heic"),
        ("jpeg", "jpg"),
    ],
)
def test_safe_upload_name_uses_decoded_format(fmt: str, ext: str) -> None:
    name = safe_upload_name("../../etc/passwd.php", fmt)
    stem, _, suffix = name.partition(".")
    assert suffix == ext
    assert len(stem) == 32 and all(c in "0123456789abcdef" for c in stem)


def test_safe_upload_name_ignores_path_traversal_and_is_unique() -> None:
    names = {safe_upload_name("../../etc/passwd.jpg", "PNG") for _ in range(50)}
    assert len(names) == 50
    for name in names:
        assert "/" not in name and "\\" not in name and ".." not in name
        assert "passwd" not in name
        assert name.endswith(".png")


def test_safe_upload_name_rejects_unknown_format() -> None:
    with pytest.raises(ValueError):
        safe_upload_name("a.psd", "PSD")
