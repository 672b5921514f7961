"""The SQLAlchemy handle, naming convention, UTC timestamps and SQLite pragmas."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

# One naming convention so Alembic generates the same constraint names on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def commit_keeping_loaded() -> None:
    """Commit without expiring what the session holds, so the response is serialised from the objects just
    written instead of reloading each one (half the statements of a new inspection). For views that return
    what they wrote: values must already be as the database gives them back (datetimes in UTC)."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator):
    """Timezone-aware UTC datetimes on both databases (SQLite stores no offset, so we keep UTC naive there)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    # WAL lets readers work while the scheduler writes; SQLite leaves foreign keys off unless asked.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def render_migration_item(type_, obj, _autogen_context):
    """Write UTCDateTime columns into migrations as plain timestamps, so migrations never import app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


@contextmanager
def batch_rebuild(table: str, **kwargs):
    """``op.batch_alter_table(table, **kwargs)`` for migrations that change a table others refer to.

    On SQLite the batch recreates the table, and dropping the old copy fails while foreign keys are enforced
    and rows refer to it; the switch only takes effect outside a transaction. So enforcement is off for the
    rebuild, every key in the database is checked after it (``RuntimeError`` naming the broken rows), and it is
    back on before the migration goes on. Elsewhere it is the plain batch."""
    from alembic import op

    if op.get_bind().dialect.name != "sqlite":
        with op.batch_alter_table(table, **kwargs) as batch_op:
            yield batch_op
        return
    context = op.get_context()
    with context.autocommit_block():
        op.execute("PRAGMA foreign_keys = OFF")
    with op.batch_alter_table(table, recreate="always", **kwargs) as batch_op:
        yield batch_op
    broken = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"foreign keys broken by rebuilding {table}: {broken}")
    with context.autocommit_block():
        op.execute("PRAGMA foreign_keys = ON")
