"""Who is calling: Flask-Login sessions for pages, bearer tokens for the API, role checks for both."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from functools import wraps

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from werkzeug.exceptions import Unauthorized

from accounts import service
from accounts.models import User
from core.db import db
from core.errors import Forbidden

login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address)


def failed_login_key() -> str:
    """Failed logins are counted per client address and username, so guessing one account is slowed
    without locking its owner out from another place."""
    try:
        body = request.get_json(silent=True) if request.is_json else request.form
    except RecursionError:  # JSON nested too deeply (``silent`` covers only ValueError); the parser answers 400
        body = None
    # Any JSON value may arrive here before the schema refuses it; only an object can name a user.
    username = str(body.get("username", ""))[:64].lower() if isinstance(body, Mapping) else ""
    return f"{get_remote_address()}|{username}"


def limit_failed_logins(view):
    """Allow ``LOGIN_RATE_LIMIT`` failed attempts; successful logins do not count."""
    return limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=failed_login_key,
                         deduct_when=lambda response: response.status_code == 401,
                         error_message="too many failed logins; wait a minute and try again")(view)


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
