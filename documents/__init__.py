"""Enforcement documents (执法文书): the on-site inspection record, the rectification order and the
re-inspection opinion, numbered without gaps, rendered to PDF, never changed once issued."""


def init_app(app):
    from core.api import api
    from documents.cli import cli
    from documents.routes import blp

    api.register_blueprint(blp)
    app.cli.add_command(cli)
