"""Photo processing with real camera files (../shared/photos) and hostile inputs."""

import hashlib
import io
import struct
import time
import tracemalloc
import zlib
from datetime import datetime, timedelta, timezone

import pillow_heif
import pytest
from PIL import Image, ImageChops, ImageStat, PngImagePlugin

from photos.processing import ImageTooLarge, InvalidImage, PhotoError, UnsupportedImage, process

GPS_IFD, EXIF_IFD = 0x8825, 0x8769
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def _image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def _encoded(image: Image.Image, fmt: str, **save) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save)
    return buffer.getvalue()


def _solid(mode: str, size=(64, 48), fmt="PNG", **save) -> bytes:
    colour = {"L": 120, "I;16": 30_000, "LA": (120, 128), "P": 5, "CMYK": (0, 200, 200, 30)}.get(
        mode, (200, 30, 30, 128)
    )
    return _encoded(Image.new(mode, size, colour if mode != "RGB" else colour[:3]), fmt, **save)


def _textured(size) -> Image.Image:
    """Smooth colour fields: resizes and compresses like a photo (flat colour would hide mistakes)."""
    small = Image.merge("RGB", [Image.effect_noise((size[0] // 32, size[1] // 32), 80) for _ in range(3)])
    return small.resize(size, Image.Resampling.BICUBIC)


def _jpeg_with_exif(size=(320, 240), **tags) -> bytes:
    exif = Image.Exif()
    for tag, value in tags.pop("ifd0", {}).items():
        exif[tag] = value
    exif.get_ifd(EXIF_IFD).update(tags.pop("exif", {}))
    exif.get_ifd(GPS_IFD).update(tags.pop("gps", {}))
    return _encoded(_textured(size), "JPEG", quality=90, exif=exif)


def _mean_difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute grey-level difference after evening out overall brightness."""
    shift = ImageStat.Stat(a).mean[0] - ImageStat.Stat(b).mean[0]
    return ImageStat.Stat(ImageChops.difference(a, b.point(lambda v: v + shift))).mean[0]


# Real camera files


def test_all_eight_orientations_come_out_upright_and_identical(sample):
    """Sample 1 is brighter than the others and each carries its own number label, hence the brightness
    evening-out and a threshold above zero; a wrong flip or turn is several times further off."""
    thumbs = {}
    for n in range(1, 9):
        data = sample(f"orientation__landscape_{n}.jpg")
        assert _image(data).getexif()[0x0112] == n
        photo = process(data)
        assert (photo.width, photo.height) == (600, 450), n
        display, thumb = (_image(r.data) for r in photo.renditions)
        assert display.size == (600, 450) and thumb.size == (320, 240), n
        thumbs[n] = thumb.convert("L")
    for n, thumb in thumbs.items():
        upright = _mean_difference(thumbs[1], thumb)
        assert upright < 10, (n, upright)
        for wrong in (
            Image.Transpose.FLIP_LEFT_RIGHT,
            Image.Transpose.FLIP_TOP_BOTTOM,
            Image.Transpose.ROTATE_180,
        ):
            assert _mean_difference(thumbs[1], thumb.transpose(wrong)) > 3 * max(upright, 5), (n, wrong)


def _exif_degrees(gps, value_tag, ref_tag) -> float:
    d, m, s = (float(v) for v in gps[value_tag])
    return (d + m / 60 + s / 3600) * (-1 if gps[ref_tag] in ("S", "W") else 1)


@pytest.mark.parametrize(
    ("name", "latitude", "longitude", "taken"),
    [
        ("gps__DSCN0010.jpg", 43.4674483, 11.8851267, datetime(2008, 10, 22, 16, 28, 39)),
        ("gps__DSCN0021.jpg", 43.4670817, 11.8845367, datetime(2008, 10, 22, 16, 38, 20)),
    ],
)
def test_gps_and_capture_time_match_the_exif(sample, name, latitude, longitude, taken):
    data = sample(name)
    exif = _image(data).getexif()
    gps = exif.get_ifd(GPS_IFD)
    photo = process(data)
    assert photo.latitude == pytest.approx(_exif_degrees(gps, 2, 1), abs=1e-6)
    assert photo.longitude == pytest.approx(_exif_degrees(gps, 4, 3), abs=1e-6)
    assert (photo.latitude, photo.longitude) == pytest.approx((latitude, longitude), abs=1e-5)
    assert photo.taken_at == datetime.strptime(exif.get_ifd(EXIF_IFD)[0x9003], "%Y:%m:%d %H:%M:%S") == taken
    assert photo.taken_at.tzinfo is None  # these cameras record no offset


def test_iphone_heic_is_accepted_upright_with_gps_and_offset(sample):
    data = sample("heic__IMG_5195.HEIC")
    source = _image(data)
    # Stored upright: libheif applies the container's rotation, and the EXIF orientation is left at rest.
    assert source.size == (2566, 3313) and source.getexif().get(0x0112, 1) == 1
    photo = process(data)
    assert (photo.format, photo.width, photo.height) == ("HEIF", 2566, 3313)
    gps = source.getexif().get_ifd(GPS_IFD)
    assert (
        photo.latitude
        == pytest.approx(_exif_degrees(gps, 2, 1), abs=1e-6)
        == pytest.approx(39.05134, abs=1e-5)
    )
    assert (
        photo.longitude
        == pytest.approx(_exif_degrees(gps, 4, 3), abs=1e-6)
        == pytest.approx(-94.28877, abs=1e-5)
    )
    assert photo.taken_at == datetime(2021, 4, 11, 15, 47, 53, tzinfo=timezone(timedelta(hours=-5)))
    assert [(r.width, r.height) for r in photo.renditions] == [(round(2566 * 1600 / 3313), 1600), (248, 320)]


@pytest.mark.parametrize(
    "name",
    [
        "gps__DSCN0010.jpg",
        "heic__IMG_5195.HEIC",
        "Canon_40D.jpg",
        "tests__22-canon_tags.jpg",
        "orientation__landscape_6.jpg",
    ],
)
def test_renditions_carry_no_metadata_and_keep_their_bounds(sample, name):
    photo = process(sample(name))
    assert [r.name for r in photo.renditions] == ["display", "thumb"]
    for rendition, bound in zip(photo.renditions, (1600, 320), strict=True):
        image = _image(rendition.data)
        assert image.format == "JPEG" and image.mode == "RGB"
        assert not image.getexif() and not {"exif", "xmp", "icc_profile"} & image.info.keys()
        assert (
            b"Exif" not in rendition.data and b"GPS" not in rendition.data and b"Canon" not in rendition.data
        )
        expected = min(bound, max(photo.width, photo.height))  # never upscaled
        assert max(image.size) == expected and (rendition.width, rendition.height) == image.size


def test_malformed_exif_is_accepted_when_the_pixels_decode(sample):
    """These EXIF blocks have crashed EXIF readers; the pixels are fine, so the photo is accepted and only
    what cannot be read is None."""
    photo = process(sample("invalid__image00971.jpg"))
    assert (photo.width, photo.height, photo.taken_at, photo.latitude, photo.longitude) == (
        636,
        227,
        None,
        None,
        None,
    )
    photo = process(sample("tests__36-memory_error.jpg"))
    assert (photo.width, photo.height) == (1600, 1200) and photo.latitude is None
    assert photo.taken_at in (None, datetime(2002, 4, 21, 0, 30, 33))


def test_truncated_camera_files_are_rejected(sample):
    with pytest.raises(InvalidImage, match="truncated or damaged") as caught:
        process(sample("corrupted.jpg"))  # 3648x2736, data cut short but the end marker is there
    assert caught.value.status == 400
    for name in ("gps__DSCN0010.jpg", "heic__IMG_5195.HEIC"):
        data = sample(name)
        with pytest.raises(InvalidImage):
            process(data[: len(data) // 2])


# Synthetic files: metadata


def test_offset_time_makes_the_capture_time_aware_and_south_west_are_negative():
    data = _jpeg_with_exif(
        exif={0x9003: "2024:05:06 07:08:09", 0x9011: "+08:00"},
        gps={1: "S", 2: (31.0, 30.0, 0.0), 3: "W", 4: (121.0, 15.0, 36.0)},
    )
    photo = process(data)
    assert photo.taken_at == datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone(timedelta(hours=8)))
    assert (photo.latitude, photo.longitude) == pytest.approx((-31.5, -121.26))


@pytest.mark.parametrize(
    "tags",
    [
        {
            "exif": {0x9003: "0000:00:00 00:00:00"},
            "gps": {1: "N", 2: (0.0, 0.0, 0.0), 3: "E", 4: (0.0, 0.0, 0.0)},
        },
        {"exif": {0x9003: "yesterday"}, "gps": {1: "N", 2: (400.0, 0.0, 0.0), 3: "E", 4: (1.0, 2.0, 3.0)}},
        {"exif": {0x9003: "2024:13:45 99:00:00", 0x9011: "+8"}, "gps": {1: "N", 2: (1.0, 2.0, 3.0), 3: "E"}},
        {"ifd0": {0x0112: 99}, "gps": {1: "N", 2: (1.0, 2.0)}},
    ],
    ids=["zeros", "out-of-range", "impossible-date-no-longitude", "bad-orientation-short-gps"],
)
def test_malformed_metadata_becomes_none(tags):
    photo = process(_jpeg_with_exif(**tags))
    assert (photo.taken_at, photo.latitude, photo.longitude) == (None, None, None)
    assert (photo.width, photo.height) == (320, 240)


def test_garbage_exif_block_is_ignored():
    data = _encoded(
        _textured((320, 240)), "JPEG", exif=b"Exif\x00\x00MM\x00*\xff\xff\xff\xf0" + bytes(range(256)) * 4
    )
    photo = process(data)
    assert (photo.taken_at, photo.latitude, photo.width) == (None, None, 320)


def test_large_rotated_jpeg_is_decoded_at_reduced_scale_and_turned():
    """Orientation 6 on a 4000x3000 camera frame: upright 3000x4000, display 1200x1600 (draft decode at
    2000x1500 is still above the display size on both sides after the turn)."""
    image = Image.new("RGB", (4000, 3000), (20, 20, 20))
    image.paste((250, 250, 250), (0, 0, 400, 300))  # a bright mark in the stored top-left corner
    exif = Image.Exif()
    exif[0x0112] = 6
    photo = process(_encoded(image, "JPEG", quality=90, exif=exif))
    assert (photo.width, photo.height) == (3000, 4000)
    display = _image(photo.renditions[0].data).convert("L")
    assert display.size == (1200, 1600)
    assert (
        display.getpixel((1150, 50)) > 200 and display.getpixel((50, 50)) < 60
    )  # turned clockwise: top right


# Synthetic files: hostile input


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny valid PNG whose IHDR claims other dimensions (CRC recomputed so the header is valid)."""
    data = bytearray(_solid("L", (1, 1)))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


def _jpeg_claiming(width: int, height: int) -> bytes:
    data = bytearray(_solid("RGB", (8, 8), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


@pytest.mark.parametrize(
    "data",
    [
        _png_claiming(100_000, 100_000),
        _jpeg_claiming(60_000, 60_000),
        _png_claiming(8_000, 8_000),
        _jpeg_claiming(10_000, 6_000),
    ],
    ids=["png-10g", "jpeg-3.6g", "png-64m", "jpeg-60m"],
)
def test_decompression_bombs_are_refused_from_the_header(data):
    """Above Pillow's own bomb limit and just above ours (50 MP): refused fast, no pixel buffer allocated."""
    assert len(data) < 1000
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ImageTooLarge) as caught:
            process(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 0.5 and peak < 5_000_000
    assert caught.value.status == 400 and caught.value.code == "image_too_large"


def test_the_pixel_limit_is_a_parameter():
    with pytest.raises(ImageTooLarge, match="64x48"):
        process(_solid("RGB", (64, 48)), max_pixels=1000)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", InvalidImage),
        (HTML, UnsupportedImage),
        (b"<script>alert(1)</script>", UnsupportedImage),
        (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            UnsupportedImage,
        ),
        (_solid("RGB", fmt="GIF"), UnsupportedImage),
        (_solid("RGB", fmt="BMP"), UnsupportedImage),
        (_solid("RGB", fmt="TIFF"), UnsupportedImage),
        (_solid("RGB", fmt="ICO"), UnsupportedImage),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", UnsupportedImage),
        (_solid("RGB", fmt="GIF") + HTML, UnsupportedImage),
        (b"GIF89a" + HTML, UnsupportedImage),
        (b"\xff\xd8\xff\xe0" + HTML, InvalidImage),  # claims to be a JPEG: a damaged one
        (HTML + _solid("RGB", fmt="JPEG"), UnsupportedImage),
        (_solid("RGB", fmt="PNG")[:40], InvalidImage),
        (_solid("RGB", fmt="JPEG")[:-60], InvalidImage),
    ],
    ids=[
        "empty",
        "html",
        "script",
        "svg",
        "gif",
        "bmp",
        "tiff",
        "ico",
        "pdf",
        "gif-then-html",
        "gif-header-then-html",
        "jpeg-header-then-html",
        "html-then-jpeg",
        "png-cut",
        "jpeg-cut",
    ],
)
def test_hostile_inputs_get_the_right_error(data, error):
    """Anything not in an accepted format is 415; a file with an accepted signature that fails is 400."""
    with pytest.raises(error) as caught:
        process(data)
    assert isinstance(caught.value, PhotoError) and caught.value.message
    assert caught.value.status == {UnsupportedImage: 415, InvalidImage: 400}[error]


def test_a_whole_jpeg_followed_by_html_is_accepted_and_the_html_is_dropped():
    """The pixels decode, so it is a photo; the renditions are re-encoded and carry nothing of the tail."""
    photo = process(_solid("RGB", (64, 48), "JPEG") + HTML)
    assert photo.format == "JPEG" and all(b"<script" not in r.data for r in photo.renditions)


# Synthetic files: modes and formats


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [
        ("RGBA", "PNG"),
        ("I;16", "PNG"),
        ("CMYK", "JPEG"),
        ("RGB", "WEBP"),
        ("RGBA", "WEBP"),
        ("P", "PNG"),
        ("LA", "PNG"),
        ("L", "JPEG"),
    ],
)
def test_other_modes_and_formats_become_rgb_jpeg(mode, fmt):
    photo = process(_solid(mode, fmt=fmt))
    display = _image(photo.renditions[0].data)
    assert display.mode == "RGB" and display.format == "JPEG" and photo.format == fmt


def test_transparency_is_composited_on_white():
    clear = _encoded(Image.new("RGBA", (10, 10), (0, 0, 0, 0)), "PNG")
    assert min(_image(process(clear).renditions[0].data).getpixel((5, 5))) > 240
    half = _encoded(Image.new("RGBA", (10, 10), (0, 0, 0, 128)), "PNG")
    assert 110 < _image(process(half).renditions[0].data).convert("L").getpixel((5, 5)) < 145


def test_sixteen_bit_png_keeps_its_brightness():
    ramp = Image.new("I;16", (256, 4))
    ramp.putdata([x * 257 for x in range(256)] * 4)
    display = _image(process(_encoded(ramp, "PNG")).renditions[0].data).convert("L")
    assert (
        display.getpixel((10, 2)) < 30
        and 115 < display.getpixel((128, 2)) < 140
        and display.getpixel((250, 2)) > 230
    )


def test_cmyk_jpeg_colours_survive():
    red = _encoded(Image.new("CMYK", (64, 48), (0, 255, 255, 0)), "JPEG", quality=95)
    r, g, b = _image(process(red).renditions[0].data).getpixel((32, 24))
    assert r > 200 and g < 60 and b < 60


def test_small_images_are_not_upscaled_and_hash_is_of_the_original():
    data = _solid("RGB", (100, 50), "PNG")
    photo = process(data)
    assert [(r.width, r.height) for r in photo.renditions] == [(100, 50), (100, 50)]
    assert (photo.width, photo.height) == (100, 50)
    assert photo.sha256 == hashlib.sha256(data).hexdigest()


def test_custom_rendition_sizes():
    photo = process(_encoded(_textured((1000, 500)), "WEBP"), display_size=800, thumb_size=100)
    assert [(r.width, r.height) for r in photo.renditions] == [(800, 400), (100, 50)]


def test_heic_made_here_round_trips():
    heif = pillow_heif.from_pillow(_textured((640, 480)))
    buffer = io.BytesIO()
    heif.save(buffer, quality=80)
    photo = process(buffer.getvalue())
    assert (photo.format, photo.width, photo.height) == ("HEIF", 640, 480)
    assert (photo.taken_at, photo.latitude) == (None, None)


# Integrity: every accepted format is complete and decodes without a warning, or it is refused as damaged


def _mpo(size=(1600, 1200)) -> bytes:
    """A phone-style MPO: the photo, then a smaller second JPEG (a preview or an HDR gain map)."""
    return _encoded(_textured(size), "MPO", quality=90, save_all=True, append_images=[_textured((400, 300))])


def _heif(size=(640, 480), **save) -> bytes:
    buffer = io.BytesIO()
    pillow_heif.from_pillow(_textured(size)).save(buffer, quality=80, **save)
    return buffer.getvalue()


WHOLE = {
    "jpeg": lambda: _encoded(_textured((1600, 1200)), "JPEG", quality=90),
    "jpeg-progressive": lambda: _encoded(_textured((1600, 1200)), "JPEG", quality=90, progressive=True),
    "jpeg-cmyk": lambda: _encoded(Image.new("CMYK", (640, 480), (0, 255, 255, 0)), "JPEG", quality=95),
    "jpeg-gray": lambda: _encoded(_textured((640, 480)).convert("L"), "JPEG"),
    "mpo": _mpo,
    "png": lambda: _encoded(_textured((640, 480)), "PNG"),
    "webp": lambda: _encoded(_textured((640, 480)), "WEBP"),
    "heif": _heif,
}


@pytest.mark.parametrize("kind", WHOLE)
@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.9])
def test_every_format_cut_short_is_refused_as_damaged(kind, fraction):
    data = WHOLE[kind]()
    assert process(data).format  # whole, it is accepted
    with pytest.raises(InvalidImage, match="damaged") as caught:
        process(data[: int(len(data) * fraction)])
    assert caught.value.status == 400


@pytest.mark.parametrize("kind", ["jpeg", "jpeg-progressive", "jpeg-cmyk", "jpeg-gray", "mpo"])
@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.9])
def test_jpeg_family_cut_short_then_closed_by_an_end_marker_is_refused(kind, fraction):
    """libjpeg fills what is missing (grey rows; a progressive file comes out blurred) and only warns: the
    phone MPO cut at 60 % of the issue was served 40 % grey."""
    data = WHOLE[kind]()
    with pytest.raises(InvalidImage, match="damaged"):
        process(data[: int(len(data) * fraction)] + b"\xff\xd9")


def test_mpo_cut_inside_its_second_frame_is_refused():
    """The photo itself is whole, but the file ends inside the frame after it."""
    data = _mpo()
    with pytest.raises(InvalidImage, match="frame 2"):
        process(data[:-200])


def test_corrupt_jpeg_data_is_refused():
    data = bytearray(WHOLE["jpeg"]())
    start = data.index(b"\xff\xda") + 200  # inside the entropy-coded data
    data[start : start + 40] = b"\xff\x00" * 20 + b"\xff\xd0" * 10  # a restart marker where none belongs
    with pytest.raises(InvalidImage, match="damaged"):
        process(bytes(data))


@pytest.mark.parametrize("where", ["IDAT", "IHDR"])
def test_png_with_a_broken_checksum_is_refused(where):
    data = bytearray(WHOLE["png"]())
    data[data.index(where.encode()) + 8] ^= 0xFF  # a data byte: the chunk's CRC no longer matches
    with pytest.raises(InvalidImage, match="damaged"):
        process(bytes(data))


def test_png_without_its_end_chunk_is_refused():
    data = WHOLE["png"]()
    assert data.endswith(b"IEND\xaeB`\x82")
    with pytest.raises(InvalidImage, match="damaged"):
        process(data[:-12])


@pytest.mark.parametrize(
    "data",
    [
        _encoded(
            _textured((64, 48)), "PNG", save_all=True, append_images=[_textured((64, 48)) for _ in range(3)]
        ),
        _encoded(
            _textured((64, 48)), "WEBP", save_all=True, append_images=[_textured((64, 48)) for _ in range(3)]
        ),
    ],
    ids=["apng", "animated-webp"],
)
def test_animated_images_are_refused(data):
    """Only the first frame would be decoded (and so verified): an animation is not a photo."""
    assert _image(data).n_frames == 4
    with pytest.raises(UnsupportedImage, match="animated") as caught:
        process(data)
    assert caught.value.status == 415


def test_mpo_is_decoded_at_reduced_scale_like_a_jpeg():
    """A 4000x3000 MPO fits a decode budget that only its reduced-size (draft) decode fits."""
    data = _mpo((4000, 3000))
    assert _image(data).format == "MPO"
    photo = process(data, max_decode_bytes=2000 * 1500 * 6)
    assert (photo.format, photo.width, photo.height) == ("MPO", 4000, 3000)
    with pytest.raises(ImageTooLarge):
        process(_encoded(_textured((4000, 3000)), "PNG", compress_level=1), max_decode_bytes=2000 * 1500 * 6)


# Metadata: the served files carry none


SECRET = "SECRET-4711"
ALLOWED_SEGMENTS = {0xD8, 0xE0, 0xDB, 0xC0, 0xC4, 0xDA, 0xD9}  # SOI, APP0 (JFIF), DQT, SOF0, DHT, SOS, EOI


def _segments(jpeg: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) of every segment up to the image data."""
    segments, offset = [(0xD8, b"")], 2
    while offset < len(jpeg):
        marker, length = jpeg[offset + 1], int.from_bytes(jpeg[offset + 2 : offset + 4], "big")
        segments.append((marker, jpeg[offset + 4 : offset + 2 + length]))
        if marker == 0xDA:
            return segments
        offset += 2 + length
    raise AssertionError("no image data")


def _exif_with_secrets() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010E] = SECRET  # ImageDescription
    exif[0x013B] = SECRET  # Artist
    exif.get_ifd(EXIF_IFD).update({0x927C: SECRET.encode() * 10, 0x9286: SECRET})  # MakerNote, UserComment
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (31.0, 56.0, 12.5), 3: "E", 4: (120.0, 21.0, 3.2)})
    return exif


XMP = f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><dc:creator>{SECRET}</dc:creator></rdf:RDF></x:xmpmeta>'
IPTC = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x0f\x1c\x02\x50\x00\x0b" + SECRET.encode() + b"\x00"


def _png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SECRET)
    info.add_text("Author", SECRET, zip=True)
    info.add_itxt("Description", SECRET, lang="zh", tkey="说明", zip=True)
    info.add_text("XML:com.adobe.xmp", XMP)
    return _encoded(_textured((320, 240)), "PNG", pnginfo=info, exif=_exif_with_secrets())


METADATA = {
    "jpeg": lambda: _encoded(
        _textured((320, 240)), "JPEG", comment=SECRET, exif=_exif_with_secrets(), xmp=XMP.encode(),
        extra=b"\xff\xed" + (len(IPTC) + 2).to_bytes(2, "big") + IPTC,
    ),
    "mpo": lambda: _encoded(
        _textured((320, 240)), "MPO", comment=SECRET, exif=_exif_with_secrets(), save_all=True,
        append_images=[_textured((80, 60))],
    ),
    "png": _png_with_text,
    "webp": lambda: _encoded(_textured((320, 240)), "WEBP", exif=_exif_with_secrets(), xmp=XMP.encode()),
    "heif": lambda: _heif((320, 240), exif=_exif_with_secrets().tobytes(), xmp=XMP.encode()),
}


@pytest.mark.parametrize("kind", METADATA)
def test_served_files_carry_no_metadata_of_any_format(kind):
    """EXIF (with maker notes and GPS), XMP, IPTC, comments, PNG text: none reaches a rendition, which holds
    only the segments a JPEG needs to show its picture."""
    data = METADATA[kind]()
    assert SECRET.encode() in data or SECRET.encode() in zlib.decompress(data[data.index(b"zTXt") + 14 :])
    photo = process(data)
    assert (photo.latitude, photo.longitude) == pytest.approx((31.936806, 120.350889), abs=1e-5)
    for rendition in photo.renditions:
        segments = _segments(rendition.data)
        assert {marker for marker, _ in segments} <= ALLOWED_SEGMENTS, [hex(m) for m, _ in segments]
        assert [payload[:5] for marker, payload in segments if marker == 0xE0] == [b"JFIF\x00"]
        assert SECRET.encode() not in rendition.data and b"Exif" not in rendition.data
        assert not _image(rendition.data).info.keys() - {"jfif", "jfif_version", "jfif_unit", "jfif_density"}


def test_a_camera_jpeg_comment_is_not_served():
    """The issue's case: a camera JPEG whose COM segment holds text."""
    data = _encoded(_textured((320, 240)), "JPEG", comment="Inspector's private note")
    assert _image(data).info["comment"] == b"Inspector's private note"
    for rendition in process(data).renditions:
        assert b"private note" not in rendition.data and 0xFE not in {m for m, _ in _segments(rendition.data)}
