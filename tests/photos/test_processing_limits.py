"""Memory limits of photo processing: a hostile file of every accepted kind is refused from its header, in a
fresh process whose peak memory (VmHWM) is measured, and what is accepted costs no more than
DECODE_BYTES says (issue 12, item 18: a 381 KB PNG cost about 620 MB)."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import pillow_heif
import pytest
from PIL import Image

from photos.processing import DECODE_BYTES, MAX_DECODE_BYTES

ROOT = Path(__file__).resolve().parents[2]
# What the child holds besides the picture: Pillow, pillow_heif, simplejpeg and numpy loaded, buffers.
BASELINE_MB = 40
REFUSAL_MB = 20  # a refusal from the header allocates no pixels

CHILD = textwrap.dedent(
    """
    import json, re, sys
    from photos.processing import PhotoError, process

    def peak_kb():  # this address space's high-water mark (ru_maxrss would start at the parent's)
        with open("/proc/self/status") as status:
            return int(re.search(r"VmHWM:\\s+(\\d+)", status.read()).group(1))

    data = sys.stdin.buffer.read()
    before = peak_kb()
    try:
        photo = process(data)
        outcome = {"format": photo.format, "size": [photo.width, photo.height]}
    except PhotoError as error:
        outcome = {"error": type(error).__name__, "status": error.status, "message": str(error.message)}
    outcome["mb"] = (peak_kb() - before) / 1024
    print(json.dumps(outcome))
    """
)


def _in_fresh_process(data: bytes) -> dict:
    """``process(data)`` in a new interpreter (the high-water mark only grows, and Pillow's pixels are C memory
    that tracemalloc does not see); the child imports everything before it measures."""
    if not Path("/proc/self/status").exists():
        pytest.skip("needs Linux's /proc/self/status to read a process's peak memory")
    done = subprocess.run(
        [sys.executable, "-c", CHILD], input=data, capture_output=True, cwd=ROOT, timeout=120, check=True
    )
    return json.loads(done.stdout)


def _encoded(image: Image.Image, fmt: str, **save) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save)
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_with(chunks: list[bytes]) -> bytes:
    """A small PNG with ``chunks`` before its image data."""
    data = _encoded(Image.new("RGB", (8, 8), (1, 2, 3)), "PNG")
    at = data.index(b"IDAT") - 4
    return data[:at] + b"".join(chunks) + data[at:]


def _ihdr(width: int, height: int, depth: int = 8, colour: int = 2) -> bytes:
    """A PNG header claiming ``width`` x ``height`` with a deflate stream too short for them."""
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(bytes(64))) + _chunk(
        b"IEND", b""
    )


def _flat_png(width: int, height: int, depth: int = 8, colour: int = 6, plte: bytes = b"") -> bytes:
    """A one-colour PNG streamed row by row (each row "same as above"): a few hundred KB for 49 MP."""
    row = width * depth // 8 * {0: 1, 2: 3, 3: 1, 6: 4}[colour]
    deflate = zlib.compressobj(9)
    idat = deflate.compress(b"\x00" + bytes([7]) * row)
    blank = b"\x02" + bytes(row)  # filter Up with no difference
    idat += b"".join(deflate.compress(blank) for _ in range(height - 1)) + deflate.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    chunks = [_chunk(b"IHDR", ihdr)] + ([_chunk(b"PLTE", plte)] if plte else []) + [_chunk(b"IDAT", idat)]
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks) + _chunk(b"IEND", b"")


def _jpeg_claiming(width: int, height: int) -> bytes:
    data = bytearray(_encoded(Image.new("RGB", (8, 8)), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _webp_claiming(width: int, height: int) -> bytes:
    """An extended WebP (VP8X) whose canvas is ``width`` x ``height``; libwebp allocates the canvas first."""
    data = bytearray(_encoded(Image.new("RGB", (8, 8)), "WEBP", exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x00"))
    assert data[12:16] == b"VP8X"
    data[24:30] = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return bytes(data)


def _heif_claiming(width: int, height: int) -> bytes:
    """A HEIF whose image spatial extent (ispe) claims ``width`` x ``height``."""
    buffer = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", (64, 64))).save(buffer, quality=50)
    data = bytearray(buffer.getvalue())
    ispe = data.index(b"ispe") + 8  # after the box type, version and flags
    data[ispe : ispe + 8] = struct.pack(">II", width, height)
    return bytes(data)


def _heif_images(count: int) -> bytes:
    heif = pillow_heif.from_pillow(Image.new("RGB", (64, 64), (9, 9, 9)))
    for n in range(count - 1):
        heif.add_from_pillow(Image.new("RGB", (64, 64), (n % 256, 0, 0)))
    buffer = io.BytesIO()
    heif.save(buffer, quality=10, enc_params={"preset": "ultrafast"})
    return buffer.getvalue()


ONE_MB_OF_TEXT = zlib.compress(b"A" * (2**20 - 100), 9)
FLAT = (10, 20, 30)

HOSTILE = {
    # name: (bytes, error class, text the refusal names)
    "png-7000x7000-rgba-flat": (
        lambda: _flat_png(7000, 7000), "ImageTooLarge", "MB"),
    "png-7000x7000-rgb-flat": (lambda: _flat_png(7000, 7000, colour=2), "ImageTooLarge", "MB"),
    "png-7000x7000-16-bit": (lambda: _flat_png(7000, 7000, depth=16, colour=0), "ImageTooLarge", "MB"),
    "png-7000x7000-palette": (lambda: _flat_png(7000, 7000, colour=3, plte=bytes(range(24))), "ImageTooLarge", "MB"),
    "png-header-100000x100000": (lambda: _ihdr(100_000, 100_000), "ImageTooLarge", "pixels"),
    "png-ztxt-bomb": (
        lambda: _png_with([_chunk(b"zTXt", b"k%d\x00\x00" % n + ONE_MB_OF_TEXT) for n in range(100)]),
        "InvalidImage", "text chunks"),
    "png-itxt-bomb": (
        lambda: _png_with([_chunk(b"iTXt", b"k%d\x00\x01\x00\x00\x00" % n + ONE_MB_OF_TEXT) for n in range(100)]),
        "InvalidImage", "text chunks"),
    "png-iccp-bomb": (
        lambda: _png_with([_chunk(b"iCCP", b"icc\x00\x00" + zlib.compress(bytes(8_000_000), 9))]),
        "InvalidImage", "too large"),
    "apng-1000-frames": (
        lambda: _encoded(Image.new("RGB", (100, 100)), "PNG", save_all=True,
                         append_images=[Image.new("RGB", (100, 100), (n % 256, n // 256, 0)) for n in range(999)]),
        "UnsupportedImage", "animated"),
    "jpeg-header-60000x60000": (lambda: _jpeg_claiming(60_000, 60_000), "ImageTooLarge", "pixels"),
    "jpeg-header-9000x5500": (lambda: _jpeg_claiming(9_000, 5_500), "InvalidImage", "damaged"),
    "webp-4200x4200-flat": (
        lambda: _encoded(Image.new("RGB", (4200, 4200), FLAT), "WEBP", lossless=True, method=0),
        "ImageTooLarge", "MB"),
    "webp-header-16383x16383": (lambda: _webp_claiming(16383, 16383), "ImageTooLarge", "pixels"),
    "webp-header-7000x7000": (lambda: _webp_claiming(7000, 7000), None, ""),  # libwebp: not its bitstream
    "webp-animated-500-frames": (
        lambda: _encoded(Image.new("RGB", (100, 100)), "WEBP", save_all=True, lossless=True, method=0,
                         append_images=[Image.new("RGB", (100, 100), (n % 256, 0, 0)) for n in range(499)]),
        "UnsupportedImage", "animated"),
    "heif-header-30000x30000": (lambda: _heif_claiming(30_000, 30_000), None, ""),
    "heif-header-7000x7000": (lambda: _heif_claiming(7_000, 7_000), None, ""),
}


@pytest.fixture(scope="module")
def hostile_outcomes():
    return {}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_file_of_every_kind_is_refused_within_a_memory_bound(name):
    make, error, says = HOSTILE[name]
    data = make()
    assert len(data) < 1_500_000  # small files all: what they would cost is the amplification
    outcome = _in_fresh_process(data)
    assert outcome.get("status") in (400, 415), outcome
    if error:
        assert outcome["error"] == error and says in outcome["message"], outcome
    assert outcome["mb"] < REFUSAL_MB, outcome


def test_many_heif_images_cost_only_the_primary():
    """A HEIF collection is accepted by its primary image; the others are neither decoded nor held."""
    outcome = _in_fresh_process(_heif_images(100))
    assert outcome["format"] == "HEIF" and outcome["mb"] < BASELINE_MB, outcome


def _textured(size) -> Image.Image:
    small = Image.merge("RGB", [Image.effect_noise((size[0] // 32, size[1] // 32), 80) for _ in range(3)])
    return small.resize(size, Image.Resampling.BICUBIC)


def _heif(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    pillow_heif.from_pillow(image).save(buffer, quality=50, enc_params={"preset": "ultrafast"})
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("make", "decoded_pixels", "extra"),
    [
        (lambda: _encoded(_textured((4000, 3000)), "JPEG", quality=90), 2000 * 1500, 0),  # draft: 1/2
        (lambda: _encoded(_textured((4000, 3000)), "MPO", quality=90, save_all=True,
                          append_images=[_textured((1000, 750))]), 2000 * 1500, 0),
        (lambda: _flat_png(4000, 3000, colour=2), 4000 * 3000, 0),
        (lambda: _flat_png(4000, 3000), 4000 * 3000, 4),
        (lambda: _encoded(_textured((3000, 2000)), "WEBP", method=0), 3000 * 2000, 0),
        (lambda: _heif(_textured((3000, 2000))), 3000 * 2000, 0),
    ],
    ids=["jpeg-12mp", "mpo-12mp", "png-12mp", "png-rgba-12mp", "webp-6mp", "heif-6mp"],
)
def test_what_is_accepted_costs_no_more_than_the_estimate(make, decoded_pixels, extra):
    """The per-format bytes a decoded pixel costs (DECODE_BYTES, checked against MAX_DECODE_BYTES before
    decoding) hold in a fresh process; the JPEG family's reduced-size decode is what keeps it small."""
    outcome = _in_fresh_process(make())
    assert "error" not in outcome, outcome
    estimate = decoded_pixels * (DECODE_BYTES[outcome["format"]] + extra) / 2**20
    assert estimate < MAX_DECODE_BYTES / 2**20
    assert outcome["mb"] < estimate + BASELINE_MB, (outcome, estimate)
