"""Throwaway databases for the test suite and the benchmarks."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from core.config import database_url


@contextmanager
def fresh_database(directory: Path, postgres_url: str | None = None):
    """A new empty database: a new PostgreSQL database next to ``postgres_url`` when given (dropped after),
    else an SQLite file in ``directory``. Yields its URL."""
    if not postgres_url:
        yield f"sqlite:///{directory / 'test.db'}"
        return
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(database_url(postgres_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(database_url(postgres_url)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
