"""After a restore the operator is told whether the database's schema revision fits the code."""

import os

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from core.db import db
from tests.backup.helpers import backup, cli


def _set_revision(app, revision):
    with app.app_context():
        db.session.execute(sa.text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
        db.session.commit()


def test_the_restored_revision_is_checked_against_the_code(make_target, tmp_path):
    from accounts import service as accounts

    source = make_target("source")  # built like production: `flask db upgrade`
    with source.app_context():
        upgrade()
        accounts.create_user("wang.fang", "correct horse", ["inspector"])
        db.session.commit()
    script = ScriptDirectory(os.path.join(source.root_path, "migrations"))
    head = script.get_current_head()
    older = script.get_revision(head).down_revision

    cases = [(head, f"Database revision {head} matches the code."),
             (older, "run `flask --app app db upgrade` before starting the service"),
             ("ffffffffffff", "unknown to this code: the backup was made by a newer version")]
    for n, (revision, advice) in enumerate(cases):
        _set_revision(source, revision)
        path = backup(source, tmp_path / f"backups{n}")
        target = make_target(f"target{n}")
        result = cli(target, "backup", "restore", str(path))
        assert result.exit_code == 0 and advice in result.output, result.output
        with target.app_context():
            assert db.session.scalar(sa.text("SELECT username FROM users")) == "wang.fang"
