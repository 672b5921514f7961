"""Run every benchmark and print their tables: `python bench/run.py [--quick] [--postgres URL]`.

Each benchmark is its own script (bench/<name>.py) and prints figures next to its goal and reference.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ("photos", "cards", "alerts", "documents", "throughput", "scale")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="reduced sizes (what CI runs)")
    parser.add_argument("--postgres", metavar="URL", help="also measure on PostgreSQL where a benchmark can")
    args = parser.parse_args()
    failed = []
    for name in BENCHMARKS:
        script = HERE / f"{name}.py"
        if not script.exists():
            continue
        command = [sys.executable, str(script)] + (["--quick"] if args.quick else [])
        if args.postgres and name != "photos":
            command += ["--postgres", args.postgres]
        print(f"\n===== {name} =====", flush=True)
        if subprocess.run(command).returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nbenchmarks that did not run to the end: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
