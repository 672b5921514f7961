"""The JSON API under /api/v1: one Api, one error shape, domain errors mapped to HTTP here.

Every error body is ``{"code": 422, "status": "Unprocessable Entity", "message": "...", "errors": {...}}``;
``errors`` is present for field-level problems.
"""

from __future__ import annotations

import flask_smorest
from flask import jsonify
from flask_smorest import Api
from flask_wtf.csrf import CSRFProtect
from marshmallow import Schema, fields
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from core.errors import DomainError

csrf = CSRFProtect()

API_PREFIX = "/api/v1"


def error_response(status: int, message: str, errors: dict | None = None):
    body = {"code": status, "status": HTTP_STATUS_CODES.get(status, "Error"), "message": message}
    if errors:
        body["errors"] = errors
    return jsonify(body), status


class ErrorSchema(Schema):
    """Documented shape of every error response."""

    code = fields.Integer(metadata={"description": "HTTP status code"})
    status = fields.String(metadata={"description": "HTTP status name"})
    message = fields.String(metadata={"description": "what is wrong, for people"})
    errors = fields.Dict(metadata={"description": "per location and field: list of messages"})


class _Api(Api):
    ERROR_SCHEMA = ErrorSchema

    def register_blueprint(self, blp, **options):
        # Token-authenticated API calls carry no CSRF token; cookie-authenticated ones are checked in
        # ``_require_login`` instead.
        csrf.exempt(blp)
        super().register_blueprint(blp, **options)


api = _Api()


def _domain_error(exc: DomainError):
    errors = {"json": {exc.field: [exc.message]}} if exc.field else None
    return error_response(exc.status, exc.message, errors)


def _integrity_error(exc: IntegrityError):
    # A constraint the service did not foresee: the request clashes with stored data, not a server fault.
    from core.db import db

    db.session.rollback()
    return error_response(409, "The request conflicts with stored data (a unique or reference constraint).")


def _http_error(exc: HTTPException):
    """Werkzeug errors outside smorest views (404 for unknown URLs, 405, 413...) in the same shape."""
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages")
    message = data.get("message") or exc.description or exc.name
    if messages:
        message = "The request has invalid fields; see errors."
    return error_response(exc.code or 500, message, messages)


def init_app(app):
    app.config.update(
        API_TITLE="Port zone risk inspection API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            },
            "security": [{"bearerAuth": []}],
        },
    )
    api.init_app(app)
    csrf.init_app(app)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(IntegrityError, _integrity_error)
    app.register_error_handler(HTTPException, _http_error)


def public(view):
    """Mark a view (or MethodView method) as open to anonymous callers; everything else needs a login."""
    view.is_public = True
    return view


def _require_login():
    """Views need a user unless ``@public``; writes from a browser session also need its CSRF token."""
    from flask import current_app, request
    from flask_login import current_user
    from werkzeug.exceptions import Unauthorized

    view = current_app.view_functions.get(request.endpoint)
    view_class = getattr(view, "view_class", None)
    method_view = getattr(view_class, request.method.lower(), None) if view_class else None
    if getattr(method_view or view, "is_public", False):
        return None
    if not current_user.is_authenticated:
        raise Unauthorized("Authentication required: send 'Authorization: Bearer <token>' (POST /api/v1/auth/tokens).")
    if "Authorization" not in request.headers and request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()  # cookie-authenticated: the pages' scripts send the X-CSRFToken header


class Blueprint(flask_smorest.Blueprint):
    """A smorest blueprint whose views require an authenticated user unless marked ``@public``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.before_request(_require_login)
