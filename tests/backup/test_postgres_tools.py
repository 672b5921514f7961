"""pg_dump and pg_restore: missing or too old client programs stop with the fix; passwords stay off argv."""

import os
import re

import pytest
import sqlalchemy as sa

from backup.databases import _libpq
from tests.backup.helpers import backup, cli, table_counts
from tests.conftest import requires_postgres


def _fake_tool(tmp_path, name, version):
    """A program called ``name`` that reports an old version, first on PATH."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    program = bindir / name
    program.write_text(f"#!/bin/sh\necho '{name} (PostgreSQL) {version}'\n")
    program.chmod(0o755)
    return f"{bindir}{os.pathsep}{os.environ['PATH']}"


def test_the_password_goes_in_the_environment_not_on_the_command_line():
    url = sa.engine.make_url("postgresql+psycopg://inspect:s3cr%40t@db.internal:5433/inspect?sslmode=require")
    conninfo, env = _libpq(url)
    assert conninfo == "postgresql://inspect@db.internal:5433/inspect?sslmode=require"
    assert env["PGPASSWORD"] == "s3cr@t"


@requires_postgres
def test_an_old_pg_dump_is_refused_with_the_fix(app, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", _fake_tool(tmp_path, "pg_dump", "9.6.24"))
    result = cli(app, "backup", "create", "--to", str(tmp_path / "backups"))
    assert result.exit_code == 1
    assert re.search(r"pg_dump 9 cannot dump a PostgreSQL \d+ server: install postgresql-client-\d+", result.output)
    assert list((tmp_path / "backups").iterdir()) == []


@requires_postgres
def test_an_old_pg_restore_is_refused_with_the_fix(app, populated, make_target, tmp_path, monkeypatch):
    path = backup(app, tmp_path / "backups")
    target = make_target()
    monkeypatch.setenv("PATH", _fake_tool(tmp_path, "pg_restore", "9.6.24"))
    result = cli(target, "backup", "restore", str(path))
    assert result.exit_code == 1
    assert re.search(r"pg_restore 9 cannot read a dump made by pg_dump \d+: install postgresql-client-\d+",
                     result.output)
    assert table_counts(target) == {}


@requires_postgres
def test_missing_client_programs_name_the_package(app, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    result = cli(app, "backup", "create", "--to", str(tmp_path / "backups"))
    assert result.exit_code == 1
    assert "pg_dump is not installed: install the postgresql-client package" in result.output


def test_an_in_memory_sqlite_database_cannot_be_backed_up(tmp_path):
    from app import create_app

    memory = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "UPLOAD_DIR": str(tmp_path)})
    result = cli(memory, "backup", "create", "--to", str(tmp_path / "backups"))
    assert result.exit_code == 1 and "DATABASE_URL must name a file" in result.output


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="the suite runs on PostgreSQL")
def test_a_sqlite_backup_is_not_restored_into_postgresql(app, populated, tmp_path):
    path = backup(app, tmp_path / "backups")
    target_uri = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # never reached: the kind is checked first
    from app import create_app

    target = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": target_uri, "UPLOAD_DIR": str(tmp_path / "u")})
    result = cli(target, "backup", "restore", str(path))
    assert result.exit_code == 1 and "holds a sqlite database but DATABASE_URL is postgresql" in result.output
