"""Fixtures for the backup tests: an empty photo store around each test, fresh target instances, sample data."""

from __future__ import annotations

import shutil
from contextlib import ExitStack
from pathlib import Path

import pytest

from core.db import db
from tests.backup.helpers import inspect, jpeg, seal, upload
from tests.conftest import PG_URL
from tests.databases import fresh_database


@pytest.fixture(autouse=True)
def _empty_store(app):
    """The session's photo store is shared with other tests: start and leave it empty."""
    root = Path(app.config["UPLOAD_DIR"])

    def empty():
        for child in root.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()

    empty()
    yield
    empty()


@pytest.fixture(autouse=True)
def _own_anchor_file(app, tmp_path, monkeypatch):
    """Audit anchors of this test only, never the instance folder's."""
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_FILE", str(tmp_path / "audit_anchors.jsonl"))


@pytest.fixture
def make_target(tmp_path):
    """``make_target("name")`` -> a new application on a new empty database (same kind as the suite's)
    with an empty photo store: where a backup is restored."""
    from app import create_app

    apps = []
    with ExitStack() as stack:

        def make(name: str = "target"):
            directory = tmp_path / name
            directory.mkdir()
            uri = stack.enter_context(fresh_database(directory, PG_URL))
            target = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": uri,
                                 "UPLOAD_DIR": str(directory / "uploads"),
                                 "AUDIT_ANCHOR_FILE": str(directory / "audit_anchors.jsonl")})
            apps.append(target)
            return target

        yield make
        for target in apps:
            with target.app_context():
                db.session.remove()
                db.engine.dispose()


@pytest.fixture
def populated(app, client, auth, make_enterprise):
    """An enterprise, an inspection whose finding has two photos, a second inspection with one; audit sealed."""
    inspector = auth("inspector")
    enterprise_id = make_enterprise(name="江海危化品储运有限公司")
    photos = [upload(client, inspector, jpeg(seed)) for seed in (1, 2, 3)]
    first = inspect(client, inspector, enterprise_id, photos[:2])
    second = inspect(client, inspector, enterprise_id, photos[2:], description="消防通道堵塞")
    seal(app)
    return {"inspector": inspector, "enterprise_id": enterprise_id, "photos": photos,
            "inspections": [first, second]}
