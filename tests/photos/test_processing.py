"""Photo processing with real camera files (../shared/photos) and hostile inputs."""

import io
import struct
import zlib
from pathlib import Path

import pillow_heif
import pytest
from PIL import Image, ImageChops, ImageStat

from photos.processing import ImageTooLarge, InvalidImage, UnsupportedImage, process

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "photos"
needs_photos = pytest.mark.skipif(not SHARED.is_dir(), reason=f"sample photos not found at {SHARED}")


def _sample(name: str) -> bytes:
    return (SHARED / name).read_bytes()


def _image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def _encoded(mode: str, size=(64, 48), fmt="PNG", **save) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, 120 if mode in ("L", "I;16") else (200, 30, 30, 128)[: len(mode)]).save(buffer, fmt,
                                                                                                   **save)
    return buffer.getvalue()


def _distance(a: Image.Image, b: Image.Image) -> float:
    return ImageStat.Stat(ImageChops.difference(a, b)).mean[0]


@needs_photos
def test_all_eight_orientations_come_out_upright_and_identical():
    """Each result is closest to the reference as it is, not flipped or turned (sample 1 is brighter than
    the others and each carries its own number label, so the distance itself is never zero)."""
    reference = None
    for n in range(1, 9):
        photo = process(_sample(f"orientation__landscape_{n}.jpg"))
        assert (photo.width, photo.height) == (600, 450), n
        display = _image(photo.renditions[0].data).convert("L")
        assert display.size == (600, 450)
        coarse = display.resize((32, 24), Image.Resampling.BOX)
        reference = reference or coarse
        upright = _distance(reference, coarse)
        wrong = [_distance(reference, coarse.transpose(t)) for t in
                 (Image.Transpose.FLIP_LEFT_RIGHT, Image.Transpose.FLIP_TOP_BOTTOM, Image.Transpose.ROTATE_180)]
        assert upright * 2 < min(wrong), (n, upright, wrong)


@needs_photos
@pytest.mark.parametrize(("name", "latitude", "longitude", "taken"), [
    ("gps__DSCN0010.jpg", 43.467448, 11.885126, "2008-10-22 16:28:39"),
    ("gps__DSCN0021.jpg", 43.467082, 11.884538, "2008-10-22 16:38:20"),
])
def test_gps_and_capture_time_match_the_exif(name, latitude, longitude, taken):
    photo = process(_sample(name))
    exif = _image(_sample(name)).getexif()
    gps = exif.get_ifd(0x8825)
    expected_lat = sum(float(v) / f for v, f in zip(gps[2], (1, 60, 3600), strict=True))
    assert photo.latitude == pytest.approx(expected_lat, abs=1e-6) == pytest.approx(latitude, abs=1e-5)
    assert photo.longitude == pytest.approx(longitude, abs=1e-5)
    assert str(photo.taken_at) == taken


@needs_photos
def test_iphone_heic_is_accepted_upright_with_gps():
    photo = process(_sample("heic__IMG_5195.HEIC"))
    assert photo.format == "HEIF"
    assert (photo.width, photo.height) == (2566, 3313)
    assert photo.latitude is not None and photo.longitude is not None
    display = _image(photo.renditions[0].data)
    assert display.size[1] == 1600 and display.size[0] == round(2566 * 1600 / 3313)


@needs_photos
@pytest.mark.parametrize("name", ["gps__DSCN0010.jpg", "heic__IMG_5195.HEIC", "Canon_40D.jpg",
                                  "tests__22-canon_tags.jpg"])
def test_renditions_carry_no_metadata_and_keep_their_bounds(name):
    photo = process(_sample(name))
    for rendition, bound in zip(photo.renditions, (1600, 320), strict=True):
        image = _image(rendition.data)
        assert image.format == "JPEG" and not image.getexif()
        assert max(image.size) <= bound and (rendition.width, rendition.height) == image.size
        assert b"Exif" not in rendition.data[:4096] and b"Canon" not in rendition.data


@needs_photos
@pytest.mark.parametrize("name", ["invalid__image00971.jpg", "tests__36-memory_error.jpg"])
def test_malformed_exif_loses_only_the_metadata(name):
    photo = process(_sample(name))  # the pixels decode, so the photo is accepted
    assert photo.renditions and photo.width > 0


@needs_photos
def test_truncated_camera_file_is_rejected():
    with pytest.raises(InvalidImage, match="truncated or damaged"):
        process(_sample("corrupted.jpg"))
    data = _sample("gps__DSCN0010.jpg")
    with pytest.raises(InvalidImage):
        process(data[: len(data) // 2])


def _png_header_claiming(width: int, height: int) -> bytes:
    """A tiny valid PNG whose IHDR claims enormous dimensions (CRC recomputed)."""
    data = bytearray(_encoded("L", (1, 1)))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


def _jpeg_claiming(width: int, height: int) -> bytes:
    data = bytearray(_encoded("RGB", (8, 8), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


@pytest.mark.parametrize("data", [_png_header_claiming(100_000, 100_000), _jpeg_claiming(60_000, 60_000)],
                         ids=["png", "jpeg"])
def test_decompression_bombs_are_refused_before_decoding(data):
    with pytest.raises(ImageTooLarge):
        process(data)


@pytest.mark.parametrize(("data", "error"), [
    (b"", InvalidImage),
    (b"<html><body>not a photo</body></html>", UnsupportedImage),
    (b"<script>alert(1)</script>", UnsupportedImage),
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', UnsupportedImage),
    (_encoded("RGB", fmt="GIF"), UnsupportedImage),
    (_encoded("RGB", fmt="BMP"), UnsupportedImage),
    (_encoded("RGB", fmt="TIFF"), UnsupportedImage),
    (_encoded("RGB", fmt="GIF") + b"<html><script>alert(1)</script></html>", UnsupportedImage),
    (b"<html>" + _encoded("RGB", fmt="JPEG"), UnsupportedImage),
], ids=["empty", "html", "script", "svg", "gif", "bmp", "tiff", "gif-html-polyglot", "html-jpeg-polyglot"])
def test_hostile_inputs_get_the_right_error(data, error):
    with pytest.raises(error) as caught:
        process(data)
    assert caught.value.message and caught.value.status in (400, 415)


@pytest.mark.parametrize(("mode", "fmt"), [("RGBA", "PNG"), ("I;16", "PNG"), ("CMYK", "JPEG"), ("RGB", "WEBP"),
                                           ("P", "PNG"), ("LA", "PNG")])
def test_other_modes_and_formats_become_rgb_jpeg(mode, fmt):
    photo = process(_encoded(mode, fmt=fmt))
    assert _image(photo.renditions[0].data).mode == "RGB"
    assert photo.format == fmt


def test_transparency_is_composited_on_white():
    buffer = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(buffer, "PNG")
    display = _image(process(buffer.getvalue()).renditions[0].data)
    assert min(display.getpixel((5, 5))) > 240


def test_small_images_are_not_upscaled_and_hash_is_of_the_original():
    import hashlib

    data = _encoded("RGB", (100, 50), "PNG")
    photo = process(data)
    assert [(r.width, r.height) for r in photo.renditions] == [(100, 50), (100, 50)]
    assert photo.sha256 == hashlib.sha256(data).hexdigest()


def test_heic_made_here_round_trips():
    heif = pillow_heif.from_pillow(Image.new("RGB", (640, 480), (10, 120, 200)))
    buffer = io.BytesIO()
    heif.save(buffer, quality=80)
    photo = process(buffer.getvalue())
    assert (photo.format, photo.width, photo.height) == ("HEIF", 640, 480)
