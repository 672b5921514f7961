"""Consistent copies of the database while the service runs, and restoring them (no Flask).

SQLite: the online backup API copies every page inside one read transaction, so the copy is the database
as of one moment even while the service writes (WAL lets the writers go on meanwhile).
PostgreSQL: a REPEATABLE READ transaction exports its snapshot and ``pg_dump --snapshot`` dumps exactly
that snapshot, so the photo rows read in the same transaction are the ones in the dump. Restored with
``pg_restore --single-transaction``: all or nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from backup.archive import BackupError

CLIENT_PACKAGE = "postgresql-client"  # Debian package with pg_dump and pg_restore


@dataclass
class Snapshot:
    """A database copy in ``file`` and what it holds, read from the copy itself (or from its snapshot)."""

    kind: str
    file: Path
    revision: str | None
    row_counts: dict[str, int]
    photos: list[tuple[str, bool]]  # (sha256, has_original) of every photo row
    audit_head: tuple[int, str] | None  # (seq, hash) of the newest sealed audit entry
    details: dict = field(default_factory=dict)


def kind_of(url: sa.URL) -> str:
    return url.get_backend_name()


def _describe(query, tables: list[str]):
    """Alembic revision, rows per table, photo rows and the audit chain's head, through ``query(sql) -> rows``
    on one snapshot."""
    counts = {name: query(f'SELECT count(*) FROM "{name}"')[0][0] for name in sorted(tables)}
    revision = None
    if "alembic_version" in tables:
        rows = query("SELECT version_num FROM alembic_version")
        revision = ",".join(sorted(row[0] for row in rows)) or None
    photos = []
    if "photos" in tables:
        # One entry per content: rows of the same bytes (two users' uploads) share the files named by its hash.
        photos = [(sha, bool(original)) for sha, original in query(
            "SELECT sha256, MAX(CASE WHEN has_original THEN 1 ELSE 0 END) FROM photos GROUP BY sha256")]
    head = None
    if "audit_entries" in tables:
        rows = query("SELECT seq, hash FROM audit_entries WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1")
        head = tuple(rows[0]) if rows else None
    return revision, counts, photos, head


# SQLite ------------------------------------------------------------------------------------------------


def _sqlite_path(url: sa.URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError(f"cannot back up or restore the SQLite database {url.database or '(in memory)'!r}: "
                          "DATABASE_URL must name a file (sqlite:///path/to/file.db)")
    return Path(url.database)


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return [row[0] for row in rows]


def _sqlite_describe(path: Path):
    if not path.is_file():
        raise BackupError(f"the SQLite database {path} does not exist")
    conn = sqlite3.connect(path, timeout=30)
    try:
        conn.execute("BEGIN")  # one read transaction for every count
        return _describe(lambda sql: conn.execute(sql).fetchall(), _sqlite_tables(conn))
    finally:
        conn.close()


def _sqlite_snapshot(url: sa.URL, workdir: Path) -> Snapshot:
    source_path, target = _sqlite_path(url), workdir / "database.sqlite3"
    if not source_path.is_file():
        raise BackupError(f"the SQLite database {source_path} does not exist")
    source, copy = sqlite3.connect(source_path, timeout=30), sqlite3.connect(target)
    try:
        source.backup(copy)  # all pages in one step: one read transaction, one moment
        copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file in the archive
        check = copy.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        source.close()
        copy.close()
    if check != "ok":
        raise BackupError(f"the copy of {source_path} fails SQLite's integrity check: {check}")
    revision, counts, photos, head = _sqlite_describe(target)
    return Snapshot("sqlite", target, revision, counts, photos, head, {"sqlite_version": sqlite3.sqlite_version})


def _sqlite_restore(url: sa.URL, file: Path, force: bool) -> None:
    target_path = _sqlite_path(url)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    source, target = sqlite3.connect(f"file:{file}?mode=ro", uri=True), sqlite3.connect(target_path, timeout=30)
    try:
        _refuse_if_not_empty(_sqlite_tables(target), str(target_path), force)
        source.backup(target)  # replaces the whole target in one transaction
        target.execute("PRAGMA journal_mode=WAL")
    except sqlite3.Error as exc:
        raise BackupError(f"restoring into {target_path} failed: {exc}") from None
    finally:
        source.close()
        target.close()


# PostgreSQL --------------------------------------------------------------------------------------------


def _tool(name: str) -> tuple[str, int]:
    """The path and major version of a PostgreSQL client program on PATH."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed: install the {CLIENT_PACKAGE} package "
                          f"(apt-get install {CLIENT_PACKAGE}) of the server's major version or newer")
    output = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", output)
    if not match:
        raise BackupError(f"cannot tell the version of {path} (it printed {output.strip()!r})")
    return path, int(match[1])


def _libpq(url: sa.URL) -> tuple[str, dict]:
    """A connection URI for the client programs and their environment; the password goes in the
    environment (PGPASSWORD), never on a command line that ``ps`` shows."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    public = sa.engine.URL.create("postgresql", username=url.username, host=url.host, port=url.port,
                                  database=url.database, query=url.query)
    return public.render_as_string(hide_password=False), env


def _engine(url: sa.URL) -> sa.Engine:
    return sa.create_engine(url, poolclass=NullPool)


def _server_major(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("SHOW server_version_num").scalar()) // 10000


def _pg_tables(conn) -> list[tuple[str, str, str]]:
    return conn.exec_driver_sql(
        "SELECT table_schema, table_name, table_type FROM information_schema.tables "
        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2").all()


def _pg_describe(conn):
    tables = conn.exec_driver_sql("SELECT table_name FROM information_schema.tables "
                                  "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'").scalars().all()
    return _describe(lambda sql: conn.exec_driver_sql(sql).all(), tables)


def _run(command: list[str], env: dict, what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{what} failed (exit {result.returncode}): {result.stderr.strip()}")


def _postgres_snapshot(url: sa.URL, workdir: Path) -> Snapshot:
    pg_dump, tool_major = _tool("pg_dump")
    engine, target = _engine(url), workdir / "database.pgdump"
    try:
        server_major = _server_major(engine)
        if tool_major < server_major:
            raise BackupError(f"pg_dump {tool_major} cannot dump a PostgreSQL {server_major} server: install "
                              f"postgresql-client-{server_major} (or newer) and put its pg_dump first on PATH")
        conninfo, env = _libpq(url)
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
            snapshot_id = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
            revision, counts, photos, head = _pg_describe(conn)
            # The exporting transaction stays open while pg_dump runs, so the snapshot stays importable.
            _run([pg_dump, "--format=custom", f"--snapshot={snapshot_id}", "--lock-wait-timeout=60000",
                  f"--file={target}", f"--dbname={conninfo}"], env, "pg_dump")
    finally:
        engine.dispose()
    details = {"server_major": server_major, "pg_dump_major": tool_major}
    return Snapshot("postgresql", target, revision, counts, photos, head, details)


def _pg_wipe(conn) -> None:
    objects = _pg_tables(conn)
    views = [f'"{schema}"."{name}"' for schema, name, kind in objects if kind == "VIEW"]
    tables = [f'"{schema}"."{name}"' for schema, name, kind in objects if kind != "VIEW"]
    if views:
        conn.exec_driver_sql(f"DROP VIEW IF EXISTS {', '.join(views)} CASCADE")
    if tables:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {', '.join(tables)} CASCADE")
    for schema, name in conn.exec_driver_sql(
            "SELECT sequence_schema, sequence_name FROM information_schema.sequences "
            "WHERE sequence_schema NOT IN ('pg_catalog', 'information_schema')").all():
        conn.exec_driver_sql(f'DROP SEQUENCE IF EXISTS "{schema}"."{name}" CASCADE')
    # The schema's own functions too (the documents' trigger function): the dump creates them again. Functions
    # that belong to an extension stay with it.
    for schema, name, arguments in conn.exec_driver_sql(
            "SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid) FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND left(n.nspname, 3) <> 'pg_' "
            "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')").all():
        conn.exec_driver_sql(f'DROP FUNCTION IF EXISTS "{schema}"."{name}"({arguments}) CASCADE')


def _postgres_restore(url: sa.URL, file: Path, force: bool, made_by: dict) -> None:
    pg_restore, tool_major = _tool("pg_restore")
    if tool_major < made_by.get("pg_dump_major", 0):
        raise BackupError(f"pg_restore {tool_major} cannot read a dump made by pg_dump {made_by['pg_dump_major']}: "
                          f"install postgresql-client-{made_by['pg_dump_major']} (or newer)")
    engine = _engine(url)
    try:
        server_major = _server_major(engine)
        if server_major < made_by.get("server_major", 0):
            raise BackupError(f"the backup comes from PostgreSQL {made_by['server_major']}; restore it into "
                              f"PostgreSQL {made_by['server_major']} or newer (this server is {server_major})")
        with engine.begin() as conn:
            objects = _pg_tables(conn)
            _refuse_if_not_empty([name for _schema, name, _kind in objects], url.database, force)
            if objects:
                _pg_wipe(conn)
    finally:
        engine.dispose()
    conninfo, env = _libpq(url)
    _run([pg_restore, "--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges",
          f"--dbname={conninfo}", str(file)], env, "pg_restore")


# Both --------------------------------------------------------------------------------------------------


def _refuse_if_not_empty(tables: list[str], name: str, force: bool) -> None:
    if tables and not force:
        shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        raise BackupError(f"the target database {name} is not empty ({len(tables)} tables: {shown}). Restore "
                          "into a new empty database, or pass --force to delete everything in it first")


def snapshot(url: sa.URL, workdir: Path) -> Snapshot:
    """Copy the database at ``url`` as of one moment into ``workdir``."""
    if kind_of(url) == "sqlite":
        return _sqlite_snapshot(url, workdir)
    if kind_of(url) == "postgresql":
        return _postgres_snapshot(url, workdir)
    raise BackupError(f"cannot back up a {kind_of(url)} database")


def restore(url: sa.URL, file: Path, force: bool, made_by: dict) -> None:
    """Load the copy in ``file`` into the (empty, unless ``force``) database at ``url``."""
    if kind_of(url) == "sqlite":
        _sqlite_restore(url, file, force)
    else:
        _postgres_restore(url, file, force, made_by)


def describe(url: sa.URL):
    """(alembic revision, rows per table, photo rows, audit head) of the database at ``url``."""
    if kind_of(url) == "sqlite":
        return _sqlite_describe(_sqlite_path(url))
    engine = _engine(url)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
            return _pg_describe(conn)
    finally:
        engine.dispose()
