"""Record state changes. Called by every service that changes state, inside the same transaction."""

from __future__ import annotations

from datetime import date, datetime

from flask_login import current_user

from audit.models import AuditEntry
from core.db import db


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def snapshot(obj, fields) -> dict:
    return {name: _plain(getattr(obj, name)) for name in fields}


def changes(entity, data: dict) -> dict:
    """The fields of ``data`` whose value differs from the entity's."""
    return {key: value for key, value in data.items() if getattr(entity, key) != value}


def apply(action: str, entity, changed: dict, actor_id: int | None = None) -> None:
    """Set ``changed`` on the entity and record old and new values. Nothing changed: nothing is written or
    recorded, so a retried edit is harmless."""
    if not changed:
        return
    before = snapshot(entity, changed)
    for key, value in changed.items():
        setattr(entity, key, value)
    db.session.flush()
    record(action, entity, before, snapshot(entity, changed), actor_id)


def record(action: str, entity, before: dict | None, after: dict | None, actor_id: int | None = None) -> None:
    if actor_id is None and current_user and current_user.is_authenticated:
        actor_id = current_user.id
    db.session.add(
        AuditEntry(
            actor_id=actor_id,
            action=action,
            entity_type=type(entity).__tablename__,
            entity_id=entity.id,
            before=before,
            after=after,
        )
    )
