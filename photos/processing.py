"""Turn uploaded bytes into verified, upright, metadata-free JPEG renditions (no Flask app, no database; the
refusals are Flask-Babel lazy texts, told in the request's language where there is one).

The content is verified by decoding it fully, never trusted from the file name or MIME type. Capture
time and GPS are read from EXIF before the metadata is dropped; renditions carry no EXIF, XMP or ICC
profile (their pixels are converted to sRGB instead).
"""

from __future__ import annotations

import hashlib
import io
import struct
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pillow_heif
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageCms, UnidentifiedImageError

pillow_heif.register_heif_opener()

ACCEPTED = ("JPEG", "PNG", "WEBP", "HEIF")
# What Pillow and pillow_heif raise on damaged data (besides our own checks).
DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, RuntimeError, IndexError, struct.error)
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
ORIENTATION, DATETIME_ORIGINAL, OFFSET_TIME_ORIGINAL = 0x0112, 0x9003, 0x9011
# EXIF orientation -> the transposition that makes the image upright (as in PIL.ImageOps.exif_transpose).
TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_WARNINGS_LOCK = threading.Lock()
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


class PhotoError(Exception):
    """A rejected upload: ``status`` is the HTTP status, ``code`` a stable machine-readable name."""

    status = 400
    code = "invalid_image"

    @property
    def message(self) -> str:
        return str(self.args[0])  # a lazy text, in the request's language (see core.errors.DomainError)


class UnsupportedImage(PhotoError):
    status = 415
    code = "unsupported_image"


class InvalidImage(PhotoError):
    status = 400
    code = "invalid_image"


class ImageTooLarge(PhotoError):
    status = 400
    code = "image_too_large"


@dataclass(frozen=True)
class Rendition:
    name: str  # "display" | "thumb"
    data: bytes  # JPEG
    width: int
    height: int


@dataclass(frozen=True)
class ProcessedPhoto:
    sha256: str  # of the original bytes
    format: str  # "JPEG" | "PNG" | "WEBP" | "HEIF"
    width: int  # upright
    height: int
    taken_at: datetime | None  # camera local time; aware only when the camera recorded its offset
    latitude: float | None
    longitude: float | None
    renditions: tuple[Rendition, ...]


@contextmanager
def _header_warnings():
    """Pillow warns (never raises) about corrupt EXIF; where warnings are errors (our tests) that would
    reject a photo whose pixels are fine, so they are ignored here, and a bomb warning becomes an error.
    catch_warnings swaps process-wide state, hence the lock; only header parsing runs under it."""
    with _WARNINGS_LOCK, warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def _claims_accepted_format(data: bytes) -> bool:
    """The signature of an accepted format: such a file that fails to open is damaged, not unsupported."""
    return (
        data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"))
        or data[4:8] == b"ftyp"
        or (data[:4], data[8:12]) == (b"RIFF", b"WEBP")
    )


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Identify the format from the header alone (no pixels decoded yet) and refuse bombs."""
    if not data:
        raise InvalidImage(_l("the file is empty"))
    try:
        image = Image.open(io.BytesIO(data), formats=ACCEPTED)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLarge(_l("the image has too many pixels (a decompression bomb)")) from None
    except UnidentifiedImageError:
        if _claims_accepted_format(data):
            raise InvalidImage(_l("the image header is damaged or incomplete")) from None
        raise UnsupportedImage(_l("the file is not a JPEG, PNG, WebP or HEIC/HEIF image")) from None
    except DECODE_ERRORS as exc:
        raise InvalidImage(f"the image header is damaged: {exc}") from None
    if image.width * image.height > max_pixels:
        raise ImageTooLarge(f"{image.width}x{image.height} pixels is more than the limit of {max_pixels}")
    return image


def _exif(image: Image.Image) -> Image.Exif | None:
    try:
        return image.getexif()
    except Exception:  # malformed EXIF has crashed readers in every way; metadata is optional
        return None


def _orientation(exif: Image.Exif | None) -> int:
    try:
        value = int(exif.get(ORIENTATION, 1))
    except Exception:  # absent or malformed: as stored
        return 1
    return value if 1 <= value <= 8 else 1


def _taken_at(exif: Image.Exif | None) -> datetime | None:
    try:
        ifd = exif.get_ifd(EXIF_IFD)
        moment = datetime.strptime(str(ifd[DATETIME_ORIGINAL]).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
        offset = str(ifd.get(OFFSET_TIME_ORIGINAL) or "").strip("\x00 ")
    except Exception:  # absent or malformed: no capture time
        return None
    try:
        sign = -1 if offset.startswith("-") else 1
        hours, minutes = offset.lstrip("+-").split(":")
        return moment.replace(tzinfo=timezone(sign * timedelta(hours=int(hours), minutes=int(minutes))))
    except ValueError:  # no (valid) offset: naive camera time
        return moment


def _degrees(value, ref) -> float:
    d, m, s = (float(part) for part in value)
    result = d + m / 60 + s / 3600
    return -result if str(ref).strip("\x00 ").upper() in ("S", "W") else result


def _position(exif: Image.Exif | None) -> tuple[float | None, float | None]:
    try:
        gps = exif.get_ifd(GPS_IFD)
        latitude, longitude = _degrees(gps[2], gps[1]), _degrees(gps[4], gps[3])
    except Exception:  # absent or malformed: no position
        return None, None
    # NaN (zero denominators) fails the range test; (0, 0) is what devices without a fix write.
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180) or (latitude, longitude) == (0, 0):
        return None, None
    return round(latitude, 7), round(longitude, 7)


def _decode(image: Image.Image, size: int) -> Image.Image:
    """Decode fully (this is the verification), for JPEG at a reduced scale whose longest side is still
    at least ``size``. The longest side is the same before and after a 90 degree EXIF turn, so the draft
    request needs no swap: both sides are scaled by the same factor."""
    scale = size / max(image.size)
    if image.format == "JPEG" and scale < 1:
        image.draft("RGB", (max(1, int(image.width * scale)), max(1, int(image.height * scale))))
    try:
        image.load()
    except DECODE_ERRORS as exc:
        raise InvalidImage(f"the image data is truncated or damaged: {exc}") from None
    if image.format == "JPEG" and _gray_filled(image):
        raise InvalidImage("the image data is truncated or damaged: its last rows are missing")
    return image


def _gray_filled(image: Image.Image) -> bool:
    """libjpeg fills the rows a JPEG lacks (data cut short, then an end marker) with mid-gray and only
    warns, which Pillow does not report; two exactly uniform (128, 128, 128) bottom rows betray it."""
    bottom = image.crop((0, max(0, image.height - 2), image.width, image.height)).convert("RGB")
    return bottom.getextrema() == ((128, 128), (128, 128), (128, 128))


def _boxes_fit(data: bytes) -> bool:
    """HEIF is a sequence of ISO BMFF boxes (size, type). libheif decodes a file cut short and fills the
    missing tiles in, so the boxes are checked to end exactly at the end of the data."""
    offset = 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        if size == 1:  # 64-bit size after the type
            size = int.from_bytes(data[offset + 8 : offset + 16], "big")
        elif size == 0:  # to the end of the file
            size = len(data) - offset
        if size < 8:
            return False
        offset += size
    return offset == len(data)


def _rgb(image: Image.Image) -> Image.Image:
    """Any accepted mode as 8-bit RGB: 16-bit scaled down, transparency composited on white."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        image = image.convert("I").point(lambda v: v * (1 / 257)).convert("L")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info
    ):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image if image.mode == "RGB" else image.convert("RGB")


def _srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """Pixels described by an embedded profile (iPhone Display P3, Adobe RGB) converted to sRGB, so the
    renditions can go without a profile and still show the right colours."""
    if not icc:
        return image
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if profile.profile.xcolor_space.strip() != "RGB" or "sRGB" in ImageCms.getProfileDescription(profile):
            return image
        return ImageCms.profileToProfile(image, profile, SRGB, outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):  # a broken profile: pixels as they are
        return image


def _resized(image: Image.Image, size: int) -> Image.Image:
    scale = min(1.0, size / max(image.size))  # never upscale
    if scale == 1:
        return image
    target = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(target, Image.Resampling.LANCZOS, reducing_gap=2.0)  # fast, no full-size copy


def _display(image: Image.Image, orientation: int, icc: bytes | None, size: int) -> Image.Image:
    """The display rendition's pixels: decoded once, upright, RGB, at most ``size``, sRGB."""
    decoded = _decode(image, size)
    if orientation in TRANSPOSE:
        decoded = decoded.transpose(TRANSPOSE[orientation])
    display = _srgb(_resized(_rgb(decoded), size), icc)
    return display.copy() if display is image else display  # the caller closes ``image``


def _rendition(image: Image.Image, name: str) -> Rendition:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)  # no exif=, icc_profile= or xmp=: nothing is carried over
    return Rendition(name, buffer.getvalue(), image.width, image.height)


def process(
    data: bytes, *, max_pixels: int = 50_000_000, display_size: int = 1600, thumb_size: int = 320
) -> ProcessedPhoto:
    """Verify ``data`` by decoding it and make the display and thumbnail renditions.

    Raises UnsupportedImage (415), InvalidImage or ImageTooLarge (400). Malformed metadata never raises:
    the capture time or position is then None.
    """
    with _header_warnings():
        image = _open(data, max_pixels)
        exif = _exif(image)
        orientation, taken_at, (latitude, longitude) = _orientation(exif), _taken_at(exif), _position(exif)
    try:
        if image.format == "HEIF" and not _boxes_fit(data):
            raise InvalidImage("the image data is truncated or damaged: the file ends inside a box")
        width, height = (image.height, image.width) if orientation in (5, 6, 7, 8) else image.size
        display = _display(image, orientation, image.info.get("icc_profile"), display_size)
        source_format = image.format
    finally:
        image.close()  # frees the full decoded pixels before encoding (a 12 MP HEIC is 36 MB)
    return ProcessedPhoto(
        sha256=hashlib.sha256(data).hexdigest(),
        format=source_format,
        width=width,
        height=height,
        taken_at=taken_at,
        latitude=latitude,
        longitude=longitude,
        renditions=(_rendition(display, "display"), _rendition(_resized(display, thumb_size), "thumb")),
    )
