"""Turn uploaded bytes into verified, upright, metadata-free JPEG renditions (no Flask app, no database; the
refusals are Flask-Babel lazy texts, told in the request's language where there is one).

The content is verified by decoding it fully, never trusted from the file name or MIME type: every accepted
format is complete (an MPO's every frame inside the file, a PNG's every chunk with its checksum, a HEIF's
every box) and its picture decodes without a single warning, or the upload is refused as damaged. What
decoding will cost is known from the header and refused before any pixel is decoded. Capture time and GPS
are read from EXIF before the metadata is dropped; renditions carry no metadata at all (no EXIF, XMP, IPTC,
comment, maker note or ICC profile: their pixels are converted to sRGB instead, which needs none).
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
import simplejpeg
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageCms, PngImagePlugin, UnidentifiedImageError

# Embedded thumbnails are never used (draft would decode one instead of the verified picture), nor depth maps.
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

# Photos need no PNG text, of which Pillow would read up to 64 MB into ``info`` (from a 100 KB file of zTXt).
PngImagePlugin.MAX_TEXT_MEMORY = 4 * PngImagePlugin.MAX_TEXT_CHUNK

ACCEPTED = ("JPEG", "PNG", "WEBP", "HEIF")  # Pillow's JPEG opener also returns MPO
# MPO (CIPA DC-007) is a JPEG followed by more JPEGs: phones' previews, depth and HDR gain maps.
JPEG_FAMILY = ("JPEG", "MPO")
# Bytes one decoded pixel costs at the decoder's peak (measured; tests/photos/test_processing_limits.py holds
# them to it):
# Pillow keeps 8-bit pixels in 4 bytes; libheif's RGB buffer lives beside Pillow's copy while it is handed
# over; Pillow's WebP decoder holds libwebp's canvas and a bytes copy of the frame beside the image.
# Each has a byte or two more for the first reduction of the resize (a quarter of the pixels at 4 bytes).
DECODE_BYTES = {"JPEG": 6, "MPO": 6, "PNG": 6, "WEBP": 17, "HEIF": 8}
# A 24 MP HEIC (iPhone 15 and later) or a 12 MP WebP fits; a 48 MP HEIC or a 50 MP RGBA PNG does not.
MAX_DECODE_BYTES = 256 * 2**20
# Modes that are converted before resizing (a palette; 16 bits) or resized premultiplied: one more copy.
CONVERTED_FULL_SIZE = ("P", "PA", "RGBA", "LA", "I;16", "I;16B", "I;16L", "I")
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
    format: str  # "JPEG" | "MPO" | "PNG" | "WEBP" | "HEIF"
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
    """Identify the format from the header alone (no pixels decoded yet) and refuse bombs and animations."""
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
        raise InvalidImage(_l("the image header is damaged: %(reason)s", reason=exc)) from None
    if image.width * image.height > max_pixels:
        image.close()
        raise ImageTooLarge(
            _l("%(size)s pixels is more than the limit of %(limit)d", size=_size(image), limit=max_pixels)
        )
    if image.format in ("PNG", "WEBP") and image.is_animated:  # only the first frame would be verified
        image.close()
        raise UnsupportedImage(_l("an animated image is not a photo: send a still picture"))
    return image


def _size(image: Image.Image) -> str:
    return f"{image.width}x{image.height}"


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


def _damaged(reason) -> InvalidImage:
    return InvalidImage(_l("the image data is truncated or damaged: %(reason)s", reason=reason))


def _check_complete(image: Image.Image, data: bytes) -> None:
    """The container holds all it declares: a file cut short (or with a broken checksum) is damaged even
    where the picture itself would decode. Runs on the header only, before any pixel is decoded."""
    if image.format == "MPO":  # each frame's offset and size are in the MP index
        for frame, entry in enumerate(image.mpinfo[0xB002]):
            try:
                image.seek(frame)  # reads the frame's first segment
                whole = image.tile[0].offset + entry["Size"] <= len(data)
            except DECODE_ERRORS:
                whole = False
            if not whole:
                raise _damaged(_l("the file ends inside its frame %(n)d", n=frame + 1))
        image.seek(0)
    elif image.format == "PNG":  # Pillow's verify checks every chunk's CRC, through IEND; it needs its own open
        with Image.open(io.BytesIO(data), formats=("PNG",)) as png:
            png.verify()
    elif image.format == "HEIF" and not _boxes_fit(data):
        raise _damaged(_l("the file ends inside a box"))


def _check_jpeg_strictly(data: bytes) -> None:
    """libjpeg repairs what it cannot read (data cut short, then an end marker: grey rows; a progressive file:
    a blurred picture) and only warns, which Pillow does not report. libjpeg-turbo's own decoder, told to stop
    on warnings, decodes the first picture at 1/8 scale (the whole entropy-coded data, little memory)."""
    colorspace = simplejpeg.decode_jpeg_header(data)[2]
    gray_or_cmyk = "CMYK" if colorspace in ("CMYK", "YCCK") else "GRAY"  # what libjpeg converts to for free
    simplejpeg.decode_jpeg(data, colorspace=gray_or_cmyk, min_width=1, min_height=1, strict=True)  # 1/8 scale


def _decode_cost(image: Image.Image) -> int:
    """Bytes the decode of ``image`` (at its size after ``draft``) takes at its peak, from the header."""
    pixels = image.width * image.height
    return pixels * (DECODE_BYTES[image.format] + (4 if image.mode in CONVERTED_FULL_SIZE else 0))


def _decode(image: Image.Image, data: bytes, size: int, max_bytes: int) -> Image.Image:
    """Check that the file is complete, then decode it fully (this is the verification): the JPEG family at a
    reduced scale whose longest side is still at least ``size``, and only if that costs at most ``max_bytes``.
    The longest side is the same before and after a 90 degree EXIF turn, so the draft request needs no swap:
    both sides are scaled by the same factor."""
    original = _size(image)
    try:
        _check_complete(image, data)
        if image.format in JPEG_FAMILY:
            scale = size / max(image.size)
            if scale < 1:
                image.draft(image.mode, (max(1, int(image.width * scale)), max(1, int(image.height * scale))))
        cost = _decode_cost(image)
        if cost > max_bytes:
            raise ImageTooLarge(_l(
                "%(size)s pixels need %(need)d MB to decode, more than the limit of %(limit)d MB",
                size=original, need=-(-cost // 2**20), limit=max_bytes // 2**20))
        if image.format in JPEG_FAMILY:
            _check_jpeg_strictly(data)
        image.load()
    except PhotoError:
        raise
    except DECODE_ERRORS as exc:
        raise _damaged(exc) from None
    return image


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


def _resizable(image: Image.Image) -> Image.Image:
    """A mode that resizes well: a palette would be resized by nearest neighbour, 16 bits not at all."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        return image.point(lambda v: v / 257, "L").convert("L")
    if image.mode in ("P", "PA"):
        return image.convert("RGBA" if image.mode == "PA" or "transparency" in image.info else "RGB")
    return image


def _rgb(image: Image.Image) -> Image.Image:
    """Any resizable mode as 8-bit RGB, transparency composited on white."""
    if image.mode in ("RGBA", "LA", "RGBa", "La"):
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
    """The display rendition's pixels: upright, RGB, at most ``size``, sRGB. Resized first, so that no
    full-size copy is made beside the decoded picture but the one a palette, 16 bits or transparency needs."""
    display = _resized(_resizable(image), size)
    if orientation in TRANSPOSE:
        display = display.transpose(TRANSPOSE[orientation])
    display = _srgb(_rgb(display), icc)
    return display.copy() if display is image else display  # the caller closes ``image``


def _rendition(image: Image.Image, name: str) -> Rendition:
    """``image`` as a JPEG with no metadata: Pillow would carry over what ``info`` holds (a JPEG comment)."""
    image.info.clear()
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)  # no exif=, icc_profile=, xmp= or comment=: nothing is carried over
    return Rendition(name, buffer.getvalue(), image.width, image.height)


def process(
    data: bytes,
    *,
    max_pixels: int = 50_000_000,
    max_decode_bytes: int = MAX_DECODE_BYTES,
    display_size: int = 1600,
    thumb_size: int = 320,
) -> ProcessedPhoto:
    """Verify ``data`` by decoding it and make the display and thumbnail renditions.

    ``max_pixels`` bounds the image's size as its header declares it; ``max_decode_bytes`` bounds the memory
    its decoding takes at its peak, after the JPEG family's reduced-size decode (see DECODE_BYTES). Both are
    applied from the header, before any pixel is decoded.

    Raises UnsupportedImage (415), InvalidImage or ImageTooLarge (400). Malformed metadata never raises:
    the capture time or position is then None.
    """
    with _header_warnings():
        image = _open(data, max_pixels)
    try:
        (stored_width, stored_height), source_format = image.size, image.format
        _decode(image, data, display_size, max_decode_bytes)
        with _header_warnings():  # after decoding: PNG's getexif decodes the picture to find a late eXIf chunk
            exif = _exif(image)
        orientation, taken_at, (latitude, longitude) = _orientation(exif), _taken_at(exif), _position(exif)
        turned = orientation in (5, 6, 7, 8)
        width, height = (stored_height, stored_width) if turned else (stored_width, stored_height)
        display = _display(image, orientation, image.info.get("icc_profile"), display_size)
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
