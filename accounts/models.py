from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, db, utcnow

ROLES = ("inspector", "safety_manager", "env_staff", "admin")


def new_session_token() -> str:
    """A fresh random value for ``User.session_token`` (22 URL-safe characters)."""
    return secrets.token_urlsafe(16)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(100))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    certificate_no: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")  # 行政执法证号
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Part of every browser session's user id (``get_id``); a new value ends all of the user's sessions.
    session_token: Mapped[str] = mapped_column(sa.String(32), default=new_session_token)
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UserRole.role"
    )

    def get_id(self) -> str:
        """Flask-Login's alternative id, kept in the session (and a remember cookie if one were set):
        ``"<id>:<session_token>"``. A session whose token is not the user's current one is no session."""
        return f"{self.id}:{self.session_token}"

    @property
    def roles(self) -> list[str]:
        return [row.role for row in self.role_rows]

    def has_any_role(self, roles) -> bool:
        return not set(roles).isdisjoint(self.roles)


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (sa.CheckConstraint(sa.column("role").in_(ROLES), name="known_role"),)

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(20), primary_key=True)


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored, so a database leak does not leak tokens."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user: Mapped[User] = relationship()
