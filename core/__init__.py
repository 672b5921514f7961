"""Shared infrastructure: configuration, database, API plumbing, errors, time."""


def init_app(app):
    from core import api
    from core.docs import bp as docs_bp
    from core.health import blp as health_blp

    api.init_app(app)
    api.api.register_blueprint(health_blp)
    app.register_blueprint(docs_bp)
