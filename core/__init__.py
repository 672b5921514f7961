"""Shared infrastructure: configuration, database, API plumbing, errors, time."""


def init_app(app):
    from core import api
    from core.docs import bp as docs_bp
    from core.health import blp as health_blp

    if app.config.get("TRUSTED_PROXIES"):
        # Behind n reverse proxies: the client address (which failed logins are counted by) and the scheme
        # are the ones the nearest n proxies set in X-Forwarded-For and X-Forwarded-Proto; a client's own
        # X-Forwarded-For beyond them is not believed.
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)
    api.init_app(app)
    api.api.register_blueprint(health_blp)
    app.register_blueprint(docs_bp)
