"""Users, roles, API tokens and browser sessions."""


def init_app(app):
    from accounts.auth import limiter, login_manager
    from accounts.cli import cli
    from accounts.routes import blp
    from core.api import api

    login_manager.init_app(app)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["RATE_LIMIT_STORAGE_URI"])
    limiter.init_app(app)
    api.register_blueprint(blp)
    app.cli.add_command(cli)
