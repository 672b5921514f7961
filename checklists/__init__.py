"""Inspection checklists per domain, loaded from the standards' data files in ``risk_rules/checklists``."""


def init_app(app):
    from checklists.cli import cli
    from checklists.routes import blp
    from core.api import api

    api.register_blueprint(blp)
    app.cli.add_command(cli)
