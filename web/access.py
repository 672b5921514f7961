"""Page access: anonymous visitors go to the login page, the wrong role gets a 403 page."""

from __future__ import annotations

from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user


def safe_next(target: str | None) -> str | None:
    """Only paths on this site are followed after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def page(*roles: str):
    """A page for logged-in users, optionally only those holding one of ``roles``."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
            if roles and not current_user.has_any_role(roles):
                abort(403)
            return view(*args, **kwargs)

        wrapper.required_roles = roles
        return wrapper

    return decorate


def can(*roles: str) -> bool:
    return current_user.is_authenticated and current_user.has_any_role(roles)
