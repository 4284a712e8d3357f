"""Every photo's pixels pass through here: uploads checked, stored photos opened, copies made, images served.

This module validates and decodes untrusted uploads, extracts the little EXIF
metadata we care about (when / where the photo was taken), opens stored photos
upright in 8-bit RGB (the one colour converter), produces metadata-free JPEG
copies and thumbnails, generates safe storage names, and answers image requests.

Design rules:

* Every problem with the uploaded *content* becomes a ``ValidationError``
  with a user-facing message and a ``code``; no decoder exception may escape
  and turn into a 500.
* Size and pixel limits are enforced before anything expensive happens.
* Only a small allow-list of raster formats is ever handed to Pillow, which
  keeps exotic (and historically buggy) plugins out of reach of uploads.
* Broken metadata is never fatal: the photo is what matters.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import struct
import threading
import uuid
import warnings
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image, ImageFile, ImageOps

# Pillow warns (UserWarning) about corrupt EXIF and the like in hostile files: noise for us, and an
# exception under `python -W error`. Silenced once for the process, not per call (see _decode).
warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL(\.|$)")

# JPEGs decoded for embedding need only cover the model's input: decoding a 12 MP photo at
# 1/4 or 1/8 scale costs a fraction of the full decode (measured in BENCHMARKS.md).
EMBEDDING_DRAFT_SIZE = 360  # 4:3 photos keep a 480 px long side for previews; 12 MP ones decode at 1/8 (BENCHMARKS.md)

PUBLIC_JPEG_QUALITY = 85
# Lists and cards show photos at most this large; photos compared side by side, this large.
THUMBNAIL_SIDE = 480
DISPLAY_SIDE = 1024
RENDITIONS = {"thumbnail": THUMBNAIL_SIDE, "display": DISPLAY_SIDE}

# Pillow plugin ids we let Image.open() try.  MPO (multi-picture JPEG, e.g.
# from some phones/3D cameras) has no plugin id of its own: the JPEG plugin
# returns an MpoImageFile, so it only appears in ALLOWED_FORMATS.
_OPEN_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "HEIF", "TIFF")
ALLOWED_FORMATS: frozenset[str] = frozenset(_OPEN_FORMATS) | {"MPO"}

_EXTENSIONS: dict[str, str] = {
    "JPEG": "jpg",
    "MPO": "jpg",
    "PNG": "png",
    "WEBP": "webp",
    "GIF": "gif",
    "BMP": "bmp",
    "HEIF": "heic",
    "HEIC": "heic",
    "TIFF": "tif",
}

_SUPPORTED_HUMAN = _("JPEG, PNG, WebP, GIF, BMP, HEIC or TIFF")

# Exceptions that Pillow / its plugins / pillow-heif are known to raise on
# hostile or damaged input.  Anything in here is the *file's* fault.
_DECODE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # includes UnidentifiedImageError and "image file is truncated"
    SyntaxError,  # Pillow's traditional "broken file" signal
    ValueError,
    TypeError,
    struct.error,
    EOFError,
    IndexError,
    KeyError,
    ZeroDivisionError,
    OverflowError,
    RuntimeError,  # libheif errors from pillow-heif
    MemoryError,
    zlib.error,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)


def max_upload_bytes() -> int:
    """Read at call time, so a changed setting (and override_settings in tests) takes effect."""
    return settings.PHOTO_MAX_UPLOAD_BYTES


def max_pixels() -> int:
    return settings.PHOTO_MAX_PIXELS


def _format_bytes(n: int) -> str:
    """Human size using binary units, e.g. 15 MB, 1.5 MB, 300 KB, 900 bytes."""

    def fmt(value: float) -> str:
        return f"{value:.1f}".rstrip("0").rstrip(".")

    if n >= 1024 * 1024:
        return f"{fmt(n / (1024 * 1024))} MB"
    if n >= 1024:
        return f"{fmt(n / 1024)} KB"
    return f"{n} bytes"


@dataclass(frozen=True)
class PhotoMetadata:
    taken_at: datetime | None
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class CheckedPhoto:
    image: Image.Image  # upright, 8-bit RGB, no metadata
    format: str
    metadata: PhotoMetadata


# An upload (renamed safely) and what checking it found: what the services store.
CheckedUpload = tuple[File, CheckedPhoto]


def _err_empty() -> ValidationError:
    return ValidationError(_("The file is empty."), code="empty")


def _err_too_big(limit: int) -> ValidationError:
    return ValidationError(
        _("The file is larger than %(limit)s. Please upload a smaller photo."),
        code="file_too_large",
        params={"limit": _format_bytes(limit)},
    )


def _err_svg() -> ValidationError:
    return ValidationError(
        _("Vector images (SVG) are not supported. Please upload a photo in %(formats)s format."),
        code="svg_not_supported",
        params={"formats": _SUPPORTED_HUMAN},
    )


def _err_not_image() -> ValidationError:
    return ValidationError(
        _("This file is not a supported image. Please upload a photo in %(formats)s format."),
        code="invalid_image",
        params={"formats": _SUPPORTED_HUMAN},
    )


def _err_unsupported(fmt: str) -> ValidationError:
    return ValidationError(
        _("%(format)s images are not supported. Please upload a photo in %(formats)s format."),
        code="unsupported_format",
        params={"format": fmt, "formats": _SUPPORTED_HUMAN},
    )


def _err_corrupt() -> ValidationError:
    return ValidationError(
        _("The image file is damaged or incomplete. Please try exporting or uploading it again."),
        code="corrupt_image",
    )


def _err_bomb(size: tuple[int, int] | None, limit: int) -> ValidationError:
    megapixels = f"{limit / 1_000_000:g}"
    if size is not None:
        return ValidationError(
            _("The image is too large (%(width)s x %(height)s pixels). The maximum is %(megapixels)s megapixels."),
            code="too_many_pixels",
            params={"width": size[0], "height": size[1], "megapixels": megapixels},
        )
    return ValidationError(
        _("The image is too large. The maximum is %(megapixels)s megapixels."),
        code="too_many_pixels",
        params={"megapixels": megapixels},
    )


_HEIF_BRANDS = {
    b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis",
    b"hevm", b"hevs", b"mif1", b"msf1",
}  # fmt: skip


def _has_allowed_magic(head: bytes) -> bool:
    """True if the bytes *start* like one of our formats.

    If Pillow then fails to read it, the file is damaged rather than "not an
    image" (e.g. a PNG signature followed by an HTML page).
    """
    return (
        head.startswith(b"\xff\xd8\xff")
        or head.startswith(b"\x89PNG\r\n\x1a\n")
        or head.startswith((b"GIF87a", b"GIF89a"))
        or (head.startswith(b"RIFF") and head[8:12] == b"WEBP")
        or head.startswith(b"BM")
        or head.startswith((b"II*\x00", b"MM\x00*"))
        or (head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS)
    )


def _looks_like_svg(head: bytes, name: str, content_type: str) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<") and b"<svg" in text:
        return True
    # Browser-supplied hints only pick the message, never acceptance.
    return name.lower().endswith((".svg", ".svgz")) or content_type == "image/svg+xml"


_heif_lock = threading.Lock()
_heif_registered = False


def _register_heif() -> None:
    """Register pillow-heif's Image.open() plugin exactly once (thread-safe)."""
    global _heif_registered
    if _heif_registered:
        return
    with _heif_lock:
        if _heif_registered:
            return
        try:
            import pillow_heif
        except ImportError:  # pragma: no cover - HEIC then simply isn't accepted
            pass
        else:
            pillow_heif.register_heif_opener()
        _heif_registered = True


def _open_formats() -> tuple[str, ...]:
    # Image.open(formats=...) raises KeyError for ids that aren't registered
    # (e.g. HEIF when pillow-heif is missing), so filter first.
    Image.init()
    return tuple(f for f in _OPEN_FORMATS if f in Image.OPEN)


def _read_limited(uploaded: IO[bytes], limit: int) -> bytes:
    """Read at most limit + 1 bytes, so "too large" is detectable without
    trusting a (client-controlled or absent) size attribute."""
    chunks: list[bytes] = []
    remaining = limit + 1
    while remaining > 0:
        chunk = uploaded.read(min(remaining, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _rewind(uploaded: Any) -> None:
    with contextlib.suppress(AttributeError, OSError, ValueError):
        uploaded.seek(0)


def open_checked_photo(uploaded: Any, *, draft_to: int | None = None) -> CheckedPhoto:
    """Validate and fully decode an uploaded photo.

    ``uploaded`` is a Django ``UploadedFile``/``File`` or any binary
    file-like object; its position is rewound to 0 afterwards so Django can
    still save it.  With ``draft_to=N`` JPEGs are decoded at the smallest
    1/2, 1/4 or 1/8 scale that keeps both sides >= N (much faster when only
    a small version is needed); other formats are always decoded in full.

    Raises ``ValidationError`` (with a ``code``) for anything that is not an
    acceptable, intact raster photo within the configured limits.
    """
    if draft_to is not None and draft_to < 1:
        raise ValueError("draft_to must be a positive integer or None")

    limit = max_upload_bytes()
    try:
        # Cheap early reject for Django uploads; re-checked after reading.
        declared = uploaded.size
    except (AttributeError, OSError, ValueError, TypeError):
        declared = None
    if isinstance(declared, int) and declared > limit:
        _rewind(uploaded)
        raise _err_too_big(limit)

    _rewind(uploaded)  # a previous validator may have read part of it
    try:
        data = _read_limited(uploaded, limit)
    finally:
        _rewind(uploaded)

    if not data:
        raise _err_empty()
    if len(data) > limit:
        raise _err_too_big(limit)

    name = str(getattr(uploaded, "name", "") or "")
    content_type = str(getattr(uploaded, "content_type", "") or "").lower()
    return _decode(data, name, content_type, draft_to)


def _decode(data: bytes, name: str, content_type: str, draft_to: int | None) -> CheckedPhoto:
    head = data[:4096]
    magic_ok = _has_allowed_magic(head)
    if not magic_ok and _looks_like_svg(head, name, content_type):
        raise _err_svg()

    pixel_limit = max_pixels()
    _register_heif()

    # No warnings.catch_warnings() here: it swaps process-wide state and is not thread-safe on
    # Python 3.11, and photos are checked on several threads at once (a form's photos, the
    # worker's decode pool). Pillow's UserWarnings are silenced once, below the imports; its
    # DecompressionBombWarning stays a warning, since the pixel budget is checked explicitly.
    # 1. Header only: identify the format and the claimed dimensions.
    try:
        img = Image.open(io.BytesIO(data), formats=_open_formats())
    except Image.DecompressionBombError:
        raise _err_bomb(None, pixel_limit) from None
    except _DECODE_ERRORS:
        raise (_err_corrupt() if magic_ok else _err_not_image()) from None

    try:
        return _decode_opened(img, pixel_limit, draft_to)
    finally:
        img.close()


def _decode_opened(img: ImageFile.ImageFile, pixel_limit: int, draft_to: int | None) -> CheckedPhoto:
    fmt = (img.format or "").upper()
    if not fmt:
        raise _err_not_image()
    if fmt not in ALLOWED_FORMATS:  # defence in depth; open() was restricted
        raise _err_unsupported(fmt)

    width, height = img.size
    if width <= 0 or height <= 0:
        raise _err_corrupt()
    # 2. Pixel budget from the header, before allocating any pixel memory.
    if width * height > pixel_limit:
        raise _err_bomb((width, height), pixel_limit)

    # 3. Decode.  LOAD_TRUNCATED_IMAGES is deliberately left False so a cut
    #    off upload fails here instead of being silently padded with grey.
    try:
        if draft_to is not None and fmt in ("JPEG", "MPO"):
            # JPEG can decode directly at 1/2, 1/4, 1/8 scale (DCT scaling).
            img.draft("RGB", (draft_to, draft_to))
        img.load()
    except Image.DecompressionBombError:
        raise _err_bomb((width, height), pixel_limit) from None
    except _DECODE_ERRORS:
        raise _err_corrupt() from None

    metadata = _read_metadata(img)

    try:
        rgb = upright_rgb(img)
        if rgb is img:
            rgb = img.copy()  # detach from the (soon closed) file
    except _DECODE_ERRORS:
        raise _err_corrupt() from None
    # Drop the original's info (EXIF incl. GPS, XMP, comments, ICC) so the
    # decoded image can't leak it if someone later saves it directly.  Every
    # path above yields a fresh Image whose EXIF cache is unset, so
    # getexif() on it is empty too.
    rgb.info = {}

    return CheckedPhoto(image=rgb, format=fmt, metadata=metadata)


def _apply_orientation(img: Image.Image) -> None:
    """Apply the EXIF orientation in place; broken EXIF is simply ignored."""
    # Metadata must never be fatal; exif_transpose rotates before rewriting the EXIF blob, so a
    # failure there still leaves the pixels correctly oriented.
    with contextlib.suppress(Exception):
        ImageOps.exif_transpose(img, in_place=True)


_WHITE = (255, 255, 255)


def _to_rgb(img: Image.Image) -> Image.Image:
    """Convert any decoded mode to 8-bit RGB; transparency goes on white.

    May return ``img`` itself when it is already RGB without transparency.
    """
    mode = img.mode
    if mode.startswith("I;16") or mode in ("I", "F"):
        # Pillow's I;16 -> L/RGB conversion *clips* at 255 instead of
        # scaling, which turns most 16-bit photos pure white.
        return _high_depth_to_l(img).convert("RGB")

    if mode == "La":  # premultiplied; Pillow can only go La -> LA
        img = img.convert("LA")
        mode = "LA"

    has_alpha = mode in ("RGBA", "RGBa", "LA", "PA") or "transparency" in img.info
    if has_alpha:
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, _WHITE)
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background

    if mode == "RGB":
        return img
    # L, 1, P, CMYK, YCbCr, ...
    return img.convert("RGB")


def _high_depth_to_l(img: Image.Image) -> Image.Image:
    if img.mode.startswith("I;16"):
        scale = 1 / 256  # full 16-bit range -> 8-bit
        img = img.convert("I")
    else:
        # Generic 32-bit int/float: assume 16-bit range if it exceeds 8 bits.
        _low, high = img.getextrema()
        if high <= 255:
            scale = 1.0
        elif high <= 65535:
            scale = 1 / 256
        else:
            scale = 255 / high
    return img.point(lambda v: v * scale).convert("L")


_TAG_DATETIME_ORIGINAL = 0x9003
_TAG_OFFSET_TIME_ORIGINAL = 0x9011
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON = 1, 2, 3, 4

_EXIF_DATETIME_RE = re.compile(r"^\s*(\d{4})[:\-](\d{2})[:\-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET_RE = re.compile(r"^\s*([+-])(\d{2}):?(\d{2})\s*$")

_NO_METADATA = PhotoMetadata(taken_at=None, latitude=None, longitude=None)


def _read_metadata(img: Image.Image) -> PhotoMetadata:
    """Best-effort EXIF extraction; any problem yields None fields."""
    try:
        exif = img.getexif()
    except Exception:  # noqa: BLE001 - broken EXIF must never be fatal
        return _NO_METADATA
    return PhotoMetadata(taken_at=_safe(_taken_at, exif), **_safe_gps(exif))


def _safe(func: Any, exif: Image.Exif) -> Any:
    try:
        return func(exif)
    except Exception:  # noqa: BLE001
        return None


def _safe_gps(exif: Image.Exif) -> dict[str, float | None]:
    coords = _safe(_gps_coordinates, exif)
    if coords is None:
        return {"latitude": None, "longitude": None}
    return {"latitude": coords[0], "longitude": coords[1]}


def _as_text(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", errors="replace")
    if isinstance(value, (tuple, list)) and value:
        value = value[0]
    return str(value).replace("\x00", "").strip()


def _taken_at(exif: Image.Exif) -> datetime | None:
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    raw = exif_ifd.get(_TAG_DATETIME_ORIGINAL)
    if raw is None:
        return None
    match = _EXIF_DATETIME_RE.match(_as_text(raw))
    if not match:  # e.g. "    :  :     :  :  " written by some cameras
        return None
    try:
        naive = datetime(*(int(part) for part in match.groups()))
    except ValueError:  # 0000:00:00 00:00:00, month 13, ...
        return None

    tz = _parse_offset(exif_ifd.get(_TAG_OFFSET_TIME_ORIGINAL)) or _default_tz()
    return naive.replace(tzinfo=tz)


def _parse_offset(raw: Any) -> tzinfo | None:
    if raw is None:
        return None
    match = _OFFSET_RE.match(_as_text(raw))
    if not match:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta > timedelta(hours=14):  # no real offset is larger
        return None
    return timezone(-delta if sign == "-" else delta)


def _default_tz() -> tzinfo:
    # EXIF times without an offset are camera-local; the shelter's own
    # TIME_ZONE is the best guess we have.
    try:
        return ZoneInfo(settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _gps_coordinates(exif: Image.Exif) -> tuple[float, float] | None:
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    if not gps:
        return None
    lat = _signed_degrees(gps.get(_GPS_LAT), gps.get(_GPS_LAT_REF), "S", 90.0)
    lon = _signed_degrees(gps.get(_GPS_LON), gps.get(_GPS_LON_REF), "W", 180.0)
    if lat is None or lon is None:
        return None
    # Devices without a fix often write 0/0 ("null island"); a shelter's
    # map pin in the Gulf of Guinea would be worse than no pin.
    if lat == 0.0 and lon == 0.0:
        return None
    return lat, lon


def _signed_degrees(value: Any, ref: Any, negative_ref: str, bound: float) -> float | None:
    if value is None:
        return None
    if isinstance(value, (tuple, list)):
        parts = [float(v) for v in value]  # IFDRational x/0 -> nan
        if not 1 <= len(parts) <= 3:
            return None
        parts += [0.0] * (3 - len(parts))
        degrees = abs(parts[0]) + abs(parts[1]) / 60 + abs(parts[2]) / 3600
        if parts[0] < 0:
            degrees = -degrees
    else:
        degrees = float(value)
    if not math.isfinite(degrees):
        return None

    ref_text = _as_text(ref).upper() if ref is not None else ""
    if ref_text.startswith(negative_ref):
        degrees = -abs(degrees)
    elif ref_text:
        degrees = abs(degrees)
    # A missing ref keeps whatever sign the value carried.

    if abs(degrees) > bound:
        return None
    return degrees


def encode_public_copy(image: Image.Image, *, max_side: int | None = None) -> bytes:
    """Re-encode ``image`` as a metadata-free JPEG (quality 85).

    Nothing from the original survives: no EXIF (GPS!), ICC profile, XMP or
    comments.  With ``max_side`` the image is downscaled (never upscaled) so
    its longest side is at most ``max_side``.  ``image`` is not modified.
    """
    if max_side is not None and max_side < 1:
        raise ValueError("max_side must be a positive integer or None")

    rgb = _to_rgb(image)
    if max_side is not None and max(rgb.size) > max_side:
        width, height = rgb.size
        scale = max_side / max(width, height)
        new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
        # reducing_gap: fast integer reduce() first, then LANCZOS - same
        # quality as plain LANCZOS for downscales, much faster on big photos.
        rgb = rgb.resize(new_size, Image.Resampling.LANCZOS, reducing_gap=3.0)

    # Paste into a brand-new image: Pillow's JPEG writer falls back to
    # image.info for some fields (e.g. "comment"), so never save an image
    # that carries the original's info dict.
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)

    buffer = io.BytesIO()
    clean.save(buffer, format="JPEG", quality=PUBLIC_JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


def safe_upload_name(original_name: str, format: str) -> str:
    """Storage name that ignores whatever the browser sent.

    ``original_name`` is accepted for call-site symmetry/logging but never
    used: the name is a random UUID and the extension comes from the decoded
    ``format`` (e.g. CheckedPhoto.format), so "../../x.php.jpg" is harmless.
    """
    try:
        ext = _EXTENSIONS[format.upper()]
    except KeyError:
        raise ValueError(f"unsupported image format: {format!r}") from None
    return f"{uuid.uuid4().hex}.{ext}"


def upright_rgb(image: Image.Image) -> Image.Image:
    """The image as pages and the model see it: EXIF orientation applied, 8-bit RGB, transparency on white.

    Turns `image` itself upright; may return it.
    """
    _apply_orientation(image)
    return _to_rgb(image)


def open_stored(file: FieldFile, *, max_side: int | None = None) -> Image.Image:
    """A stored photo decoded upright in 8-bit RGB.

    With `max_side`, JPEGs decode at the smallest 1/2, 1/4 or 1/8 scale that keeps both sides
    at least that large. Raises OSError when the file is missing or cannot be decoded.
    """
    _register_heif()
    try:
        with file.open("rb") as handle:
            image = Image.open(handle)
            if max_side is not None:
                image.draft("RGB", (max_side, max_side))
            image.load()
        return upright_rgb(image)
    except OSError:
        raise
    except _DECODE_ERRORS as exc:
        raise OSError(f"Cannot decode stored photo {file.name}: {exc}") from exc


def public_jpeg(file: FieldFile, max_side: int) -> bytes:
    """Re-encoded without EXIF (GPS, time, device): the only form in which a photo leaves the site."""
    return encode_public_copy(open_stored(file, max_side=max_side), max_side=max_side)


def make_renditions(photo) -> None:
    """Store the photo's renditions, from one decode of its original: what every page shows of it.

    JPEGs upright and without EXIF, at the sizes pages need, under random names, so an original in a
    format a browser cannot show (HEIC, TIFF, 16-bit PNG, CMYK) is never sent to a page. Raises
    OSError when the original cannot be read.
    """
    image = open_stored(photo.image, max_side=DISPLAY_SIDE)
    made = {}
    for field, side in RENDITIONS.items():
        file = getattr(photo, field)
        if not file:
            file.save(safe_upload_name("", "JPEG"), ContentFile(encode_public_copy(image, max_side=side)), save=False)
            made[field] = file.name
    if photo.dog_box and not photo.dog_crop:
        crop = encode_public_copy(image.crop(pixel_box(photo.dog_box, image.size)), max_side=THUMBNAIL_SIDE)
        photo.dog_crop.save(safe_upload_name("", "JPEG"), ContentFile(crop), save=False)
        made["dog_crop"] = photo.dog_crop.name
    if made:
        # update(), not save(): a rendition is no change to the photo and needs no re-indexing.
        type(photo).objects.filter(pk=photo.pk).update(**made)


def pixel_box(shares: list[float], size: tuple[int, int]) -> tuple[int, int, int, int]:
    """A box stored as shares (0-1) of a photo's sides, in the pixels of a copy of `size`; never empty."""
    width, height = size
    left, top = (min(max(0, round(share * side)), side - 1) for share, side in zip(shares[:2], size, strict=True))
    right = min(max(left + 1, round(shares[2] * width)), width)
    bottom = min(max(top + 1, round(shares[3] * height)), height)
    return left, top, right, bottom


def rendition(photo, field: str) -> FieldFile:
    """A rendition ("thumbnail", "display", or "dog_crop" where a dog was found), made now if the worker
    has not made it yet; a 404 for a crop of a photo without a dog."""
    if field == "dog_crop" and not photo.dog_box:
        raise Http404("No dog was found in this photo.")
    if not getattr(photo, field):
        make_renditions(photo)
    return getattr(photo, field)


_CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif",
                  "bmp": "image/bmp", "heic": "image/heic", "tif": "image/tiff"}  # fmt: skip


def image_response(content: bytes | FieldFile, *, cache_control: str) -> HttpResponse:
    """The one way an image leaves the site: bytes are a JPEG we made, a file keeps the type it was stored as.

    The type comes from what was decoded at upload (the stored name's extension), never from
    sniffing; scripts are off; a missing file is a 404.
    """
    if isinstance(content, bytes):
        response = HttpResponse(content, content_type="image/jpeg")
    else:
        try:
            handle = content.open("rb")
        except OSError as exc:
            raise Http404("The photo file is missing.") from exc
        extension = content.name.rsplit(".", 1)[-1].lower()
        response = FileResponse(handle, content_type=_CONTENT_TYPES.get(extension, "application/octet-stream"))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["Cache-Control"] = cache_control
    return response


def rendition_response(photo, field: str, *, cache_control: str) -> HttpResponse:
    """A photo's rendition; an original that is missing or unreadable is a 404."""
    try:
        file = rendition(photo, field)
    except OSError as exc:
        raise Http404("The photo file is missing.") from exc
    return image_response(file, cache_control=cache_control)
