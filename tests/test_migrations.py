"""`flask db upgrade` on an empty database must build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from core.db import db
from tests.conftest import PG_URL
from tests.databases import fresh_database


def _pending_changes():
    with db.engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), db.metadata)


def _triggers() -> set[str]:
    """The triggers the database holds: the migrations make them, and ``compare_metadata`` does not see them."""
    query = ("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal" if db.engine.dialect.name == "postgresql"
             else "SELECT name FROM sqlite_master WHERE type = 'trigger'")
    with db.engine.connect() as connection:
        return set(connection.exec_driver_sql(query).scalars())


def test_upgrade_builds_the_model_schema_and_downgrade_removes_it(tmp_path):
    from app import create_app

    with fresh_database(tmp_path, PG_URL) as uri:
        app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "UPLOAD_DIR": str(tmp_path / "uploads")})
        with app.app_context():
            upgrade()
            assert _pending_changes() == []
            assert _triggers() == {"documents_never_change"}  # an issued document never changes
            downgrade(revision="base")
            assert set(db.inspect(db.engine).get_table_names()) == {"alembic_version"}
            db.engine.dispose()
