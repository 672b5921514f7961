"""Server-rendered pages for tablets and desks: inspectors in the field, safety managers, environmental staff.

Simplified Chinese by default, English switchable (``?lang=en``, kept in the session and a cookie); every
script is a static file (the Content-Security-Policy forbids inline script and other origins).
"""

from __future__ import annotations

import os

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANG_COOKIE = "lang"

# No inline script, no other origin; photos shown before upload are blob: URLs.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
       "connect-src 'self'; worker-src 'self'; manifest-src 'self'; font-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def _security_headers(response):
    from flask import request

    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    # The API docs page (core/docs) brings its own scripts; every other HTML page gets the strict policy.
    if response.mimetype == "text/html" and request.blueprint != "docs":
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def init_app(app):
    from flask_babel import Babel

    from web.i18n import remember_language, select_locale
    from web.views import bp

    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config.get("TIMEZONE", "Asia/Shanghai"))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = os.path.join(os.path.dirname(__file__), "translations")
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    secure = app.config.get("WEB_SECURE_COOKIES")  # SESSION_COOKIE_SECURE in the environment (core.config)
    app.config["SESSION_COOKIE_SECURE"] = not (app.debug or app.testing) if secure is None else bool(secure)
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config["SESSION_COOKIE_SECURE"])
    Babel(app, locale_selector=select_locale, timezone_selector=lambda: app.config["TIMEZONE"])
    app.register_blueprint(bp)
    app.after_request(_security_headers)
    app.after_request(remember_language)
