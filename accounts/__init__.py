"""Users, roles, API tokens and browser sessions."""


def init_app(app):
    from accounts.auth import login_manager
    from accounts.cli import cli
    from accounts.routes import blp
    from core.api import api

    login_manager.init_app(app)
    api.register_blueprint(blp)
    app.cli.add_command(cli)
