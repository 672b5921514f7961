"""Account operations: create users, check passwords, issue and revoke tokens. Flush only; callers commit."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from accounts.models import ROLES, ApiToken, User, UserRole, new_session_token
from audit import service as audit
from core.db import db, utcnow
from core.errors import Conflict, Invalid, NotFound

# Compared against when the username is unknown, so a login takes as long for unknown users as for known ones.
_DUMMY_HASH = generate_password_hash("not-a-password")


def create_user(username: str, password: str, roles, full_name: str = "", email: str | None = None,
                certificate_no: str = "") -> User:
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise Invalid(f"unknown role(s) {', '.join(unknown)}; known: {', '.join(ROLES)}", field="roles")
    if not roles:
        raise Invalid("a user needs at least one role", field="roles")
    if len(password) < 8:
        raise Invalid("the password must have at least 8 characters", field="password")
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise Conflict(_l("a user named '%(username)s' already exists", username=username), field="username")
    user = User(
        username=username,
        full_name=full_name or username,
        email=email,
        certificate_no=certificate_no,
        password_hash=generate_password_hash(password),
        role_rows=[UserRole(role=role) for role in sorted(set(roles))],
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", user, None, {"username": username, "roles": sorted(set(roles))})
    return user


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    return user


_AUDITED_USER = ("full_name", "email", "certificate_no", "is_active", "roles")


def search(q: str | None = None) -> sa.Select:
    """Users by username, then id; ``q``: part of the username or full name (taken literally: ``%`` and ``_``
    are no wildcards, case ignored)."""
    query = sa.select(User).order_by(User.username, User.id)
    if q:
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", q) + "%"
        query = query.where(sa.or_(User.username.ilike(pattern, escape="\\"),
                                   User.full_name.ilike(pattern, escape="\\")))
    return query


def tokens_of(user: User, limit: int = 50) -> tuple[list[ApiToken], int]:
    """The user's API tokens, newest first (up to ``limit``), and how many they hold in all."""
    rows = db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id)
                              .order_by(ApiToken.created_dt.desc(), ApiToken.id.desc()).limit(limit)).all()
    total = db.session.scalar(sa.select(sa.func.count()).where(ApiToken.user_id == user.id))
    return rows, total


def revoke_token_of(user: User, token_id: int, actor_id: int) -> ApiToken:
    """An administrator revokes one of ``user``'s tokens (already revoked: kept as it was). ``NotFound`` when
    the user holds no such token."""
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
    if row is None:
        raise NotFound(f"user {user.id} holds no token {token_id}")
    if row.revoked_dt is None:
        row.revoked_dt = utcnow()
        db.session.flush()
        audit.record("user.token_revoked", user, None, {"token_id": token_id}, actor_id)
    return row


def end_sessions_of(user: User, actor_id: int) -> None:
    """An administrator ends every browser session of ``user`` (``end_sessions``), recorded in the audit log."""
    end_sessions(user)
    db.session.flush()
    audit.record("user.sessions_ended", user, None, None, actor_id)


def end_sessions(user: User) -> None:
    """End every browser session of ``user`` at once, on every device: their session id carries the old
    session token (``User.get_id``), which no longer matches. Reactivating the user brings none back."""
    user.session_token = new_session_token()


def update_user(user: User, data: dict, actor_id: int) -> User:
    """An administrator changes a user. A new password or a deactivation revokes every token the user holds
    and ends every browser session (``end_sessions``). Administrators cannot lock themselves out: another
    administrator has to take their role or deactivate them."""
    data = dict(data)
    if user.id == actor_id and ("admin" not in data.get("roles", ["admin"]) or data.get("is_active") is False):
        raise Conflict(_l("you cannot take away your own admin role or deactivate yourself; ask another "
                          "administrator"), field="roles" if "roles" in data else "is_active")
    before = audit.snapshot(user, _AUDITED_USER)
    roles = sorted(set(data.pop("roles", user.roles)))
    password = data.pop("password", None)
    for key, value in audit.changes(user, data).items():
        setattr(user, key, value)
    if roles != user.roles:
        kept = [row for row in user.role_rows if row.role in roles]
        added = [UserRole(role=role) for role in roles if role not in user.roles]
        user.role_rows = sorted(kept + added, key=lambda row: row.role)
    if password is not None:
        user.password_hash = generate_password_hash(password)
    if password is not None or not user.is_active:
        end_sessions(user)
        db.session.execute(sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_dt.is_(None))
                           .values(revoked_dt=utcnow()))
    db.session.flush()
    after = audit.snapshot(user, _AUDITED_USER)
    if after != before or password is not None:
        changed = [key for key in _AUDITED_USER if after[key] != before[key]]
        audit.record("user.updated", user, {key: before[key] for key in changed},
                     {key: after[key] for key in changed} | ({"password": "changed"} if password else {}), actor_id)
    return user


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.is_active or not check_password_hash(user.password_hash, password):
        return None
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, ttl_hours: int) -> tuple[str, ApiToken]:
    token = secrets.token_urlsafe(32)
    row = ApiToken(user=user, token_hash=_digest(token), expires_dt=utcnow() + timedelta(hours=ttl_hours))
    db.session.add(row)
    db.session.flush()
    return token, row


def user_for_token(token: str) -> User | None:
    """The active user of a live token, in one query (every API request asks)."""
    return db.session.scalar(
        sa.select(User).join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == _digest(token), ApiToken.revoked_dt.is_(None),
               ApiToken.expires_dt > utcnow(), User.is_active)
    )


def revoke_token(token: str) -> None:
    db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.token_hash == _digest(token), ApiToken.revoked_dt.is_(None))
        .values(revoked_dt=utcnow())
    )
