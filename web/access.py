"""Page access: anonymous visitors go to the login page, the wrong role gets a 403 page."""

from __future__ import annotations

import unicodedata
from functools import wraps
from urllib.parse import quote, unquote, urlsplit

from flask import abort, redirect, request, url_for
from flask_login import current_user


def safe_next(target: str | None) -> str | None:
    """The page to show after login, if ``target`` (the decoded ``next`` parameter) is a path on this site;
    else ``None`` (the caller goes home). Returned re-encoded: ASCII only, one leading slash, no fragment.

    Refused: anything with a scheme or host (``https://x``, ``//x``, ``https:x``, ``javascript:``), a
    backslash (browsers read ``/\\x`` as ``//x``), control, format or separator characters anywhere (browsers
    drop tabs and newlines, so ``/<TAB>/x`` became ``//x``; a newline broke the header), a second leading
    slash, dot segments (``/./`` or ``/%2e/`` collapse into ``//``) and overlong values.
    """
    if not target or len(target) > 2000 or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(unicodedata.category(ch)[0] in "CZ" for ch in target):
        return None
    parts = urlsplit(target)  # one leading slash: no scheme, no host, only a path and a query
    if any(unquote(segment).strip().lower() in (".", "..") for segment in parts.path.split("/")):
        return None
    path = quote(parts.path, safe="/%:@!$&'()*+,;=-._~")
    query = quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
    return f"{path}?{query}" if query else path


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


# Who reads inspections and their enforcement documents: the people who inspect, manage or administer.
# Environmental staff work on water bodies; an inspection's record carries signatures and phone numbers.
INSPECTION_READERS = ("inspector", "safety_manager", "admin")
