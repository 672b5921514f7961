"""The JSON API under /api/v1: one Api, one error shape, domain errors mapped to HTTP here.

Every error body is ``{"code": 422, "status": "Unprocessable Entity", "message": "...", "errors": {...}}``;
``errors`` is present for field-level problems.
"""

from __future__ import annotations

import json
from array import array

import flask_smorest
import marshmallow as ma
from apispec import BasePlugin
from flask import current_app, jsonify, request
from flask_smorest import Api
from flask_smorest.pagination import PaginationMetadataSchema
from flask_wtf.csrf import CSRFProtect
from marshmallow import Schema, fields, validate
from sqlalchemy.exc import IntegrityError
from webargs import core as webargs_core
from webargs.flaskparser import FlaskParser, abort, is_json_request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.routing import IntegerConverter

from core import text
from core.errors import DomainError

csrf = CSRFProtect()

API_PREFIX = "/api/v1"

# Ids are INTEGER columns (32-bit on PostgreSQL). A larger id in a path, query or body is refused on arrival:
# it names no row, and the database drivers fail on it (a server error) instead of finding nothing.
MAX_ID = 2**31 - 1
ID = validate.Range(min=1, max=MAX_ID)


class IdConverter(IntegerConverter):
    """``<int:...>`` in every URL rule: at most ``MAX_ID``, so a larger number is a 404 like any unknown id."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def error_response(status: int, message: str, errors: dict | None = None, headers=None):
    body = {"code": status, "status": HTTP_STATUS_CODES.get(status, "Error"), "message": message}
    if errors:
        body["errors"] = errors
    return jsonify(body), status, headers or {}


_BMP = array("I", range(0x10000)).tobytes().decode("utf-32-le", "surrogatepass")  # every UTF-16 code unit


def _refused_in(low: int, high: int) -> list[int]:
    """Code points in [low, high) that ``core.text`` refuses; halves only the stretches that hold one."""
    if text.problem(_BMP[low:high]) is None:
        return []
    if high - low == 1:
        return [low]
    middle = (low + high) // 2
    return _refused_in(low, middle) + _refused_in(middle, high)


def _refused() -> str:
    """The characters ``core.text`` refuses, as the body of a regex class (``\\u0000-\\u0008...``), read from
    ``core.text.problem`` itself so that the document never drifts from it. Surrogates are left out: a pattern
    cannot hold a lone one (the parser refuses them all the same)."""
    ranges: list[list[int]] = []
    for code in _refused_in(0, 0xD800) + _refused_in(0xE000, 0x10000):
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(f"\\u{a:04x}" + (f"-\\u{b:04x}" if b > a else "") for a, b in ranges)


_REFUSED = _refused()
TEXT_PATTERN = f"^[^{_REFUSED}]*$"  # documented on every text field the API takes (see ``_text_pattern``)
# Names and codes: more than white space (they are stored stripped); the pattern also excludes what is refused.
NOT_BLANK = validate.Regexp(rf"^[^{_REFUSED}]*[^\s{_REFUSED}][^{_REFUSED}]*$", error="must not be blank")


def _text_pattern(self, field, **_) -> dict:
    """apispec attribute function: text that is read from a request gets ``TEXT_PATTERN`` unless it has a
    pattern or a list of values of its own (which then say what it takes)."""
    if isinstance(field, fields.String) and not field.dump_only and not any(
            isinstance(v, validate.Regexp | validate.OneOf) for v in field.validators):
        return {"pattern": TEXT_PATTERN}
    return {}


class Boolean(fields.Boolean):
    """A JSON boolean: ``true`` or ``false`` and nothing else. (marshmallow's own also takes 0, 1, "yes", "on"
    and more, which the document, saying ``boolean``, does not promise; a 0 meant as false is refused.)"""

    default_error_messages = {"invalid": "Not a boolean: give true or false."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            return value
        raise self.make_error("invalid", input=value)


class QueryBoolean(Boolean):
    """A boolean in a query string: the words ``true`` and ``false``."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value in ("true", "false") and isinstance(value, str):
            return value == "true"
        raise self.make_error("invalid", input=value)


class PartialUpdate:
    """Mixin making a PATCH body of a create schema: every field optional and without its default (what is left
    out stays as it is, and the document says so), at least one field given."""

    def __init__(self, **kwargs):
        super().__init__(partial=True, **kwargs)
        for field in self.fields.values():
            field.load_default = ma.missing

    @ma.validates_schema
    def _something(self, data, **_):
        if not data:
            raise ma.ValidationError("give at least one field to change")


class _SchemaRules(BasePlugin):
    """What a schema says as a whole that apispec leaves out: a partial update needs at least one field."""

    def schema_helper(self, name, definition, **kwargs):
        schema = kwargs.get("schema")
        cls = schema if isinstance(schema, type) else type(schema)
        return {"minProperties": 1} if issubclass(cls, PartialUpdate) else None


class ErrorSchema(Schema):
    """Documented shape of every error response."""

    code = fields.Integer(metadata={"description": "HTTP status code"})
    status = fields.String(metadata={"description": "HTTP status name"})
    message = fields.String(metadata={"description": "what is wrong, for people"})
    errors = fields.Dict(metadata={"description": "per location and field: list of messages"})


class _Api(Api):
    ERROR_SCHEMA = ErrorSchema
    # No catch-all "default" response: every error status an operation can answer is listed (see ``_refusals``),
    # so a status the document does not name is a defect the fuzzing finds.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def register_blueprint(self, blp, **options):
        # Token-authenticated API calls carry no CSRF token; cookie-authenticated ones are checked in
        # ``_require_login`` instead.
        csrf.exempt(blp)
        super().register_blueprint(blp, **options)

    def _register_pagination_header(self):
        # X-Pagination carries a JSON object. OpenAPI 3 says so with ``content``; smorest's bare ``schema``
        # would mean the "simple" style (``total,2,page,1``), which is not what is sent.
        self.spec.components.header("PAGINATION", {
            "description": "Pagination metadata, a JSON object",
            "content": {"application/json": {"schema": PaginationMetadataSchema}},
        }, lazy=True)


api = _Api()


def _domain_error(exc: DomainError):
    errors = exc.errors or ({"json": {exc.field: [exc.message]}} if exc.field else None)
    return error_response(exc.status, exc.message, errors)


def _integrity_error(exc: IntegrityError):
    # A constraint the service did not foresee: the request clashes with stored data, not a server fault.
    from core.db import db

    db.session.rollback()
    return error_response(409, "The request conflicts with stored data (a unique or reference constraint).")


def _too_large() -> str:
    """Which limit a 413 is about: the whole body (MAX_UPLOAD_MB), or the form fields' size or number."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is not None and limit is not None and request.content_length > limit:
        return f"The request body is larger than the limit of {limit / (1024 * 1024):g} MB (MAX_UPLOAD_MB)."
    return (f"The form is too large: its text fields may hold {request.max_form_memory_size} bytes and it may "
            f"have {request.max_form_parts} parts; files may take {limit / (1024 * 1024):g} MB (MAX_UPLOAD_MB).")


def _http_error(exc: HTTPException):
    """Werkzeug errors outside smorest views (404 for unknown URLs, 405, 413...) in the same shape."""
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages")
    message = data.get("message") or exc.description or exc.name
    if isinstance(exc, RequestEntityTooLarge):
        message = _too_large()
    if messages:
        message = "The request has invalid fields; see errors."
    # Keep what the exception says in headers (405's Allow, 401's WWW-Authenticate, 429's Retry-After...);
    # only the body's type is ours.
    headers = [(name, value) for name, value in exc.get_headers() if name.lower() != "content-type"]
    return error_response(exc.code or 500, message, messages, headers)


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
    app.url_map.converters["int"] = IdConverter  # before any blueprint adds its rules
    api.init_app(app, spec_kwargs={"extra_plugins": [_SchemaRules()]})
    api.ma_plugin.converter.add_attribute_function(_text_pattern)  # before any blueprint documents its schemas
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


class _Parser(FlaskParser):
    """webargs' parser, stricter about what arrives: a body that is not declared as JSON is a 415 (not a
    list of "missing" fields), JSON nested past Python's recursion limit is a 400, and text that cannot be
    stored (NUL, control characters, lone surrogates) is a 422 naming the field (core.text)."""

    def _raw_load_json(self, req):
        if not is_json_request(req) and (req.content_length or req.get_data(cache=True)):
            abort(415, message=f"The body is sent as {req.mimetype or 'no content type'}; "
                               "send JSON with 'Content-Type: application/json'.")
        try:
            return super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise  # webargs answers 400 "Invalid JSON body."
        except RecursionError:
            abort(400, messages={"json": ["The JSON body is nested too deeply."]})
        except ValueError as exc:  # e.g. an integer of more than 4300 digits
            abort(400, messages={"json": [f"Invalid JSON body: {exc}"]})

    def _load_location_data(self, *, schema, req, location):
        data = super()._load_location_data(schema=schema, req=req, location=location)
        if location == "json" and data is not webargs_core.missing:
            found = text.problems(data)
        elif location in ("query", "querystring", "form"):
            found = text.pair_problems((req.args if location != "form" else req.form).items(multi=True))
        else:
            found = None
        if found:
            raise ma.ValidationError(found)
        return data


PARSER = _Parser()


_WRITES = {"post", "put", "patch", "delete"}
_BODY = {"json", "form", "files"}


def _refusals(method: str, names_rows: bool, view, apidoc: dict) -> dict[int, str]:
    """The error statuses an operation can answer, by what it is: where it takes input, whether it writes,
    whether it names stored rows in its path, whether it needs a login. Statuses a view documents itself
    (``alt_response``) keep their own description."""
    locations = {p["in"] for p in apidoc.get("arguments", {}).get("parameters", ())}
    found = {}
    if locations & _BODY:
        found[400] = "The body cannot be read (malformed JSON, nested too deeply, a broken form)."
        found[413] = "The body is larger than MAX_UPLOAD_MB, or a form field or the number of parts too large."
        if "json" in locations:
            found[415] = "The body is not sent as JSON (Content-Type: application/json)."
    if method in _WRITES:
        found.setdefault(400, "The CSRF token is missing or wrong (a browser session's write).")
        found[409] = "The request conflicts with stored data or with the state of what it changes."
    if locations or method in _WRITES:
        found[422] = "Invalid input or a rule that forbids it: ``errors`` names each field and what is wrong."
    public = getattr(view, "is_public", False)
    if not public:
        found[401] = "Not logged in: send 'Authorization: Bearer <token>' (POST /api/v1/auth/tokens)."
        found[403] = "The caller's role may not do this, or not to this row."
    if names_rows or locations & _BODY and not public:
        found[404] = "A row named in the path or in the body does not exist."
    return found


def _document_refusals(doc, doc_info, **_):
    if doc_info["public"]:
        doc["security"] = []  # no login needed (the document's default is the bearer token)
    responses = doc.setdefault("responses", {})
    for status, description in doc_info["refusals"].items():
        # smorest's own 422 is a reference to a generic "Unprocessable Entity": ours says more.
        if not isinstance(responses.get(status, responses.get(str(status), "generic")), dict):
            responses.pop(str(status), None)
            responses[status] = {"description": description}
    for status, response in responses.items():
        # Every error answer has the one shape, also those a view documents with a description only.
        if int(status) >= 400 and isinstance(response, dict) and "content" not in response:
            response["content"] = {"application/json": {"schema": ErrorSchema}}
    return doc


class Blueprint(flask_smorest.Blueprint):
    """A smorest blueprint whose views require an authenticated user unless marked ``@public``, and whose
    operations document every error status they can answer."""

    ARGUMENTS_PARSER = PARSER
    PAGINATION_ARGUMENTS_PARSER = PARSER

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.before_request(_require_login)
        self._prepare_doc_cbks.append(_document_refusals)

    def add_url_rule(self, rule, endpoint=None, view_func=None, provide_automatic_options=None, **kwargs):
        super().add_url_rule(rule, endpoint, view_func, provide_automatic_options, **kwargs)
        for method, apidoc in self._docs[self._endpoints[-1]].items():
            if method != "parameters":
                view = getattr(view_func, method) if isinstance(view_func, type) else view_func
                apidoc["refusals"] = _refusals(method, "<" in rule, view, apidoc)
                apidoc["public"] = getattr(view, "is_public", False)
