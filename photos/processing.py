"""Turn uploaded bytes into verified, upright, metadata-free JPEG renditions (no Flask, no database).

The content is verified by decoding it fully, never trusted from the file name or MIME type. Capture
time and GPS are read from EXIF before the metadata is dropped; renditions carry no EXIF.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pillow_heif
from PIL import Image, UnidentifiedImageError

pillow_heif.register_heif_opener()

ACCEPTED = ("JPEG", "PNG", "WEBP", "HEIF")
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
ORIENTATION, DATETIME, DATETIME_ORIGINAL, OFFSET_ORIGINAL = 0x0112, 0x0132, 0x9003, 0x9011
# EXIF orientation -> the transposition that makes the image upright (as in PIL.ImageOps.exif_transpose).
TRANSPOSE = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}


class PhotoError(Exception):
    status = 400
    code = "invalid_image"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


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
    name: str
    data: bytes
    width: int
    height: int


@dataclass(frozen=True)
class ProcessedPhoto:
    sha256: str
    format: str
    width: int
    height: int
    taken_at: datetime | None
    latitude: float | None
    longitude: float | None
    renditions: tuple[Rendition, ...]


def _open(data: bytes) -> Image.Image:
    if not data:
        raise InvalidImage("the file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=ACCEPTED)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLarge("the image has too many pixels") from None
    except UnidentifiedImageError:
        raise UnsupportedImage("not a JPEG, PNG, WebP or HEIC/HEIF image") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise InvalidImage(f"the image header is damaged: {exc}") from None


def _exif(image: Image.Image):
    try:
        return image.getexif()
    except Exception:  # malformed EXIF has crashed readers in every way; metadata is optional
        return None


def _orientation(exif) -> int:
    try:
        value = int(exif.get(ORIENTATION, 1)) if exif is not None else 1
    except (TypeError, ValueError):
        return 1
    return value if 1 <= value <= 8 else 1


def _taken_at(exif) -> datetime | None:
    try:
        ifd = exif.get_ifd(EXIF_IFD)
        raw = ifd.get(DATETIME_ORIGINAL) or exif.get(DATETIME)
        moment = datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
        offset = str(ifd.get(OFFSET_ORIGINAL) or "").strip("\x00 ")
        if offset:
            sign = -1 if offset.startswith("-") else 1
            hours, minutes = offset.lstrip("+-").split(":")
            moment = moment.replace(tzinfo=timezone(sign * timedelta(hours=int(hours), minutes=int(minutes))))
        return moment
    except Exception:  # absent or malformed: no capture time
        return None


def _degrees(value, ref) -> float:
    d, m, s = (float(part) for part in value)
    result = d + m / 60 + s / 3600
    return -result if str(ref).strip("\x00 ").upper() in ("S", "W") else result


def _position(exif) -> tuple[float | None, float | None]:
    try:
        gps = exif.get_ifd(GPS_IFD)
        latitude, longitude = _degrees(gps[2], gps[1]), _degrees(gps[4], gps[3])
    except Exception:  # absent or malformed: no position
        return None, None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180) or (latitude, longitude) == (0, 0):
        return None, None
    return round(latitude, 7), round(longitude, 7)


def _decode(image: Image.Image, size: int) -> Image.Image:
    """Decode fully (this is the verification), at a reduced JPEG scale still at least ``size`` long."""
    if image.format == "JPEG":
        width, height = image.size
        scale = size / max(width, height)
        if scale < 1:
            image.draft("RGB", (max(1, int(width * scale)), max(1, int(height * scale))))
    try:
        image.load()
    except (OSError, ValueError, SyntaxError) as exc:
        raise InvalidImage(f"the image data is truncated or damaged: {exc}") from None
    if image.format == "JPEG" and _gray_filled(image):
        raise InvalidImage("the image data is truncated or damaged: its last rows are missing")
    return image


def _gray_filled(image: Image.Image) -> bool:
    """libjpeg fills the rows a truncated JPEG lacks with mid-gray (zero coefficients) and only warns,
    which Pillow does not report; two exactly uniform (128, 128, 128) bottom rows betray it."""
    bottom = image.crop((0, max(0, image.height - 2), image.width, image.height)).convert("RGB")
    return bottom.getextrema() == ((128, 128), (128, 128), (128, 128))


def _rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        image = image.convert("I").point(lambda v: v * (1 / 257)).convert("L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image if image.mode == "RGB" else image.convert("RGB")


def _rendition(image: Image.Image, name: str, size: int) -> tuple[Image.Image, Rendition]:
    scale = min(1.0, size / max(image.size))
    if scale < 1:  # resize makes the small copy directly: no full-size copy of a 12 MP image
        target = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(target, Image.Resampling.LANCZOS, reducing_gap=2.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return image, Rendition(name, buffer.getvalue(), image.width, image.height)


def process(data: bytes, *, max_pixels: int = 50_000_000, display_size: int = 1600,
            thumb_size: int = 320) -> ProcessedPhoto:
    """Verify ``data`` by decoding it and make the display and thumbnail renditions.

    Raises UnsupportedImage (415), InvalidImage or ImageTooLarge (400).
    """
    image = _open(data)
    if image.width * image.height > max_pixels:
        raise ImageTooLarge(f"{image.width}x{image.height} pixels is more than the limit of {max_pixels}")
    exif = _exif(image)
    orientation = _orientation(exif)
    width, height = (image.height, image.width) if orientation in (5, 6, 7, 8) else image.size
    source_format = image.format
    decoded = _decode(image, display_size)
    for step in TRANSPOSE.get(orientation, ()):
        decoded = decoded.transpose(step)
    upright = _rgb(decoded)
    if upright is not image:
        image.close()  # frees the decoded pixels early: a 12 MP image is 36 MB
    display_image, display = _rendition(upright, "display", display_size)
    _, thumb = _rendition(display_image, "thumb", thumb_size)
    latitude, longitude = _position(exif) if exif is not None else (None, None)
    return ProcessedPhoto(
        sha256=hashlib.sha256(data).hexdigest(), format=source_format, width=width, height=height,
        taken_at=_taken_at(exif) if exif is not None else None, latitude=latitude, longitude=longitude,
        renditions=(display, thumb),
    )
