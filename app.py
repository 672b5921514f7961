"""Port zone safety and environmental risk inspection service.

``flask --app app run`` serves it; ``create_app`` builds an instance for tests, workers and commands.
"""

from __future__ import annotations

import importlib
import os
import sys

from flask import Flask
from flask_migrate import Migrate

from core import config
from core.db import db, render_migration_item

migrate = Migrate()

# Each capability package exposes ``init_app(app)`` that registers its blueprints and commands.
CAPABILITIES = (
    "core", "accounts", "audit", "enterprises", "premises", "inspections", "checklists", "cards", "photos", "demo",
    "web", "alerts", "remediation", "backup", "documents",
)


def create_app(overrides: dict | None = None) -> Flask:
    """Build the application; ``overrides`` replace settings read from the environment (tests use it)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(config.load(app.instance_path, app.root_path))
    if overrides:
        app.config.update(overrides)
    app.json.ensure_ascii = False
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "migrations"), render_item=render_migration_item)
    for name in CAPABILITIES:
        importlib.import_module(name).init_app(app)
    return app


def _app_or_exit() -> Flask:
    try:
        return create_app()
    except config.ConfigError as exc:
        sys.exit(f"Configuration error: {exc}")


app = _app_or_exit()
