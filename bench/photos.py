"""Photo ingest benchmark: a 12 MP JPEG and a 12 MP HEIC through ``photos.processing.process``, next to a
bare Pillow reference pipeline (full decode, orient, two renditions, no metadata) timed in the same run.

    python bench/photos.py [--quick]

Goals: median time at most 1.2x the reference, and less than 150 MB peak memory per photo. The peak is
the growth of ru_maxrss in a fresh process; that process is started before this one has loaded any
image, because Linux carries the parent's ru_maxrss over into a child. Exit code 0 always: it reports.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from common import median_ms, print_table, timed, verdict

SIZE = (4032, 3024)
RATIO_GOAL, MEMORY_GOAL_MB = 1.2, 150
FILES = {"JPEG": "sample.jpg", "HEIC": "sample.heic"}


def _photo_like():
    """Smooth colour fields plus fine grain: compresses like a camera photo, unlike flat colour or noise."""
    from PIL import Image

    small = Image.merge("RGB", [Image.effect_noise((SIZE[0] // 16, SIZE[1] // 16), 90) for _ in range(3)])
    image = small.resize(SIZE, Image.Resampling.BICUBIC)
    return Image.blend(image, Image.effect_noise(SIZE, 20).convert("RGB"), 0.15)


def make_samples(directory: Path) -> None:
    """A tablet photo held upright (EXIF orientation 6) with GPS, as JPEG quality 90 and as HEIC."""
    import pillow_heif
    from PIL import Image

    image = _photo_like()
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(0x8825).update({1: "N", 2: (31.0, 56.0, 12.5), 3: "E", 4: (120.0, 21.0, 3.2)})
    image.save(directory / FILES["JPEG"], "JPEG", quality=90, exif=exif)
    exif[0x0112] = 1  # HEIC carries its rotation in the container; iPhones write 512 px tiles
    pillow_heif.from_pillow(image).save(
        directory / FILES["HEIC"], quality=85, exif=exif.tobytes(), tile_size=512
    )


def reference(data: bytes) -> None:
    """What a plain Pillow pipeline does: full decode, orient, resize from the full image, save."""
    from PIL import Image, ImageOps

    image = Image.open(io.BytesIO(data))
    image.load()
    upright = ImageOps.exif_transpose(image).convert("RGB")
    for size in (1600, 320):
        scale = size / max(upright.size)
        small = upright.resize(
            (round(upright.width * scale), round(upright.height * scale)),
            Image.Resampling.LANCZOS,
            reducing_gap=2.0,
        )
        small.save(io.BytesIO(), "JPEG", quality=85)


def measure_memory(path: Path) -> dict[str, float]:
    """Run in a fresh process: ru_maxrss growth over one ``process`` call, then tracemalloc's peak of
    Python allocations over a second one (Pillow's pixel buffers are C memory, outside tracemalloc)."""
    import resource
    import tracemalloc

    from photos.processing import process

    data = path.read_bytes()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    process(data)
    rss_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    tracemalloc.start()
    process(data)
    python_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return {"rss_mb": rss_mb, "python_mb": python_mb}


def _in_child(*args: str) -> str:
    return subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=True
    ).stdout


def _time(process, data: bytes, runs: int) -> tuple[float, float]:
    process(data), reference(data)  # warm-up: first-call setup is not what an upload costs
    ours, bare = [], []
    for _ in range(runs):  # interleaved, so drift in machine load hits both alike
        ours.append(timed(process, data)[0])
        bare.append(timed(reference, data)[0])
    return median_ms(ours), median_ms(bare)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="2 runs instead of 7")
    parser.add_argument("--make-samples", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--memory", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_samples:
        make_samples(args.make_samples)
    elif args.memory:
        print(json.dumps(measure_memory(args.memory)))
    else:
        report(runs=2 if args.quick else 7)


def report(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _in_child("--make-samples", tmp)  # children first, while this process is still small
        memory = {
            fmt: json.loads(_in_child("--memory", str(Path(tmp) / name))) for fmt, name in FILES.items()
        }
        from photos.processing import process

        rows, results = [], {}
        for fmt, name in FILES.items():
            ours, bare = _time(process, (Path(tmp) / name).read_bytes(), runs)
            peak, ratio = memory[fmt]["rss_mb"], ours / bare
            results[fmt] = {"ms": ours, "reference_ms": bare, "ratio": ratio, **memory[fmt]}
            rows += [
                (f"{fmt} 4032x3024: process(), median", f"{ours:.0f} ms", "", ""),
                (f"{fmt} 4032x3024: reference pipeline", f"{bare:.0f} ms", "", ""),
                (f"{fmt} 4032x3024: ratio", f"{ratio:.2f}", f"<= {RATIO_GOAL}", verdict(ratio <= RATIO_GOAL)),
                (
                    f"{fmt} 4032x3024: peak RSS growth",
                    f"{peak:.0f} MB",
                    f"< {MEMORY_GOAL_MB} MB",
                    verdict(peak < MEMORY_GOAL_MB),
                ),
                (f"{fmt} 4032x3024: Python allocations peak", f"{memory[fmt]['python_mb']:.1f} MB", "", ""),
            ]
    print_table(f"Photo ingest ({runs} runs each)", rows)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
