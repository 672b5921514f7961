"""Who is calling: Flask-Login sessions for pages, bearer tokens for the API, role checks for both."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from functools import wraps

from flask import after_this_request, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.exceptions import Unauthorized

from accounts import service
from accounts.models import User
from core.db import db
from core.errors import Forbidden

login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address)


# A browser that has logged in as a user carries this cookie (signed, so it cannot be made up); its failed
# attempts for that user are counted apart from everyone else's, so others' failures cannot lock it out.
DEVICE_COOKIE = "login_device"
DEVICE_MAX_AGE = 180 * 24 * 3600
_DEVICE_SALT = "login-device"
LIMIT_MESSAGE = "too many failed logins; wait a minute and try again"


def _login_username() -> str:
    """The username a login request names, as the counters see it (trimmed, lower case), or ``""``."""
    try:
        body = request.get_json(silent=True) if request.is_json else request.form
    except RecursionError:  # JSON nested too deeply (``silent`` covers only ValueError); the parser answers 400
        body = None
    # Any JSON value may arrive here before the schema refuses it; only an object can name a user.
    return str(body.get("username", "")).strip()[:64].lower() if isinstance(body, Mapping) else ""


def _devices() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_DEVICE_SALT)


def _known_device(username: str) -> str | None:
    """The id of this browser if it carries a device cookie for ``username`` (from a successful login)."""
    cookie = request.cookies.get(DEVICE_COOKIE)
    if not cookie or not username:
        return None
    try:
        data = _devices().loads(cookie, max_age=DEVICE_MAX_AGE)
    except BadData:
        return None
    return data.get("device") if isinstance(data, dict) and data.get("user") == username else None


def failed_login_key() -> str:
    """Failed logins are counted per username and client: a known device (its cookie), else the client's
    address (behind proxies, the one ``TRUSTED_PROXIES`` lets through)."""
    username = _login_username()
    device = _known_device(username)
    return f"device:{device}|{username}" if device else f"{get_remote_address()}|{username}"


def login_failed() -> None:
    """Count this request as a failed login (every login view calls it on a wrong username or password)."""
    g.login_failed = True


def _counts(_response) -> bool:
    return g.get("login_failed", False)


def limit_failed_logins(view):
    """The failed-login limits every login (the page and the API) shares, counted in one store
    (``RATE_LIMIT_STORAGE_URI``) across both and across all workers; successful logins do not count.

    - ``LOGIN_RATE_LIMIT`` per username and client (``failed_login_key``);
    - ``LOGIN_ACCOUNT_RATE_LIMIT`` per username over all clients that are not a known device of that user:
      it holds off guessing from many addresses, and a user's own tablets and desks keep logging in while it
      is exhausted.
    """
    per_client = limiter.shared_limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], scope="login",
                                      key_func=failed_login_key, methods=["POST"], deduct_when=_counts,
                                      error_message=LIMIT_MESSAGE)
    per_account = limiter.shared_limit(lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"],
                                       scope="login-account", key_func=_login_username, methods=["POST"],
                                       exempt_when=lambda: _known_device(_login_username()) is not None,
                                       deduct_when=_counts, error_message=LIMIT_MESSAGE)
    return per_client(per_account(view))


def remember_device(username: str) -> None:
    """Mark this browser as a known device of ``username`` once this (successful) login answers; see
    ``DEVICE_COOKIE``."""
    name = username.lower()
    device = _known_device(name) or secrets.token_urlsafe(12)

    @after_this_request
    def _set_cookie(response):
        response.set_cookie(DEVICE_COOKIE, _devices().dumps({"user": name, "device": device}),
                            max_age=DEVICE_MAX_AGE, httponly=True, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
        return response


@login_manager.user_loader
def _load_session_user(session_id: str) -> User | None:
    """The user of a browser session, if its id (``User.get_id``) still carries the user's current session
    token: a new password, a deactivation or a logout replaces the token and so ends every older session."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdecimal() or not token:
        return None  # a session from before alternative ids, or not ours
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or not hmac.compare_digest(user.session_token, token):
        return None
    return user


@login_manager.request_loader
def _load_bearer_user(request) -> User | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    return service.user_for_token(token.strip())


def roles_required(*roles: str):
    """Allow a view only to users holding one of ``roles``; the roles are kept on the view for audits."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                raise Unauthorized("Authentication required.")
            if not current_user.has_any_role(roles):
                raise Forbidden(f"this action needs one of the roles: {', '.join(roles)}")
            return view(*args, **kwargs)

        wrapper.required_roles = roles
        return wrapper

    return decorate
