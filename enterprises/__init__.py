"""Enterprises (企业) in the zone: registry, unified social credit codes, CSV/XLSX import."""


def init_app(app):
    from core.api import api
    from enterprises.cli import cli
    from enterprises.routes import blp

    api.register_blueprint(blp)
    app.cli.add_command(cli)
