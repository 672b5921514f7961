"""Small helpers shared by the benchmarks: timing, peak memory, a results table, a scratch database."""

from __future__ import annotations

import resource
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as `python bench/x.py` from anywhere


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def median_ms(samples) -> float:
    return statistics.median(samples) * 1000


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def print_table(title: str, rows: list[tuple[str, str, str, str]]) -> None:
    """rows: (figure, value, goal, verdict)."""
    print(f"\n{title}")
    widths = [max(len(r[i]) for r in rows + [("figure", "value", "goal", "result")]) for i in range(4)]
    for row in [("figure", "value", "goal", "result"), *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def number_series(dialect: str, count: int) -> str:
    """SQL yielding rows n = 1..count, to generate benchmark data inside the database."""
    if dialect == "postgresql":
        return f"SELECT generate_series(1, {count})::bigint AS n"
    return f"WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {count}) SELECT n FROM s"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


@contextmanager
def scratch_app(postgres_url: str | None):
    """An application on a new empty database (SQLite file, or a new PostgreSQL database), dropped after."""
    from app import create_app
    from core.db import db
    from tests.databases import fresh_database

    with tempfile.TemporaryDirectory() as tmp, fresh_database(Path(tmp), postgres_url) as uri:
        app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "UPLOAD_DIR": str(Path(tmp) / "uploads")})
        with app.app_context():
            db.create_all()
            yield app
            db.session.remove()
            db.engine.dispose()
