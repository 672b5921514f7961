"""Port zone safety and environmental risk inspection service.

``flask --app app run`` serves it; ``create_app`` builds an instance for tests, workers and commands.
"""

from __future__ import annotations

import os
import sys

from flask import Flask
from flask_migrate import Migrate

from core import api as api_module
from core import config
from core.db import db, render_migration_item

migrate = Migrate()


def _register_blueprints(app: Flask) -> None:
    from accounts.routes import blp as accounts_blp
    from core.docs import bp as docs_bp
    from core.health import blp as health_blp
    from enterprises.routes import blp as enterprises_blp
    from inspections.finding_routes import blp as findings_blp
    from inspections.routes import blp as inspections_blp

    for blp in (health_blp, accounts_blp, enterprises_blp, inspections_blp, findings_blp):
        api_module.api.register_blueprint(blp)
    app.register_blueprint(docs_bp)


def _register_commands(app: Flask) -> None:
    from accounts.cli import cli as users_cli
    from demo.cli import seed_demo
    from enterprises.cli import cli as enterprises_cli

    for command in (users_cli, enterprises_cli, seed_demo):
        app.cli.add_command(command)


def create_app(overrides: dict | None = None) -> Flask:
    """Build the application; ``overrides`` replace settings read from the environment (tests use it)."""
    from accounts.auth import login_manager

    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(config.load(app.instance_path, app.root_path))
    if overrides:
        app.config.update(overrides)
    app.json.ensure_ascii = False
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "migrations"), render_item=render_migration_item)
    login_manager.init_app(app)
    api_module.init_app(app)
    _register_blueprints(app)
    _register_commands(app)
    return app


def _app_or_exit() -> Flask:
    try:
        return create_app()
    except config.ConfigError as exc:
        sys.exit(f"Configuration error: {exc}")


app = _app_or_exit()
