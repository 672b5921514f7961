"""Photo ingest benchmark (issue 3): a 12 MP JPEG and a 12 MP HEIC through ``photos.processing.process``,
next to the bare Pillow reference pipeline (decode, orient, two renditions, no metadata) in the same run.

    python bench/photos.py [--quick]
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pillow_heif
from common import median_ms, print_table, timed, verdict
from PIL import Image, ImageOps

SIZE = (4032, 3024)


def _photo_like() -> Image.Image:
    """Smooth colour fields plus fine grain: compresses like a camera photo, unlike flat colour or pure noise."""
    small = Image.merge("RGB", [Image.effect_noise((SIZE[0] // 16, SIZE[1] // 16), 90) for _ in range(3)])
    image = small.resize(SIZE, Image.Resampling.BICUBIC)
    grain = Image.effect_noise(SIZE, 20).convert("RGB")
    return Image.blend(image, grain, 0.15)


def make_samples(directory: Path) -> dict[str, Path]:
    image = _photo_like()
    exif = Image.Exif()
    exif[0x0112] = 6  # taken with the tablet held upright
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (31.0, 56.0, 12.5), 3: "E", 4: (120.0, 21.0, 3.2)})
    jpeg = directory / "sample.jpg"
    image.save(jpeg, "JPEG", quality=90, exif=exif)
    heic = directory / "sample.heic"
    pillow_heif.from_pillow(image).save(heic, quality=85)
    return {"JPEG 4032x3024": jpeg, "HEIC 4032x3024": heic}


def reference(data: bytes) -> None:
    image = Image.open(io.BytesIO(data))
    image.load()
    upright = ImageOps.exif_transpose(image).convert("RGB")
    for size in (1600, 320):
        copy = upright.copy()
        copy.thumbnail((size, size), Image.Resampling.LANCZOS)
        copy.save(io.BytesIO(), "JPEG", quality=85)


def _peak_mb(path: Path) -> float:
    """Peak resident memory added by processing one photo, measured in a fresh process."""
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec.
    code = (
        "import sys; sys.path.insert(0, '.'); from photos.processing import process\n"
        "hwm = lambda: int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])\n"
        f"data = open({str(path)!r}, 'rb').read(); before = hwm()\n"
        "process(data); print((hwm() - before) / 1024)"
    )
    root = Path(__file__).resolve().parents[1]
    return float(subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                                check=True).stdout)


def main() -> None:
    from photos.processing import process

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2 runs instead of 7")
    runs = 2 if parser.parse_args().quick else 7
    rows, results = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, path in make_samples(Path(tmp)).items():
            data = path.read_bytes()
            ours = [timed(process, data)[0] for _ in range(runs)]
            bare = [timed(reference, data)[0] for _ in range(runs)]
            ratio = median_ms(ours) / median_ms(bare)
            peak = _peak_mb(path)
            results[label] = {"ms": median_ms(ours), "reference_ms": median_ms(bare), "ratio": ratio, "peak_mb": peak}
            rows += [
                (f"{label}: ingest, median", f"{median_ms(ours):.0f} ms", "", ""),
                (f"{label}: reference pipeline", f"{median_ms(bare):.0f} ms", "", ""),
                (f"{label}: ratio", f"{ratio:.2f}", "<= 1.2", verdict(ratio <= 1.2)),
                (f"{label}: peak memory", f"{peak:.0f} MB", "< 150 MB", verdict(peak < 150)),
            ]
    print_table(f"Photo ingest ({runs} runs each)", rows)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
